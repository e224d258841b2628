"""Evaluate matching on labelled question sets.

Prints in-scope top-1, clarify rate, out-of-scope rejection, the combined score and every
miss for one file; with ``--all``, one line per set and a table per kind for every set.

Which sets tune the matcher and which stay untouched is fixed here, up front (issue 14):
- tuned on: dev (../shared/eval/dev.yaml), eval-extra, and the "tune" half of eval-fresh;
- untouched: eval-holdout and the "check" half of eval-fresh.
eval-fresh is split by a hash of the question text, so the halves never change.

Run: python bench/eval.py [FILE] [--knowledge DIR] [--sweep]
     python bench/eval.py --all [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import MatchingConfig
from bot.knowledge import load_knowledge
from bot.matching import Matcher
from bot.models import Decision

# The dev set lives beside the repository (../shared); from a worktree, one level further up.
DEFAULT_SET = next(
    (
        folder / "shared" / "eval" / "dev.yaml"
        for folder in ROOT.parents
        if (folder / "shared" / "eval" / "dev.yaml").exists()
    ),
    ROOT.parent / "shared" / "eval" / "dev.yaml",
)
BENCH = ROOT / "bench"


def fresh_half(question: str) -> str:
    """'tune' or 'check': a fixed split of eval-fresh by the question's text."""
    return "tune" if hashlib.sha256(question.encode()).digest()[0] % 2 == 0 else "check"


def load_cases(path: Path, half: str | None = None) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if half is not None:
        cases = [case for case in cases if fresh_half(str(case["q"])) == half]
    return cases


def named_sets() -> dict[str, tuple[list[dict[str, object]], bool]]:
    """Every set that exists, with whether it is tuned on."""
    found: dict[str, tuple[list[dict[str, object]], bool]] = {}
    if DEFAULT_SET.exists():
        found["dev"] = (load_cases(DEFAULT_SET), True)
    found["extra"] = (load_cases(BENCH / "eval-extra.yaml"), True)
    fresh = BENCH / "eval-fresh.yaml"
    if fresh.exists():
        found["fresh-tune"] = (load_cases(fresh, "tune"), True)
    found["holdout"] = (load_cases(BENCH / "eval-holdout.yaml"), False)
    if fresh.exists():
        found["fresh-check"] = (load_cases(fresh, "check"), False)
    return found


def _pair(decision_match: object) -> tuple[str, str]:
    entry = decision_match.entry  # type: ignore[attr-defined]
    return (entry.partner, entry.topic)


def _kind(case: dict[str, object]) -> str:
    kind = str(case.get("kind") or "-")
    return "outofscope" if kind == "out-of-scope" else kind


@dataclass
class Tally:
    cases: int = 0
    in_scope: int = 0
    right: int = 0
    clarify: int = 0
    clarify_right: int = 0
    out_scope: int = 0
    rejected: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def combined(self) -> float:
        return (self.right + 0.5 * self.clarify_right + self.rejected) / max(self.cases, 1)

    def add(self, case: dict[str, object], decision: Decision) -> None:
        question = str(case["q"])
        accept = {tuple(pair) for pair in case.get("accept") or []}  # type: ignore[attr-defined]
        best = decision.best
        got = _pair(best) if best else ("-", "-")
        label = f"{decision.kind:8} {decision.confidence:5.1f} {got[0]}/{got[1]}"
        self.cases += 1
        if accept:
            self.in_scope += 1
            if decision.kind == "answer" and got in accept:
                self.right += 1
            elif decision.kind == "clarify":
                self.clarify += 1
                if any(_pair(option) in accept for option in decision.options):
                    self.clarify_right += 1
                else:
                    self.misses.append(
                        f"CLARIFY-WRONG {label} | {question} | want {sorted(accept)}"
                    )
            else:
                self.misses.append(f"MISS   {label} | {question} | want {sorted(accept)}")
        else:
            self.out_scope += 1
            if decision.kind == "fallback":
                self.rejected += 1
            else:
                self.misses.append(f"FALSE+ {label} | {question}")

    def figures(self) -> dict[str, float | int]:
        return {
            "questions": self.cases,
            "top1": round(self.right / max(self.in_scope, 1), 3),
            "clarify": round(self.clarify / max(self.in_scope, 1), 3),
            "rejection": round(self.rejected / max(self.out_scope, 1), 3),
            "combined": round(self.combined, 3),
        }


def tally(matcher: Matcher, cases: list[dict[str, object]]) -> tuple[Tally, dict[str, Tally]]:
    total = Tally()
    kinds: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        decision = matcher.decide(str(case["q"]))
        total.add(case, decision)
        kinds[_kind(case)].add(case, decision)
    return total, dict(kinds)


def evaluate(matcher: Matcher, cases: list[dict[str, object]], verbose: bool = True) -> float:
    total, _ = tally(matcher, cases)
    if verbose:
        t = total
        print(f"questions: {t.cases} (in scope {t.in_scope}, out of scope {t.out_scope})")
        print(f"in-scope top-1:        {t.right / max(t.in_scope, 1):.3f} ({t.right}/{t.in_scope})")
        print(
            f"clarify rate:          {t.clarify / max(t.in_scope, 1):.3f} "
            f"({t.clarify}, {t.clarify_right} with a right option)"
        )
        print(
            f"out-of-scope rejection:{t.rejected / max(t.out_scope, 1):.3f} "
            f"({t.rejected}/{t.out_scope})"
        )
        print(f"combined:              {t.combined:.3f}")
        if t.misses:
            print("misses:")
            for line in t.misses:
                print("  " + line)
    return total.combined


def report_all(matcher: Matcher, show_misses: bool) -> dict[str, object]:
    result: dict[str, object] = {}
    print(f"{'set':12} {'tuned':5} {'n':>4} {'top-1':>6} {'clarify':>7} {'reject':>6} {'comb.':>6}")
    per_kind: dict[str, dict[str, Tally]] = {}
    for name, (cases, tuned) in named_sets().items():
        total, kinds = tally(matcher, cases)
        f = total.figures()
        print(
            f"{name:12} {'yes' if tuned else 'no':5} {f['questions']:>4} {f['top1']:>6.3f} "
            f"{f['clarify']:>7.3f} {f['rejection']:>6.3f} {f['combined']:>6.3f}"
        )
        per_kind[name] = kinds
        result[name] = {
            "tuned": tuned,
            **f,
            "kinds": {kind: t.figures() for kind, t in sorted(kinds.items())},
        }
        if show_misses and tuned:  # the untouched sets stay unread: figures only
            for line in total.misses:
                print(f"    {name}: {line}")
    all_kinds = sorted({kind for kinds in per_kind.values() for kind in kinds})
    print("\ncombined per kind (n in brackets)")
    print(f"{'kind':12} " + " ".join(f"{name:>14}" for name in per_kind))
    for kind in all_kinds:
        cells = []
        for kinds in per_kind.values():
            t = kinds.get(kind)
            cells.append(f"{t.combined:.2f} ({t.cases:>3})" if t else "-")
        print(f"{kind:12} " + " ".join(f"{cell:>14}" for cell in cells))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--knowledge", default=None)
    parser.add_argument("--all", action="store_true", help="every set, per set and per kind")
    parser.add_argument(
        "--misses", action="store_true", help="with --all: list every miss of the tuned sets"
    )
    parser.add_argument("--json", default=None, help="with --all: write the figures here")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="grid-search the decision thresholds and print the best",
    )
    args = parser.parse_args()
    knowledge = load_knowledge(args.knowledge)
    matcher = Matcher(knowledge, MatchingConfig())
    if args.all:
        figures = report_all(matcher, args.misses)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
        return
    cases = load_cases(Path(args.file))
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
