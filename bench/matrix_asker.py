"""The asker of bench/matrix_latency.py, in a process of its own (started by it, not by hand).

A person's client runs on another machine than the bot. In the bench's own process the
asker's sync processing (about 1 to 2 ms with end-to-end encryption) shared the event loop
with the bot and the echo bot, and landed between the bot receiving a question and sending
its reply whenever the bot handed the question to its worker thread; the echo bot answers
inside nio's sync callback and was seldom held up by it. Both now wait for the asker alike.

Argument: one JSON object with ``url``, ``user_id``, ``password``, ``store`` (a directory),
``peers`` (name -> user id), ``count`` and ``questions``. Output on stdout: one JSON object,
name -> list of [start, end] ``time.perf_counter()`` pairs, one per round trip (the clock is
CLOCK_MONOTONIC on Linux: the parent reads it on the same time line).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synapse_server import Human, User


async def dm(human: Human, peer: str) -> str:
    room_id = await human.create_room([peer], name=None)
    await human.wait_joined(room_id, peer)
    return room_id


async def round_trip(human: Human, room_id: str, peer: str, text: str) -> tuple[float, float]:
    started = time.perf_counter()
    event_id = await human.send(room_id, text)
    await human.wait_reply(event_id, peer)
    return started, time.perf_counter()


async def main(spec: dict[str, object]) -> dict[str, list[tuple[float, float]]]:
    peers = dict(spec["peers"])  # type: ignore[call-overload]
    questions = list(spec["questions"])  # type: ignore[call-overload]
    count = int(spec["count"])  # type: ignore[call-overload]
    user = User(str(spec["user_id"]), str(spec["password"]))
    asker = Human(str(spec["url"]), user, Path(str(spec["store"])))
    await asker.start()
    try:
        rooms = {name: await dm(asker, peer) for name, peer in peers.items()}
        for index in range(5):  # warm-up: first sends share keys, caches fill
            for name, peer in peers.items():
                await round_trip(asker, rooms[name], peer, questions[index % len(questions)])
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in peers}
        order = list(peers)
        for index in range(count):
            text = questions[index % len(questions)]
            # Interleaved, alternating who goes first, so drift hits both equally.
            for name in order if index % 2 == 0 else order[::-1]:
                times[name].append(await round_trip(asker, rooms[name], peers[name], text))
    finally:
        await asker.close()
    return times


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
