"""English questions: recognise them and put their words into the knowledge's Dutch.

Colleagues sometimes ask in English. The Dutch pipeline mangles English words (the Dutch
lemmatiser turns "does" into "doezen"), so a question that reads as English is first
translated word by word with a small glossary (``bot/data/english_nl.txt``): function words
are dropped, domain words become the Dutch words the knowledge uses. The glossary is
drawn from the infographic's own vocabulary (each content word with its common English
equivalents, multi-word phrases such as "who do I contact" and "open source"); inflected
forms (plural, -ing, -ed, -'s) find their base form, so only base forms need listing. The
answer stays Dutch; the decision records that the question was English so the reply can say
so.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from bot.text import SynonymTable, tokenize

_GLOSSARY = Path(__file__).resolve().parent.parent / "data" / "english_nl.txt"

# Function words that occur in English and not in Dutch questions (and the other way round):
# counting both tells an English question from a Dutch one with an English term in it
# ("mag ik een fake account gebruiken?").
_ENGLISH_MARKERS = frozenset(
    """
    the what which who why how does do did are can could should would will when where there
    this these those that with about for to and my your our their they you it be been have has
    may must any some from into if not people i'm im get use is
    """.split()
)
_DUTCH_MARKERS = frozenset(
    """
    de het een wat welke wie waarom hoe mag mogen moet moeten en van voor met op zijn ik je jij
    niet bij aan er dat die deze dit wel kan kun naar om te ook heeft hebben wordt worden zijn
    """.split()
)
MIN_ENGLISH_MARKERS = 2


def looks_english(tokens: Sequence[str]) -> bool:
    english = sum(token in _ENGLISH_MARKERS for token in tokens)
    dutch = sum(token in _DUTCH_MARKERS for token in tokens)
    # One English marker is enough when nothing is Dutch ("Can youth workers ...?").
    return (english >= MIN_ENGLISH_MARKERS and english > dutch) or (english >= 1 and dutch == 0)


@lru_cache(maxsize=1)
def glossary_pairs() -> tuple[tuple[str, str], ...]:
    """(english, dutch) pairs from the glossary file; dutch may be empty (drop the word)."""
    pairs: list[tuple[str, str]] = []
    for line in _GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, _, dutch = line.partition("=")
        pairs.append((english.strip(), dutch.strip()))
    return tuple(pairs)


def build_glossary() -> SynonymTable:
    """English token sequences → Dutch tokens (not lemmatised: the Dutch pipeline follows)."""
    groups: dict[str, list[str]] = {}
    for english, dutch in glossary_pairs():
        groups.setdefault(dutch, []).append(english)
    return SynonymTable.build(groups.items(), lambda token: token)


def _inflections(token: str) -> list[str]:
    """Possible base forms of an English word: plural -s/-es/-ies, -ing, -ed, -'s."""
    found: list[str] = []
    for suffix, replacements in _SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix) + 2:
            stem = token[: -len(suffix)]
            found.extend(stem + ending for ending in replacements)
            if suffix in ("ing", "ed") and len(stem) > 2 and stem[-1] == stem[-2]:
                found.append(stem[:-1])  # "planning" → "plan"
    return found


_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("'s", ("",)),
    ("ies", ("y",)),
    ("ied", ("y",)),
    ("es", ("", "e")),
    ("s", ("",)),
    ("ing", ("", "e")),
    ("ed", ("", "e")),
)


def base_forms(
    tokens: Sequence[str], glossary: SynonymTable, known: Callable[[str], bool]
) -> list[str]:
    """Inflected English words the glossary has only in their base form, put in that form.

    The glossary lists "warden", "enforcer", "monitor"; "wardens", "enforcers",
    "monitoring" should find them without every form being listed. A word the glossary or
    the knowledge has as typed stays as it is.
    """
    words = _glossary_words(glossary)
    out: list[str] = []
    for token in tokens:
        if token not in words and not known(token):
            token = next((base for base in _inflections(token) if base in words), token)
        out.append(token)
    return out


# Per glossary (by id), its English words. The glossary is held weakly: every index build
# makes a new one, and a reload must not keep the replaced ones alive.
_WORDS: dict[int, tuple[weakref.ref[SynonymTable], frozenset[str]]] = {}


def _glossary_words(glossary: SynonymTable) -> frozenset[str]:
    """Every word of the glossary's English side, worked out once per glossary."""
    key = id(glossary)
    cached = _WORDS.get(key)
    if cached is None or cached[0]() is not glossary:
        words = frozenset(word for phrase in glossary.phrases for word in phrase)
        _WORDS[key] = (weakref.ref(glossary), words)
        # Dropped when the glossary goes, before its id can be given to another object.
        weakref.finalize(glossary, _WORDS.pop, key, None)
        return words
    return cached[1]


def translate(
    tokens: Sequence[str],
    glossary: SynonymTable,
    synonyms: SynonymTable,
    known: Callable[[str], bool],
) -> list[str]:
    """Replace English words and phrases, longest first, left to right.

    A phrase the knowledge's own synonym table has (often English already: "young people",
    "youth worker") is left for the Dutch pipeline. A glossary word is translated even when
    the knowledge knows it from an English alternate ("use", "share", "need"): the rest of
    the question is Dutch by then, and the Dutch word matches every entry that says it.
    """
    tokens = base_forms(tokens, glossary, known)
    out: list[str] = []
    index = 0
    longest = max(glossary.longest, synonyms.longest)
    while index < len(tokens):
        span = range(min(longest, len(tokens) - index), 0, -1)
        synonym = next(
            (size for size in span if tuple(tokens[index : index + size]) in synonyms.phrases), 0
        )
        for size in range(min(glossary.longest, len(tokens) - index), synonym, -1):
            phrase = tuple(tokens[index : index + size])
            replacement = glossary.phrases.get(phrase)
            if replacement is not None:
                out.extend(replacement)
                index += size
                break
        else:
            take = max(synonym, 1)
            out.extend(tokens[index : index + take])
            index += take
    return out


def english_to_dutch(
    text: str, glossary: SynonymTable, synonyms: SynonymTable, known: Callable[[str], bool]
) -> str | None:
    """The question in the knowledge's Dutch words, or None when it does not read as English."""
    dutch = english_tokens_to_dutch(tokenize(text), glossary, synonyms, known)
    return None if dutch is None else " ".join(dutch)


def english_tokens_to_dutch(
    tokens: Sequence[str],
    glossary: SynonymTable,
    synonyms: SynonymTable,
    known: Callable[[str], bool],
) -> list[str] | None:
    """``english_to_dutch`` of a text already tokenised, as tokens."""
    if not looks_english(tokens):
        return None
    return translate(tokens, glossary, synonyms, known)
