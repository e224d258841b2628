"""Reply length: characters of `partnerbot ask` output over the in-scope eval questions.

`ask` prints what a chat shows before any "Meer" (title, lead, footer); `--full` prints
everything. Both are measured per eval set and over all sets together: median, p90, max and
the line count. Target (issue 13): median <= 600 and p90 <= 900 characters.

Run: python bench/reply_length.py [EVAL_FILE ...] [--knowledge DIR]
Without files: ../shared/eval/dev.yaml (when present) and bench/eval-*.yaml.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.models import Question, Reply

DEV_SET = ROOT.parent.parent / "shared" / "eval" / "dev.yaml"


def default_sets() -> list[Path]:
    shared = [DEV_SET] if DEV_SET.exists() else []
    return shared + sorted((ROOT / "bench").glob("eval-*.yaml"))


def in_scope_questions(path: Path) -> list[str]:
    cases: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [case["q"] for case in cases if case.get("accept")]


def shown(reply: Reply, *, full: bool) -> str:
    # What `ask` prints; getattr keeps this script usable on a checkout from before the lead.
    short = getattr(reply, "short_text", "")
    return reply.text if full or not short else str(short)


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, lengths: list[int], lines: list[int]) -> None:
    if not lengths:
        print(f"{label:<28} no in-scope questions")
        return
    print(
        f"{label:<28} n={len(lengths):<4} median {statistics.median(lengths):>6.0f}  "
        f"p90 {percentile(lengths, 0.9):>5}  max {max(lengths):>5}  "
        f"median lines {statistics.median(lines):>4.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--knowledge", default=None)
    args = parser.parse_args()
    assistant = Assistant(load_knowledge(args.knowledge))
    files = args.files or default_sets()
    for full in (False, True):
        print("ask --full (everything)" if full else "ask (what a chat shows before 'Meer')")
        every: list[int] = []
        every_lines: list[int] = []
        for path in files:
            lengths: list[int] = []
            lines: list[int] = []
            for number, text in enumerate(in_scope_questions(path)):
                # A conversation per question: earlier questions are no context for this one.
                question = Question(
                    text=text,
                    transport="console",
                    conversation_id=str(number),
                    always_addressed=True,
                    private=True,
                )
                reply = assistant.handle(question)
                out = shown(reply, full=full) if reply is not None else ""
                lengths.append(len(out))
                lines.append(out.count("\n") + 1)
            report(path.name, lengths, lines)
            every += lengths
            every_lines += lines
        report("all sets", every, every_lines)
        print()


if __name__ == "__main__":
    main()
