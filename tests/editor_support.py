"""Shared set-up for the editors' console tests: a knowledge copy, a config, a context."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

from bot.config import Config, EditorConfig, EditorUserConfig, PrivacyConfig
from bot.editor import EditorContext, LocalKnowledge
from bot.editor.auth import Editor, hash_password
from bot.store import Store
from bot.transports.teams import build_card

FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"
SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"
PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def knowledge_copy(tmp_path: Path, source: Path = FIXTURE, git: bool = False) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("README.md"))
    if git:
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            [
                "-c",
                "user.name=Start",
                "-c",
                "user.email=start@example.invalid",
                "commit",
                "-qm",
                "start",
            ],
        ):
            subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)
    return folder


def editor_config(**changes: object) -> EditorConfig:
    base = {
        "editors": (EditorUserConfig("anna", "anna@gemeente.example", password_hash()),),
        "login_attempts": 3,
    }
    return EditorConfig(**{**base, **changes})  # type: ignore[arg-type]


def make_context(
    folder: Path,
    editor: EditorConfig | None = None,
    store: Store | None = None,
    log_unanswered: bool = False,
    local: bool = False,
) -> tuple[EditorContext, LocalKnowledge]:
    config = Config(privacy=PrivacyConfig(log_unanswered=log_unanswered))
    knowledge = LocalKnowledge(folder, config)
    ctx = EditorContext(
        editor or editor_config(),
        config,
        folder,
        knowledge.matcher,
        reload=knowledge.reload,
        last_reload=lambda: knowledge.last,
        store=store,
        card=build_card,
        login_token="test-token" if local else None,
        local_editor=Editor("lokaal", "lokaal@example.invalid") if local else None,
    )
    return ctx, knowledge
