"""Edges found by an outside review, tested with my own phrasings (not the review's): a
question naming a section's topic, an age in the question, an action the knowledge never
mentions, and a topic asked about without a partner."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import GENERAL_PARTNER, Matcher, scoring
from bot.models import Decision
from bot.text import tokenize


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def matcher(knowledge: KnowledgeBase) -> Matcher:
    return Matcher(knowledge)


def pair(decision: Decision) -> tuple[str, str]:
    assert decision.best is not None
    return decision.best.entry.partner, decision.best.entry.topic


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("wat mag de gemeente online?", ("gemeente", "online")),
        ("mag handhaving online", ("handhaving", "online")),
        ("wat doen scholen online", ("scholen", "online")),
    ],
)
def test_a_short_question_naming_a_topic_reaches_that_section(
    matcher: Matcher, question: str, expected: tuple[str, str]
) -> None:
    decision = matcher.decide(question)
    assert decision.kind == "answer"
    assert pair(decision) == expected


def test_the_topic_bonus_goes_to_the_named_partner_only(matcher: Matcher) -> None:
    analysis = matcher.analyse("mag de gemeente online?")
    _, ranked = matcher.rank("mag de gemeente online?")
    assert analysis.partners == frozenset({"gemeente"})
    online = [m for m in ranked if m.entry.topic == "online"]
    # The named partner's section leads; other partners' "online" sections stay behind.
    assert online[0].entry.partner == "gemeente"
    assert ranked[0].entry.id == online[0].entry.id


def test_a_passing_mention_of_a_topic_word_earns_less(matcher: Matcher) -> None:
    # The bonus follows the topic word's share of what is asked: "online" in passing, in a
    # question about what the gemeente collects, weighs far less than in a short one.
    def bonus(question: str) -> float:
        analysis = matcher.analyse(question)
        adjustment = {p: scoring.partner_adjustment(p, analysis) for p in matcher.index.partner_ids}
        found = scoring.topic_bonus(matcher.index, analysis, adjustment)
        online = matcher.entry_for("gemeente", "online")
        assert online is not None
        return found.get(matcher.entries.index(online), 0.0)

    short = bonus("wat mag de gemeente online?")
    passing = bonus(
        "welke persoonsgegevens wil de gemeente achterhalen als zij iemand online natrekt?"
    )
    assert short > 3 * passing > 0.0


@pytest.mark.parametrize(
    "question", ["welke cursus kan ik volgen", "waar kan ik een training volgen"]
)
def test_a_topic_without_a_partner_gets_the_overview(matcher: Matcher, question: str) -> None:
    decision = matcher.decide(question)
    assert decision.kind in ("answer", "clarify")
    assert pair(decision) == (GENERAL_PARTNER, "opleidingen")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("-16 jaar: wat mag de boa online", ["wat", "mag", "de", "boa", "online"]),
        (
            "mag de politie kijken bij een 15-jarige",
            ["mag", "de", "politie", "kijken", "bij", "een"],
        ),
        ("jongeren onder de 18 op tiktok", ["jongeren", "op", "tiktok"]),
        ("welke van de 4 doelen", ["welke", "van", "de", "4", "doelen"]),
        ("OGG1 en 2", ["ogg1", "en", "2"]),
    ],
)
def test_an_age_is_left_out_other_numbers_stay(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_an_age_does_not_sink_the_evidence(matcher: Matcher) -> None:
    plain = matcher.decide("mag de politie bij jongeren kijken")
    aged = matcher.decide("-17 jaar: mag de politie bij jongeren kijken")
    assert plain.kind == aged.kind == "answer"
    assert pair(aged) == pair(plain)


def test_an_action_the_knowledge_never_mentions_is_not_answered(matcher: Matcher) -> None:
    decision = matcher.decide("mag een boa de telefoon van een jongere doorzoeken")
    assert decision.kind == "fallback"
    assert decision.uncovered == ("doorzoeken",)
    assert decision.options  # the nearest sections are still offered


def test_a_verb_of_a_known_noun_is_not_an_unknown_action(matcher: Matcher) -> None:
    # The knowledge says "samenwerking": "samenwerken" is the same subject.
    seen = matcher.consider("waarom zou ik met de politie samenwerken")
    assert seen.support is not None
    assert seen.support.action is None
    assert matcher.decide("waarom zou ik met de politie samenwerken").kind == "answer"
