"""Train the decision model on the tuned sets and write bot/matching/model.py.

A logistic regression (L2-regularised, fitted by Newton's method in pure Python) over the
signals in ``bot.matching.decision.features``; the label is whether the best entry answers
the question (an out-of-scope question never has one). The thresholds (answer, clarify,
margin) are then chosen by the combined score over the same questions and printed: set them
as the defaults in bot/config/sections.py and config.example.yaml. Only the tuned sets are read (see
bench/eval.py): dev, eval-extra and the tune half of eval-fresh.

Run: python bench/train_decision.py [--write] [--l2 1.0]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval import named_sets  # type: ignore[import-not-found]

from bot.config import MatchingConfig
from bot.knowledge import load_knowledge
from bot.matching import Matcher, decision
from bot.matching.matcher import Considered
from bot.models import Decision

MODEL = ROOT / "bot" / "matching" / "model.py"
Row = tuple[Considered, set[tuple[str, str]]]  # a considered question and its right answers


def _pair(match: object) -> tuple[str, str]:
    entry = match.entry  # type: ignore[attr-defined]
    return (entry.partner, entry.topic)


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the systems are 15x15)."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[col][col]:
                factor = a[r][col] / a[col][col]
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    return [a[i][n] / a[i][i] if a[i][i] else 0.0 for i in range(n)]


def fit(xs: list[list[float]], ys: list[int], l2: float) -> list[float]:
    """Weights with the bias first; the bias is not regularised."""
    dims = len(xs[0]) + 1
    w = [0.0] * dims
    for _ in range(50):
        grad = [0.0] * dims
        hess = [[0.0] * dims for _ in range(dims)]
        for x, y in zip(xs, ys, strict=True):
            v = [1.0, *x]
            z = sum(wi * vi for wi, vi in zip(w, v, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
            for i in range(dims):
                grad[i] += (p - y) * v[i]
                for j in range(dims):
                    hess[i][j] += p * (1 - p) * v[i] * v[j]
        for i in range(1, dims):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        step = solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-8:
            break
    return w


def combined(config: MatchingConfig, seen: list[Row]) -> float:
    """The combined score of ``config`` over already considered questions."""
    points = 0.0
    for item, accept in seen:
        got: Decision = decision.decide(config, item.top, item.analysis, item.support)
        if not accept:
            points += got.kind == "fallback"
        elif got.kind == "answer":
            points += got.best is not None and _pair(got.best) in accept
        elif got.kind == "clarify":
            points += 0.5 * any(_pair(option) in accept for option in got.options)
    return points / max(len(seen), 1)


def render(names: list[str], weights: list[float]) -> str:
    lines = [
        '"""The decision model\'s numbers, written by ``bench/train_decision.py``; do not edit by'
        " hand.",
        "",
        "A logistic model over the matcher's own signals (see ``decision.features``) estimates how",
        "likely the best entry answers the question; the thresholds were chosen by the combined "
        "score",
        "on the sets the matcher is tuned on (dev, eval-extra, the tune half of eval-fresh).",
        '"""',
        "",
        "FEATURES = (",
        *[f'    "{name}",' for name in names],
        ")",
        "WEIGHTS: tuple[float, ...] = (",
        *[f"    {weight:.4f},  # {name}" for name, weight in zip(names, weights[1:], strict=True)],
        ")",
        f"BIAS = {weights[0]:.4f}",
        "",
    ]
    return "\n".join(lines)


def _signals(item: Considered) -> dict[str, float] | None:
    if item.support is None or not item.analysis.tokens:
        return None
    return decision.features(item.analysis, item.top, item.support)


def fit_rows(rows: list[Row], names: list[str], l2: float) -> list[float]:
    xs, ys = [], []
    for item, accept in rows:
        signals = _signals(item)
        if signals is not None:
            xs.append([signals[name] for name in names])
            ys.append(int(_pair(item.top[0]) in accept))
    return fit(xs, ys, l2)


def answer_only_score(rows: list[Row], names: list[str], w: list[float], at: float) -> float:
    """Combined score when answering from probability ``at`` (0-100), never clarifying."""
    points = 0.0
    for item, accept in rows:
        signals = _signals(item)
        answered = False
        if signals is not None:
            z = w[0] + sum(wi * signals[n] for wi, n in zip(w[1:], names, strict=True))
            answered = 100.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))) >= at
        if not accept:
            points += not answered
        else:
            points += answered and _pair(item.top[0]) in accept
    return points / max(len(rows), 1)


def cross_validated(sets: dict[str, list[Row]], names: list[str], l2: float) -> float:
    """Leave one tuned set out: fit and choose the threshold on the others, score the one."""
    scores = []
    for held in sets:
        train = [row for name, rows in sets.items() if name != held for row in rows]
        w = fit_rows(train, names, l2)
        at = max(
            range(10, 90, 2), key=lambda t: (answer_only_score(train, names, w, t), -abs(t - 50))
        )
        scores.append(answer_only_score(sets[held], names, w, at))
    return sum(scores) / len(scores)


def select(sets: dict[str, list[Row]], names: list[str], l2: float) -> list[str]:
    """Backward elimination by cross-validated combined score: drop a signal while the
    score does not fall (the simpler model wins ties)."""
    chosen = list(names)
    score = cross_validated(sets, chosen, l2)
    print(f"cross-validated, all signals: {score:.4f}")
    while len(chosen) > 2:
        trials = [(cross_validated(sets, [n for n in chosen if n != d], l2), d) for d in chosen]
        best, dropped = max(trials)
        if best + 0.002 < score:
            break
        chosen.remove(dropped)
        score = best
        print(f"  without {dropped:16} {best:.4f}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help="write bot/matching/model.py")
    args = parser.parse_args()
    base = Matcher(load_knowledge())
    sets: dict[str, list[Row]] = {}
    for name, (cases, tuned) in named_sets().items():
        if tuned:
            sets[name] = [
                (base.consider(str(c["q"])), {tuple(p) for p in c.get("accept") or []})  # type: ignore[attr-defined]
                for c in cases
            ]
    rows = [row for rows in sets.values() for row in rows]
    every = sorted(next(s for item, _ in rows if (s := _signals(item)) is not None))
    names = select(sets, every, args.l2)
    weights = fit_rows(rows, names, args.l2)
    print(f"signals kept: {names}")
    for name, weight in zip(["bias", *names], weights, strict=True):
        print(f"  {name:16} {weight:+.3f}")
    if not args.write:
        return
    MODEL.write_text(render(names, weights), encoding="utf-8")
    import importlib

    from bot.matching import model

    importlib.reload(model)
    results = []
    for answer in range(20, 81, 2):
        for clarify in range(10, answer + 1, 4):
            for margin in (0.0, 1.0, 2.0, 4.0):
                config = MatchingConfig(
                    answer_threshold=answer, clarify_threshold=clarify, clarify_margin=margin
                )
                score = combined(config, rows)
                # Ties: prefer not clarifying, then the threshold nearest the middle.
                results.append(
                    (score, clarify == answer, -abs(answer - 50), answer, clarify, margin)
                )
    results.sort(reverse=True)
    print("best thresholds on the tuned sets (combined, answer, clarify, margin):")
    for score, _, _, answer, clarify, margin in results[:8]:
        print(f"  {score:.3f} answer {answer} clarify {clarify} margin {margin}")


if __name__ == "__main__":
    main()
