from pathlib import Path

from bot.store import MAX_LOGGED_CHARS, Store


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


def test_the_store_file_is_private_and_deletes_securely(tmp_path: Path) -> None:
    path = tmp_path / "var" / "bot.sqlite3"
    with Store(path) as store:
        store.set_sync_token("s1")
        assert store._db.execute("PRAGMA secure_delete").fetchone() == (1,)
        for file in path.parent.iterdir():  # the database and its -wal/-shm files
            assert file.stat().st_mode & 0o777 == 0o600, file


def test_an_existing_store_readable_by_others_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    Store(path).close()
    path.chmod(0o644)
    Store(path).close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_logged_question_is_redacted_before_it_is_cut(tmp_path: Path) -> None:
    """Cut first, an address crossing the cut was stored as 'pietje.puk.20'."""
    address = "pietje.puk.2009@school.nl"
    text = "x" * (MAX_LOGGED_CHARS - 12) + " " + address + " woont 3511 ab"
    with Store(tmp_path / "s.sqlite3") as store:
        store.log_unanswered(1.0, "matrix", "fallback", text, None, 0.0)
        (logged,) = store.unanswered()
    assert "pietje" not in logged.text and "puk" not in logged.text
    assert "[e-mail]" in logged.text
    assert len(logged.text) <= MAX_LOGGED_CHARS
