"""The built index: everything about the knowledge that does not depend on a question.

``build_index`` computes it once per knowledge base; the result is a frozen object that the
index cache pickles as it is. Building uses the full lemmatiser and records what it saw;
questions are then lemmatised from a table (see ``lemma_table``), so an index loaded from
the cache never needs simplemma's dictionary.
"""

from __future__ import annotations

import gc
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

from bot.knowledge import KnowledgeBase
from bot.matching.english import build_glossary
from bot.models import GENERAL_PARTNER, Entry
from bot.text import (
    STOP_WORDS,
    SynonymTable,
    Vocabulary,
    analyze_pairs,
    common_words,
    lemma,
    lemma_table,
    normalize,
    tokenize,
)

# Per word: entries, their smallest phrasing norm holding it, a mask of those phrasings.
TextGroups = tuple[tuple[int, ...], tuple[float, ...], tuple[int, ...]]

UBIQUITOUS_MIN_POSTINGS = 5000
UBIQUITOUS_SHARE = 0.1
COMMON_UNKNOWN_WEIGHT = 1.0  # an unknown word that is common Dutch ("volgens") says little
_COMPOUND_MIN_LENGTH = 8  # shorter knowledge words are not split into parts


@dataclass(frozen=True)
class MatchIndex:
    """The knowledge prepared for matching; immutable once built."""

    knowledge: KnowledgeBase
    entries: tuple[Entry, ...]
    synonyms: SynonymTable
    glossary: SynonymTable  # English → the knowledge's Dutch (see ``english``)
    vocabulary: Vocabulary
    lemmas: Mapping[str, str]  # word form → lemma, for every form of a known lemma
    common_words: frozenset[str]  # as typed and as lemma
    idf: Mapping[str, float]
    unknown_idf: float
    # One phrasing (question or alternate) per text index: its entry and vector norm.
    text_entry: Sequence[int]
    text_norm: Sequence[float]
    text_postings: Mapping[str, Sequence[int]]
    # Each phrasing's words, and where each entry's phrasings start (they are consecutive;
    # one extra offset closes the last entry): ``scoring`` sums the phrasings holding
    # several of a question's words.
    text_tokens: Sequence[frozenset[str]]
    entry_text_start: Sequence[int]
    # Per entry: every lemma of its whole text (questions, keywords, answer, source).
    bags: Sequence[frozenset[str]]
    bag_postings: Mapping[str, Sequence[int]]
    # Per word of some entry: its bag and text postings, what scoring it in full costs.
    posting_counts: Mapping[str, int]
    # Editors' keywords mark the domain's own terms ("samenwerking", "bron"): matched, they
    # are evidence even when they are common Dutch words.
    keyword_words: frozenset[str]
    # In a large knowledge, a word found in most phrasings cannot tell entries apart but
    # would cost a visit to each of them: scoring skips it (it still counts in the norms).
    # Small knowledge bases, such as the shipped one, never reach these sizes.
    ubiquitous: frozenset[str]
    entry_partner: Sequence[str]
    partner_ids: frozenset[str]
    partner_phrases: Mapping[str, Sequence[tuple[str, ...]]]
    partner_words: frozenset[str]
    # 'ik ben jongerenwerker, ...', 'als boa ...', 'mentor hier' name the asker's partner;
    # 'delen met de politie', 'doorgeven aan OOV' name a partner the question is not about.
    self_patterns: Mapping[str, re.Pattern[str]]
    object_patterns: Mapping[str, re.Pattern[str]]
    entries_by_partner_topic: Mapping[tuple[str, str], Entry]
    # Each entry's topic label in lemmas ("online", "digitaal wijkagent"), and per lemma the
    # entries whose label holds it: a question that names a section's topic prefers it.
    entry_topic: Sequence[frozenset[str]]  # entries with equal labels share one object
    # Per lemma, the distinct labels that hold it; per label, its entries in order. A topic
    # such as "online" labels hundreds of entries of a large knowledge: a question is
    # matched against the few distinct labels, not against each entry's.
    topic_labels: Mapping[str, tuple[frozenset[str], ...]]
    label_entries: Mapping[frozenset[str], tuple[int, ...]]
    sorted_words: tuple[str, ...]  # every known word, sorted: prefix lookups by bisection
    # ``text_groups``' results, per word: derived from the knowledge alone, made on first use
    # (for all words at once they would cost a sixth of a large knowledge's build time).
    _text_groups: dict[str, TextGroups] = field(default_factory=dict, compare=False, repr=False)
    # Other modules' structures derived from the index alone, made on first use and kept as
    # long as the index (``dense``'s arrays for a large knowledge), by name.
    derived: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def weight(self, token: str) -> float:
        """IDF of a known word; an unknown word weighs as much as a word of a single entry,
        unless it is one of the most common Dutch words: those say little about what is asked."""
        known = self.idf.get(token)
        if known is not None:
            return known
        return COMMON_UNKNOWN_WEIGHT if token in self.common_words else self.unknown_idf

    @cached_property
    def any_self_pattern(self) -> re.Pattern[str] | None:
        """One pattern that matches wherever one of ``self_patterns`` does (an alternation
        tries each at every position): most questions name no asker, and one search rules
        out every partner's pattern at once. None without patterns."""
        if not self.self_patterns:
            return None
        return re.compile("|".join(f"(?:{p.pattern})" for p in self.self_patterns.values()))

    @cached_property
    def partner_phrase_lookup(
        self,
    ) -> tuple[Mapping[tuple[str, ...], frozenset[str]], tuple[int, ...]]:
        """``partner_phrases`` turned around: the partners each phrase names, and the
        phrase lengths. Finding partners then looks up a question's few n-grams instead of
        sliding every partner's every phrase over it (a third of a question's matching)."""
        partners: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
        for partner_id, phrases in self.partner_phrases.items():
            for phrase in phrases:
                partners[phrase].add(partner_id)
        lookup = {phrase: frozenset(ids) for phrase, ids in partners.items()}
        return lookup, tuple(sorted({len(phrase) for phrase in lookup}))

    def text_groups(self, token: str) -> TextGroups | None:
        """A word's ``text_postings`` grouped by entry, as three aligned tuples: the entries
        with a phrasing holding it, the smallest norm of such a phrasing (the one whose
        cosine the word alone makes largest), and a mask of those phrasings (bit i: the
        entry's i-th). Full scoring reads these instead of every phrasing (``scoring``).
        None for a word no phrasing holds."""
        found = self._text_groups.get(token)
        if found is None:
            texts = self.text_postings.get(token)
            if not texts:
                return None
            found = self._text_groups[token] = _group_by_entry(
                texts, self.text_entry, self.text_norm, self.entry_text_start
            )
        return found

    def lemma_of(self, token: str) -> str:
        return self.lemmas.get(token, token)

    def knows(self, word: str) -> bool:
        """Whether the knowledge has this word (as lemma or as typed)."""
        return self.vocabulary.known(word) is not None


def build_index(knowledge: KnowledgeBase) -> MatchIndex:
    # Building creates millions of small objects and no garbage cycles: with the cyclic
    # collector running, its passes over the growing heap took a third of the build time.
    with _collector_paused():
        return _build(knowledge)


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(knowledge: KnowledgeBase) -> MatchIndex:
    entries = knowledge.entries
    recorded = _Lemmas()
    recording = recorded.__getitem__  # a C-level lookup for every word seen before

    common = common_words() | {lemma(word) for word in common_words()}
    synonyms = SynonymTable.build(knowledge.synonyms, recording)
    partner_phrases = _partner_phrases(knowledge, synonyms, recording)
    self_patterns, object_patterns = _role_patterns(knowledge)

    texts_tokens: list[tuple[int, list[str]]] = []
    bags: list[set[str]] = []
    surfaces: dict[str, str] = {}
    keyword_words: set[str] = set()
    # Keywords and sources repeat across entries: each distinct text is analysed once. As
    # (surface, lemma) pairs: no ``Word`` per word of the knowledge, and C-level updates.
    analysed: dict[str, list[tuple[str, str]]] = {}
    second = itemgetter(1)

    def analysis_of(text: str) -> list[tuple[str, str]]:
        found = analysed.get(text)
        if found is None:
            found = analysed[text] = analyze_pairs(text, synonyms, recording)
        return found

    topic_words = [
        frozenset(map(second, analysis_of(entry.topic.replace("-", " ")))) for entry in entries
    ]
    for index, entry in enumerate(entries):
        phrasings = [entry.question, *entry.alternates]
        pairs_per_text = [analysis_of(text) for text in phrasings]
        texts_tokens.extend((index, list(map(second, pairs))) for pairs in pairs_per_text)
        bag: set[str] = set()
        for pairs in pairs_per_text:
            bag.update(map(second, pairs))
        for extra in (*entry.keywords, entry.answer, entry.source):
            pairs = analysis_of(extra)
            bag.update(map(second, pairs))
            pairs_per_text.append(pairs)
        for pairs in pairs_per_text[len(phrasings) : len(phrasings) + len(entry.keywords)]:
            keyword_words.update(map(second, pairs))
        for pairs in pairs_per_text:
            surfaces.update(pairs)
        bags.append(bag)

    known_words: set[str] = set().union(*bags) if bags else set()
    for phrases in partner_phrases.values():
        for phrase in phrases:
            known_words.update(phrase)
    vocabulary = Vocabulary(known_words, surfaces)
    targets = known_words | STOP_WORDS | common
    for phrase, replacement in synonyms.phrases.items():
        targets.update(phrase)
        targets.update(replacement)
    lemmas = lemma_table(targets)
    lemmas.update(recorded)
    canonical = vocabulary.canonical
    partner_phrases = {
        partner_id: [tuple(canonical.get(token, token) for token in p) for p in phrases]
        for partner_id, phrases in partner_phrases.items()
    }
    to_canonical = canonical.get
    bags = [set(map(to_canonical, bag, bag)) for bag in bags]
    texts_tokens = [
        (index, list(map(to_canonical, tokens, tokens))) for index, tokens in texts_tokens
    ]

    # Compounds in the knowledge also count as their parts, so "veiligheidsplan" finds
    # the entry that says "schoolveiligheidsplan".
    split_cache: dict[str, tuple[str, ...]] = {}
    for bag in bags:
        for token in list(bag):
            if len(token) >= _COMPOUND_MIN_LENGTH:
                if token not in split_cache:
                    split_cache[token] = vocabulary.split_compound(token) or ()
                bag.update(split_cache[token])

    entry_count = max(len(entries), 1)
    document_frequency: dict[str, int] = defaultdict(int)
    for bag in bags:
        for token in bag:
            document_frequency[token] += 1
    idf = {
        token: math.log(1.0 + entry_count / count) for token, count in document_frequency.items()
    }
    unknown_idf = math.log(1.0 + entry_count)

    def weight(token: str) -> float:
        known = idf.get(token)
        if known is not None:
            return known
        return COMMON_UNKNOWN_WEIGHT if token in common else unknown_idf

    squares = _Squares(weight)  # each word's squared weight, computed once
    text_entry: list[int] = []
    text_norm: list[float] = []
    text_postings: dict[str, list[int]] = defaultdict(list)
    text_tokens: list[frozenset[str]] = []
    entry_text_start: list[int] = []
    for entry_index, tokens in texts_tokens:
        expanded = set(tokens)
        for token in tokens:
            expanded.update(split_cache.get(token, ()))
        norm = math.sqrt(sum(map(squares.__getitem__, expanded))) or 1.0
        text_index = len(text_entry)
        while len(entry_text_start) <= entry_index:
            entry_text_start.append(text_index)
        text_entry.append(entry_index)
        text_norm.append(norm)
        text_tokens.append(frozenset(expanded))
        for token in expanded:
            text_postings[token].append(text_index)
    while len(entry_text_start) <= len(entries):
        entry_text_start.append(len(text_entry))
    ubiquitous = frozenset(
        token
        for token, postings in text_postings.items()
        if len(postings) > UBIQUITOUS_MIN_POSTINGS
        and len(postings) > UBIQUITOUS_SHARE * len(text_entry)
    )
    bag_postings: dict[str, list[int]] = defaultdict(list)
    for entry_index, bag in enumerate(bags):
        for token in bag:
            bag_postings[token].append(entry_index)
    entry_partner = tuple(entry.partner for entry in entries)
    label_entries: dict[frozenset[str], list[int]] = {}
    labels: list[frozenset[str]] = []
    entry_labels = [frozenset(canonical.get(t, t) for t in label) for label in topic_words]
    for entry_index, label in enumerate(entry_labels):
        found = label_entries.setdefault(label, [])
        if not found:
            labels.append(label)
        found.append(entry_index)
    shared = {label: label for label in labels}  # one object per distinct label
    entry_topic = tuple(shared[label] for label in entry_labels)
    topic_labels: dict[str, list[frozenset[str]]] = defaultdict(list)
    for label in labels:
        for token in label:
            topic_labels[token].append(label)
    return MatchIndex(
        knowledge=knowledge,
        entries=tuple(entries),
        synonyms=synonyms,
        glossary=build_glossary(),
        vocabulary=vocabulary,
        lemmas=lemmas,
        common_words=frozenset(common),
        idf=idf,
        unknown_idf=unknown_idf,
        text_entry=tuple(text_entry),
        text_norm=tuple(text_norm),
        text_postings=dict(text_postings),
        text_tokens=tuple(text_tokens),
        entry_text_start=tuple(entry_text_start),
        bags=tuple(frozenset(bag) for bag in bags),
        bag_postings=dict(bag_postings),
        posting_counts={
            token: len(entries) + len(text_postings.get(token, ()))
            for token, entries in bag_postings.items()
        },
        keyword_words=frozenset(canonical.get(word, word) for word in keyword_words),
        ubiquitous=ubiquitous,
        entry_partner=entry_partner,
        partner_ids=frozenset(entry_partner),
        partner_phrases=partner_phrases,
        partner_words=frozenset(
            token for phrases in partner_phrases.values() for p in phrases for token in p
        ),
        self_patterns=self_patterns,
        object_patterns=object_patterns,
        entries_by_partner_topic={(e.partner, e.topic): e for e in entries},
        entry_topic=entry_topic,
        topic_labels={token: tuple(found) for token, found in topic_labels.items()},
        label_entries={label: tuple(found) for label, found in label_entries.items()},
        sorted_words=tuple(sorted(idf)),
    )


def _group_by_entry(
    texts: Sequence[int],
    text_entry: Sequence[int],
    text_norm: Sequence[float],
    entry_text_start: Sequence[int],
) -> TextGroups:
    entries: list[int] = []
    norms: list[float] = []
    masks: list[int] = []
    last = -1
    for text_index in texts:  # ascending, so an entry's phrasings are consecutive
        entry_index = text_entry[text_index]
        bit = 1 << (text_index - entry_text_start[entry_index])
        norm = text_norm[text_index]
        if entry_index != last:
            last = entry_index
            entries.append(entry_index)
            norms.append(norm)
            masks.append(bit)
        else:
            masks[-1] |= bit
            if norm < norms[-1]:
                norms[-1] = norm
    return tuple(entries), tuple(norms), tuple(masks)


class _Lemmas(dict[str, str]):
    """Lemmas of the words seen while building, looked up once each."""

    def __missing__(self, token: str) -> str:
        found = self[token] = lemma(token)
        return found


class _Squares(dict[str, float]):
    def __init__(self, weight: Callable[[str], float]) -> None:
        super().__init__()
        self._weight = weight

    def __missing__(self, token: str) -> float:
        found = self[token] = self._weight(token) ** 2
        return found


def _partner_phrases(
    knowledge: KnowledgeBase, synonyms: SynonymTable, lemmatize: Callable[[str], str]
) -> dict[str, list[tuple[str, ...]]]:
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for partner in knowledge.partners:
        forms = {
            tuple(normalize(alias, synonyms, lemmatize))
            for alias in (*partner.aliases, partner.name)
        }
        phrases[partner.id] = sorted((form for form in forms if form), key=len, reverse=True)
    return phrases


# Every match of a partner's ``self_patterns`` holds one of these: most questions hold none,
# and looking for them is far cheaper than the patterns' alternation over every alias.
_ASKING_OPENERS = ("ik ben", "wij zijn", "we zijn", "als")
_ASKING_AFTER = " hier"


def may_name_asker(surface: str) -> bool:
    """False when no ``self_patterns`` can match ``surface`` (it holds none of their words)."""
    if _ASKING_AFTER in surface:
        return True
    for opener in _ASKING_OPENERS:  # noqa: SIM110 (a plain loop: no generator per question)
        if opener in surface:
            return True
    return False


def _role_patterns(
    knowledge: KnowledgeBase,
) -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    """Patterns for who asks and who is only the object of a question."""
    asking: dict[str, re.Pattern[str]] = {}
    objects: dict[str, re.Pattern[str]] = {}
    for partner in knowledge.partners:
        if partner.id == GENERAL_PARTNER:
            continue
        forms = sorted({" ".join(tokenize(a)) for a in partner.aliases}, key=len, reverse=True)
        alias = "|".join(re.escape(form) for form in forms if form)
        if alias:
            openers = "|".join(_ASKING_OPENERS)
            asking[partner.id] = re.compile(
                rf"\b(?:{openers})(?: een| de)? (?:{alias})\b|\b(?:{alias}){_ASKING_AFTER}\b"
            )
            objects[partner.id] = re.compile(rf"\b(?:met|aan|naar)(?: de| het)? (?:{alias})\b")
    return asking, objects
