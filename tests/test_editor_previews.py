"""The console's "as Teams shows it" preview is the card each configured Teams transport
really sends: the outgoing webhook's unfolded card (no "Meer", no buttons) and the Teams
app's folded one, labelled in Dutch; both when the config sets up neither."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from editor_support import FIXTURE, PASSWORD, SHIPPED, knowledge_copy, make_context

from bot.config import Config, TeamsAppConfig, TeamsConfig, TeamsWebhookConfig
from bot.editor import add_editor
from bot.editor.previews import TEAMS_APP, WEBHOOK, render, teams_variants
from bot.knowledge import load_knowledge
from bot.models import Decision, Match
from bot.replies import render_decision
from bot.transports.teams import build_card

Client = TestClient[Any, Any]
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
WEBHOOKS = TeamsConfig(webhooks=(TeamsWebhookConfig(name="kanaal"),))
SECTION_RE = re.compile(r'<section class="rendering"[^>]*data-teams="(\w+)".*?</section>', re.S)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (Config(), (WEBHOOK, TEAMS_APP)),  # `partnerbot beheer` without a config: both
        (Config(teams=WEBHOOKS), (WEBHOOK,)),
        (Config(teams_app=TeamsAppConfig()), (TEAMS_APP,)),
        (Config(teams=WEBHOOKS, teams_app=TeamsAppConfig()), (WEBHOOK, TEAMS_APP)),
        (Config(teams=TeamsConfig()), (WEBHOOK, TEAMS_APP)),  # no webhook in the section
    ],
)
def test_the_variants_follow_the_configured_transports(
    config: Config, expected: tuple[Any, ...]
) -> None:
    assert teams_variants(config) == expected


def test_the_app_card_turns_a_clarify_into_buttons_the_webhook_card_does_not() -> None:
    knowledge = load_knowledge(FIXTURE)
    first, second = knowledge.entries[0], knowledge.entries[1]
    matches = (Match(first, 60.0), Match(second, 58.0))
    decision = Decision("clarify", matches, confidence=60.0, options=matches)
    reply = render_decision(decision, "iets vaags", knowledge)
    assert reply.options
    webhook, app = render(reply, build_card, (WEBHOOK, TEAMS_APP)).teams
    assert webhook.buttons == ()
    assert app.buttons and app.buttons[0].startswith("1. ")


async def _posted(folder: Path, config: Config, path: str, data: dict[str, str]) -> str:
    """The page a logged-in editor gets for posting ``data`` to ``path``."""
    ctx, _knowledge = make_context(folder)
    ctx = dataclasses.replace(ctx, bot_config=config)
    app = web.Application()
    add_editor(app, ctx)
    client: Client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()

    async def csrf(page: str) -> str:
        found = CSRF_RE.search(await (await client.get(page)).text())
        assert found
        return found.group(1)

    try:
        login = {"csrf": await csrf("/beheer/inloggen"), "naam": "anna", "wachtwoord": PASSWORD}
        assert (await client.post("/beheer/inloggen", data=login)).status == 200
        token = await csrf("/beheer/proberen")
        response = await client.post(path, data={**data, "csrf": token})
        assert response.status == 200
        return await response.text()
    finally:
        await client.close()


async def _tried(folder: Path, config: Config, question: str) -> str:
    return await _posted(folder, config, "/beheer/proberen", {"vraag": question})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return knowledge_copy(tmp_path, SHIPPED)  # its entries have a lead, and so a "Meer"


def sections(page: str) -> dict[str, str]:
    return {found.group(1): found.group(0) for found in SECTION_RE.finditer(page)}


async def test_a_webhook_only_bot_previews_the_unfolded_card(folder: Path) -> None:
    entry = load_knowledge(SHIPPED).entry("politie-online")
    assert entry is not None and entry.lead  # an answer with detail behind "Meer" in the app
    page = await _tried(folder, Config(teams=WEBHOOKS), "wat mag de politie online")
    shown = sections(page)
    assert list(shown) == ["webhook"]
    assert ">Teams (webhook)</h3>" in shown["webhook"] and "Teams-app" not in page
    assert 'class="more"' not in shown["webhook"]  # no "Meer" the webhook cannot send
    # The detail (not in the lead) is on the card itself.
    detail = "Elk signaal, groot of klein, kan aanleiding zijn"
    assert detail in entry.answer and detail not in entry.lead
    assert detail in unescape(re.sub(r"<[^>]+>", "", shown["webhook"]))
    # The webhook's title also arrives as a message of its own, before the card.
    assert f'<p class="teams-message">{entry.question}</p>' in shown["webhook"]


async def test_a_teams_app_bot_previews_the_folded_card(folder: Path) -> None:
    page = await _tried(folder, Config(teams_app=TeamsAppConfig()), "wat mag de politie online")
    shown = sections(page)
    assert list(shown) == ["app"]
    assert ">Teams-app</h3>" in shown["app"]
    assert '<details class="more"><summary>Meer</summary>' in shown["app"]
    assert "teams-message" not in shown["app"]  # the app sends the card alone


async def test_text_in_every_teams_preview_is_escaped(folder: Path) -> None:
    """The live preview of an entry whose question and answer hold markup."""
    hostile = '<img src=x onerror="alert(1)">'
    form = {
        "id": "politie-test",
        "partner": "politie",
        "topic": "online",
        "question": f"Mag dit {hostile}?",
        "lead": f"Kort {hostile}.",
        "answer": f"Lang {hostile}.",
        "source": "Politie > Online",
    }
    page = await _posted(folder, Config(), "/beheer/voorbeeld", form)
    shown = sections(page)
    assert list(shown) == ["webhook", "app"]
    for section in shown.values():
        assert "<img" not in section
        assert "&lt;img" in section
    assert '<p class="teams-message">Mag dit &lt;img' in shown["webhook"]
