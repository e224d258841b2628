"""The knowledge folder watch (bot/watch.py) on a real folder: every saved YAML change asks
for one reload; other files do not count; a stop ends it; a missing folder does no harm."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from watchfiles import Change

from bot.watch import is_knowledge_file, watch_knowledge

WITHIN = 20.0  # seconds: a bound, not a pause


class Calls:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.count = 0

    async def reload(self) -> None:
        self.count += 1
        await self.queue.put(self.count)

    async def next(self) -> int:
        return await asyncio.wait_for(self.queue.get(), WITHIN)


@pytest.mark.parametrize(
    ("path", "counts"),
    [
        ("/k/entries/politie.yaml", True),
        ("/k/partners.yml", True),
        ("/k/README.md", False),
        ("/k/entries/.politie.yaml.swp", False),
        ("/k/entries/.#politie.yaml", False),  # Emacs' lock while a file is edited
        ("/k/entries/politie.yaml~", False),
        ("/k/.git/index", False),
        ("/k/__pycache__/x.yaml", False),
    ],
)
def test_only_yaml_files_count(path: str, counts: bool) -> None:
    assert is_knowledge_file(Change.modified, path) is counts


async def test_a_saved_change_asks_for_a_reload_until_stopped(tmp_path: Path) -> None:
    (tmp_path / "entries").mkdir()
    target = tmp_path / "entries" / "politie.yaml"
    target.write_text("entries: []\n", encoding="utf-8")
    calls, stop, ready = Calls(), asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch_knowledge(tmp_path, calls.reload, stop, ready=ready, debounce_ms=800, step_ms=50)
    )
    await asyncio.wait_for(ready.wait(), WITHIN)
    assert await calls.next() == 1  # the start-up check: edits made before the watch began

    target.write_text("entries: [1]\n", encoding="utf-8")
    assert await calls.next() == 2
    # An editor's save as rename-over (write a temporary file, then replace): one more.
    temporary = tmp_path / "entries" / "politie.yaml.tmp~"
    temporary.write_text("entries: [2]\n", encoding="utf-8")
    temporary.replace(target)
    assert await calls.next() == 3

    stop.set()
    await asyncio.wait_for(task, WITHIN)
    assert calls.count == 3


async def test_a_missing_folder_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls, stop = Calls(), asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="bot.watch"):
        await asyncio.wait_for(watch_knowledge(tmp_path / "weg", calls.reload, stop), WITHIN)
    assert calls.count == 0
    assert any("cannot watch" in record.getMessage() for record in caplog.records)


async def test_a_failing_reload_does_not_end_the_watch(tmp_path: Path) -> None:
    target = tmp_path / "partners.yaml"
    target.write_text("partners: []\n", encoding="utf-8")
    calls, stop, ready = Calls(), asyncio.Event(), asyncio.Event()

    async def fails_at_first() -> None:
        await calls.reload()
        if calls.count == 2:
            raise RuntimeError("reload broke")

    task = asyncio.create_task(
        watch_knowledge(tmp_path, fails_at_first, stop, ready=ready, debounce_ms=800, step_ms=50)
    )
    await asyncio.wait_for(ready.wait(), WITHIN)
    assert await calls.next() == 1
    target.write_text("partners: [1]\n", encoding="utf-8")
    assert await calls.next() == 2  # this one raises
    target.write_text("partners: [2]\n", encoding="utf-8")
    assert await calls.next() == 3  # still watching
    stop.set()
    await asyncio.wait_for(task, WITHIN)
