"""Matrix reply latency and burst throughput of the real bot on a real Synapse (run on demand).

    PARTNERBOT_SYNAPSE_PYTHON=/path/to/synapse-venv/bin/python python bench/matrix_latency.py

1. Round trip (question sent -> reply received by the asker) over N questions, for the bot and
   for a minimal echo bot on the same homeserver in the same run, interleaved so both see the
   same conditions. The echo bot is the floor: homeserver, sync long-poll and client costs.
2. A burst of 200 questions from 10 users in 5 rooms: every one answered exactly once.

With ``--stages`` the bot's own part of each round trip is timed too (its methods wrapped
from here, nothing in bot/ changes): from its sync handing over the question, through the
assistant (thread hop included), to the start of the send, and what follows the send.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nio import (
    AsyncClient,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    RoomMessageText,
)
from synapse_server import BotRunner, Human, SynapseServer, start_server, unique

from bot.config import FloodConfig

# --- the bot's stages, timed from outside (--stages) ---------------------------------------

MARKS: list[tuple[str, float]] = []
STAGES = False


def _timed(owner: Any, attribute: str, name: str) -> None:
    original = getattr(owner, attribute)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        MARKS.append((name + ">", time.perf_counter()))
        try:
            return await original(*args, **kwargs)
        finally:
            MARKS.append((name + "<", time.perf_counter()))

    setattr(owner, attribute, timed)


def time_stages() -> None:
    global STAGES
    STAGES = True
    import bot.serial_assistant as serial
    import bot.transports.matrix.delivery as delivery
    import bot.transports.matrix.transport as transport

    _timed(transport.MatrixTransport, "_handle_sync", "sync")
    _timed(serial.SerialAssistant, "handle", "assistant")
    _timed(delivery, "send", "send")
    _timed(delivery.Delivery, "deliver", "deliver")


def stages_of(marks: list[tuple[str, float]]) -> dict[str, float] | None:
    """One round trip's stages in seconds, from the first mark of each kind."""
    at: dict[str, float] = {}
    for name, moment in marks:
        at.setdefault(name, moment)
    try:
        stages = {
            "sync -> assistant": at["assistant>"] - at["sync>"],
            "assistant (hop, answer)": at["assistant<"] - at["assistant>"],
            "assistant -> send": at["send>"] - at["assistant<"],
        }
    except KeyError:
        return None
    if "deliver<" in at and "send<" in at:  # often the asker has the reply before this
        stages["after the send (store)"] = at["deliver<"] - at["send<"]
    return stages


QUESTIONS = (
    "mag een boa online rondkijken?",
    "wat doet het jongerenwerk?",
    "mag de school camerabeelden delen met de politie?",
    "wie kan ik bellen over een jongere die online wordt uitgebuit?",
    "mag de gemeente meekijken op sociale media?",
)


class EchoBot:
    """The floor: joins any invite, answers every text with a notice reply, nothing else."""

    def __init__(self, server: SynapseServer) -> None:
        self.user = server.register(unique("echo"))
        self.client = AsyncClient(server.url, self.user.user_id)
        self._task: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def start(self) -> None:
        response = await self.client.login(self.user.password)
        assert isinstance(response, LoginResponse)
        await self.client.sync(timeout=0, full_state=True)
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_text, RoomMessageText)
        self._task = asyncio.create_task(self.client.sync_forever(timeout=30_000))

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def _on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender == self.user_id:
            return
        content = {
            "msgtype": "m.notice",
            "body": event.body,
            "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
            "m.mentions": {"user_ids": [event.sender]},
        }
        await self.client.room_send(room.room_id, "m.room.message", content)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.client.close()


async def dm(human: Human, peer: str) -> str:
    room_id = await human.create_room([peer], name=None)
    await human.wait_joined(room_id, peer)
    return room_id


async def round_trip(human: Human, room_id: str, peer: str, text: str) -> float:
    started = time.perf_counter()
    event_id = await human.send(room_id, text)
    await human.wait_reply(event_id, peer)
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def latency(server: SynapseServer, bot: BotRunner, work: Path, count: int) -> None:
    echo = EchoBot(server)
    await echo.start()
    asker = Human(server.url, server.register(unique("asker")), work / "asker")
    await asker.start()
    try:
        bot_room = await dm(asker, bot.user_id)
        echo_room = await dm(asker, echo.user_id)
        for index in range(5):  # warm-up: first sends share keys, caches fill
            await round_trip(asker, bot_room, bot.user_id, QUESTIONS[index % len(QUESTIONS)])
            await round_trip(asker, echo_room, echo.user_id, QUESTIONS[index % len(QUESTIONS)])
        times: dict[str, list[float]] = {"bot": [], "echo": []}
        stages: dict[str, list[float]] = {}
        for index in range(count):
            text = QUESTIONS[index % len(QUESTIONS)]
            # Interleaved, alternating who goes first, so drift hits both equally.
            pair = [("bot", bot_room, bot.user_id), ("echo", echo_room, echo.user_id)]
            for name, room_id, peer in pair if index % 2 == 0 else pair[::-1]:
                MARKS.clear()
                times[name].append(await round_trip(asker, room_id, peer, text))
                if not STAGES:
                    continue
                await asyncio.sleep(0.05)  # let the bot's send return before reading marks
                if name == "bot" and (found := stages_of(MARKS)) is not None:
                    for stage, seconds in found.items():
                        stages.setdefault(stage, []).append(seconds)
    finally:
        await asker.close()
        await echo.close()
    print(f"round trip over {count} questions each (ms):")
    for name, values in times.items():
        print(
            f"  {name:5s} p50 {1000 * statistics.median(values):6.1f}"
            f"  p95 {1000 * percentile(values, 0.95):6.1f}"
            f"  mean {1000 * statistics.fmean(values):6.1f}"
        )
    p50 = statistics.median(times["bot"]) / statistics.median(times["echo"])
    p95 = percentile(times["bot"], 0.95) / percentile(times["echo"], 0.95)
    print(f"  ratio bot/echo: p50 {p50:.3f}  p95 {p95:.3f}  (target <= 1.03)")
    extra = statistics.median(times["bot"]) - statistics.median(times["echo"])
    print(f"  bot - echo at p50: {1000 * extra:+.1f} ms")
    for stage, values in stages.items():
        print(
            f"  bot stage {stage:25s} p50 {1000 * statistics.median(values):6.2f}"
            f"  p95 {1000 * percentile(values, 0.95):6.2f}  ({len(values)} round trips)"
        )


async def burst(server: SynapseServer, bot: BotRunner, work: Path, users: int, rooms: int) -> None:
    per_user = 200 // users
    people = [
        Human(server.url, server.register(unique("partner")), work / f"p{i}") for i in range(users)
    ]
    for person in people:
        await person.start()
    try:
        room_ids = []
        for index in range(rooms):
            members = people[index::rooms]
            room_id = await members[0].create_room([m.user_id for m in members[1:]] + [bot.user_id])
            for member in members[1:]:
                await member.join(room_id)
            await members[0].wait_joined(room_id, bot.user_id)
            room_ids.append(room_id)
        started = time.perf_counter()

        async def ask_all(index: int, person: Human) -> list[str]:
            room_id = room_ids[index % rooms]
            return [
                await person.send(room_id, QUESTIONS[n % len(QUESTIONS)], mention=bot.user_id)
                for n in range(per_user)
            ]

        asked = await asyncio.gather(*(ask_all(i, p) for i, p in enumerate(people)))
        sent = time.perf_counter() - started
        for person, questions in zip(people, asked, strict=True):
            for event_id in questions:
                await person.wait_reply(event_id, bot.user_id, within=120)
        answered = time.perf_counter() - started
        # One more answered question per room: any duplicate would have arrived before it.
        controls = [
            (people[i], await people[i].send(room_ids[i], QUESTIONS[0], mention=bot.user_id))
            for i in range(rooms)
        ]
        for person, event_id in controls:
            await person.wait_reply(event_id, bot.user_id)
        counts = [
            len(person.replies_to(event_id, bot.user_id))
            for person, questions in zip(people, asked, strict=True)
            for event_id in questions
        ]
    finally:
        for person in people:
            await person.close()
    total = len(counts)
    once = sum(1 for c in counts if c == 1)
    print(f"burst: {total} questions from {users} users in {rooms} rooms")
    print(f"  all sent after {sent:.2f} s, all answered after {answered:.2f} s")
    print(f"  answered exactly once: {once}/{total}; missing {counts.count(0)};", end=" ")
    print(f"duplicated {sum(1 for c in counts if c > 1)}")


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--stages", action="store_true", help="time the bot's own stages")
    parser.add_argument("--no-burst", action="store_true", help="round trips only")
    args = parser.parse_args(argv)
    if args.stages:
        time_stages()
    from bot.worker import shorten_gil_switch

    shorten_gil_switch()  # as the app does at start (the echo bot shares the process)
    with tempfile.TemporaryDirectory(prefix="partnerbot-bench-") as tmp:
        work = Path(tmp)
        server = start_server(work / "synapse")
        try:
            bot = BotRunner(
                server.url,
                server.register(unique("partnerwijzer")),
                work / "bot",
                # The burst is a load test, not a flood test: the default limits would (rightly)
                # hold back 20 questions a minute per user.
                flood=FloodConfig(per_user_per_minute=10_000, per_room_per_minute=10_000),
            )
            await bot.start()
            try:
                await latency(server, bot, work, args.questions)
                if not args.no_burst:
                    await burst(server, bot, work, users=10, rooms=5)
            finally:
                await bot.stop()
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
