"""The outgoing webhook's responses byte for byte, as Teams receives them, read with
Microsoft's own tools: each raw body parsed by ``microsoft-agents-activity``'s ``Activity``
model straight from the bytes, and each card parsed by the ``adaptivecards`` library (npm,
installed by scripts/test.sh) without a warning. Every shipped entry's question is asked,
with the edges: no answer, a word the infographic never mentions, English, hostile text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from microsoft_agents.activity import Activity
from test_teams_app_cards import MAX_BYTES, tools

from bot.assistant import Assistant
from bot.config import Config, SecretRef, TeamsConfig, TeamsWebhookConfig
from bot.knowledge import load_knowledge
from bot.metrics import Metrics
from bot.serial_assistant import SerialAssistant
from bot.transports.teams import CARD_CONTENT_TYPE, TeamsWebhooks
from bot.web import build_web_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "teams" / "channel_message.json"
KEY = hashlib.sha256(b"bytes test key").digest()
EDGES = (
    "wordt het morgen droog in amersfoort?",  # no answer
    "mag een boa de telefoon van een jongere doorzoeken",  # a word it never mentions
    "Which news sources do youth workers follow?",  # English
    'wordt het *morgen* <b>droog</b> "zo" & [klik](http://x.test) in <at>x</at> amersfoort?',
    "politie",  # one word
)


def _body(question: str, number: int) -> bytes:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["text"] = f"<at>Partnerwijzer</at>&nbsp;{question}"
    data["conversation"] = {"id": f"19:bytes@thread.tacv2;messageid={number}"}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def _responses() -> list[tuple[str, bytes]]:
    knowledge = load_knowledge()
    hook = TeamsWebhookConfig(name="bytes", token=SecretRef(env="TEAMS_BYTES"))
    config = Config(teams=TeamsConfig(webhooks=(hook,)))
    metrics = Metrics()
    assistant = Assistant(knowledge, config, metrics)
    serial = SerialAssistant(assistant)
    environ = {"TEAMS_BYTES": base64.b64encode(KEY).decode("ascii")}
    assert config.teams is not None
    webhooks = TeamsWebhooks(config.teams, serial.handle, metrics, environ, serial.handle_now)
    app = build_web_app(config, assistant, metrics, [webhooks])
    questions = [entry.question for entry in knowledge.entries] + list(EDGES)
    found: list[tuple[str, bytes]] = []
    try:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            for number, question in enumerate(questions):
                body = _body(question, number)
                digest = hmac.digest(KEY, body, "sha256")
                signature = "HMAC " + base64.b64encode(digest).decode("ascii")
                response = await client.post(
                    "/teams/bytes",
                    data=body,
                    headers={"Authorization": signature, "Content-Type": "application/json"},
                )
                assert response.status == 200, question
                assert response.headers["Content-Type"] == "application/json; charset=utf-8"
                found.append((question, await response.read()))
    finally:
        serial.close()
    return found


@pytest.fixture(scope="module")
def responses() -> list[tuple[str, bytes]]:
    import asyncio

    return asyncio.run(_responses())


def test_every_response_is_an_activity_microsofts_model_reads_from_the_bytes(
    responses: list[tuple[str, bytes]],
) -> None:
    assert len(responses) > len(EDGES)
    for question, raw in responses:
        activity = Activity.model_validate_json(raw)
        assert activity.type == "message", question
        assert activity.attachments is not None and len(activity.attachments) == 1
        attachment = activity.attachments[0]
        assert attachment.content_type == CARD_CONTENT_TYPE
        assert attachment.content == json.loads(raw)["attachments"][0]["content"]
        assert len(raw) < MAX_BYTES, question


def test_microsofts_library_parses_every_webhook_card_without_a_warning(
    responses: list[tuple[str, bytes]],
) -> None:
    node, library = tools()
    cards = [json.loads(raw)["attachments"][0]["content"] for _, raw in responses]
    result = subprocess.run(
        [node, str(ROOT / "tests" / "adaptive_card_parse.js"), str(library)],
        input=json.dumps(cards, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    reports = json.loads(result.stdout)
    assert len(reports) == len(cards)
    problems = {
        question: report
        for (question, _), report in zip(responses, reports, strict=True)
        if report["events"] or report["validation"]
    }
    assert not problems


def test_hostile_text_adds_no_card_structure(responses: list[tuple[str, bytes]]) -> None:
    (raw,) = [raw for question, raw in responses if "*morgen*" in question]
    assert b"<b>" not in raw and b"<at>" not in raw  # tags never reach the reply
    card = json.loads(raw)["attachments"][0]["content"]
    # The quote in the Markdown fallback text is escaped: no emphasis, no link.
    assert "\\*morgen\\*" in card["fallbackText"]
    assert "[klik](http" not in card["fallbackText"]
    assert all(action["type"] == "Action.OpenUrl" for action in card.get("actions", []))
