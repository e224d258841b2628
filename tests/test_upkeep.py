"""Knowledge upkeep in the core: counts, the opt-in unanswered log, retention, feedback,
reload results, and that question text never reaches a log by default."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.admin import DAY, Upkeep, render_reload_result, utc_day
from bot.assistant import Assistant
from bot.config import AdminConfig, Config, LoggingConfig, PrivacyConfig
from bot.knowledge import SHIPPED_KNOWLEDGE, KnowledgeBase, load_knowledge
from bot.logs import configure_logging
from bot.metrics import Metrics
from bot.models import Question
from bot.reloader import Reloader, ReloadResult
from bot.store import Store

T0 = 1_700_000_000.0  # 2023-11-14 22:13 UTC
MARKER = "Zwartkoplampje-8842"  # unique: shows up only if message text leaks
FALLBACK = f"wat kost een kilo {MARKER} bij de bakker"
ANSWERED = "mag een boa online rondkijken op instagram?"


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


def make(
    knowledge: KnowledgeBase, store: Store, clock: Clock, **config: object
) -> tuple[Assistant, Upkeep]:
    cfg = replace(Config(), **config)  # type: ignore[arg-type]
    assistant = Assistant(knowledge, cfg)
    upkeep = Upkeep(cfg, assistant, store, clock)
    upkeep.install()
    return assistant, upkeep


def ask(assistant: Assistant, text: str, transport: str = "matrix") -> str:
    reply = assistant.handle(Question(text=text, transport=transport, mentioned=True))
    assert reply is not None
    return reply.kind


# ---------------------------------------------------------------- counts and the log


def test_counts_are_kept_but_no_text_by_default(knowledge: KnowledgeBase) -> None:
    clock = Clock()
    with Store(":memory:") as store:
        assistant, _upkeep = make(knowledge, store, clock)
        assert ask(assistant, FALLBACK) == "fallback"
        assert ask(assistant, ANSWERED, "teams") == "answer"
        assert ask(assistant, "!help") == "help"  # commands are not questions
        _upkeep.usage.flush()  # counts are written once a second (bot.admin.usage)
        rows = {(r.transport, r.decision, r.partner): r.count for r in store.question_counts("")}
        assert rows == {("matrix", "fallback", "none"): 1, ("teams", "answer", "handhaving"): 1}
        assert {r.day for r in store.question_counts("")} == {utc_day(T0)}
        assert store.unanswered() == []  # privacy.log_unanswered is off by default


def test_counts_are_added_up_and_written_by_the_next_flush(knowledge: KnowledgeBase) -> None:
    with Store(":memory:") as store:
        assistant, upkeep = make(knowledge, store, Clock())
        for _ in range(3):
            assert ask(assistant, ANSWERED, "teams") == "answer"

        def counted() -> int:
            return sum(row.count for row in store.question_counts(""))

        # Answering a question never writes to the store: the flush does.
        assert counted() == 0
        upkeep.stats()
        assert counted() == 3  # the statistics flush first: they show every question
        upkeep.usage.flush()
        assert counted() == 3  # nothing is written twice


class HeldStore(Store):
    """Holds the first count write until ``go`` is set (a slow disk, a locked database)."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.writing, self.go = threading.Event(), threading.Event()

    def count_question(self, *args: Any, **kwargs: Any) -> None:
        if not self.writing.is_set():
            self.writing.set()
            self.go.wait(10)
        super().count_question(*args, **kwargs)


class TellsWhenWaitedFor:
    """A lock that sets ``waited`` when someone has to wait for it."""

    def __init__(self, waited: threading.Event) -> None:
        self._lock, self._waited = threading.Lock(), waited

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self._waited.set()
            self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_stats_show_the_counts_a_flush_in_progress_is_writing(knowledge: KnowledgeBase) -> None:
    """The flush loop's writer thread has taken the kept counts and is writing them when an
    admin asks !stats: the statistics' own flush finds nothing kept, and must wait for those
    writes rather than read a store they are not in yet."""
    store = HeldStore()
    assistant, upkeep = make(knowledge, store, Clock())
    for _ in range(3):
        ask(assistant, ANSWERED, "teams")
    ask(assistant, FALLBACK, "teams")
    upkeep.usage._flushing = TellsWhenWaitedFor(store.go)  # type: ignore[assignment]
    writer = threading.Thread(target=upkeep.usage.flush)
    writer.start()
    assert store.writing.wait(10)  # the writer holds the counts, none written yet
    read: list[int] = []
    reader = threading.Thread(
        target=lambda: (
            upkeep.stats(),
            read.append(sum(r.count for r in store.question_counts(""))),
        )
    )
    reader.start()
    reader.join(10)
    store.go.set()  # without the wait, the reader is done by now: let the writer go on
    writer.join(10)
    reader.join(10)
    store.close()
    assert read == [4]


async def test_the_flush_loop_writes_pending_counts_when_stopped(
    knowledge: KnowledgeBase,
) -> None:
    with Store(":memory:") as store:
        assistant, upkeep = make(knowledge, store, Clock())
        ask(assistant, ANSWERED)
        ask(assistant, FALLBACK)
        stop = asyncio.Event()
        stop.set()
        await upkeep.usage.flush_loop(stop, every=3600.0)
        assert sum(row.count for row in store.question_counts("")) == 2


def test_the_log_keeps_redacted_fallbacks_only_when_on(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    clock = Clock()
    path = tmp_path / "bot.sqlite3"
    question = "mag de wijkagent 06-12345678 of jan@school.nl bellen over de kilo rijst prijs"
    with Store(path) as store:
        assistant, _upkeep = make(
            knowledge, store, clock, privacy=PrivacyConfig(log_unanswered=True)
        )
        assert ask(assistant, question) == "fallback"
        assert ask(assistant, ANSWERED) == "answer"
        assert store.unanswered() == []  # kept in memory until the flush (bot.admin.usage)
        _upkeep.usage.flush()
        (logged,) = store.unanswered()
        assert logged.decision == "fallback" and logged.transport == "matrix"
        assert logged.asked_at == T0
        assert "[telefoon]" in logged.text and "[e-mail]" in logged.text
        assert "kilo rijst" in logged.text
    # Not in the database files at all (WAL included): redacted before it was written.
    raw = b"".join(file.read_bytes() for file in tmp_path.iterdir())
    assert b"12345678" not in raw and b"jan@school.nl" not in raw
    assert b"kilo rijst" in raw  # the check can see text that is stored


def test_retention_deletes_what_is_older_than_the_period(knowledge: KnowledgeBase) -> None:
    clock = Clock()
    with Store(":memory:") as store:
        assistant, upkeep = make(
            knowledge,
            store,
            clock,
            privacy=PrivacyConfig(log_unanswered=True, retention_days=30),
        )
        ask(assistant, "eerste onbekende vraag over kilo rijst")
        clock.now = T0 + 20 * DAY
        ask(assistant, "tweede onbekende vraag over kilo rijst")
        upkeep.usage.flush()
        clock.now = T0 + 30 * DAY + 1
        assert upkeep.enforce_retention() == 1
        assert [item.text for item in store.unanswered()] == [
            "tweede onbekende vraag over kilo rijst"
        ]
        clock.now = T0 + 50 * DAY + 1
        assert upkeep.enforce_retention() == 1
        assert store.unanswered() == []
        # Counts carry no text and stay for the statistics.
        upkeep.usage.flush()
        assert sum(row.count for row in store.question_counts("")) == 2


def test_with_the_log_off_retention_keeps_nothing(knowledge: KnowledgeBase) -> None:
    clock = Clock()
    with Store(":memory:") as store:
        store.log_unanswered(T0 - 60, "matrix", "fallback", "van toen het log aan stond", None, 0)
        _assistant, upkeep = make(knowledge, store, clock)
        assert upkeep.enforce_retention() == 1
        assert store.unanswered() == []


async def test_retention_runs_at_start_and_then_every_period(knowledge: KnowledgeBase) -> None:
    clock = Clock()
    stop = asyncio.Event()
    calls: list[float] = []
    with Store(":memory:") as store:
        _assistant, upkeep = make(knowledge, store, clock)

        def enforce() -> int:
            calls.append(clock.now)
            clock.now += DAY
            if len(calls) == 3:
                stop.set()
            return 0

        upkeep.usage.enforce_retention = enforce  # type: ignore[method-assign]
        await asyncio.wait_for(upkeep.retention_loop(stop, every=0.01), timeout=10)
    assert calls == [T0, T0 + DAY, T0 + 2 * DAY]


def test_feedback_counts_only_for_remembered_answers_and_can_be_withdrawn() -> None:
    with Store(":memory:") as store:
        store.remember_answer("$answer", "!room", "politie-online", T0)
        assert store.record_feedback("$r1", "$answer", -1, T0)
        assert store.record_feedback("$r1", "$answer", -1, T0)  # a replayed event: once
        assert store.record_feedback("$r2", "$answer", 1, T0)
        assert not store.record_feedback("$r3", "$not-an-answer", 1, T0)
        (item,) = store.feedback_per_entry()
        assert (item.entry, item.up, item.down) == ("politie-online", 1, 1)
        assert store.remove_feedback("$r1")
        (item,) = store.feedback_per_entry()
        assert (item.up, item.down) == (1, 0)


# ---------------------------------------------------------------- reload results


def test_a_failed_reload_names_file_line_and_entry(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    politie = folder / "entries" / "politie.yaml"
    politie.write_text(
        politie.read_text(encoding="utf-8").replace("topic: online", "topic: onbestaand", 1),
        encoding="utf-8",
    )
    with pytest.raises(Exception) as caught:
        load_knowledge(folder)
    problems = tuple(caught.value.problems)  # type: ignore[attr-defined]
    result = ReloadResult(False, "file", T0, "abc123", 45, problems)
    reply = render_reload_result(result)
    assert reply.title == "Kennisbank niet bijgewerkt"
    assert "laatste goede versie `abc123`" in reply.markdown
    (problem,) = problems
    assert f"{problem.file}:{problem.line}" in reply.text
    assert str(problem.entry) in reply.text and "onbestaand" in reply.text


async def test_reloader_reports_each_outcome_and_keeps_the_last_good(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    original = load_knowledge(folder)
    results: list[ReloadResult] = []
    with Store(":memory:") as store:
        assistant = Assistant(original)
        upkeep = Upkeep(Config(), assistant, store, Clock())
        reloader = Reloader(assistant, Metrics(), folder)
        reloader.listeners += [upkeep.reload_finished, results.append]

        # An unchanged folder seen by the file watch: no news, nothing rebuilt.
        assert await reloader.reload("file") is None
        assert results == [] and assistant.knowledge is original

        politie = folder / "entries" / "politie.yaml"
        good = politie.read_text(encoding="utf-8")
        politie.write_text(good + "  - id: [kapot\n", encoding="utf-8")
        assert await reloader.reload("file") is not None
        (failed,) = results
        assert not failed.ok and failed.version == original.version
        assert failed.problems and failed.problems[0].file.endswith("politie.yaml")
        assert failed.problems[0].line > 0
        assert assistant.knowledge is original  # the last good one keeps serving
        assert upkeep.last_reload is failed

        # Reverting to exactly the served version is news after a failure.
        politie.write_text(good, encoding="utf-8")
        assert await reloader.reload("file") is None
        assert results[-1].ok and not results[-1].changed

        politie.write_text(good.replace("Wat mag de politie online", "Wat mag politie online"))
        origin = Question("!reload", transport="matrix", conversation_id="!admins:x")
        assert await reloader.reload("command", origin) is None
        done = results[-1]
        assert done.ok and done.changed and done.trigger == "command"
        assert done.requested_in == "!admins:x" and done.transport == "matrix"
        assert assistant.knowledge.version == done.version != original.version


# ---------------------------------------------------------------- message text and the logs


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def _exercise(knowledge: KnowledgeBase, logging_config: LoggingConfig) -> None:
    clock = Clock()
    admin = "@beheer:example.org"
    with Store(":memory:") as store:
        assistant, upkeep = make(
            knowledge,
            store,
            clock,
            privacy=PrivacyConfig(log_unanswered=True),
            admins=AdminConfig(users=(admin,)),
            logging=logging_config,
        )
        upkeep.request_reload = lambda _origin: None
        for text in (FALLBACK, f"{ANSWERED} {MARKER}", f"!vraag {MARKER}", f"!onbekend {MARKER}"):
            ask(assistant, text)
        for command in ("!unanswered", "!stats", "!status", "!reload"):
            for sender in (admin, "@iemand:example.org"):
                reply = assistant.handle(Question(command, transport="matrix", sender_id=sender))
                assert reply is not None
        upkeep.usage.flush()
        (logged,) = [item for item in store.unanswered() if MARKER in item.text][:1]
        assert logged is not None  # the text was stored: only the logs must not have it


def test_question_text_appears_in_no_log_by_default(
    knowledge: KnowledgeBase, restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    output = io.StringIO()
    configure_logging(LoggingConfig(level="DEBUG"), output)
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    _exercise(knowledge, LoggingConfig(level="DEBUG"))
    assert any(record.name == "bot.assistant" for record in caplog.records)  # it does log
    for record in caplog.records:
        assert MARKER not in f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
    assert MARKER not in output.getvalue()


def test_only_the_explicit_debug_option_logs_question_text(
    knowledge: KnowledgeBase, restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    debug = LoggingConfig(level="DEBUG", debug_message_text=True)
    configure_logging(debug, io.StringIO())
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    _exercise(knowledge, debug)
    assert any(MARKER in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("key", "value"),
    [("👍", 1), ("👍️", 1), ("👍🏽", 1), ("👎", -1), ("👎🏿", -1), ("❤️", None), ("+1", None)],
)
def test_reaction_keys_that_count_as_feedback(key: str, value: int | None) -> None:
    from bot.transports.matrix import feedback_value

    assert feedback_value(key) == value


async def test_a_save_during_a_reload_is_not_mistaken_for_no_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_knowledge hashes the files after parsing them: a save in between labels the old
    content with the new version. It loads again until both agree."""
    import bot.knowledge.loader
    from bot.knowledge import knowledge_version

    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    politie = folder / "entries" / "politie.yaml"
    old_text = "Wat mag de politie online"
    real_load = bot.knowledge.loader._load_once
    raced: list[bool] = []

    def load_while_an_editor_saves(root: Path) -> KnowledgeBase:
        loaded = real_load(root)
        if not raced:  # the race, once: parsed the old text, then the save, then the hash
            raced.append(True)
            politie.write_text(
                politie.read_text(encoding="utf-8").replace(old_text, "Wat mag politie online")
            )
            return replace(loaded, version=knowledge_version(root))
        return loaded

    monkeypatch.setattr(bot.knowledge.loader, "_load_once", load_while_an_editor_saves)
    with Store(":memory:") as store:
        assistant = Assistant(load_knowledge(folder))
        reloader = Reloader(assistant, Metrics(), folder)
        reloader.listeners.append(Upkeep(Config(), assistant, store).reload_finished)
        assert await reloader.reload("file") is None
    assert raced
    served = [entry.question for entry in assistant.knowledge.entries]
    assert "Wat mag politie online, en in welke bronnen?" in served
    assert not any(question.startswith(old_text) for question in served)


async def test_a_file_that_vanishes_while_reading_is_a_reported_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.knowledge.loader

    def vanished(_root: Path) -> str:
        raise FileNotFoundError(2, "No such file or directory", str(tmp_path / "weg.yaml"))

    results: list[ReloadResult] = []
    assistant = Assistant(load_knowledge())
    folder = tmp_path / "knowledge"  # a real knowledge folder: only the read fails
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    monkeypatch.setattr(bot.knowledge.loader, "knowledge_version", vanished)
    reloader = Reloader(assistant, Metrics(), folder)
    reloader.listeners.append(results.append)
    error = await reloader.reload("file")
    assert error is not None
    (result,) = results
    assert not result.ok and result.problems[0].file.endswith("weg.yaml")
