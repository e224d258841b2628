"""Matrix message content, pure: reading what a message says to the bot, and building what the
bot sends (rich replies in threads, notices, stable transaction ids). No client, no I/O."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from bot.config import MatrixConfig
from bot.models import Reply


def strip_reply_fallback(body: str, is_reply: bool) -> str:
    """Drop the legacy quoted fallback (leading ``> `` lines) that old clients put in replies."""
    if not is_reply:
        return body
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index and index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


_MX_REPLY = re.compile(r"<mx-reply>.*?</mx-reply>", re.DOTALL | re.IGNORECASE)


def strip_html_reply_fallback(formatted_body: str) -> str:
    return _MX_REPLY.sub("", formatted_body)


# The patterns below depend only on the bot's id and names, which are the same for every
# message: compiled once each rather than built, escaped and looked up per message.


@functools.lru_cache(maxsize=64)
def _pill_pattern(user_id: str) -> re.Pattern[str]:
    encoded = re.escape(user_id.replace("@", "%40").replace(":", "%3A"))
    pattern = rf"https://matrix\.to/#/(?:{re.escape(user_id)}|{encoded})(?![\w.=\-/])"
    return re.compile(pattern, re.IGNORECASE)


def mentions_bot_by_pill(formatted_body: str, user_id: str) -> bool:
    """A matrix.to link to the bot (a "pill"), plain or percent-encoded."""
    return _pill_pattern(user_id).search(formatted_body) is not None


@functools.lru_cache(maxsize=64)
def _leading_name_patterns(names: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """One pattern per name, longest name first (a longer name is tried before its prefix)."""
    return tuple(
        re.compile(rf"\s*@?{re.escape(name.lstrip('@'))}(?![\w-])[\s:,;!.-]*", re.I)
        for name in sorted({n for n in names if n}, key=len, reverse=True)
    )


def strip_leading_name(body: str, names: Iterable[str]) -> tuple[str, bool]:
    """Remove the bot's name (or id) at the start, as in "Partnerwijzer: vraag"; report it."""
    for pattern in _leading_name_patterns(tuple(names)):
        match = pattern.match(body)
        if match:
            return body[match.end() :], True
    return body, False


def reply_content(
    reply: Reply, event_id: str, asker: str, thread_root: str | None
) -> dict[str, Any]:
    """The notice answering ``event_id``: a rich reply (no quoted fallback), in its thread."""
    relation: dict[str, Any] = {"m.in_reply_to": {"event_id": event_id}}
    if thread_root is not None:
        relation = {
            "rel_type": "m.thread",
            "event_id": thread_root,
            # ``m.in_reply_to`` names the very message answered, not just the latest one in
            # the thread: a real reply (threads spec), so thread-aware clients show it.
            "is_falling_back": False,
            "m.in_reply_to": {"event_id": event_id},
        }
    return {
        "msgtype": "m.notice",
        "body": reply.text,
        "format": "org.matrix.custom.html",
        "formatted_body": reply.html,
        "m.relates_to": relation,
        "m.mentions": {"user_ids": [asker]},
    }


# Answer feedback: the emoji without variation selector or skin tone.
_FEEDBACK_KEYS = {"\U0001f44d": 1, "\U0001f44e": -1}  # 👍 👎
_EMOJI_DECORATION = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")


def feedback_value(key: str) -> int | None:
    """+1 for a thumbs up, -1 for a thumbs down (any skin tone), None for anything else."""
    return _FEEDBACK_KEYS.get(_EMOJI_DECORATION.sub("", key.strip()))


# 1️⃣ .. 9️⃣ on a "Bedoel je" message choose that option.
_KEYCAP = re.compile("^([1-9])\ufe0f?\u20e3$")
MAX_OFFERS = 1000


def choice_number(key: str) -> str | None:
    """ "2" for a 2️⃣ reaction (with or without variation selector), None otherwise."""
    found = _KEYCAP.match(key.strip())
    return found.group(1) if found else None


def notice_content(reply: Reply) -> dict[str, Any]:
    """An operational notice for a room (the admin room): no reply relation, no mentions."""
    return {
        "msgtype": "m.notice",
        "body": reply.text,
        "format": "org.matrix.custom.html",
        "formatted_body": reply.html,
        "m.mentions": {},
    }


def transaction_id(event_id: str) -> str:
    """Stable per question, so a resent reply is deduplicated by the homeserver."""
    return "pw-" + hashlib.sha256(event_id.encode()).hexdigest()[:32]


def inviter_allowed(inviter: str, room_id: str, matrix: MatrixConfig) -> bool:
    if room_id in matrix.allowed_rooms:
        return True
    server = ":" + inviter.split(":", 1)[1] if ":" in inviter else None
    return inviter in matrix.allowed_inviters or (
        server is not None and server in matrix.allowed_inviters
    )
