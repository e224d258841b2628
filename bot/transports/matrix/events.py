"""What a Matrix event means to the bot, decided without a client: the pure event layer.

``EventReader.read`` takes one timeline event and the facts of its room and says what to do:
ask the assistant (``Ask``), record answer feedback (``Feedback``, ``Withdrawn``), or nothing
(``Ignore``, with the reason). Text messages and 1️⃣/2️⃣ choices pass one gate: never the
bot's own events, never an event already answered (or being answered), nothing older than
the catch-up window, never an edit. Tests drive it with nio's ``from_dict`` events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nio import Event, MegolmEvent, ReactionEvent, RedactionEvent, RoomMessageText

from bot.config import Config
from bot.models import Question
from bot.transports.matrix.content import (
    choice_number,
    feedback_value,
    mentions_bot_by_pill,
    strip_html_reply_fallback,
    strip_leading_name,
    strip_reply_fallback,
)

TRANSPORT = "matrix"


@dataclass(frozen=True)
class Room:
    """The facts of a room that decide how its messages are read."""

    room_id: str
    direct: bool  # a 1:1 chat (the invite said so): every message is for the bot
    bot_display_name: str | None = None  # how the bot is called in this room


@dataclass(frozen=True)
class Ask:
    """Ask the assistant ``question`` for ``event_id``; reply to ``reply_to`` in its thread."""

    event_id: str
    question: Question
    reply_to: str
    thread_root: str | None
    only_answers: bool = False  # a choice: send nothing unless it picks an answer


@dataclass(frozen=True)
class Feedback:
    event_id: str
    reacts_to: str
    value: int  # +1 / -1


@dataclass(frozen=True)
class Withdrawn:
    redacts: str


@dataclass(frozen=True)
class Ignore:
    reason: str


Reading = Ask | Feedback | Withdrawn | Ignore


def address_hint(bot_user_id: str, prefix: str) -> str:
    """How to address the bot on Matrix, for the help text."""
    return (
        f"In een ruimte noem je mij ({bot_user_id}) in je bericht, of begin je met {prefix}; "
        "in een 1-op-1-gesprek met mij is elk bericht een vraag."
    )


class EventReader:
    def __init__(
        self,
        config: Config,
        seen: Callable[[str], bool],
        not_before: Callable[[], float],
        offers: Mapping[str, str | None],
    ) -> None:
        """``seen(event_id)``: already answered or being answered. ``not_before()``: the
        oldest server timestamp (ms) still answered. ``offers``: our "Bedoel je" messages
        (event id → thread root)."""
        if config.matrix is None:
            raise ValueError("EventReader needs a 'matrix:' section in the config")
        self._config = config
        self._me = config.matrix.user_id
        self._seen = seen
        self._not_before = not_before
        self._offers = offers
        self._address_hint = address_hint(self._me, config.assistant.command_prefix)

    def address_hint(self) -> str:
        return self._address_hint

    def read(self, event: Event, room: Room) -> Reading:
        if isinstance(event, MegolmEvent):
            return Ignore("undecryptable")
        if getattr(event, "sender", None) == self._me:
            return Ignore("own event")
        if isinstance(event, ReactionEvent):
            return self._reaction(event, room)
        if isinstance(event, RedactionEvent):
            return Withdrawn(event.redacts)
        # RoomMessageText only: m.notice (other bots), emotes, media and state are never answered.
        if not isinstance(event, RoomMessageText):
            return Ignore("not a text message")
        closed = self._gate(event)
        if closed is not None:
            return closed
        content: Mapping[str, Any] = event.source.get("content", {})
        relation: Mapping[str, Any] = content.get("m.relates_to") or {}
        thread = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
        thread_root = thread if isinstance(thread, str) else None
        text, mentioned = self._addressed(event, content, relation, room)
        question = self._question(text, event.sender, room, thread_root, mentioned)
        return Ask(event.event_id, question, event.event_id, thread_root)

    def _gate(self, event: Event) -> Ignore | None:
        """The one gate for everything that may be answered."""
        if self._seen(event.event_id):
            return Ignore("already answered")
        if event.server_timestamp < self._not_before():
            return Ignore("too old to answer")  # the catch-up window, or a fresh store's start
        relation = event.source.get("content", {}).get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace":
            return Ignore("an edit")  # of an earlier message, not a new question
        return None

    def _reaction(self, event: ReactionEvent, room: Room) -> Reading:
        value = feedback_value(event.key)
        if value is not None:
            return Feedback(event.event_id, event.reacts_to, value)
        number = choice_number(event.key)
        if number is None or event.reacts_to not in self._offers:
            return Ignore("a reaction")
        closed = self._gate(event)
        if closed is not None:
            return closed
        thread_root = self._offers[event.reacts_to]
        question = self._question(number, event.sender, room, thread_root, mentioned=True)
        # Only the person the options were offered to can choose; anyone else's 2️⃣ is just
        # a reaction, and gets no "geen antwoord" in reply.
        return Ask(event.event_id, question, event.reacts_to, thread_root, only_answers=True)

    def _addressed(
        self,
        event: RoomMessageText,
        content: Mapping[str, Any],
        relation: Mapping[str, Any],
        room: Room,
    ) -> tuple[str, bool]:
        """The question text without the bot's name, and whether the bot was addressed."""
        me = self._me
        body = strip_reply_fallback(event.body or "", "m.in_reply_to" in relation)
        html = strip_html_reply_fallback(event.formatted_body or "")
        mentions = content.get("m.mentions")
        user_ids = mentions.get("user_ids", []) if isinstance(mentions, Mapping) else []
        names = (
            me,
            me[1:].split(":", 1)[0],
            room.bot_display_name,
            self._config.assistant.bot_name,
        )
        text, named_at_start = strip_leading_name(body, [n for n in names if n])
        mentioned = me in user_ids or named_at_start or mentions_bot_by_pill(html, me)
        return text.replace(me, "").strip(), mentioned

    def _question(
        self, text: str, sender: str, room: Room, thread_root: str | None, mentioned: bool
    ) -> Question:
        return Question(
            text=text,
            transport=TRANSPORT,
            conversation_id=room.room_id,
            sender_id=sender,
            thread_id=thread_root,
            mentioned=mentioned,
            always_addressed=room.direct,
            private=room.direct,
            can_post_later=True,
            address_hint=self._address_hint,
        )
