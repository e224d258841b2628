"""The editors' console in a real browser: Debian's Chromium driven by Playwright, with
axe-core checking every page for WCAG 2.1 A/AA problems.

Skipped when Chromium or axe-core is missing, unless PARTNERBOT_REQUIRE_BROWSER=1
(scripts/test.sh installs both and sets it), in which case they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from editor_support import PASSWORD, SHIPPED, knowledge_copy, make_context

from bot.editor import add_editor
from bot.store import Store

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PARTNERBOT_CHROMIUM", "/usr/bin/chromium")
AXE = Path(
    os.environ.get(
        "PARTNERBOT_AXE", REPO / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    )
)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NEW_QUESTION = "mag de buurtsportcoach jongeren volgen op tiktok"
TARGET = "jongerenwerk-online"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"no Chromium at {CHROMIUM}"
    if not AXE.exists():
        return f"no axe-core at {AXE} (scripts/test.sh installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[browser]')"
    return None


_why = _missing()
if _why and os.environ.get("PARTNERBOT_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"PARTNERBOT_REQUIRE_BROWSER=1 but {_why}")
pytestmark = pytest.mark.skipif(_why is not None, reason=_why or "")


class ConsoleServer:
    """The console on 127.0.0.1 in a thread of its own (Playwright's sync API needs the
    test's thread)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        app = web.Application()
        add_editor(app, self.ctx)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def __enter__(self) -> ConsoleServer:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the console did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/beheer/"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConsoleServer, Path]]:
    folder = knowledge_copy(tmp_path_factory.mktemp("browser"), SHIPPED, git=True)
    store = Store(":memory:")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for decision, partner, count in (("answer", "politie", 4), ("fallback", "none", 1)):
        for _ in range(count):
            store.count_question(today, "matrix", decision, partner)
    store.log_unanswered(time.time(), "matrix", "fallback", NEW_QUESTION, None, 0.0)
    ctx, _ = make_context(folder, store=store, log_unanswered=True)
    with ConsoleServer(ctx) as server:
        yield server, folder
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, console: tuple[ConsoleServer, Path]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def axe_violations(page: Any) -> list[str]:
    # Evaluated through the DevTools protocol: the page's strict CSP stays on.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG_TAGS,
    )
    return list(result)


def log_in(page: Any, server: ConsoleServer) -> None:
    page.goto(server.url)
    assert page.url.endswith("/beheer/inloggen")
    assert axe_violations(page) == []
    page.get_by_label("Naam").fill("anna")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")  # the keyboard is enough
    page.wait_for_url(server.url)


def try_question(page: Any, server: ConsoleServer, question: str) -> tuple[str, str]:
    page.goto(server.url + "proberen")
    page.get_by_label("Vraag").fill(question)
    page.get_by_role("button", name="Probeer").click()
    decision = page.get_by_test_id("beslissing").inner_text()
    best = page.locator("table tbody tr").first.locator("td").first.inner_text()
    return decision, best


def test_log_in_try_a_question_add_an_alternate_and_see_the_answer(
    page: Any, console: tuple[ConsoleServer, Path]
) -> None:
    server, folder = console
    log_in(page, server)
    assert page.get_by_role("heading", name="Overzicht").is_visible()
    assert page.locator("svg.chart").count() >= 2
    assert axe_violations(page) == []

    decision, best = try_question(page, server, NEW_QUESTION)
    assert (decision, best) != ("antwoord", TARGET)
    assert page.locator(".terminal").inner_text().strip()
    assert page.locator(".teams .tb").count() > 0
    # No Teams in the test config: both cards, each under its Dutch label.
    for label in ("Teams (webhook)", "Teams-app"):
        assert page.get_by_role("heading", name=label, exact=True).is_visible()
    assert axe_violations(page) == []

    page.goto(server.url + f"entries/{TARGET}")
    alternates = page.get_by_label("Andere formuleringen")
    alternates.press("Control+End")
    alternates.press_sequentially("\n" + NEW_QUESTION)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"**/entries/{TARGET}?melding=*")
    assert "Opgeslagen" in page.get_by_role("status").first.inner_text()
    assert NEW_QUESTION in (folder / "entries" / "jongerenwerk.yaml").read_text(encoding="utf-8")

    assert try_question(page, server, NEW_QUESTION) == ("antwoord", TARGET)


def test_a_broken_entry_shows_the_dutch_error_and_nothing_is_saved(
    page: Any, console: tuple[ConsoleServer, Path]
) -> None:
    server, folder = console
    log_in(page, server)
    path = folder / "entries" / "politie.yaml"
    before = path.read_bytes()
    page.goto(server.url + "entries/politie-online")
    page.get_by_label("Trefwoorden").fill("")
    page.get_by_label("Vraag", exact=True).fill("")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator("#fouten")
    assert "Niet opgeslagen: 2 fouten" in summary.inner_text()
    assert "het veld 'Vraag' is leeg: vul het in" in summary.inner_text()
    assert "het veld 'Trefwoorden' heeft te weinig items" in summary.inner_text()
    field = page.get_by_label("Trefwoorden")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    error_text = page.locator(f"#{described.split()[-1]}").inner_text()
    assert "te weinig items" in error_text and "knowledge/entries/politie.yaml, regel" in error_text
    assert page.evaluate("document.activeElement.id") == "fouten"  # focus moved to the errors
    assert axe_violations(page) == []
    assert path.read_bytes() == before


def test_a_post_without_csrf_token_is_refused(
    page: Any, console: tuple[ConsoleServer, Path]
) -> None:
    server, _folder = console
    log_in(page, server)
    status = page.evaluate(
        "async () => (await fetch('/beheer/alternatief', {method: 'POST', body: new "
        "URLSearchParams({vraag: 'x', entry: 'politie-online'})})).status"
    )
    assert status == 403


def test_markup_in_an_answer_is_shown_as_text(
    page: Any, console: tuple[ConsoleServer, Path]
) -> None:
    server, _folder = console
    log_in(page, server)
    hostile = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>'
    page.goto(server.url + "entries/scholen-rol")
    answer = page.get_by_label("Antwoord")
    answer.fill(answer.input_value() + "\n\n" + hostile)
    page.locator("#voorbeeld[data-bijgewerkt]").wait_for(state="attached")  # live preview
    preview = page.locator("#voorbeeld")
    assert hostile in preview.locator(".matrix").text_content()  # also inside "Meer"
    assert hostile in preview.locator(".terminal").inner_text()
    assert preview.locator("img, script").count() == 0
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/entries/scholen-rol?melding=*")
    try_question(page, server, "wat doet een school in de online leefwereld")
    assert page.locator(".matrix img, .teams img, main script").count() == 0
    assert page.evaluate("window.hacked") is None


def test_works_at_phone_width(browser: Any, console: tuple[ConsoleServer, Path]) -> None:
    server, _folder = console
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, server)
        for path in ("", "proberen", "entries", "entries/politie-online", "onbeantwoord"):
            page.goto(server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"/beheer/{path} scrolls sideways at phone width ({width}px)"
            assert axe_violations(page) == [], path
    finally:
        context.close()


def test_the_keyboard_reaches_the_skip_link_first(
    page: Any, console: tuple[ConsoleServer, Path]
) -> None:
    server, _folder = console
    log_in(page, server)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"


def test_axe_does_report_a_violation(page: Any) -> None:
    # The zero-violation checks above mean something only if axe runs and can fail.
    page.set_content("<html><body><input type=text></body></html>")
    assert any(v.startswith("label") for v in axe_violations(page))
