"""Shared fixtures. ``synapse``-marked tests run against a real homeserver started here.

Skipped when ``PARTNERBOT_SYNAPSE_PYTHON`` is unset, unless ``PARTNERBOT_REQUIRE_SYNAPSE=1``
(``scripts/test.sh`` sets both), in which case they fail instead of silently skipping.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playground import playground_binary
from synapse_server import (
    SYNAPSE_PYTHON_ENV,
    BotRunner,
    Human,
    SynapseServer,
    start_server,
    unique,
)

REQUIRE_ENV = "PARTNERBOT_REQUIRE_SYNAPSE"
REQUIRE_PLAYGROUND_ENV = "PARTNERBOT_REQUIRE_PLAYGROUND"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_synapse = not (os.environ.get(SYNAPSE_PYTHON_ENV) or os.environ.get(REQUIRE_ENV) == "1")
    skip_playground = playground_binary() is None and os.environ.get(REQUIRE_PLAYGROUND_ENV) != "1"
    for item in items:
        if skip_synapse and "synapse" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"needs Synapse: set {SYNAPSE_PYTHON_ENV}"))
        if skip_playground and "playground" in item.keywords:
            item.add_marker(
                pytest.mark.skip(reason="needs the Agents Playground (scripts/test.sh)")
            )


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


@pytest.fixture(autouse=True, scope="session")
def _private_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the index cache of every test run (and its subprocesses) out of ~/.cache."""
    import os

    previous = os.environ.get("PARTNERBOT_CACHE_DIR")
    os.environ["PARTNERBOT_CACHE_DIR"] = str(tmp_path_factory.mktemp("index-cache"))
    yield
    if previous is None:
        os.environ.pop("PARTNERBOT_CACHE_DIR", None)
    else:
        os.environ["PARTNERBOT_CACHE_DIR"] = previous


async def room_history(human: Human, room_id: str) -> list[object]:
    """Every event of a room as the homeserver has it, oldest first.

    A client's sync can skip events (a burst larger than the sync's timeline limit arrives
    as a "limited" timeline); counting answers from the server's history cannot.
    """
    from nio import RoomMessagesResponse

    events: list[object] = []
    token = ""
    while True:
        response = await human.client.room_messages(room_id, start=token, limit=100)
        assert isinstance(response, RoomMessagesResponse), response
        events.extend(response.chunk)
        if not response.chunk or not response.end or response.end == token:
            break
        token = response.end
    return list(reversed(events))
