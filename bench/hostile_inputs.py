"""Hostile knowledge folders: memory per load, and time and peak memory of a YAML bomb, a
large file of valid junk and deep nesting. Each case runs in a fresh Python process.

    python bench/hostile_inputs.py [--loads 200]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "knowledge"

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from bot.knowledge import KnowledgeError, load_knowledge

    def status(field):
        with open("/proc/self/status") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    folder, loads = sys.argv[1] or None, int(sys.argv[2])
    result = {"problem": ""}
    started = time.perf_counter()
    for n in range(loads):
        try:
            load_knowledge(folder)
        except KnowledgeError as error:
            result["problem"] = str(error.problems[0])[:110]
        except BaseException as error:
            result["problem"] = type(error).__name__
        if n == 0:
            result["rss_first"] = status("VmRSS")
    result["seconds"] = time.perf_counter() - started
    result["rss_last"] = status("VmRSS")
    result["peak"] = status("VmHWM")
    print(json.dumps(result))
    """
)


def run(folder: Path | None, loads: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder or ""), str(loads)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def billion_laughs() -> str:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text + "entries: [*i]\n"


def junk(size: int) -> str:
    rows = ["entries:"]
    n = 0
    while sum(map(len, rows)) < size:
        rows.append(f"  - {{id: x{n}, partner: politie, topic: [a, {n / 7}], q: 'woord {n}'}}")
        n += 1
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=200)
    args = parser.parse_args()

    loaded = run(None, args.loads)
    print(
        f"shipped knowledge, {args.loads} loads: RSS {loaded['rss_first']:.1f} MB after 1, "
        f"{loaded['rss_last']:.1f} MB after {args.loads}; "
        f"{float(loaded['seconds']) / args.loads * 1000:.0f} ms per load"  # type: ignore[arg-type]
    )
    cases = {
        "billion laughs (9 levels of 9 aliases)": billion_laughs(),
        "5 MB of valid junk": junk(5_000_000),
        "1.9 MB of valid junk (under the size limit)": junk(1_900_000),
        "3,000 levels of nesting": "entries: " + "[" * 3000 + "]" * 3000 + "\n",
    }
    with tempfile.TemporaryDirectory() as temp:
        for name, content in cases.items():
            folder = Path(temp) / "knowledge"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(FIXTURE, folder)
            (folder / "entries" / "politie.yaml").write_text(content, encoding="utf-8")
            found = run(folder, 1)
            print(
                f"{name}: {found['seconds']:.2f} s, peak RSS {found['peak']:.0f} MB\n"
                f"    {found['problem']}"
            )


if __name__ == "__main__":
    main()
