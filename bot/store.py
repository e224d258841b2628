"""SQLite persistence, the embedded default: the Matrix sync token and answered event ids.

Small and synchronous on purpose: every call is one indexed statement on a local WAL
database (well under a millisecond), so the transports call it straight from the event loop.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answered (
    event_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    answered_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS answered_at_idx ON answered (answered_at);
"""

_SYNC_TOKEN = "matrix.sync_token"  # noqa: S105 - a key name, not a secret


class Store:
    """One SQLite file; ``":memory:"`` works for tests."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, so every write is durable once the call returns.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is crash-safe in WAL mode (an OS crash may lose the last commit, never corrupt).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def get_sync_token(self) -> str | None:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (_SYNC_TOKEN,)).fetchone()
        return str(row[0]) if row else None

    def set_sync_token(self, token: str) -> None:
        self._db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_SYNC_TOKEN, token),
        )

    def is_answered(self, event_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM answered WHERE event_id = ?", (event_id,)).fetchone()
        return row is not None

    def mark_answered(self, event_id: str, room_id: str, at: float) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO answered (event_id, room_id, answered_at) VALUES (?, ?, ?)",
            (event_id, room_id, at),
        )

    def answered_count(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM answered").fetchone()
        return int(row[0])

    def prune_answered(self, before: float) -> int:
        """Forget answers older than ``before`` (epoch seconds); returns how many went.

        Safe once ``before`` lies outside the catch-up window: older events are never
        answered anyway, so their ids are no longer needed to prevent a second answer.
        """
        cursor = self._db.execute("DELETE FROM answered WHERE answered_at < ?", (before,))
        return cursor.rowcount
