"""What every network transport is to the app: the one extension point for a new chat system.

A transport turns its protocol into ``Question``s for the ``SerialAssistant`` and the
``Reply``s back into its protocol. The app (``bot.app``) builds the configured transports,
lets each add its HTTP routes to the one shared web app, runs them all until ``stop`` is set,
and hands each one every reload result to ``announce`` where admins will see it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.reloader import ReloadResult


@runtime_checkable
class WebPart(Protocol):
    """Anything that serves HTTP on the shared web app (a transport, the editors' console)."""

    def add_routes(self, app: web.Application) -> None:
        """Add routes, sub-apps or cleanup hooks; called once, before the server starts."""


class Transport(WebPart, Protocol):
    name: str  # "matrix", "teams", ...: in logs and metrics

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set, then finish replies in flight and return.

        Returning early (e.g. a refused login) stops the whole bot; raising does too, with
        exit code 1. The app cancels a transport that has not returned
        ``TRANSPORT_GRACE_SECONDS`` after ``stop``.
        """

    async def announce(self, result: ReloadResult) -> None:
        """Tell admins the outcome of a reload (the admin room, the room that asked).
        Transports that cannot post on their own do nothing."""


# The time a transport gets after ``stop`` to finish replies in flight. The app adds its own
# margin on top (``bot.app.SHUTDOWN_SECONDS``), so its cancel never cuts into this grace.
TRANSPORT_GRACE_SECONDS = 6.0
