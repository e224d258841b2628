"""A question is tokenised once per reading: its words, the English check and the surface
the cue and role patterns search all come from the same tokens. They must be what reading
the text step by step gives. Quick checks that skip a pattern (asker, cues) must never skip
one that would match."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge import load_knowledge
from bot.matching import Matcher
from bot.matching import analysis as analysis_module
from bot.matching.english import english_to_dutch
from bot.matching.index import may_name_asker
from bot.text import MAX_MATCH_CHARS, analyze, tokenize

BENCH = Path(__file__).resolve().parent.parent / "bench"
OPENERS = ["ik ben", "ik ben een", "wij zijn de", "we zijn", "als", "als een"]
TEXTS = [
    "mag een boa online rondkijken op instagram?",
    "Wat doet de T & H met e-mail van jongeren?",
    "volgens de infographic: wat kan het jongerenwerk -18 jaar?",
    "What does the police do online?",
    "how can a youth worker share information with the school",
    "Beïnvloeding door influencers, wat doet de gemeente?",
    "ik ben boa, mag ik dit met de politie delen?",
    "mag de jongerenwerker screenshots delen met de politie en de gemeente?",
    "?!",
    "",
    "politie " * 300,  # longer than MAX_MATCH_CHARS: only the first part is read
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge())


@pytest.mark.parametrize("text", TEXTS)
def test_a_reading_is_what_reading_step_by_step_gives(matcher: Matcher, text: str) -> None:
    index = matcher.index
    dutch = english_to_dutch(text, index.glossary, index.synonyms, index.knows)
    words = analyze(text if dutch is None else dutch, index.synonyms, index.lemma_of)
    assert matcher.query_words(text) == [(word, index.vocabulary.resolve(word)) for word in words]
    assert matcher.analyse(text).english == (dutch is not None)
    assert matcher.surface(text) == " ".join(tokenize(text))
    tokens = [token for _, resolved in matcher.query_words(text) for token in resolved]
    assert matcher.query_tokens(text) == tokens
    assert matcher.partners_named(text) == matcher.detect_partners(tokens)


def test_a_long_text_is_read_once_whatever_follows_its_first_part(matcher: Matcher) -> None:
    head = "wat doet de politie online? " * 40
    assert len(head) > MAX_MATCH_CHARS
    first, second = head + "gemeente", head + "school"
    assert matcher.surface(first) == matcher.surface(second) == " ".join(tokenize(first))
    assert matcher.decide(first) == matcher.decide(second)


def test_the_texts_include_english_and_dutch(matcher: Matcher) -> None:
    english = [matcher.analyse(text).english for text in TEXTS]
    assert any(english) and not all(english)


def test_no_asker_pattern_matches_where_the_quick_check_rules_it_out(matcher: Matcher) -> None:
    # ``may_name_asker`` skips the partners' "ik ben ..." / "... hier" patterns for texts
    # without their words: it must never skip a text one of them matches.
    index = matcher.index
    texts = [str(case["q"]) for path in BENCH.glob("eval-*.yaml") for case in _cases(path)]
    aliases = [alias for partner in index.knowledge.partners for alias in partner.aliases]
    texts += [f"{opener} {alias}, mag ik dit delen?" for opener in OPENERS for alias in aliases]
    texts += [f"{alias} hier: wat mag ik?" for alias in aliases]
    matched = 0
    for text in texts:
        surface = matcher.surface(text)
        found = any(p.search(surface) for p in index.self_patterns.values())
        matched += found
        assert may_name_asker(surface) or not found, text
    assert matched > len(aliases)  # the crafted texts did name an asker


def _cases(path: Path) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return cases


def test_cues_are_found_whether_one_or_both_kinds_are_there(matcher: Matcher) -> None:
    # One search for either kind of cue rules both out; a text with a cue is searched for
    # each kind again. Strong, weak, both and neither must come out as the patterns say.
    texts = [str(case["q"]) for path in BENCH.glob("eval-*.yaml") for case in _cases(path)]
    texts += [
        "wat kost een cursus osint?",
        "hoeveel boa's zijn er?",
        "hoe lang duurt het en wat kost het?",
        "wat doet de politie online?",
        "mail jan.kost@example.org over de deadline",
    ]
    kinds = set()
    for text in texts:
        analysis = matcher.analyse(text)
        surface = matcher.surface(text)
        strong = analysis_module._STRONG_CUES.search(surface) is not None
        weak = analysis_module._WEAK_CUES.search(surface) is not None
        assert (analysis.strong_cue, analysis.weak_cue) == (strong, weak), text
        kinds.add((strong, weak))
    assert kinds == {(False, False), (True, False), (False, True), (True, True)}
