"""Who may use the admin commands, and where: the configured admins, in a private place."""

from __future__ import annotations

from bot.admin.wording import refusal
from bot.config import Config
from bot.models import Question, Reply

NOT_AN_ADMIN = "Sorry, dit commando is alleen voor beheerders van de bot."
NOT_HERE = "Beheercommando's werken alleen in de beheerruimte of in een 1-op-1-gesprek met mij."


def admin_refusal(config: Config, question: Question) -> Reply | None:
    """None when ``question`` may run an admin command; else the refusal to send."""
    admins = config.admins
    if question.sender_id not in admins.users:
        return refusal(NOT_AN_ADMIN)
    if admins.room and question.conversation_id != admins.room and not question.private:
        # Stats and logged questions are for admins' eyes only: not in a shared room.
        return refusal(NOT_HERE)
    return None
