"""Screenshots of the editors' console for the README (docs/screenshots/*.png).

Runs the console on a copy of the shipped knowledge with a throwaway store holding made-up
demo counts (so the charts have something to draw), and photographs the main pages in
Debian's Chromium through Playwright:

    .venv/bin/python scripts/editor_screenshots.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

from aiohttp import web

from bot.config import Config, EditorConfig, PrivacyConfig
from bot.editor import EditorContext, LocalKnowledge, add_editor
from bot.editor.auth import Editor
from bot.store import Store
from bot.transports.teams import build_card

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
TOKEN = secrets.token_urlsafe(16)
DEMO_QUESTIONS = [
    "mag de buurtsportcoach jongeren volgen op tiktok",
    "hoe vraag ik als school een gesprek aan met de wijkagent",
    "wat kost een osint cursus",
]


def demo_store(path: Path) -> Store:
    """Made-up counts for 30 days: only for the pictures."""
    store = Store(path)
    rng = random.Random(7)  # noqa: S311 - demo numbers, not security
    now = time.time()
    partners = ["politie", "handhaving", "gemeente", "jongerenwerk", "scholen", "algemeen"]
    for back in range(30):
        day = time.strftime("%Y-%m-%d", time.gmtime(now - back * 86_400))
        for _ in range(rng.randint(4, 14)):
            store.count_question(day, "matrix", "answer", rng.choice(partners))
        for _ in range(rng.randint(0, 3)):
            store.count_question(day, "teams", "clarify", "none")
        for _ in range(rng.randint(0, 2)):
            store.count_question(day, "matrix", "fallback", "none")
    for number, (entry, votes) in enumerate(
        [("politie-online", (9, 1)), ("handhaving-online", (6, 3)), ("scholen-veiligheid", (4, 0))]
    ):
        for vote in range(sum(votes)):
            event = f"$answer-{number}-{vote}"
            store.remember_answer(event, "!demo:example.org", entry, now)
            store.record_feedback(f"$r-{number}-{vote}", event, 1 if vote < votes[0] else -1, now)
    for offset, question in enumerate(DEMO_QUESTIONS):
        store.log_unanswered(now - offset * 3600, "matrix", "fallback", question, None, 0.0)
    return store


def serve(ctx: EditorContext, ready: threading.Event, port: list[int], stop: list[object]) -> None:
    async def main() -> None:
        app = web.Application()
        add_editor(app, ctx)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.append(runner.addresses[0][1])
        event = asyncio.Event()
        stop.append((asyncio.get_running_loop(), event))
        ready.set()
        await event.wait()
        await runner.cleanup()

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "knowledge"
        shutil.copytree(REPO / "knowledge", folder)
        store = demo_store(Path(scratch) / "demo.sqlite3")
        config = Config(privacy=PrivacyConfig(log_unanswered=True))
        knowledge = LocalKnowledge(folder, config)
        ctx = EditorContext(
            EditorConfig(),
            config,
            folder,
            knowledge.matcher,
            reload=knowledge.reload,
            last_reload=lambda: knowledge.last,
            store=store,
            card=build_card,
            login_token=TOKEN,
            local_editor=Editor("redacteur", ""),
        )
        ready, port, stop = threading.Event(), [], []
        thread = threading.Thread(target=serve, args=(ctx, ready, port, stop), daemon=True)
        thread.start()
        ready.wait(30)
        base = f"http://127.0.0.1:{port[0]}/beheer/"
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium)
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="nl-NL")
            page.goto(base + "inloggen")
            page.screenshot(path=OUT / "login.png")
            page.goto(base + f"inloggen?token={TOKEN}")
            page.screenshot(path=OUT / "overview.png", full_page=True)
            page.goto(base + "proberen")
            page.get_by_label("Vraag").fill("mag een boa online rondkijken op instagram?")
            page.get_by_role("button", name="Probeer").click()
            page.get_by_test_id("beslissing").wait_for()
            page.screenshot(path=OUT / "try.png", full_page=True)
            page.goto(base + "entries/politie-online")
            page.screenshot(path=OUT / "edit.png", full_page=True)
            page.get_by_label("Trefwoorden").fill("")
            page.get_by_role("button", name="Opslaan").click()
            page.locator("#fouten").wait_for()
            page.screenshot(path=OUT / "edit-error.png")
            page.goto(base + "onbeantwoord")
            page.screenshot(path=OUT / "unanswered.png", full_page=True)
            phone = browser.new_page(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
            phone.goto(base + f"inloggen?token={TOKEN}")
            phone.goto(base + "proberen")
            phone.get_by_label("Vraag").fill("wat mag de gemeente online?")
            phone.get_by_role("button", name="Probeer").click()
            phone.get_by_test_id("beslissing").wait_for()
            phone.screenshot(path=OUT / "phone-try.png")
            browser.close()
        loop, event = stop[0]  # type: ignore[misc]
        loop.call_soon_threadsafe(event.set)
        thread.join(30)
        store.close()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(REPO)}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
