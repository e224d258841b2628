"""Shared fixtures. ``synapse``-marked tests run against a real homeserver started here.

Skipped when ``PARTNERBOT_SYNAPSE_PYTHON`` is unset, unless ``PARTNERBOT_REQUIRE_SYNAPSE=1``
(``scripts/test.sh`` sets both), in which case they fail instead of silently skipping.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from synapse_server import SYNAPSE_PYTHON_ENV, Human, SynapseServer, User, start_server

REQUIRE_ENV = "PARTNERBOT_REQUIRE_SYNAPSE"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(SYNAPSE_PYTHON_ENV) or os.environ.get(REQUIRE_ENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"needs Synapse: set {SYNAPSE_PYTHON_ENV}")
    for item in items:
        if "synapse" in item.keywords:
            item.add_marker(skip)


def _synapse_python() -> str:
    python = os.environ.get(SYNAPSE_PYTHON_ENV)
    if not python:
        pytest.fail(f"{REQUIRE_ENV}=1 but {SYNAPSE_PYTHON_ENV} is not set")
    return python


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    _synapse_python()
    server = start_server(tmp_path_factory.mktemp("synapse"))
    try:
        yield server
    finally:
        server.stop()


_names = itertools.count()


def unique(prefix: str) -> str:
    """A fresh localpart: every test gets its own users, so tests never see each other."""
    return f"{prefix}{os.getpid()}x{next(_names)}"


class BotRunner:
    """The real MatrixTransport with the real Assistant and shipped knowledge, as a task."""

    def __init__(self, server_url: str, user: User, workdir: Path, **matrix: Any) -> None:
        from bot.assistant import Assistant
        from bot.config import (
            Config,
            FloodConfig,
            MatrixConfig,
            SecretRef,
            StorageConfig,
        )
        from bot.knowledge import load_knowledge

        flood = matrix.pop("flood", FloodConfig(per_user_per_minute=1000, per_room_per_minute=1000))
        matrix_config = MatrixConfig(
            homeserver=server_url,
            user_id=user.user_id,
            password=SecretRef(env="PARTNERBOT_TEST_PASSWORD"),
            device_id="PARTNERBOT",
            store_path=str(workdir / "matrix-store"),
            allowed_inviters=(":partnerbot.test",),
        )
        self.config = Config(
            matrix=replace(matrix_config, **matrix),
            storage=StorageConfig(path=str(workdir / "bot.sqlite3")),
            flood=flood,
        )
        self.user = user
        self.assistant = Assistant(load_knowledge(), self.config)
        self._environ = {"PARTNERBOT_TEST_PASSWORD": user.password}
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def start(self, wait_ready: bool = True) -> None:
        from bot.store import Store
        from bot.transports.matrix import MatrixTransport

        self.store = Store(self.config.storage.path)
        self.transport = MatrixTransport(self.config, self.assistant, self.store, self._environ)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.transport.run(self._stop))
        if wait_ready:
            await self.wait_ready()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        assert self._task is not None
        ready = asyncio.ensure_future(self.transport.ready.wait())
        await asyncio.wait({ready, self._task}, timeout=timeout, return_when="FIRST_COMPLETED")
        if self._task.done():
            self._task.result()  # raise what made the transport stop
        assert ready.done(), "bot did not sync in time"

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        await asyncio.wait_for(self._task, 30)
        self._task = None
        self.store.close()

    def expected(self, text: str, room_id: str, sender: str, **facts: Any) -> Any:
        """What the assistant itself answers to this question: the reply the room must get."""
        from bot.models import Question

        question = Question(
            text=text, transport="matrix", conversation_id=room_id, sender_id=sender, **facts
        )
        return self.assistant.handle(question)


@pytest.fixture
async def people(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[dict[str, Human]]:
    """Alice and Bob, logged in and syncing."""
    humans = {
        name: Human(synapse.url, synapse.register(unique(name)), tmp_path / name)
        for name in ("alice", "bob")
    }
    for human in humans.values():
        await human.start()
    try:
        yield humans
    finally:
        for human in humans.values():
            await human.close()


@pytest.fixture
async def bot(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[BotRunner]:
    runner = BotRunner(synapse.url, synapse.register(unique("partnerwijzer")), tmp_path / "bot")
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
