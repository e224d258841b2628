"""What a question asks, before any entry is scored: its words in the knowledge's terms,
the partners it names, who is asking, and cues for things the infographic never answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.matching.english import english_tokens_to_dutch
from bot.matching.index import MatchIndex, may_name_asker
from bot.models import GENERAL_PARTNER
from bot.text import MAX_MATCH_CHARS, Word, analyze, fold, token_pairs, tokenize

# Questions about things the infographic never covers: costs, dates and times, phone
# numbers, the weather, pay. Folded surface forms, matched before lemmatisation. They lower
# confidence rather than forbid an answer; the weak ones also occur in answerable questions
# ("hoeveel OSINT-niveaus zijn er?").
_STRONG_CUES = re.compile(
    r"\b(kost|kosten|kostte|prijs|prijzen|tarief|euro|betalen|betaal|subsidie|salaris|cao"
    r"|hoe laat|morgen|vandaag|gisteren|overmorgen|volgende week|vorige week|deadline"
    r"|telefoonnummer|telnr|tel nr|bellen|06 ?\d+|postcode"
    r"|weer|regen|droog|temperatuur|vakantie|rooster"
    r"|cost|costs|price|pay|salary|tomorrow|today|yesterday|next week|phone number|weather"
    r"|holiday|holidays)\b"
)
_WEAK_CUES = re.compile(
    r"\b(hoe lang|hoeveel|aantal|volgende|eerstvolgende|wanneer is|wanneer begint|agenda"
    r"|wie is de|wie zijn de|adres van"
    r"|how long|how many|how much|when is|who is the|who are the)\b"
)
# Matches wherever either does: most questions hold no cue, and one search rules out both.
_ANY_CUE = re.compile(f"(?:{_STRONG_CUES.pattern})|(?:{_WEAK_CUES.pattern})")
STRONG_CUE_FACTOR = 0.2
WEAK_CUE_FACTOR = 0.6
# A capitalised word that is not the first word and that the knowledge does not know is
# most likely a person's or a street's name: questions about individuals are never answered.
_NAME_RE = re.compile(r"(?<=[\w,;:] )([A-Z][a-z\u00c0-\u024f]{2,})")


@dataclass(frozen=True)
class Analysis:
    """What the matcher made of one question; useful for tests and editor tools."""

    tokens: tuple[str, ...]
    partners: frozenset[str]
    asking_partner: str | None  # "ik ben boa, ...": the partner the asker belongs to
    unanswerable_cue: float  # factor for cues of unanswerable questions (1.0: none)
    names: int
    english: bool = False  # asked in English (and analysed after translation)
    strong_cue: bool = False  # costs, dates, phone numbers, the weather: never answered
    weak_cue: bool = False  # counts, "wie is de", "wanneer is": sometimes answered


# A question's words: each content word with what it means in the knowledge's words.
QueryWords = tuple[tuple[Word, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Reading:
    """A text read in the knowledge's terms: its words, whether it was English, and its
    folded tokens joined by spaces, as typed (the cues and role patterns search these);
    with the words' tokens and the partners they name (a chat question is checked for
    partners by the follow-up checks and by the match: found once)."""

    words: QueryWords
    english: bool
    surface: str
    tokens: tuple[str, ...]
    partners: frozenset[str]


def read(index: MatchIndex, text: str) -> Reading:
    # Tokenised once: the English check, the words and the surface all start from these.
    tokens = tokenize(text)
    dutch = english_tokens_to_dutch(tokens, index.glossary, index.synonyms, index.knows)
    if dutch is None:
        pairs = token_pairs(tokens, index.synonyms, index.lemma_of)
        resolve = index.vocabulary.resolve
        words = [(word, resolve(word)) for word in [Word(*pair) for pair in pairs]]
    else:
        words = _words(index, " ".join(dutch))
    resolved = tuple(token for _, found in words for token in found)
    return Reading(
        tuple(words),
        dutch is not None,
        " ".join(tokens),
        resolved,
        detect_partners(index, resolved),
    )


def query_words(index: MatchIndex, text: str) -> list[tuple[Word, tuple[str, ...]]]:
    """Each content word of the question with what it means in the knowledge's words."""
    return list(read(index, text).words)


def _words(index: MatchIndex, text: str) -> list[tuple[Word, tuple[str, ...]]]:
    words = analyze(text, index.synonyms, index.lemma_of)
    return [(word, index.vocabulary.resolve(word)) for word in words]


def query_tokens(index: MatchIndex, text: str) -> list[str]:
    """The question's lemmas mapped onto the knowledge's vocabulary."""
    return [token for _, resolved in query_words(index, text) for token in resolved]


def detect_partners(index: MatchIndex, tokens: Sequence[str]) -> frozenset[str]:
    lookup, sizes = index.partner_phrase_lookup
    found: set[str] = set()
    for size in sizes:
        for start in range(len(tokens) - size + 1):
            named = lookup.get(tuple(tokens[start : start + size]))
            if named is not None:
                found |= named
    return frozenset(found)


def analyse(
    index: MatchIndex, text: str, reader: Callable[[str], Reading] | None = None
) -> Analysis:
    """``reader``: ``read`` for this index, perhaps remembering texts read before."""
    capped = text[:MAX_MATCH_CHARS]
    reading = reader(capped) if reader is not None else read(index, capped)
    words = reading.words
    surface = reading.surface
    cued = _ANY_CUE.search(surface) is not None
    strong = cued and _STRONG_CUES.search(surface) is not None
    weak = cued and _WEAK_CUES.search(surface) is not None
    cue = (STRONG_CUE_FACTOR if strong else 1.0) * (WEAK_CUE_FACTOR if weak else 1.0)
    capitalised = {fold(name) for name in _NAME_RE.findall(capped)}
    names = (
        sum(
            1
            for word, resolved in words
            if word.surface in capitalised and not any(token in index.idf for token in resolved)
        )
        if capitalised  # most questions capitalise nothing after their first word
        else 0
    )
    partners = reading.partners
    return Analysis(
        tokens=reading.tokens,
        partners=partners,
        asking_partner=_asking_partner(index, surface, partners),
        unanswerable_cue=cue,
        names=names,
        english=reading.english,
        strong_cue=strong,
        weak_cue=weak,
    )


def _asking_partner(index: MatchIndex, surface: str, partners: frozenset[str]) -> str | None:
    any_asking = index.any_self_pattern
    asking = (
        {pid for pid, pattern in index.self_patterns.items() if pattern.search(surface)}
        if any_asking is not None and may_name_asker(surface) and any_asking.search(surface)
        else set()
    )
    if not asking and len(partners) > 1:
        # "mag jw screenshots delen met de politie": about the one partner that is not
        # merely the object of the question.
        objects = {
            pid
            for pid in partners - {GENERAL_PARTNER}
            if index.object_patterns[pid].search(surface)
        }
        subjects = partners - objects - {GENERAL_PARTNER}
        if objects and len(subjects) == 1:
            asking = set(subjects)
    return next(iter(asking)) if len(asking) == 1 else None
