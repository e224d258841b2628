"""What an incoming Teams app activity means, without I/O: a question, a feedback vote, an
install to welcome, or nothing for the bot.

Teams' own rules (Microsoft's "Conversation basics" for bots): in a 1:1 (``personal``) chat
every message is for the bot; in group chats and channels the bot only receives messages that
@mention it (with RSC permissions it could receive more, so the mention is checked here too).
A card's ``Action.Submit`` arrives as a message with ``value`` and no text. The feedback
buttons Teams draws under a message with ``channelData.feedbackLoopEnabled`` arrive as an
``invoke`` named ``message/submitAction``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from microsoft_agents.activity import Activity

from bot.models import Question
from bot.transports.teams.activity import clean_text
from bot.transports.teams.cards import CHOICE_KEY

TRANSPORT = "teams_app"
_THREAD = re.compile(r";messageid=(\d+)$")


@dataclass(frozen=True)
class Feedback:
    value: int  # +1 (like) or -1 (dislike)
    answer_id: str | None  # the bot message voted on; the Playground leaves it out


@dataclass(frozen=True)
class Turn:
    kind: Literal["question", "feedback", "welcome", "ignore"]
    question: Question | None = None
    feedback: Feedback | None = None
    reason: str = ""  # for "ignore", in the debug log


def _ignore(reason: str) -> Turn:
    return Turn("ignore", reason=reason)


def conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    return kind or "personal"


def thread_of(conversation_id: str) -> str | None:
    """A channel reply chain is the conversation id with ``;messageid=<root>``."""
    found = _THREAD.search(conversation_id)
    return found.group(1) if found else None


def sender_of(activity: Activity) -> str:
    """The Entra object id (what admins are configured by), else the Teams user id."""
    sender = activity.from_property
    if sender is None:
        return ""
    return sender.aad_object_id or sender.id or ""


def mentions_bot(activity: Activity) -> bool:
    recipient = activity.recipient.id if activity.recipient is not None else None
    if not recipient:
        return False
    for mention in activity.get_mentions():
        mentioned = getattr(mention, "mentioned", None)
        if mentioned is not None and mentioned.id == recipient:
            return True
    return False


def _choice(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    number = value.get(CHOICE_KEY)
    if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 100:
        return str(number)
    return None


def _question(activity: Activity, text: str, addressed: bool) -> Question:
    conversation_id = activity.conversation.id if activity.conversation is not None else ""
    personal = conversation_type(activity) == "personal"
    return Question(
        text=text,
        transport=TRANSPORT,
        conversation_id=conversation_id,
        sender_id=sender_of(activity),
        thread_id=thread_of(conversation_id),
        mentioned=addressed,
        always_addressed=personal,
        private=personal,
        can_post_later=True,
        address_hint="" if personal else "noem @Partnerwijzer in je bericht",
    )


def interpret(activity: Activity) -> Turn:
    """The meaning of one activity the SDK has authenticated and parsed."""
    kind = activity.type
    if kind == "message":
        return _message(activity)
    if kind == "invoke":
        return _invoke(activity)
    if kind == "conversationUpdate":
        return _conversation_update(activity)
    return _ignore(f"activity type {kind!r}")


def _message(activity: Activity) -> Turn:
    personal = conversation_type(activity) == "personal"
    choice = _choice(activity.value)
    if choice is not None:
        # A button on the bot's own card: as good as typing the number to the bot.
        return Turn("question", _question(activity, choice, addressed=True))
    if not isinstance(activity.text, str):
        return _ignore("message without text")
    addressed = personal or mentions_bot(activity)
    if not addressed:
        return _ignore("not addressed to the bot")
    return Turn("question", _question(activity, clean_text(activity.text), addressed=True))


def _invoke(activity: Activity) -> Turn:
    if activity.name != "message/submitAction":
        return _ignore(f"invoke {activity.name!r}")
    value = activity.value if isinstance(activity.value, Mapping) else {}
    action = value.get("actionValue")
    if value.get("actionName") != "feedback" or not isinstance(action, Mapping):
        return _ignore("submitAction that is not feedback")
    reaction = action.get("reaction")
    if reaction not in ("like", "dislike"):
        return _ignore("feedback without like/dislike")
    # The free text users may add (action["feedback"]) is never stored: it is user content.
    vote = Feedback(1 if reaction == "like" else -1, activity.reply_to_id or None)
    return Turn("feedback", feedback=vote)


def _conversation_update(activity: Activity) -> Turn:
    recipient = activity.recipient.id if activity.recipient is not None else None
    added = activity.members_added or []
    if conversation_type(activity) != "personal":
        return _ignore("added to a team or group chat")
    if recipient is None or not any(member.id == recipient for member in added):
        return _ignore("members added, not the bot")
    return Turn("welcome", question=_question(activity, "", addressed=True))
