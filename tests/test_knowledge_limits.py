"""Hostile knowledge folders: memory per load, YAML bombs, huge files, deep nesting.

Memory is measured in a fresh Python process (RSS from /proc), so the figures are not
blurred by whatever the test process loaded before.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import KnowledgeError, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"

# Runs in a child process: prints RSS (MB) before and after the work as JSON.
_MEASURE = textwrap.dedent(
    """
    import json, sys
    from bot.knowledge import KnowledgeError, load_knowledge

    def rss_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise SystemExit("no VmRSS")

    def peak_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        raise SystemExit("no VmHWM")

    folder, loads = sys.argv[1] or None, int(sys.argv[2])
    result = {"problems": []}
    for n in range(loads):
        try:
            load_knowledge(folder)
        except KnowledgeError as error:
            result["problems"] = [str(p) for p in error.problems]
        if n == 0:
            result["after_first"] = rss_mb()
    result["after_last"] = rss_mb()
    result["peak"] = peak_mb()
    print(json.dumps(result))
    """
)


def measure(folder: Path | None, loads: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(folder or ""), str(loads)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_memory_does_not_grow_with_every_load() -> None:
    """The old module-level loader kept every object: 20 MB after 1 load, 354 MB after 200."""
    result = measure(None, 200)
    assert not result["problems"]
    growth = float(result["after_last"]) - float(result["after_first"])  # type: ignore[arg-type]
    assert growth < 8, f"RSS grew {growth:.1f} MB over 199 more loads"


def copy_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, target)
    return target


def billion_laughs() -> str:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text + "entries: [*i]\n"


def junk(size: int) -> str:
    """Valid YAML: a long list of small mappings (5 MB of it took 37 s and 553 MB)."""
    lines = ["entries:"]
    total = 0
    n = 0
    while total < size:
        line = f"  - {{id: x{n}, partner: politie, topic: [a, b, {n / 7}], q: 'woord {n}'}}"
        lines.append(line)
        total += len(line) + 1
        n += 1
    return "\n".join(lines) + "\n"


HOSTILE = {
    # name: (content of entries/politie.yaml, words in the problem)
    "billion laughs": (billion_laughs(), "verwijzing herhaalt te veel"),
    "5 MB of junk": (junk(5_000_000), "te groot"),
    # Raised RecursionError; libyaml refuses 1,000 flow levels, bot.safe_yaml 40 of any kind.
    "3,000 levels": ("entries: " + "[" * 3000 + "]" * 3000 + "\n", "te diep"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_fail_fast_naming_the_file_in_bounded_memory(
    tmp_path: Path, name: str
) -> None:
    folder = copy_fixture(tmp_path)
    content, words = HOSTILE[name]
    (folder / "entries" / "politie.yaml").write_text(content, encoding="utf-8")
    result = measure(folder, 1)
    problems: list[str] = result["problems"]  # type: ignore[assignment]
    assert any("entries/politie.yaml" in p and words in p for p in problems), problems
    # Before: the bomb passed 2.8 GB, the junk 553 MB; a loaded fixture takes about 20 MB.
    assert float(result["peak"]) < 150, f"peak RSS {result['peak']} MB"  # type: ignore[arg-type]


def test_dot_files_are_skipped(tmp_path: Path) -> None:
    """Emacs keeps a lock '.#politie.yaml' as a dangling link while a file is edited."""
    folder = copy_fixture(tmp_path)
    (folder / "entries" / ".#politie.yaml").symlink_to("user@host.1234:1700000000")
    (folder / "entries" / ".politie.yaml.swp").write_bytes(b"\x00\x01binary")
    (folder / "entries" / ".verborgen.yaml").write_text("entries: [kapot", encoding="utf-8")
    assert load_knowledge(folder).entries


@pytest.mark.parametrize("kind", ["folder", "symlink loop", "unreadable"])
def test_odd_files_are_problems_naming_the_file(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_fixture(tmp_path)
    odd = folder / "entries" / "x.yaml"
    if kind == "folder":
        odd.mkdir()
    elif kind == "symlink loop":
        odd.symlink_to(odd)
    else:
        odd.write_text("entries: []\n", encoding="utf-8")
        odd.chmod(0)
        if _can_read(odd):  # root reads anything: make the read fail the way it would
            real_open = Path.open

            def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
                if self == odd:
                    raise PermissionError(13, "Permission denied", str(self))
                return real_open(self, *args, **kwargs)

            monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    assert any("entries/x.yaml" in str(p) for p in caught.value.problems)


def _can_read(path: Path) -> bool:
    try:
        path.read_bytes()
    except PermissionError:
        return False
    return True
