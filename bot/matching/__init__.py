"""Match a Dutch chat question to knowledge entries, and decide: answer, clarify or fallback.

Pure and synchronous, split by reason to change:
- ``index``: the knowledge prepared once (``build_index`` → a frozen ``MatchIndex``, what
  the index cache pickles);
- ``analysis``: what a question asks (its words in the knowledge's terms, partners named,
  who asks, cues for unanswerable questions);
- ``scoring``: scores per entry and how much of the question the best entry explains;
- ``topk``: the best few entries (``dense``: with numpy arrays, for a question of a large
  knowledge's common words);
- ``decision``: answer, clarify or fall back;
- ``matcher``: ``Matcher``, the small API the rest of the bot uses.
"""

from bot.matching.analysis import Analysis
from bot.matching.index import MatchIndex, build_index
from bot.matching.matcher import Matcher
from bot.matching.scoring import MIN_RANKED, Support
from bot.models import GENERAL_PARTNER

__all__ = [
    "GENERAL_PARTNER",
    "MIN_RANKED",
    "Analysis",
    "MatchIndex",
    "Matcher",
    "Support",
    "build_index",
]
