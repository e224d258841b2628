"""The one way into the assistant from async code: every call runs in one worker thread.

The assistant keeps state between calls (conversation memory, the matcher's caches) and is
not thread-safe. Matrix used to call it on the event loop while the Teams route called it in
a worker thread, so two questions could touch that state at once. Every transport now asks
through ``SerialAssistant``: one daemon worker runs the calls in arrival order, the event
loop stays free while a question is matched, and a call stuck at shutdown does not hold up
the exit (``bot.worker``). A call that overruns a transport's deadline keeps the worker;
later calls queue behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.assistant import Assistant
from bot.models import Question, Reply
from bot.worker import DaemonWorker

T = TypeVar("T")


class SerialAssistant:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._worker = DaemonWorker("assistant")

    async def handle(self, question: Question) -> Reply | None:
        """The assistant's reply to ``question``, computed in the worker."""
        return await self._worker.run(lambda: self.assistant.handle(question))

    async def run(self, call: Callable[[], T]) -> T:
        """Run other work that touches the assistant's state in turn with the questions."""
        return await self._worker.run(call)

    def close(self) -> None:
        """Drop queued calls; one still running is not waited for."""
        self._worker.close()
