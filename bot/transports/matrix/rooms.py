"""Which rooms the bot serves, and answering invites.

Only configured rooms are served: an allowed room, the admin room, or a room the bot joined
on an invite it was allowed to accept. Who invited the bot is recorded when it joins, and
re-derived from the room's member state when the store does not know the room (the store
was lost, or the bot was joined by hand); a joined room not served is logged once, with why.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    InviteMemberEvent,
    JoinResponse,
    RoomGetEventResponse,
    RoomLeaveResponse,
    RoomMemberEvent,
    SyncResponse,
)

from bot.config import Config
from bot.store import Store
from bot.transports.matrix.content import inviter_allowed
from bot.transports.matrix.delivery import NETWORK_ERRORS, is_transient, retry_delay
from bot.waiting import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invite:
    inviter: str
    direct: bool  # the invite said this is a 1:1 chat (``is_direct``)


def invite_from_membership(event: RoomMemberEvent) -> Invite | None:
    """The invite the bot joined on, from its own join event's record of the state it
    replaced (``unsigned.prev_content`` and ``prev_sender``, as Synapse sends them)."""
    unsigned = event.source.get("unsigned") or {}
    previous = unsigned.get("prev_content") or event.prev_content or {}
    sender = unsigned.get("prev_sender")
    if previous.get("membership") != "invite" or not isinstance(sender, str):
        return None
    return Invite(sender, previous.get("is_direct") is True)


class Rooms:
    def __init__(
        self, config: Config, store: Store, clock: Callable[[], float] = time.time
    ) -> None:
        if config.matrix is None:
            raise ValueError("Rooms needs a 'matrix:' section in the config")
        self._config = config
        self._matrix = config.matrix
        self._me = config.matrix.user_id
        self._store = store
        self._clock = clock
        self._invites_seen: set[str] = set()
        self._unserved_logged: set[str] = set()
        # What the store has said yes to, asked once per room instead of once per message:
        # the store only ever adds joined and direct rooms, so a yes stays true.
        self._joined: set[str] = set()
        self._direct: set[str] = set()

    def serves(self, room_id: str) -> bool:
        """Only configured rooms are served: an allowed room, the admin room, or a room the
        bot joined on an invite it was allowed to accept."""
        if room_id in self._joined:
            return True
        if room_id in self._matrix.allowed_rooms or room_id == self._config.admins.room:
            return True
        if self._store.joined_on_allowed_invite(room_id):
            self._joined.add(room_id)
            return True
        return False

    def is_direct(self, room_id: str) -> bool:
        """Whether the bot was invited to the room as a 1:1 chat (every message is for it)."""
        if room_id in self._direct:
            return True
        if self._store.is_direct(room_id):
            self._direct.add(room_id)
            return True
        return False

    async def serves_joined(self, client: AsyncClient, room_id: str, events: list[Any]) -> bool:
        """Whether to serve a joined room; when the store does not know it (lost, or joined
        by hand), who invited the bot is re-derived from its member state. A room not
        served is logged once, with why."""
        if self.serves(room_id):
            return True
        invite = await self._invite(client, room_id, events)
        if invite is not None and inviter_allowed(invite.inviter, room_id, self._matrix):
            self._store.record_join(room_id, invite.inviter, self._clock())
            if invite.direct:
                self._store.record_direct(room_id)
            log.info("room %s: joined on an allowed invite, serving it again", room_id)
            return True
        if room_id not in self._unserved_logged:
            self._unserved_logged.add(room_id)
            why = "invited by someone not allowed" if invite else "inviter unknown"
            log.warning("room %s: not served (not an allowed room; %s)", room_id, why)
        return False

    async def _invite(self, client: AsyncClient, room_id: str, events: list[Any]) -> Invite | None:
        """The invite the bot joined on: from its join event, else the state it replaced."""
        own = [e for e in events if isinstance(e, RoomMemberEvent) and e.state_key == self._me]
        for join in reversed(own):
            invite = invite_from_membership(join)
            if invite is not None:
                return invite
            replaced = (join.source.get("unsigned") or {}).get("replaces_state")
            if not isinstance(replaced, str):
                continue
            try:
                found = await client.room_get_event(room_id, replaced)
            except NETWORK_ERRORS:
                return None
            previous = found.event if isinstance(found, RoomGetEventResponse) else None
            if isinstance(previous, RoomMemberEvent) and previous.membership == "invite":
                return Invite(str(previous.sender), previous.content.get("is_direct") is True)
        return None

    def handle_invites(
        self, client: AsyncClient, response: SyncResponse
    ) -> list[tuple[str, asyncio.Task[None]]]:
        """Join allowed invites, reject the rest: one task per invite, by room."""
        tasks: list[tuple[str, asyncio.Task[None]]] = []
        for room_id, info in response.rooms.invite.items():
            invite = next(
                (
                    event
                    for event in info.invite_state
                    if isinstance(event, InviteMemberEvent)
                    and event.state_key == self._me
                    and event.membership == "invite"
                ),
                None,
            )
            if invite is None or room_id in self._invites_seen:
                continue
            self._invites_seen.add(room_id)
            inviter = invite.sender
            allowed = inviter_allowed(inviter, room_id, self._matrix)
            # No user ids at INFO: the README promises no names in the logs.
            log.info("invite to %s: %s", room_id, "join" if allowed else "reject")
            if allowed:
                self._store.record_join(room_id, inviter, self._clock())
                if invite.content.get("is_direct") is True:
                    self._store.record_direct(room_id)
            task = asyncio.create_task(self._answer_invite(client, room_id, allowed))
            # Once answered, a later invite to the same room (after a kick, say) is judged anew.
            task.add_done_callback(functools.partial(self._forget_invite, room_id))
            tasks.append((room_id, task))
        return tasks

    def _forget_invite(self, room_id: str, _task: asyncio.Task[Any]) -> None:
        self._invites_seen.discard(room_id)

    async def _answer_invite(self, client: AsyncClient, room_id: str, join: bool) -> None:
        backoff = Backoff()
        for _attempt in range(8):
            delay = backoff.next()
            try:
                response = await (client.join(room_id) if join else client.room_leave(room_id))
            except NETWORK_ERRORS:
                response = None
            if isinstance(response, JoinResponse | RoomLeaveResponse):
                return
            if isinstance(response, ErrorResponse):
                if not is_transient(response):
                    log.warning("invite to %s: %s", room_id, response.status_code)
                    return
                delay = retry_delay(response, delay)
            await asyncio.sleep(delay)
        log.warning("invite to %s: gave up after retries", room_id)
