"""Composition root: wires config, knowledge, assistant, store and transports, and runs them.

One process runs everything that is configured (Matrix and Teams share one knowledge base
and one store). SIGTERM/SIGINT stop it cleanly: no new questions are taken, replies in flight
are finished and the sync token is saved, within ``SHUTDOWN_SECONDS``. SIGHUP reloads the
knowledge; a broken knowledge folder keeps the last good one serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot.assistant import Assistant
from bot.config import Config, ConfigError
from bot.index_cache import load_matcher
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.logs import configure_logging
from bot.matching import Matcher
from bot.metrics import Metrics
from bot.models import Question
from bot.store import Store
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
    """Builds a new knowledge base off the event loop and swaps it in only when valid."""

    def __init__(self, assistant: Assistant, metrics: Metrics, folder: Path | None) -> None:
        self.assistant = assistant
        self.metrics = metrics
        self.folder = folder
        self._lock = asyncio.Lock()

    async def reload(self) -> KnowledgeError | None:
        async with self._lock:
            try:
                knowledge = await asyncio.to_thread(load_knowledge, self.folder)
                # Build the index off the loop too, then swap in one assignment.
                await asyncio.to_thread(self.assistant.swap_knowledge, knowledge)
            except KnowledgeError as error:
                self.metrics.reload_failed()
                log.error(
                    "knowledge reload failed; still serving version %s: %d problem(s)",
                    self.assistant.knowledge.version,
                    len(error.problems),
                )
                for problem in error.problems:
                    log.error("knowledge problem: %s", problem)
                return error
            self.metrics.set_knowledge(len(knowledge.entries), knowledge.version)
            log.info(
                "knowledge reloaded: version %s, %d entries",
                knowledge.version,
                len(knowledge.entries),
            )
            return None


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
    reloader = Reloader(assistant, metrics, folder)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    reload_tasks: set[asyncio.Task[KnowledgeError | None]] = set()

    def on_sighup() -> None:
        task = loop.create_task(reloader.reload())
        reload_tasks.add(task)
        task.add_done_callback(reload_tasks.discard)

    loop.add_signal_handler(signal.SIGHUP, on_sighup)

    transports: list[asyncio.Task[None]] = []
    if config.matrix is not None:
        from bot.transports.matrix import MatrixTransport  # only `run` loads matrix-nio

        matrix = MatrixTransport(config, assistant, store, os.environ)
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
        for reload_task in reload_tasks:
            reload_task.cancel()
        with contextlib.suppress(Exception):
            store.close()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
    log.info("partnerbot stopped")
    return exit_code
