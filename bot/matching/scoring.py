"""Scores of entries for an analysed question, and how much of it the best entry explains.

Per entry, on IDF-weighted lemmas:
- ``phrasing``: cosine similarity with the closest of its question and alternate questions
  (how a person would ask for this entry);
- ``coverage``: the share of the question's weight that the entry's whole text (questions,
  keywords, answer) explains;
- a partner adjustment: a question that names a partner prefers that partner's entries, a
  question that names several partners (or "welke partners") prefers the comparisons.
Only entries that share a word with the question are scored: the cost of a question grows
with the entries it touches, not with the size of the knowledge.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import mul, truediv
from typing import cast

from bot.matching.analysis import Analysis
from bot.matching.index import MatchIndex
from bot.models import GENERAL_PARTNER, Match

MIN_RANKED = 5  # a ranking lists at least this many entries (fewer only in a tiny knowledge)
PHRASING_WEIGHT = 0.6
COVERAGE_WEIGHT = 0.4
# A question that names a section's topic ("mag de politie online?", "welke opleiding")
# prefers the entry of that topic among the partners it is about (none named: the
# comparison entry), as a reader picks the section by its heading.
TOPIC_BONUS = 0.2
_SORTED_CUTOFF_MAX = 500  # ``best``: up to this many scores, sorted; beyond, heapq


@dataclass(frozen=True)
class Support:
    """How much of a question one entry explains."""

    coverage: float  # share of the question's topic weight (partner words left out)
    evidence: float  # matched words; common words ("allemaal", "info") count a third
    # Content words of the question the entry never mentions (common Dutch words and numbers
    # left out), heaviest first: the action, object or place it may not cover at all.
    missing: tuple[str, ...] = ()
    missing_weight: float = 0.0  # the heaviest missing word's weight, 1.0 = an unknown word
    absent: tuple[str, ...] = ()  # the missing words the whole knowledge never mentions
    # Share of the topic weight on words the knowledge lacks (typos too far gone to correct
    # left out: a misspelling is not a new subject).
    unknown_share: float = 0.0
    # A verb among ``absent`` that no known word shares a stem with ("doorzoeken"; not
    # "samenwerken", the knowledge says "samenwerking"): an action it never mentions.
    action: str | None = None


@dataclass(frozen=True)
class Query:
    """A question's words with their weights, prepared once for scoring."""

    weights: dict[str, float]  # every word, in the question's order
    squared: dict[str, float]  # the words scoring visits (ubiquitous ones left out)
    terms: tuple[tuple[str, float, float], ...]  # (word, weight squared, weight) of those
    query_norm: float
    total_weight: float
    adjustment: dict[str, float]  # per partner
    topic: dict[int, float]  # per entry whose topic the question names (see ``topic_bonus``)


def query(index: MatchIndex, analysis: Analysis) -> Query | None:
    """None for a question without words."""
    tokens = analysis.tokens
    if not tokens:
        return None
    # Known words' weights in C; the few others (unknown to the knowledge) one by one.
    found = dict(zip(tokens, map(index.idf.get, tokens), strict=True))
    weights: dict[str, float] = (
        {token: index.weight(token) for token in tokens}
        if None in found.values()
        else cast(dict[str, float], found)
    )
    ubiquitous = index.ubiquitous
    if ubiquitous:
        squared = {t: weight * weight for t, weight in weights.items() if t not in ubiquitous}
    else:
        squared = {token: weight * weight for token, weight in weights.items()}
    adjustment = dict(_adjustments(index.partner_ids, analysis.partners, analysis.asking_partner))
    return Query(
        weights=weights,
        squared=squared,
        terms=tuple(zip(squared, squared.values(), map(weights.__getitem__, squared), strict=True)),
        query_norm=math.sqrt(sum(map(mul, weights.values(), weights.values()))),
        total_weight=sum(weights.values()),
        adjustment=adjustment,
        topic=topic_bonus(index, analysis, adjustment),
    )


def topic_bonus(
    index: MatchIndex, analysis: Analysis, adjustment: Mapping[str, float]
) -> dict[int, float]:
    """A bonus for each entry whose whole topic label the question holds (when it names one
    topic), of the partners the question prefers most (the highest partner adjustment):
    ``TOPIC_BONUS`` times the label's share of the question's topic weight (partner words
    left out), so a heading-like question ("mag de politie online?") gets most of it and a
    long question that mentions "online" in passing little."""
    tokens = set(analysis.tokens)
    labels = {label for token in tokens for label in index.topic_labels.get(token, ())}
    if not labels:
        return {}
    # Partner words say who, not what; "online" is both (an alias "online jongerenwerker")
    # and a topic, and counts as the topic here.
    topic_weight = sum(
        index.weight(t) for t in tokens if t not in index.partner_words or t in index.topic_labels
    )
    if not topic_weight:
        return {}
    named = [label for label in labels if label <= tokens]
    if len(named) != 1:
        # Two topics named ("contact over de infographic"): neither heading decides.
        return {}
    label = named[0]
    preferred = max(adjustment.values())
    entry_partner = index.entry_partner
    share = sum(index.weight(t) for t in label) / topic_weight
    bonus: dict[int, float] = {}
    for entry_index in index.label_entries[label]:
        if adjustment[entry_partner[entry_index]] == preferred:
            bonus[entry_index] = TOPIC_BONUS * share
    return bonus


def scores(index: MatchIndex, analysis: Analysis) -> dict[int, float]:
    """Raw score per candidate entry index (``percent`` makes it 0-100)."""
    prepared = query(index, analysis)
    return {} if prepared is None else prepared_scores(index, prepared)


def prepared_scores(index: MatchIndex, prepared: Query) -> dict[int, float]:
    """``scores`` for a question already prepared (``query``): ``topk`` prepares it first
    to count its postings, and scores it here without preparing it again.

    An entry's phrasing is its best cosine over its phrasings. A phrasing holding one of
    the question's words has the cosine ``squared / (query_norm * norm)``: of those, the
    one with the smallest norm is the best, so per word and entry one division (from
    ``text_groups``) stands for all of them. Only a phrasing holding two or more of the
    words is summed word by word. A phrasing whose smallest norm stood in for one word
    while it holds more scores at least that much: the maximum is the same to the last
    bit (rounding is monotonic), with far fewer steps than a sum per phrasing."""
    query_norm = prepared.query_norm
    total_weight = prepared.total_weight
    terms = prepared.terms
    # Plain dicts and ``get``: a defaultdict's miss calls float() each time. The first
    # word's lists start the dicts in C (0.0 + x is x), so every sum is still made of the
    # same additions in the same order.
    phrasing: dict[int, float] = {}
    held: dict[int, int] = {}  # per entry, a mask of its phrasings holding a word so far
    shared: dict[int, int] = {}  # ... and of those holding two or more
    covered: dict[int, float] = {}
    text_groups = index.text_groups
    bag_postings = index.bag_postings
    held_get = held.get
    for token, squared, weight in terms:
        group = text_groups(token)
        if group:
            entries, norms, masks = group
            if phrasing:
                # ``phrasing`` and ``held`` have the same entries: an entry no earlier word
                # reached takes this word's cosine as it is (cosines are positive).
                for entry_index, norm, mask in zip(entries, norms, masks, strict=True):
                    before = held_get(entry_index)
                    if before is None:
                        held[entry_index] = mask
                        phrasing[entry_index] = squared / (query_norm * norm)
                    else:
                        cosine = squared / (query_norm * norm)
                        if cosine > phrasing[entry_index]:
                            phrasing[entry_index] = cosine
                        both = before & mask
                        if both:
                            shared[entry_index] = shared.get(entry_index, 0) | both
                        held[entry_index] = before | mask
            else:
                scale = map(mul, repeat(query_norm), norms)
                phrasing = dict(zip(entries, map(truediv, repeat(squared), scale), strict=True))
                held = dict(zip(entries, masks, strict=True))
                held_get = held.get
        bag = bag_postings.get(token)
        if bag:
            if covered:
                covered_get = covered.get
                for entry_index in bag:
                    covered[entry_index] = covered_get(entry_index, 0.0) + weight
            else:
                covered = dict.fromkeys(bag, weight)
    if shared:
        text_tokens = index.text_tokens
        text_norm = index.text_norm
        entry_text_start = index.entry_text_start
        for entry_index, mask in shared.items():
            best_cosine = phrasing[entry_index]
            start = entry_text_start[entry_index]
            while mask:
                low = mask & -mask
                mask ^= low
                text_index = start + low.bit_length() - 1
                words = text_tokens[text_index]
                value = 0.0
                for token, squared, _ in terms:
                    if token in words:
                        value += squared
                cosine = value / (query_norm * text_norm[text_index])
                if cosine > best_cosine:
                    best_cosine = cosine
            phrasing[entry_index] = best_cosine
    adjustment = prepared.adjustment
    topic = prepared.topic
    phrasing_get = phrasing.get
    entry_partner = index.entry_partner
    # Raw scores: clipping and rounding to 0-100 happen only for the entries shown.
    if topic:
        topic_get = topic.get
        return {
            entry_index: PHRASING_WEIGHT * phrasing_get(entry_index, 0.0)
            + COVERAGE_WEIGHT * value / total_weight
            + adjustment[entry_partner[entry_index]]
            + topic_get(entry_index, 0.0)
            for entry_index, value in covered.items()
        }
    # Without a topic bonus: the same sums without the final "+ 0.0", which changes no
    # score (none is -0.0: the phrasing and coverage terms are positive).
    return {
        entry_index: PHRASING_WEIGHT * phrasing_get(entry_index, 0.0)
        + COVERAGE_WEIGHT * value / total_weight
        + adjustment[entry_partner[entry_index]]
        for entry_index, value in covered.items()
    }


@lru_cache(maxsize=1024)
def _adjustments(
    partner_ids: frozenset[str], partners: frozenset[str], asking: str | None
) -> tuple[tuple[str, float], ...]:
    """Every partner's adjustment for the partners a question names and its asker: a few
    dozen combinations occur, each question would otherwise work them out again."""
    return tuple((partner, _adjustment(partner, partners, asking)) for partner in partner_ids)


def partner_adjustment(partner: str, analysis: Analysis) -> float:
    return _adjustment(partner, analysis.partners, analysis.asking_partner)


def _adjustment(partner: str, partners: frozenset[str], asking: str | None) -> float:
    if asking is not None:
        # "ik ben jongerenwerker, moet ik dit met de politie delen?": about the asker's
        # own partner; the other partners named are who it concerns.
        if partner == asking:
            return 0.10
        if partner == GENERAL_PARTNER:
            return -0.04
        return 0.0 if partner in partners else -0.15
    comparison = GENERAL_PARTNER in partners or len(partners - {GENERAL_PARTNER}) >= 2
    if partner == GENERAL_PARTNER:
        # A comparison entry answers questions about several partners, or about none
        # in particular when several partners' entries say the same.
        return 0.08 if comparison else (0.02 if not partners else -0.04)
    if not partners:
        return 0.0
    if partner in partners:
        return 0.04 if comparison else 0.10
    return -0.02 if comparison else -0.15


def percent(raw: float) -> float:
    return round(max(0.0, min(1.0, raw)) * 100.0, 2)


def best(scored: Mapping[int, float], count: int) -> list[int]:
    """The ``count`` best entry indexes, ordered as a full ranking orders them (score, then
    knowledge order). The cut-off score is found on bare floats first: at 10,000 entries a
    key function per candidate would cost more than the scoring."""
    if len(scored) <= count:
        chosen = list(scored)
    else:
        values = scored.values()
        # The count-th largest score: a sort in C beats heapq's loop on a few hundred.
        if len(scored) <= _SORTED_CUTOFF_MAX:
            cutoff = sorted(values, reverse=True)[count - 1]
        else:
            cutoff = heapq.nlargest(count, values)[-1]
        chosen = [entry_index for entry_index, score in scored.items() if score >= cutoff]
    chosen.sort(key=lambda entry_index: (-scored[entry_index], entry_index))
    return chosen[:count]


def ordered(scored: Mapping[int, float]) -> list[int]:
    """Every scored entry index, best first."""
    return sorted(scored, key=lambda entry_index: (-scored[entry_index], entry_index))


def matches(index: MatchIndex, order: Iterable[int], scored: Mapping[int, float]) -> list[Match]:
    """Matches for ``order``, completed to ``MIN_RANKED`` with zero-score entries."""
    entries = index.entries
    found = [Match(entries[i], percent(scored[i])) for i in order]
    if len(found) < MIN_RANKED:
        found.extend(_padding(index, scored.keys(), MIN_RANKED - len(found)))
    return found


def _padding(index: MatchIndex, taken: Iterable[int], count: int) -> Iterator[Match]:
    """Zero-score entries to complete a short candidate list, in knowledge order."""
    skip = set(taken)
    for entry_index, entry in enumerate(index.entries):
        if count <= 0:
            return
        if entry_index not in skip:
            count -= 1
            yield Match(entry, 0.0)


def _unknown_action(index: MatchIndex, word: str) -> bool:
    """Dutch questions put the action in the infinitive ("mag ik ... doorzoeken?"): a word
    that is its own lemma and ends in "-en" (a plural noun's lemma is its singular) is
    taken for one, unless a known word starts with its stem (chatten → chat)."""
    if not (word.isalpha() and word.endswith("en")):
        return False
    stem = word[:-2]
    if len(stem) >= 2 and stem[-1] == stem[-2]:
        stem = stem[:-1]  # chatt → chat
    if len(stem) < 4:
        return False
    words = index.sorted_words
    position = bisect.bisect_left(words, stem)
    return not (position < len(words) and words[position].startswith(stem))


def support(index: MatchIndex, entry_index: int, analysis: Analysis) -> Support:
    """How much of the question one entry explains (computed for the best entry only)."""
    bag = index.bags[entry_index]
    topic_weight = covered = evidence = unknown = 0.0
    missing: list[tuple[float, str]] = []
    idf = index.idf
    for token in sorted(set(analysis.tokens)):
        is_partner_word = token in index.partner_words
        weight = idf[token] if token in idf else index.weight(token)
        if not is_partner_word:
            # Words naming a partner say who, not what: coverage leaves them out.
            topic_weight += weight
            if token not in index.idf and not index.vocabulary.looks_misspelt(token):
                unknown += weight
            if token not in bag and not token.isdigit() and token not in index.common_words:
                missing.append((weight, token))
        if token in bag:
            if not is_partner_word:
                covered += weight
            # Partner words and uncommon words mean something on their own; a common
            # word ("allemaal", "info", "top") counts for a third.
            # A bare number ("2") means nothing without a question it answers.
            strong = is_partner_word or (
                not token.isdigit()
                and (token in index.keyword_words or token not in index.common_words)
            )
            evidence += 1.0 if strong else 1.0 / 3.0
    # A question of partner words only ("wat doet een jongerenwerker?") asks about the
    # partner itself: nothing is left unexplained.
    coverage = covered / topic_weight if topic_weight else 1.0
    missing.sort(key=lambda item: (-item[0], item[1]))
    absent = tuple(token for _, token in missing if token not in index.idf)
    return Support(
        coverage=coverage,
        evidence=evidence,
        missing=tuple(token for _, token in missing),
        absent=absent,
        action=next((word for word in absent if _unknown_action(index, word)), None),
        missing_weight=missing[0][0] / index.unknown_idf if missing else 0.0,
        unknown_share=unknown / topic_weight if topic_weight else 0.0,
    )
