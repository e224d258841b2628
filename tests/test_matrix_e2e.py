"""End-to-end: the real bot (MatrixTransport + Assistant + shipped knowledge) on a real Synapse,
with nio clients as the people in the room."""

from __future__ import annotations

from typing import Any

import pytest
from nio import MegolmEvent, RoomMessageNotice
from synapse_server import BotRunner, Human, in_reply_to, is_membership, unique

pytestmark = pytest.mark.synapse

QUESTION = "mag een boa online rondkijken?"
CONTROL = "wat doet het jongerenwerk?"


async def group_room(alice: Human, bob: Human, bot: BotRunner, encrypted: bool = False) -> str:
    """A three-person room (so not a 1:1), with the bot joined."""
    room_id = await alice.create_room([bob.user_id, bot.user_id], encrypted=encrypted)
    await bob.join(room_id)
    await alice.wait_joined(room_id, bob.user_id)
    await alice.wait_joined(room_id, bot.user_id)
    return room_id


def assert_well_formed_reply(event: Any, question_id: str, asker: str, expected_text: str) -> None:
    content = event.source["content"]
    assert isinstance(event, RoomMessageNotice)
    assert content["msgtype"] == "m.notice"
    assert content["body"] == expected_text
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"]
    assert "<mx-reply>" not in content["formatted_body"]
    assert not content["body"].startswith("> ")  # no legacy quoted fallback
    assert content["m.relates_to"]["m.in_reply_to"] == {"event_id": question_id}
    assert content["m.mentions"] == {"user_ids": [asker]}


async def test_mention_is_answered_as_rich_reply(people: dict[str, Human], bot: BotRunner) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot)
    question_id = await alice.send(room_id, QUESTION, mention=bot.user_id)
    reply = await alice.wait_reply(question_id, bot.user_id)

    expected = bot.expected(QUESTION, room_id, alice.user_id, mentioned=True)
    assert expected is not None and expected.kind == "answer"
    assert "handhaving" in expected.text.lower() or "boa" in expected.text.lower()
    assert_well_formed_reply(reply, question_id, alice.user_id, expected.text)
    assert "rel_type" not in reply.source["content"]["m.relates_to"]
    assert reply.source["content"]["formatted_body"] == expected.html


async def test_question_in_thread_is_answered_in_thread(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot)
    root_id = await bob.send(room_id, "Draadje over toezicht online")
    question_id = await alice.send(room_id, QUESTION, mention=bot.user_id, thread_root=root_id)
    reply = await alice.wait_reply(question_id, bot.user_id)

    expected = bot.expected(QUESTION, room_id, alice.user_id, mentioned=True, thread_id=root_id)
    assert_well_formed_reply(reply, question_id, alice.user_id, expected.text)
    relation = reply.source["content"]["m.relates_to"]
    assert relation["rel_type"] == "m.thread"
    assert relation["event_id"] == root_id
    assert relation["is_falling_back"] is False  # in_reply_to names the question itself
    assert alice.replies_to(root_id, bot.user_id) == []


async def test_direct_message_is_answered_without_mention(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice = people["alice"]
    room_id = await alice.create_room([bot.user_id], name=None)
    await alice.wait_joined(room_id, bot.user_id)
    question_id = await alice.send(room_id, QUESTION)
    reply = await alice.wait_reply(question_id, bot.user_id)

    expected = bot.expected(QUESTION, room_id, alice.user_id, always_addressed=True, private=True)
    assert expected is not None
    assert_well_formed_reply(reply, question_id, alice.user_id, expected.text)


async def test_unaddressed_message_and_notices_get_silence(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot)
    unaddressed_id = await alice.send(room_id, QUESTION)
    # Another bot's notice, even one that mentions us, must never be answered (no bot loops).
    notice_id = await bob.send(room_id, QUESTION, mention=bot.user_id, msgtype="m.notice")
    control_id = await alice.send(room_id, CONTROL, mention=bot.user_id)
    await alice.wait_reply(control_id, bot.user_id)

    # Replies go out in question order per room: had either been answered, it would be here.
    assert alice.replies_to(unaddressed_id, bot.user_id) == []
    assert alice.replies_to(notice_id, bot.user_id) == []
    bot_events = [e for room, e in alice.events if room == room_id and e.sender == bot.user_id]
    assert [in_reply_to(e) for e in bot_events if isinstance(e, RoomMessageNotice)] == [control_id]


async def test_command_prefix_is_answered_in_group(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot)
    question_id = await bob.send(room_id, "!help")
    reply = await bob.wait_reply(question_id, bot.user_id)
    expected = bot.expected("!help", room_id, bob.user_id)
    assert expected is not None and expected.kind == "help"
    assert reply.source["content"]["body"] == expected.text


async def test_invite_from_user_not_allowed_is_rejected(
    synapse: Any, people: dict[str, Human], tmp_path: Any
) -> None:
    alice, bob = people["alice"], people["bob"]
    runner = BotRunner(
        synapse.url,
        synapse.register(unique("partnerwijzer")),
        tmp_path / "strict-bot",
        allowed_inviters=(alice.user_id,),
    )
    await runner.start()
    try:
        refused_room = await bob.create_room([runner.user_id])
        allowed_room = await alice.create_room([runner.user_id])
        await bob.wait_for(
            lambda room, e: room == refused_room and is_membership(e, runner.user_id, "leave")
        )
        await alice.wait_joined(allowed_room, runner.user_id)
        joined = [
            e
            for room, e in bob.events
            if room == refused_room and is_membership(e, runner.user_id, "join")
        ]
        assert joined == []
    finally:
        await runner.stop()


async def test_encrypted_room_is_answered_and_reply_decrypts(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot, encrypted=True)
    question_id = await alice.send(room_id, QUESTION, mention=bot.user_id)
    reply = await alice.wait_reply(question_id, bot.user_id)

    expected = bot.expected(QUESTION, room_id, alice.user_id, mentioned=True)
    assert reply.decrypted  # it came in as m.room.encrypted and alice could decrypt it
    assert_well_formed_reply(reply, question_id, alice.user_id, expected.text)
    undecryptable = [
        e for room, e in alice.events if room == room_id and isinstance(e, MegolmEvent)
    ]
    assert undecryptable == []
