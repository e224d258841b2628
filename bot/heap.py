"""Keep the loaded knowledge out of the garbage collector's full collections.

A full collection walks every object the collector tracks; after start-up most of them
are the knowledge, its index and the imported libraries, which live until the next reload.
Walking them took 3-20 ms each time (the shipped knowledge; more for a larger one), a
spike in whichever question's reply happened to trigger it. ``gc.freeze`` moves them out
of the collector's view; reference counting still frees them as usual.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """After a knowledge load or swap: collect once, then freeze what survives.

    What an earlier call froze is unfrozen first, so that knowledge replaced since (and
    any cycle it was part of) is collected rather than kept for ever.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
