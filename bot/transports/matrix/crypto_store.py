"""nio's encryption store, minus a database round trip on every sync.

With encryption on, nio ends the processing of every sync response with
``store.save_encrypted_rooms(rooms)``, passing the rooms that turned encrypted in that
response: almost always none. Even then it opens a transaction and looks the account up
through peewee, about 0.8 ms of event-loop time per sync (cProfile: nearly all of nio's
sync processing for the bot), spent before the bot sees the question in it and again
when its own reply comes back. Nothing is written for an empty set, so skipping the call
for one changes nothing that is stored.
"""

from __future__ import annotations

from collections.abc import Collection

from nio.store import DefaultStore


class CryptoStore(DefaultStore):  # type: ignore[misc]  # nio ships no type hints
    """``DefaultStore`` that does not open the database to save no rooms."""

    def save_encrypted_rooms(self, rooms: Collection[str]) -> None:
        if rooms:
            super().save_encrypted_rooms(rooms)
