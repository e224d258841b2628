"""``partnerbot run`` with ``logging.format: json`` as operators run it: every line on stderr
is one JSON object, and neither a question's text, the asker's name nor a secret from the
environment appears, at DEBUG level, through start, answers, rejected calls and shutdown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ACTIVITY = Path(__file__).parent / "fixtures" / "teams" / "channel_message.json"
FIXTURE = str(Path(__file__).parent / "fixtures" / "knowledge")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def post(url: str, body: bytes, key: bytes | None) -> int:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if key is not None:
        digest = hmac.new(key, body, hashlib.sha256).digest()
        headers["Authorization"] = "HMAC " + base64.b64encode(digest).decode()
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_json_logs_are_one_object_per_line_without_message_text_or_secrets(
    tmp_path: Path,
) -> None:
    marker = f"zaak{secrets.token_hex(6)}"
    person = f"Jongere{secrets.token_hex(4)}"
    key = secrets.token_bytes(32)
    token = base64.b64encode(key).decode()
    spare = f"wachtwoord-{secrets.token_hex(8)}"  # another webhook's secret, from a file
    spare_token = base64.b64encode(spare.encode()).decode()
    spare_file = tmp_path / "spare_secret"
    spare_file.write_text(spare_token + "\n", encoding="utf-8")
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
logging:
  level: DEBUG
  format: json
storage:
  path: {tmp_path / "var" / "bot.sqlite3"}
web:
  host: 127.0.0.1
  port: {port}
teams:
  webhooks:
    - name: wijkteam
      token: {{env: PW_JSON_TEAMS_TOKEN}}
    - name: school
      token: {{file: {spare_file}}}
""",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PW_JSON_TEAMS_TOKEN": token}
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config), "--knowledge", FIXTURE],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=sink,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:  # readiness probe: /healthz answers once the bot serves
            assert process.poll() is None, stderr_path.read_text()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, stderr_path.read_text()
            time.sleep(0.05)

        activity: dict[str, Any] = json.loads(ACTIVITY.read_text(encoding="utf-8"))
        activity["text"] = f"<at>Partnerwijzer</at>&nbsp;mag een boa kijken bij {marker}?\n"
        activity["from"]["name"] = person
        body = json.dumps(activity, ensure_ascii=False).encode()
        assert post(f"{base}/teams/wijkteam", body, key) == 200
        assert post(f"{base}/teams/wijkteam", body, b"wrong key") == 401
        assert post(f"{base}/teams/wijkteam", body, None) == 401
        assert post(f"{base}/teams/school", body, key) == 401
        assert post(f"{base}/teams/wijkteam", b"{" + marker.encode(), key) == 400

        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0
    assert stdout == b""

    text = stderr_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) >= 5, text
    records = []
    for line in lines:
        record = json.loads(line)  # every line is one JSON object
        assert isinstance(record, dict)
        assert {"time", "level", "logger", "message"} <= set(record), line
        records.append(record)
    assert any(r["level"] == "DEBUG" for r in records)  # the level applies
    assert any("401" in r["message"] for r in records)  # rejected calls are logged, as events
    assert records[-1]["message"] == "partnerbot stopped"
    # Library tracing of rendered replies stays out even at DEBUG.
    assert not [r for r in records if r["logger"].startswith("markdown_it")]
    for forbidden in (marker, person, token, spare, spare_token, key.hex()):
        assert forbidden not in text, forbidden
