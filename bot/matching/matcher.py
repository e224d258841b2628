"""``Matcher``: one built index and one decision configuration, behind a small API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import MatchingConfig
from bot.knowledge import KnowledgeBase
from bot.matching import analysis as analysis_module
from bot.matching import decision, scoring, topk
from bot.matching.analysis import Analysis, Reading
from bot.matching.index import MatchIndex, build_index
from bot.matching.scoring import MIN_RANKED, Support
from bot.models import Decision, Entry, Match
from bot.text import MAX_MATCH_CHARS, Word

# Texts whose reading a matcher keeps; a chat question is read a few times in a row.
_READINGS_KEPT = 16


@dataclass(frozen=True)
class Considered:
    analysis: Analysis
    top: tuple[Match, ...]
    support: Support | None  # None: no entry shares a word with the question


class Matcher:
    """Ranks entries for a question and decides. Immutable: another configuration is
    another matcher (``with_config``) sharing the same index."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        config: MatchingConfig | None = None,
        *,
        index: MatchIndex | None = None,
    ) -> None:
        if index is None or index.knowledge is not knowledge:
            index = build_index(knowledge)
        topk.prepare(index)  # once per index: the arrays are kept with it
        self._index = index
        self._config = config or MatchingConfig()
        # The last texts read: in a chat one question is read for a choice, a follow-up, a
        # topic of the same partner and then for matching; reading it once saves ~40%.
        self._readings: dict[str, Reading] = {}

    @classmethod
    def from_index(cls, index: MatchIndex, config: MatchingConfig | None = None) -> Matcher:
        return cls(index.knowledge, config, index=index)

    def with_config(self, config: MatchingConfig) -> Matcher:
        return Matcher.from_index(self._index, config)

    @property
    def index(self) -> MatchIndex:
        return self._index

    @property
    def config(self) -> MatchingConfig:
        return self._config

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._index.knowledge

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._index.entries

    # --- question analysis -----------------------------------------------------------------

    def _read(self, text: str) -> Reading:
        text = text[:MAX_MATCH_CHARS]  # all a reading looks at: one key for any longer text
        reading = self._readings.get(text)
        if reading is None:
            reading = analysis_module.read(self._index, text)
            if len(self._readings) >= _READINGS_KEPT:
                self._readings.clear()
            self._readings[text] = reading
        return reading

    def query_words(self, text: str) -> list[tuple[Word, tuple[str, ...]]]:
        return list(self._read(text).words)

    def surface(self, text: str) -> str:
        """The text's folded tokens as typed, joined by spaces (``tokenize``), from the
        same reading as its words: a chat question is tokenised once."""
        return self._read(text).surface

    def query_tokens(self, text: str) -> list[str]:
        return list(self._read(text).tokens)

    def partners_named(self, text: str) -> frozenset[str]:
        """``detect_partners`` of the text's tokens, found once per reading."""
        return self._read(text).partners

    def detect_partners(self, tokens: Sequence[str]) -> frozenset[str]:
        return analysis_module.detect_partners(self._index, tokens)

    def analyse(self, text: str) -> Analysis:
        return analysis_module.analyse(self._index, text, self._read)

    # --- ranking and deciding --------------------------------------------------------------

    def rank(self, text: str) -> tuple[Analysis, list[Match]]:
        """Candidate entries with a score of 0-100, best first, and the question's analysis.

        Candidates are the entries that share a word with the question, completed to at
        least ``MIN_RANKED`` with zero-score entries.
        """
        analysis = self.analyse(text)
        scored = scoring.scores(self._index, analysis)
        return analysis, scoring.matches(self._index, scoring.ordered(scored), scored)

    def consider(self, text: str) -> Considered:
        """What the decision looks at: the analysis, the top entries, the best one's support."""
        index = self._index
        analysis = self.analyse(text)
        # Only the best few are looked at (``topk``): their scores and order are those of
        # a full ranking.
        scored = topk.top_scores(index, analysis, MIN_RANKED)
        best_indexes = scoring.best(scored, MIN_RANKED)
        top = scoring.matches(index, best_indexes, scored)
        support = scoring.support(index, best_indexes[0], analysis) if best_indexes else None
        return Considered(analysis, tuple(top), support)

    def decide(self, text: str) -> Decision:
        seen = self.consider(text)
        return decision.decide(self._config, seen.top, seen.analysis, seen.support)

    # --- lookups ---------------------------------------------------------------------------

    def partner_words(self) -> frozenset[str]:
        """Every token that belongs to a partner's name or aliases."""
        return self._index.partner_words

    def entries_of(self, partner: str) -> tuple[Entry, ...]:
        return tuple(entry for entry in self._index.entries if entry.partner == partner)

    def entry_for(self, partner: str, topic: str) -> Entry | None:
        return self._index.entries_by_partner_topic.get((partner, topic))
