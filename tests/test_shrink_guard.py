"""A save cut off at an entry boundary is not served until the folder settles (issue 11,
item 2), and entries never disappear without being named. No sleeps: the clock is injected
and the reloader is called directly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.metrics import Metrics
from bot.reloader import Reloader, ReloadResult
from bot.shrink_guard import SettleGate, Shrinkage, shrinkage

FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    return target


def truncate_after_first_entry(path: Path) -> str:
    """What a save that stopped at an entry boundary leaves: valid YAML, one entry fewer."""
    full = path.read_text(encoding="utf-8")
    second = full.index("\n  - id:", full.index("  - id:") + 1)
    path.write_text(full[: second + 1], encoding="utf-8")
    return full


def test_nothing_lost_is_swapped_at_once(folder: Path) -> None:
    serving = load_knowledge(folder)
    path = folder / "entries" / "politie.yaml"
    path.write_text(path.read_text("utf-8").replace("politie online", "politie op internet"))
    gate = SettleGate(5.0, Clock())
    verdict = gate.judge(serving, load_knowledge(folder))
    assert verdict.swap and not verdict.lost


def test_lost_entries_files_and_synonyms_are_named(folder: Path) -> None:
    serving = load_knowledge(folder)
    truncate_after_first_entry(folder / "entries" / "politie.yaml")
    (folder / "entries" / "handhaving.yaml").unlink()
    lost = shrinkage(serving, load_knowledge(folder))
    assert lost.entries == ("handhaving-online", "politie-opleidingen")
    assert lost.files == ("knowledge/entries/handhaving.yaml",)
    assert "politie-opleidingen" in lost.describe()
    assert not Shrinkage()


def test_a_shrunken_version_waits_for_the_settle_interval(folder: Path) -> None:
    serving = load_knowledge(folder)
    truncate_after_first_entry(folder / "entries" / "politie.yaml")
    cut = load_knowledge(folder)
    clock = Clock()
    gate = SettleGate(5.0, clock)
    first = gate.judge(serving, cut)
    assert not first.swap and first.retry_in == 5.0
    assert first.lost.entries == ("politie-opleidingen",)
    clock.now += 4.9
    assert not gate.judge(serving, cut).swap
    clock.now += 0.1
    settled = gate.judge(serving, cut)
    assert settled.swap and settled.lost.entries == ("politie-opleidingen",)


def test_a_change_during_the_interval_starts_it_again(folder: Path) -> None:
    serving = load_knowledge(folder)
    path = folder / "entries" / "politie.yaml"
    truncate_after_first_entry(path)
    cut = load_knowledge(folder)
    clock = Clock()
    gate = SettleGate(5.0, clock)
    assert not gate.judge(serving, cut).swap
    path.write_text(path.read_text("utf-8").replace("Wat mag", "Wat mag nu"), encoding="utf-8")
    other = load_knowledge(folder)
    clock.now += 4.0
    assert not gate.judge(serving, other).swap  # another version: its own interval
    clock.now += 4.0
    assert not gate.judge(serving, other).swap
    clock.now += 1.0
    assert gate.judge(serving, other).swap


# --- hooked into the reloader ------------------------------------------------------------


async def reloader_on(folder: Path, clock: Clock) -> tuple[Reloader, list[ReloadResult]]:
    reloader = Reloader(
        Assistant(load_knowledge(folder)), Metrics(), folder, gate=SettleGate(5.0, clock)
    )
    results: list[ReloadResult] = []
    reloader.listeners.append(results.append)
    return reloader, results


async def test_a_save_cut_at_an_entry_boundary_is_not_served(folder: Path) -> None:
    clock = Clock()
    reloader, results = await reloader_on(folder, clock)
    serving: KnowledgeBase = reloader.assistant.knowledge
    path = folder / "entries" / "politie.yaml"
    full = truncate_after_first_entry(path)

    assert await reloader.reload("file") is None
    assert reloader.assistant.knowledge is serving  # still all four entries
    assert results == []  # nothing swapped, nothing failed
    assert reloader._retry is not None  # it looks again after the interval

    # The second half of the save arrives (with the edit the editor made): served at once.
    path.write_text(full.replace("Wat mag", "Wat mag nu"), encoding="utf-8")
    await reloader.reload("file")
    now = reloader.assistant.knowledge
    assert now.version != serving.version
    assert {e.id for e in now.entries} == {e.id for e in serving.entries}
    (result,) = results
    assert result.ok and result.removed == ()
    await reloader.close()


async def test_a_deletion_that_stays_is_swapped_and_names_the_ids(folder: Path) -> None:
    clock = Clock()
    reloader, results = await reloader_on(folder, clock)
    truncate_after_first_entry(folder / "entries" / "politie.yaml")
    await reloader.reload("command")
    assert results == []
    clock.now += 5
    await reloader.reload("command")  # what the scheduled retry does
    (result,) = results
    assert result.ok and result.changed
    assert result.removed == ("politie-opleidingen",)
    assert reloader.assistant.knowledge.entry("politie-opleidingen") is None
    await reloader.close()


def test_the_admin_notice_names_the_removed_entries() -> None:
    from bot.admin import render_reload_result

    result = ReloadResult(
        ok=True, trigger="file", at=0.0, version="abc", entries=3, removed=("politie-x",)
    )
    assert "politie-x" in render_reload_result(result).text
