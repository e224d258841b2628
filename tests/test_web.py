"""The web app on a real loopback server, called the way Microsoft Teams calls it.

Every request is built from the documented activity fixture, serialised and signed like
Teams does (HMAC-SHA256 over the exact body bytes, base64-decoded token as key). Answers
come from the real Assistant over the shipped knowledge.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.assistant import Assistant
from bot.commands import Command, CommandCall
from bot.config import Config, ConfigError, SecretRef, TeamsConfig, TeamsWebhookConfig
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.metrics import Metrics
from bot.models import Question, Reply
from bot.replies import render_notice
from bot.serial_assistant import SerialAssistant
from bot.transports.teams import TIMEOUT_TEXT, TeamsWebhooks, build_card
from bot.web import build_web_app

FIXTURE = Path(__file__).parent / "fixtures" / "teams" / "channel_message.json"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
TEAM = "19:9a8b7c6d5e4f40312a1b2c3d4e5f6a7b@thread.tacv2"
WIJK_KEY = hashlib.sha256(b"wijkteam test key").digest()
SCHOOL_KEY = hashlib.sha256(b"school test key").digest()
MAX_BODY = 16 * 1024
GOOD = "mag een boa online rondkijken op instagram?"
NONSENSE = "wordt het morgen droog in amersfoort?"
_ids = itertools.count(1)


def _config(timeout: float = 4.0) -> Config:
    return Config(
        teams=TeamsConfig(
            webhooks=(
                TeamsWebhookConfig(name="wijkteam", token=SecretRef(env="TEAMS_WIJKTEAM")),
                TeamsWebhookConfig(
                    name="school",
                    token=SecretRef(env="TEAMS_SCHOOL"),
                    allowed_tenants=(TENANT,),
                    allowed_teams=(TEAM,),
                ),
            ),
            max_body_bytes=MAX_BODY,
            reply_timeout_seconds=timeout,
        )
    )


ENVIRON = {
    "TEAMS_WIJKTEAM": base64.b64encode(WIJK_KEY).decode(),
    "TEAMS_SCHOOL": base64.b64encode(SCHOOL_KEY).decode(),
}


def activity(text: str, **changes: Any) -> dict[str, Any]:
    """The fixture activity with this question, as a new sender in a new thread."""
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    number = next(_ids)
    data["text"] = f"<at>Partnerwijzer</at>&nbsp;{text}\n"
    data["id"] = str(1_700_000_000_000 + number)
    data["from"]["aadObjectId"] = f"00000000-0000-4000-8000-{number:012d}"
    data["conversation"]["id"] = f"19:abc@thread.tacv2;messageid={number}"
    data.update(changes)
    return data


def encode(data: dict[str, Any]) -> bytes:
    # Teams sends compact UTF-8 JSON; the signature covers exactly these bytes.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def teams_signature(body: bytes, key: bytes) -> str:
    digest = hmac.new(key, body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode("ascii")


def question_for(data: dict[str, Any], text: str) -> Question:
    return Question(
        text=text,
        transport="teams",
        conversation_id=data["conversation"]["id"],
        sender_id=data["from"]["aadObjectId"],
        mentioned=True,
    )


def served(
    config: Config, assistant: Assistant, metrics: Metrics, environ: dict[str, str]
) -> tuple[Any, SerialAssistant]:
    """The web app with the config's Teams webhooks, answering through one SerialAssistant
    as the app wires it: at once while its worker is idle, else in the worker."""
    serial = SerialAssistant(assistant)
    assert config.teams is not None
    webhooks = TeamsWebhooks(config.teams, serial.handle, metrics, environ, serial.handle_now)
    return build_web_app(config, assistant, metrics, [webhooks]), serial


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def reference(knowledge: KnowledgeBase) -> Assistant:
    """A second assistant, to know what the served one should have said."""
    return Assistant(knowledge, _config())


@pytest.fixture
async def client(knowledge: KnowledgeBase, metrics: Metrics) -> AsyncIterator[TestClient[Any, Any]]:
    app, serial = served(_config(), Assistant(knowledge, _config(), metrics), metrics, ENVIRON)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client
    serial.close()


async def post(
    client: TestClient[Any, Any], body: bytes, key: bytes | None = WIJK_KEY, hook: str = "wijkteam"
) -> ClientResponse:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if key is not None:
        headers["Authorization"] = teams_signature(body, key)
    return await client.post(f"/teams/{hook}", data=body, headers=headers)


async def ask(client: TestClient[Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    response = await post(client, encode(data))
    assert response.status == 200
    assert response.content_type == "application/json"
    result: dict[str, Any] = await response.json()
    return result


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = attachment["content"]
    return card


def questions_answered(metrics: Metrics) -> float:
    body, _ = metrics.render()
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "partnerbot_questions_total"
    )


# --- answers --------------------------------------------------------------------------------


async def test_good_question_gets_the_assistants_answer_as_a_card(
    client: TestClient[Any, Any], reference: Assistant
) -> None:
    data = activity(GOOD)
    message = await ask(client, data)
    expected = reference.handle(question_for(data, GOOD))
    assert expected is not None and expected.kind == "answer"
    assert message["type"] == "message"
    assert message["text"] == expected.title
    card = card_of(message)
    assert card == build_card(expected, fold=False)
    assert card["body"][0]["text"] == expected.title
    footer = f"Partner: {expected.partner_name} · Bron: infographic, {expected.source}"
    assert footer in [block.get("text") for block in card["body"]]
    assert "handhaving" in (expected.partner_name or "").lower()
    for action in card.get("actions", []):
        # Outgoing webhook cards support no card action but openURL: no "Meer" toggle.
        assert action["type"] == "Action.OpenUrl" and action["url"].startswith("mailto:")


async def test_nonsense_gets_the_fallback(
    client: TestClient[Any, Any], reference: Assistant
) -> None:
    data = activity(NONSENSE)
    card = card_of(await ask(client, data))
    expected = reference.handle(question_for(data, NONSENSE))
    assert expected is not None and expected.kind == "fallback"
    assert card == build_card(expected, fold=False)


async def test_lists_in_answers_are_one_text_block_per_item(
    client: TestClient[Any, Any], reference: Assistant
) -> None:
    text = "wat is de rol van een boa"
    data = activity(text)
    card = card_of(await ask(client, data))
    expected = reference.handle(question_for(data, text))
    assert expected is not None and "\n- " in expected.body_markdown  # the entry has a list
    # The list sits in the detail, after the lead (the webhook card does not fold).
    blocks = [b for block in card["body"] for b in [block, *block.get("items", [])]]
    texts = [block.get("text", "") for block in blocks]
    assert any(t.startswith("• ") for t in texts)
    assert not any("\n" in t for t in texts)  # no Markdown list left inside a block


async def test_100_concurrent_requests_are_all_answered_correctly(
    client: TestClient[Any, Any], reference: Assistant
) -> None:
    texts = [GOOD, NONSENSE, "wat doet de politie online?", "mag een school op tiktok kijken?"]
    requests = [activity(texts[number % len(texts)]) for number in range(100)]
    messages = await asyncio.gather(*(ask(client, data) for data in requests))
    for number, (data, message) in enumerate(zip(requests, messages, strict=True)):
        expected = reference.handle(question_for(data, texts[number % len(texts)]))
        assert expected is not None
        assert card_of(message) == build_card(expected, fold=False)


# --- refused requests: nothing is matched ---------------------------------------------------


async def test_unsigned_request_is_refused(client: TestClient[Any, Any], metrics: Metrics) -> None:
    response = await post(client, encode(activity(GOOD)), key=None)
    assert response.status == 401
    assert questions_answered(metrics) == 0


@pytest.mark.parametrize(
    "authorization",
    ["HMAC", "Basic dXNlcjpwYXNz", "HMAC ****", "hmac " + base64.b64encode(b"0" * 32).decode()],
)
async def test_malformed_or_wrong_authorization_is_refused(
    client: TestClient[Any, Any], metrics: Metrics, authorization: str
) -> None:
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    response = await client.post("/teams/wijkteam", data=encode(activity(GOOD)), headers=headers)
    assert response.status == 401
    assert questions_answered(metrics) == 0


async def test_signature_with_another_key_is_refused(
    client: TestClient[Any, Any], metrics: Metrics
) -> None:
    body = encode(activity(GOOD))
    assert (await post(client, body, key=b"not the token")).status == 401
    # Each webhook has its own token: the school webhook's signature is no good here.
    assert (await post(client, body, key=SCHOOL_KEY)).status == 401
    assert questions_answered(metrics) == 0


async def test_signature_of_another_body_is_refused(
    client: TestClient[Any, Any], metrics: Metrics
) -> None:
    signed = encode(activity(GOOD))
    tampered = signed.replace(b"instagram", b"facebook!")
    headers = {"Authorization": teams_signature(signed, WIJK_KEY)}
    response = await client.post("/teams/wijkteam", data=tampered, headers=headers)
    assert response.status == 401
    # Re-serialising the same JSON differently also breaks it: the raw bytes are signed.
    pretty = json.dumps(json.loads(signed), indent=2).encode()
    response = await client.post("/teams/wijkteam", data=pretty, headers=headers)
    assert response.status == 401
    assert questions_answered(metrics) == 0


async def test_oversized_body_is_refused(client: TestClient[Any, Any], metrics: Metrics) -> None:
    data = activity(GOOD + " " + "x" * MAX_BODY)
    response = await post(client, encode(data))
    assert response.status == 413
    assert questions_answered(metrics) == 0


async def test_oversized_chunked_body_without_content_length_is_refused(
    client: TestClient[Any, Any], metrics: Metrics
) -> None:
    body = encode(activity(GOOD + " " + "x" * MAX_BODY))

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    headers = {"Authorization": teams_signature(body, WIJK_KEY)}
    response = await client.post("/teams/wijkteam", data=chunks(), headers=headers)
    assert response.status == 413
    assert questions_answered(metrics) == 0


async def test_body_just_under_the_limit_is_answered(client: TestClient[Any, Any]) -> None:
    data = activity(GOOD)
    padding = MAX_BODY - len(encode(data)) - len(',"pad":""')
    data["pad"] = "p" * padding
    assert len(encode(data)) == MAX_BODY
    message = await ask(client, data)
    assert card_of(message)["type"] == "AdaptiveCard"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'{"type": "message"}',
        b'{"type": "message", "text": 12}',
        b'{"type": "message", "text": "x", "channelData": "geen object"}',
        "\u00ff".encode("latin-1"),
    ],
)
async def test_malformed_or_incomplete_activity_is_400(
    client: TestClient[Any, Any], metrics: Metrics, body: bytes
) -> None:
    response = await post(client, body)
    assert response.status == 400
    assert questions_answered(metrics) == 0


@pytest.mark.parametrize(
    "body",
    [
        # json.loads raises RecursionError on deep nesting ...
        b'{"type": "message", "text": "x", "channelData": ' + b"[" * 2000 + b"]" * 2000 + b"}",
        # ... and ValueError (not JSONDecodeError) for an integer of thousands of digits.
        b'{"type": "message", "text": "x", "id": ' + b"7" * 5000 + b"}",
    ],
    ids=["nested-2000", "int-5000-digits"],
)
async def test_signed_json_the_parser_refuses_is_a_counted_400(
    client: TestClient[Any, Any], metrics: Metrics, body: bytes
) -> None:
    response = await post(client, body)
    assert response.status == 400
    assert (await response.json())["error"]
    rendered, _ = metrics.render()
    assert 'partnerbot_teams_requests_total{outcome="400",webhook="wijkteam"} 1.0' in (
        rendered.decode()
    )
    assert questions_answered(metrics) == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "message", "text": "\\ud800 vraag"}',  # a lone surrogate: no text in UTF-8
        '{"type": "message", "text": "vraag"}'.encode("utf-16"),  # JSON between systems is UTF-8
        b'{"type": "message", "text": "vraag", "id": NaN}',
    ],
    ids=["lone-surrogate", "utf-16", "nan"],
)
async def test_json_that_is_not_interoperable_is_a_400(
    client: TestClient[Any, Any], metrics: Metrics, body: bytes
) -> None:
    response = await post(client, body)
    assert response.status == 400
    assert "not JSON" in (await response.json())["error"]
    assert questions_answered(metrics) == 0


async def test_a_byte_order_mark_before_the_activity_is_ignored(
    client: TestClient[Any, Any],
) -> None:
    # RFC 8259 section 8.1 lets a parser ignore it; the signature still covers it.
    response = await post(client, b"\xef\xbb\xbf" + encode(activity(GOOD)))
    assert response.status == 200
    assert card_of(await response.json())["type"] == "AdaptiveCard"


async def test_the_reply_is_utf8_json_with_its_charset(client: TestClient[Any, Any]) -> None:
    response = await post(client, encode(activity("wat doet de politie online?")))
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    raw = await response.read()
    assert json.loads(raw.decode("utf-8")) == await response.json()
    assert "\\u" not in raw.decode("utf-8")  # Dutch quotes and accents as UTF-8, not escapes


async def test_missing_text_in_the_documented_activity_is_400(
    client: TestClient[Any, Any], metrics: Metrics
) -> None:
    data = activity(GOOD)
    del data["text"]
    assert (await post(client, encode(data))).status == 400
    assert questions_answered(metrics) == 0


async def test_missing_optional_fields_still_get_an_answer(client: TestClient[Any, Any]) -> None:
    body = encode({"type": "message", "text": f"<at>Partnerwijzer</at> {GOOD}"})
    response = await post(client, body)
    assert response.status == 200
    assert card_of(await response.json())["type"] == "AdaptiveCard"


async def test_unknown_tenant_or_team_is_forbidden(
    client: TestClient[Any, Any], metrics: Metrics
) -> None:
    other_tenant = activity(GOOD)
    other_tenant["channelData"]["tenant"]["id"] = "ffffffff-0000-4000-8000-000000000000"
    other_team = activity(GOOD)
    other_team["channelData"]["teamsTeamId"] = "19:other@thread.tacv2"
    no_channel_data = activity(GOOD)
    del no_channel_data["channelData"]
    for data in (other_tenant, other_team, no_channel_data):
        response = await post(client, encode(data), key=SCHOOL_KEY, hook="school")
        assert response.status == 403
    assert questions_answered(metrics) == 0
    allowed = await post(client, encode(activity(GOOD)), key=SCHOOL_KEY, hook="school")
    assert allowed.status == 200
    assert questions_answered(metrics) == 1


async def test_wrong_method_and_unknown_webhook(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/teams/wijkteam")).status == 405
    body = encode(activity(GOOD))
    assert (await post(client, body, hook="onbekend")).status == 404


# --- hostile and unusual text ---------------------------------------------------------------

INJECTIONS = [
    '[klik hier](https://evil.example/x) **vet** _schuin_ "}]},{"type":"Action.OpenUrl"',
    "</at><at>Partnerwijzer</at> <script>alert(1)</script> &lt;img src=x onerror=alert(1)&gt;",
    "boa\n\n- lijstje\n1. genummerd\n# kop\n> citaat ```code``` | tabel | ![img](https://e.x/i.png)",
    '{"type":"AdaptiveCard","body":[{"type":"Input.Text"}],"actions":[{"url":"https://evil"}]}',
    "mag een boa \u202eonline\u202c kijken? 👮‍♀️ ’s-Hertogenbosch Ĳsselstein café naïef \u0000",
]
# A Markdown link or image whose brackets are not backslash-escaped.
_LIVE_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?P<url>[^)]*)\)")
_LIVE_TAG = re.compile(r"(?<!\\)<\s*(script|img|a)\b", re.IGNORECASE)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("hostile", INJECTIONS)
async def test_user_text_cannot_inject_card_or_markdown_structure(
    client: TestClient[Any, Any], reference: Assistant, hostile: str
) -> None:
    data = activity(hostile)
    message = await ask(client, data)
    card = card_of(message)
    assert set(message) <= {"type", "text", "textFormat", "attachments"}
    # Blocks at the top level, or inside a Container should a card ever group them.
    blocks = [b for block in card["body"] for b in [block, *block.get("items", [])]]
    assert {block["type"] for block in blocks} <= {"TextBlock", "FactSet", "Container"}
    for action in card.get("actions", []):
        # Outgoing webhook cards support no card action but openURL: no "Meer" toggle.
        assert action["type"] == "Action.OpenUrl" and action["url"].startswith("mailto:")
    # Nowhere in the response (text, card, fallbackText) does user text become a live
    # link, image or HTML tag; the reply may quote it, but only escaped.
    for text in _strings(message):
        assert all("evil" not in link["url"] for link in _LIVE_LINK.finditer(text)), text
        assert not _LIVE_TAG.search(text), text
    for block in blocks:
        assert "\n" not in block.get("text", "")
    # The assistant saw the cleaned text, and the card is exactly its reply.
    expected = _expected_for(reference, data)
    assert card == build_card(expected, fold=False)


def _expected_for(reference: Assistant, data: dict[str, Any]) -> Reply:
    from bot.transports.teams import clean_text

    reply = reference.handle(question_for(data, clean_text(data["text"])))
    assert reply is not None
    return reply


async def test_unicode_question_round_trips(
    client: TestClient[Any, Any], reference: Assistant
) -> None:
    text = "mag een jeugdboa 👮‍♀️ in ’s-Hertogenbosch op Instagram kijken? (café, naïef)"
    data = activity(text)
    card = card_of(await ask(client, data))
    expected = reference.handle(question_for(data, text))
    assert expected is not None
    assert card == build_card(expected, fold=False)


# --- time limit -----------------------------------------------------------------------------


async def test_slow_answer_gets_a_try_again_message_within_the_limit(
    knowledge: KnowledgeBase, metrics: Metrics
) -> None:
    config = _config(timeout=0.2)
    app, serial = served(config, Assistant(knowledge, config, metrics), metrics, ENVIRON)
    gate = threading.Event()
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        # Occupy the answering thread, as a stuck or overloaded assistant would.
        blocked = asyncio.ensure_future(serial.run(gate.wait))
        try:
            response = await post(test_client, encode(activity(GOOD)))
            assert response.status == 200
            assert await response.json() == {"type": "message", "text": TIMEOUT_TEXT}
        finally:
            gate.set()
            await blocked
        body = (await (await test_client.get("/metrics")).read()).decode()
    assert 'partnerbot_teams_requests_total{outcome="timeout",webhook="wijkteam"} 1.0' in body


async def test_a_blocking_command_gets_a_try_again_message_within_the_limit(
    knowledge: KnowledgeBase, metrics: Metrics
) -> None:
    """Commands may block (admin work, the store): they never run on the event loop, so the
    time limit holds for them too, also while nothing else is waiting."""
    config = _config(timeout=0.2)
    assistant = Assistant(knowledge, config, metrics)
    gate = threading.Event()

    def stuck(call: CommandCall) -> Reply:
        gate.wait(10)
        return render_notice("notice", "Klaar", "klaar")

    assistant.commands.append(Command(("vastlopen",), stuck, "hangt"))
    app, serial = served(config, assistant, metrics, ENVIRON)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        try:
            response = await post(test_client, encode(activity("vastlopen")))
            assert await response.json() == {"type": "message", "text": TIMEOUT_TEXT}
        finally:
            gate.set()
        # The worker is free again afterwards: questions are answered as before.
        assert card_of(await ask(test_client, activity(GOOD)))["type"] == "AdaptiveCard"
    serial.close()


async def test_two_messages_in_one_thread_are_answered_in_order(
    knowledge: KnowledgeBase, metrics: Metrics, reference: Assistant
) -> None:
    """A follow-up that arrives while the question before it waits in the busy worker is
    not answered at once (it would overtake it): it queues behind it and is read against
    that answer, as the reference assistant reads the two in order."""
    config = _config()
    app, serial = served(config, Assistant(knowledge, config, metrics), metrics, ENVIRON)
    texts = ("welke opleidingen kan de politie volgen?", "en de gemeente?")
    first, second = activity(texts[0]), activity(texts[1])
    second["from"], second["conversation"] = first["from"], first["conversation"]
    gate, started = threading.Event(), threading.Event()

    async def until_pending(count: int) -> None:
        for _ in range(100_000):  # each pass lets the loop run the requests one step
            if serial.pending >= count:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"never {count} calls in the worker")

    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        blocked = asyncio.ensure_future(serial.run(lambda: (started.set(), gate.wait(10))))
        assert await asyncio.to_thread(started.wait, 5)
        answer = asyncio.ensure_future(ask(test_client, first))
        await until_pending(2)  # the question waits behind the blocking call
        follow_up = asyncio.ensure_future(ask(test_client, second))
        await until_pending(3)  # and the follow-up behind the question
        gate.set()
        await blocked
        cards = [card_of(await answer), card_of(await follow_up)]
    serial.close()
    expected = [
        reference.handle(question_for(data, text))
        for data, text in zip((first, second), texts, strict=True)
    ]
    assert cards == [build_card(reply, fold=False) for reply in expected if reply is not None]
    # Read as a follow-up: the same topic for the partner now named.
    assert expected[1] is not None and expected[1].decision is not None
    assert expected[1].decision.best is not None
    assert expected[1].decision.best.entry.partner == "gemeente"


# --- health and metrics ---------------------------------------------------------------------


async def test_healthz_reports_knowledge(
    client: TestClient[Any, Any], knowledge: KnowledgeBase
) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {
        "status": "ok",
        "knowledge_version": knowledge.version,
        "entries": len(knowledge.entries),
    }


async def test_metrics_count_questions_without_their_text(
    client: TestClient[Any, Any], knowledge: KnowledgeBase
) -> None:
    await ask(client, activity(GOOD))
    await post(client, encode(activity(GOOD)), key=None)
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    body = (await response.read()).decode()
    families = {family.name: family for family in text_string_to_metric_families(body)}
    (answered,) = families["partnerbot_questions"].samples
    assert answered.labels["transport"] == "teams"
    assert answered.value == 1
    assert families["partnerbot_knowledge_entries"].samples[0].value == len(knowledge.entries)
    assert 'partnerbot_teams_requests_total{outcome="401",webhook="wijkteam"} 1.0' in body
    assert "instagram" not in body.lower() and "boa " not in body.lower()


def test_missing_token_is_a_config_error(knowledge: KnowledgeBase) -> None:
    config = _config()
    with pytest.raises(ConfigError, match=r"teams\.webhooks\[1\]\.token"):
        served(config, Assistant(knowledge, config), Metrics(), {"TEAMS_WIJKTEAM": "AAAA"})


def test_a_text_orjson_refuses_is_still_encoded() -> None:
    # A lone surrogate can reach a reply from the knowledge (YAML's "\ud800" escape):
    # the stdlib encoder's \u escape is then the one way to send it as JSON.
    from bot.transports.teams.webhook import encode_json

    assert encode_json({"text": "a\ud800b"}) == b'{"text":"a\\ud800b"}'
    assert json.loads(encode_json({"text": "“één”"})) == {"text": "“één”"}
