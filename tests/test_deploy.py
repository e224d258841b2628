"""What an operator meets when ``partnerbot run`` cannot start: one clear line per problem,
naming the config file and the key, exit 1, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = str(Path(__file__).parent / "fixtures" / "knowledge")
TOKEN = "cGFydG5lcmJvdCBkZXBsb3kgdGVzdA=="  # base64, as Teams shows it

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")


def run(config: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config), *extra],
        capture_output=True,
        text=True,
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    return result.returncode, [
        line.removeprefix(f"error: {config}: ")
        for line in result.stderr.splitlines()
        if line.startswith(f"error: {config}: ")
    ]


def teams_config(tmp_path: Path, extra: str = "", storage: str | None = None) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
storage:
  path: {storage or tmp_path / "var" / "bot.sqlite3"}
{extra}
teams:
  webhooks:
    - name: wijkteam
      token: {{env: PW_DEPLOY_TOKEN}}
""",
        encoding="utf-8",
    )
    return path


def test_run_reports_every_class_of_config_problem_at_once(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
matrx: {{}}
web:
  port: achtduizend
logging:
  level: [INFO]
matrix:
  homeserver: https://matrix.example.org
  password: {{file: {tmp_path / "no-such-secret"}}}
teams:
  webhooks:
    - name: wijkteam
      tokn: {{env: PW_DEPLOY_TOKEN}}
""",
        encoding="utf-8",
    )
    code, errors = run(config)
    assert code == 1

    def one(prefix: str, fragment: str) -> None:
        hits = [e for e in errors if e.startswith(prefix) and fragment in e]
        assert len(hits) == 1, (prefix, fragment, errors)

    one("matrx: unknown key", "did you mean 'matrix'")  # a typo, with a suggestion
    one("teams.webhooks[0].tokn: unknown key", "did you mean 'token'")
    one("web.port:", "expected a whole number")  # wrong types
    one("logging.level:", "expected text")
    one("matrix.user_id:", "required")  # missing values of an enabled transport
    one("teams.webhooks[0].token:", "required")
    one("matrix.password.file:", "cannot read")  # an unreadable secret file
    one("matrix.password.file:", "No such file or directory")


def test_run_names_a_secret_file_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"teams:\n  webhooks:\n    - name: a\n      token: {{file: {folder}}}\n", encoding="utf-8"
    )
    code, errors = run(config)
    assert code == 1
    assert errors == [f"teams.webhooks[0].token.file: cannot read {folder}: Is a directory"]


def test_run_with_a_token_that_is_not_base64(tmp_path: Path) -> None:
    code, errors = run(teams_config(tmp_path), env={"PW_DEPLOY_TOKEN": "geen base64!"})
    assert code == 1
    # Caught while validating the config, before anything starts.
    assert errors == [
        "teams.webhooks[0].token: the token is not valid base64; copy it exactly as Teams showed it"
    ]


def test_run_with_an_unusable_storage_path(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")  # a file where a folder must be (root or not)
    config = teams_config(tmp_path, storage=str(blocker / "bot.sqlite3"))
    code, errors = run(config, "--knowledge", FIXTURE, env={"PW_DEPLOY_TOKEN": TOKEN})
    assert code == 1
    (error,) = errors
    assert error.startswith(f"storage.path: cannot create {blocker}: ")


def test_run_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = teams_config(tmp_path, f"web:\n  host: 127.0.0.1\n  port: {port}\n")
        code, errors = run(config, "--knowledge", FIXTURE, env={"PW_DEPLOY_TOKEN": TOKEN})
    assert code == 1
    (error,) = errors
    assert error.startswith(f"web.port: cannot listen on 127.0.0.1:{port}: ")
    assert "in use" in error


def test_run_with_a_missing_knowledge_folder(tmp_path: Path) -> None:
    missing = tmp_path / "kennis"
    config = teams_config(tmp_path, f"knowledge:\n  path: {missing}\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "PW_DEPLOY_TOKEN": TOKEN},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors and all(str(missing) in line for line in errors), result.stderr
