"""The decision model's numbers, written by ``bench/train_decision.py``; do not edit by hand.

A logistic model over the matcher's own signals (see ``decision.features``) estimates how
likely the best entry answers the question; the thresholds were chosen by the combined score
on the sets the matcher is tuned on (dev, eval-extra, the tune half of eval-fresh).
"""

FEATURES = (
    "coverage",
    "evidence",
    "heuristic",
    "partner_agrees",
    "strong_cue",
    "weak_cue",
)
WEIGHTS: tuple[float, ...] = (
    1.1604,  # coverage
    1.7348,  # evidence
    3.0286,  # heuristic
    0.9188,  # partner_agrees
    -1.0469,  # strong_cue
    -1.9975,  # weak_cue
)
BIAS = -2.6966
