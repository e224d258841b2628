"""How long an editor waits: a save in the console (validate the whole knowledge in a copy,
write atomically, git commit) and the reload that follows, on the shipped knowledge.

    .venv/bin/python bench/editor_save.py [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bot.config import Config
from bot.editor import LocalKnowledge
from bot.editor.auth import Editor
from bot.editor.entryfile import EntryForm, entry_file
from bot.editor.saving import file_hash, save_entry

REPO = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def make_repository(folder: Path) -> None:
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@b", "-C", str(folder), *step],
            check=True,
            capture_output=True,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "knowledge"
        shutil.copytree(REPO / "knowledge", folder)
        await asyncio.to_thread(make_repository, folder)
        knowledge = LocalKnowledge(folder, Config())
        entry = knowledge.matcher().knowledge.entry("politie-online")
        assert entry is not None
        editor = Editor("bench", "")
        timings: dict[str, list[float]] = {
            "save (no git)": [],
            "save + git commit": [],
            "reload after save": [],
        }
        for run in range(args.runs):
            form = dataclasses.replace(
                EntryForm.from_entry(entry), alternates=(*entry.alternates, f"bench vraag {run}")
            )
            git = run % 2 == 1
            base = file_hash(entry_file(folder, entry.partner))
            started = time.perf_counter()
            outcome = save_entry(folder, form, entry.id, base, editor, git, "bench")
            timings["save + git commit" if git else "save (no git)"].append(
                time.perf_counter() - started
            )
            assert outcome.saved, outcome.errors
            started = time.perf_counter()
            assert await knowledge.reload() == []
            timings["reload after save"].append(time.perf_counter() - started)
        entries = len(knowledge.matcher().knowledge.entries)
    print(f"shipped knowledge: {entries} entries, {args.runs} saves")
    for name, values in timings.items():
        print(
            f"{name:>20}: p50 {statistics.median(values) * 1000:7.1f} ms   "
            f"p95 {percentile(values, 0.95) * 1000:7.1f} ms   (n={len(values)})"
        )


if __name__ == "__main__":
    asyncio.run(main())
