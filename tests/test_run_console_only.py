"""``partnerbot run`` with only an ``editor:`` section serves the console (no chat transport
needed), and with nothing at all configured it still says there is nothing to run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
START_SECONDS = 30.0
EXIT_SECONDS = 15.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def console_overview(base: str) -> str | None:
    """The console's overview page as a proxy-authenticated editor, or None while starting."""
    request = urllib.request.Request(  # noqa: S310
        base + "/beheer/", headers={"X-Remote-User": "anna"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError):
        return None


def test_run_with_only_the_editor_section_serves_the_console(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
storage:
  path: {tmp_path / "var" / "partnerbot.sqlite3"}
web:
  host: 127.0.0.1
  port: {port}
editor:
  trusted_header: X-Remote-User
""",
        encoding="utf-8",
    )
    log = tmp_path / "bot.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        page = None
        deadline = time.monotonic() + START_SECONDS
        while page is None and time.monotonic() < deadline:
            assert process.poll() is None, f"bot exited early:\n{log.read_text()}"
            page = console_overview(f"http://127.0.0.1:{port}")
            if page is None:
                time.sleep(0.05)  # polling a readiness check, not synchronising on time
        assert page is not None, f"the console never answered:\n{log.read_text()}"
        assert "Overzicht" in page
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=EXIT_SECONDS) == 0, log.read_text()
        assert "Nothing to run" not in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_run_with_nothing_configured_says_so(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {tmp_path / 'db.sqlite3'}\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Nothing to run" in result.stderr
    assert "'editor:'" in result.stderr
    assert "partnerbot chat" in result.stderr
