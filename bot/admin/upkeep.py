"""Knowledge upkeep wired into an assistant: the admin commands, usage counting, reloads.

``Upkeep.install`` adds the admin commands (``reload``, ``status``, ``stats``,
``unanswered``) to the assistant's command table with ``admin_only``, sets the gate that
decides who may use them where (``bot.admin.access``), and hooks usage counting
(``bot.admin.usage``) into every matched question. What the commands say is in
``bot.admin.wording``.

Reloading is asynchronous while ``Assistant.handle`` is not: the ``reload`` command only
*requests* a reload through ``request_reload`` (set by the composition root, thread-safe)
and says so. The ``bot.reloader.Reloader`` reports every outcome to ``reload_finished``
(kept for ``status``) and to each transport's ``announce`` (the admin room).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.admin.access import admin_refusal
from bot.admin.usage import UsageLog
from bot.admin.wording import (
    DAY,
    render_reload_started,
    render_stats,
    render_status,
    render_unanswered,
    utc_day,
)
from bot.commands import Command, CommandCall
from bot.config import Config
from bot.models import Decision, Question, Reply
from bot.reloader import ReloadResult
from bot.replies import render_notice
from bot.store import Store

if TYPE_CHECKING:
    from bot.assistant import Assistant

log = logging.getLogger(__name__)

UNANSWERED_SHOWN = 10
UNANSWERED_MAX = 50

ReloadRequest = Callable[[Question], None]


class Upkeep:
    """Admin commands, reload results and the question log around one assistant and store."""

    def __init__(
        self,
        config: Config,
        assistant: Assistant,
        store: Store,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.assistant = assistant
        self.store = store
        self.clock = clock
        self.usage = UsageLog(config, store, clock)
        self.started_at = clock()
        self.last_reload: ReloadResult | None = None
        # Set by whoever can reload (the app); must be safe to call from any thread.
        self.request_reload: ReloadRequest | None = None
        self.commands = (
            Command(("reload", "herlaad", "herladen"), self._reload, "kennisbank herladen", True),
            Command(
                ("status",), lambda _call: self.status(), "versie en laatste herlaadpoging", True
            ),
            Command(
                ("stats", "statistiek", "statistieken"),
                lambda _call: self.stats(),
                "aantallen vragen van 7 en 30 dagen",
                True,
            ),
            Command(
                ("unanswered", "onbeantwoord", "onbeantwoorde"),
                self._unanswered,
                "de laatste onbeantwoorde vragen",
                True,
                argument="aantal",
            ),
        )

    def install(self) -> None:
        """Add the admin commands, their gate and the question counting to the assistant."""
        self.assistant.commands.extend(self.commands)
        self.assistant.admin_gate = self._gate
        self.assistant.decision_hooks.append(self.usage.observe)

    def _gate(self, question: Question) -> Reply | None:
        return admin_refusal(self.config, question)

    def reload_finished(self, result: ReloadResult) -> None:
        """Keep the outcome for ``status`` (a ``Reloader`` listener)."""
        self.last_reload = result

    # ---- commands

    def _reload(self, call: CommandCall) -> Reply:
        question = call.question
        if self.request_reload is None:
            return render_notice(
                "notice", "Herladen", "Herladen kan hier niet: er draait geen bot-proces."
            )
        self.request_reload(question)
        elsewhere = self.config.admins.room not in (None, question.conversation_id)
        return render_reload_started(question.can_post_later, elsewhere, call.prefix)

    def _unanswered(self, call: CommandCall) -> Reply:
        limit = int(call.rest) if call.rest.isdigit() else UNANSWERED_SHOWN
        return self.unanswered(max(1, min(limit, UNANSWERED_MAX)))

    def status(self) -> Reply:
        return render_status(
            self.assistant.knowledge,
            self.started_at,
            self.clock(),
            self.last_reload,
            self.config.privacy,
        )

    def stats(self) -> Reply:
        self.usage.flush()  # counts are written once a second: show the latest
        now = self.clock()
        rows = self.store.question_counts(utc_day(now - 29 * DAY))
        feedback = self.store.feedback_per_entry(since=now - 30 * DAY)
        return render_stats(rows, feedback, self.assistant.knowledge, now)

    def unanswered(self, limit: int = UNANSWERED_SHOWN) -> Reply:
        self.usage.flush()  # logged questions are written once a second: show the latest
        logged = self.store.unanswered(limit) if self.config.privacy.log_unanswered else []
        return render_unanswered(logged, self.config.privacy)

    # ---- usage (kept here for the app and the tests)

    def observe(self, question: Question, text: str, decision: Decision) -> None:
        self.usage.observe(question, text, decision)

    def enforce_retention(self) -> int:
        return self.usage.enforce_retention()

    async def retention_loop(self, stop: asyncio.Event, every: float = DAY) -> None:
        await self.usage.retention_loop(stop, every)
