"""The one way into the assistant from async code: one call at a time, in arrival order.

The assistant keeps state between calls (conversation memory, the matcher's caches) and is
not thread-safe. Matrix used to call it on the event loop while the Teams route called it in
a worker thread, so two questions could touch that state at once. Every transport now asks
through ``SerialAssistant``: one daemon worker runs the calls in arrival order, a call that
may block (a command, admin work) never holds up the event loop, and a call stuck at
shutdown does not hold up the exit (``bot.worker``). A call that overruns a transport's
deadline keeps the worker; later calls queue behind it.

``handle_now`` skips the worker when that cannot change the order or block: nothing runs or
waits in the worker, and the message is a question of bounded length, which only computes
(matching and rendering; decision hooks must not block). Handing a question to the worker
and its result back cost more than answering it under load: both threads wait for the GIL
at every hand-over (bench/teams_load.py; README, "Speed headroom").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.assistant import Assistant
from bot.models import Question, Reply
from bot.text import MAX_MATCH_CHARS
from bot.worker import DaemonWorker

T = TypeVar("T")

# Longer texts are cut for matching, but other steps (small talk, rendering the quote) read
# them whole: they take the worker, where a slow one cannot hold up the event loop.
MAX_NOW_CHARS = MAX_MATCH_CHARS


@dataclass(frozen=True)
class Answered:
    """A reply computed at once by ``handle_now`` (None: the message was not for the bot)."""

    reply: Reply | None


class SerialAssistant:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._worker = DaemonWorker("assistant")
        # Held by whichever thread is inside the assistant: the worker for each of its calls,
        # the caller of ``handle_now`` while it answers.
        self._turn = threading.Lock()
        # ``handle``/``run`` callers still waiting for their result. The worker is idle as
        # soon as it has computed a call, before its caller on the event loop has the reply:
        # a question answered at once in that gap would be delivered first (a Matrix room's
        # delivery lock is taken in the order replies come back). Changed on the loop only.
        self._awaiting = 0

    async def handle(self, question: Question) -> Reply | None:
        """The assistant's reply to ``question``, computed in the worker."""
        return await self._in_worker(lambda: self.assistant.handle(question))

    def handle_now(self, question: Question) -> Answered | None:
        """The reply computed at once on this thread, or None when the question must take
        its turn in the worker (``handle``): a call is running or waiting there (answering
        now would overtake it), or the message is a command or a long text, which may block.
        """
        if len(question.text) > MAX_NOW_CHARS or self._awaiting or not self._worker.idle:
            return None
        if self.assistant.runs_command(question):
            return None
        if not self._turn.acquire(blocking=False):
            return None
        try:
            if not self._worker.idle:  # a call came in from another thread meanwhile
                return None
            return Answered(self.assistant.handle(question))
        finally:
            self._turn.release()

    @property
    def pending(self) -> int:
        """Calls running or waiting in the worker."""
        return self._worker.unfinished

    async def run(self, call: Callable[[], T]) -> T:
        """Run other work that touches the assistant's state in turn with the questions."""
        return await self._in_worker(call)

    def close(self) -> None:
        """Drop queued calls; one still running is not waited for."""
        self._worker.close()

    async def _in_worker(self, call: Callable[[], T]) -> T:
        self._awaiting += 1
        try:
            return await self._worker.run(lambda: self._in_turn(call))
        finally:
            self._awaiting -= 1

    def _in_turn(self, call: Callable[[], T]) -> T:
        with self._turn:
            return call()
