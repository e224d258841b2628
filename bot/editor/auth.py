"""Who may use the console: password logins, sessions, CSRF tokens, login rate limits.

Sessions live in memory (a restart logs everyone out, which is fine for a handful of
editors). The cookie holds only a random token; the session behind it holds the editor's
name and the CSRF token every form must echo. Passwords are checked against argon2id
hashes from ``partnerbot hash-password``.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.config import EditorUserConfig

COOKIE = "partnerwijzer_beheer"
MAX_SESSION_SECONDS = 12 * 3600.0  # even an active session ends after a working day
LIMIT_WINDOW_SECONDS = 15 * 60.0

_HASHER = PasswordHasher()
# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Editor:
    """An editor as the console knows them: a name and an e-mail address for commits."""

    name: str
    email: str

    @property
    def author(self) -> str:
        return f"{self.name} <{self.email or self.name + '@beheer.invalid'}>"


class Accounts:
    """The configured editors and their password hashes."""

    def __init__(self, users: Iterable[EditorUserConfig]) -> None:
        self._users = {user.name: user for user in users}

    def __bool__(self) -> bool:
        return bool(self._users)

    def check(self, name: str, password: str) -> Editor | None:
        """The editor when name and password fit; slow on purpose (argon2) either way."""
        user = self._users.get(name)
        if user is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(user.password_hash, password):
            return None
        return Editor(user.name, user.email)

    def known(self, name: str) -> Editor:
        """An editor named by a trusted proxy: their configured e-mail when listed."""
        user = self._users.get(name)
        return Editor(name, user.email if user else "")


@dataclass
class Session:
    token: str
    csrf: str
    editor: Editor | None  # None: not logged in yet (the login form's own CSRF token)
    created: float
    seen: float


@dataclass
class Sessions:
    """Random-token sessions with an idle timeout and an absolute one."""

    idle_seconds: float
    clock: Callable[[], float] = time.time
    _sessions: dict[str, Session] = field(default_factory=dict)

    def new(self, editor: Editor | None) -> Session:
        now = self.clock()
        self._expire(now)
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), editor, now, now)
        self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        now = self.clock()
        if now - session.seen > self.idle_seconds or now - session.created > MAX_SESSION_SECONDS:
            del self._sessions[token]
            return None
        session.seen = now
        return session

    def end(self, token: str | None) -> None:
        if token:
            self._sessions.pop(token, None)

    def _expire(self, now: float) -> None:
        for token, session in list(self._sessions.items()):
            if now - session.seen > self.idle_seconds:
                del self._sessions[token]


def csrf_ok(session: Session | None, submitted: object) -> bool:
    """Whether a form carried this session's CSRF token (compared in constant time)."""
    if session is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


@dataclass
class LoginLimiter:
    """At most ``attempts`` failed logins per window, per client address and per name."""

    attempts: int
    clock: Callable[[], float] = time.time
    window: float = LIMIT_WINDOW_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        cutoff = self.clock() - self.window
        while times and times[0] < cutoff:
            times.popleft()
        return times

    def blocked(self, address: str, name: str) -> bool:
        keys = (f"addr:{address}", f"name:{name}")
        return any(len(self._recent(key)) >= self.attempts for key in keys)

    def failed(self, address: str, name: str) -> None:
        now = self.clock()
        for key in (f"addr:{address}", f"name:{name}"):
            self._recent(key).append(now)
        if len(self._failures) > 10_000:  # a flood of names must not grow memory forever
            for key in [key for key, times in self._failures.items() if not times]:
                del self._failures[key]

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name}", None)
