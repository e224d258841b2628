"""A reload must not leave the replaced knowledge's matcher data alive: every index build
makes a new English glossary, and `bot.matching.english` once kept each one it had seen
(about 0.3 MB per reload, found in QA review of issue 16)."""

from __future__ import annotations

import gc
import weakref

from bot.knowledge import load_knowledge
from bot.matching import Matcher


def test_a_replaced_matcher_leaves_no_glossary_behind() -> None:
    old = Matcher(load_knowledge())
    assert old.decide("can the police look at my instagram account?").kind == "answer"
    glossary = weakref.ref(old._index.glossary)
    del old
    gc.collect()
    assert glossary() is None
