"""Hold back a reload that lost entries until the folder has stopped changing.

A save that stops at an entry boundary (an editor writing in two steps, a slow network
share) leaves a file that parses and validates, only shorter: swapping it in would answer a
police question with the gemeente answer until the rest arrives. So a new knowledge base
that lost entries, entry files or synonym groups compared with the one serving is swapped
in only once the same content (the same version hash) has been seen for ``settle_seconds``;
a save that completes meanwhile simply replaces it. What was lost is always named, so an
entry never disappears silently.

Pure apart from the injected clock: no I/O, no sleeping (the reloader asks again later).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge import KnowledgeBase

SETTLE_SECONDS = 5.0


@dataclass(frozen=True)
class Shrinkage:
    """What a new knowledge base lacks that the serving one has."""

    entries: tuple[str, ...] = ()  # entry ids
    files: tuple[str, ...] = ()  # files that held entries
    synonyms: tuple[str, ...] = ()  # synonym terms

    def __bool__(self) -> bool:
        return bool(self.entries or self.files or self.synonyms)

    def describe(self) -> str:
        parts = [
            f"{label}: {', '.join(names)}"
            for label, names in (
                ("entries", self.entries),
                ("files", self.files),
                ("synonyms", self.synonyms),
            )
            if names
        ]
        return "; ".join(parts)


def shrinkage(serving: KnowledgeBase, candidate: KnowledgeBase) -> Shrinkage:
    def lost(old: set[str], new: set[str]) -> tuple[str, ...]:
        return tuple(sorted(old - new))

    return Shrinkage(
        entries=lost({e.id for e in serving.entries}, {e.id for e in candidate.entries}),
        files=lost({e.file for e in serving.entries}, {e.file for e in candidate.entries}),
        synonyms=lost({t for t, _ in serving.synonyms}, {t for t, _ in candidate.synonyms}),
    )


@dataclass(frozen=True)
class Verdict:
    swap: bool
    lost: Shrinkage
    retry_in: float = 0.0  # when not swapping: ask again after this many seconds


class SettleGate:
    """Decides, reload by reload, whether a candidate may replace the serving knowledge."""

    def __init__(
        self, settle_seconds: float = SETTLE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._pending: tuple[str, float] | None = None  # (version, first seen)

    def judge(self, serving: KnowledgeBase, candidate: KnowledgeBase) -> Verdict:
        lost = shrinkage(serving, candidate)
        if not lost:
            self._pending = None
            return Verdict(True, lost)
        now = self.clock()
        if self._pending is None or self._pending[0] != candidate.version:
            self._pending = (candidate.version, now)
        waited = now - self._pending[1]
        if waited >= self.settle_seconds:
            self._pending = None
            return Verdict(True, lost)
        return Verdict(False, lost, self.settle_seconds - waited)
