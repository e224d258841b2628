"""SQLite persistence, the embedded default: the Matrix sync token and answered event ids,
daily question counts, the opt-in unanswered-question log and answer feedback.

Small and synchronous on purpose: every call is one indexed statement on a local WAL
database (well under a millisecond), so the transports call it straight from the event loop.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bot.privacy import redact

_SCHEMA = """
CREATE TABLE IF NOT EXISTS joined_rooms (
    room_id TEXT PRIMARY KEY,
    inviter TEXT NOT NULL,
    joined_at REAL NOT NULL
);
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
-- Counts only, never text: kept whether or not the unanswered log is on.
CREATE TABLE IF NOT EXISTS question_counts (
    day TEXT NOT NULL,
    transport TEXT NOT NULL,
    decision TEXT NOT NULL,
    partner TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, transport, decision, partner)
);
-- Opt-in (privacy.log_unanswered); text is redacted before it is written; retention applies.
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at REAL NOT NULL,
    transport TEXT NOT NULL,
    decision TEXT NOT NULL,
    text TEXT NOT NULL,
    entry TEXT,
    score REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_at_idx ON unanswered (asked_at);
-- Which knowledge entry each sent answer came from, so reactions can be credited to it.
CREATE TABLE IF NOT EXISTS sent_answers (
    event_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    entry TEXT NOT NULL,
    sent_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sent_answers_at_idx ON sent_answers (sent_at);
CREATE TABLE IF NOT EXISTS feedback (
    reaction_id TEXT PRIMARY KEY,
    answer_event_id TEXT NOT NULL,
    entry TEXT NOT NULL,
    value INTEGER NOT NULL,
    at REAL NOT NULL
);
"""

MAX_LOGGED_CHARS = 500  # a logged question is cut to this length (after redaction)
_DIRECT = "direct:"  # kv key prefix: rooms invited to as a direct chat
_SYNC_TOKEN = "matrix.sync_token"  # noqa: S105 - a key name, not a secret


@dataclass(frozen=True)
class CountRow:
    day: str  # YYYY-MM-DD (UTC)
    transport: str
    decision: str
    partner: str
    count: int


@dataclass(frozen=True)
class LoggedQuestion:
    """One question from the unanswered log (its text already redacted)."""

    asked_at: float
    transport: str
    decision: str
    text: str
    entry: str | None  # the nearest entry when it was asked
    score: float


@dataclass(frozen=True)
class EntryFeedback:
    entry: str
    up: int
    down: int


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite gives its -wal and -shm
    files the same mode); tighten an existing one that others could read."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    except OSError:
        return  # sqlite3.connect reports why the file cannot be opened
    try:
        if os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
    except OSError:
        pass  # another user's file: leave it as it is
    finally:
        os.close(descriptor)


class Store:
    """One SQLite file; ``":memory:"`` works for tests."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _private_file(Path(path))
        # isolation_level=None: autocommit, so every write is durable once the call returns.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        # Deleted rows (expired questions) are overwritten with zeros, not left in free pages;
        # explicit, as builds differ in their default.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is crash-safe in WAL mode (an OS crash may lose the last commit, never corrupt).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # The Teams worker thread and the event loop both write; keep multi-step work serial.
        self._lock = threading.Lock()

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

    def get_value(self, key: str) -> str | None:
        """A small named value a transport keeps across restarts (e.g. Teams' admin chat)."""
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_value(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def set_value_once(self, key: str, value: str) -> bool:
        """Set ``key`` unless it is set already; True when this call set it."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO kv (key, value) VALUES (?, ?)", (key, value)
        )
        return cursor.rowcount > 0

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

    # ---- daily counts (no text)

    def count_question(
        self, day: str, transport: str, decision: str, partner: str, count: int = 1
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO question_counts (day, transport, decision, partner, count) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(day, transport, decision, partner) "
                "DO UPDATE SET count = count + excluded.count",
                (day, transport, decision, partner, count),
            )

    def question_counts(self, since_day: str) -> list[CountRow]:
        """Every count row from ``since_day`` (inclusive, YYYY-MM-DD) on."""
        with self._lock:
            rows = self._db.execute(
                "SELECT day, transport, decision, partner, count FROM question_counts "
                "WHERE day >= ? ORDER BY day",
                (since_day,),
            ).fetchall()
        return [CountRow(str(a), str(b), str(c), str(d), int(e)) for a, b, c, d, e in rows]

    # ---- the opt-in unanswered log

    def log_unanswered(
        self,
        at: float,
        transport: str,
        decision: str,
        text: str,
        entry: str | None,
        score: float,
    ) -> None:
        """Keep one question that got no answer; its text is redacted here, before writing,
        and only then cut to ``MAX_LOGGED_CHARS`` (cut first, an e-mail address crossing
        the cut would no longer be recognised and be stored in part)."""
        stored = redact(text)[:MAX_LOGGED_CHARS]
        with self._lock:
            self._db.execute(
                "INSERT INTO unanswered (asked_at, transport, decision, text, entry, score) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (at, transport, decision, stored, entry, score),
            )

    def unanswered(self, limit: int = 20) -> list[LoggedQuestion]:
        """The most recent logged questions, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT asked_at, transport, decision, text, entry, score FROM unanswered "
                "ORDER BY asked_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            LoggedQuestion(float(a), str(b), str(c), str(d), e if e is None else str(e), float(f))
            for a, b, c, d, e, f in rows
        ]

    def prune_unanswered(self, before: float) -> int:
        """Delete logged questions asked before ``before`` (epoch seconds): the retention."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM unanswered WHERE asked_at < ?", (before,))
        return cursor.rowcount

    # ---- answers and their feedback

    def record_join(self, room_id: str, inviter: str, at: float) -> None:
        """A room the bot joined on an allowed invite: it may answer there."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO joined_rooms (room_id, inviter, joined_at) "
                "VALUES (?, ?, ?)",
                (room_id, inviter, at),
            )

    def record_direct(self, room_id: str) -> None:
        """A room the bot was invited to as a direct (1:1) chat."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (_DIRECT + room_id, "1")
            )

    def is_direct(self, room_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM kv WHERE key = ?", (_DIRECT + room_id,))
            return row.fetchone() is not None

    def joined_on_allowed_invite(self, room_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM joined_rooms WHERE room_id = ?", (room_id,)
            ).fetchone()
        return row is not None

    def remember_answer(self, event_id: str, room_id: str, entry: str, at: float) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO sent_answers (event_id, room_id, entry, sent_at) "
                "VALUES (?, ?, ?, ?)",
                (event_id, room_id, entry, at),
            )

    def answer_entry(self, event_id: str) -> str | None:
        """The entry a sent answer came from; None for anything that was not an answer."""
        with self._lock:
            row = self._db.execute(
                "SELECT entry FROM sent_answers WHERE event_id = ?", (event_id,)
            ).fetchone()
        return str(row[0]) if row else None

    def prune_answers(self, before: float) -> int:
        """Forget which entry answers sent before ``before`` came from (reactions to them
        are then no longer counted); feedback already recorded stays."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM sent_answers WHERE sent_at < ?", (before,))
        return cursor.rowcount

    def record_feedback(
        self, reaction_id: str, answer_event_id: str, value: int, at: float
    ) -> bool:
        """Count a 👍 (+1) or 👎 (-1) on one of our answers; idempotent per reaction event.

        False when ``answer_event_id`` is not an answer the bot remembers.
        """
        entry = self.answer_entry(answer_event_id)
        if entry is None:
            return False
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO feedback (reaction_id, answer_event_id, entry, value, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (reaction_id, answer_event_id, entry, 1 if value > 0 else -1, at),
            )
        return True

    def remove_feedback(self, reaction_id: str) -> bool:
        """Forget a reaction that was taken back (redacted)."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM feedback WHERE reaction_id = ?", (reaction_id,))
        return cursor.rowcount > 0

    def feedback_per_entry(self, since: float = 0.0) -> list[EntryFeedback]:
        """👍 and 👎 per entry since ``since`` (epoch seconds), most 👎 first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT entry, SUM(value > 0), SUM(value < 0) FROM feedback WHERE at >= ? "
                "GROUP BY entry ORDER BY SUM(value < 0) DESC, SUM(value > 0) DESC, entry",
                (since,),
            ).fetchall()
        return [EntryFeedback(str(entry), int(up), int(down)) for entry, up, down in rows]
