"""config.example.yaml: loads, names every option of every config dataclass, and shows the
defaults, so it cannot drift from bot/config/. Secrets only as environment variables or
``/run/secrets`` files."""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

import bot.config
from bot.config import (
    AdminConfig,
    AssistantConfig,
    Config,
    EditorConfig,
    FloodConfig,
    LoggingConfig,
    MatchingConfig,
    MatrixConfig,
    PrivacyConfig,
    Secret,
    SecretRef,
    StorageConfig,
    TeamsConfig,
    TeamsWebhookConfig,
    WebConfig,
    load_config,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.example.yaml"
SECRETS_DIR = "/run/secrets/"
FIXTURE = str(Path(__file__).parent / "fixtures" / "knowledge")  # independent of knowledge edits
# Config fields whose YAML key differs from the field name.
YAML_PATHS = {(Config, "knowledge_path"): ("knowledge", "path")}


@dataclasses.dataclass
class Walk:
    missing: list[str] = dataclasses.field(default_factory=list)
    visited: set[type] = dataclasses.field(default_factory=set)
    secrets: list[tuple[str, Any]] = dataclasses.field(default_factory=list)


def _unwrap(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return inner
    return tp


def walk(cls: type, node: Any, path: str, found: Walk) -> None:
    """Record every field of ``cls`` (and of the dataclasses inside it) missing from ``node``."""
    found.visited.add(cls)
    hints = typing.get_type_hints(cls)
    for item in dataclasses.fields(cls):
        keys = YAML_PATHS.get((cls, item.name), (item.name,))
        value, here = node, path
        for key in keys:
            here = f"{here}.{key}" if here else key
            if not isinstance(value, dict) or key not in value:
                found.missing.append(here)
                break
            value = value[key]
        else:
            tp = _unwrap(hints[item.name])
            if tp is SecretRef:
                found.visited.add(SecretRef)
                found.secrets.append((here, value))
            elif dataclasses.is_dataclass(tp):
                walk(typing.cast(type, tp), value, here, found)
            elif typing.get_origin(tp) is tuple and dataclasses.is_dataclass(
                typing.get_args(tp)[0]
            ):
                if not value:
                    found.missing.append(f"{here}[0]")
                for index, element in enumerate(value or []):
                    walk(typing.get_args(tp)[0], element, f"{here}[{index}]", found)


def config_dataclasses() -> set[type]:
    """Every dataclass defined in bot/config/ except the runtime ``Secret`` holder."""
    package = bot.config.__name__
    found = {
        obj
        for _name, obj in inspect.getmembers(bot.config, inspect.isclass)
        if dataclasses.is_dataclass(obj) and obj.__module__.startswith(f"{package}.")
    } - {Secret}
    assert Config in found  # the package's own modules define them, not bot.config itself
    return found


@pytest.fixture
def raw() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def walked(raw: dict[str, Any]) -> Walk:
    found = Walk()
    walk(Config, raw, "", found)
    return found


def secret_setup(raw: dict[str, Any], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the example whose /run/secrets files exist under tmp_path, and an
    environment with every variable it names."""
    found = Walk()
    walk(Config, raw, "", found)
    environ: dict[str, str] = {}
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    for _path, ref in found.secrets:
        if ref.get("env"):
            environ[ref["env"]] = "c2VjcmV0LXZhbHVl"  # base64: valid as a Teams token too
        if ref.get("file"):
            name = ref["file"].removeprefix(SECRETS_DIR)
            (secrets_dir / name).write_text("c2VjcmV0LXZhbHVl\n", encoding="utf-8")
    text = EXAMPLE.read_text(encoding="utf-8").replace(SECRETS_DIR, f"{secrets_dir}/")
    copy = tmp_path / "config.yaml"
    copy.write_text(text, encoding="utf-8")
    return copy, environ


def test_the_example_names_every_option(walked: Walk) -> None:
    assert walked.missing == [], f"options missing from config.example.yaml: {walked.missing}"


def test_the_walk_reaches_every_config_dataclass(walked: Walk) -> None:
    # A dataclass added to bot/config/ but reachable from Config only through a type the
    # walk does not follow would otherwise escape the check above.
    assert config_dataclasses() <= walked.visited
    assert {MatrixConfig, TeamsConfig, TeamsWebhookConfig, SecretRef} <= walked.visited


def test_secrets_are_only_environment_variables_or_secret_files(walked: Walk) -> None:
    kinds = set()
    for path, ref in walked.secrets:
        assert isinstance(ref, dict), f"{path}: inline secret"
        assert set(ref) <= {"env", "file"}, path
        if "file" in ref:
            assert str(ref["file"]).startswith(SECRETS_DIR), path
        kinds.update(ref)
    # Both ways of giving a secret are shown, so SecretRef's fields are covered too.
    assert kinds == {"env", "file"}


def test_the_example_loads_and_shows_the_defaults(raw: dict[str, Any], tmp_path: Path) -> None:
    path, environ = secret_setup(raw, tmp_path)
    config = load_config(path, environ)
    # The sections that need no values of the operator's own show the defaults exactly.
    assert config.knowledge_path == Config().knowledge_path
    assert config.matching == MatchingConfig()
    assert config.assistant == AssistantConfig()
    assert config.storage == StorageConfig()
    assert config.privacy == PrivacyConfig()
    assert config.admins == AdminConfig()
    assert config.logging == LoggingConfig()
    assert config.flood == FloodConfig()
    assert config.web == WebConfig()
    assert config.editor is not None
    for item in dataclasses.fields(EditorConfig):
        if item.name != "editors":
            assert getattr(config.editor, item.name) == getattr(EditorConfig(), item.name)
    # Both transports are shown; only what must be the operator's own differs.
    assert config.matrix is not None and config.teams is not None
    own = {"homeserver", "user_id", "access_token", "allowed_inviters"}
    for item in dataclasses.fields(MatrixConfig):
        if item.name not in own:
            assert getattr(config.matrix, item.name) == getattr(MatrixConfig(), item.name)
    assert config.matrix.allowed_inviters, "an empty allowlist would decline every invite"
    teams_defaults = TeamsConfig()
    assert config.teams.max_body_bytes == teams_defaults.max_body_bytes
    assert config.teams.reply_timeout_seconds == teams_defaults.reply_timeout_seconds
    (hook,) = config.teams.webhooks
    assert hook.allowed_tenants == TeamsWebhookConfig().allowed_tenants
    assert hook.allowed_teams == TeamsWebhookConfig().allowed_teams


def test_the_example_without_its_secrets_names_each_one(
    raw: dict[str, Any], tmp_path: Path
) -> None:
    path, environ = secret_setup(raw, tmp_path)
    for secret_file in (tmp_path / "secrets").iterdir():
        secret_file.unlink()
    with pytest.raises(bot.config.ConfigError) as caught:
        load_config(path, {})
    problems = caught.value.problems
    walked = Walk()
    walk(Config, raw, "", walked)
    for key_path, ref in walked.secrets:
        if ref:
            assert any(p.startswith(key_path) for p in problems), (key_path, problems)
    # One problem per secret: a secret given as variable-or-file is missing once.
    assert len(problems) == sum(1 for _p, ref in walked.secrets if ref)
    assert len(environ) == len(problems)


def test_partnerbot_check_passes_with_environment_variables_alone(
    raw: dict[str, Any], tmp_path: Path
) -> None:
    """No /run/secrets on this machine: the variables the example names are enough."""
    _path, environ = secret_setup(raw, tmp_path)
    assert not Path(SECRETS_DIR, "matrix_token").exists()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(EXAMPLE), "--knowledge", FIXTURE],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def test_partnerbot_check_accepts_the_example(raw: dict[str, Any], tmp_path: Path) -> None:
    path, environ = secret_setup(raw, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(path), "--knowledge", FIXTURE],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert "c2VjcmV0LXZhbHVl" not in result.stdout + result.stderr
