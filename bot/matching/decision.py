"""The decision for a ranked question: answer, clarify ("Bedoel je ...?") or fall back.

It looks beyond the best score: how much of the question's topic the best entry explains,
whether only common words matched, and cues for things the infographic never answers
(costs, dates, phone numbers, unknown names).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import MatchingConfig
from bot.matching.analysis import Analysis
from bot.matching.scoring import Support
from bot.models import Decision, Match

NAME_FACTOR = 0.4
MIN_EVIDENCE = 1.0
THIN_EVIDENCE_FACTOR = 0.2


def confidence(analysis: Analysis, best: Match, support: Support) -> float:
    """The best score, lowered when the best entry explains little of what is asked.

    A question that reuses the knowledge's words ("wie is de wijkagent van Overvecht")
    can score well; what the best entry leaves unexplained, and cues for things the
    infographic never answers, tell it apart.
    """
    value = best.score * (0.3 + 0.7 * support.coverage) * analysis.unanswerable_cue
    if analysis.names:
        value *= NAME_FACTOR
    if support.evidence < MIN_EVIDENCE:
        # Only common words matched ("hoi allemaal", "top info"): too thin to answer.
        value *= THIN_EVIDENCE_FACTOR
    return round(value, 2)


def decide(
    config: MatchingConfig, top: Sequence[Match], analysis: Analysis, support: Support | None
) -> Decision:
    """``support`` is None when no entry shares a word with the question."""
    ranked = tuple(top)
    english = analysis.english
    if support is None or not analysis.tokens:
        return Decision("fallback", ranked, english=english)
    best = ranked[0]
    sure = confidence(analysis, best, support)
    second = ranked[1].score if len(ranked) > 1 else 0.0
    if sure >= config.answer_threshold and best.score - second >= config.clarify_margin:
        return Decision("answer", ranked, confidence=sure, english=english)
    if sure >= config.clarify_threshold:
        window = [m for m in ranked if best.score - m.score < config.clarify_margin * 2]
        options = tuple(window[:3]) if len(window) >= 2 else ranked[:2]
        return Decision("clarify", ranked, options=options, confidence=sure, english=english)
    return Decision("fallback", ranked, confidence=sure, english=english)
