"""Getting replies into rooms: sending with retries, one reply at a time per room, and keeping
the sync token only once every reply started before it has finished.

Delivery guarantees, and how they are kept:
- never answer twice: answered event ids live in the Store, checked before and recorded after
  sending; a reply's transaction id derives from the question, so a retried send is
  deduplicated by the homeserver.
- never lose a question: the sync token is persisted only when every reply started from that
  sync batch and all earlier ones has finished, so a crash resumes before any unanswered one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import ClientConnectionError
from nio import AsyncClient, ErrorResponse, LocalProtocolError, RoomSendResponse, SendRetryError

from bot.store import Store
from bot.transports.matrix.content import transaction_id
from bot.waiting import Backoff

log = logging.getLogger(__name__)

NETWORK_ERRORS = (ClientConnectionError, TimeoutError, OSError)
MAX_OFFERS = 1000


def retry_delay(response: ErrorResponse, fallback: float) -> float:
    """Seconds to wait after an error: ``retry_after_ms``, else the ``Retry-After`` header."""
    if response.retry_after_ms:
        return float(response.retry_after_ms) / 1000
    transport = response.transport_response
    header = transport.headers.get("Retry-After") if transport is not None else None
    if header is not None and header.strip().isdigit():
        return float(header.strip())
    return fallback


def as_error(response: object) -> ErrorResponse:
    if not isinstance(response, ErrorResponse):
        raise TypeError(f"unexpected response {type(response).__name__}")
    return response


def _http_status(response: ErrorResponse) -> int | None:
    transport = response.transport_response
    return int(transport.status) if transport is not None else None


def _is_rate_limited(response: ErrorResponse) -> bool:
    return _http_status(response) == 429 or response.status_code == "M_LIMIT_EXCEEDED"


def is_transient(response: ErrorResponse) -> bool:
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


class Delivery:
    """Sends replies: in question order per room, each question answered at most once."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._room_locks: dict[str, asyncio.Lock] = {}
        # Our "Bedoel je" messages (event id → thread root), newest last: a 1️⃣/2️⃣ reaction
        # on one of them chooses that option.
        self.offers: OrderedDict[str, str | None] = OrderedDict()

    async def deliver(
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
            sent = await send(client, room_id, content, transaction_id(event_id))
            if sent is not None:
                self._store.mark_answered(event_id, room_id, self._clock())
                if entry is not None:  # remembered so a reaction can be credited to it
                    self._store.remember_answer(sent, room_id, entry, self._clock())
                if offer:  # options offered: a 1️⃣/2️⃣ reaction on it chooses
                    self.offers[sent] = thread_root
                    while len(self.offers) > MAX_OFFERS:
                        self.offers.popitem(last=False)
                log.info("answered %s in %s", event_id, room_id)


async def send(client: AsyncClient, room_id: str, content: dict[str, Any], txn: str) -> str | None:
    """Send until delivered: the event id; None only for a permanent refusal (e.g. not in the
    room). Cancelled by the transport's shutdown grace at the latest."""
    backoff = Backoff()
    while True:
        delay = backoff.next()
        try:
            response = await client.room_send(
                room_id, "m.room.message", content, tx_id=txn, ignore_unverified_devices=True
            )
        except NETWORK_ERRORS:
            log.warning("send to %s: homeserver unreachable; retry in %.1f s", room_id, delay)
        except (SendRetryError, LocalProtocolError) as error:
            log.warning("send to %s: %s; retry in %.1f s", room_id, type(error).__name__, delay)
        else:
            if isinstance(response, RoomSendResponse):
                return str(response.event_id)
            response = as_error(response)
            if not is_transient(response):
                log.error("send to %s refused: %s", room_id, response.status_code)
                return None
            delay = retry_delay(response, delay)
            log.warning("send to %s: %s; retry in %.2f s", room_id, response.status_code, delay)
        await asyncio.sleep(delay)
