"""Per question, the cost of the matcher's two scoring passes by the postings it reaches.

Data for ``topk.MIN_POSTINGS_BUILT``, the size from which numpy's pass (``dense``) scores a
question once a knowledge's arrays are built: every question of the dev set and
bench/eval-*.yaml on the shipped knowledge and on synthetic knowledge (``bench/speed.py``'s
``synthetic``), each pass alone, best of ``--repeat`` runs (wall clock, in-process):
- ``python``: ``scoring.prepared_scores``, every candidate scored in Python;
- ``numpy``: ``dense.top_scores``, the same scores with numpy arrays, the best five kept.
Printed per band of postings: the median of each and how often numpy's is the faster.

Run: python bench/scoring_costs.py [--sizes 300 1000 3000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import synthetic, workload

from bot import heap
from bot.knowledge import load_knowledge
from bot.matching import Matcher, dense
from bot.matching.scoring import prepared_scores, query

BANDS = (0, 250, 500, 1000, 1500, 2000, 3000, 5000)
COUNT = 5


def fastest(run: Callable[[], object], repeat: int) -> float:
    """Best of ``repeat`` runs, in µs."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[300, 1000, 3000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    shipped = load_knowledge()
    questions = workload()
    for path in sorted((ROOT / "bench").glob("eval-*.yaml")):
        questions += [case["q"] for case in yaml.safe_load(path.read_text("utf-8"))]
    questions = list(dict.fromkeys(questions))
    rows: list[tuple[int, float, float]] = []
    for size in [0, *args.sizes]:
        matcher = Matcher(shipped if size == 0 else synthetic(shipped, size))
        index = matcher.index
        heap.settle()
        arrays = dense.postings(index)
        for question in questions:
            prepared = query(index, matcher.analyse(question))
            if prepared is None:
                continue
            postings = sum(index.posting_counts.get(token, 0) for token in prepared.squared)
            python = fastest(partial(prepared_scores, index, prepared), args.repeat)
            vectorised = fastest(partial(dense.top_scores, arrays, prepared, COUNT), args.repeat)
            rows.append((postings, python, vectorised))
    print(f"{len(questions)} questions on the shipped knowledge and sizes {args.sizes}")
    print(f"{'postings':>13}  {'questions':>9}  {'python µs':>9}  {'numpy µs':>8}  numpy faster")
    for low, high in zip(BANDS, [*BANDS[1:], None], strict=True):
        band = [row for row in rows if row[0] >= low and (high is None or row[0] < high)]
        if not band:
            continue
        label = f"{low}-{high}" if high is not None else f"{low}+"
        python = statistics.median(row[1] for row in band)
        vectorised = statistics.median(row[2] for row in band)
        faster = sum(row[2] < row[1] for row in band)
        print(
            f"{label:>13}  {len(band):>9}  {python:>9.1f}  {vectorised:>8.1f}  {faster}/{len(band)}"
        )


if __name__ == "__main__":
    main()
