"""The best few entries for a question: scored word list by word list in Python for a small
knowledge, with numpy arrays (``dense``) for a question reaching thousands of postings.

A decision looks only at the top ``count`` entries, but finding them means scoring every
entry that shares a word with the question: a bound that rules entries out unscored
(MaxScore, as search engines prune posting lists) still left hundreds of exact scores
and a walk over every posting in Python for a question of common words at 10,000
entries (README, issue 16). Both passes give every candidate's exact score; the large
knowledge's keeps only those of at least the ``count``-th best.
"""

from __future__ import annotations

import heapq

from bot.matching.analysis import Analysis
from bot.matching.index import MatchIndex
from bot.matching.scoring import prepared_scores, query

# numpy's pass is the faster from about 300 postings per question (0.05 against 0.1 ms at
# 700), but importing numpy costs 60 ms: below this many, Python's pass takes at most
# 0.3 ms, and the shipped knowledge (at most 675 per eval question) starts without numpy.
MIN_POSTINGS = 2000
# Once a knowledge's arrays are built (numpy imported), numpy's pass from where it is the
# faster: at 250-500 postings for 85 % of questions, above 500 for all
# (``bench/scoring_costs.py``; 1,000-entry knowledge: p99 0.52-0.62 -> 0.28-0.34 ms).
MIN_POSTINGS_BUILT = 400
# ``prepare`` builds the arrays at load when this many of the commonest words could give
# one question ``MIN_POSTINGS``: a large knowledge's first question does not wait for them.
_PREPARE_WORDS = 16


def top_scores(index: MatchIndex, analysis: Analysis, count: int) -> dict[int, float]:
    """Exact scores of a set of entries that holds the best ``count`` of ``scores``, ties
    with the ``count``-th best included: ``scoring.best`` of it is that of the full
    scoring."""
    prepared = query(index, analysis)
    if prepared is None:
        return {}
    counts = index.posting_counts
    postings = sum(counts.get(token, 0) for token in prepared.squared)
    least = MIN_POSTINGS_BUILT if "dense" in index.derived else MIN_POSTINGS
    if postings < least or count <= 0:
        return prepared_scores(index, prepared)
    from bot.matching import dense  # numpy, for a large knowledge only (see MIN_POSTINGS)

    return dense.top_scores(dense.postings(index), prepared, count)


def prepare(index: MatchIndex) -> None:
    """Build ``dense``'s arrays now if a question of the knowledge's commonest words would
    need them (about 0.2 s at 10,000 entries), rather than when the first such question is
    asked; a longer question may still need them, and has them built then. Once per index:
    every matcher sharing it (``Matcher.with_config``) calls this."""
    if "prepared" in index.derived:
        return
    index.derived["prepared"] = True
    if sum(heapq.nlargest(_PREPARE_WORDS, index.posting_counts.values())) >= MIN_POSTINGS:
        from bot.matching import dense

        dense.postings(index)
