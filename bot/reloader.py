"""Reloading the knowledge while the bot serves: build off the loop, swap only when valid.

Triggers: the file watch, SIGHUP, an admin's ``reload`` command (and nothing at start-up,
which loads before serving). Every attempt, whatever ended it, produces one ``ReloadResult``:
it is logged, counted in the metrics when it failed, kept as ``last`` and passed to every
listener (``Upkeep`` for ``status``, each transport's ``announce``). A broken folder, or
any unexpected error while loading, keeps the last good knowledge serving.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from bot import heap
from bot.assistant import Assistant
from bot.knowledge import SHIPPED_KNOWLEDGE, KnowledgeBase, KnowledgeError, Problem, load_knowledge
from bot.models import Question
from bot.shrink_guard import SettleGate, Verdict
from bot.worker import DaemonWorker

log = logging.getLogger(__name__)

ReloadTrigger = Literal["start", "file", "command", "signal", "editor"]


@dataclass(frozen=True)
class ReloadResult:
    """The outcome of one reload attempt: what is served now, and what was wrong."""

    ok: bool
    trigger: ReloadTrigger
    at: float  # epoch seconds
    version: str  # the knowledge version serving after the attempt
    entries: int
    problems: tuple[Problem, ...] = ()
    changed: bool = True  # False: the folder held the version already served
    requested_in: str | None = None  # the conversation whose ``reload`` command asked for it
    transport: str | None = None  # the transport of that conversation
    removed: tuple[str, ...] = ()  # entry ids the new version no longer has


ReloadListener = Callable[[ReloadResult], None]


class ReloadMetrics(Protocol):
    def reload_failed(self) -> None: ...
    def set_knowledge(self, entries: int, version: str) -> None: ...


def unexpected_problem(folder: Path, error: BaseException) -> Problem:
    """An error the loader did not foresee, as a problem naming the folder (no traceback)."""
    # In Dutch like every knowledge problem: editors read it (console, admin room).
    return Problem(
        str(folder), 0, None, f"onverwachte fout bij het inlezen: {type(error).__name__}"
    )


class Reloader:
    """Builds a new knowledge base in a daemon thread and swaps it in only when valid.

    Construct it on the running event loop: ``request`` schedules onto that loop.
    """

    def __init__(
        self,
        assistant: Assistant,
        metrics: ReloadMetrics,
        folder: Path | None,
        clock: Callable[[], float] = time.time,
        gate: SettleGate | None = None,
    ) -> None:
        self.assistant = assistant
        # Holds back a version that lost entries until the folder stops changing.
        self.gate = gate or SettleGate()
        self._retry: asyncio.TimerHandle | None = None
        self.metrics = metrics
        self.folder = folder or SHIPPED_KNOWLEDGE
        self.clock = clock
        self.last: ReloadResult | None = None
        self.listeners: list[ReloadListener] = []
        self._lock = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[KnowledgeError | None]] = set()
        # A daemon thread: a load stuck in a huge file never holds up the process exit.
        self._worker = DaemonWorker("knowledge-reload")

    def request(self, trigger: ReloadTrigger = "command", origin: Question | None = None) -> None:
        """Start a reload in the background; safe from any thread (a chat command runs in
        the assistant's worker thread, SIGHUP on the loop)."""
        self._loop.call_soon_threadsafe(self._start, trigger, origin)

    def _start(self, trigger: ReloadTrigger, origin: Question | None) -> None:
        task = self._loop.create_task(self.reload(trigger, origin))
        self._tasks.add(task)
        # ``reload`` reports every failure itself; the callback only forgets the task, and
        # retrieving the outcome keeps asyncio from logging "exception never retrieved".
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[KnowledgeError | None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("knowledge reload task failed: %s", type(task.exception()).__name__)

    async def close(self) -> None:
        """Stop waiting for reloads in progress; a load still running is not waited for."""
        if self._retry is not None:
            self._retry.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._worker.close()

    async def reload(
        self, trigger: ReloadTrigger = "signal", origin: Question | None = None
    ) -> KnowledgeError | None:
        """One attempt; returns the error when the folder is broken (None otherwise)."""
        async with self._lock:
            serving = self.assistant.knowledge
            try:
                knowledge = await self._worker.run(lambda: load_knowledge(self.folder))
                changed = knowledge.version != serving.version
                removed: tuple[str, ...] = ()
                if changed:
                    verdict = self.gate.judge(serving, knowledge)
                    if not verdict.swap:
                        self._hold(verdict, trigger, origin)
                        return None
                    removed = verdict.lost.entries
                    if verdict.lost:
                        log.warning("knowledge lost %s", verdict.lost.describe())
                    # Build the index off the loop too; the swap is one assignment.
                    await self._worker.run(lambda: self.assistant.swap_knowledge(knowledge))
                    await self._worker.run(heap.settle)  # frees the old, freezes the new
            except KnowledgeError as error:
                self._failed(trigger, origin, serving, tuple(error.problems))
                return error
            except Exception as error:  # any other failure is a failed reload too
                log.error("knowledge reload failed unexpectedly: %s", type(error).__name__)
                problem = unexpected_problem(self.folder, error)
                self._failed(trigger, origin, serving, (problem,))
                return KnowledgeError([problem])
            last = self.last
            if not changed and trigger == "file" and (last is None or last.ok):
                # A save that changed nothing (or the watch's start-up check): no news.
                log.debug("knowledge unchanged: version %s", knowledge.version)
                return None
            if changed:
                self.metrics.set_knowledge(len(knowledge.entries), knowledge.version)
            log.info(
                "knowledge %s: version %s, %d entries",
                "reloaded" if changed else "unchanged",
                knowledge.version,
                len(knowledge.entries),
            )
            self._report(True, trigger, origin, knowledge, (), changed, removed)
            return None

    def _hold(self, verdict: Verdict, trigger: ReloadTrigger, origin: Question | None) -> None:
        """Keep serving; look again once the settle interval has passed (a save completing
        meanwhile triggers its own reload, which then finds nothing lost)."""
        log.warning(
            "knowledge lost %s; swapping only if the folder stays like this for %.0f s",
            verdict.lost.describe(),
            verdict.retry_in,
        )
        if self._retry is not None:
            self._retry.cancel()
        self._retry = self._loop.call_later(verdict.retry_in, self._start, trigger, origin)

    def _failed(
        self,
        trigger: ReloadTrigger,
        origin: Question | None,
        serving: KnowledgeBase,
        problems: tuple[Problem, ...],
    ) -> None:
        self.metrics.reload_failed()
        log.error(
            "knowledge reload failed; still serving version %s: %d problem(s)",
            serving.version,
            len(problems),
        )
        for problem in problems:
            log.error("knowledge problem: %s", problem)
        self._report(False, trigger, origin, serving, problems, False)

    def _report(
        self,
        ok: bool,
        trigger: ReloadTrigger,
        origin: Question | None,
        serving: KnowledgeBase,
        problems: tuple[Problem, ...],
        changed: bool,
        removed: tuple[str, ...] = (),
    ) -> None:
        result = ReloadResult(
            ok=ok,
            trigger=trigger,
            at=self.clock(),
            version=serving.version,
            entries=len(serving.entries),
            problems=problems,
            changed=changed,
            requested_in=origin.conversation_id if origin is not None else None,
            transport=origin.transport if origin is not None else None,
            removed=removed,
        )
        self.last = result
        for listener in list(self.listeners):
            try:
                listener(result)
            except Exception:
                log.exception("reload listener failed")
