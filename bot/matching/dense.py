"""A question's best entries in a large knowledge: its words' posting lists as numpy arrays.

In a knowledge of thousands of entries a common word ("kans", "online") is in the whole
text of a third of them, and a question of common words reaches most of the knowledge.
``scoring.prepared_scores`` visits each of those postings in Python (about 0.1 µs each);
here each word costs a few array operations over its postings, run in C:

- ``covered[bag] += weight`` per word: each entry's coverage, summed over the question's
  words in the question's order;
- ``dot[texts] += squared`` per word: each phrasing's dot product with the question, in
  the same order;
- each phrasing's cosine (``dot / (query_norm * norm)``), and per entry the largest;
- each reached entry's score, and those of at least the ``count``-th best.

Scores are the same to the last bit as ``scoring.prepared_scores``': the same IEEE-754
operations on the same doubles in the same order (one operation per numpy call, so no
other rounding). A single-word phrasing's dot product is its word's weight squared
(``0.0 + x`` is ``x``), as ``prepared_scores`` takes it; the largest of an entry's
cosines is the same in any order. ``tests/test_topk.py`` compares the two on random
knowledge.

numpy is imported only when a question reaches ``topk.MIN_POSTINGS`` postings: no question
people ask of the shipped knowledge does (only a pasted text of about 1,000 characters),
and ``partnerbot ask`` starts without it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from bot.matching.index import MatchIndex
from bot.matching.scoring import COVERAGE_WEIGHT, PHRASING_WEIGHT, Query

Indexes = NDArray[np.intp]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class DensePostings:
    """``MatchIndex``'s posting lists and per-phrasing data as arrays (``postings``)."""

    bag: Mapping[str, Indexes]  # per word, the entries whose whole text holds it
    text: Mapping[str, Indexes]  # per word, the phrasings holding it
    text_norm: Floats
    text_entry: Indexes
    partners: tuple[str, ...]
    entry_partner: Indexes  # per entry, its partner's position in ``partners``


def build(index: MatchIndex) -> DensePostings:
    """About 0.2 s at 10,000 entries; ``postings`` keeps the result with the index."""
    partners = tuple(sorted(index.partner_ids))
    position = {partner: number for number, partner in enumerate(partners)}
    return DensePostings(
        bag={token: _indexes(found) for token, found in index.bag_postings.items()},
        text={token: _indexes(found) for token, found in index.text_postings.items()},
        text_norm=np.array(index.text_norm, dtype=np.float64),
        text_entry=_indexes(index.text_entry),
        partners=partners,
        entry_partner=_indexes([position[partner] for partner in index.entry_partner]),
    )


def _indexes(values: object) -> Indexes:
    return np.array(values, dtype=np.intp)


_built_lock = threading.Lock()


def postings(index: MatchIndex) -> DensePostings:
    """The index's arrays, built on first use and kept with it (one build per index, even
    when two threads ask at once)."""
    found = index.derived.get("dense")
    if found is None:
        with _built_lock:
            found = index.derived.get("dense")
            if found is None:
                found = index.derived["dense"] = build(index)
    return cast(DensePostings, found)


class _Scratch(threading.local):
    """Per thread, zeroed arrays of one knowledge's sizes, reused from question to question:
    a fresh 1.3 MB array of phrasings per question would cost more in page faults than the
    scoring. Only the positions a question touched are zeroed again after it."""

    sizes: tuple[int, int] = (-1, -1)
    covered: Floats
    dot: Floats
    phrasing: Floats

    def arrays(self, entries: int, texts: int) -> tuple[Floats, Floats, Floats]:
        if self.sizes != (entries, texts):
            self.covered = np.zeros(entries)
            self.phrasing = np.zeros(entries)
            self.dot = np.zeros(texts)
            self.sizes = (entries, texts)
        return self.covered, self.dot, self.phrasing


_scratch = _Scratch()


def top_scores(dense: DensePostings, prepared: Query, count: int) -> dict[int, float]:
    """The exact score of each entry that shares a word with the question and scores at
    least the ``count``-th best: ``scoring.best`` of it is that of the full scoring, ties
    included."""
    covered, dot, phrasing = _scratch.arrays(len(dense.entry_partner), len(dense.text_norm))
    bags: list[Indexes] = []
    texts: list[Indexes] = []
    try:
        for token, squared, weight in prepared.terms:
            # Each list holds an entry (a phrasing) once: ``+=`` adds once per element.
            bag = dense.bag.get(token)
            if bag is not None:
                covered[bag] += weight
                bags.append(bag)
            text = dense.text.get(token)
            if text is not None:
                dot[text] += squared
                texts.append(text)
        if not bags:
            return {}
        # Weights are positive (log(1 + entries / entries holding the word)): an entry
        # holding a word has a positive coverage.
        reached = np.flatnonzero(covered)
        if texts:
            touched = np.concatenate(texts)  # a phrasing holding two words is in twice
            cosines = dot[touched] / (prepared.query_norm * dense.text_norm[touched])
            np.maximum.at(phrasing, dense.text_entry[touched], cosines)
        adjustment = np.array([prepared.adjustment[p] for p in dense.partners])
        scores = (
            PHRASING_WEIGHT * phrasing[reached]
            + COVERAGE_WEIGHT * covered[reached] / prepared.total_weight
            + adjustment[dense.entry_partner[reached]]
        )
        if prepared.topic:
            scores = scores + _topic_bonus(prepared.topic, reached)
        if len(scores) > count:
            cutoff = np.partition(scores, len(scores) - count)[len(scores) - count]
            kept = scores >= cutoff
            reached, scores = reached[kept], scores[kept]
        return dict(zip(reached.tolist(), scores.tolist(), strict=True))
    finally:
        for bag in bags:
            covered[bag] = 0.0
        for text in texts:
            dot[text] = 0.0
            phrasing[dense.text_entry[text]] = 0.0


def _topic_bonus(topic: Mapping[int, float], reached: Indexes) -> Floats:
    """Per reached entry (ascending), its topic bonus or 0.0 (``x + 0.0`` is ``x``, as
    ``prepared_scores`` adds ``topic.get(entry, 0.0)``)."""
    entries = np.fromiter(topic.keys(), dtype=np.intp, count=len(topic))
    values = np.fromiter(topic.values(), dtype=np.float64, count=len(topic))
    bonus = np.zeros(len(reached))
    where = np.searchsorted(reached, entries)
    found = where < len(reached)
    found[found] = reached[where[found]] == entries[found]
    bonus[where[found]] = values[found]
    return bonus
