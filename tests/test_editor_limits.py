"""The console reads entry files within the loader's limits: a YAML bomb, thousands of
nesting levels, a huge or UTF-16 file in the knowledge folder is a Dutch error on the page,
never ruamel.yaml expanding, recursing or chewing on it while the save lock is held."""

from __future__ import annotations

from html import unescape
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from editor_support import knowledge_copy, make_context
from test_editor_web import entry_form, log_in

from bot.editor import add_editor
from bot.editor.entryfile import EntryFileError, EntryForm, apply_entry, field_lines, read_text
from bot.safe_yaml import MAX_FILE_BYTES
from bot.store import Store

FORM = EntryForm("nieuw", "politie", "online", "Vraag?", ("a",), ("k",), "Antwoord.", "bron")


def billion_laughs() -> str:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text + "entries: [*i]\n"


HOSTILE = {
    # name: (file text, words in the Dutch error)
    "billion laughs": (billion_laughs(), "verwijzing herhaalt te veel"),
    # ruamel.yaml raised RecursionError after 8 s: a 500 page instead of an error.
    "3,000 levels": ("entries:\n  - " + "[" * 3000 + "]" * 3000 + "\n", "te diep genest"),
    "over the size limit": ("entries: []\n" + "#" * MAX_FILE_BYTES + "\n", "te groot"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_is_refused_before_ruamel_reads_it(name: str) -> None:
    text, words = HOSTILE[name]
    with pytest.raises(EntryFileError, match=words):
        apply_entry(text, FORM, None)
    assert field_lines(text, "nieuw") == {}


def test_reading_a_file_stops_at_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "politie.yaml"
    path.write_bytes(b"entries: []\n" + b"#" * (MAX_FILE_BYTES + 10))
    with pytest.raises(EntryFileError, match="te groot"):
        read_text(path)


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "politie.yaml"
    path.write_text("entries: []\n", encoding="utf-16")
    with pytest.raises(EntryFileError, match="UTF-16"):
        read_text(path)


@pytest.mark.parametrize("name", HOSTILE)
async def test_saving_into_a_hostile_file_is_a_dutch_error_and_writes_nothing(
    tmp_path: Path, name: str
) -> None:
    folder = knowledge_copy(tmp_path)
    with Store(":memory:") as store:
        ctx, _knowledge = make_context(folder, store=store)
        app = web.Application()
        add_editor(app, ctx)
        client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        try:
            await log_in(client)
            # The file turns hostile after the console loaded the knowledge (a copy from
            # elsewhere, a broken sync); the form is opened on it.
            path = folder / "entries" / "politie.yaml"
            path.write_text(HOSTILE[name][0], encoding="utf-8")
            before = path.read_bytes()
            form = await entry_form(client, "politie-online")
            form["question"] = "Wat mag de politie online doen?"
            response = await client.post("/beheer/entries/politie-online", data=form)
            assert response.status == 422
            html = unescape(await response.text())
            assert "Niet opgeslagen" in html and HOSTILE[name][1] in html
            assert path.read_bytes() == before
        finally:
            await client.close()
