"""The ``teams_app:`` config section: what ``check --config`` and ``run`` refuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, config_from_mapping

APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
GOOD = {"app_id": APP_ID, "tenant_id": TENANT, "client_secret": {"env": "TEAMS_APP_SECRET"}}
ENVIRON = {"TEAMS_APP_SECRET": "geheim-123"}


def problems(data: dict[str, Any], environ: dict[str, str] = ENVIRON) -> list[str]:
    try:
        config_from_mapping(data, environ)
    except ConfigError as error:
        return list(error.problems)
    return []


def test_a_registered_app_is_valid() -> None:
    config = config_from_mapping({"teams_app": GOOD}, ENVIRON)
    assert config.teams_app is not None
    assert config.teams_app.app_id == APP_ID
    assert not config.teams_app.unauthenticated


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"app_id": ""}, "teams_app.app_id"),
        ({"app_id": "partnerwijzer"}, "teams_app.app_id"),
        ({"tenant_id": "common"}, "teams_app.tenant_id"),
        ({"client_secret": {}}, "teams_app: set client_secret"),
        ({"certificate_file": "/nonexistent/bot.pfx"}, "teams_app: set client_secret"),
        ({"allowed_tenants": ["contoso"]}, "teams_app.allowed_tenants[0]"),
        ({"max_body_bytes": 10}, "teams_app.max_body_bytes"),
        ({"privacy_url": "http://example.org/privacy"}, "teams_app.privacy_url"),
        ({"app_secret": "x"}, "teams_app.app_secret"),
    ],
)
def test_bad_settings_are_named(changes: dict[str, Any], key: str) -> None:
    found = problems({"teams_app": {**GOOD, **changes}})
    assert any(problem.startswith(key) for problem in found), found


def test_the_secret_must_be_findable_and_is_never_shown() -> None:
    found = problems({"teams_app": GOOD}, environ={})
    assert any("TEAMS_APP_SECRET is not set" in problem for problem in found)
    assert all(
        "geheim" not in problem for problem in problems({"teams_app": {**GOOD, "app_id": "x"}})
    )


def test_unauthenticated_mode_needs_no_credentials_on_loopback() -> None:
    config = config_from_mapping({"teams_app": {"unauthenticated": True}}, {})
    assert config.teams_app is not None and config.teams_app.unauthenticated


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "bot.example.org"])  # noqa: S104
def test_unauthenticated_mode_is_refused_off_loopback(host: str) -> None:
    found = problems({"web": {"host": host}, "teams_app": {"unauthenticated": True}})
    assert any(problem.startswith("teams_app.unauthenticated") for problem in found), found


def test_check_config_refuses_unauthenticated_on_a_public_host(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "web:\n  host: 0.0.0.0\nteams_app:\n  unauthenticated: true\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "teams_app.unauthenticated" in result.stderr
    assert "Traceback" not in result.stderr
