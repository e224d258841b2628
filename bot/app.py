"""Composition root: wires config, knowledge, assistant, store and transports, and runs them.

One process runs every transport the config names (``TRANSPORTS``; they share one knowledge
base, one store, one web server and one ``SerialAssistant``). SIGTERM/SIGINT stop it
cleanly within ``SHUTDOWN_SECONDS``: no new questions are taken, replies in flight are
finished and the sync token is saved. The knowledge is reloaded when a file in its folder
changes (``bot.watch``), on SIGHUP and on an admin's ``reload`` command
(``bot.reloader``); a broken knowledge folder keeps the last good one serving, and every
outcome goes to the log, to ``status`` (``bot.admin``) and to each transport's ``announce``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from aiohttp import web

from bot import heap
from bot.admin import Upkeep
from bot.assistant import Assistant
from bot.config import Config, ConfigError
from bot.index_cache import load_matcher
from bot.knowledge import SHIPPED_KNOWLEDGE, KnowledgeBase, KnowledgeError
from bot.logs import configure_logging
from bot.matching import Matcher
from bot.metrics import Metrics
from bot.models import Question
from bot.reloader import Reloader, ReloadResult
from bot.serial_assistant import SerialAssistant
from bot.store import Store
from bot.transports.base import TRANSPORT_GRACE_SECONDS, Transport, WebPart
from bot.transports.teams import TeamsWebhooks
from bot.watch import watch_knowledge
from bot.web import build_web_app
from bot.worker import shorten_gil_switch

if TYPE_CHECKING:
    from bot.editor import EditorConsole

log = logging.getLogger(__name__)

# The documented budget from SIGTERM to exit, split so no stage cuts into another's:
# transports finish replies in flight (their own grace), the app cancels them only after a
# margin on top of that grace, then the web server closes, waiting at most
# WEB_SHUTDOWN_SECONDS for requests in flight (aiohttp's default is 60 s, which idle
# keep-alive connections used to hold), and the rest is quick (no thread is waited for).
SHUTDOWN_SECONDS = 10.0
TRANSPORT_CANCEL_SECONDS = TRANSPORT_GRACE_SECONDS + 1.0
WEB_SHUTDOWN_SECONDS = 1.5
NOTHING_CONFIGURED = (
    "Nothing to run: the config has no 'matrix:', 'teams:', 'teams_app:' or 'editor:' section.\n"
    "Add one (see config.example.yaml), or try the bot in the terminal with: partnerbot chat"
)


class StartupError(Exception):
    """A resource the config names cannot be used (a folder, the database, the port)."""


def knowledge_folder(config: Config, override: str | None) -> Path | None:
    chosen = override or config.knowledge_path
    return Path(chosen) if chosen else None


def has_something_to_run(config: Config) -> bool:
    """A chat transport or the editors' console: either one is worth serving on its own."""
    parts = (config.matrix, config.teams, config.teams_app, config.editor)
    return any(part is not None for part in parts)


def run_app(config: Config, config_path: str, knowledge_override: str | None, err: TextIO) -> int:
    """Run until stopped by a signal; the exit code for the CLI."""
    if not has_something_to_run(config):
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
        self.upkeep.usage.flush()  # the counts still added up in memory


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
    reloader = Reloader(assistant, metrics, folder)
    reloader.listeners.append(upkeep.reload_finished)
    upkeep.request_reload = lambda origin: reloader.request("command", origin)
    watching = asyncio.Event()
    watch = watch_knowledge(
        folder or SHIPPED_KNOWLEDGE, lambda: reloader.reload("file"), stop, ready=watching
    )
    tasks = [
        asyncio.create_task(upkeep.retention_loop(stop), name="retention"),
        asyncio.create_task(upkeep.usage.flush_loop(stop), name="usage-counts"),
        asyncio.create_task(watch, name="knowledge-watch"),
    ]
    return Maintenance(upkeep, reloader, watching, tasks)


@dataclass(frozen=True)
class Wiring:
    """What a transport may be built from."""

    config: Config
    assistant: SerialAssistant
    store: Store
    metrics: Metrics
    environ: Mapping[str, str]


def _matrix(wiring: Wiring) -> Transport | None:
    if wiring.config.matrix is None:
        return None
    from bot.transports.matrix import MatrixTransport  # only `run` loads matrix-nio

    return MatrixTransport(wiring.config, wiring.assistant, wiring.store, wiring.environ)


def _teams_webhooks(wiring: Wiring) -> Transport | None:
    teams = wiring.config.teams
    if teams is None or not teams.webhooks:
        return None
    serial = wiring.assistant
    return TeamsWebhooks(teams, serial.handle, wiring.metrics, wiring.environ, serial.handle_now)


# Every transport the bot knows: a factory returns None when the config does not ask for it.
# A new chat system is one module implementing ``Transport`` and one line here.
def _teams_app(wiring: Wiring) -> Transport | None:
    if wiring.config.teams_app is None:
        return None
    # Only a configured Teams app loads the Agents SDK (the optional 'teams' extra).
    from bot.transports.teams.agent import TeamsApp

    w = wiring
    return TeamsApp(w.config, w.assistant, w.store, w.metrics, w.environ)


TRANSPORTS: tuple[Callable[[Wiring], Transport | None], ...] = (
    _matrix,
    _teams_webhooks,
    _teams_app,
)


def build_transports(wiring: Wiring) -> list[Transport]:
    """The configured transports; raises ConfigError (e.g. a missing webhook token)."""
    return [t for factory in TRANSPORTS if (t := factory(wiring)) is not None]


def announce_to(transports: list[Transport]) -> Callable[[ReloadResult], None]:
    """A reload listener that hands the result to every transport's ``announce``."""
    tasks: set[asyncio.Task[None]] = set()

    def announce(result: ReloadResult) -> None:
        for transport in transports:
            task = asyncio.create_task(
                transport.announce(result), name=f"announce-{transport.name}"
            )
            tasks.add(task)
            task.add_done_callback(_announced)

    def _announced(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("announcing a reload failed: %s", type(task.exception()).__name__)

    return announce


def mount_editor(
    config: Config, serial: SerialAssistant, store: Store, folder: Path | None
) -> EditorConsole | None:
    """The editors' console for /beheer/ when the config has an ``editor:`` section."""
    if config.editor is None:
        return None
    from bot.editor import EditorConsole, EditorContext
    from bot.transports.teams import build_card

    assistant = serial.assistant
    context = EditorContext(
        config.editor,
        config,
        folder or SHIPPED_KNOWLEDGE,
        lambda: assistant.matcher,
        store=store,
        card=build_card,
        run=serial.run,  # trying a question uses the matcher: in turn with the chat
    )
    log.info("editors' console on /beheer/")
    return EditorConsole(context)


def connect_editor(editor: EditorConsole, maintenance: Maintenance) -> None:
    """A save in the console reloads the bot at once, reported like any reload."""
    from bot.editor import ReloadInfo

    async def reload() -> list[str]:
        error = await maintenance.reloader.reload("editor")
        return [str(problem) for problem in error.problems] if error is not None else []

    def last_reload() -> ReloadInfo | None:
        last = maintenance.reloader.last
        if last is None:
            return None
        return ReloadInfo(last.at, last.ok, last.trigger, len(last.problems))

    editor.context.reload = reload
    editor.context.last_reload = last_reload


async def _serve(
    config: Config, knowledge: KnowledgeBase, matcher: Matcher, folder: Path | None
) -> int:
    shorten_gil_switch()  # the assistant's worker and the event loop share the GIL
    metrics = Metrics()
    assistant = Assistant(knowledge, config, metrics, matcher)
    metrics.set_knowledge(len(knowledge.entries), knowledge.version)
    # The first question pays for lazy set-up (lemma dictionary, HTML renderer): pay it now.
    assistant.matcher.decide("opstarten")
    assistant.handle(Question(text="help", transport="startup", always_addressed=True))
    heap.settle()  # the knowledge and libraries stay: no full collection walks them again

    store = open_store(config)
    serial = SerialAssistant(assistant)
    try:
        transports = build_transports(Wiring(config, serial, store, metrics, os.environ))
    except ConfigError:
        store.close()
        raise
    editor = mount_editor(config, serial, store, folder)
    parts: list[WebPart] = [*transports, *([editor] if editor is not None else [])]
    web_app = build_web_app(config, assistant, metrics, parts)
    runner = web.AppRunner(web_app, shutdown_timeout=WEB_SHUTDOWN_SECONDS)
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
    maintenance.reloader.listeners.append(announce_to(transports))
    if editor is not None:
        connect_editor(editor, maintenance)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, maintenance.reloader.request, "signal")

    running = [asyncio.create_task(t.run(stop), name=t.name) for t in transports]
    log.info(
        "partnerbot running: knowledge version %s, %d entries",
        knowledge.version,
        len(knowledge.entries),
    )
    exit_code = 0
    stopping = asyncio.create_task(stop.wait(), name="stop")
    try:
        # A transport that ends by itself (it gave up, e.g. a refused login) stops the bot.
        await asyncio.wait([stopping, *running], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        log.info("stopping: finishing replies in flight")
        if running:
            _done, pending = await asyncio.wait(running, timeout=TRANSPORT_CANCEL_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
            for task in running:
                if not task.cancelled() and task.exception() is not None:
                    exit_code = 1
                    log.error("transport %s failed", task.get_name(), exc_info=task.exception())
    finally:
        await runner.cleanup()
        await maintenance.close()
        serial.close()
        with contextlib.suppress(Exception):
            store.close()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
    log.info("partnerbot stopped")
    return exit_code
