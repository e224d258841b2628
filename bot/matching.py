"""Match a Dutch chat question to knowledge entries, and decide: answer, clarify or fallback.

Pure and synchronous. Everything that does not depend on the question (normalised texts,
vocabulary, weights, inverted indexes) is computed once in ``Matcher.__init__``; a question
then costs a few dictionary look-ups per word, whatever the size of the knowledge.

Scoring, per entry, on IDF-weighted lemmas:
- ``phrasing``: cosine similarity with the closest of its question and alternate questions
  (how a person would ask for this entry);
- ``coverage``: the share of the question's weight that the entry's whole text (questions,
  keywords, answer) explains;
- a partner adjustment: a question that names a partner prefers that partner's entries, a
  question that names several partners (or "welke partners") prefers the comparisons.
The decision then also looks at how much of the question the knowledge knows at all, and at
cues for things the infographic never answers (costs, dates, phone numbers, names).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.config import MatchingConfig
from bot.knowledge import KnowledgeBase
from bot.models import Decision, Entry, Match
from bot.text import (
    MAX_MATCH_CHARS,
    SynonymTable,
    Vocabulary,
    Word,
    analyze,
    fold,
    normalize,
    tokenize,
)

GENERAL_PARTNER = "algemeen"
MIN_CANDIDATES = 3

# Questions about things the infographic never covers: costs, dates and times, durations,
# counts, phone numbers, the weather. Folded surface forms, matched before lemmatisation.
# They lower confidence rather than forbid an answer.
_UNANSWERABLE_CUES = (
    re.compile(
        r"\b(kost|kosten|kostte|prijs|prijzen|tarief|euro|betalen|betaal|subsidie"
        r"|hoe laat|morgen|vandaag|gisteren|overmorgen|volgende week|vorige week|deadline"
        r"|hoe lang|hoeveel|aantal"
        r"|telefoonnummer|telnr|tel nr|bellen|06[- ]?\d|adres van|postcode"
        r"|weer|regen|droog|temperatuur|salaris|cao|vakantie|rooster)\b"
    ),
)
# A capitalised word that is not the first word and that the knowledge does not know is
# most likely a person's or a street's name: questions about individuals are never answered.
_NAME_RE = re.compile(r"(?<=[\w,;:] )([A-Z][a-z\u00c0-\u024f]{2,})")


@dataclass(frozen=True)
class _Text:
    entry_index: int
    weights: dict[str, float]
    norm: float


@dataclass(frozen=True)
class Analysis:
    """What the matcher made of one question; useful for tests and editor tools."""

    tokens: tuple[str, ...]
    partners: frozenset[str]
    known_share: float  # share of the question's weight that the knowledge knows
    unanswerable_cue: bool
    names: int


class Matcher:
    def __init__(self, knowledge: KnowledgeBase, config: MatchingConfig | None = None) -> None:
        self.knowledge = knowledge
        self.config = config or MatchingConfig()
        self.entries = knowledge.entries
        self.synonyms = SynonymTable.build(knowledge.synonyms)
        self._partner_phrases = self._build_partner_phrases()

        texts_tokens: list[tuple[int, list[str]]] = []
        bags: list[set[str]] = []
        surfaces: dict[str, str] = {}
        for index, entry in enumerate(self.entries):
            phrasings = [entry.question, *entry.alternates]
            words_per_text = [analyze(text, self.synonyms) for text in phrasings]
            texts_tokens.extend((index, [w.lemma for w in words]) for words in words_per_text)
            bag = {word.lemma for words in words_per_text for word in words}
            for extra in (*entry.keywords, entry.answer, entry.source):
                words = analyze(extra, self.synonyms)
                bag.update(word.lemma for word in words)
                words_per_text.append(words)
            for words in words_per_text:
                surfaces.update((word.surface, word.lemma) for word in words)
            bags.append(bag)

        known_words: set[str] = set().union(*bags) if bags else set()
        for phrases in self._partner_phrases.values():
            for phrase in phrases:
                known_words.update(phrase)
        self.vocabulary = Vocabulary(known_words, surfaces)

        # Compounds in the knowledge also count as their parts, so "veiligheidsplan" finds
        # the entry that says "schoolveiligheidsplan".
        split_cache: dict[str, tuple[str, ...]] = {}
        for bag in bags:
            for token in list(bag):
                if len(token) >= 8:
                    if token not in split_cache:
                        split_cache[token] = self.vocabulary.split_compound(token) or ()
                    bag.update(split_cache[token])

        entry_count = max(len(self.entries), 1)
        document_frequency: dict[str, int] = defaultdict(int)
        for bag in bags:
            for token in bag:
                document_frequency[token] += 1
        self._idf = {
            token: math.log(1.0 + entry_count / count)
            for token, count in document_frequency.items()
        }
        # An unknown word weighs as much as a word found in a single entry.
        self._unknown_idf = math.log(1.0 + entry_count)

        self._texts: list[_Text] = []
        self._text_postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, tokens in texts_tokens:
            expanded = self._expand(tokens, split_cache)
            weights = {token: self._idf.get(token, self._unknown_idf) for token in expanded}
            norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
            text_index = len(self._texts)
            self._texts.append(_Text(entry_index, weights, norm))
            for token in weights:
                self._text_postings[token].append(text_index)
        self._bag_postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, bag in enumerate(bags):
            for token in bag:
                self._bag_postings[token].append(entry_index)
        self._entries_by_partner_topic = {(e.partner, e.topic): e for e in self.entries}

    # --- normalisation ---------------------------------------------------------------------

    def _normalize(self, text: str) -> list[str]:
        return normalize(text, self.synonyms)

    @staticmethod
    def _expand(tokens: Iterable[str], split_cache: dict[str, tuple[str, ...]]) -> set[str]:
        expanded: set[str] = set()
        for token in tokens:
            expanded.add(token)
            expanded.update(split_cache.get(token, ()))
        return expanded

    def _build_partner_phrases(self) -> dict[str, list[tuple[str, ...]]]:
        phrases: dict[str, list[tuple[str, ...]]] = {}
        for partner in self.knowledge.partners:
            forms = {tuple(self._normalize(alias)) for alias in (*partner.aliases, partner.name)}
            phrases[partner.id] = sorted((form for form in forms if form), key=len, reverse=True)
        return phrases

    def query_words(self, text: str) -> list[tuple[Word, tuple[str, ...]]]:
        """Each content word of the question with what it means in the knowledge's words."""
        return [(word, self.vocabulary.resolve(word)) for word in analyze(text, self.synonyms)]

    def query_tokens(self, text: str) -> list[str]:
        """The question's lemmas mapped onto the knowledge's vocabulary."""
        return [token for _, resolved in self.query_words(text) for token in resolved]

    def detect_partners(self, tokens: Sequence[str]) -> frozenset[str]:
        found: set[str] = set()
        for partner_id, phrases in self._partner_phrases.items():
            for phrase in phrases:
                size = len(phrase)
                if any(
                    tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1)
                ):
                    found.add(partner_id)
                    break
        return frozenset(found)

    def analyse(self, text: str) -> Analysis:
        capped = text[:MAX_MATCH_CHARS]
        words = self.query_words(capped)
        tokens = [token for _, resolved in words for token in resolved]
        weights = {token: self._idf.get(token, self._unknown_idf) for token in tokens}
        total = sum(weights.values())
        known = sum(weight for token, weight in weights.items() if token in self._idf)
        cue = any(pattern.search(" ".join(tokenize(capped))) for pattern in _UNANSWERABLE_CUES)
        capitalised = {fold(name) for name in _NAME_RE.findall(capped)}
        names = sum(
            1
            for word, resolved in words
            if word.surface in capitalised and not any(token in self._idf for token in resolved)
        )
        return Analysis(
            tokens=tuple(tokens),
            partners=self.detect_partners(tokens),
            known_share=known / total if total else 0.0,
            unanswerable_cue=cue,
            names=names,
        )

    # --- scoring ---------------------------------------------------------------------------

    def rank(self, text: str) -> tuple[Analysis, list[Match]]:
        """Every entry with a score of 0-100, best first, plus the question's analysis."""
        analysis = self.analyse(text)
        weights = {token: self._idf.get(token, self._unknown_idf) for token in analysis.tokens}
        if not weights:
            return analysis, [Match(entry, 0.0) for entry in self.entries]
        query_norm = math.sqrt(sum(weight * weight for weight in weights.values()))
        total_weight = sum(weights.values())

        dot: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        for token, weight in weights.items():
            for text_index in self._text_postings.get(token, ()):
                dot[text_index] += weight * weight
            for entry_index in self._bag_postings.get(token, ()):
                covered[entry_index] += weight

        phrasing: dict[int, float] = defaultdict(float)
        for text_index, value in dot.items():
            text_info = self._texts[text_index]
            cosine = value / (query_norm * text_info.norm)
            if cosine > phrasing[text_info.entry_index]:
                phrasing[text_info.entry_index] = cosine

        partners = analysis.partners
        comparison = GENERAL_PARTNER in partners or len(partners - {GENERAL_PARTNER}) >= 2
        scores: list[Match] = []
        for entry_index, entry in enumerate(self.entries):
            base = 0.6 * phrasing.get(entry_index, 0.0) + 0.4 * (
                covered.get(entry_index, 0.0) / total_weight
            )
            base += self._partner_adjustment(entry, partners, comparison)
            scores.append(Match(entry, round(max(0.0, min(1.0, base)) * 100.0, 2)))
        scores.sort(key=lambda match: (-match.score, match.entry.id))
        return analysis, scores

    @staticmethod
    def _partner_adjustment(entry: Entry, partners: frozenset[str], comparison: bool) -> float:
        if entry.partner == GENERAL_PARTNER:
            # A comparison entry answers questions about several partners, or about none
            # in particular when several partners' entries say the same.
            return 0.08 if comparison else (0.02 if not partners else -0.04)
        if not partners:
            return 0.0
        if entry.partner in partners:
            return 0.04 if comparison else 0.10
        return -0.02 if comparison else -0.15

    # --- decision --------------------------------------------------------------------------

    def decide(self, text: str) -> Decision:
        analysis, ranked = self.rank(text)
        top = ranked[: max(MIN_CANDIDATES, 5)]
        confidence = self.confidence(analysis, ranked)
        config = self.config
        best = top[0] if top else None
        if best is None or not analysis.tokens:
            return Decision("fallback", tuple(top))
        second = top[1].score if len(top) > 1 else 0.0
        if confidence >= config.answer_threshold and best.score - second >= config.clarify_margin:
            return Decision("answer", tuple(top), confidence=confidence)
        if confidence >= config.clarify_threshold:
            window = [m for m in top if best.score - m.score < config.clarify_margin * 2]
            options = tuple(window[:3]) if len(window) >= 2 else tuple(top[:2])
            return Decision("clarify", tuple(top), options=options, confidence=confidence)
        return Decision("fallback", tuple(top), confidence=confidence)

    def confidence(self, analysis: Analysis, ranked: Sequence[Match]) -> float:
        """The best score, lowered when the question is mostly unknown or out of scope."""
        if not ranked:
            return 0.0
        value = ranked[0].score * (0.4 + 0.6 * analysis.known_share)
        if analysis.unanswerable_cue:
            value *= 0.7
        if analysis.names:
            value *= 0.6
        return value

    def entry_for(self, partner: str, topic: str) -> Entry | None:
        return self._entries_by_partner_topic.get((partner, topic))
