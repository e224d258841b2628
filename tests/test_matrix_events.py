"""The Matrix event layer without a server: nio's own ``from_dict`` events in, decisions out."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from nio import (
    InviteMemberEvent,
    JoinResponse,
    MatrixRoom,
    ReactionEvent,
    RoomMemberEvent,
    RoomMessageText,
)

from bot.config import Config, MatrixConfig
from bot.models import Question, Reply
from bot.store import Store
from bot.transports.matrix.events import Ask, EventReader, Feedback, Ignore, Room
from bot.transports.matrix.rooms import Invite, invite_from_membership
from bot.transports.matrix.transport import MatrixTransport

BOT = "@partnerwijzer:example.org"
ALICE = "@alice:example.org"
NOW = 1_800_000_000.0
CONFIG = Config(
    matrix=MatrixConfig(
        homeserver="http://127.0.0.1:1",
        user_id=BOT,
        allowed_inviters=(":example.org",),
        allowed_rooms=("!room:example.org",),
    )
)


def text_event(body: str, **extra: Any) -> RoomMessageText:
    content: dict[str, Any] = {"msgtype": "m.text", "body": body, **extra.pop("content", {})}
    source = {
        "type": "m.room.message",
        "event_id": extra.pop("event_id", "$q1"),
        "sender": extra.pop("sender", ALICE),
        "origin_server_ts": int(extra.pop("at", NOW) * 1000),
        "content": content,
    }
    event = RoomMessageText.from_dict(source)
    assert isinstance(event, RoomMessageText)
    return event


def reaction(key: str, reacts_to: str, event_id: str = "$r1", sender: str = ALICE) -> ReactionEvent:
    source = {
        "type": "m.reaction",
        "event_id": event_id,
        "sender": sender,
        "origin_server_ts": int(NOW * 1000),
        "content": {
            "m.relates_to": {"rel_type": "m.annotation", "event_id": reacts_to, "key": key}
        },
    }
    event = ReactionEvent.from_dict(source)
    assert isinstance(event, ReactionEvent)
    return event


class Reader:
    def __init__(self) -> None:
        self.answered: set[str] = set()
        self.offers: dict[str, str | None] = {"$offer": "$root"}
        self.reader = EventReader(
            CONFIG,
            seen=self.answered.__contains__,
            not_before=lambda: (NOW - 600) * 1000,
            offers=self.offers,
        )

    def read(self, event: Any, direct: bool = False) -> Any:
        return self.reader.read(event, Room("!room:example.org", direct, "Partnerwijzer"))


@pytest.fixture
def reader() -> Reader:
    return Reader()


def test_a_mention_becomes_a_question_for_the_bot(reader: Reader) -> None:
    event = text_event(
        "Partnerwijzer: mag een boa online rondkijken?", content={"m.mentions": {"user_ids": [BOT]}}
    )
    reading = reader.read(event)
    assert isinstance(reading, Ask)
    question = reading.question
    assert question.text == "mag een boa online rondkijken?"
    assert question.mentioned and not question.always_addressed and not question.private
    assert question.can_post_later and question.address_hint
    assert reading.reply_to == "$q1" and reading.thread_root is None


def test_in_a_direct_chat_every_message_is_for_the_bot_and_private(reader: Reader) -> None:
    reading = reader.read(text_event("wat mag de gemeente?"), direct=True)
    assert isinstance(reading, Ask)
    assert reading.question.always_addressed and reading.question.private


def test_a_thread_message_is_answered_in_its_thread(reader: Reader) -> None:
    event = text_event(
        "Partnerwijzer wat doet een wijkagent?",
        content={"m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}},
    )
    reading = reader.read(event)
    assert isinstance(reading, Ask) and reading.thread_root == "$root"
    assert reading.question.thread_id == "$root"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (text_event("hoi", sender=BOT), "own event"),
        (text_event("hoi", at=NOW - 3600), "too old to answer"),
        (
            text_event(
                "* hoi", content={"m.relates_to": {"rel_type": "m.replace", "event_id": "$q0"}}
            ),
            "an edit",
        ),
        (reaction("2️⃣", "$offer", sender=BOT), "own event"),
        (reaction("2️⃣", "$someone-elses-message"), "a reaction"),
    ],
)
def test_the_gate_ignores(reader: Reader, event: Any, reason: str) -> None:
    assert reader.read(event) == Ignore(reason)


def test_the_same_gate_holds_for_text_and_choices(reader: Reader) -> None:
    reader.answered.update({"$q1", "$r1"})
    assert reader.read(text_event("hoi")) == Ignore("already answered")
    assert reader.read(reaction("2️⃣", "$offer")) == Ignore("already answered")


def test_a_keycap_on_an_offer_is_a_choice_in_its_thread(reader: Reader) -> None:
    reading = reader.read(reaction("2\ufe0f\u20e3", "$offer"))
    assert isinstance(reading, Ask)
    assert reading.question.text == "2" and reading.only_answers
    assert reading.reply_to == "$offer" and reading.thread_root == "$root"


def test_thumbs_are_feedback(reader: Reader) -> None:
    assert reader.read(reaction("👍🏽", "$answer")) == Feedback("$r1", "$answer", 1)
    assert reader.read(reaction("👎", "$answer", event_id="$r2")) == Feedback("$r2", "$answer", -1)


# ---- the transport around the reader (no server: a stand-in client and assistant)


class Answers:
    """A SerialAssistant stand-in: records questions, replies None or raises."""

    def __init__(self, fail: bool = False) -> None:
        self.questions: list[Question] = []
        self.fail = fail

    def handle_now(self, question: Question) -> None:
        return None  # always the worker's turn: ``handle``

    async def handle(self, question: Question) -> Reply | None:
        self.questions.append(question)
        if self.fail:
            raise RuntimeError("assistant broke")
        return None


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as opened:
        yield opened


def transport(store: Store, answers: Answers) -> MatrixTransport:
    return MatrixTransport(CONFIG, answers, store, {}, clock=lambda: NOW)  # type: ignore[arg-type]


def two_member_room() -> MatrixRoom:
    room = MatrixRoom("!room:example.org", BOT)
    room.add_member(BOT, "Partnerwijzer", None)
    room.add_member(ALICE, "Alice", None)
    return room


async def test_a_two_member_group_room_is_not_a_direct_chat(store: Store) -> None:
    answers = Answers()
    bot = transport(store, answers)
    task = bot._consider(None, two_member_room(), text_event("hallo allemaal"), answer=True)  # type: ignore[arg-type]
    assert task is not None
    await task
    (question,) = answers.questions
    assert not question.always_addressed and not question.private


async def test_a_room_invited_to_as_direct_is_a_direct_chat(store: Store) -> None:
    answers = Answers()
    bot = transport(store, answers)
    store.record_direct("!room:example.org")
    task = bot._consider(None, two_member_room(), text_event("wat mag de politie?"), answer=True)  # type: ignore[arg-type]
    assert task is not None
    await task
    assert answers.questions[0].always_addressed


async def test_a_failing_assistant_on_a_choice_does_not_stop_the_bot(store: Store) -> None:
    bot = transport(store, Answers(fail=True))
    bot._delivery.offers["$offer"] = None
    task = bot._consider(None, two_member_room(), reaction("1️⃣", "$offer"), answer=True)  # type: ignore[arg-type]
    assert task is not None
    await task  # raises nothing: the sync loop that awaits these batches goes on
    assert task.exception() is None


def test_a_fresh_store_answers_nothing_from_before_this_start(store: Store) -> None:
    bot = transport(store, Answers())
    assert bot._not_before_ms() == (NOW - 600) * 1000
    bot._fresh_since = NOW  # as _sync_loop sets it when the store has no sync token
    assert bot._not_before_ms() == NOW * 1000


class Client:
    def __init__(self) -> None:
        self.joined: list[str] = []

    async def join(self, room_id: str) -> JoinResponse:
        self.joined.append(room_id)
        return JoinResponse(room_id)


async def test_an_invite_is_logged_without_the_inviter_and_direct_is_kept(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    invite = InviteMemberEvent.from_dict(
        {
            "type": "m.room.member",
            "sender": ALICE,
            "state_key": BOT,
            "content": {"membership": "invite", "is_direct": True},
        }
    )
    response = SimpleNamespace(
        rooms=SimpleNamespace(invite={"!dm:example.org": SimpleNamespace(invite_state=[invite])})
    )
    bot = transport(store, Answers())
    client = Client()
    with caplog.at_level(logging.INFO):
        tasks = bot._handle_invites(client, response)  # type: ignore[arg-type]
        for task in tasks:
            await task
    assert client.joined == ["!dm:example.org"]
    assert store.joined_on_allowed_invite("!dm:example.org") and store.is_direct("!dm:example.org")
    assert "alice" not in caplog.text.lower()


def test_the_invite_is_read_back_from_the_join_event() -> None:
    join = RoomMemberEvent.from_dict(
        {
            "type": "m.room.member",
            "event_id": "$join",
            "sender": BOT,
            "state_key": BOT,
            "origin_server_ts": 1,
            "content": {"membership": "join"},
            "unsigned": {
                "prev_content": {"membership": "invite", "is_direct": True},
                "prev_sender": ALICE,
            },
        }
    )
    assert isinstance(join, RoomMemberEvent)
    assert invite_from_membership(join) == Invite(ALICE, direct=True)


class StateClient:
    """A client stand-in for a room whose join event lost its invite record."""

    def __init__(self, invite: RoomMemberEvent) -> None:
        self.invite = invite

    async def room_get_event(self, room_id: str, event_id: str) -> Any:
        from nio import RoomGetEventResponse

        assert event_id == "$invite"
        return RoomGetEventResponse.from_dict(self.invite.source)


async def test_a_lost_store_is_re_derived_from_member_state(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.transports.matrix.rooms import Rooms

    def member(event_id: str, sender: str, membership: str, **extra: Any) -> RoomMemberEvent:
        event = RoomMemberEvent.from_dict(
            {
                "type": "m.room.member",
                "event_id": event_id,
                "sender": sender,
                "state_key": BOT,
                "origin_server_ts": 1,
                "content": {"membership": membership, **extra.pop("content", {})},
                **extra,
            }
        )
        assert isinstance(event, RoomMemberEvent)
        return event

    invite = member("$invite", ALICE, "invite", content={"is_direct": True})
    join = member("$join", BOT, "join", unsigned={"replaces_state": "$invite"})
    rooms = Rooms(CONFIG, store)
    with caplog.at_level(logging.INFO):
        served = await rooms.serves_joined(StateClient(invite), "!dm:example.org", [join])  # type: ignore[arg-type]
        stranger = member("$i2", "@eve:elsewhere.org", "invite")
        other = member("$j2", BOT, "join", unsigned={"replaces_state": "$invite"})
        unserved = await rooms.serves_joined(StateClient(stranger), "!x:example.org", [other])  # type: ignore[arg-type]
    assert served and store.joined_on_allowed_invite("!dm:example.org")
    assert store.is_direct("!dm:example.org")
    assert not unserved
    assert "room !x:example.org: not served" in caplog.text
