"""Microsoft Teams outgoing webhook: one aiohttp route per configured webhook.

Protocol (Microsoft's "Create an Outgoing Webhook"): Teams POSTs a Bot Framework activity
when someone @mentions the webhook in a channel, signed with ``Authorization: HMAC <base64>``
(HMAC-SHA256 over the raw body, key = the base64-decoded security token), and shows whatever
the same HTTP response holds, if it arrives within 5 seconds.

This module turns the activity into a ``Question`` and the ``Reply`` into an Adaptive Card.
It holds no matching and no wording beyond the short timeout message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import html
import json
import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.config import ConfigError, TeamsConfig, TeamsWebhookConfig, resolve_secret
from bot.metrics import Metrics
from bot.models import Question, Reply
from bot.replies import without_comparison_rows

log = logging.getLogger(__name__)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"  # Teams desktop and mobile render 1.4 fully (1.5+ only partly on mobile)
TIMEOUT_TEXT = "Dat duurde te lang, het antwoord is niet op tijd klaar. Probeer het opnieuw."
_READ_CHUNK = 64 * 1024

_MENTION = re.compile(r"<at\b[^>]*>.*?</at\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
# Control characters, and invisible ones that split words or reorder how text is displayed
# (bidi overrides, as in "Trojan Source"); joiners inside emoji stay.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


class ActivityError(ValueError):
    """The body is not a usable Teams message activity; the text says why (no user content)."""


@dataclass(frozen=True)
class Activity:
    """The parts of a Teams activity the bot uses."""

    text: str  # raw, still with <at> mention and HTML
    conversation_id: str
    sender_id: str
    tenant_id: str
    team_id: str


# --- signature ------------------------------------------------------------------------------


def decode_token(token: str) -> bytes:
    """The HMAC key: Teams shows the security token base64-encoded."""
    try:
        key = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("security token is not valid base64") from None
    if not key:
        raise ValueError("security token is empty")
    return key


def sign(body: bytes, key: bytes) -> str:
    """The Authorization header value Teams sends for this body."""
    digest = hmac.new(key, body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode("ascii")


def verify_signature(body: bytes, authorization: str | None, key: bytes) -> bool:
    """True when the header carries the HMAC of exactly these body bytes (constant time)."""
    if not authorization:
        return False
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.upper() != "HMAC" or not value:
        return False
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(key, body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, given)


# --- activity -------------------------------------------------------------------------------


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ActivityError(f"'{key}' is not an object")
    return value


def _string(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ActivityError(f"'{key}' is not a string")
    return value


def parse_activity(body: bytes) -> Activity:
    """Parse a verified body; raise ActivityError for anything that is not a message."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ActivityError("body is not JSON") from None
    if not isinstance(data, Mapping):
        raise ActivityError("body is not a JSON object")
    if data.get("type", "message") != "message":
        raise ActivityError("activity type is not 'message'")
    if not isinstance(data.get("text"), str):
        raise ActivityError("'text' is missing or not a string")
    sender = _mapping(data, "from")
    channel_data = _mapping(data, "channelData")
    return Activity(
        text=data["text"],
        conversation_id=_string(_mapping(data, "conversation"), "id"),
        sender_id=_string(sender, "aadObjectId") or _string(sender, "id"),
        tenant_id=_string(_mapping(channel_data, "tenant"), "id"),
        team_id=_string(channel_data, "teamsTeamId"),
    )


def clean_text(text: str) -> str:
    """The question as the user typed it: no @mention, no HTML, whitespace collapsed.

    Tags are stripped before entities are decoded, so ``&lt;b&gt;`` typed by a user stays
    the literal text ``<b>``. Collapsing whitespace means user text never spans lines, so it
    cannot start a list or a paragraph of its own anywhere it might be shown.
    """
    without_mentions = _MENTION.sub(" ", text)
    without_tags = _TAG.sub(" ", without_mentions)
    visible = _INVISIBLE.sub("", html.unescape(without_tags))
    return " ".join(visible.split())


def is_allowed(hook: TeamsWebhookConfig, activity: Activity) -> bool:
    """An empty allowlist allows everything; a set one must contain the activity's id."""
    if hook.allowed_tenants and activity.tenant_id not in hook.allowed_tenants:
        return False
    return not (hook.allowed_teams and activity.team_id not in hook.allowed_teams)


# --- card -----------------------------------------------------------------------------------


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def markdown_blocks(markdown: str) -> list[dict[str, Any]]:
    """Split Reply markdown into TextBlocks Teams renders the same on desktop and mobile.

    Teams mobile renders Markdown lists inside one TextBlock badly, so every list item
    becomes its own TextBlock with a typed bullet or number (not list syntax), and every
    paragraph its own block. Headings are not supported in cards: they become bold blocks.
    """
    blocks: list[dict[str, Any]] = []
    for paragraph in re.split(r"\n\s*\n", markdown.strip()):
        lines: list[str] = []
        for line in paragraph.splitlines():
            item = _list_item(line)
            heading = _HEADING.match(line)
            if item is None and heading is None:
                lines.append(line.strip())
                continue
            if lines:
                blocks.append(_text_block(" ".join(lines)))
                lines = []
            if heading is not None:
                blocks.append(_text_block(heading.group(1), weight="Bolder"))
            elif item is not None:
                blocks.append(_text_block(item, spacing="Small"))
        if lines:
            blocks.append(_text_block(" ".join(lines)))
    return [block for block in blocks if block["text"]]


def _list_item(line: str) -> str | None:
    bullet = _BULLET.match(line)
    if bullet:
        return "• " + bullet.group(1).strip()
    numbered = _NUMBERED.match(line)
    if numbered:
        # "**1.**" is not list syntax, so the card shows the number instead of re-parsing it.
        return f"**{numbered.group(1)}.** {numbered.group(2).strip()}"
    return None


def _option_blocks(options: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _text_block(f"**{number}.** {option}", spacing="Small")
        for number, option in enumerate(options, start=1)
    ]


def _facts(reply: Reply) -> list[dict[str, Any]]:
    facts = []
    if reply.partner_name:
        facts.append({"title": "Partner", "value": reply.partner_name})
    if reply.source:
        facts.append({"title": "Bron", "value": reply.source})
    return [{"type": "FactSet", "facts": facts, "separator": True}] if facts else []


def _mail_actions(reply: Reply) -> list[dict[str, Any]]:
    # Outgoing webhooks support no card action except Action.OpenUrl (Microsoft's docs).
    return [
        {
            "type": "Action.OpenUrl",
            "title": f"Mail {contact.name}",
            "url": "mailto:" + quote(contact.email, safe="@.+-_"),
        }
        for contact in reply.contacts
        if contact.email
    ]


def build_card(reply: Reply) -> dict[str, Any]:
    """The Adaptive Card for a Reply. All text comes from the Reply's structured fields."""
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(_text_block(reply.title, weight="Bolder", size="Medium"))
    if reply.comparison:
        # Partners side by side: a FactSet reads as a two-column table, also on mobile.
        body.extend(markdown_blocks(without_comparison_rows(reply.body_markdown)))
        facts = [{"title": name, "value": text} for name, text in reply.comparison]
        body.append({"type": "FactSet", "facts": facts, "spacing": "Medium"})
    else:
        body.extend(markdown_blocks(reply.body_markdown))
    if reply.options and not _numbers_options(reply.body_markdown):
        body.extend(_option_blocks(reply.options))
    body.extend(_facts(reply))
    if reply.legal_note:
        body.append(_text_block(reply.legal_note, isSubtle=True, size="Small", separator=True))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        # fallbackText may be read as Markdown: the markdown rendering has user text escaped,
        # the plain one (reply.text) does not.
        "fallbackText": reply.markdown,
        "msteams": {"width": "Full"},
        "body": body,
    }
    actions = _mail_actions(reply)
    if actions:
        card["actions"] = actions
    return card


def _numbers_options(markdown: str) -> bool:
    """Clarify bodies may already number the options in place; then show them only there."""
    return any(_NUMBERED.match(line) for line in markdown.splitlines())


def reply_message(reply: Reply) -> dict[str, Any]:
    """The HTTP response body Teams turns into a channel reply.

    ``text`` is only the one-line title, not the whole plain answer: Teams posts an
    activity's text and its card as two separate messages, so a full text would show every
    answer twice; and ``reply.text`` quotes the user unescaped while Teams renders message
    text as Markdown. The complete fallback is the card's ``fallbackText``.
    """
    message: dict[str, Any] = {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": build_card(reply)}],
    }
    if reply.title:
        message["text"] = reply.title
        message["textFormat"] = "plain"
    return message


def text_message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


# --- route ----------------------------------------------------------------------------------


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None when it is (or claims to be) larger than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    # Content-Length can be absent (chunked) or lie; count what actually arrives.
    async for chunk in request.content.iter_chunked(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


Answer = Callable[[Question], Reply | None]


class TeamsWebhook:
    """The handler for one configured outgoing webhook (``POST /teams/<name>``)."""

    def __init__(
        self,
        hook: TeamsWebhookConfig,
        key: bytes,
        teams: TeamsConfig,
        answer: Answer,
        executor: ThreadPoolExecutor,
        metrics: Metrics,
    ) -> None:
        self.hook = hook
        self._key = key
        self._teams = teams
        self._answer = answer
        self.executor = executor
        self._metrics = metrics

    async def handle(self, request: web.Request) -> web.Response:
        response, outcome = await self._respond(request)
        self._metrics.teams_request(self.hook.name, outcome)
        return response

    async def _respond(self, request: web.Request) -> tuple[web.Response, str]:
        body = await read_limited(request, self._teams.max_body_bytes)
        if body is None:
            return self._reject(413, "body too large")
        # Authenticate before parsing: unsigned bytes are never interpreted.
        if not verify_signature(body, request.headers.get("Authorization"), self._key):
            return self._reject(401, "missing or wrong HMAC signature")
        try:
            activity = parse_activity(body)
        except ActivityError as error:
            return self._reject(400, str(error))
        if not is_allowed(self.hook, activity):
            return self._reject(403, "tenant or team not allowed")
        return await self._answer_activity(activity)

    async def _answer_activity(self, activity: Activity) -> tuple[web.Response, str]:
        question = Question(
            text=clean_text(activity.text),
            transport="teams",
            conversation_id=activity.conversation_id,
            sender_id=activity.sender_id,
            mentioned=True,  # Teams only calls an outgoing webhook when it is @mentioned
        )
        try:
            reply = await self.answer_within(question, self._teams.reply_timeout_seconds)
        except TimeoutError:
            log.warning("teams webhook %s: no answer within the time limit", self.hook.name)
            return web.json_response(text_message(TIMEOUT_TEXT)), "timeout"
        if reply is None:  # not expected with mentioned=True; say nothing rather than fail
            return web.json_response(text_message("")), "200"
        return web.json_response(reply_message(reply)), "200"

    async def answer_within(self, question: Question, seconds: float) -> Reply | None:
        """Run the synchronous assistant off the event loop so the time limit can fire.

        A single worker thread keeps calls into the assistant serial, as on the event loop;
        a call that overruns keeps its thread, later ones queue and time out in turn.
        """
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self.executor, self._answer, question)
        return await asyncio.wait_for(work, timeout=seconds)

    def _reject(self, status: int, reason: str) -> tuple[web.Response, str]:
        log.warning("teams webhook %s: %d %s", self.hook.name, status, reason)
        return web.json_response({"error": reason}, status=status), str(status)


def webhook_key(hook: TeamsWebhookConfig, index: int, environ: Mapping[str, str]) -> bytes:
    """Resolve and decode one webhook's token; a ConfigError names the key, never the value."""
    path = f"teams.webhooks[{index}].token"
    try:
        secret = resolve_secret(hook.token, environ)
    except OSError as error:
        raise ConfigError([f"{path}: cannot read the token file: {error.strerror}"]) from None
    if secret is None:
        raise ConfigError([f"{path}: no token found (set the environment variable or file)"])
    try:
        return decode_token(secret.value)
    except ValueError as error:
        raise ConfigError([f"{path}: {error}"]) from None
