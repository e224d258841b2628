"""``partnerbot run`` as a real process: health, a signed Teams call, SIGHUP reloads, SIGTERM.

Teams-only config (no Matrix server needed), token from an environment variable, a free
loopback port, and a private copy of the knowledge so the test can break and fix it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.assistant import Assistant
from bot.config import Config
from bot.knowledge import SHIPPED_KNOWLEDGE, load_knowledge
from bot.models import Question
from bot.transports.teams import build_card

REPO = Path(__file__).resolve().parent.parent
ACTIVITY = Path(__file__).parent / "fixtures" / "teams" / "channel_message.json"
KEY = hashlib.sha256(b"partnerbot app test key").digest()
QUESTION = "mag een handhaver op instagram meekijken bij jongeren"
START_SECONDS = 30.0
WAIT_SECONDS = 15.0
T = TypeVar("T")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Bot:
    process: subprocess.Popen[bytes]
    base: str
    knowledge: Path
    log: Path

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> dict[str, Any]:
        status, body = self.get("/healthz")
        assert status == 200, body
        data: dict[str, Any] = json.loads(body)
        return data

    def reload_failures(self) -> float:
        status, body = self.get("/metrics")
        assert status == 200
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                if sample.name == "partnerbot_knowledge_reload_failures_total":
                    return float(sample.value)
        raise AssertionError("no reload failure counter in /metrics")

    def ask(self, text: str) -> dict[str, Any]:
        activity: dict[str, Any] = json.loads(ACTIVITY.read_text(encoding="utf-8"))
        activity["text"] = f"<at>Partnerwijzer</at>&nbsp;{text}\n"
        body = json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()
        signature = base64.b64encode(hmac.new(KEY, body, hashlib.sha256).digest()).decode()
        request = urllib.request.Request(  # noqa: S310
            self.base + "/teams/wijkteam",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"HMAC {signature}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
            message: dict[str, Any] = json.loads(response.read())
            return message

    def wait_for(self, what: str, probe: Callable[[], T | None], seconds: float) -> T:
        """Poll ``probe`` (a readiness check) until it returns a value, within a bound."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"bot exited early:\n{self.log.read_text()}"
            try:
                value = probe()
            except (OSError, AssertionError):
                value = None
            if value is not None:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log.read_text()}")


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, knowledge)
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
storage:
  path: {tmp_path / "var" / "partnerbot.sqlite3"}
web:
  host: 127.0.0.1
  port: {port}
teams:
  webhooks:
    - name: wijkteam
      token:
        env: PW_APP_TEST_TOKEN
""",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PW_APP_TEST_TOKEN": base64.b64encode(KEY).decode(),
    }
    log = tmp_path / "bot.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config), "--knowledge", knowledge],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    runner = Bot(process, f"http://127.0.0.1:{port}", knowledge, log)
    try:
        yield runner
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def expected_reply_title(knowledge: Path, text: str) -> str:
    reply = Assistant(load_knowledge(knowledge), Config()).handle(
        Question(text=text, transport="teams", mentioned=True)
    )
    assert reply is not None and reply.kind == "answer"
    return reply.title


def test_run_serves_reloads_and_stops_cleanly(bot: Bot) -> None:
    original = load_knowledge(bot.knowledge)

    # Ready: /healthz answers with the knowledge in use.
    health = bot.wait_for("healthz", lambda: bot.health(), START_SECONDS)
    assert health["status"] == "ok"
    assert health["entries"] == len(original.entries)
    assert health["knowledge_version"] == original.version

    # A signed Teams call gets the answer card the assistant gives.
    message = bot.ask(QUESTION)
    assert message["type"] == "message"
    assert message["text"] == expected_reply_title(bot.knowledge, QUESTION)
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    reference = Assistant(original).handle(Question(QUESTION, transport="teams", mentioned=True))
    assert reference is not None
    assert attachment["content"] == build_card(reference, fold=False)  # the webhook's card

    # Break the knowledge and reload: the failure is counted, the old knowledge keeps serving.
    failures = bot.reload_failures()
    politie = bot.knowledge / "entries" / "politie.yaml"
    good_text = politie.read_text(encoding="utf-8")
    politie.write_text(good_text + "  - id: [kapot\n", encoding="utf-8")
    bot.process.send_signal(signal.SIGHUP)
    bot.wait_for(
        "reload failure",
        lambda: True if bot.reload_failures() > failures else None,
        WAIT_SECONDS,
    )
    assert bot.health()["knowledge_version"] == original.version
    assert bot.ask(QUESTION)["text"] == message["text"]

    # Fix it (with a visible change) and reload: the new version is served.
    politie.write_text(good_text + "# gecontroleerd\n", encoding="utf-8")
    fixed = load_knowledge(bot.knowledge)
    assert fixed.version != original.version
    bot.process.send_signal(signal.SIGHUP)
    bot.wait_for(
        "new version",
        lambda: True if bot.health()["knowledge_version"] == fixed.version else None,
        WAIT_SECONDS,
    )
    assert bot.reload_failures() == failures + 1

    # SIGTERM: a clean exit within the shutdown budget.
    bot.process.send_signal(signal.SIGTERM)
    assert bot.process.wait(timeout=10) == 0
    log = bot.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log
    assert QUESTION not in log  # message text is never logged
