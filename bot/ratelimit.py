"""Per-room and per-user flood limits: pure sliding windows with an injectable clock, and the
one polite notice a limited room gets. Any transport that answers in shared rooms uses it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Literal

from bot.models import Reply
from bot.replies import render_notice

Verdict = Literal["allow", "notify", "drop"]
"""allow: answer; notify: limited, send the one polite notice; drop: limited, stay silent."""

# The single polite notice when a user or room hits the flood limit.
FLOOD_NOTICE = (
    "Even rustig aan: ik heb hier de afgelopen minuut veel vragen beantwoord. "
    "Stel je volgende vraag over een minuutje, dan help ik je graag verder."
)

WINDOW_SECONDS = 60.0
_MAX_IDLE_WINDOWS = 10_000  # forget idle windows beyond this, so memory stays bounded


@dataclass
class _Window:
    limit: int
    hits: deque[float] = field(default_factory=deque)
    notified: bool = False  # the polite notice went out during the current limited spell

    def advance(self, now: float) -> None:
        while self.hits and self.hits[0] <= now - WINDOW_SECONDS:
            self.hits.popleft()
        if self.notified and len(self.hits) < self.limit:
            self.notified = False  # the spell is over: a new one may notify again

    @property
    def full(self) -> bool:
        return len(self.hits) >= self.limit


class FloodLimiter:
    """At most ``per_user_per_minute`` answers per user in a room and ``per_room_per_minute``
    per room, in any sliding 60 s window.

    When a limit is hit, the verdict is ``notify`` once (one polite notice); later messages
    in the same limited spell are dropped silently, so the limiter itself cannot make the
    bot flood the room. A spell ends when the window has room again.
    """

    def __init__(
        self,
        per_user_per_minute: int,
        per_room_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_user = per_user_per_minute
        self._per_room = per_room_per_minute
        self._clock = clock
        self._windows: dict[Hashable, _Window] = {}

    def check(self, room_id: str, user_id: str) -> Verdict:
        """Decide for one message and, when allowed, count it."""
        now = self._clock()
        room = self._window(("room", room_id), self._per_room, now)
        user = self._window(("user", room_id, user_id), self._per_user, now)
        limited = [window for window in (room, user) if window.full]
        if not limited:
            room.hits.append(now)
            user.hits.append(now)
            return "allow"
        if any(window.notified for window in limited):
            return "drop"
        for window in limited:
            window.notified = True
        return "notify"

    def _window(self, key: Hashable, limit: int, now: float) -> _Window:
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) >= _MAX_IDLE_WINDOWS:
                self._forget_idle(now)
            window = self._windows[key] = _Window(limit)
        window.advance(now)
        return window

    def _forget_idle(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            window.advance(now)
            if not window.hits:
                del self._windows[key]


def render_flood_notice() -> Reply:
    return render_notice("notice", "", FLOOD_NOTICE)
