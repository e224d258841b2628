"""Per question, the CPU cost of each of topk's passes and the cheap statistics of its words.

Data for choosing a pass before any work starts (README, issue 16 Matcher): on synthetic
knowledge (``bench/speed.py``'s ``synthetic``, any size and seed) and questions that are
NOT the speed bench's workload (bench/eval-fresh, eval-holdout, eval-english and the
conversation turns; ``--questions bench`` for the workload itself), each pass is run
alone (best of ``--repeat`` runs, process CPU time):
- ``bag``: topk's bag lists' MaxScore pass, until it answers or gives up (``gave_up``);
- ``text``: textlists' pass;
- ``full``: scoring every entry that shares a word (``scoring.scores``).
One JSON object per line, with the cheap statistics of the question's words
(``word_statistics``: posting-list lengths, the heaviest word's share of the bounds).

Run: python bench/topk_costs.py --sizes 1000 10000 --seeds 7 11 > costs.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import synthetic

from bot import heap
from bot.knowledge import load_knowledge
from bot.matching import Matcher, topk
from bot.matching.index import MatchIndex
from bot.matching.scoring import COVERAGE_WEIGHT, PHRASING_WEIGHT, Query, query, scores
from bot.matching.textlists import TextListPass

TRAINING = ("eval-fresh.yaml", "eval-holdout.yaml", "eval-english.yaml")
COUNT = 5


def training_questions() -> list[str]:
    questions: list[str] = []
    for name in TRAINING:
        questions += [case["q"] for case in yaml.safe_load((ROOT / "bench" / name).read_text())]
    for name in ("conversation.yaml", "conversation-independent.yaml"):
        path = ROOT / "bench" / name
        if path.exists():
            for script in yaml.safe_load(path.read_text()):
                questions += [turn["say"] for turn in script["turns"]]
    return list(dict.fromkeys(questions))


def word_statistics(index: MatchIndex, prepared: Query, words: list[str]) -> dict[str, float]:
    """Cheap statistics of a question's words, known before any pass starts."""
    bag_postings = index.bag_postings
    text_postings = index.text_postings
    bag_lengths = sorted(len(bag_postings[t]) for t in words)
    text_lengths = sorted(len(text_postings.get(t, ())) for t in words)
    bound = {
        t: PHRASING_WEIGHT
        * prepared.squared[t]
        * index.max_inverse_norm.get(t, 0.0)
        / prepared.query_norm
        + COVERAGE_WEIGHT * prepared.weights[t] / prepared.total_weight
        for t in words
    }
    heaviest = max(words, key=bound.__getitem__)
    total = sum(bound.values())
    return {
        "words": len(words),
        "bag": sum(bag_lengths),
        "text": sum(text_lengths),
        "bag_min": bag_lengths[0],
        "bag_max": bag_lengths[-1],
        "bag_second": bag_lengths[1] if len(bag_lengths) > 1 else 0,
        "text_min": text_lengths[0],
        "text_max": text_lengths[-1],
        "bag_heaviest": len(bag_postings[heaviest]),
        "bound_top_share": bound[heaviest] / total if total else 1.0,
        "bag_over_text": sum(bag_lengths) / max(sum(text_lengths), 1),
    }


def cpu(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.process_time_ns()
        result = function()
        best = min(best, time.process_time_ns() - started)
    return best / 1e6, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[7])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--questions", default="training", choices=["training", "bench"])
    args = parser.parse_args()
    knowledge = load_knowledge()
    if args.questions == "bench":
        from speed import workload

        questions = workload()
    else:
        questions = training_questions()
    for size in args.sizes:
        for seed in args.seeds:
            matcher = Matcher(synthetic(knowledge, size, seed))
            heap.settle()
            index = matcher.index
            for question in questions:
                analysis = matcher.analyse(question)
                prepared = query(index, analysis)
                if prepared is None:
                    continue
                words = [t for t, _, _ in prepared.terms if t in index.bag_postings]
                if not words:
                    continue
                stats = word_statistics(index, prepared, words)
                postings = stats["bag"] + stats["text"]
                bag, answered = cpu(
                    partial(topk._bag_lists, index, prepared, words, postings, COUNT, {}),
                    args.repeat,
                )
                text, _ = cpu(
                    lambda i=index, p=prepared, w=words: TextListPass(i, p, w, COUNT).run(),
                    args.repeat,
                )
                full, _ = cpu(partial(scores, index, analysis), args.repeat)
                chosen, _ = cpu(partial(topk.top_scores, index, analysis, COUNT), args.repeat)
                row = {
                    "size": size,
                    "seed": seed,
                    "q": question,
                    "bag_ms": round(bag, 4),
                    "gave_up": not answered,
                    "text_ms": round(text, 4),
                    "full_ms": round(full, 4),
                    "chosen_ms": round(chosen, 4),
                    **stats,
                }
                print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
