"""Matcher speed: questions/s and p50/p99 latency, index build time, CLI cold start.

On the shipped knowledge and on synthetic knowledge bases of 1,000 and 10,000 entries built
from the shipped knowledge's own sentences (so the vocabulary stays realistic).
Targets: p99 <= 2 ms shipped; at 10k entries p99 <= 5 ms and index build <= 10 s (issue 16);
`partnerbot ask` cold start <= 0.5 s. After each build the heap is settled as the running
app settles it (``bot.heap.settle``), so latencies are those of a bot serving that knowledge.

Run: python bench/speed.py [--sizes 1000 10000] [--cold-runs 5]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import heap
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.models import Entry

# The dev set lives beside the repository (../shared); from a worktree, one level further up.
_DEV = next(
    (
        folder / "shared" / "eval" / "dev.yaml"
        for folder in ROOT.parents
        if (folder / "shared" / "eval" / "dev.yaml").exists()
    ),
    ROOT.parent / "shared" / "eval" / "dev.yaml",
)
EVAL_SETS = (_DEV, ROOT / "bench" / "eval-extra.yaml")


def workload() -> list[str]:
    questions: list[str] = []
    for path in EVAL_SETS:
        if path.exists():
            questions += [case["q"] for case in yaml.safe_load(path.read_text("utf-8"))]
    if not questions:
        questions = ["mag een boa online rondkijken op instagram?", "osint opleiding?"]
    return questions


def synthetic(knowledge: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """A knowledge base of ``size`` entries with a realistic vocabulary.

    Words are drawn with Zipf-like frequencies from the shipped knowledge's own words plus
    invented ones (a real knowledge of 10,000 entries has a larger vocabulary than 45), so
    common words touch many entries and rare words few, as in real text.
    """
    rng = random.Random(seed)
    texts = [t for e in knowledge.entries for t in (e.question, *e.alternates, e.answer)]
    real_words = sorted({word.strip(".,?!:;()*\"'") for text in texts for word in text.split()})
    syllables = ["ka", "lo", "me", "ri", "ton", "ver", "stra", "an", "del", "ge", "wijk", "on"]
    invented = sorted(
        {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size * 2)}
    )
    vocabulary = [word for word in real_words + invented if word]
    rng.shuffle(vocabulary)
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocabulary))))

    def sentence(length: int) -> str:
        return " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=length))

    entries: list[Entry] = []
    for index in range(size):
        template = knowledge.entries[index % len(knowledge.entries)]
        entries.append(
            replace(
                template,
                id=f"synthetic-{index}",
                question=sentence(7),
                alternates=tuple(sentence(rng.randint(3, 9)) for _ in range(15)),
                keywords=tuple(sentence(1) for _ in range(6)),
                answer=sentence(80),
            )
        )
    return replace(
        knowledge,
        entries=tuple(entries),
        _entries_by_id={entry.id: entry for entry in entries},
    )


def measure(label: str, knowledge: KnowledgeBase, questions: list[str], rounds: int) -> None:
    started = time.perf_counter()
    matcher = Matcher(knowledge)
    build = time.perf_counter() - started
    # As the app does after loading knowledge (``bot.heap``): otherwise the collector's full
    # passes over the index's millions of objects land in some question's latency.
    heap.settle()
    for question in questions:  # warm the caches, as a running bot has them
        matcher.decide(question)
    latencies: list[float] = []
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter()
            matcher.decide(question)
            latencies.append(time.perf_counter() - t0)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    rate = len(latencies) / sum(latencies)
    print(
        f"{label:>16}: {len(knowledge.entries):>6} entries  build {build:6.2f} s  "
        f"{rate:8.0f} q/s  p50 {p50:6.3f} ms  p99 {p99:6.3f} ms"
    )


def cold_start(runs: int) -> None:
    """`partnerbot ask` in a fresh process: once with an empty index cache, then cached."""

    def run(cache: str) -> float:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "mag een boa online rondkijken op instagram?"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={**os.environ, "PARTNERBOT_CACHE_DIR": cache},
        )
        return time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as cache:
        first = run(cache)
        timings = [run(cache) for _ in range(runs)]
    print(
        f"cold start `partnerbot ask`: median {statistics.median(timings):.3f} s, "
        f"max {max(timings):.3f} s over {runs} runs "
        f"(first run, building the index cache: {first:.3f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the workload")
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    knowledge = load_knowledge()
    questions = workload()
    print(f"workload: {len(questions)} questions")
    measure("shipped", knowledge, questions, args.rounds)
    for size in args.sizes:
        measure(
            f"synthetic {size}", synthetic(knowledge, size), questions, max(1, args.rounds // 4)
        )
    cold_start(args.cold_runs)


if __name__ == "__main__":
    main()
