"""Microsoft Teams outgoing webhook: one aiohttp route per configured webhook.

Protocol (Microsoft's "Create an Outgoing Webhook"): Teams POSTs a Bot Framework activity
when someone @mentions the webhook in a channel, signed with ``Authorization: HMAC <base64>``
(HMAC-SHA256 over the raw body, key = the base64-decoded security token), and shows whatever
the same HTTP response holds, if it arrives within 5 seconds.

This module checks the signature, turns the activity into a ``Question`` and answers with the
shared card builder (``cards``). It holds no matching and no wording beyond the timeout message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

import orjson
from aiohttp import web

from bot.config import ConfigError, TeamsConfig, TeamsWebhookConfig, resolve_secret
from bot.metrics import Metrics
from bot.models import Question, Reply
from bot.reloader import ReloadResult
from bot.serial_assistant import Answered
from bot.transports.teams.activity import Activity, ActivityError, clean_text, parse_activity
from bot.transports.teams.cards import reply_message, text_message

log = logging.getLogger(__name__)

TIMEOUT_TEXT = "Dat duurde te lang, het antwoord is niet op tijd klaar. Probeer het opnieuw."
_READ_CHUNK = 64 * 1024
# The stdlib encoder, only for a text orjson refuses (a lone surrogate, which YAML's "\ud800"
# escape could put in the knowledge): then the reply still goes out, with \u escapes.
_STDLIB_ENCODE = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def encode_json(data: object) -> bytes:
    """Compact UTF-8 JSON. orjson takes about a tenth of the stdlib encoder's time, which
    was 8 % of the server's CPU per webhook request."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return _STDLIB_ENCODE(data).encode("ascii")


def json_response(data: object, status: int = 200) -> web.Response:
    """``web.json_response`` with the compact encoder (the same Content-Type and charset)."""
    return web.Response(body=encode_json(data), status=status, headers=_JSON_HEADERS)


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
    expected = hmac.digest(key, body, "sha256")  # one C call, no HMAC object
    return hmac.compare_digest(expected, given)


def is_allowed(hook: TeamsWebhookConfig, activity: Activity) -> bool:
    """An empty allowlist allows everything; a set one must contain the activity's id."""
    if hook.allowed_tenants and activity.tenant_id not in hook.allowed_tenants:
        return False
    return not (hook.allowed_teams and activity.team_id not in hook.allowed_teams)


# --- route ----------------------------------------------------------------------------------


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None when it is (or claims to be) larger than ``limit`` bytes."""
    if request.content_length is not None:
        if request.content_length > limit:
            return None
        # The parser hands over exactly Content-Length bytes (aiohttp refuses a request
        # that also says chunked): read them at once, not chunk by chunk.
        return await request.read()
    chunks: list[bytes] = []
    size = 0
    # Content-Length can be absent (chunked) or lie; count what actually arrives.
    async for chunk in request.content.iter_chunked(_READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


Ask = Callable[[Question], Awaitable[Reply | None]]  # SerialAssistant.handle
AskNow = Callable[[Question], Answered | None]  # SerialAssistant.handle_now


def _never_now(question: Question) -> Answered | None:
    return None


class TeamsWebhook:
    """The handler for one configured outgoing webhook (``POST /teams/<name>``)."""

    def __init__(
        self,
        hook: TeamsWebhookConfig,
        key: bytes,
        teams: TeamsConfig,
        ask: Ask,
        metrics: Metrics,
        ask_now: AskNow = _never_now,
    ) -> None:
        self.hook = hook
        self._key = key
        self._teams = teams
        self._ask = ask
        self._ask_now = ask_now
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
            address_hint="In een kanaal noem je mij met een @-vermelding in je bericht.",
        )
        try:
            reply = await self.answer_within(question, self._teams.reply_timeout_seconds)
        except TimeoutError:
            log.warning("teams webhook %s: no answer within the time limit", self.hook.name)
            return json_response(text_message(TIMEOUT_TEXT)), "timeout"
        if reply is None:  # not expected with mentioned=True; say nothing rather than fail
            return json_response(text_message("")), "200"
        return json_response(reply_message(reply)), "200"

    async def answer_within(self, question: Question, seconds: float) -> Reply | None:
        """The reply, or TimeoutError when the (serialised, off-loop) assistant is too slow.

        A question the assistant can answer at once without blocking (``ask_now``: its
        worker is idle, no command) is answered here; anything else waits its turn in the
        worker, at most ``seconds``.
        """
        answered = self._ask_now(question)
        if answered is not None:
            return answered.reply
        return await asyncio.wait_for(self._ask(question), timeout=seconds)

    def _reject(self, status: int, reason: str) -> tuple[web.Response, str]:
        log.warning("teams webhook %s: %d %s", self.hook.name, status, reason)
        return json_response({"error": reason}, status=status), str(status)


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


class TeamsWebhooks:
    """The configured outgoing webhooks as one transport: routes on the shared web app.

    An outgoing webhook can only answer the request that called it, so there is nothing to
    run and nowhere to announce a reload result.
    """

    name = "teams"

    def __init__(
        self,
        teams: TeamsConfig,
        ask: Ask,
        metrics: Metrics,
        environ: Mapping[str, str],
        ask_now: AskNow = _never_now,
    ) -> None:
        """Raises ConfigError when a webhook token is missing or invalid."""
        self.webhooks = {
            hook.name: TeamsWebhook(
                hook, webhook_key(hook, index, environ), teams, ask, metrics, ask_now
            )
            for index, hook in enumerate(teams.webhooks)
        }

    def add_routes(self, app: web.Application) -> None:
        for name, webhook in self.webhooks.items():
            app.router.add_post(f"/teams/{name}", webhook.handle)
            log.info("teams webhook %s listening on /teams/%s", name, name)

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()

    async def announce(self, result: ReloadResult) -> None:
        return None
