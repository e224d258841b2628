"""Evaluate matching on a labelled question set (default: ../shared/eval/dev.yaml).

Prints in-scope top-1, clarify rate, out-of-scope rejection, the combined score and every
miss. Run: python bench/eval.py [FILE] [--knowledge DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import MatchingConfig
from bot.knowledge import load_knowledge
from bot.matching import Matcher
from bot.models import Decision

DEFAULT_SET = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev.yaml"


def _pair(decision_match: object) -> tuple[str, str]:
    entry = decision_match.entry  # type: ignore[attr-defined]
    return (entry.partner, entry.topic)


def evaluate(matcher: Matcher, cases: list[dict[str, object]], verbose: bool = True) -> float:
    in_scope = right = clarify = clarify_right = out_scope = rejected = ranked_right = 0
    misses: list[str] = []
    for case in cases:
        question = str(case["q"])
        accept = {tuple(pair) for pair in case.get("accept") or []}  # type: ignore[union-attr]
        decision: Decision = matcher.decide(question)
        best = decision.best
        got = _pair(best) if best else ("-", "-")
        label = f"{decision.kind:8} {decision.confidence:5.1f} {got[0]}/{got[1]}"
        if accept:
            in_scope += 1
            ranked_right += got in accept
            if decision.kind == "answer" and got in accept:
                right += 1
            elif decision.kind == "clarify":
                clarify += 1
                if any(_pair(option) in accept for option in decision.options):
                    clarify_right += 1
                else:
                    misses.append(f"CLARIFY-WRONG {label} | {question} | want {sorted(accept)}")
            else:
                misses.append(f"MISS   {label} | {question} | want {sorted(accept)}")
        else:
            out_scope += 1
            if decision.kind == "fallback":
                rejected += 1
            else:
                misses.append(f"FALSE+ {label} | {question}")
    combined = (right + 0.5 * clarify_right + rejected) / max(len(cases), 1)
    if verbose:
        print(f"questions: {len(cases)} (in scope {in_scope}, out of scope {out_scope})")
        print(f"in-scope top-1:        {right / max(in_scope, 1):.3f} ({right}/{in_scope})")
        print(
            f"clarify rate:          {clarify / max(in_scope, 1):.3f} "
            f"({clarify}, {clarify_right} with a right option)"
        )
        print(f"out-of-scope rejection:{rejected / max(out_scope, 1):.3f} ({rejected}/{out_scope})")
        print(f"combined:              {combined:.3f}")
        if misses:
            print("misses:")
            for line in misses:
                print("  " + line)
    return combined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--knowledge", default=None)
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="grid-search the decision thresholds and print the best",
    )
    args = parser.parse_args()
    cases = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
    knowledge = load_knowledge(args.knowledge)
    matcher = Matcher(knowledge, MatchingConfig())
    evaluate(matcher, cases)
    if args.sweep:
        results = []
        for answer in range(25, 70, 2):
            for clarify in range(15, answer + 1, 3):
                for margin in (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0):
                    config = MatchingConfig(
                        answer_threshold=answer, clarify_threshold=clarify, clarify_margin=margin
                    )
                    score = evaluate(matcher.with_config(config), cases, verbose=False)
                    results.append((score, answer, clarify, margin))
        results.sort(reverse=True)
        print("best thresholds (combined, answer, clarify, margin):")
        for row in results[:10]:
            print("  ", row)


if __name__ == "__main__":
    main()
