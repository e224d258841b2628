"""Match a Dutch chat question to knowledge entries, and decide: answer, clarify or fallback.

Pure and synchronous. Everything that does not depend on the question (normalised texts,
vocabulary, weights, inverted indexes) is computed once in ``Matcher.__init__``; a question
then costs work in proportion to the entries that share a word with it.

Scoring, per entry, on IDF-weighted lemmas:
- ``phrasing``: cosine similarity with the closest of its question and alternate questions
  (how a person would ask for this entry);
- ``coverage``: the share of the question's weight that the entry's whole text (questions,
  keywords, answer) explains;
- a partner adjustment: a question that names a partner prefers that partner's entries, a
  question that names several partners (or "welke partners") prefers the comparisons.
The decision then also looks at how much of the question's topic the best entry explains,
whether only common words matched, and cues for things the infographic never answers (costs,
dates, phone numbers, unknown names).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.config import MatchingConfig
from bot.knowledge import KnowledgeBase
from bot.models import Decision, Entry, Match
from bot.text import (
    MAX_MATCH_CHARS,
    STOP_WORDS,
    SynonymTable,
    Vocabulary,
    Word,
    analyze,
    common_words,
    fold,
    lemma,
    lemma_table,
    normalize,
    tokenize,
)

GENERAL_PARTNER = "algemeen"
MIN_CANDIDATES = 3
UBIQUITOUS_MIN_POSTINGS = 5000
UBIQUITOUS_SHARE = 0.1
MIN_RANKED = 5  # a ranking lists at least this many entries (fewer only in a tiny knowledge)

# Questions about things the infographic never covers: costs, dates and times, phone
# numbers, the weather, pay. Folded surface forms, matched before lemmatisation. They lower
# confidence rather than forbid an answer; the weak ones also occur in answerable questions
# ("hoeveel OSINT-niveaus zijn er?").
_STRONG_CUES = re.compile(
    r"\b(kost|kosten|kostte|prijs|prijzen|tarief|euro|betalen|betaal|subsidie|salaris|cao"
    r"|hoe laat|morgen|vandaag|gisteren|overmorgen|volgende week|vorige week|deadline"
    r"|telefoonnummer|telnr|tel nr|bellen|06 ?\d+|postcode"
    r"|weer|regen|droog|temperatuur|vakantie|rooster)\b"
)
_WEAK_CUES = re.compile(
    r"\b(hoe lang|hoeveel|aantal|volgende|eerstvolgende|wanneer is|wanneer begint|agenda"
    r"|wie is de|wie zijn de|adres van)\b"
)
STRONG_CUE_FACTOR = 0.2
WEAK_CUE_FACTOR = 0.6
NAME_FACTOR = 0.4
MIN_EVIDENCE = 1.0
COMMON_UNKNOWN_WEIGHT = 1.0  # an unknown word that is common Dutch ("volgens") says little
THIN_EVIDENCE_FACTOR = 0.2
# A capitalised word that is not the first word and that the knowledge does not know is
# most likely a person's or a street's name: questions about individuals are never answered.
_NAME_RE = re.compile(r"(?<=[\w,;:] )([A-Z][a-z\u00c0-\u024f]{2,})")


@dataclass(frozen=True)
class Support:
    """How much of a question one entry explains."""

    coverage: float  # share of the question's topic weight (partner words left out)
    evidence: float  # matched words; common words ("allemaal", "info") count a third


@dataclass(frozen=True)
class Analysis:
    """What the matcher made of one question; useful for tests and editor tools."""

    tokens: tuple[str, ...]
    partners: frozenset[str]
    asking_partner: str | None  # "ik ben boa, ...": the partner the asker belongs to
    unanswerable_cue: float  # factor for cues of unanswerable questions (1.0: none)
    names: int


class Matcher:
    def __init__(self, knowledge: KnowledgeBase, config: MatchingConfig | None = None) -> None:
        self.knowledge = knowledge
        self.config = config or MatchingConfig()
        self.entries = knowledge.entries
        # Building uses the full lemmatiser and records what it saw; questions are then
        # lemmatised from a table (see ``lemma_table``), so a matcher loaded from the index
        # cache never needs simplemma's dictionary.
        self._lemmas: dict[str, str] = {}

        def recording(token: str) -> str:
            found = self._lemmas[token] = lemma(token)
            return found

        self._build_lemma = recording
        # Common words as typed and as lemma ("probeert" is not in the list, "proberen" is).
        self._common_words = common_words() | {lemma(word) for word in common_words()}
        self.synonyms = SynonymTable.build(knowledge.synonyms, recording)
        self._partner_phrases = self._build_partner_phrases()
        self._self_patterns, self._object_patterns = self._build_role_patterns()

        texts_tokens: list[tuple[int, list[str]]] = []
        bags: list[set[str]] = []
        surfaces: dict[str, str] = {}
        keyword_words: set[str] = set()
        for index, entry in enumerate(self.entries):
            phrasings = [entry.question, *entry.alternates]
            words_per_text = [analyze(text, self.synonyms, recording) for text in phrasings]
            texts_tokens.extend((index, [w.lemma for w in words]) for words in words_per_text)
            bag = {word.lemma for words in words_per_text for word in words}
            for extra in (*entry.keywords, entry.answer, entry.source):
                words = analyze(extra, self.synonyms, recording)
                bag.update(word.lemma for word in words)
                words_per_text.append(words)
            for words in words_per_text[len(phrasings) : len(phrasings) + len(entry.keywords)]:
                keyword_words.update(word.lemma for word in words)
            for words in words_per_text:
                surfaces.update((word.surface, word.lemma) for word in words)
            bags.append(bag)

        known_words: set[str] = set().union(*bags) if bags else set()
        for phrases in self._partner_phrases.values():
            for phrase in phrases:
                known_words.update(phrase)
        self.vocabulary = Vocabulary(known_words, surfaces)
        targets = known_words | STOP_WORDS | self._common_words
        for phrase, replacement in self.synonyms.phrases.items():
            targets.update(phrase)
            targets.update(replacement)
        recorded = self._lemmas
        self._lemmas = lemma_table(targets)
        self._lemmas.update(recorded)
        del self._build_lemma  # a closure: not picklable, and only needed while building
        canonical = self.vocabulary.canonical
        self._partner_phrases = {
            partner_id: [tuple(canonical.get(token, token) for token in p) for p in phrases]
            for partner_id, phrases in self._partner_phrases.items()
        }
        self._partner_words = frozenset(
            token for phrases in self._partner_phrases.values() for p in phrases for token in p
        )
        bags = [{canonical.get(token, token) for token in bag} for bag in bags]
        texts_tokens = [
            (index, [canonical.get(token, token) for token in tokens])
            for index, tokens in texts_tokens
        ]

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
        # An unknown word weighs as much as a word found in a single entry, unless it is one
        # of the most common Dutch words: those say little about what is asked.
        self._unknown_idf = math.log(1.0 + entry_count)

        # One phrasing (question or alternate) per text index: its entry and vector norm.
        self._text_entry: list[int] = []
        self._text_norm: list[float] = []
        self._text_postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, tokens in texts_tokens:
            expanded = self._expand(tokens, split_cache)
            norm = math.sqrt(sum(self._weight(token) ** 2 for token in expanded)) or 1.0
            text_index = len(self._text_entry)
            self._text_entry.append(entry_index)
            self._text_norm.append(norm)
            for token in expanded:
                self._text_postings[token].append(text_index)
        self._bags = [frozenset(bag) for bag in bags]
        # Editors' keywords mark the domain's own terms ("samenwerking", "bron"): matched, they
        # are evidence even when they are common Dutch words.
        self._keyword_words = frozenset(canonical.get(word, word) for word in keyword_words)
        # In a large knowledge, a word found in most phrasings cannot tell entries apart but
        # would cost a visit to each of them: scoring skips it (it still counts in the norms).
        # Small knowledge bases, such as the shipped one, never reach these sizes.
        self._ubiquitous = frozenset(
            token
            for token, postings in self._text_postings.items()
            if len(postings) > UBIQUITOUS_MIN_POSTINGS
            and len(postings) > UBIQUITOUS_SHARE * len(self._text_entry)
        )
        self._entry_partner = [entry.partner for entry in self.entries]
        self._partner_ids = frozenset(self._entry_partner)
        self._bag_postings: dict[str, list[int]] = defaultdict(list)
        for entry_index, bag in enumerate(bags):
            for token in bag:
                self._bag_postings[token].append(entry_index)
        self._entries_by_partner_topic = {(e.partner, e.topic): e for e in self.entries}

    def _weight(self, token: str) -> float:
        known = self._idf.get(token)
        if known is not None:
            return known
        return COMMON_UNKNOWN_WEIGHT if token in self._common_words else self._unknown_idf

    # --- normalisation ---------------------------------------------------------------------

    def _normalize(self, text: str) -> list[str]:
        return normalize(text, self.synonyms, self._build_lemma)

    def _lemma_of(self, token: str) -> str:
        return self._lemmas.get(token, token)

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

    def _build_role_patterns(self) -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
        """Patterns for who asks and who is only the object of a question.

        'ik ben jongerenwerker, ...', 'als boa ...', 'mentor hier' name the asker's partner;
        'delen met de politie', 'doorgeven aan OOV' name a partner the question is not about.
        """
        asking: dict[str, re.Pattern[str]] = {}
        objects: dict[str, re.Pattern[str]] = {}
        for partner in self.knowledge.partners:
            if partner.id == GENERAL_PARTNER:
                continue
            forms = sorted({" ".join(tokenize(a)) for a in partner.aliases}, key=len, reverse=True)
            alias = "|".join(re.escape(form) for form in forms if form)
            if alias:
                asking[partner.id] = re.compile(
                    rf"\b(?:ik ben|wij zijn|we zijn|als)(?: een| de)? (?:{alias})\b"
                    rf"|\b(?:{alias}) hier\b"
                )
                objects[partner.id] = re.compile(rf"\b(?:met|aan|naar)(?: de| het)? (?:{alias})\b")
        return asking, objects

    def query_words(self, text: str) -> list[tuple[Word, tuple[str, ...]]]:
        """Each content word of the question with what it means in the knowledge's words."""
        words = analyze(text, self.synonyms, self._lemma_of)
        return [(word, self.vocabulary.resolve(word)) for word in words]

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
        surface = " ".join(tokenize(capped))
        cue = 1.0
        if _STRONG_CUES.search(surface):
            cue *= STRONG_CUE_FACTOR
        if _WEAK_CUES.search(surface):
            cue *= WEAK_CUE_FACTOR
        capitalised = {fold(name) for name in _NAME_RE.findall(capped)}
        names = sum(
            1
            for word, resolved in words
            if word.surface in capitalised and not any(token in self._idf for token in resolved)
        )
        partners = self.detect_partners(tokens)
        asking = {pid for pid, pattern in self._self_patterns.items() if pattern.search(surface)}
        if not asking and len(partners) > 1:
            # "mag jw screenshots delen met de politie": about the one partner that is not
            # merely the object of the question.
            objects = {
                pid
                for pid in partners - {GENERAL_PARTNER}
                if self._object_patterns[pid].search(surface)
            }
            subjects = partners - objects - {GENERAL_PARTNER}
            if objects and len(subjects) == 1:
                asking = set(subjects)
        return Analysis(
            tokens=tuple(tokens),
            partners=partners,
            asking_partner=next(iter(asking)) if len(asking) == 1 else None,
            unanswerable_cue=cue,
            names=names,
        )

    # --- scoring ---------------------------------------------------------------------------

    def rank(self, text: str) -> tuple[Analysis, list[Match]]:
        """Candidate entries with a score of 0-100, best first, and the question's analysis.

        Candidates are the entries that share a word with the question, completed to at
        least ``MIN_RANKED`` with zero-score entries.
        """
        analysis = self.analyse(text)
        scores = self._scores(analysis)
        order = sorted(scores, key=lambda index: (-scores[index], index))
        return analysis, self._matches(order, scores)

    def _scores(self, analysis: Analysis) -> dict[int, float]:
        """Raw score per candidate entry index (``_percent`` makes it 0-100).

        Only entries that share a word with the question are scored: the cost of a question
        grows with the entries it touches, not with the size of the knowledge.
        """
        weights = {token: self._weight(token) for token in analysis.tokens}
        if not weights:
            return {}
        query_norm = math.sqrt(sum(weight * weight for weight in weights.values()))
        total_weight = sum(weights.values())
        dot: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        for token, weight in weights.items():
            if token in self._ubiquitous:
                continue
            squared = weight * weight
            for text_index in self._text_postings.get(token, ()):
                dot[text_index] += squared
            for entry_index in self._bag_postings.get(token, ()):
                covered[entry_index] += weight
        phrasing: dict[int, float] = defaultdict(float)
        for text_index, value in dot.items():
            entry_index = self._text_entry[text_index]
            cosine = value / (query_norm * self._text_norm[text_index])
            if cosine > phrasing[entry_index]:
                phrasing[entry_index] = cosine
        adjustment = {
            partner: self._partner_adjustment(partner, analysis) for partner in self._partner_ids
        }
        entry_partner = self._entry_partner
        phrasing_get = phrasing.get
        # Raw scores: clipping and rounding to 0-100 happen only for the entries shown.
        return {
            entry_index: 0.6 * phrasing_get(entry_index, 0.0)
            + 0.4 * value / total_weight
            + adjustment[entry_partner[entry_index]]
            for entry_index, value in covered.items()
        }

    @staticmethod
    def _percent(raw: float) -> float:
        return round(max(0.0, min(1.0, raw)) * 100.0, 2)

    @staticmethod
    def _best(scores: Mapping[int, float], count: int) -> list[int]:
        """The ``count`` best entry indexes, ordered as ``rank`` orders them (score, then
        knowledge order). The cut-off score is found on bare floats first: at 10,000 entries a
        key function per candidate would cost more than the scoring."""
        if len(scores) <= count:
            chosen = list(scores)
        else:
            cutoff = heapq.nlargest(count, scores.values())[-1]
            chosen = [index for index, score in scores.items() if score >= cutoff]
        chosen.sort(key=lambda index: (-scores[index], index))
        return chosen[:count]

    def _matches(self, order: Iterable[int], scores: Mapping[int, float]) -> list[Match]:
        matches = [Match(self.entries[index], self._percent(scores[index])) for index in order]
        matches.extend(self._padding(scores.keys(), MIN_RANKED - len(matches)))
        return matches

    def _support(self, entry_index: int, analysis: Analysis) -> Support:
        """How much of the question one entry explains (computed for the best entry only)."""
        bag = self._bags[entry_index]
        topic_weight = covered = evidence = 0.0
        for token in set(analysis.tokens):
            is_partner_word = token in self._partner_words
            weight = self._weight(token)
            if not is_partner_word:
                # Words naming a partner say who, not what: coverage leaves them out.
                topic_weight += weight
            if token in bag:
                if not is_partner_word:
                    covered += weight
                # Partner words and uncommon words mean something on their own; a common
                # word ("allemaal", "info", "top") counts for a third.
                # A bare number ("2") means nothing without a question it answers.
                strong = is_partner_word or (
                    not token.isdigit()
                    and (token in self._keyword_words or token not in self._common_words)
                )
                evidence += 1.0 if strong else 1.0 / 3.0
        # A question of partner words only ("wat doet een jongerenwerker?") asks about the
        # partner itself: nothing is left unexplained.
        coverage = covered / topic_weight if topic_weight else 1.0
        return Support(coverage=coverage, evidence=evidence)

    def _padding(self, taken: Iterable[int], count: int) -> Iterator[Match]:
        """Zero-score entries to complete a short candidate list, in knowledge order."""
        skip = set(taken)
        for entry_index, entry in enumerate(self.entries):
            if count <= 0:
                return
            if entry_index not in skip:
                count -= 1
                yield Match(entry, 0.0)

    @staticmethod
    def _partner_adjustment(partner: str, analysis: Analysis) -> float:
        partners = analysis.partners
        asking = analysis.asking_partner
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

    # --- decision --------------------------------------------------------------------------

    def decide(self, text: str) -> Decision:
        analysis = self.analyse(text)
        scores = self._scores(analysis)
        best_indexes = self._best(scores, MIN_RANKED)
        top = self._matches(best_indexes, scores)
        if not best_indexes or not analysis.tokens:
            return Decision("fallback", tuple(top))
        best = top[0]
        confidence = self.confidence(analysis, best, self._support(best_indexes[0], analysis))
        config = self.config
        second = top[1].score if len(top) > 1 else 0.0
        if confidence >= config.answer_threshold and best.score - second >= config.clarify_margin:
            return Decision("answer", tuple(top), confidence=confidence)
        if confidence >= config.clarify_threshold:
            window = [m for m in top if best.score - m.score < config.clarify_margin * 2]
            options = tuple(window[:3]) if len(window) >= 2 else tuple(top[:2])
            return Decision("clarify", tuple(top), options=options, confidence=confidence)
        return Decision("fallback", tuple(top), confidence=confidence)

    def confidence(self, analysis: Analysis, best: Match, support: Support) -> float:
        """The best score, lowered when the best entry explains little of what is asked.

        A question that reuses the knowledge's words ("wie is de wijkagent van Overvecht")
        can score well; what the best entry leaves unexplained, and cues for things the
        infographic never answers, tell it apart.
        """
        value = best.score * (0.3 + 0.7 * support.coverage) * analysis.unanswerable_cue
        if analysis.names:
            value *= NAME_FACTOR

        if support.evidence < MIN_EVIDENCE:
            # Only common words matched ("hoi allemaal", "top info"): too thin to answer.
            value *= THIN_EVIDENCE_FACTOR
        return round(value, 2)

    def partner_words(self) -> frozenset[str]:
        """Every token that belongs to a partner's name or aliases."""
        return self._partner_words

    def entries_of(self, partner: str) -> tuple[Entry, ...]:
        return tuple(entry for entry in self.entries if entry.partner == partner)

    def entry_for(self, partner: str, topic: str) -> Entry | None:
        return self._entries_by_partner_topic.get((partner, topic))
