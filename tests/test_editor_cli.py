"""`partnerbot hash-password`, `partnerbot beheer`, the editor: config section, the console
mounted by `partnerbot run`, and the console's imports (never a chat transport)."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from editor_support import FIXTURE, knowledge_copy
from test_architecture import BOT, imports_of, module_name, within

from bot.config import Config, ConfigError, config_from_mapping
from bot.editor.auth import verify_password
from bot.editor.entryfile import EntryForm, apply_entry
from bot.editor.local import serve_local

REPO = Path(__file__).resolve().parent.parent


def test_the_console_imports_no_chat_transport() -> None:
    for path in sorted((BOT / "editor").glob("*.py")):
        bad = [
            name
            for name in imports_of(path)
            if within(name, "bot.transports") or within(name, "bot.app") or within(name, "nio")
        ]
        assert not bad, f"{module_name(path)} imports {bad}"


def test_hash_password_reads_stdin_and_prints_an_argon2_hash() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "hash-password"],
        input="een lang genoeg wachtwoord\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    hashed = result.stdout.strip()
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "een lang genoeg wachtwoord")
    assert not verify_password(hashed, "een ander wachtwoord")
    short = subprocess.run(
        [sys.executable, "-m", "bot", "hash-password"],
        input="kort\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert short.returncode == 1 and "at least 12" in short.stderr


def test_editor_config_problems_are_named_by_key() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(
            {
                "editor": {
                    "editors": [
                        {"name": "anna", "password_hash": "geheim"},
                        {"name": "anna", "password_hash": "$argon2id$x"},
                    ],
                    "trusted_header": "X Remote",
                    "session_minutes": 0,
                    "login_atempts": 3,
                }
            },
            {},
        )
    problems = "\n".join(caught.value.problems)
    assert "editor.editors[0].password_hash: expected an argon2 hash" in problems
    assert "editor.editors[1].name: 'anna' is used twice" in problems
    assert "editor.trusted_header:" in problems
    assert "editor.session_minutes: must be more than 0" in problems
    assert "editor.login_atempts: unknown key (did you mean 'login_attempts'?)" in problems
    with pytest.raises(ConfigError) as empty:
        config_from_mapping({"editor": {}}, {})
    assert empty.value.problems == [
        "editor: list at least one editor in 'editors' or set 'trusted_header'"
    ]
    assert config_from_mapping({}, {}).editor is None  # off unless configured


def test_an_unchanged_entry_writes_back_the_same_bytes() -> None:
    for path in sorted((REPO / "knowledge" / "entries").glob("*.yaml")):
        import yaml

        text = path.read_text(encoding="utf-8")
        first = yaml.safe_load(text)["entries"][0]
        form = EntryForm(
            first["id"],
            first["partner"],
            first["topic"],
            first["question"],
            tuple(first["alternates"]),
            tuple(first["keywords"]),
            first["answer"],
            first["source"],
            tuple(first.get("contacts", ())),
            first.get("lead", ""),
        )
        assert apply_entry(text, form, first["id"]) == text, path.name


async def test_beheer_serves_on_loopback_and_logs_in_with_the_printed_address(
    tmp_path: Path,
) -> None:
    folder = knowledge_copy(tmp_path, FIXTURE)
    out = io.StringIO()
    stop = asyncio.Event()
    task = asyncio.create_task(serve_local(folder, Config(), 0, out, None, stop))
    try:
        while "token=" not in out.getvalue():
            await asyncio.sleep(0.01)
            assert not task.done(), out.getvalue()
        address = out.getvalue().split("browser: ")[1].split()[0]
        assert address.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            wrong = await session.get(address.replace("token=", "token=x"))
            assert wrong.url.path == "/beheer/inloggen"
            response = await session.get(address)
            assert response.url.path == "/beheer/"
            assert "Overzicht" in await response.text()
    finally:
        stop.set()
        assert await task == 0


def test_run_mounts_the_console_only_when_configured() -> None:
    from aiohttp import web

    from bot.app import mount_editor
    from bot.assistant import Assistant
    from bot.knowledge import load_knowledge
    from bot.serial_assistant import SerialAssistant
    from bot.store import Store

    config = config_from_mapping({"editor": {"trusted_header": "X-Remote-User"}}, {})
    serial = SerialAssistant(Assistant(load_knowledge(FIXTURE), config))
    try:
        with Store(":memory:") as store:
            console = mount_editor(config, serial, store, FIXTURE)
            assert console is not None
            app = web.Application()
            console.add_routes(app)
            assert "/beheer" in {resource.canonical for resource in app.router.resources()}
            assert mount_editor(Config(), serial, store, FIXTURE) is None
    finally:
        serial.close()


async def test_a_save_in_the_running_bot_reloads_it_and_the_bot_answers(tmp_path: Path) -> None:
    """`partnerbot run`'s wiring: the console saves, the bot's Reloader swaps the knowledge
    in, and the bot's own assistant answers the new alternate."""
    import re
    from types import SimpleNamespace

    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer
    from editor_support import PASSWORD, password_hash

    from bot.app import connect_editor, mount_editor
    from bot.assistant import Assistant
    from bot.knowledge import load_knowledge
    from bot.metrics import Metrics
    from bot.models import Question
    from bot.reloader import Reloader
    from bot.serial_assistant import SerialAssistant
    from bot.store import Store

    folder = knowledge_copy(tmp_path, FIXTURE)
    config = config_from_mapping(
        {"editor": {"editors": [{"name": "anna", "password_hash": password_hash()}]}}, {}
    )
    assistant = Assistant(load_knowledge(folder), config)
    serial = SerialAssistant(assistant)
    question = "mag een agent meelezen in een groepsapp van de klas"
    before = assistant.handle(Question(text=question, transport="test", always_addressed=True))
    assert before is not None and before.decision is not None
    assert (before.decision.kind, before.decision.best and before.decision.best.entry.id) != (
        "answer",
        "politie-opleidingen",
    )
    reloader = Reloader(assistant, Metrics(), folder)
    with Store(":memory:") as store:
        console = mount_editor(config, serial, store, folder)
        assert console is not None
        connect_editor(console, SimpleNamespace(reloader=reloader))  # type: ignore[arg-type]
        app = web.Application()
        console.add_routes(app)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            page = await (await client.get("/beheer/inloggen")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            assert token
            await client.post(
                "/beheer/inloggen",
                data={"csrf": token.group(1), "naam": "anna", "wachtwoord": PASSWORD},
            )
            page = await (await client.get("/beheer/proberen")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            assert token
            response = await client.post(
                "/beheer/alternatief",
                data={"csrf": token.group(1), "vraag": question, "entry": "politie-opleidingen"},
            )
            assert response.status == 200
            assert "toegevoegd als andere formulering" in await response.text()
    serial.close()
    await reloader.close()
    assert reloader.last is not None and reloader.last.trigger == "editor" and reloader.last.ok
    after = assistant.handle(Question(text=question, transport="test", always_addressed=True))
    assert after is not None and after.decision is not None and after.decision.best is not None
    assert (after.decision.kind, after.decision.best.entry.id) == ("answer", "politie-opleidingen")


def test_a_folded_card_container_is_shown_behind_meer() -> None:
    from bot.editor.previews import card_blocks

    card = {
        "body": [
            {"type": "TextBlock", "text": "**Titel**", "weight": "Bolder"},
            {"type": "TextBlock", "text": "De kern."},
            {
                "type": "Container",
                "isVisible": False,
                "items": [{"type": "TextBlock", "text": "<b>detail</b>"}],
            },
        ],
        "actions": [
            {"type": "Action.ToggleVisibility", "title": "Meer"},
            {"type": "Action.OpenUrl", "title": "Mail X", "url": "mailto:x@example.org"},
            {"type": "Action.OpenUrl", "title": "Elders", "url": "javascript:alert(1)"},
        ],
    }
    blocks, actions = card_blocks(card)
    assert [block.kind for block in blocks] == ["text", "text", "more"]
    assert str(blocks[2].items[0].html) == "&lt;b&gt;detail&lt;/b&gt;"
    assert actions == (("Mail X", "mailto:x@example.org"),)


def test_sessions_end_after_idle_time_and_after_a_working_day() -> None:
    from bot.editor.auth import MAX_SESSION_SECONDS, Editor, Sessions

    now = [1000.0]
    sessions = Sessions(idle_seconds=600, clock=lambda: now[0])
    session = sessions.new(Editor("anna", ""))
    now[0] += 599
    assert sessions.get(session.token) is session
    now[0] += 601
    assert sessions.get(session.token) is None  # idle too long
    busy = sessions.new(Editor("anna", ""))
    for _ in range(int(MAX_SESSION_SECONDS // 500)):
        now[0] += 500
        assert sessions.get(busy.token) is busy
    now[0] += 500
    assert sessions.get(busy.token) is None  # active, but past a working day


def test_login_limits_count_per_address_and_per_name_and_forget_after_the_window() -> None:
    from bot.editor.auth import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(attempts=2, clock=lambda: now[0], window=900)
    limiter.failed("10.0.0.1", "anna")
    limiter.failed("10.0.0.2", "anna")
    assert limiter.blocked("10.0.0.3", "anna")  # the name, from anywhere
    assert not limiter.blocked("10.0.0.3", "bert")
    now[0] += 901
    assert not limiter.blocked("10.0.0.3", "anna")


def test_a_partner_that_is_not_a_plain_name_never_becomes_a_path(tmp_path: Path) -> None:
    from bot.editor.auth import Editor
    from bot.editor.saving import save_entry

    folder = knowledge_copy(tmp_path, FIXTURE)
    form = EntryForm("x", "../../buiten", "online", "q", ("a",) * 5, ("k",), "a", "s")
    outcome = save_entry(folder, form, None, None, Editor("anna", ""), False, "m")
    assert not outcome.saved and outcome.errors[0].field == "partner"
    assert not (tmp_path.parent / "buiten.yaml").exists()


def test_beheer_explains_start_up_problems_in_dutch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    folder = knowledge_copy(tmp_path, FIXTURE)
    politie = folder / "entries" / "politie.yaml"
    text = politie.read_text(encoding="utf-8")
    politie.write_text(text.replace("    source:", "    bron:", 1), encoding="utf-8")
    assert main(["beheer", "--knowledge", str(folder)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("fout: knowledge/entries/politie.yaml:")
    assert "onbekend veld 'bron'" in lines[0]
    assert any("het veld 'source' ontbreekt" in line for line in lines)
    assert lines[-1].startswith("2 problemen in de kennisbank. Los ze eerst op")
    assert "partnerbot check" in lines[-1]
    assert main(["beheer", "--knowledge", str(FIXTURE), "--port", "70000"]) == 1
    assert capsys.readouterr().err == "fout: --port 70000 is geen TCP-poort (kies 0 tot 65535)\n"
