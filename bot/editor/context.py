"""What the console needs from the bot around it, handed in by whoever serves it.

``partnerbot run`` passes the running assistant's matcher, its reloader and its store;
``partnerbot beheer`` passes a ``LocalKnowledge`` of its own and no store. The console
itself never imports a chat transport.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from bot.config import Config, EditorConfig
from bot.editor.auth import Editor
from bot.editor.previews import CardBuilder
from bot.index_cache import load_matcher
from bot.knowledge import KnowledgeError
from bot.matching import Matcher
from bot.store import Store
from bot.worker import DaemonWorker

T = TypeVar("T")


class Runner(Protocol):
    """Runs a call that touches the matcher, in turn with every other such call."""

    async def __call__(self, call: Callable[[], T]) -> T: ...


@dataclass(frozen=True)
class ReloadInfo:
    at: float
    ok: bool
    trigger: str
    problems: int = 0


# Reload the knowledge now; returns the problems as text when the folder does not load.
Reload = Callable[[], Awaitable[list[str]]]


@dataclass
class EditorContext:
    config: EditorConfig
    bot_config: Config
    folder: Path  # the knowledge folder editors change
    matcher: Callable[[], Matcher]  # the matcher (and so the knowledge) serving now
    reload: Reload | None = None
    store: Store | None = None
    last_reload: Callable[[], ReloadInfo | None] = lambda: None
    card: CardBuilder | None = None
    login_token: str | None = None  # `partnerbot beheer`: the secret in the printed address
    local_editor: Editor | None = None  # who logs in with that token (for git commits)
    loopback_only: bool = False
    clock: Callable[[], float] = time.time
    # `partnerbot run` passes its SerialAssistant's run: the matcher is not thread-safe.
    run: Runner = field(default_factory=lambda: DaemonWorker("editor-console").run)
    save_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class LocalKnowledge:
    """The knowledge of `partnerbot beheer`: loaded here, reloaded after each save."""

    def __init__(self, folder: Path, config: Config) -> None:
        self.folder = folder
        self.config = config
        _knowledge, self._matcher = load_matcher(folder, config.matching)
        self.last: ReloadInfo | None = ReloadInfo(time.time(), True, "start")

    def matcher(self) -> Matcher:
        return self._matcher

    async def reload(self) -> list[str]:
        try:
            _knowledge, matcher = await asyncio.to_thread(
                load_matcher, self.folder, self.config.matching
            )
        except KnowledgeError as error:
            self.last = ReloadInfo(time.time(), False, "beheer", len(error.problems))
            return [str(problem) for problem in error.problems]
        self._matcher = matcher
        self.last = ReloadInfo(time.time(), True, "beheer")
        return []
