"""Conversations end to end on a real Synapse: follow-ups and choosing with 1️⃣/2️⃣."""

from __future__ import annotations

from typing import Any

import pytest
from nio import RoomMessageNotice, RoomSendResponse
from synapse_server import BotRunner, Human, in_reply_to

from bot.knowledge import load_knowledge

pytestmark = pytest.mark.synapse

KNOWLEDGE = load_knowledge()


def title_of(entry_id: str) -> str:
    entry = KNOWLEDGE.entry(entry_id)
    assert entry is not None
    return entry.question


async def group_room(alice: Human, bob: Human, bot: BotRunner) -> str:
    room_id = await alice.create_room([bob.user_id, bot.user_id])
    await bob.join(room_id)
    await alice.wait_joined(room_id, bob.user_id)
    await alice.wait_joined(room_id, bot.user_id)
    return room_id


async def react(human: Human, room_id: str, target: str, key: str) -> str:
    content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}}
    await human.wait_room(room_id)
    response = await human.client.room_send(
        room_id, "m.reaction", content, ignore_unverified_devices=True
    )
    assert isinstance(response, RoomSendResponse), response
    return str(response.event_id)


def body(event: Any) -> str:
    assert isinstance(event, RoomMessageNotice)
    return str(event.source["content"]["body"])


async def test_a_follow_up_gets_the_same_topic_for_the_other_partner(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot)
    first = await alice.send(room_id, "welke opleidingen kan de politie volgen?", bot.user_id)
    assert body(await alice.wait_reply(first, bot.user_id)).startswith(
        title_of("politie-opleidingen")
    )
    follow_up = await alice.send(room_id, "en de gemeente?", bot.user_id)
    assert body(await alice.wait_reply(follow_up, bot.user_id)).startswith(
        title_of("gemeente-opleidingen")
    )


async def test_a_keycap_reaction_on_the_offer_chooses_that_option(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice, bob = people["alice"], people["bob"]
    room_id = await group_room(alice, bob, bot)
    first = await alice.send(room_id, "wat doet een digitaal wijkagent?", bot.user_id)
    await alice.wait_reply(first, bot.user_id)
    follow_up = await alice.send(room_id, "en bij de gemeente?", bot.user_id)
    offer = await alice.wait_reply(follow_up, bot.user_id)
    assert "geen onderdeel" in body(offer)
    gemeente = [entry.id for entry in KNOWLEDGE.entries if entry.partner == "gemeente"]

    # Bob was not offered anything: his 1️⃣ is just a reaction.
    await react(bob, room_id, offer.event_id, "1\ufe0f\u20e3")
    await react(alice, room_id, offer.event_id, "2\ufe0f\u20e3")
    chosen = await alice.wait_reply(offer.event_id, bot.user_id)
    assert body(chosen).startswith(title_of(gemeente[1]))
    assert chosen.source["content"]["m.mentions"] == {"user_ids": [alice.user_id]}

    # Replies go out in order per room: a reply to Bob's reaction would precede this one.
    control = await alice.send(room_id, "wat doet het jongerenwerk?", bot.user_id)
    await alice.wait_reply(control, bot.user_id)
    answers_to_offer = alice.replies_to(offer.event_id, bot.user_id)
    assert [in_reply_to(event) for event in answers_to_offer] == [offer.event_id]
