"""Every card the Teams app sends, checked with Microsoft's own tools: parsed by the
``adaptivecards`` library (npm, installed by scripts/test.sh) without a warning, wrapped in
an activity ``microsoft-agents-activity`` accepts, under Teams' 28 KB and at a card version
Teams desktop and mobile render."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from microsoft_agents.activity import Activity, Attachment

from bot.admin import render_reload_result
from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.models import Question
from bot.reloader import ReloadResult
from bot.transports.teams.agent import welcome_reply
from bot.transports.teams.cards import CARD_CONTENT_TYPE, build_card

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_ENV = "PARTNERBOT_ADAPTIVECARDS"
DEFAULT_LIBRARY = ROOT / ".tools/adaptivecards/node_modules/adaptivecards/dist/adaptivecards.js"
MAX_BYTES = 28 * 1024


def cards() -> dict[str, dict[str, Any]]:
    knowledge = load_knowledge()
    assistant = Assistant(knowledge)
    found: dict[str, dict[str, Any]] = {}
    for entry in knowledge.entries:
        question = Question(
            text=entry.question,
            transport="teams_app",
            conversation_id=entry.id,
            private=True,
            always_addressed=True,
        )
        reply = assistant.handle(question)
        assert reply is not None
        found[entry.id] = build_card(reply, buttons=True)
    first = Question(
        text="wat doet een digitaal wijkagent?",
        transport="teams_app",
        conversation_id="offer",
        always_addressed=True,
    )
    assistant.handle(first)
    offer = assistant.handle(
        Question(
            text="en bij de gemeente?",
            transport="teams_app",
            conversation_id="offer",
            always_addressed=True,
        )
    )
    assert offer is not None and offer.kind == "clarify"
    found["clarify"] = build_card(offer, buttons=True)
    found["welcome"] = build_card(welcome_reply(["Vraag 1?", "Vraag 2?", "Vraag 3?"], "!"))
    reload = ReloadResult(
        ok=True,
        trigger="command",
        at=time.time(),
        version="abc",
        entries=45,
        problems=(),
        changed=True,
        requested_in=None,
        transport=None,
    )
    found["reload"] = build_card(render_reload_result(reload))
    return found


CARDS = cards()


def tools() -> tuple[str, Path]:
    library = Path(os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY)
    node = shutil.which("node")
    if node is None or not library.exists():
        # scripts/test.sh installs it and sets the variable below: there a miss is a failure.
        missing = pytest.fail if os.environ.get("PARTNERBOT_REQUIRE_PLAYGROUND") else pytest.skip
        missing(f"no adaptivecards library at {library}: run scripts/test.sh")
    assert node is not None
    return node, library


def test_the_clarify_card_has_one_submit_button_per_option() -> None:
    buttons = [a for a in CARDS["clarify"]["actions"] if a["type"] == "Action.Submit"]
    assert len(buttons) >= 2
    assert [b["data"]["partnerwijzer_choice"] for b in buttons] == list(range(1, len(buttons) + 1))


@pytest.mark.parametrize("name", sorted(CARDS))
def test_cards_fit_teams(name: str) -> None:
    card = CARDS[name]
    assert len(json.dumps(card, ensure_ascii=False).encode()) < MAX_BYTES
    assert tuple(int(p) for p in card["version"].split(".")) <= (1, 5)
    attachment = Attachment(content_type=CARD_CONTENT_TYPE, content=card)
    activity = Activity(type="message", attachments=[attachment])
    again = Activity.model_validate(activity.model_dump(by_alias=True, exclude_none=True))
    assert again.attachments is not None and again.attachments[0].content == card


def test_microsofts_library_parses_every_card_without_a_warning() -> None:
    node, library = tools()
    names = sorted(CARDS)
    result = subprocess.run(
        [node, str(ROOT / "tests" / "adaptive_card_parse.js"), str(library)],
        input=json.dumps([CARDS[name] for name in names]),
        capture_output=True,
        text=True,
        check=True,
    )
    reports = dict(zip(names, json.loads(result.stdout), strict=True))
    problems = {name: r for name, r in reports.items() if r["events"] or r["validation"]}
    assert not problems


def test_the_check_can_fail() -> None:
    node, library = tools()
    broken = {**CARDS["clarify"], "actions": [{"type": "Action.Sumbit", "title": "x"}]}
    result = subprocess.run(
        [node, str(ROOT / "tests" / "adaptive_card_parse.js"), str(library)],
        input=json.dumps([broken]),
        capture_output=True,
        text=True,
        check=True,
    )
    (report,) = json.loads(result.stdout)
    assert report["events"]
