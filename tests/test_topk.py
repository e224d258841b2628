"""The best few entries of a large knowledge's pass (``dense``, numpy) are those of scoring
every entry in Python, with the same scores to the last bit."""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import MIN_RANKED, Matcher, dense, scoring, topk
from bot.matching.index import MatchIndex
from bot.models import Entry
from bot.text import MAX_MATCH_CHARS

ROOT = Path(__file__).resolve().parent.parent

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
    # The shipped knowledge is far below the size where numpy pays: force it on.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "MIN_POSTINGS_BUILT", 0)
    index = matcher.index
    questions = QUESTIONS + [entry.question for entry in index.entries]
    questions += [alternate for entry in index.entries for alternate in entry.alternates[:2]]
    cut_somewhere = False
    for question in questions:
        analysis = matcher.analyse(question)
        full = scoring.scores(index, analysis)
        top = topk.top_scores(index, analysis, MIN_RANKED)
        best = scoring.best(full, MIN_RANKED)
        assert scoring.best(top, MIN_RANKED) == best, question
        assert [top[i] for i in best] == [full[i] for i in best], question
        cut_somewhere |= len(top) < len(full)
    assert cut_somewhere  # only the best few are handed on


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
def test_the_arrays_give_the_full_scorings_top_on_random_knowledge(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "MIN_POSTINGS_BUILT", 0)
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
    tied = with_topic = 0
    for question in questions:
        analysis = matcher.analyse(question)
        full = scoring.scores(index, analysis)
        for count in (1, MIN_RANKED, 12):
            top = topk.top_scores(index, analysis, count)
            best = scoring.best(full, count)
            assert scoring.best(top, count) == best, (question, count)
            assert all(full[i] == score for i, score in top.items()), (question, count)
            # Every entry scoring at least the count-th best is kept: ties too.
            if best:
                cutoff = full[best[-1]]
                assert {i for i, score in full.items() if score >= cutoff} == set(top)
                tied += sum(score == cutoff for score in full.values()) > 1
        prepared = scoring.query(index, analysis)
        with_topic += prepared is not None and bool(prepared.topic)
    assert tied and with_topic  # copies made ties; topic questions gave bonuses


def test_threads_scoring_at_once_each_get_their_own_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each thread reuses arrays of its own between questions: none sees another's sums.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "MIN_POSTINGS_BUILT", 0)
    matcher = Matcher(_random_knowledge(11, 200))
    index = matcher.index
    analyses = [matcher.analyse(entry.answer[:80]) for entry in index.entries[:60]]
    expected = [scoring.best(scoring.scores(index, analysis), MIN_RANKED) for analysis in analyses]

    def ranks(offset: int) -> list[list[int]]:
        order = analyses[offset:] + analyses[:offset]
        found = [scoring.best(topk.top_scores(index, a, MIN_RANKED), MIN_RANKED) for a in order]
        return found[len(found) - offset :] + found[: len(found) - offset]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(ranks, [0, 7, 19, 31] * 3))
    assert all(result == expected for result in results)


def test_a_failed_question_leaves_the_next_ones_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    # The reused arrays are zeroed again even when a question's pass is interrupted.
    monkeypatch.setattr(topk, "MIN_POSTINGS", 0)
    monkeypatch.setattr(topk, "MIN_POSTINGS_BUILT", 0)
    matcher = Matcher(_random_knowledge(5, 120))
    index = matcher.index
    analyses = [matcher.analyse(entry.question) for entry in index.entries[:30]]
    real_partition = dense.np.partition

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(dense.np, "partition", interrupted)
    for analysis in analyses:
        with pytest.raises(KeyboardInterrupt):
            topk.top_scores(index, analysis, MIN_RANKED)
    monkeypatch.setattr(dense.np, "partition", real_partition)
    for analysis in analyses:
        full = scoring.scores(index, analysis)
        top = topk.top_scores(index, analysis, MIN_RANKED)
        assert all(full[i] == score for i, score in top.items())
        assert scoring.best(top, MIN_RANKED) == scoring.best(full, MIN_RANKED)


def test_the_shipped_knowledge_runs_without_numpy() -> None:
    # Its questions never reach the arrays' size: its bot starts without importing numpy.
    script = (
        "import sys\n"
        "from bot.knowledge import load_knowledge\n"
        "from bot.matching import Matcher\n"
        "matcher = Matcher(load_knowledge())\n"
        "for entry in matcher.entries:\n"
        "    matcher.decide(entry.question)\n"
        "print('numpy' in sys.modules, 'dense' in matcher.index.derived)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_a_long_pasted_text_loads_the_arrays_and_gets_pythons_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shipped knowledge's own words, the commonest first, pasted as one question (up to
    # the characters matching reads), reach past MIN_POSTINGS: the arrays are built at that
    # question, and the decision is the one Python's pass makes.
    knowledge = load_knowledge()
    matcher = Matcher(knowledge)
    counts = matcher.index.posting_counts
    reach: dict[str, tuple[int, str]] = {}  # per lemma: its postings, a word the text has
    for word in dict.fromkeys(re.findall(r"\w+", " ".join(e.answer for e in knowledge.entries))):
        tokens = matcher.query_tokens(word)
        if len(tokens) == 1 and tokens[0] not in reach:
            reach[tokens[0]] = (counts.get(tokens[0], 0), word)
    pasted = ""
    for _, word in sorted(reach.values(), key=lambda found: (-found[0], found[1])):
        if len(pasted) + len(word) + 1 > MAX_MATCH_CHARS:
            break
        pasted = f"{pasted} {word}".strip()
    prepared = scoring.query(matcher.index, matcher.analyse(pasted))
    assert prepared is not None
    postings = sum(matcher.index.posting_counts.get(t, 0) for t in prepared.squared)
    assert postings >= topk.MIN_POSTINGS
    assert "dense" not in matcher.index.derived
    decided = matcher.decide(pasted)
    assert "dense" in matcher.index.derived
    monkeypatch.setattr(topk, "MIN_POSTINGS", 10**9)
    monkeypatch.setattr(topk, "MIN_POSTINGS_BUILT", 10**9)
    assert Matcher(knowledge).decide(pasted) == decided


def test_a_large_knowledges_arrays_are_built_with_its_matcher() -> None:
    # Before the first question, not during it; once for every matcher sharing the index.
    matcher = Matcher(_random_knowledge(2, 400))
    built = matcher.index.derived["dense"]
    assert isinstance(built, dense.DensePostings)
    assert len(built.entry_partner) == 400
    assert matcher.with_config(matcher.config).index.derived["dense"] is built


@pytest.mark.parametrize("seed", [None, 3, 4])
def test_the_full_scoring_equals_scoring_each_entry_phrasing_by_phrasing(seed: int | None) -> None:
    # ``prepared_scores`` reads each word's phrasings grouped by entry and sums word by
    # word only the phrasings holding several of the question's words; ``_score_one``
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
            assert score == _score_one(index, prepared, entry_index), question
        words = frozenset(prepared.squared)
        several += any(
            len(words & index.text_tokens[text_index]) >= 2
            for entry_index in scored
            for text_index in range(
                index.entry_text_start[entry_index], index.entry_text_start[entry_index + 1]
            )
        )
    assert several > len(questions) // 2


def _score_one(index: MatchIndex, prepared: scoring.Query, entry_index: int) -> float:
    """One entry's score as the definition reads, phrasing by phrasing: each phrasing's
    cosine summed word by word in the question's order, the best of them, then the same
    sum of terms as ``prepared_scores``."""
    phrasing = 0.0
    start, end = index.entry_text_start[entry_index], index.entry_text_start[entry_index + 1]
    for text_index in range(start, end):
        value = 0.0
        for token, squared, _ in prepared.terms:
            if token in index.text_tokens[text_index]:
                value += squared
        cosine = value / (prepared.query_norm * index.text_norm[text_index])
        phrasing = max(phrasing, cosine)
    covered = 0.0
    for token, _, weight in prepared.terms:
        if token in index.bags[entry_index]:
            covered += weight
    return (
        scoring.PHRASING_WEIGHT * phrasing
        + scoring.COVERAGE_WEIGHT * covered / prepared.total_weight
        + prepared.adjustment[index.entry_partner[entry_index]]
        + prepared.topic.get(entry_index, 0.0)
    )
