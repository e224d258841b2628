"""The decision for a ranked question: answer, clarify ("Bedoel je ...?") or fall back.

It weighs the evidence with a small logistic model (``model.py``, trained by
``bench/train_decision.py``) over the matcher's own signals: the best score and its lead,
how much of the question's topic the best entry explains, the heaviest word it never
mentions, words the knowledge lacks, whether the best entry's partner is the one named,
cues for things the infographic never answers (costs, dates, phone numbers, unknown names),
and the earlier hand-set confidence. The result is the probability that the best entry
answers the question, as 0-100.

When the model falls back although the question is in the knowledge's words and it holds a
word the knowledge never mentions, the decision says which ("uncovered") and offers the
nearest sections, so the reply can say plainly that the infographic does not cover it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import mul

from bot.config import MatchingConfig
from bot.matching import model
from bot.matching.analysis import Analysis
from bot.matching.scoring import Support
from bot.models import GENERAL_PARTNER, Decision, Match

if len(model.FEATURES) != len(model.WEIGHTS):
    raise RuntimeError("bot/matching/model.py: one weight per feature expected")

NAME_FACTOR = 0.4
MIN_EVIDENCE = 1.0
THIN_EVIDENCE_FACTOR = 0.2
MAX_EVIDENCE = 4.0  # more matched words than this add nothing to the model
# An "uncovered" fallback names a word only when the question otherwise reads as being
# about the best entry, and offers only sections that score this well.
UNCOVERED_MIN_SCORE = 25.0
UNCOVERED_OPTIONS = 3
# An action the whole knowledge never mentions ("doorzoeken", "fouilleren") is what the
# question asks to be allowed or done; the nearest sections may be about the same people
# and things, but they do not say whether that action is allowed.
ACTION_FACTOR = 0.5


def heuristic(analysis: Analysis, best: Match, support: Support) -> float:
    """The hand-set confidence (the decision before the model; now one of its signals).

    The best score, lowered when the best entry explains little of what is asked, for cues
    of unanswerable questions, unknown names, and when only common words matched.
    """
    value = best.score * (0.3 + 0.7 * support.coverage) * analysis.unanswerable_cue
    if analysis.names:
        value *= NAME_FACTOR
    if support.evidence < MIN_EVIDENCE:
        # Only common words matched ("hoi allemaal", "top info"): too thin to answer.
        value *= THIN_EVIDENCE_FACTOR
    return round(value, 2)


def features(analysis: Analysis, top: Sequence[Match], support: Support) -> dict[str, float]:
    """The signals the model weighs, each roughly 0-1."""
    best = top[0]
    second = top[1].score if len(top) > 1 else 0.0
    named = analysis.partners - {GENERAL_PARTNER}
    partner = best.entry.partner
    agrees = bool(named) and (partner in named or partner == analysis.asking_partner)
    return {
        "score": best.score / 100.0,
        "margin": (best.score - second) / 100.0,
        "coverage": support.coverage,
        "evidence": min(support.evidence, MAX_EVIDENCE) / MAX_EVIDENCE,
        "thin": float(support.evidence < MIN_EVIDENCE),
        "missing": support.missing_weight,
        "unknown": support.unknown_share,
        "strong_cue": float(analysis.strong_cue),
        "weak_cue": float(analysis.weak_cue),
        "names": float(analysis.names > 0),
        "partner_agrees": float(agrees),
        "partner_differs": float(bool(named) and not agrees and partner != GENERAL_PARTNER),
        "english": float(analysis.english),
        "heuristic": heuristic(analysis, best, support) / 100.0,
    }


def probability(signals: dict[str, float]) -> float:
    """The model's estimate that the best entry answers the question (0-1)."""
    if not model.FEATURES:  # no trained model: the hand-set confidence alone
        return signals["heuristic"]
    # The same products summed in the same order as a generator would give them.
    z = model.BIAS + sum(map(mul, model.WEIGHTS, map(signals.__getitem__, model.FEATURES)))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def decide(
    config: MatchingConfig, top: Sequence[Match], analysis: Analysis, support: Support | None
) -> Decision:
    """``support`` is None when no entry shares a word with the question."""
    ranked = tuple(top)
    english = analysis.english
    if support is None or not analysis.tokens:
        return Decision("fallback", ranked, english=english)
    best = ranked[0]
    sure = round(100.0 * probability(features(analysis, ranked, support)), 2)
    if support.action is not None:
        sure = round(sure * ACTION_FACTOR, 2)
    second = ranked[1].score if len(ranked) > 1 else 0.0
    if sure >= config.answer_threshold and best.score - second >= config.clarify_margin:
        return Decision("answer", ranked, confidence=sure, english=english)
    if sure >= config.clarify_threshold:
        window = [m for m in ranked if best.score - m.score < config.clarify_margin * 2]
        options = tuple(window[:3]) if len(window) >= 2 else ranked[:2]
        return Decision("clarify", ranked, options=options, confidence=sure, english=english)
    # Only a word the whole knowledge never mentions is named: "zegt niets over" must be true.
    if best.score >= UNCOVERED_MIN_SCORE and support.absent:
        # In the knowledge's words, but about something the nearest sections never mention.
        nearest = tuple(m for m in ranked[:UNCOVERED_OPTIONS] if m.score >= UNCOVERED_MIN_SCORE)
        return Decision(
            "fallback",
            ranked,
            options=nearest,
            confidence=sure,
            english=english,
            uncovered=support.absent[:1],
        )
    return Decision("fallback", ranked, confidence=sure, english=english)
