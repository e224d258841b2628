"""The editors' console over HTTP: no page without login, cookie flags, CSRF, login rate
limits, escaping, and saves that validate first and write nothing when invalid."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from html import unescape
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from editor_support import PASSWORD, editor_config, knowledge_copy, make_context

from bot.editor import add_editor
from bot.editor.web import _trusted_editor, build_console
from bot.store import Store

PAGES = [
    "/beheer/",
    "/beheer/proberen",
    "/beheer/entries",
    "/beheer/entries/politie-online",
    "/beheer/entries/nieuw",
    "/beheer/onbeantwoord",
]
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')

Client = TestClient[Any, Any]


async def client_for(ctx: Any) -> Client:
    app = web.Application()
    add_editor(app, ctx)
    client: Client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return knowledge_copy(tmp_path, git=True)


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as opened:
        yield opened


@pytest.fixture
async def client(folder: Path, store: Store) -> AsyncIterator[Client]:
    ctx, _knowledge = make_context(folder, store=store, log_unanswered=True)
    test_client = await client_for(ctx)
    try:
        yield test_client
    finally:
        await test_client.close()


async def csrf_of(client: Client, path: str) -> str:
    response = await client.get(path)
    found = CSRF_RE.search(await response.text())
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def log_in(client: Client, name: str = "anna", password: str = PASSWORD) -> Any:
    token = await csrf_of(client, "/beheer/inloggen")
    return await client.post(
        "/beheer/inloggen",
        data={"csrf": token, "naam": name, "wachtwoord": password},
        allow_redirects=False,
    )


async def test_no_page_without_login(client: Client) -> None:
    for path in PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"] == "/beheer/inloggen"
    refused = await client.post("/beheer/proberen", data={"vraag": "x", "csrf": "x"})
    assert refused.status == 403
    static = await client.get("/beheer/static/console.css")
    assert static.status == 200  # styles are not secret


async def test_login_sets_a_strict_http_only_cookie_and_a_new_session(client: Client) -> None:
    await client.get("/beheer/inloggen")
    before = client.session.cookie_jar.filter_cookies(client.make_url("/beheer/"))
    response = await log_in(client)
    assert response.status == 303
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header
    assert "Path=/beheer/" in header
    assert "Secure" not in header  # plain http on loopback
    after = client.session.cookie_jar.filter_cookies(client.make_url("/beheer/"))
    assert after["partnerwijzer_beheer"].value != before["partnerwijzer_beheer"].value
    page = await client.get("/beheer/")
    assert page.status == 200
    assert "Overzicht" in await page.text()


async def test_cookie_is_secure_behind_tls(folder: Path) -> None:
    ctx, _ = make_context(folder, editor=editor_config(secure_cookie=True))
    client = await client_for(ctx)
    try:
        response = await client.get("/beheer/inloggen")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await client.close()
    ctx, _ = make_context(folder)
    client = await client_for(ctx)
    try:
        proxied = await client.get("/beheer/inloggen", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in proxied.headers["Set-Cookie"]
    finally:
        await client.close()


async def test_security_headers(client: Client) -> None:
    response = await client.get("/beheer/inloggen")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


async def test_wrong_password_is_refused_in_dutch(client: Client) -> None:
    response = await log_in(client, password="fout")
    assert response.status == 401
    assert "De naam of het wachtwoord klopt niet." in await response.text()
    unknown = await log_in(client, name="niemand")
    assert unknown.status == 401
    assert (await client.get("/beheer/", allow_redirects=False)).status == 303


async def test_logins_are_rate_limited(client: Client) -> None:
    for _ in range(3):  # login_attempts: 3
        assert (await log_in(client, password="fout")).status == 401
    blocked = await log_in(client)  # even the right password, for now
    assert blocked.status == 429
    assert "Te veel mislukte pogingen" in await blocked.text()
    assert (await client.get("/beheer/", allow_redirects=False)).status == 303


async def test_post_without_csrf_token_is_refused(client: Client) -> None:
    assert (await log_in(client)).status == 303
    for data in ({"vraag": "mag de politie online kijken"}, {"vraag": "x", "csrf": "fout"}):
        response = await client.post("/beheer/proberen", data=data)
        assert response.status == 403
        assert "Er is niets gewijzigd" in await response.text()
    token = await csrf_of(client, "/beheer/proberen")
    ok = await client.post(
        "/beheer/proberen", data={"vraag": "wat mag de politie online", "csrf": token}
    )
    assert ok.status == 200
    assert "politie-online" in await ok.text()


async def test_login_form_needs_its_csrf_token(client: Client) -> None:
    response = await client.post("/beheer/inloggen", data={"naam": "anna", "wachtwoord": PASSWORD})
    assert response.status == 403


async def test_logout_ends_the_session(client: Client) -> None:
    await log_in(client)
    token = await csrf_of(client, "/beheer/")
    await client.post("/beheer/uitloggen", data={"csrf": token})
    assert (await client.get("/beheer/", allow_redirects=False)).status == 303


def test_trusted_header_only_from_loopback(folder: Path) -> None:
    ctx, _ = make_context(folder, editor=editor_config(trusted_header="X-Remote-User"))
    app = build_console(ctx)

    def request(peer: str) -> web.Request:
        transport = mock.Mock()
        transport.get_extra_info.side_effect = lambda key, default=None: (
            (peer, 1234) if key == "peername" else default
        )
        return make_mocked_request(
            "GET", "/beheer/", headers={"X-Remote-User": "bert"}, app=app, transport=transport
        )

    assert _trusted_editor(request("127.0.0.1")) == "bert"
    assert _trusted_editor(request("192.0.2.7")) is None
    ctx_off, _ = make_context(folder)
    assert (
        _trusted_editor(
            make_mocked_request(
                "GET", "/beheer/", headers={"X-Remote-User": "bert"}, app=build_console(ctx_off)
            )
        )
        is None
    )


async def test_trusted_header_logs_in_from_loopback(folder: Path) -> None:
    ctx, _ = make_context(folder, editor=editor_config(trusted_header="X-Remote-User"))
    client = await client_for(ctx)
    try:
        response = await client.get("/beheer/", headers={"X-Remote-User": "bert"})
        assert response.status == 200
        assert "bert" in await response.text()
    finally:
        await client.close()


async def entry_form(client: Client, entry: str) -> dict[str, str]:
    response = await client.get(f"/beheer/entries/{entry}")
    html = await response.text()
    fields = dict(re.findall(r'name="(csrf|base|question|source)"[^>]*value="([^"]*)"', html))
    for name in ("alternates", "keywords", "answer"):
        found = re.search(rf'name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
        assert found
        fields[name] = found.group(1)
    topic = re.search(r'<option value="([^"]+)" selected>', html)
    assert topic
    fields["topic"] = topic.group(1)
    return {key: value.replace("&#34;", '"').replace("&amp;", "&") for key, value in fields.items()}


async def test_an_invalid_save_shows_dutch_errors_at_the_field_and_writes_nothing(
    client: Client, folder: Path
) -> None:
    await log_in(client)
    path = folder / "entries" / "politie.yaml"
    before = path.read_bytes()
    form = await entry_form(client, "politie-online")
    form["alternates"] = "alleen deze"
    form["keywords"] = ""
    response = await client.post("/beheer/entries/politie-online", data=form)
    assert response.status == 422
    html = unescape(await response.text())
    assert "Niet opgeslagen" in html
    assert "het veld 'Andere formuleringen' heeft te weinig items: minstens 5 nodig, nu 1" in html
    assert "het veld 'Trefwoorden' heeft te weinig items: minstens 1 nodig, nu 0" in html
    assert "knowledge/entries/politie.yaml, regel" in html
    assert 'id="veld-alternates"' in html and 'aria-invalid="true"' in html
    assert path.read_bytes() == before


async def test_a_valid_save_keeps_comments_reloads_and_commits_as_the_editor(
    client: Client, folder: Path
) -> None:
    path = folder / "entries" / "politie.yaml"
    path.write_text("# Politie: door de redactie bijgehouden\n" + path.read_text(encoding="utf-8"))
    await log_in(client)
    form = await entry_form(client, "politie-online")
    form["alternates"] += "\nmag een agent een nepprofiel aanmaken op tiktok"
    response = await client.post("/beheer/entries/politie-online", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Politie: door de redactie bijgehouden\n")
    assert '      - "mag een agent een nepprofiel aanmaken op tiktok"\n' in text
    assert "keywords: [openbare bronnen, functioneel account]" in text  # flow style kept
    assert text.index("politie-online") < text.index("politie-opleidingen")  # order kept
    token = await csrf_of(client, "/beheer/proberen")
    tried = await client.post(
        "/beheer/proberen",
        data={"vraag": "mag een agent een nepprofiel aanmaken op tiktok", "csrf": token},
    )
    assert 'data-testid="beslissing">antwoord<' in await tried.text()
    done = await asyncio.to_thread(
        subprocess.run,
        ["git", "-C", str(folder), "log", "-1", "--format=%an <%ae>|%s"],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = "anna <anna@gemeente.example>|Beheer: entry politie-online bijgewerkt"
    assert done.stdout.strip() == expected


async def test_a_save_over_someone_elses_change_is_refused(client: Client, folder: Path) -> None:
    await log_in(client)
    form = await entry_form(client, "politie-online")
    path = folder / "entries" / "politie.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# later\n", encoding="utf-8")
    changed = path.read_bytes()
    form["question"] = "Wat mag de politie allemaal online?"
    response = await client.post("/beheer/entries/politie-online", data=form)
    assert response.status == 422
    assert "gewijzigd sinds je het formulier opende" in await response.text()
    assert path.read_bytes() == changed


async def test_script_in_an_answer_is_shown_as_text(client: Client) -> None:
    await log_in(client)
    form = await entry_form(client, "politie-online")
    form["answer"] = '<script>alert("x")</script> en <img src=x onerror=alert(1)>'
    form["original"] = "politie-online"
    response = await client.post("/beheer/voorbeeld", data=form)
    html = await response.text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


@pytest.mark.parametrize(
    ("entry_id", "words"),
    [
        ("politie-online", "bestaat al"),
        # /beheer/entries/nieuw is the new-entry form: an entry so named could not be edited.
        ("nieuw", "gereserveerd"),
    ],
)
async def test_new_entry_with_an_existing_or_reserved_id_is_refused(
    client: Client, folder: Path, entry_id: str, words: str
) -> None:
    await log_in(client)
    token = await csrf_of(client, "/beheer/entries/nieuw")
    before = (folder / "entries" / "politie.yaml").read_bytes()
    response = await client.post(
        "/beheer/entries/nieuw",
        data={
            "csrf": token,
            "partner": "politie",
            "id": entry_id,
            "topic": "online",
            "question": "q",
            "alternates": "a\nb\nc\nd\ne",
            "keywords": "k",
            "answer": "x",
            "source": "s",
        },
    )
    assert response.status == 422
    assert words in await response.text()
    assert (folder / "entries" / "politie.yaml").read_bytes() == before


async def test_new_entry_is_added_at_the_end_of_its_partners_file(
    client: Client, folder: Path
) -> None:
    await log_in(client)
    token = await csrf_of(client, "/beheer/entries/nieuw")
    response = await client.post(
        "/beheer/entries/nieuw",
        data={
            "csrf": token,
            "partner": "politie",
            "id": "politie-bronnen",
            "topic": "bronnen",
            "question": "Waar haalt de politie informatie vandaan?",
            "alternates": "bronnen politie\nwelke bronnen gebruikt de wijkagent\n"
            "informatiebronnen agent\nwaar zoekt de politie\npolitie databronnen",
            "keywords": "bronnen\nsystemen",
            "answer": "Uit **eigen systemen**.\n\nEn meer.",
            "source": "Politie > Bronnen",
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    text = (folder / "entries" / "politie.yaml").read_text(encoding="utf-8")
    assert text.rstrip().endswith("source: Politie > Bronnen")
    assert "    answer: |\n      Uit **eigen systemen**.\n\n      En meer.\n" in text


async def test_overview_draws_the_counts_and_feedback(client: Client, store: Store) -> None:
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for _ in range(3):
        store.count_question(today, "matrix", "answer", "politie")
    store.count_question(today, "teams", "fallback", "none")
    store.remember_answer("$e1", "!room:x", "politie-online", time.time())
    store.record_feedback("$r1", "$e1", 1, time.time())
    await log_in(client)
    html = await (await client.get("/beheer/")).text()
    assert html.count('<svg class="chart" role="img"') == 3
    assert "antwoord: 3" in html and "geen antwoord: 1" in html
    assert "politie-online" in html


async def test_unanswered_question_becomes_an_alternate_in_one_click(
    client: Client, folder: Path, store: Store
) -> None:
    question = "mag een agent undercover in een whatsappgroep van jongeren"
    store.log_unanswered(time.time(), "matrix", "fallback", question, "politie-online", 12.0)
    await log_in(client)
    html = await (await client.get("/beheer/onbeantwoord")).text()
    assert question in html
    token = CSRF_RE.search(html)
    assert token
    response = await client.post(
        "/beheer/alternatief",
        data={"csrf": token.group(1), "vraag": question, "entry": "politie-online"},
    )
    result = await response.text()
    assert response.status == 200
    assert "toegevoegd als andere formulering" in result
    assert 'data-testid="beslissing">antwoord<' in result
    assert question in (folder / "entries" / "politie.yaml").read_text(encoding="utf-8")
    after = await (await client.get("/beheer/onbeantwoord")).text()
    assert 'nu: <span class="badge answer">antwoord</span>' in after


async def test_behind_a_proxy_one_address_failing_does_not_lock_out_another(
    client: Client,
) -> None:
    for _ in range(3):
        token = await csrf_of(client, "/beheer/inloggen")
        failed = await client.post(
            "/beheer/inloggen",
            data={"csrf": token, "naam": "indringer", "wachtwoord": "fout"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert failed.status == 401
    token = await csrf_of(client, "/beheer/inloggen")
    blocked = await client.post(
        "/beheer/inloggen",
        data={"csrf": token, "naam": "anna", "wachtwoord": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert blocked.status == 429
    other = await client.post(
        "/beheer/inloggen",
        data={"csrf": token, "naam": "anna", "wachtwoord": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.2"},
        allow_redirects=False,
    )
    assert other.status == 303


async def test_a_read_only_knowledge_folder_is_a_dutch_error_not_a_crash(
    client: Client, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import bot.editor.saving

    def read_only(_path: Path, _text: str) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(bot.editor.saving, "_write_atomically", read_only)
    await log_in(client)
    form = await entry_form(client, "politie-online")
    form["question"] = "Wat mag de politie online doen?"
    response = await client.post("/beheer/entries/politie-online", data=form)
    assert response.status == 422
    assert "alleen-lezen gekoppeld" in unescape(await response.text())


async def test_an_unknown_entry_is_a_dutch_page(client: Client) -> None:
    await log_in(client)
    response = await client.get("/beheer/entries/bestaat-niet")
    assert response.status == 404
    assert "Deze pagina of entry bestaat niet (meer)." in await response.text()
    assert "Content-Security-Policy" in response.headers


async def test_an_unexpected_error_is_a_dutch_page_without_a_traceback(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.editor.pages

    def broken(*_args: object) -> object:
        raise KeyError("geheime vraagtekst")

    monkeypatch.setattr(bot.editor.pages, "try_question", broken)
    await log_in(client)
    token = await csrf_of(client, "/beheer/proberen")
    response = await client.post("/beheer/proberen", data={"vraag": "x", "csrf": token})
    assert response.status == 500
    html = await response.text()
    assert "Er ging iets mis" in html and "Traceback" not in html
    assert "geheime vraagtekst" not in caplog.text
    assert "unexpected KeyError on /beheer/proberen" in caplog.text


async def test_a_form_over_the_size_limit_is_a_dutch_page(client: Client, folder: Path) -> None:
    await log_in(client)
    form = await entry_form(client, "politie-online")
    path = folder / "entries" / "politie.yaml"
    before = path.read_bytes()
    form["answer"] = "lang " * 300_000  # 1.5 MB: past aiohttp's 1 MB request limit
    body = io.BytesIO(urlencode(form).encode())
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await client.post("/beheer/entries/politie-online", data=body, headers=headers)
    assert response.status == 413
    html = unescape(await response.text())
    assert "te veel tekst" in html and "niets opgeslagen" in html  # was an English line
    assert "Content-Security-Policy" in response.headers
    assert path.read_bytes() == before


async def test_an_editors_lock_file_in_the_folder_does_not_break_saving(
    client: Client, folder: Path
) -> None:
    # Emacs keeps '.#politie.yaml' as a link to 'user@host.pid' while a file is open: it
    # points nowhere. The loader skips dot-files; the save's validation copy crashed on it.
    (folder / "entries" / ".#politie.yaml").symlink_to("anna@laptop.12345:1700000000")
    await log_in(client)
    form = await entry_form(client, "politie-online")
    form["question"] = "Wat mag de politie online doen?"
    response = await client.post("/beheer/entries/politie-online", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    text = (folder / "entries" / "politie.yaml").read_text(encoding="utf-8")
    assert "Wat mag de politie online doen?" in text


async def test_a_folder_named_like_a_file_is_reported_not_a_crash(
    client: Client, folder: Path
) -> None:
    await log_in(client)
    form = await entry_form(client, "politie-online")
    (folder / "entries" / "x.yaml").mkdir()  # appeared after the console loaded
    before = (folder / "entries" / "politie.yaml").read_bytes()
    form["question"] = "Wat mag de politie online doen?"
    response = await client.post("/beheer/entries/politie-online", data=form)
    assert response.status == 422
    assert "dit is een map, geen bestand" in unescape(await response.text())
    assert (folder / "entries" / "politie.yaml").read_bytes() == before
