"""Usage counting with retention: daily counts of every matched question (no text) and,
only when ``privacy.log_unanswered`` is on, the redacted unanswered-question log.

Counts and logged questions are kept in memory and written once a second (``FLUSH_SECONDS``)
by the app's flush loop, in a thread of its own, and before they are read or the bot stops;
never while a question is answered. A store write per question cost about 0.4 ms of
the assistant's single worker under load (SQLite lets go of the GIL, and getting it back
from the busy event loop is the slow part): more than matching the question. And a question
may now be answered on the event loop (``SerialAssistant.handle_now``), where a store
waiting for a lock must not stop every other request. A crash can lose the last second of
counts and logged questions, never a reply.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from bot.admin.wording import DAY, utc_day
from bot.config import Config
from bot.models import Decision, Question
from bot.store import Store
from bot.waiting import wait_or_stop
from bot.worker import DaemonWorker

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
_Key = tuple[str, str, str, str]  # day, transport, decision kind, partner
# at, transport, decision kind, text (redacted by the store), best entry id, its score
_Logged = tuple[float, str, str, str, str | None, float]


class UsageLog:
    def __init__(
        self, config: Config, store: Store, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self._pending: Counter[_Key] = Counter()
        self._logged: list[_Logged] = []
        self._lock = threading.Lock()  # observe and flush may run on different threads
        # Held by a flush from taking what is kept until it is written: a second flush (the
        # one before !stats reads, the last one at shutdown) waits for the writes in progress
        # instead of finding nothing kept and going on while they are not yet in the store.
        # Never taken by ``observe``, which must not wait for the store.
        self._flushing = threading.Lock()
        # The flush loop writes here: a slow store holds up neither the event loop nor the
        # assistant's worker (work queued there makes later questions queue behind it).
        self._writer = DaemonWorker("usage-writes")

    def observe(self, question: Question, text: str, decision: Decision) -> None:
        """Count one matched question; keep it for the log when unanswered and the log is
        on. Memory only: ``flush`` writes."""
        now = self.clock()
        best = decision.best
        partner = best.entry.partner if best is not None and decision.kind == "answer" else "none"
        with self._lock:
            self._pending[(utc_day(now), question.transport, decision.kind, partner)] += 1
            if self.config.privacy.log_unanswered and decision.kind != "answer":
                self._logged.append(
                    (
                        now,
                        question.transport,
                        decision.kind,
                        text,  # the store redacts, then cuts it to its MAX_LOGGED_CHARS
                        best.entry.id if best is not None else None,
                        best.score if best is not None else 0.0,
                    )
                )
        if self.config.logging.debug_message_text:
            log.debug("question %r: %s", text, decision.kind)

    def flush(self) -> None:
        """Write the counts and logged questions kept since the last flush; returns once
        everything kept before the call is in the store (or failed to be written)."""
        with self._flushing:
            self._write_kept()

    def _write_kept(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            logged, self._logged = self._logged, []
        try:
            for (day, transport, kind, partner), count in pending.items():
                self.store.count_question(day, transport, kind, partner, count)
        except Exception as error:  # never let bookkeeping break the bot
            log.warning("questions not counted: %s", type(error).__name__)
        try:
            for row in logged:
                self.store.log_unanswered(*row)
        except Exception as error:
            log.warning("unanswered questions not logged: %s", type(error).__name__)

    async def flush_loop(self, stop: asyncio.Event, every: float = FLUSH_SECONDS) -> None:
        """Write what is kept every ``every`` seconds, so a quiet bot does not hold any."""
        try:
            while not await wait_or_stop(stop, every):
                await self._writer.run(self.flush)
        finally:
            self._writer.close()
        self.flush()

    def enforce_retention(self) -> int:
        """Delete logged questions past the retention period (all of them while the log is
        off); returns how many went."""
        privacy = self.config.privacy
        now = self.clock()
        cutoff = now - privacy.retention_days * DAY if privacy.log_unanswered else now + DAY
        removed = self.store.prune_unanswered(cutoff)
        self.store.prune_answers(now - privacy.retention_days * DAY)
        if removed:
            log.info("retention: %d logged question(s) deleted", removed)
        return removed

    async def retention_loop(self, stop: asyncio.Event, every: float = DAY) -> None:
        """Enforce the retention now and then every ``every`` seconds until ``stop``."""
        while not stop.is_set():
            try:
                self.enforce_retention()
            except Exception as error:
                log.warning("retention not enforced: %s", type(error).__name__)
            await wait_or_stop(stop, every)
