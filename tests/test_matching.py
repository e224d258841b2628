"""Decisions of the matcher on the shipped knowledge, with questions written for these tests.

The questions here are my own phrasings (not copied from the eval sets or the knowledge's
alternates), so they test the method rather than memorised text.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import MatchingConfig
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import GENERAL_PARTNER, MIN_RANKED, Matcher
from bot.models import Decision
from bot.text import MAX_MATCH_CHARS


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    return Matcher(knowledge)


def pair(decision: Decision) -> tuple[str, str]:
    assert decision.best is not None
    return decision.best.entry.partner, decision.best.entry.topic


# --- clear questions get an answer ---------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("mag een handhaver op instagram meekijken bij jongeren", ("handhaving", "online")),
        ("mag een boa met een nepaccount op insta rondkijken", ("handhaving", "online")),
        ("wat doet zo'n digitale wijkagent nou eigenlijk", ("politie", "digitale-wijkagent")),
        ("wat is een digitaal wijkagent precies", ("politie", "digitale-wijkagent")),
        ("is er een osint training voor boa's", ("handhaving", "opleidingen")),
        ("welke osint cursus kan iemand van oov volgen", ("gemeente", "opleidingen")),
        ("osint workshop voor jongerenwerkers", ("jongerenwerk", "opleidingen")),
        ("politieagenten osint opleiding welk niveau", ("politie", "opleidingen")),
        ("wat is de taak van een jongerenwerker", ("jongerenwerk", "rol")),
        ("welke openbare bronnen gebruikt de gemeente", ("gemeente", "bronnen")),
        (
            "is het juridisch toegestaan dat de gemeente jongeren online volgt",
            ("gemeente", "online"),
        ),
    ],
)
def test_clear_questions_are_answered_with_the_right_entry(
    matcher: Matcher, question: str, expected: tuple[str, str]
) -> None:
    decision = matcher.decide(question)
    assert decision.kind == "answer", (question, decision.confidence, pair(decision))
    assert pair(decision) == expected
    assert decision.confidence >= matcher.config.answer_threshold


@pytest.mark.parametrize(
    ("who", "partner"),
    [
        ("de gemeente", "gemeente"),
        ("de politie", "politie"),
        ("een boa", "handhaving"),
        ("een jongerenwerker", "jongerenwerk"),
    ],
)
def test_a_named_partner_gets_its_own_entry(matcher: Matcher, who: str, partner: str) -> None:
    """The same question about different partners is answered from each partner's entry."""
    decision = matcher.decide(f"mag {who} met een nepaccount rondkijken")
    assert decision.kind == "answer"
    assert pair(decision) == (partner, "online")


def test_naming_a_partner_raises_that_partners_entries(matcher: Matcher) -> None:
    question = "met een nepaccount rondkijken"
    _, plain = matcher.rank(question)
    _, named = matcher.rank(f"mag de politie {question}")
    plain_scores = {m.entry.id: m.score for m in plain}
    named_scores = {m.entry.id: m.score for m in named}
    assert named_scores["politie-online"] > plain_scores["politie-online"]
    assert named_scores["gemeente-online"] < plain_scores["gemeente-online"]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("welke partners mogen een nepaccount gebruiken", "online"),
        ("welke partners kunnen een osint cursus volgen", "opleidingen"),
    ],
)
def test_which_partners_prefers_the_general_comparison(
    matcher: Matcher, question: str, topic: str
) -> None:
    decision = matcher.decide(question)
    assert decision.kind == "answer"
    assert pair(decision) == (GENERAL_PARTNER, topic)


def test_which_partners_raises_every_general_entry(matcher: Matcher) -> None:
    _, plain = matcher.rank("nepaccount gebruiken")
    _, asked = matcher.rank("welke partners nepaccount gebruiken")
    plain_scores = {m.entry.id: m.score for m in plain}
    for match in asked:
        if match.entry.partner == GENERAL_PARTNER and plain_scores.get(match.entry.id, 0) > 0:
            assert match.score >= plain_scores[match.entry.id], match.entry.id


# --- what the infographic does not answer -------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "fiets banaan paraplu",
        "asdkjh qwpoeiru zmxncb",
        "hoi hoe gaat het",
        "goedemorgen!",
        "wordt het morgen zonnig",
        "wat is het weer in utrecht",
        "hoeveel euro betaal je voor een osint cursus",
        "wat verdient een wijkagent",
        "wat is het 06 nummer van de jongerenwerker",
        "kan ik Pieter de Vries van de gemeente bellen",
        "wie is de wijkagent van Kanaleneiland",
        "wat is de hoofdstad van frankrijk",
        "ik wil pizza bestellen",
        "",
        "   ",
        "?!?! ...",
        "🙂🙂🙂",
    ],
)
def test_out_of_scope_questions_fall_back(matcher: Matcher, question: str) -> None:
    decision = matcher.decide(question)
    assert decision.kind == "fallback", (question, decision.confidence, decision.best)
    assert decision.confidence < matcher.config.clarify_threshold


# --- shape of a decision ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    ["mag een boa op tiktok kijken", "fiets banaan", "", "osint", "welke partners"],
)
def test_candidates_are_ranked_and_scored(matcher: Matcher, question: str) -> None:
    decision = matcher.decide(question)
    assert len(decision.matches) >= MIN_RANKED
    scores = [match.score for match in decision.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 100.0 for score in scores)
    assert 0.0 <= decision.confidence <= 100.0
    assert len({match.entry.id for match in decision.matches}) == len(decision.matches)
    _, ranked = matcher.rank(question)
    # rank lists the candidates (entries sharing a word), completed to MIN_RANKED
    assert len(ranked) >= min(MIN_RANKED, len(matcher.entries))
    assert len({match.entry.id for match in ranked}) == len(ranked)


def test_deciding_is_deterministic(matcher: Matcher, knowledge: KnowledgeBase) -> None:
    question = "mag een handhaver op instagram meekijken bij jongeren"
    assert matcher.decide(question) == matcher.decide(question)
    assert Matcher(knowledge).decide(question) == matcher.decide(question)


def test_accents_case_and_punctuation_do_not_matter(matcher: Matcher) -> None:
    plain = matcher.decide("mag een handhaver op instagram meekijken bij jongeren")
    noisy = matcher.decide("MAG een Handhavér op Instagram meekijken bij jongeren???")
    assert pair(noisy) == pair(plain)
    assert noisy.kind == plain.kind


def test_synonyms_are_applied(matcher: Matcher) -> None:
    short = matcher.decide("mag een boa op insta rondkijken met een nepaccount")
    full = matcher.decide("mag een boa op instagram rondkijken met een anoniem account")
    assert pair(short) == pair(full) == ("handhaving", "online")


# --- long input: cost is capped ----------------------------------------------------------


def test_a_huge_question_is_answered_and_its_cost_is_capped(matcher: Matcher) -> None:
    words = "mag een boa op instagram meekijken bij jongeren "
    huge = (words * (100_000 // len(words) + 1))[:100_000]
    assert len(huge) == 100_000
    assert matcher.query_tokens(huge) == matcher.query_tokens(huge[:MAX_MATCH_CHARS])
    assert matcher.analyse(huge).tokens == matcher.analyse(huge[:MAX_MATCH_CHARS]).tokens
    decision = matcher.decide(huge)
    assert decision == matcher.decide(huge[:MAX_MATCH_CHARS])
    assert len(decision.matches) >= MIN_RANKED


def test_text_beyond_the_cap_is_ignored(matcher: Matcher) -> None:
    padding = "x" * MAX_MATCH_CHARS
    assert matcher.decide(padding + " mag een boa op instagram kijken").kind == "fallback"


# --- thresholds come from config ----------------------------------------------------------


QUESTION = "mag een handhaver op instagram meekijken bij jongeren"


def test_default_thresholds_are_those_of_matching_config(matcher: Matcher) -> None:
    assert matcher.config == MatchingConfig()


def test_an_unreachable_answer_threshold_turns_an_answer_into_clarify_or_fallback(
    knowledge: KnowledgeBase, matcher: Matcher
) -> None:
    assert matcher.decide(QUESTION).kind == "answer"
    strict = Matcher(knowledge, dataclasses.replace(MatchingConfig(), answer_threshold=101.0))
    assert strict.decide(QUESTION).kind != "answer"


def test_unreachable_thresholds_turn_everything_into_fallback(knowledge: KnowledgeBase) -> None:
    strict = Matcher(knowledge, MatchingConfig(answer_threshold=101.0, clarify_threshold=101.0))
    assert strict.decide(QUESTION).kind == "fallback"


def test_a_high_answer_threshold_gives_clarify_with_options(knowledge: KnowledgeBase) -> None:
    config = MatchingConfig(answer_threshold=101.0, clarify_threshold=0.0)
    decision = Matcher(knowledge, config).decide(QUESTION)
    assert decision.kind == "clarify"
    assert 2 <= len(decision.options) <= 3
    ids = [match.entry.id for match in decision.matches]
    assert all(option.entry.id in ids for option in decision.options)
    assert decision.options[0] == decision.best


def test_zero_thresholds_answer_even_weak_questions(knowledge: KnowledgeBase) -> None:
    lenient = Matcher(
        knowledge, MatchingConfig(answer_threshold=0.0, clarify_threshold=0.0, clarify_margin=0.0)
    )
    assert lenient.decide("ik wil pizza bestellen").kind == "answer"


@pytest.mark.parametrize(
    "question", ["osint cursus", "mag een boa op insta kijken", "politie", "bronnen gemeente"]
)
def test_decide_lists_the_same_top_candidates_as_rank(matcher: Matcher, question: str) -> None:
    _, ranked = matcher.rank(question)
    decided = matcher.decide(question).matches
    assert [m.entry.id for m in decided] == [m.entry.id for m in ranked[: len(decided)]]
    assert [m.score for m in decided] == [m.score for m in ranked[: len(decided)]]


def test_another_configuration_is_another_matcher_over_the_same_index(matcher: Matcher) -> None:
    question = "mag een boa op instagram rondkijken met een nepaccount"
    strict = matcher.with_config(MatchingConfig(answer_threshold=101.0, clarify_threshold=101.0))
    assert strict.index is matcher.index
    assert strict.decide(question).kind == "fallback"
    assert matcher.decide(question).kind == "answer"


# --- English questions --------------------------------------------------------------------

GEMEENTE_BRONNEN = ("gemeente", "bronnen")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which news sources do youth workers follow?", ("jongerenwerk", "bronnen")),
        ("Does the municipality look at aliases and online profiles?", ("gemeente", "informatie")),
        (
            "Can the municipality use closed sources like the land registry?",
            ("gemeente", "bronnen"),
        ),
    ],
)
def test_an_english_question_gets_the_dutch_answer_and_is_marked(
    matcher: Matcher, question: str, expected: tuple[str, str]
) -> None:
    decision = matcher.decide(question)
    assert decision.kind == "answer"
    assert pair(decision) == expected
    assert decision.english


@pytest.mark.parametrize(
    "question",
    ["mag ik als boa een fake account gebruiken op insta?", "wat doet een digitaal wijkagent"],
)
def test_a_dutch_question_with_an_english_term_is_not_taken_for_english(
    matcher: Matcher, question: str
) -> None:
    assert not matcher.decide(question).english


def test_english_function_words_are_dropped_not_lemmatised_as_dutch(matcher: Matcher) -> None:
    # The Dutch lemmatiser made "does" into "doezen" and "look at" into "luiken atten".
    tokens = matcher.analyse("Does the municipality look at aliases?").tokens
    assert "doezen" not in tokens and "luiken" not in tokens
    assert {"gemeente", "kijken"} <= set(tokens)


# --- the decision model -------------------------------------------------------------------


def test_the_shipped_model_weighs_only_signals_the_matcher_computes(matcher: Matcher) -> None:
    from bot.matching import decision, model

    seen = matcher.consider("mag een boa op instagram rondkijken met een nepaccount")
    assert seen.support is not None
    signals = decision.features(seen.analysis, seen.top, seen.support)
    assert model.FEATURES and set(model.FEATURES) <= set(signals)
    assert len(model.WEIGHTS) == len(model.FEATURES)


def test_confidence_is_the_models_probability_and_falls_with_a_cost_cue(matcher: Matcher) -> None:
    plain = matcher.decide("welke osint opleiding kan een boa volgen")
    priced = matcher.decide("wat kost de osint opleiding voor een boa")
    assert plain.kind == "answer"
    assert priced.confidence < plain.confidence
    assert priced.kind == "fallback"


@pytest.mark.parametrize(
    "question",
    [
        "Hoeveel scholen in de regio Utrecht hebben al een kernteam?",
        "mag een boa iemand fouilleren?",
        "Mag de politie drones inzetten bij jeugdgroepen?",
    ],
)
def test_only_a_word_the_knowledge_never_mentions_is_named_as_uncovered(
    matcher: Matcher, question: str
) -> None:
    # "De infographic zegt niets over X" must be true of the whole infographic, not only of
    # the nearest sections ("regio" lemmatises to "regie", which the gemeente's role names).
    decision = matcher.decide(question)
    assert decision.kind == "fallback"
    assert all(word not in matcher.index.idf for word in decision.uncovered)
    assert decision.uncovered or not decision.options


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Inflected forms find the glossary's base form ("wardens" → warden → handhaver).
        ("Are city wardens allowed to observe public sources?", ("handhaving", "online")),
        # A multi-word phrase is one glossary entry ("stay up to date" → bijblijven).
        ("Which apps do youth workers use to stay up to date?", ("jongerenwerk", "bronnen")),
        ("Who do I contact about this infographic?", ("algemeen", "contact")),
    ],
)
def test_english_inflections_and_phrases_reach_the_dutch_entry(
    matcher: Matcher, question: str, expected: tuple[str, str]
) -> None:
    decision = matcher.decide(question)
    assert decision.kind == "answer" and decision.english
    assert pair(decision) == expected


def test_english_inflections_are_put_in_the_glossary_base_form(matcher: Matcher) -> None:
    tokens = matcher.analyse("Can wardens keep monitoring people systematically?").tokens
    assert "wardens" not in tokens and "people" not in tokens
    assert {"handhaver", "monitoren", "systematisch"} <= set(tokens)


def test_the_english_glossary_gives_each_english_phrase_one_meaning() -> None:
    from bot.matching.english import glossary_pairs

    meanings: dict[str, set[str]] = {}
    for english, dutch in glossary_pairs():
        meanings.setdefault(english, set()).add(dutch)
    assert {english for english, found in meanings.items() if len(found) > 1} == set()
