"""The best few entries for a question without scoring every entry that shares a word.

A decision looks only at the top ``count`` entries. In a large knowledge a common word
touches thousands of entries that can never reach the top, so this pass bounds them first
(MaxScore, as search engines prune posting lists):

- each word's *upper bound* is the most it can add to any entry's score: its share of the
  coverage, plus its share of the best possible cosine (its weight squared over the question
  norm times ``max_inverse_norm``, the largest 1/norm of a phrasing holding it). A cosine is a
  maximum over phrasings of a sum over words, never more than the sum over words of each
  word's maximum, so an entry scores at most the bounds of its words plus the best partner
  adjustment;
- a few entries of the heaviest words are scored exactly; the ``count``-th best of them is a
  floor the final ``count``-th best can only beat;
- the lightest words whose bounds together (plus the best adjustment) stay under that floor
  are *non-essential*: an entry holding only those cannot reach the top, so only entries
  holding an essential word are scored.

When the bounds leave too many entries in reach (all of a question's words common, each
in thousands of entries), scoring them one by one costs more than reading differently:
past a budget this pass gives up and ``textlists`` answers, reading the words' phrasing
lists (far shorter than their entry lists) first.

Scores are computed exactly as ``scoring.scores`` computes them (the same additions in the
same order), so the top entries and their scores are the same to the last bit.
"""

from __future__ import annotations

import heapq
import math
from itertools import compress, repeat
from operator import add, mul

from bot.matching.analysis import Analysis
from bot.matching.index import MatchIndex
from bot.matching.scoring import (
    PHRASING_WEIGHT,
    Query,
    prepared_scores,
    query,
    score_entry,
    word_bounds,
)
from bot.matching.textlists import TextListPass

# Below this many postings a question's full scoring pass is already cheap: bounding first
# would only add work (the shipped knowledge never reaches it).
MIN_POSTINGS = 2000
SEED_ENTRIES = 8  # entries scored exactly per word to raise the floor
POSTINGS_PER_EXACT_SCORE = 30  # measured at 10,000 synthetic entries
SEED_POOL = 1000  # ... while this few entries hold the words visited so far
# Bounds are computed with other roundings than the scores: an entry is left out only when
# its bound is below the floor by more than any rounding could explain.
_SLACK = 1e-9


def top_scores(index: MatchIndex, analysis: Analysis, count: int) -> dict[int, float]:
    """Exact scores of a set of entries that holds the best ``count`` of ``scores``.

    Every entry left out scores less than the ``count``-th best entry kept, so the best
    ``count`` (and their order, ties included) are those of the full scoring.
    """
    prepared = query(index, analysis)
    if prepared is None:
        return {}
    counts = index.posting_counts
    words = list(filter(counts.__contains__, prepared.squared))
    postings = sum(map(counts.__getitem__, words))
    if postings < MIN_POSTINGS or count <= 0:
        return prepared_scores(index, prepared)
    exact: dict[int, float] = {}
    if _bag_lists(index, prepared, words, postings, count, exact):
        return exact
    # The entries the bag lists' pass scored are handed on: their scores set the text
    # lists' pass's first floor, and none is scored twice.
    return TextListPass(index, prepared, words, count, exact).run()


def _bag_lists(
    index: MatchIndex,
    prepared: Query,
    words: list[str],
    postings: int,
    count: int,
    exact: dict[int, float],
) -> bool:
    """This module's pass: True when ``exact`` holds the best ``count``, False when it gave
    up as too many entries stay in reach (``exact`` then holds the entries it scored)."""
    bag_postings = index.bag_postings
    topic = prepared.topic
    topic_get = topic.get
    best_adjustment = max(prepared.adjustment.values()) + max(topic.values(), default=0.0)
    cover, phrase = word_bounds(index, prepared, words)
    bound = {token: phrase[token] + cover[token] for token in words}
    heaviest = sorted(words, key=lambda token: -bound[token])
    # What the words from each position on can add at most, lightest last.
    rest = [0.0] * (len(heaviest) + 1)
    for position in range(len(heaviest) - 1, -1, -1):
        rest[position] = rest[position + 1] + bound[heaviest[position]]
    adjustment = prepared.adjustment
    entry_partner = index.entry_partner
    floor = -math.inf  # the count-th best exact score so far: the top can only beat it
    accumulated: dict[int, float] = {}
    get = accumulated.get
    skipped: list[str] = []
    for position, token in enumerate(heaviest):
        if rest[position] + best_adjustment < floor - _SLACK:
            # An entry holding only the remaining (lighter) words cannot reach the top.
            skipped = heaviest[position:]
            break
        # Each entry's own bound from the words it holds, with its precomputed 1/norm.
        share = cover[token]
        cosine_share = PHRASING_WEIGHT * prepared.squared[token] / prepared.query_norm
        if accumulated:
            for entry_index, inverse in zip(
                bag_postings[token], index.bag_inverse_norm[token], strict=True
            ):
                accumulated[entry_index] = get(entry_index, 0.0) + share + cosine_share * inverse
        else:
            # The first word's list fills the dict in C, with the same sums (0.0 + share
            # is share).
            bounds_of_first = map(
                add, repeat(share), map(mul, repeat(cosine_share), index.bag_inverse_norm[token])
            )
            accumulated.update(zip(bag_postings[token], bounds_of_first, strict=True))
        if position == 0 or len(accumulated) <= SEED_POOL:
            # Score the most promising entries so far exactly: a higher floor leaves
            # more of the lighter (longer) posting lists unvisited.
            promising = heapq.nlargest(
                SEED_ENTRIES,
                accumulated,
                key=lambda entry_index: (
                    accumulated[entry_index]
                    + adjustment[entry_partner[entry_index]]
                    + topic_get(entry_index, 0.0)
                ),
            )
            for entry_index in promising:
                if entry_index not in exact:
                    exact[entry_index] = score_entry(index, prepared, entry_index)
            if len(exact) >= count:
                floor = heapq.nlargest(count, exact.values())[-1]
    if len(exact) < count:
        return False
    reach = sum(bound[token] for token in skipped)
    lowest = floor - _SLACK - reach
    # Most entries stay below ``lowest`` even with the best adjustment and topic bonus: they
    # are ruled out in C (with a slack for rounding, so none that could reach it is) before
    # any entry's own bound is worked out, which at 10,000 entries cost a millisecond.
    within = compress(
        accumulated, map((lowest - best_adjustment - _SLACK).__le__, accumulated.values())
    )
    # Bare floats and ints, no tuples: at 10,000 entries thousands of new container objects
    # per question would wake the garbage collector, whose pauses cost more than the pass.
    bounds = {
        entry_index: accumulated[entry_index]
        + adjustment[entry_partner[entry_index]]
        + topic_get(entry_index, 0.0)
        for entry_index in within
    }
    hopeful = [entry_index for entry_index, value in bounds.items() if value >= lowest]
    hopeful.sort(key=bounds.__getitem__, reverse=True)
    top = heapq.nlargest(count, exact.values())
    heapq.heapify(top)  # top[0]: the count-th best score so far, only ever rising
    # Scoring one entry exactly costs about as much as visiting this many postings: when the
    # bounds leave too many entries in reach, the full pass over the postings is cheaper.
    budget = postings // POSTINGS_PER_EXACT_SCORE
    for entry_index in hopeful:
        value = bounds[entry_index]
        if value + reach < top[0] - _SLACK:
            break  # sorted by bound: no later entry can reach the top either
        if entry_index in exact:
            continue
        if skipped:
            # Tighter: only the skipped words this entry holds (a set lookup each).
            bag = index.bags[entry_index]
            held = sum(map(bound.__getitem__, filter(bag.__contains__, skipped)))
            if value + held < top[0] - _SLACK:
                continue
        if len(exact) > budget:
            return False
        score = exact[entry_index] = score_entry(index, prepared, entry_index)
        if score > top[0]:
            heapq.heapreplace(top, score)
    return True
