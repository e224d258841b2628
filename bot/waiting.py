"""Waiting that a stop can cut short, and backoff between retries.

Used by every loop that retries or repeats (the Matrix sync and sends, the daily retention):
none of them may keep a stopping bot waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class Backoff:
    """Exponential backoff with jitter: ``first`` seconds doubling up to ``cap``."""

    def __init__(self, first: float = 0.25, cap: float = 30.0) -> None:
        self._first = first
        self._cap = cap
        self._attempt = 0

    def next(self) -> float:
        delay: float = min(self._cap, self._first * 2.0**self._attempt)
        self._attempt += 1
        jitter: float = random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
        return delay * jitter

    def reset(self) -> None:
        self._attempt = 0


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` unless ``stop`` is set first; True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def until_stopped(awaitable: Awaitable[T], stop: asyncio.Event) -> tuple[bool, T | None]:
    """Run ``awaitable`` but abandon it when ``stop`` is set: (stopped, result).

    An abandoned call is cancelled and whatever it raises while ending is dropped: the
    caller is stopping and will not use it.
    """
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return False, task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return True, None
