"""Dutch text normalisation for matching chat questions against the knowledge.

Pipeline: cap the length, fold case and accents (beïnvloeding → beinvloeding), tokenise
(keeping e-mail addresses, "t&h" and "ogg1" whole), replace synonyms and abbreviations,
lemmatise with simplemma (a dictionary lemmatiser: unlike the Snowball stemmer it does not
merge "gemeente" with "menen"), replace synonyms once more on the lemmas, and drop stop words.
Compound splitting and typo correction need the knowledge's vocabulary and live in
``Vocabulary``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path

# Matching looks at this many characters at most, so the cost of a question cannot grow
# with its length (a pasted 100k-character message costs the same as a long question).
MAX_MATCH_CHARS = 1000

_EMAIL = r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
# A token is an e-mail address, or letters/digits optionally joined by "&" (t&h).
_TOKEN_RE = re.compile(rf"{_EMAIL}|[a-z0-9]+(?:&[a-z0-9]+)*")
# "t & h" is "t&h".
_SPACED_AMPERSAND = re.compile(r"\b([a-z]) ?& ?([a-z])\b")
# "e-mail", "e-mailadres": a single letter before a hyphen belongs to the next word.
_SINGLE_LETTER_HYPHEN = re.compile(r"(?<![&\w])([a-z])-(?=[a-z])")

# Words that carry no meaning for choosing an answer. Chosen word by word, not taken from a
# generic list: modal and negation words ("mag", "mogen", "niet", "geen", "wel") are kept,
# because "mag de boa ..." asks what is allowed, and that is a topic of its own.
STOP_WORDS = frozenset(
    """
    de het een en of van in op te ten ter voor met aan bij om over uit tot naar door als
    is zijn ben bent was waren wordt worden werd zal zullen zou zouden kan kunnen kun
    hebben heeft heb had hadden doen doet deed gaan gaat ga
    dat die dit deze daar hier er ik je jij jou jouw u uw we wij ze zij hij haar hem hun
    ons onze mijn me mij men jullie zich zelf
    wat hoe welk welke wie waarom wanneer waar waarvoor waarmee
    ook nog al maar dan dus eigenlijk even toch nou gewoon precies echt heel erg zo zit zitten
    iets iemand eens hoor hè he hoi hallo hey hi dag goedemorgen goedemiddag
    graag alsjeblieft aub pls please svp bedankt dank dankjewel thanks thx tnx top super
    gwn zn qua enzo daarover daarvoor daarmee zulke zulk beetje
    mooi fijn prima oke ok okay cool nice gaaf helder duidelijk
    the a an of to is are was be in on for and or what how which who why do does can
    it this that with about me my i you your we our they their there when where should
    would could will
    """.split()
)


# Framing that says where the answer should come from, not what is asked.
_FRAMING = re.compile(
    r"\b(?:volgens|in|uit|van) (?:de|deze|die|dit) (?:infographic|infographics|plaat|overzicht)\b"
    r"|\b(?:according to|in) (?:the|this) infographic\b"
    # chat openers that ask nothing themselves
    r"|\b(?:iemand )?enig idee\b|\bweet iemand\b|\bvraagje\b|\bquick question\b"
    r"|\beven checken\b|\bkorte vraag\b"
    # "wat wordt bedoeld met X" asks what X means; "de inhoud van de infographic" is the infographic
    r"|\bwordt (?:er )?bedoeld met\b|\bde inhoud van\b"
)
# An age ("-18 jaar", "onder de 16", "15-jarigen") says whom a question is about: young
# people, whom the whole infographic is about. The knowledge never names ages, so left in,
# the number and "jaar" would only count as words it lacks and sink the evidence.
_AGE = re.compile(
    r"(?:^|(?<=\s))[-+<>]\s?\d{1,2}\b(?:\s?(?:jaar|jr)\b)?"
    r"|\b(?:onder|boven|vanaf|tot) (?:de )?\d{1,2}\b(?:\s?(?:jaar|jr)\b)?"
    r"|\b\d{1,2}\s?(?:jaar|jr)\b(?: oud\b)?"
    r"|\b\d{1,2}[\s-]?jarig(?:en|e)?\b"
)
# Every text ``_FRAMING`` can match holds one of these; most texts hold none, and looking
# for them is several times cheaper than the pattern (a tenth of building a large index).
_FRAMING_WORDS = (
    "infographic",
    "plaat",
    "overzicht",
    "enig idee",
    "weet iemand",
    "vraagje",
    "quick question",
    "even checken",
    "korte vraag",
    "bedoeld met",
    "de inhoud van",
)
_DIGIT = re.compile(r"\d")  # every ``_AGE`` match holds one
_COMMON_WORDS = Path(__file__).resolve().parent / "data" / "common_words_nl.txt"


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The most frequent Dutch words (see scripts/build_common_words.py)."""
    lines = _COMMON_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def fold(text: str) -> str:
    """Lower case without accents: 'Beïnvloeding' → 'beinvloeding'."""
    if text.isascii():  # most text: nothing to decompose, and casefold is lower
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def tokenize(text: str) -> list[str]:
    """Folded tokens of at most MAX_MATCH_CHARS characters of text."""
    folded = fold(text[:MAX_MATCH_CHARS])
    # Each pattern only where it can match (the same result, a fraction of the time).
    if "-" in folded:
        folded = _SINGLE_LETTER_HYPHEN.sub(r"\1", folded)
    if "&" in folded:
        folded = _SPACED_AMPERSAND.sub(r"\1&\2", folded)
    if _may_frame(folded):
        folded = _FRAMING.sub(" ", folded)
    if _DIGIT.search(folded):
        folded = _AGE.sub(" ", folded)
    return [token for token in _TOKEN_RE.findall(folded) if len(token) > 1 or token.isdigit()]


def _may_frame(folded: str) -> bool:
    # A plain loop: a third faster than ``any`` over a generator, for every text indexed.
    for word in _FRAMING_WORDS:  # noqa: SIM110
        if word in folded:
            return True
    return False


Lemmatizer = Callable[[str], str]


@lru_cache(maxsize=65536)
def lemma(token: str) -> str:
    """The Dutch lemma of one folded token (unknown words come back unchanged)."""
    if not token.isalpha():
        return token
    import simplemma  # deferred: loading its Dutch dictionary is the slowest part of start-up

    return fold(simplemma.lemmatize(token, lang="nl"))


@lru_cache(maxsize=1)
def _dictionary_forms() -> tuple[tuple[str, str], ...]:
    """simplemma's Dutch (form, lemma) pairs, folded; read once per process."""
    try:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        dictionary = DefaultDictionaryFactory().get_dictionary("nl")
        items = list(dictionary.items())
    except Exception:
        return ()

    def quick_fold(word: str) -> str:
        return word.lower() if word.isascii() else fold(word)

    pairs = ((quick_fold(form), quick_fold(base)) for form, base in items)
    return tuple((form, base) for form, base in pairs if form != base and form.isalpha())


def lemma_table(lemmas: set[str]) -> dict[str, str]:
    """Every Dutch word form whose lemma is one of ``lemmas``, with that lemma.

    A matcher only needs lemmas of words it knows: any other word is unknown to the
    knowledge whatever its lemma. With this table a matcher answers questions without
    loading simplemma's dictionary (most of the start-up time of ``partnerbot ask``).
    """
    table: dict[str, str] = {}
    for form, base in _dictionary_forms():
        if base in lemmas:
            table.setdefault(form, base)
    return table


@dataclass(frozen=True)
class SynonymTable:
    """Phrase replacements: each variant (a token sequence) maps to its term's tokens."""

    phrases: Mapping[tuple[str, ...], tuple[str, ...]]
    longest: int
    # Per first token, the lengths of the phrases that start with it, longest first: most
    # tokens start no phrase, and are passed over with one lookup.
    sizes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, groups: Iterable[tuple[str, Sequence[str]]], lemmatize: Lemmatizer = lemma
    ) -> SynonymTable:
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for term, variants in groups:
            term_tokens = tuple(tokenize(term))
            for variant in variants:
                surface = tuple(tokenize(variant))
                if surface and surface != term_tokens:
                    phrases[surface] = term_tokens
                    # Also match the variant after lemmatisation ("nepaccounts" → "nepaccount").
                    lemmas = tuple(lemmatize(token) for token in surface)
                    if lemmas != term_tokens:
                        phrases.setdefault(lemmas, term_tokens)
        longest = max((len(phrase) for phrase in phrases), default=1)
        starts: dict[str, set[int]] = {}
        for phrase in phrases:
            starts.setdefault(phrase[0], set()).add(len(phrase))
        sizes = {token: tuple(sorted(found, reverse=True)) for token, found in starts.items()}
        return cls(phrases=phrases, longest=longest, sizes=sizes)

    def apply(self, tokens: Sequence[str]) -> list[str]:
        """Replace the longest matching variant at each position, left to right."""
        sizes = self.sizes
        # Only a token that starts a variant can start a replacement: the others are
        # copied a slice at a time (building an index applies this to every text).
        starts = list(compress(range(len(tokens)), map(sizes.__contains__, tokens)))
        if not starts:
            return list(tokens)
        out: list[str] = []
        count = len(tokens)
        done = 0  # tokens before this are in ``out``
        for index in starts:
            if index < done:
                continue  # inside a variant already replaced
            for size in sizes[tokens[index]]:
                if size > count - index:
                    continue
                replacement = self.phrases.get(tuple(tokens[index : index + size]))
                if replacement is not None:
                    out.extend(tokens[done:index])
                    out.extend(replacement)
                    done = index + size
                    break
        out.extend(tokens[done:])
        return out


EMPTY_SYNONYMS = SynonymTable(phrases={}, longest=1)


@dataclass(frozen=True)
class Word:
    """One content word of a text: as typed (folded) and as lemma."""

    surface: str
    lemma: str


def analyze(
    text: str, synonyms: SynonymTable = EMPTY_SYNONYMS, lemmatize: Lemmatizer = lemma
) -> list[Word]:
    """Content words of a text, in order, with synonyms replaced and stop words dropped.

    The surface form is kept beside the lemma: a typo is easier to correct on the word as
    typed ("stopen" → "stoppen") than on what the lemmatiser guessed from it.
    """
    return [Word(surface, base) for surface, base in analyze_pairs(text, synonyms, lemmatize)]


def analyze_pairs(
    text: str, synonyms: SynonymTable = EMPTY_SYNONYMS, lemmatize: Lemmatizer = lemma
) -> list[tuple[str, str]]:
    """``analyze`` as (surface, lemma) pairs: building an index analyses every text of the
    knowledge, and a pair costs a fraction of a ``Word`` to make."""
    return token_pairs(tokenize(text), synonyms, lemmatize)


def token_pairs(
    tokens: Sequence[str], synonyms: SynonymTable = EMPTY_SYNONYMS, lemmatize: Lemmatizer = lemma
) -> list[tuple[str, str]]:
    """``analyze_pairs`` of a text already tokenised (``tokenize``): a question's tokens
    are also read for other things, and tokenising is a good part of reading."""
    surfaces = synonyms.apply(tokens)
    lemmas = list(map(lemmatize, surfaces))
    replaced = synonyms.apply(lemmas)
    if replaced == lemmas:
        pairs = zip(surfaces, lemmas, strict=True)
    else:
        # A synonym replaced lemmas: the replacement is its own surface form.
        pairs = zip(replaced, replaced, strict=True)
    return [pair for pair in pairs if pair[1] not in STOP_WORDS]


def normalize(
    text: str, synonyms: SynonymTable = EMPTY_SYNONYMS, lemmatize: Lemmatizer = lemma
) -> list[str]:
    """Content lemmas of a text (see ``analyze``)."""
    return [word.lemma for word in analyze(text, synonyms, lemmatize)]


# Dutch compounds join their parts directly or with a linking "s" or "e(n)":
# jeugd+handhaver, veiligheid+s+plan, jongere+n+werk.
_LINKERS = ("", "s", "e", "en", "n")
_MIN_PART = 3
# Splitting tries every cut, and each tail again (quadratic in the word's length): a word
# longer than any real compound is not split at all, so one 1,000-letter word costs nothing.
MAX_COMPOUND_LETTERS = 40


class Vocabulary:
    """The knowledge's own words: splits compounds and corrects typos against them."""

    def __init__(
        self,
        words: Iterable[str],
        surfaces: Mapping[str, str] | None = None,
    ) -> None:
        self.words = frozenset(word for word in words if word)
        # The lemmatiser keeps nouns and verbs apart ("bereik" / "bereiken", "zorg" /
        # "zorgen"); for matching they are one word. Guarded by the vocabulary: only pairs
        # that both occur in the knowledge are joined.
        self.canonical = {
            word: word[: -len(ending)]
            for word in self.words
            for ending in ("en", "n")
            if word.endswith(ending) and len(word) > 4 and word[: -len(ending)] in self.words
        }
        # Surface forms seen in the knowledge, with their lemma ("bronnen" → "bron").
        self.surfaces = {s: w for s, w in (surfaces or {}).items() if w in self.words}
        # Typo correction only compares words of similar length: fast at 10k entries.
        # Sorted, so that a tie ("erachter": "achter" or "echter") is broken the same way
        # in every process, whatever the hash seed.
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(self.words | set(self.surfaces)):
            if word.isalpha():
                self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._misspelt: dict[str, bool] = {}

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def known(self, word: str) -> str | None:
        """The vocabulary lemma for a word or surface form, if any."""
        if word in self.words:
            return self.canonical.get(word, word)
        found = self.surfaces.get(word)
        if found is None and len(word) > 4:
            # Plurals the lemmatiser does not know ("nepaccounts", "jeugdboas"), guarded by
            # the vocabulary so that no other word is changed.
            for ending in ("s", "en", "n"):
                if word.endswith(ending) and word[: -len(ending)] in self.words:
                    return self.canonical.get(word[: -len(ending)], word[: -len(ending)])
        return self.canonical.get(found, found) if found else None

    def split_compound(self, word: str, depth: int = 2) -> tuple[str, ...] | None:
        """Known parts of a compound ('jeugdhandhaver' → ('jeugd', 'handhaver')), or None."""
        if depth == 0 or not word.isalpha() or len(word) > MAX_COMPOUND_LETTERS:
            return None
        best: tuple[str, ...] | None = None
        for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            known_tail = self.known(tail)
            tail_parts = (known_tail,) if known_tail else self.split_compound(tail, depth - 1)
            if tail_parts is None:
                continue
            for linker in _LINKERS:
                if linker and not head.endswith(linker):
                    continue
                stem = head[: len(head) - len(linker)] if linker else head
                known_head = self.known(stem) if len(stem) >= _MIN_PART else None
                if known_head:
                    found = (known_head, *tail_parts)
                    # Prefer the split with the fewest, hence longest, parts.
                    if best is None or len(found) < len(best):
                        best = found
                    break
        return best

    def looks_misspelt(self, word: str) -> bool:
        """Whether a word the vocabulary lacks is one edit beyond ``correct``'s reach of a
        known word: most likely a typo too far gone to correct, not a new concept."""
        if len(word) < 5 or not word.isalpha():
            return False
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        # Remembered like ``resolve``'s results: against a large vocabulary one look costs
        # about a millisecond (10,000 entries), and unknown words recur in a chat.
        known = self._misspelt.get(word)
        if known is not None:
            return known
        max_edits = 2 if len(word) < 8 else 3
        candidates: list[str] = []
        for length in range(len(word) - max_edits, len(word) + max_edits + 1):
            candidates.extend(self._by_length.get(length, ()))
        found = (
            process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=max_edits)
            is not None
        )
        if len(self._misspelt) < 100_000:
            self._misspelt[word] = found
        return found

    def correct(self, word: str) -> str | None:
        """The known word closest to a misspelt one, or None when nothing is close enough.

        One edit (a letter added, dropped, changed or two swapped) for words up to seven
        letters, two for longer ones: "stopen" → "stoppen", "hybrdie" → "hybride", but
        "utrecht" stays itself rather than becoming "terecht".
        """
        if len(word) < 4 or not word.isalpha():
            return None
        # Deferred: most questions have no typo, and `partnerbot ask` should start fast.
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        max_edits = 1 if len(word) < 8 else 2
        candidates: list[str] = []
        for length in range(len(word) - max_edits, len(word) + max_edits + 1):
            candidates.extend(self._by_length.get(length, ()))
        found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=max_edits)
        return self.known(found[0]) if found else None

    def resolve(self, word: Word) -> tuple[str, ...]:
        """Map a question's word onto the vocabulary: itself, its compound parts, or a correction.

        An unknown word comes back unchanged: it counts as evidence that the question asks
        something the knowledge does not cover.
        """
        key = (word.surface, word.lemma)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        known = self.known(word.lemma) or self.known(word.surface)
        if known:
            result: tuple[str, ...] = (known,)
        else:
            parts = self.split_compound(word.lemma) or self.split_compound(word.surface)
            if parts is not None:
                result = parts
            else:
                corrected = self.correct(word.surface) or self.correct(word.lemma)
                result = (corrected,) if corrected else (word.lemma,)
        if len(self._cache) < 100_000:
            self._cache[key] = result
        return result
