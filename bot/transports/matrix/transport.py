"""The Matrix transport: login, the sync loop, invites, and wiring events to the assistant.

What an event means is decided by ``events`` (pure); how replies reach a room by ``delivery``;
what a message looks like by ``content``. This module owns the client and the loop.

- never replay history: events older than ``catch_up_minutes`` are never answered, and a
  fresh store (first start, or the store lost) answers nothing from before this start: its
  first sync only teaches, and a homeserver's cached sync cannot bring old questions back.
- only configured rooms are served: allowed rooms, the admin room, and rooms joined on an
  allowed invite. Who invited the bot is recorded, and re-derived from the room's member
  state when the store was lost; every joined room not served is logged once, with why.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LocalProtocolError,
    LoginResponse,
    MatrixRoom,
    MessageDirection,
    RoomMessagesResponse,
    SyncResponse,
)

from bot.admin import render_reload_result
from bot.config import Config, resolve_secret
from bot.models import Reply
from bot.ratelimit import FloodLimiter, render_flood_notice
from bot.reloader import ReloadResult
from bot.serial_assistant import SerialAssistant
from bot.store import Store
from bot.transports.base import TRANSPORT_GRACE_SECONDS
from bot.transports.matrix.content import notice_content, reply_content
from bot.transports.matrix.crypto_store import CryptoStore
from bot.transports.matrix.delivery import (
    NETWORK_ERRORS,
    Delivery,
    TokenKeeper,
    as_error,
    is_transient,
    retry_delay,
    send,
)
from bot.transports.matrix.events import (
    Ask,
    EventReader,
    Feedback,
    Ignore,
    Room,
    Withdrawn,
)
from bot.transports.matrix.rooms import Rooms
from bot.waiting import Backoff, until_stopped, wait_or_stop

log = logging.getLogger(__name__)

SYNC_TIMEOUT_MS = 30_000
TIMELINE_LIMIT = 50  # per room per sync; a larger gap is filled page by page (see _fill_gap)
GAP_PAGE_LIMIT = 100
GAP_MAX_PAGES = 20
# How long the next long poll waits for the replies started from a sync (see _sync_loop): a
# slow reply (the worker busy with a reload, a send being retried) must not stall syncing.
REPLIES_FIRST_SECONDS = 1.0


class MatrixLoginError(RuntimeError):
    """The homeserver refused the configured credentials (never retried)."""


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
        self._delivery = Delivery(store, clock)
        self._in_flight: dict[str, asyncio.Task[Any]] = {}
        self._rooms = Rooms(config, store, clock)
        # A fresh store knows nothing of what was answered: nothing from before this start.
        self._fresh_since: float | None = None
        self._reader = EventReader(
            config,
            seen=lambda event_id: event_id in self._in_flight or store.is_answered(event_id),
            not_before=self._not_before_ms,
            offers=self._delivery.offers,
        )
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
            store=CryptoStore,
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
            except NETWORK_ERRORS:
                log.warning("homeserver unreachable for login; retrying in %.1f s", delay)
            else:
                if stopped:
                    return False
                if isinstance(response, LoginResponse):
                    log.info("logged in, device %s", client.device_id)
                    return True
                response = as_error(response)
                if not is_transient(response):
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

    def _not_before_ms(self) -> float:
        oldest = self._clock() - self._catch_up_seconds()
        if self._fresh_since is not None:
            oldest = max(oldest, self._fresh_since)
        return oldest * 1000

    async def _sync_loop(self, client: AsyncClient, stop: asyncio.Event) -> None:
        since = self._store.get_sync_token()
        answer = since is not None  # a fresh store's first sync is history: learn, don't answer
        if since is None:
            self._fresh_since = self._clock()
        first = True
        backoff = Backoff()
        sync_filter = {"room": {"timeline": {"limit": TIMELINE_LIMIT}}}
        while not stop.is_set():
            delay = backoff.next()
            try:
                stopped, synced = await until_stopped(
                    self._sync_once(client, sync_filter, since, first, answer), stop
                )
            except NETWORK_ERRORS:
                log.warning("sync failed: homeserver unreachable; retrying in %.1f s", delay)
                await wait_or_stop(stop, delay)
                continue
            if stopped or synced is None:
                return
            response, tasks = synced
            if not isinstance(response, SyncResponse):
                response = as_error(response)
                if not is_transient(response):
                    raise MatrixLoginError(f"matrix sync refused: {response.status_code}")
                delay = retry_delay(response, delay)
                log.warning("sync error %s; retrying in %.1f s", response.status_code, delay)
                await wait_or_stop(stop, delay)
                continue
            backoff.reset()
            since = response.next_batch
            first, answer = False, True
            self.ready.set()
            # Replies first, then key housekeeping and the next long poll, as a bot answering
            # inside nio's sync callbacks does: Synapse serves requests on one thread, and a
            # poll waiting there while a reply is sent makes it build that poll's response
            # (with the reply in it) ahead of the asker's. A question arriving meanwhile is
            # fetched by the poll right after; waiting is bounded for a slow reply.
            if tasks:
                await asyncio.wait(tasks, timeout=REPLIES_FIRST_SECONDS)
            await self._maintain_keys(client)

    async def _sync_once(
        self,
        client: AsyncClient,
        sync_filter: dict[str, Any],
        since: str | None,
        first: bool,
        answer: bool,
    ) -> tuple[object, list[asyncio.Task[Any]]]:
        """One sync and, when it succeeds, its handling (replies started, the token handed to
        the keeper), in the task that ``until_stopped`` runs: a reply starts as soon as the
        sync is in, without waking the sync loop first (two event-loop turns, about 0.07 ms
        on the bench). A stop abandons the handling too; the token of a batch abandoned
        before it reached the keeper is never saved, so its questions come again."""
        response = await client.sync(
            timeout=0 if first else SYNC_TIMEOUT_MS,
            sync_filter=sync_filter,
            since=since,
            # nio keeps no room state across restarts: fetch it all on the first sync
            full_state=True if first else None,
        )
        if not isinstance(response, SyncResponse):
            return response, []
        tasks = await self._handle_sync(client, response, since, answer)
        self._keeper.add(response.next_batch, tasks)
        return response, tasks

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
        except (*NETWORK_ERRORS, LocalProtocolError) as error:
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
            if not await self._serves_joined(client, room_id, [*info.state, *events]):
                continue
            for event in events:
                task = self._consider(client, room, event, answer)
                if task is not None:
                    tasks.append(task)
        return tasks

    async def _fill_gap(
        self, client: AsyncClient, room_id: str, prev_batch: str, since: str | None
    ) -> list[Any]:
        """Fetch what a limited timeline skipped, back to the catch-up window or ``since``."""
        cutoff_ms = self._not_before_ms()
        older: list[Any] = []
        start: str | None = prev_batch
        for _page in range(GAP_MAX_PAGES):
            if start is None:
                break
            try:
                page = await client.room_messages(
                    room_id, start, end=since, direction=MessageDirection.back, limit=GAP_PAGE_LIMIT
                )
            except NETWORK_ERRORS:
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

    # ---- events

    def _consider(
        self, client: AsyncClient, room: MatrixRoom, event: Any, answer: bool
    ) -> asyncio.Task[Any] | None:
        facts = Room(room.room_id, self._rooms.is_direct(room.room_id), room.user_name(self._me))
        reading = self._reader.read(event, facts)
        if isinstance(reading, Feedback):
            if self._store.record_feedback(
                reading.event_id, reading.reacts_to, reading.value, self._clock()
            ):
                log.info("feedback %+d on %s", reading.value, reading.reacts_to)
            return None
        if isinstance(reading, Withdrawn):
            if self._store.remove_feedback(reading.redacts):
                log.info("feedback %s withdrawn", reading.redacts)
            return None
        if isinstance(reading, Ignore):
            if reading.reason in ("undecryptable", "too old to answer"):
                log.info("event %s in %s: %s", event.event_id, room.room_id, reading.reason)
            return None
        if not answer:
            return None
        task = asyncio.create_task(self._answer(client, room.room_id, reading))
        self._track(reading.event_id, task)
        return task

    @property
    def _me(self) -> str:
        return self._matrix.user_id

    async def _answer(self, client: AsyncClient, room_id: str, ask: Ask) -> None:
        """Ask the assistant (at once or in its worker) and deliver what it says. Nothing it
        raises may reach the sync loop: a failing question is logged and left unanswered."""
        try:
            # At once on the event loop when the worker is idle (as the Teams webhook does):
            # the two thread hand-overs cost more than the answer (README, "Speed headroom").
            answered = self._assistant.handle_now(ask.question)
            reply = (
                answered.reply
                if answered is not None
                else await self._assistant.handle(ask.question)
            )
        except Exception as error:
            log.error("assistant failed on event %s: %s", ask.event_id, type(error).__name__)
            return
        if reply is None or (ask.only_answers and reply.kind != "answer"):
            log.debug("event %s in %s: not for the bot", ask.event_id, room_id)
            return
        await self._respond(client, room_id, ask, reply)

    async def _respond(self, client: AsyncClient, room_id: str, ask: Ask, reply: Reply) -> None:
        """Send ``reply`` for ``ask`` (flood limits applied), as a rich reply in its thread."""
        verdict = self._limiter.check(room_id, ask.question.sender_id)
        kind = reply.kind
        if verdict == "drop":
            log.info("event %s in %s: %s, flood %s", ask.event_id, room_id, kind, verdict)
            self._store.mark_answered(ask.event_id, room_id, self._clock())
            return
        best = reply.decision.best if reply.decision is not None else None
        entry = best.entry.id if reply.kind == "answer" and best is not None else None
        if verdict == "notify":
            reply, entry = render_flood_notice(), None
        content = reply_content(reply, ask.reply_to, ask.question.sender_id, ask.thread_root)
        offer = reply.kind == "clarify"
        await self._delivery.deliver(
            client, room_id, ask.event_id, content, entry, offer, ask.thread_root
        )
        # Logged once the reply is out: the app logs at INFO, and formatting and writing a
        # record (about 10 µs, more to a pipe) before the send was in every round trip.
        log.info("event %s in %s: %s, flood %s", ask.event_id, room_id, kind, verdict)

    def _track(self, key: str, task: asyncio.Task[Any]) -> None:
        """Remember a task until it is done, so shutdown can finish or cancel it."""
        self._in_flight[key] = task
        task.add_done_callback(lambda _task: self._in_flight.pop(key, None))

    # ---- reload results

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
            self._track(txn, asyncio.create_task(send(client, room_id, content, txn)))

    # ---- rooms and invites

    def serves(self, room_id: str) -> bool:
        return self._rooms.serves(room_id)

    async def _serves_joined(self, client: AsyncClient, room_id: str, events: list[Any]) -> bool:
        return await self._rooms.serves_joined(client, room_id, events)

    def _handle_invites(
        self, client: AsyncClient, response: SyncResponse
    ) -> list[asyncio.Task[Any]]:
        tasks = self._rooms.handle_invites(client, response)
        for room_id, task in tasks:
            self._track(f"invite {room_id}", task)
        return [task for _room_id, task in tasks]
