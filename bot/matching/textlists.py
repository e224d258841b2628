"""The text lists' pass of ``topk``: the phrasing lists first, a bag list only when needed.

An entry's score is

    PHRASING_WEIGHT * phrasing + COVERAGE_WEIGHT * covered / total_weight + adjustment + topic

``covered`` is the weight of the question words the entry's whole text holds (its *bag*);
``phrasing`` its best cosine with one of its question phrasings, a sum over the words the
phrasing holds of ``weight² / (query_norm * norm)``. Per question word ``w``:

- ``cover(w) = COVERAGE_WEIGHT * weight(w) / total_weight``: what ``w`` adds to the
  coverage of an entry holding it;
- ``phrase(w) = PHRASING_WEIGHT * weight(w)² * max_inverse_norm(w) / query_norm``: the
  most ``w`` adds to any phrasing's cosine (``max_inverse_norm`` is the largest ``1 / norm``
  of a phrasing holding ``w``), so the most it adds to any entry's phrasing term.

Each word has two posting lists: its *text* list (the phrasings holding it) and its *bag*
list (the entries whose whole text holds it). A common word is in the answers of thousands
of entries but in the phrasings of far fewer (at 10,000 synthetic entries "kans": 3,352
entries, 1,604 phrasings). The pass reads a set ``T`` of text lists and a set ``B`` of bag
lists, the most bound removed per posting first, until

    R = sum(cover(w) for w not in B) + sum(phrase(w) for w in neither) + max adjustment

is below the floor, the ``count``-th best exact score so far. *Proof* that an entry on no
list read and without topic bonus cannot reach the top: it holds no word of ``B`` (it would
be on that bag list), and no word of ``T`` in a phrasing (it would be on that text list);
its phrasings are part of its bag, so it scores at most ``R`` < floor <= the final
``count``-th best. The floor comes from *seeds* scored exactly: first after the shortest
text lists (the rarest, heaviest words), again before a long list is read.

Every entry on a list read, and every entry with a topic bonus, then has its phrasing over
the text lists read (``partial``); it scores at most ``PHRASING_WEIGHT * partial`` plus
its adjustment and topic bonus plus, for each word its bag holds, ``cover(w)`` and, if the
word's text list was not read, ``phrase(w)`` (the cosine is a maximum over phrasings of a
sum over words: splitting the sum into words read and not read bounds it by the best
partial cosine plus the unread words' most). Entries are scored exactly best bound first
until a bound falls below the floor, which only rises. An entry not holding any of the
question's words is skipped: ``scoring.scores`` leaves it out too.

Scores are computed with the same additions in the same order as ``scoring.scores``, so the
top entries and their scores are the same to the last bit; bounds are sums in other orders,
so an entry is left out only when its bound is below the floor by more than ``_SLACK``.
"""

from __future__ import annotations

import heapq
import math
from itertools import compress, repeat
from operator import add, ge, mul, truediv

from bot.matching.index import MatchIndex
from bot.matching.scoring import PHRASING_WEIGHT, Query, score_entry, word_bounds

SEED_POSTINGS = 300  # text postings read before the seeds are chosen (shortest lists first)
SEED_POOL = 64  # entries with the best phrasings so far, of which ...
SEED_ENTRIES = 8  # ... these are scored exactly to set the first floor
# Bounds are computed with other roundings than the scores: an entry is left out only when
# its bound is below the floor by more than any rounding could explain.
_SLACK = 1e-9


class TextListPass:
    """One question's pass (see the module's docstring): ``run`` gives the exact scores of a
    set of entries that holds the best ``count``."""

    def __init__(
        self,
        index: MatchIndex,
        prepared: Query,
        words: list[str],
        count: int,
        exact: dict[int, float] | None = None,
    ) -> None:
        """``exact``: entries already scored exactly (by ``topk``'s pass), kept and built on."""
        self.index = index
        self.prepared = prepared
        self.count = count
        self.cover, self.phrase = word_bounds(index, prepared, words)
        self.text_read: set[str] = set()
        self.bag_read: set[str] = set()
        self.dot: dict[int, float] = {}  # per phrasing, over ``text_read``
        self.reached: set[int] = set()  # entries on a bag list read
        # The last ``_partial_phrasing``: the text lists read and the least it kept.
        self._partial: tuple[int, float, dict[int, float]] | None = None
        self.exact: dict[int, float] = {} if exact is None else exact
        # The best ``count`` exact scores; top[0] the lowest.
        self.top: list[float] = heapq.nlargest(count, self.exact.values())
        heapq.heapify(self.top)

    @property
    def floor(self) -> float:
        return self.top[0] if len(self.top) == self.count else -math.inf

    def run(self) -> dict[int, float]:
        # The shortest text lists first: the rarest, heaviest words, read to find seeds.
        text_postings = self.index.text_postings
        read = 0
        for token in sorted(self.phrase, key=lambda t: len(text_postings.get(t, ()))):
            if read and read + len(text_postings.get(token, ())) > SEED_POSTINGS:
                break
            read += self._read_text(token)
        self._seed()
        self._read_until_bounded()
        return self._bounded()

    def _seed(self) -> None:
        """Score a few promising entries exactly: a higher floor leaves more lists unread.
        Of the entries with the best phrasings so far (and those with a topic bonus), those
        that also cover the most of the question (an estimate, not a bound)."""
        partial = self._partial_phrasing(self._least_phrasing(self._gain()))
        pool = {*heapq.nlargest(SEED_POOL, partial, key=partial.__getitem__), *self.prepared.topic}
        bags = self.index.bags
        cover = self.cover
        words = frozenset(cover)
        adjustment = self.prepared.adjustment
        entry_partner = self.index.entry_partner
        topic_get = self.prepared.topic.get
        estimate: dict[int, float] = {}
        for entry_index in pool:
            held = words.intersection(bags[entry_index])
            if held and entry_index not in self.exact:  # (holding none, it scores nothing)
                estimate[entry_index] = (
                    PHRASING_WEIGHT * partial.get(entry_index, 0.0)
                    + sum(map(cover.__getitem__, held))
                    + adjustment[entry_partner[entry_index]]
                    + topic_get(entry_index, 0.0)
                )
        for entry_index in heapq.nlargest(SEED_ENTRIES, estimate, key=estimate.__getitem__):
            self._score(entry_index)

    def _rest(self) -> float:
        """``R``: the most an entry on no list read (and without topic bonus) can score."""
        rest = max(self.prepared.adjustment.values())
        for token, cover in self.cover.items():
            if token not in self.bag_read:
                rest += cover
                if token not in self.text_read:
                    rest += self.phrase[token]
        return rest

    def _read_until_bounded(self) -> None:
        text_postings = self.index.text_postings
        bag_postings = self.index.bag_postings
        seeded = len(self.dot)
        while self._rest() >= self.floor - _SLACK:
            best: tuple[float, bool, str] | None = None
            for token, cover in self.cover.items():
                if token in self.bag_read:
                    continue
                phrase = 0.0 if token in self.text_read else self.phrase[token]
                if token not in self.text_read and phrase > 0.0:
                    gain = phrase / max(len(text_postings.get(token, ())), 1)
                    if best is None or gain > best[0]:
                        best = (gain, True, token)
                gain = (cover + phrase) / max(len(bag_postings[token]), 1)
                if best is None or gain > best[0]:
                    best = (gain, False, token)
            if best is None:
                return  # every list read: every entry that can score is reached
            _, text, token = best
            if text:
                length = len(text_postings.get(token, ()))
                if length > SEED_POSTINGS and length > len(self.dot) - seeded > 0:
                    # A long list: first see whether better seeds make it unnecessary (at
                    # most as much work as the reading since the last seeds).
                    seeded = len(self.dot)
                    self._seed()
                    continue
                self._read_text(token)
            else:
                self.bag_read.add(token)
                self.reached.update(bag_postings[token])

    def _read_text(self, token: str) -> int:
        self.text_read.add(token)
        dot = self.dot
        found = self.index.text_postings.get(token, ())
        # dot[t] += squared for each phrasing t of the list, in C: a list holds each
        # phrasing once, so each value is read before it is written.
        added = map(add, map(dot.get, found, repeat(0.0)), repeat(self.prepared.squared[token]))
        dot.update(zip(found, added, strict=True))
        return len(found)

    def _gain(self) -> dict[str, float]:
        """What each word adds at most to an entry whose bag holds it, beyond the phrasing
        over the text lists read: its coverage, and its phrasing share if its list is unread."""
        return {
            t: cover + (0.0 if t in self.text_read else self.phrase[t])
            for t, cover in self.cover.items()
        }

    def _least_phrasing(self, gain: dict[str, float]) -> float:
        """The phrasing (over the text lists read) an entry on no bag list read needs to
        reach the floor: with less, even the ``gain`` of every word it may hold (none of
        ``bag_read``), the highest adjustment and the highest topic bonus stay below it."""
        highest = max(self.prepared.adjustment.values()) + max(
            self.prepared.topic.values(), default=0.0
        )
        unreached = sum(g for t, g in gain.items() if t not in self.bag_read)
        return (self.floor - _SLACK - highest - unreached) / PHRASING_WEIGHT - _SLACK

    def _partial_phrasing(self, least: float) -> dict[int, float]:
        """Per entry with a phrasing on a text list read: its best cosine over those lists,
        for the entries where that is at least ``least`` (a phrasing below it cannot change
        the best of one above it), and perhaps some below it."""
        last = self._partial
        if last is not None and last[0] == len(self.text_read) and last[1] <= least:
            return last[2]  # no list read since, and it kept at least as many entries
        phrasing: dict[int, float] = {}
        get = phrasing.get
        text_entry = self.index.text_entry
        dot = self.dot
        # Each phrasing's cosine, then those of at least ``least``: in C, as most are not.
        norms = map(
            mul, repeat(self.prepared.query_norm), map(self.index.text_norm.__getitem__, dot)
        )
        cosines = list(map(truediv, dot.values(), norms))
        kept = list(map(ge, cosines, repeat(least)))
        for text_index, cosine in zip(compress(dot, kept), compress(cosines, kept), strict=True):
            entry_index = text_entry[text_index]
            if cosine > get(entry_index, 0.0):
                phrasing[entry_index] = cosine
        self._partial = (len(self.text_read), least, phrasing)
        return phrasing

    def _bounded(self) -> dict[int, float]:
        index = self.index
        prepared = self.prepared
        adjustment = prepared.adjustment
        entry_partner = index.entry_partner
        topic_get = prepared.topic.get
        gain = self._gain()
        least = self._least_phrasing(gain)
        partial = self._partial_phrasing(least)
        # Before looking at an entry's bag: an entry on a bag list read may hold any word;
        # any other entry holds no word of those lists (``R`` without the adjustment).
        loose = sum(gain.values())
        unreached = sum(g for t, g in gain.items() if t not in self.bag_read)
        reached = self.reached
        floor = self.floor - _SLACK
        # Per entry: its bound without the bag's words (``base``), and with all it may hold.
        # An entry on no bag list read needs a phrasing of at least ``least``: ``partial``
        # has every such entry. An entry on one may have less: without its phrasing over
        # the lists read, each word it holds counts with its whole phrasing share.
        base: dict[int, float] = {}
        for entry_index, phrasing in partial.items():
            value = (
                PHRASING_WEIGHT * phrasing
                + adjustment[entry_partner[entry_index]]
                + topic_get(entry_index, 0.0)
            )
            if value + (loose if entry_index in reached else unreached) >= floor:
                base[entry_index] = value
        unknown: list[int] = [e for e in reached if e not in partial]
        if least <= 0.0:  # then even entries without any phrasing on the lists read
            unknown += [e for e in prepared.topic if e not in partial and e not in reached]
        # Each entry's bound with the words its bag holds, then best first.
        words = frozenset(gain)
        bags = index.bags
        tight: dict[int, float] = {}
        for entry_index in base:
            held = words.intersection(bags[entry_index])
            if held:  # an entry that holds no scored word: ``scores`` leaves it out too
                value = base[entry_index] + sum(map(gain.__getitem__, held))
                if value >= floor:
                    tight[entry_index] = value
        whole = {t: cover + self.phrase[t] for t, cover in self.cover.items()}
        for entry_index in unknown:
            held = words.intersection(bags[entry_index])
            if held:
                value = (
                    adjustment[entry_partner[entry_index]]
                    + topic_get(entry_index, 0.0)
                    + sum(map(whole.__getitem__, held))
                )
                if value >= floor:
                    tight[entry_index] = value
        for entry_index in sorted(tight, key=tight.__getitem__, reverse=True):
            if tight[entry_index] < self.floor - _SLACK:
                break  # sorted by bound: no later entry can reach the top either
            self._score(entry_index)
        return self.exact

    def _score(self, entry_index: int) -> None:
        if entry_index in self.exact:
            return
        score = self.exact[entry_index] = score_entry(self.index, self.prepared, entry_index)
        if len(self.top) < self.count:
            heapq.heappush(self.top, score)
        elif score > self.top[0]:
            heapq.heapreplace(self.top, score)
