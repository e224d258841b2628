"""The bounded top-k pass gives the same best entries and scores as scoring every entry."""

from __future__ import annotations

import pytest

from bot.knowledge import load_knowledge
from bot.matching import MIN_RANKED, Matcher, scoring, topk

QUESTIONS = [
    "mag de boa meekijken in een besloten groep?",
    "welke partners werken samen rond online signalen",
    "ik ben jongerenwerker, moet ik dit met de politie delen?",
    "wat kost een cursus osint",
    "school en veiligheid online",
    "hoe werkt de digitale wijkagent",
    "jeugd handhaving taakaccent",
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge())


def test_top_entries_and_scores_equal_the_full_scoring(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shipped knowledge is far below the size where bounding pays: force it on.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "POSTINGS_PER_EXACT_SCORE", 1)
    index = matcher.index
    questions = QUESTIONS + [entry.question for entry in index.entries]
    questions += [alternate for entry in index.entries for alternate in entry.alternates[:2]]
    pruned_somewhere = False
    for question in questions:
        analysis = matcher.analyse(question)
        full = scoring.scores(index, analysis)
        bounded = topk.top_scores(index, analysis, MIN_RANKED)
        best = scoring.best(full, MIN_RANKED)
        assert scoring.best(bounded, MIN_RANKED) == best, question
        assert [bounded[i] for i in best] == [full[i] for i in best], question
        pruned_somewhere |= len(bounded) < len(full)
    assert pruned_somewhere  # the bounds left some entries unscored


def test_a_question_without_words_scores_nothing(matcher: Matcher) -> None:
    assert topk.top_scores(matcher.index, matcher.analyse("?!"), MIN_RANKED) == {}
