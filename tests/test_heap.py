"""The collector settles after a knowledge load: survivors frozen, replaced ones collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot import heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite runs with a normal collector


def test_settle_freezes_what_survives() -> None:
    kept = _Node()
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # out of the collector's view
    assert kept.me is kept


def test_settle_again_collects_what_the_last_one_froze() -> None:
    replaced = _Node()
    heap.settle()
    gone = weakref.ref(replaced)
    del replaced
    gc.collect()
    assert gone() is not None  # frozen: a collection alone does not free the cycle
    heap.settle()
    assert gone() is None
