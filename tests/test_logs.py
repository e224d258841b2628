"""With the default logging config, no message text and no secret ever reaches a log record."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.assistant import Assistant
from bot.config import Config, LoggingConfig, SecretRef, TeamsConfig, TeamsWebhookConfig
from bot.knowledge import load_knowledge
from bot.logs import configure_logging
from bot.metrics import Metrics
from bot.models import Question
from bot.serial_assistant import SerialAssistant
from bot.transports.teams import TeamsWebhooks
from bot.web import build_web_app

ACTIVITY = Path(__file__).parent / "fixtures" / "teams" / "channel_message.json"
MARKER = "Zwartkoplampje-8842"  # unique: shows up only if message text is logged
FAKE_SECRET = "wachtwoord=Hunter2-NietDelen"
KEY = hashlib.sha256(b"logs test key").digest()
TOKEN = base64.b64encode(KEY).decode()
CHATTY = ("nio", "aiohttp.access", "peewee", "urllib3")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in CHATTY}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, saved in levels.items():
            logging.getLogger(name).setLevel(saved)


@pytest.fixture
def stream(restore_logging: None, caplog: pytest.LogCaptureFixture) -> io.StringIO:
    """The app's default logging, plus caplog on the root logger at DEBUG."""
    output = io.StringIO()
    configure_logging(LoggingConfig(), output)
    logging.getLogger().addHandler(caplog.handler)  # configure_logging removed it
    caplog.set_level(logging.DEBUG)
    return output


def _config() -> Config:
    hook = TeamsWebhookConfig(name="wijkteam", token=SecretRef(env="PW_LOGS_TOKEN"))
    return Config(teams=TeamsConfig(webhooks=(hook,)))


@pytest.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    config = _config()
    metrics = Metrics()
    assistant = Assistant(load_knowledge(), config, metrics)
    serial = SerialAssistant(assistant)
    webhooks = TeamsWebhooks(config.teams, serial.handle, metrics, {"PW_LOGS_TOKEN": TOKEN})  # type: ignore[arg-type]
    app = build_web_app(config, assistant, metrics, [webhooks])
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client
    serial.close()


def _body(text: str) -> bytes:
    activity: dict[str, Any] = json.loads(ACTIVITY.read_text(encoding="utf-8"))
    activity["text"] = f"<at>Partnerwijzer</at>&nbsp;{text}\n"
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()


def _sign(body: bytes, key: bytes) -> str:
    return "HMAC " + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def _assert_clean(caplog: pytest.LogCaptureFixture, stream: io.StringIO) -> None:
    # The capture itself works: a DEBUG record from a bot logger reaches both.
    logging.getLogger("bot.canary").debug("canary %d", 7)
    assert any(record.getMessage() == "canary 7" for record in caplog.records)
    assert "canary 7" in stream.getvalue()
    for record in caplog.records:
        rendered = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for secret in (MARKER, FAKE_SECRET, TOKEN):
            assert secret not in rendered, f"{record.name}: {rendered}"
    for secret in (MARKER, FAKE_SECRET, TOKEN):
        assert secret not in stream.getvalue()


def test_default_logging_keeps_chatty_libraries_quiet(stream: io.StringIO) -> None:
    for name in CHATTY:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING


def test_json_format_writes_one_object_per_line(restore_logging: None) -> None:
    output = io.StringIO()
    configure_logging(LoggingConfig(format="json"), output)
    logging.getLogger("bot.test").info("hallo %s", "wereld")
    (line,) = output.getvalue().splitlines()
    data = json.loads(line)
    assert data["message"] == "hallo wereld"
    assert data["level"] == "INFO" and data["logger"] == "bot.test"


def test_assistant_logs_no_message_text(
    stream: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    assistant = Assistant(load_knowledge())
    for text in (
        f"mag een boa op instagram kijken {MARKER} {FAKE_SECRET}",
        f"{MARKER} {FAKE_SECRET}",
        f"!onbekend {MARKER}",
    ):
        for transport in ("console", "matrix", "teams"):
            reply = assistant.handle(Question(text=text, transport=transport, mentioned=True))
            assert reply is not None
    _assert_clean(caplog, stream)


async def test_the_web_app_logs_no_message_text_and_no_token(
    stream: io.StringIO, caplog: pytest.LogCaptureFixture, client: TestClient[Any, Any]
) -> None:
    answered = _body(f"mag een boa op instagram kijken {MARKER} {FAKE_SECRET}")
    response = await client.post(
        "/teams/wijkteam", data=answered, headers={"Authorization": _sign(answered, KEY)}
    )
    assert response.status == 200
    # A refused request (wrong signature) is logged as a warning: still without its text.
    refused = _body(f"{MARKER} {FAKE_SECRET}")
    response = await client.post(
        "/teams/wijkteam", data=refused, headers={"Authorization": _sign(refused, b"x" * 32)}
    )
    assert response.status == 401
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    _assert_clean(caplog, stream)
