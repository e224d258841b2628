"""Who may use the admin commands, and where: the configured admins, in a private place."""

from __future__ import annotations

from bot.admin.wording import refusal
from bot.config import Config
from bot.models import Question, Reply

NOT_AN_ADMIN = "Sorry, dit commando is alleen voor beheerders van de bot."
NOT_HERE = "Beheercommando's werken alleen in de beheerruimte of in een 1-op-1-gesprek met mij."


def admin_refusal(config: Config, question: Question) -> Reply | None:
    """None when ``question`` may run an admin command; else the refusal to send.

    Admins are configured per transport, and admin output (statistics, logged questions)
    is only given in a private place: a 1:1 chat or the admin room, never a shared room or
    a Teams channel, also when no admin room is configured.
    """
    admins = config.admins
    if not question.sender_id or question.sender_id not in admins.ids_for(question.transport):
        return refusal(NOT_AN_ADMIN)
    in_admin_room = admins.room is not None and question.conversation_id == admins.room
    if not (question.private or in_admin_room):
        return refusal(NOT_HERE)
    return None
