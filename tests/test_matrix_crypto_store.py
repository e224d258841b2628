"""nio's store as the bot configures it: nothing opened for a sync without encrypted rooms."""

from __future__ import annotations

from pathlib import Path

import pytest
from nio.crypto import OlmAccount
from nio.store import DefaultStore

from bot.transports.matrix.crypto_store import CryptoStore

BOT = "@partnerwijzer:example.org"
ROOM = "!room:example.org"


def test_saving_no_encrypted_rooms_skips_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[set[str]] = []
    original = DefaultStore.save_encrypted_rooms

    def spy(self: DefaultStore, rooms: set[str]) -> None:
        saved.append(set(rooms))
        original(self, rooms)

    monkeypatch.setattr(DefaultStore, "save_encrypted_rooms", spy)
    store = CryptoStore(BOT, "DEVICE", str(tmp_path))
    store.save_account(OlmAccount())
    store.save_encrypted_rooms(set())
    store.save_encrypted_rooms({ROOM})
    assert saved == [{ROOM}]
    assert CryptoStore(BOT, "DEVICE", str(tmp_path)).load_encrypted_rooms() == {ROOM}
