from pathlib import Path

from bot.store import Store


def test_sync_token_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.sqlite3"
    with Store(path) as store:
        assert store.get_sync_token() is None
        store.set_sync_token("s1")
        store.set_sync_token("s2")
    with Store(path) as store:
        assert store.get_sync_token() == "s2"


def test_answered_ids_survive_reopen_and_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with Store(path) as store:
        assert not store.is_answered("$e1")
        store.mark_answered("$e1", "!r", 100.0)
        store.mark_answered("$e1", "!r", 200.0)
    with Store(path) as store:
        assert store.is_answered("$e1")
        assert not store.is_answered("$e2")
        assert store.answered_count() == 1


def test_prune_forgets_only_old_answers() -> None:
    with Store(":memory:") as store:
        store.mark_answered("$old", "!r", 100.0)
        store.mark_answered("$new", "!r", 300.0)
        assert store.prune_answered(before=200.0) == 1
        assert not store.is_answered("$old")
        assert store.is_answered("$new")
