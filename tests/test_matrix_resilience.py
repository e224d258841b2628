"""End-to-end resilience on a real Synapse: restarts of the bot and of the homeserver,
rate limits (429) and the bot's own flood limits. Nothing lost, nothing answered twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from nio import RoomMessageNotice
from synapse_server import (
    STRICT_MESSAGE_LIMITS,
    BotRunner,
    Human,
    SynapseServer,
    start_server,
    unique,
)

from bot.config import FloodConfig
from bot.ratelimit import FLOOD_NOTICE

pytestmark = pytest.mark.synapse

QUESTIONS = (
    "mag een boa online rondkijken?",
    "wat doet het jongerenwerk?",
    "mag de school camerabeelden delen met de politie?",
    "wie kan ik bellen over een jongere die online wordt uitgebuit?",
)


def answered_once(human: Human, question_ids: list[str], bot_id: str) -> None:
    counts = {qid: len(human.replies_to(qid, bot_id)) for qid in question_ids}
    assert counts == dict.fromkeys(question_ids, 1)


@pytest.fixture
def own_synapse(tmp_path: Path) -> Iterator[SynapseServer]:
    """A homeserver of the test's own, free to be stopped and started."""
    server = start_server(tmp_path / "synapse")
    try:
        yield server
    finally:
        server.stop()


async def dm_with_bot(human: Human, bot: BotRunner) -> str:
    room_id = await human.create_room([bot.user_id], name=None)
    await human.wait_joined(room_id, bot.user_id)
    return room_id


async def test_bot_restart_answers_missed_questions_once_and_old_ones_never(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice = people["alice"]
    room_id = await dm_with_bot(alice, bot)
    before = [await alice.send(room_id, q) for q in QUESTIONS[:2]]
    for qid in before:
        await alice.wait_reply(qid, bot.user_id)

    await bot.stop()
    while_down = [await alice.send(room_id, q) for q in QUESTIONS[2:]]
    await bot.start()
    for qid in while_down:
        await alice.wait_reply(qid, bot.user_id)
    control = await alice.send(room_id, QUESTIONS[0])
    await alice.wait_reply(control, bot.user_id)

    # The control reply came after every possible duplicate (one room, answered in order).
    answered_once(alice, [*before, *while_down, control], bot.user_id)


async def test_questions_older_than_catch_up_window_are_not_answered(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice = people["alice"]
    room_id = await dm_with_bot(alice, bot)
    first = await alice.send(room_id, QUESTIONS[0])
    await alice.wait_reply(first, bot.user_id)
    await bot.stop()
    stale = await alice.send(room_id, QUESTIONS[1])

    # The bot comes back "11 minutes later" (window: 10): its first sync sees a stale question.
    bot.clock_offset = 11 * 60
    await bot.start()
    bot.clock_offset = 0.0
    control = await alice.send(room_id, QUESTIONS[2])
    await alice.wait_reply(control, bot.user_id)
    assert alice.replies_to(stale, bot.user_id) == []
    answered_once(alice, [first, control], bot.user_id)


async def test_a_lost_store_answers_no_history_and_keeps_serving_invited_rooms(
    people: dict[str, Human], bot: BotRunner
) -> None:
    alice = people["alice"]
    room_id = await dm_with_bot(alice, bot)  # joined on an allowed invite, as a direct chat
    first = await alice.send(room_id, QUESTIONS[0])
    await alice.wait_reply(first, bot.user_id)
    await bot.stop()
    while_lost = await alice.send(room_id, QUESTIONS[1])
    # The volume was not mounted: the bot starts with an empty store.
    for path in Path(bot.config.storage.path).parent.glob(Path(bot.config.storage.path).name + "*"):
        path.unlink()

    # Synapse may hand the new start its cached first sync of the old one (2 min): that must
    # not bring the question sent meanwhile back as new.
    await bot.start()
    # Still the same direct chat: a plain question is answered, without a mention.
    control = await alice.send(room_id, QUESTIONS[2])
    await alice.wait_reply(control, bot.user_id)
    assert alice.replies_to(while_lost, bot.user_id) == []  # history is only learned
    answered_once(alice, [first, control], bot.user_id)


async def test_homeserver_restart_mid_run_loses_and_duplicates_nothing(
    own_synapse: SynapseServer, tmp_path: Path
) -> None:
    server = own_synapse
    bot = BotRunner(server.url, server.register(unique("partnerwijzer")), tmp_path / "bot")
    alice = Human(server.url, server.register(unique("alice")), tmp_path / "alice")
    await bot.start()
    await alice.start()
    try:
        room_id = await dm_with_bot(alice, bot)
        first = await alice.send(room_id, QUESTIONS[0])
        await alice.wait_reply(first, bot.user_id)
        # Sent right before the homeserver goes away: answered before or after, but once.
        racing = await alice.send(room_id, QUESTIONS[1])
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(server.start)
        after = await alice.send(room_id, QUESTIONS[2])
        await alice.wait_reply(racing, bot.user_id, within=90)
        await alice.wait_reply(after, bot.user_id, within=90)
        control = await alice.send(room_id, QUESTIONS[3])
        await alice.wait_reply(control, bot.user_id)
        answered_once(alice, [first, racing, after, control], bot.user_id)
    finally:
        await alice.close()
        await bot.stop()


async def test_bot_started_while_homeserver_down_connects_when_it_comes(
    own_synapse: SynapseServer, tmp_path: Path
) -> None:
    server = own_synapse
    bot = BotRunner(server.url, server.register(unique("partnerwijzer")), tmp_path / "bot")
    await asyncio.to_thread(server.stop)
    await bot.start(wait_ready=False)
    try:
        await asyncio.to_thread(server.start)
        await bot.wait_ready(within=90)
        alice = Human(server.url, server.register(unique("alice")), tmp_path / "alice")
        await alice.start()
        try:
            room_id = await dm_with_bot(alice, bot)
            question = await alice.send(room_id, QUESTIONS[0])
            reply = await alice.wait_reply(question, bot.user_id)
            assert isinstance(reply, RoomMessageNotice)
        finally:
            await alice.close()
    finally:
        await bot.stop()


async def test_homeserver_rate_limits_delay_but_never_drop_replies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Synapse with rc_message lowered (burst 2, then 1 per 2 s): the bot gets 429s."""
    server = start_server(tmp_path / "synapse", limits=STRICT_MESSAGE_LIMITS)
    bot = BotRunner(server.url, server.register(unique("partnerwijzer")), tmp_path / "bot")
    alice = Human(server.url, server.register(unique("alice")), tmp_path / "alice")
    # Alice may ask as fast as she likes; only the bot is throttled, so its replies hit 429.
    server.exempt_from_rate_limits(alice.user_id)
    caplog.set_level(logging.WARNING, logger="bot.transports.matrix")
    try:
        await bot.start()
        await alice.start()
        room_id = await dm_with_bot(alice, bot)
        questions = [await alice.send(room_id, q) for q in QUESTIONS]
        for qid in questions:
            await alice.wait_reply(qid, bot.user_id, within=60)
        control = await alice.send(room_id, QUESTIONS[0])
        await alice.wait_reply(control, bot.user_id, within=60)
        answered_once(alice, [*questions, control], bot.user_id)
        assert any("M_LIMIT_EXCEEDED" in record.getMessage() for record in caplog.records)
    finally:
        await alice.close()
        await bot.stop()
        server.stop()


async def test_flood_limit_sends_one_polite_notice_then_stays_silent(
    synapse: SynapseServer, people: dict[str, Human], tmp_path: Path
) -> None:
    alice, bob = people["alice"], people["bob"]
    bot = BotRunner(
        synapse.url,
        synapse.register(unique("partnerwijzer")),
        tmp_path / "bot",
        flood=FloodConfig(per_user_per_minute=2, per_room_per_minute=100),
    )
    await bot.start()
    try:
        room_id = await alice.create_room([bob.user_id, bot.user_id])
        await bob.join(room_id)
        await alice.wait_joined(room_id, bot.user_id)
        await alice.wait_joined(room_id, bob.user_id)
        asked = [await alice.send(room_id, q, mention=bot.user_id) for q in QUESTIONS]
        control = await bob.send(room_id, QUESTIONS[0], mention=bot.user_id)
        await alice.wait_reply(control, bot.user_id)

        answered_once(alice, asked[:3], bot.user_id)
        assert alice.replies_to(asked[3], bot.user_id) == []
        notice = alice.replies_to(asked[2], bot.user_id)[0]
        assert notice.source["content"]["body"] == FLOOD_NOTICE
        assert FLOOD_NOTICE not in {alice.replies_to(q, bot.user_id)[0].body for q in asked[:2]}
    finally:
        await bot.stop()


async def test_long_outage_gap_in_timeline_is_filled(
    people: dict[str, Human], bot: BotRunner
) -> None:
    """More messages while down than one sync returns per room: the gap is paged back."""
    from bot.transports.matrix import TIMELINE_LIMIT

    alice, bob = people["alice"], people["bob"]
    room_id = await alice.create_room([bob.user_id, bot.user_id])
    await bob.join(room_id)
    await alice.wait_joined(room_id, bot.user_id)
    await bot.stop()
    early = await alice.send(room_id, QUESTIONS[0], mention=bot.user_id)
    for index in range(TIMELINE_LIMIT + 5):
        await bob.send(room_id, f"bericht {index} tussen collega's")
    late = await alice.send(room_id, QUESTIONS[1], mention=bot.user_id)
    await bot.start()
    await alice.wait_reply(late, bot.user_id)
    await alice.wait_reply(early, bot.user_id)
    control = await alice.send(room_id, QUESTIONS[2], mention=bot.user_id)
    await alice.wait_reply(control, bot.user_id)
    answered_once(alice, [early, late, control], bot.user_id)
