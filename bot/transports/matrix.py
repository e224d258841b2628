"""Matrix transport: matrix-nio in, ``Question`` to the assistant, ``Reply`` back as a notice.

The only module that imports ``nio``. It owns the protocol facts (mentions, threads, rich
replies, invites, encryption, sync tokens, rate limits) and none of the wording: every text
the bot sends comes from the assistant, except the one flood notice below.

Delivery guarantees, and how they are kept:
- never answer twice: answered event ids live in the Store, checked before and recorded after
  sending; a reply's transaction id derives from the question, so a retried send is
  deduplicated by the homeserver.
- never lose a question: the sync token is persisted only when every reply started from that
  sync batch and all earlier ones has finished, so a crash resumes before any unanswered one.
- never replay history: events older than ``catch_up_minutes`` are never answered, and the
  first sync of a fresh store only teaches, it answers nothing.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import ClientConnectionError, web
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    InviteMemberEvent,
    JoinResponse,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    ReactionEvent,
    RedactionEvent,
    RoomLeaveResponse,
    RoomMessagesResponse,
    RoomMessageText,
    RoomSendResponse,
    SendRetryError,
    SyncResponse,
)

from bot.admin import render_reload_result
from bot.config import Config, MatrixConfig, resolve_secret
from bot.models import Question, Reply
from bot.ratelimit import FloodLimiter, render_flood_notice
from bot.reloader import ReloadResult
from bot.serial_assistant import SerialAssistant
from bot.store import Store
from bot.transports.base import TRANSPORT_GRACE_SECONDS
from bot.waiting import Backoff, until_stopped, wait_or_stop

log = logging.getLogger(__name__)

T = TypeVar("T")

SYNC_TIMEOUT_MS = 30_000
TIMELINE_LIMIT = 50  # per room per sync; a larger gap is filled page by page (see _fill_gap)
GAP_PAGE_LIMIT = 100
GAP_MAX_PAGES = 20
_NETWORK_ERRORS = (ClientConnectionError, TimeoutError, OSError)


class MatrixLoginError(RuntimeError):
    """The homeserver refused the configured credentials (never retried)."""


# ---------------------------------------------------------------- protocol helpers (pure)


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


def mentions_bot_by_pill(formatted_body: str, user_id: str) -> bool:
    """A matrix.to link to the bot (a "pill"), plain or percent-encoded."""
    encoded = re.escape(user_id.replace("@", "%40").replace(":", "%3A"))
    pattern = rf"https://matrix\.to/#/(?:{re.escape(user_id)}|{encoded})(?![\w.=\-/])"
    return re.search(pattern, formatted_body, re.IGNORECASE) is not None


def strip_leading_name(body: str, names: Iterable[str]) -> tuple[str, bool]:
    """Remove the bot's name (or id) at the start, as in "Partnerwijzer: vraag"; report it."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        match = re.match(rf"\s*@?{re.escape(name.lstrip('@'))}(?![\w-])[\s:,;!.-]*", body, re.I)
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
            "is_falling_back": True,
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


def retry_delay(response: ErrorResponse, fallback: float) -> float:
    """Seconds to wait after an error: ``retry_after_ms``, else the ``Retry-After`` header."""
    if response.retry_after_ms:
        return float(response.retry_after_ms) / 1000
    transport = response.transport_response
    header = transport.headers.get("Retry-After") if transport is not None else None
    if header is not None and header.strip().isdigit():
        return float(header.strip())
    return fallback


def _as_error(response: object) -> ErrorResponse:
    if not isinstance(response, ErrorResponse):
        raise TypeError(f"unexpected response {type(response).__name__}")
    return response


def _http_status(response: ErrorResponse) -> int | None:
    transport = response.transport_response
    return int(transport.status) if transport is not None else None


def _is_rate_limited(response: ErrorResponse) -> bool:
    return _http_status(response) == 429 or response.status_code == "M_LIMIT_EXCEEDED"


def _is_transient(response: ErrorResponse) -> bool:
    status = _http_status(response)
    return _is_rate_limited(response) or status is None or status >= 500


class TokenKeeper:
    """Persist a sync token once every task started from it, and before it, has finished.

    A cancelled task (shutdown grace exceeded) blocks the token for good: its question was
    not answered, so the next start must sync from before it.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: deque[tuple[str, set[asyncio.Task[Any]]]] = deque()
        self._blocked = False

    def add(self, token: str, tasks: Iterable[asyncio.Task[Any]]) -> None:
        batch = set(tasks)
        self._pending.append((token, batch))
        for task in batch:
            task.add_done_callback(lambda _task: self.flush())
        self.flush()

    def flush(self) -> None:
        token = None
        while not self._blocked and self._pending:
            head_token, head_tasks = self._pending[0]
            if not all(task.done() for task in head_tasks):
                break
            if any(task.cancelled() for task in head_tasks):
                self._blocked = True
                break
            self._pending.popleft()
            token = head_token
        if token is not None:
            self._store.set_sync_token(token)


# ---------------------------------------------------------------- the transport


class MatrixTransport:
    """Syncs with the homeserver and answers questions until ``stop`` is set."""

    name = "matrix"

    def __init__(
        self,
        config: Config,
        assistant: SerialAssistant,
        store: Store,
        environ: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` is the wall clock (epoch seconds) that the catch-up window is judged by."""
        if config.matrix is None:
            raise ValueError("MatrixTransport needs a 'matrix:' section in the config")
        self._config = config
        self._matrix = config.matrix
        self._assistant = assistant
        self._store = store
        self._environ = environ
        self._clock = clock
        self._limiter = FloodLimiter(
            config.flood.per_user_per_minute, config.flood.per_room_per_minute
        )
        self._keeper = TokenKeeper(store)
        self._in_flight: dict[str, asyncio.Task[Any]] = {}
        self._room_locks: dict[str, asyncio.Lock] = {}
        self._invites_seen: set[str] = set()
        # Our "Bedoel je" messages (event id → thread root), newest last.
        self._offers: OrderedDict[str, str | None] = OrderedDict()
        self._client: AsyncClient | None = None
        self.ready = asyncio.Event()  # set after the first successful sync (tests, health)

    # ---- lifecycle

    def add_routes(self, app: web.Application) -> None:
        """Matrix needs no HTTP routes: the bot syncs out to the homeserver."""

    async def run(self, stop: asyncio.Event) -> None:
        client = self._make_client()
        self._client = client
        try:
            if await self._login(client, stop):
                self._store.prune_answered(self._clock() - self._catch_up_seconds() - 86_400)
                await self._sync_loop(client, stop)
        finally:
            self._client = None
            await self._finish_in_flight()
            await client.close()
            log.info("matrix transport stopped")

    def _make_client(self) -> AsyncClient:
        store_path = Path(self._matrix.store_path)
        store_path.mkdir(parents=True, exist_ok=True)
        client_config = AsyncClientConfig(
            # nio would retry 429s forever reading only retry_after_ms, and network errors
            # forever without a way to stop: we retry ourselves, honouring Retry-After and stop.
            max_limit_exceeded=0,
            max_timeouts=0,
            request_timeout=20,
            encryption_enabled=self._matrix.encryption,
            store_sync_tokens=False,  # the token lives in our Store, with our guarantees
        )
        return AsyncClient(
            self._matrix.homeserver,
            self._matrix.user_id,
            device_id=self._matrix.device_id,
            store_path=str(store_path),
            config=client_config,
        )

    async def _login(self, client: AsyncClient, stop: asyncio.Event) -> bool:
        token = resolve_secret(self._matrix.access_token, self._environ)
        if token is not None:
            client.restore_login(self._matrix.user_id, self._matrix.device_id, token.value)
            return True
        password = resolve_secret(self._matrix.password, self._environ)
        if password is None:
            raise MatrixLoginError("matrix: no access token or password available")
        backoff = Backoff()
        while not stop.is_set():
            delay = backoff.next()
            try:
                stopped, response = await until_stopped(
                    client.login(password.value, device_name=self._matrix.device_name), stop
                )
            except _NETWORK_ERRORS:
                log.warning("homeserver unreachable for login; retrying in %.1f s", delay)
            else:
                if stopped:
                    return False
                if isinstance(response, LoginResponse):
                    log.info("logged in as %s, device %s", client.user_id, client.device_id)
                    return True
                response = _as_error(response)
                if not _is_transient(response):
                    raise MatrixLoginError(f"matrix login refused: {response.status_code}")
                delay = retry_delay(response, delay)
                log.warning("login failed (%s); retrying in %.1f s", response.status_code, delay)
            if await wait_or_stop(stop, delay):
                return False
        return False

    async def _finish_in_flight(self) -> None:
        pending = [task for task in self._in_flight.values() if not task.done()]
        if not pending:
            return
        log.info("finishing %d replies in flight", len(pending))
        _done, late = await asyncio.wait(pending, timeout=TRANSPORT_GRACE_SECONDS)
        for task in late:
            task.cancel()  # unanswered: the token keeper keeps them for the next start
        if late:
            await asyncio.wait(late)

    # ---- syncing

    def _catch_up_seconds(self) -> float:
        return self._matrix.catch_up_minutes * 60

    async def _sync_loop(self, client: AsyncClient, stop: asyncio.Event) -> None:
        since = self._store.get_sync_token()
        answer = since is not None  # a fresh store's first sync is history: learn, don't answer
        first = True
        backoff = Backoff()
        sync_filter = {"room": {"timeline": {"limit": TIMELINE_LIMIT}}}
        while not stop.is_set():
            delay = backoff.next()
            try:
                stopped, response = await until_stopped(
                    client.sync(
                        timeout=0 if first else SYNC_TIMEOUT_MS,
                        sync_filter=sync_filter,
                        since=since,
                        # nio keeps no room state across restarts: fetch it all on the first sync
                        full_state=True if first else None,
                    ),
                    stop,
                )
            except _NETWORK_ERRORS:
                log.warning("sync failed: homeserver unreachable; retrying in %.1f s", delay)
                await wait_or_stop(stop, delay)
                continue
            if stopped:
                return
            if not isinstance(response, SyncResponse):
                response = _as_error(response)
                if not _is_transient(response):
                    raise MatrixLoginError(f"matrix sync refused: {response.status_code}")
                delay = retry_delay(response, delay)
                log.warning("sync error %s; retrying in %.1f s", response.status_code, delay)
                await wait_or_stop(stop, delay)
                continue
            backoff.reset()
            await self._maintain_keys(client)
            tasks = await self._handle_sync(client, response, since, answer)
            self._keeper.add(response.next_batch, tasks)
            since = response.next_batch
            first, answer = False, True
            self.ready.set()

    async def _maintain_keys(self, client: AsyncClient) -> None:
        """What ``sync_forever`` does between syncs for encryption; failures retry next sync."""
        if not self._matrix.encryption:
            return
        try:
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
        except (*_NETWORK_ERRORS, LocalProtocolError) as error:
            log.warning("key maintenance deferred: %s", type(error).__name__)

    async def _handle_sync(
        self, client: AsyncClient, response: SyncResponse, since: str | None, answer: bool
    ) -> list[asyncio.Task[Any]]:
        tasks = self._handle_invites(client, response)
        for room_id, info in response.rooms.join.items():
            room = client.rooms.get(room_id)
            if room is None:
                continue
            events = list(info.timeline.events)
            if answer and info.timeline.limited and info.timeline.prev_batch:
                events = await self._fill_gap(client, room_id, info.timeline.prev_batch, since)
                events += info.timeline.events
            self._learn_own_replies(room_id, events)
            if not self.serves(room_id):
                # Joined some other way (before an allowlist changed, or by hand): silent.
                continue
            self._record_feedback(events)
            if answer:
                tasks += self._consider_all(client, room, events)
        return tasks

    async def _fill_gap(
        self, client: AsyncClient, room_id: str, prev_batch: str, since: str | None
    ) -> list[Any]:
        """Fetch what a limited timeline skipped, back to the catch-up window or ``since``."""
        cutoff_ms = (self._clock() - self._catch_up_seconds()) * 1000
        older: list[Any] = []
        start: str | None = prev_batch
        for _page in range(GAP_MAX_PAGES):
            if start is None:
                break
            try:
                page = await client.room_messages(
                    room_id, start, end=since, direction=MessageDirection.back, limit=GAP_PAGE_LIMIT
                )
            except _NETWORK_ERRORS:
                page = None
            if not isinstance(page, RoomMessagesResponse):
                log.warning("could not fill timeline gap in %s", room_id)
                break
            older.extend(page.chunk)
            if not page.chunk or page.chunk[-1].server_timestamp < cutoff_ms:
                break
            start = page.end
        log.info("filled timeline gap in %s with %d events", room_id, len(older))
        return list(reversed(older))

    def _learn_own_replies(self, room_id: str, events: Iterable[Any]) -> None:
        """Our own replies in the timeline prove their questions answered (even if the
        Store was lost after sending)."""
        for event in events:
            if event.sender != self._matrix.user_id:
                continue
            content = event.source.get("content", {})
            relation = content.get("m.relates_to") or {}
            question = (relation.get("m.in_reply_to") or {}).get("event_id")
            if isinstance(question, str):
                self._store.mark_answered(question, room_id, self._clock())

    def _record_feedback(self, events: Iterable[Any]) -> None:
        """👍 / 👎 on one of our answers counts for its entry; a withdrawn one is forgotten."""
        for event in events:
            if event.sender == self._matrix.user_id:
                continue
            if isinstance(event, ReactionEvent):
                value = feedback_value(event.key)
                if value is not None and self._store.record_feedback(
                    event.event_id, event.reacts_to, value, self._clock()
                ):
                    log.info("feedback %+d on %s", value, event.reacts_to)
            elif isinstance(event, RedactionEvent) and self._store.remove_feedback(event.redacts):
                log.info("feedback %s withdrawn", event.redacts)

    # ---- reload results (from the core's Upkeep)

    async def announce(self, result: ReloadResult) -> None:
        """Post a reload result in the admin room (``admins.room``) and in the room whose
        ``reload`` command asked for it."""
        client = self._client
        rooms = []
        if self._config.admins.room:
            rooms.append(self._config.admins.room)
        if result.transport == self.name and result.requested_in not in (None, *rooms):
            rooms.append(str(result.requested_in))
        if client is None or not rooms:
            return
        content = notice_content(render_reload_result(result))
        for room_id in rooms:
            txn = f"pw-reload-{result.at:.6f}-{hashlib.sha256(room_id.encode()).hexdigest()[:8]}"
            task = asyncio.create_task(self._send(client, room_id, content, txn))
            self._track(txn, task)

    # ---- invites

    def serves(self, room_id: str) -> bool:
        """Only configured rooms are served: an allowed room, the admin room, or a room the
        bot joined on an invite it was allowed to accept."""
        return (
            room_id in self._matrix.allowed_rooms
            or room_id == self._config.admins.room
            or self._store.joined_on_allowed_invite(room_id)
        )

    def _handle_invites(
        self, client: AsyncClient, response: SyncResponse
    ) -> list[asyncio.Task[Any]]:
        tasks: list[asyncio.Task[Any]] = []
        for room_id, info in response.rooms.invite.items():
            inviter = next(
                (
                    event.sender
                    for event in info.invite_state
                    if isinstance(event, InviteMemberEvent)
                    and event.state_key == self._matrix.user_id
                    and event.membership == "invite"
                ),
                None,
            )
            if inviter is None or room_id in self._invites_seen:
                continue
            self._invites_seen.add(room_id)
            allowed = inviter_allowed(inviter, room_id, self._matrix)
            log.info("invite to %s from %s: %s", room_id, inviter, "join" if allowed else "reject")
            if allowed:
                self._store.record_join(room_id, inviter, self._clock())
            task = asyncio.create_task(self._answer_invite(client, room_id, allowed))
            self._track(f"invite {room_id}", task)
            # Once answered, a later invite to the same room (after a kick, say) is judged anew.
            task.add_done_callback(functools.partial(self._forget_invite, room_id))
            tasks.append(task)
        return tasks

    def _forget_invite(self, room_id: str, _task: asyncio.Task[Any]) -> None:
        self._invites_seen.discard(room_id)

    def _track(self, key: str, task: asyncio.Task[Any]) -> None:
        """Remember a task until it is done, so shutdown can finish or cancel it."""
        self._in_flight[key] = task
        task.add_done_callback(lambda _task: self._in_flight.pop(key, None))

    async def _answer_invite(self, client: AsyncClient, room_id: str, join: bool) -> None:
        backoff = Backoff()
        for _attempt in range(8):
            delay = backoff.next()
            try:
                response = await (client.join(room_id) if join else client.room_leave(room_id))
            except _NETWORK_ERRORS:
                response = None
            if isinstance(response, JoinResponse | RoomLeaveResponse):
                return
            if isinstance(response, ErrorResponse):
                if not _is_transient(response):
                    log.warning("invite to %s: %s", room_id, response.status_code)
                    return
                delay = retry_delay(response, delay)
            await asyncio.sleep(delay)
        log.warning("invite to %s: gave up after retries", room_id)

    # ---- questions

    def _consider_all(
        self, client: AsyncClient, room: MatrixRoom, events: Iterable[Any]
    ) -> list[asyncio.Task[Any]]:
        tasks = []
        for event in events:
            task = self._consider(client, room, event)
            if task is not None:
                tasks.append(task)
        return tasks

    def _consider(
        self, client: AsyncClient, room: MatrixRoom, event: Any
    ) -> asyncio.Task[Any] | None:
        if isinstance(event, MegolmEvent):
            log.info("event %s in %s: undecryptable, skipped", event.event_id, room.room_id)
            return None
        if isinstance(event, ReactionEvent):
            return self._consider_reaction(client, room, event)
        # RoomMessageText only: m.notice (other bots), emotes, media and state are never answered.
        if not isinstance(event, RoomMessageText) or event.sender == self._matrix.user_id:
            return None
        event_id = event.event_id
        if event_id in self._in_flight or self._store.is_answered(event_id):
            return None
        if event.server_timestamp < (self._clock() - self._catch_up_seconds()) * 1000:
            log.info("event %s in %s: older than the catch-up window", event_id, room.room_id)
            return None
        content = event.source.get("content", {})
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace":
            return None  # an edit of an earlier message, not a new question
        thread_root = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
        question = self._question(room, event, content, relation, thread_root)
        task = asyncio.create_task(
            self._answer(client, room, event_id, event.sender, question, event_id, thread_root)
        )
        self._track(event_id, task)
        return task

    def _consider_reaction(
        self, client: AsyncClient, room: MatrixRoom, event: ReactionEvent
    ) -> asyncio.Task[Any] | None:
        """A 1️⃣/2️⃣ reaction on one of our "Bedoel je" messages picks that option."""
        number = choice_number(event.key)
        if number is None or event.reacts_to not in self._offers:
            return None
        event_id = event.event_id
        if event.sender == self._matrix.user_id or event_id in self._in_flight:
            return None
        if self._store.is_answered(event_id):
            return None
        if event.server_timestamp < (self._clock() - self._catch_up_seconds()) * 1000:
            return None
        thread_root = self._offers[event.reacts_to]
        question = Question(
            text=number,
            transport="matrix",
            conversation_id=room.room_id,
            sender_id=event.sender,
            thread_id=thread_root,
            mentioned=True,
            **self._room_capabilities(room),
        )
        # Only the person the options were offered to can choose; anyone else's 2️⃣ is
        # just a reaction, and gets no "geen antwoord" in reply.
        task = asyncio.create_task(
            self._answer(
                client,
                room,
                event_id,
                event.sender,
                question,
                event.reacts_to,
                thread_root,
                only_answers=True,
            )
        )
        self._track(event_id, task)
        return task

    async def _answer(
        self,
        client: AsyncClient,
        room: MatrixRoom,
        event_id: str,
        sender: str,
        question: Question,
        reply_to: str,
        thread_root: str | None,
        only_answers: bool = False,
    ) -> None:
        """Ask the assistant (in its worker) and deliver what it says."""
        try:
            reply = await self._assistant.handle(question)
        except Exception:
            log.exception("assistant failed on event %s", event_id)
            return
        if reply is None or (only_answers and reply.kind != "answer"):
            log.debug("event %s in %s: not for the bot", event_id, room.room_id)
            return
        await self._respond(client, room, event_id, sender, reply, reply_to, thread_root)

    async def _respond(
        self,
        client: AsyncClient,
        room: MatrixRoom,
        event_id: str,
        sender: str,
        reply: Reply,
        reply_to: str,
        thread_root: str | None,
    ) -> None:
        """Send ``reply`` for the event ``event_id`` (flood limits applied), as a rich reply to
        ``reply_to``."""
        verdict = self._limiter.check(room.room_id, sender)
        log.info("event %s in %s: %s, flood %s", event_id, room.room_id, reply.kind, verdict)
        if verdict == "drop":
            self._store.mark_answered(event_id, room.room_id, self._clock())
            return
        best = reply.decision.best if reply.decision is not None else None
        entry = best.entry.id if reply.kind == "answer" and best is not None else None
        if verdict == "notify":
            reply, entry = render_flood_notice(), None
        content_out = reply_content(reply, reply_to, sender, thread_root)
        offer = reply.kind == "clarify"
        await self._deliver(client, room.room_id, event_id, content_out, entry, offer, thread_root)

    def _question(
        self,
        room: MatrixRoom,
        event: RoomMessageText,
        content: Mapping[str, Any],
        relation: Mapping[str, Any],
        thread_root: str | None,
    ) -> Question:
        me = self._matrix.user_id
        is_reply = "m.in_reply_to" in relation
        body = strip_reply_fallback(event.body or "", is_reply)
        html = strip_html_reply_fallback(event.formatted_body or "")
        mentions = content.get("m.mentions")
        user_ids = mentions.get("user_ids", []) if isinstance(mentions, Mapping) else []
        names = (me, me[1:].split(":", 1)[0], room.user_name(me), self._config.assistant.bot_name)
        text, named_at_start = strip_leading_name(body, [n for n in names if n])
        mentioned = me in user_ids or named_at_start or mentions_bot_by_pill(html, me)
        return Question(
            text=text.replace(me, "").strip(),
            transport="matrix",
            conversation_id=room.room_id,
            sender_id=event.sender,
            thread_id=thread_root if isinstance(thread_root, str) else None,
            mentioned=mentioned,
            **self._room_capabilities(room),
        )

    def _room_capabilities(self, room: MatrixRoom) -> dict[str, Any]:
        direct = room.joined_count == 2
        return {
            "always_addressed": direct,
            "private": direct,
            "can_post_later": True,
        }

    async def _deliver(
        self,
        client: AsyncClient,
        room_id: str,
        event_id: str,
        content: dict[str, Any],
        entry: str | None = None,
        offer: bool = False,
        thread_root: str | None = None,
    ) -> None:
        # One reply at a time per room keeps answers in question order (the lock is FIFO).
        lock = self._room_locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            if self._store.is_answered(event_id):
                return
            sent = await self._send(client, room_id, content, transaction_id(event_id))
            if sent is not None:
                self._store.mark_answered(event_id, room_id, self._clock())
                if entry is not None:  # remembered so a reaction can be credited to it
                    self._store.remember_answer(sent, room_id, entry, self._clock())
                if offer:  # options offered: a 1️⃣/2️⃣ reaction on it chooses
                    self._offers[sent] = thread_root
                    while len(self._offers) > MAX_OFFERS:
                        self._offers.popitem(last=False)
                log.info("answered %s in %s", event_id, room_id)

    async def _send(
        self, client: AsyncClient, room_id: str, content: dict[str, Any], txn: str
    ) -> str | None:
        """Send until delivered: the event id; None only for a permanent refusal (e.g. not
        in the room)."""
        backoff = Backoff()
        while True:
            delay = backoff.next()
            try:
                response = await client.room_send(
                    room_id, "m.room.message", content, tx_id=txn, ignore_unverified_devices=True
                )
            except _NETWORK_ERRORS:
                log.warning("send to %s: homeserver unreachable; retry in %.1f s", room_id, delay)
            except (SendRetryError, LocalProtocolError) as error:
                log.warning("send to %s: %s; retry in %.1f s", room_id, type(error).__name__, delay)
            else:
                if isinstance(response, RoomSendResponse):
                    return str(response.event_id)
                response = _as_error(response)
                if not _is_transient(response):
                    log.error("send to %s refused: %s", room_id, response.status_code)
                    return None
                delay = retry_delay(response, delay)
                log.warning("send to %s: %s; retry in %.2f s", room_id, response.status_code, delay)
            await asyncio.sleep(delay)
