"""The decision model's numbers, written by ``bench/train_decision.py``; do not edit by hand.

A logistic model over the matcher's own signals (see ``decision.features``) estimates how
likely the best entry answers the question; the thresholds were chosen by the combined score
on the sets the matcher is tuned on (dev, eval-extra, the tune half of eval-fresh).
"""

FEATURES = (
    "coverage",
    "english",
    "evidence",
    "heuristic",
    "names",
    "partner_agrees",
    "strong_cue",
    "unknown",
    "weak_cue",
)
WEIGHTS: tuple[float, ...] = (
    1.2426,  # coverage
    0.4995,  # english
    1.4078,  # evidence
    2.8701,  # heuristic
    -0.8689,  # names
    1.0278,  # partner_agrees
    -0.9235,  # strong_cue
    -1.6560,  # unknown
    -1.9807,  # weak_cue
)
BIAS = -2.3087
