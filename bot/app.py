"""Composition root: wires config, knowledge, assistant, store and transports, and runs them.

One process runs everything that is configured (Matrix and Teams share one knowledge base
and one store). SIGTERM/SIGINT stop it cleanly: no new questions are taken, replies in flight
are finished and the sync token is saved, within ``SHUTDOWN_SECONDS``. The knowledge is
reloaded when a file in its folder changes (``bot.watch``), on SIGHUP and on an admin's
``reload`` command; a broken knowledge folder keeps the last good one serving, and every
outcome goes to the log and to ``Upkeep`` (``bot.admin``), whose listeners tell the admin room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot.admin import ReloadResult, Upkeep
from bot.assistant import Assistant
from bot.config import Config, ConfigError
from bot.index_cache import load_matcher
from bot.knowledge import (
    SHIPPED_KNOWLEDGE,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    load_knowledge,
)
from bot.logs import configure_logging
from bot.matching import Matcher
from bot.metrics import Metrics
from bot.models import Question
from bot.store import Store
from bot.watch import watch_knowledge
from bot.web import build_web_app

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 10.0
NOTHING_CONFIGURED = (
    "Nothing to run: the config has neither a 'matrix:' nor a 'teams:' section.\n"
    "Add one (see config.example.yaml), or try the bot in the terminal with: partnerbot chat"
)


class StartupError(Exception):
    """A resource the config names cannot be used (a folder, the database, the port)."""


def knowledge_folder(config: Config, override: str | None) -> Path | None:
    chosen = override or config.knowledge_path
    return Path(chosen) if chosen else None


def run_app(config: Config, config_path: str, knowledge_override: str | None, err: TextIO) -> int:
    """Run until stopped by a signal; the exit code for the CLI."""
    if config.matrix is None and config.teams is None:
        print(NOTHING_CONFIGURED, file=err)
        return 1
    configure_logging(config.logging)
    folder = knowledge_folder(config, knowledge_override)
    try:
        knowledge, matcher = load_matcher(folder, config.matching)
    except KnowledgeError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=err)
        return 1
    try:
        return asyncio.run(_serve(config, knowledge, matcher, folder))
    except ConfigError as error:
        for message in error.problems:
            print(f"error: {config_path}: {message}", file=err)
        return 1
    except StartupError as error:
        print(f"error: {config_path}: {error}", file=err)
        return 1


def open_store(config: Config) -> Store:
    """Create the folders the config names and open the store; StartupError names the key."""
    folders = [("storage.path", Path(config.storage.path).parent)]
    if config.matrix is not None:
        folders.append(("matrix.store_path", Path(config.matrix.store_path)))
    for key, folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StartupError(f"{key}: cannot create {folder}: {error.strerror}") from None
    try:
        return Store(config.storage.path)
    except (OSError, sqlite3.Error) as error:
        raise StartupError(f"storage.path: cannot open {config.storage.path}: {error}") from None


class Reloader:
    """Builds a new knowledge base off the event loop and swaps it in only when valid.

    Every outcome is logged and, with an ``upkeep``, reported to it (``status``, the admin
    room). Construct it on the running event loop: ``request`` schedules onto that loop.
    """

    def __init__(
        self,
        assistant: Assistant,
        metrics: Metrics,
        folder: Path | None,
        upkeep: Upkeep | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.assistant = assistant
        self.metrics = metrics
        self.folder = folder
        self.upkeep = upkeep
        self.clock = clock
        self._lock = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[KnowledgeError | None]] = set()

    def request(self, trigger: str = "command", origin: Question | None = None) -> None:
        """Start a reload in the background; safe from any thread (a chat command may run
        in the Teams worker thread, SIGHUP runs on the loop)."""
        self._loop.call_soon_threadsafe(self._start, trigger, origin)

    def _start(self, trigger: str, origin: Question | None) -> None:
        task = self._loop.create_task(self.reload(trigger, origin))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _load_settled(self) -> KnowledgeBase:
        """Load the folder; ``load_knowledge`` itself reads again when a save raced it."""
        return load_knowledge(self.folder or SHIPPED_KNOWLEDGE)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def reload(
        self, trigger: str = "signal", origin: Question | None = None
    ) -> KnowledgeError | None:
        async with self._lock:
            serving = self.assistant.knowledge
            try:
                knowledge = await asyncio.to_thread(self._load_settled)
                changed = knowledge.version != serving.version
                if changed:
                    # Build the index off the loop too, then swap in one assignment.
                    await asyncio.to_thread(self.assistant.swap_knowledge, knowledge)
            except KnowledgeError as error:
                self.metrics.reload_failed()
                log.error(
                    "knowledge reload failed; still serving version %s: %d problem(s)",
                    serving.version,
                    len(error.problems),
                )
                for problem in error.problems:
                    log.error("knowledge problem: %s", problem)
                self._report(False, trigger, origin, serving, tuple(error.problems), False)
                return error
            last = self.upkeep.last_reload if self.upkeep is not None else None
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
            self._report(True, trigger, origin, knowledge, (), changed)
            return None

    def _report(
        self,
        ok: bool,
        trigger: str,
        origin: Question | None,
        serving: KnowledgeBase,
        problems: tuple[Problem, ...],
        changed: bool,
    ) -> None:
        if self.upkeep is None:
            return
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
        )
        self.upkeep.reload_finished(result)


@dataclass
class Maintenance:
    """Knowledge upkeep around a running assistant: admin commands, reloads (file watch,
    SIGHUP, command), the daily retention. ``close`` stops its background work."""

    upkeep: Upkeep
    reloader: Reloader
    watching: asyncio.Event  # set once the file watch is in place
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.reloader.close()


def start_maintenance(
    config: Config,
    assistant: Assistant,
    store: Store,
    metrics: Metrics,
    folder: Path | None,
    stop: asyncio.Event,
) -> Maintenance:
    """Hook upkeep into ``assistant`` and start the file watch and the retention loop."""
    upkeep = Upkeep(config, assistant, store)
    upkeep.install()
    reloader = Reloader(assistant, metrics, folder, upkeep)
    upkeep.request_reload = lambda origin: reloader.request("command", origin)
    watching = asyncio.Event()
    watch = watch_knowledge(
        folder or SHIPPED_KNOWLEDGE, lambda: reloader.reload("file"), stop, ready=watching
    )
    tasks = [
        asyncio.create_task(upkeep.retention_loop(stop), name="retention"),
        asyncio.create_task(watch, name="knowledge-watch"),
    ]
    return Maintenance(upkeep, reloader, watching, tasks)


async def _serve(
    config: Config, knowledge: KnowledgeBase, matcher: Matcher, folder: Path | None
) -> int:
    metrics = Metrics()
    assistant = Assistant(knowledge, config, metrics, matcher)
    metrics.set_knowledge(len(knowledge.entries), knowledge.version)
    # The first question pays for lazy set-up (lemma dictionary, HTML renderer): pay it now.
    assistant.matcher.decide("opstarten")
    assistant.handle(Question(text="help", transport="console"))

    web_app = build_web_app(config, assistant, metrics, os.environ)  # may raise ConfigError
    store = open_store(config)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, config.web.host, config.web.port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        store.close()
        where = f"{config.web.host}:{config.web.port}"
        raise StartupError(f"web.port: cannot listen on {where}: {error.strerror}") from None
    log.info("web server listening on %s:%d", config.web.host, config.web.port)

    stop = asyncio.Event()
    maintenance = start_maintenance(config, assistant, store, metrics, folder, stop)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, maintenance.reloader.request, "signal")

    transports: list[asyncio.Task[None]] = []
    if config.matrix is not None:
        from bot.transports.matrix import MatrixTransport  # only `run` loads matrix-nio

        matrix = MatrixTransport(config, assistant, store, os.environ, upkeep=maintenance.upkeep)
        transports.append(asyncio.create_task(matrix.run(stop), name="matrix"))
    log.info(
        "partnerbot running: knowledge version %s, %d entries",
        knowledge.version,
        len(knowledge.entries),
    )
    exit_code = 0
    stopping = asyncio.create_task(stop.wait(), name="stop")
    try:
        # A transport that ends by itself (it gave up, e.g. a refused login) stops the bot.
        await asyncio.wait([stopping, *transports], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        log.info("stopping: finishing replies in flight")
        if transports:
            _done, pending = await asyncio.wait(transports, timeout=SHUTDOWN_SECONDS)
            for transport in pending:
                transport.cancel()
            for transport in transports:
                if not transport.cancelled() and transport.exception() is not None:
                    exit_code = 1
                    log.error(
                        "transport %s failed", transport.get_name(), exc_info=transport.exception()
                    )
    finally:
        await runner.cleanup()
        await maintenance.close()
        with contextlib.suppress(Exception):
            store.close()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
    log.info("partnerbot stopped")
    return exit_code
