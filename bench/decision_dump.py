"""Dump every decision and ranking the matcher makes, to compare two versions of it.

For every question of the dev set and bench/eval-*.yaml, on the shipped knowledge and on the
synthetic 1,000-entry knowledge of ``bench/speed.py``: the decision (kind, ranked entry ids
with their scores, options, confidence, uncovered word) and the first entries of the full
ranking. Scores are printed rounded to 2 decimals, as the bot shows them.

Run before and after a change to the matcher, then compare:
    python bench/decision_dump.py > before.jsonl   # on the old version
    python bench/decision_dump.py > after.jsonl    # on the new one
    cmp before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval import DEFAULT_SET
from speed import synthetic

from bot.knowledge import load_knowledge
from bot.matching import Matcher
from bot.models import Match

RANKING_SHOWN = 10


def _questions() -> list[tuple[str, str]]:
    paths = [DEFAULT_SET, *sorted((ROOT / "bench").glob("eval-*.yaml"))]
    found: list[tuple[str, str]] = []
    for path in paths:
        if path.exists():
            cases = yaml.safe_load(path.read_text(encoding="utf-8"))
            found += [(path.name, str(case["q"])) for case in cases]
    return found


def _matches(matches: tuple[Match, ...] | list[Match]) -> list[tuple[str, float]]:
    return [(match.entry.id, round(match.score, 2)) for match in matches]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    args = parser.parse_args()
    shipped = load_knowledge()
    knowledges = [("shipped", shipped)] + [
        (f"synthetic-{size}", synthetic(shipped, size)) for size in args.sizes
    ]
    questions = _questions()
    for label, knowledge in knowledges:
        matcher = Matcher(knowledge)
        for source, question in questions:
            decision = matcher.decide(question)
            _, ranked = matcher.rank(question)
            record = {
                "knowledge": label,
                "set": source,
                "q": question,
                "kind": decision.kind,
                "matches": _matches(decision.matches),
                "options": _matches(decision.options),
                "confidence": round(decision.confidence, 2),
                "english": decision.english,
                "uncovered": list(decision.uncovered),
                "ranking": _matches(ranked[:RANKING_SHOWN]),
            }
            print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    main()
