"""The bounded top-k pass gives the same best entries and scores as scoring every entry."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import MIN_RANKED, Matcher, scoring, textlists, topk
from bot.models import Entry

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


@pytest.mark.parametrize("budget", [1, 10**9], ids=["bag-lists", "text-lists"])
def test_top_entries_and_scores_equal_the_full_scoring(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    # The shipped knowledge is far below the size where bounding pays: force it on, with
    # the bag lists' pass giving up at once (the text lists' pass answers) or never.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "POSTINGS_PER_EXACT_SCORE", budget)
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


def _random_knowledge(seed: int, size: int) -> KnowledgeBase:
    """Entries drawn from the shipped knowledge's words with Zipf-like frequencies, some of
    them copies of another (equal scores: the tie order must survive the pruning)."""
    shipped = load_knowledge()
    rng = random.Random(seed)
    texts = [t for e in shipped.entries for t in (e.question, *e.alternates, e.answer)]
    vocabulary = sorted({word.strip(".,?!:;()*\"'") for text in texts for word in text.split()})
    rng.shuffle(vocabulary)
    vocabulary = [word for word in vocabulary if word][:400]
    cumulative = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocabulary))))

    def sentence(length: int) -> str:
        return " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=length))

    entries: list[Entry] = []
    for index in range(size):
        template = shipped.entries[index % len(shipped.entries)]
        if entries and rng.random() < 0.1:
            template = replace(rng.choice(entries), partner=template.partner)
        else:
            template = replace(
                template,
                question=sentence(rng.randint(2, 7)),
                alternates=tuple(sentence(rng.randint(1, 6)) for _ in range(rng.randint(0, 5))),
                keywords=tuple(sentence(1) for _ in range(rng.randint(0, 3))),
                answer=sentence(rng.randint(5, 40)),
            )
        entries.append(replace(template, id=f"random-{index}"))
    return replace(shipped, entries=tuple(entries), _entries_by_id={e.id: e for e in entries})


@pytest.mark.parametrize("seed", range(6))
def test_bounds_never_drop_an_entry_of_the_top_on_random_knowledge(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every path of both passes: bounded from the first posting on, seeds from a single
    # short list, re-seeding before every long one.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    # Half the seeds: the bag lists' pass gives up at once, the text lists' pass answers.
    monkeypatch.setattr(topk, "POSTINGS_PER_EXACT_SCORE", (1, 10**9)[seed % 2])
    monkeypatch.setattr(textlists, "SEED_POSTINGS", 1 + seed * 20)
    monkeypatch.setattr(textlists, "SEED_ENTRIES", (1, 3, 200)[seed % 3])
    monkeypatch.setattr(topk, "SEED_ENTRIES", (1, 3, 8)[seed % 3])
    knowledge = _random_knowledge(seed, 150)
    matcher = Matcher(knowledge)
    index = matcher.index
    rng = random.Random(seed)
    questions = [rng.choice(index.entries).question for _ in range(40)]
    questions += [
        " ".join(rng.sample(entry.answer.split(), min(6, len(entry.answer.split()))))
        for entry in rng.sample(index.entries, 40)
    ]
    # Questions naming a section's topic: a topic bonus for entries that may hold no word.
    topics = sorted({entry.topic.replace("-", " ") for entry in index.entries})
    questions += [f"{topic} {rng.choice(questions)}" for topic in topics]
    # Questions naming a partner, or who asks: partner adjustments of -0.15 to +0.10.
    named = ["politie", "boa", "jongerenwerker", "school", "gemeente", "ik ben boa,"]
    questions += [f"{rng.choice(named)} {rng.choice(questions)}" for _ in range(40)]
    questions += QUESTIONS
    pruned = 0
    for question in questions:
        analysis = matcher.analyse(question)
        full = scoring.scores(index, analysis)
        for count in (1, MIN_RANKED, 12):
            bounded = topk.top_scores(index, analysis, count)
            best = scoring.best(full, count)
            assert scoring.best(bounded, count) == best, (question, count)
            assert [bounded[i] for i in best] == [full[i] for i in best], (question, count)
            assert all(full[i] == score for i, score in bounded.items()), (question, count)
            pruned += len(bounded) < len(full)
    assert pruned  # the bounds left entries unscored


@pytest.mark.parametrize("per_score", [10**9, 40, 15])
def test_the_text_lists_pass_builds_on_the_entries_a_given_up_bag_pass_scored(
    per_score: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bag lists' pass gives up after scoring some entries (its seeds only, or a few
    # more: the budget is postings / per_score); the text lists' pass starts from their
    # scores. Whatever was handed on, the top is that of the full scoring.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "POSTINGS_PER_EXACT_SCORE", per_score)
    handed: list[int] = []

    class Recording(textlists.TextListPass):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            handed.append(len(self.exact))

    monkeypatch.setattr(topk, "TextListPass", Recording)
    matcher = Matcher(_random_knowledge(per_score % 7, 150))
    index = matcher.index
    rng = random.Random(per_score)
    questions = [
        " ".join(rng.sample(entry.answer.split(), min(5, len(entry.answer.split()))))
        for entry in rng.sample(index.entries, 60)
    ] + QUESTIONS
    for question in questions:
        analysis = matcher.analyse(question)
        full = scoring.scores(index, analysis)
        for count in (1, MIN_RANKED):
            bounded = topk.top_scores(index, analysis, count)
            best = scoring.best(full, count)
            assert scoring.best(bounded, count) == best, (question, count)
            assert all(full[i] == score for i, score in bounded.items()), (question, count)
    # Some questions reached the text lists' pass with at least a floor's worth of scores.
    assert any(scored >= MIN_RANKED for scored in handed), handed


@pytest.mark.parametrize("seed", [None, 3, 4])
def test_the_full_scoring_equals_scoring_each_entry_phrasing_by_phrasing(seed: int | None) -> None:
    # ``prepared_scores`` reads each word's phrasings grouped by entry and sums word by
    # word only the phrasings holding several of the question's words; ``score_entry``
    # sums every phrasing of one entry. Every candidate's score must be the same float.
    knowledge = load_knowledge() if seed is None else _random_knowledge(seed, 120)
    matcher = Matcher(knowledge)
    index = matcher.index
    rng = random.Random(seed)
    questions = QUESTIONS + [entry.question for entry in index.entries]
    questions += [
        " ".join(rng.sample(entry.answer.split(), min(6, len(entry.answer.split()))))
        for entry in index.entries
    ]
    several = 0  # questions whose best phrasing of some entry holds two or more words
    for question in questions:
        prepared = scoring.query(index, matcher.analyse(question))
        if prepared is None:
            continue
        scored = scoring.prepared_scores(index, prepared)
        for entry_index, score in scored.items():
            assert score == scoring.score_entry(index, prepared, entry_index), question
        words = prepared.words
        several += any(
            len(words & index.text_tokens[text_index]) >= 2
            for entry_index in scored
            for text_index in range(
                index.entry_text_start[entry_index], index.entry_text_start[entry_index + 1]
            )
        )
    assert several > len(questions) // 2
