"""Usage counting with retention: daily counts of every matched question (no text) and,
only when ``privacy.log_unanswered`` is on, the redacted unanswered-question log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.admin.wording import DAY, utc_day
from bot.config import Config
from bot.models import Decision, Question
from bot.store import Store
from bot.waiting import wait_or_stop

log = logging.getLogger(__name__)


class UsageLog:
    def __init__(
        self, config: Config, store: Store, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock

    def observe(self, question: Question, text: str, decision: Decision) -> None:
        """Count one matched question; log it (redacted) when unanswered and the log is on."""
        now = self.clock()
        best = decision.best
        partner = best.entry.partner if best is not None and decision.kind == "answer" else "none"
        try:
            self.store.count_question(utc_day(now), question.transport, decision.kind, partner)
            if self.config.privacy.log_unanswered and decision.kind != "answer":
                self.store.log_unanswered(
                    now,
                    question.transport,
                    decision.kind,
                    text,  # the store redacts, then cuts it to its MAX_LOGGED_CHARS
                    best.entry.id if best is not None else None,
                    best.score if best is not None else 0.0,
                )
        except Exception as error:  # never let bookkeeping break an answer
            log.warning("question not counted: %s", type(error).__name__)
        if self.config.logging.debug_message_text:
            log.debug("question %r: %s", text, decision.kind)

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
