"""Which knowledge the bot answers from by default: a checkout's knowledge/ (editable
install), else the copy a wheel carries inside the package, which nothing may edit.

tests/test_wheel_install.py builds and installs a real wheel; these are the same rules
in-process, from the checkout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge import SHIPPED_KNOWLEDGE, is_packaged
from bot.knowledge import base as knowledge_base

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "bot"
INSIDE_PACKAGE = BOT / "data"  # a folder of the installed package, as a wheel's would be


def test_a_checkout_answers_from_its_own_knowledge_folder() -> None:
    """Editors edit knowledge/ and the bot reloads it: an editable install never reads a
    copy."""
    assert SHIPPED_KNOWLEDGE == REPO / "knowledge"
    assert not is_packaged(SHIPPED_KNOWLEDGE)


def test_without_a_checkout_the_default_is_the_package_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What a wheel sees: no pyproject.toml next to bot/, so importlib.resources' folder."""
    (tmp_path / "knowledge").mkdir()  # a stray "knowledge" next to site-packages' bot/
    monkeypatch.setattr(knowledge_base, "_CHECKOUT", tmp_path)
    default = knowledge_base._shipped_knowledge()
    assert default == BOT.joinpath(*knowledge_base.PACKAGED_KNOWLEDGE)
    assert is_packaged(default)


def test_only_folders_inside_the_package_count_as_packaged(tmp_path: Path) -> None:
    assert is_packaged(INSIDE_PACKAGE)
    assert is_packaged(INSIDE_PACKAGE / "knowledge")  # need not exist yet
    assert not is_packaged(tmp_path)
    assert not is_packaged(REPO / "tests" / "fixtures" / "knowledge")
    link = tmp_path / "link"
    link.symlink_to(INSIDE_PACKAGE)
    assert is_packaged(link)  # where it really is decides


def test_beheer_refuses_the_packaged_knowledge_in_dutch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["beheer", "--knowledge", str(INSIDE_PACKAGE), "--port", "0"]) == 1
    message = capsys.readouterr().err
    assert message.startswith(f"fout: {INSIDE_PACKAGE} is de kennisbank die met de bot is ")
    assert "partnerbot beheer --knowledge" in message and "knowledge.path" in message


@pytest.fixture
def editor_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("editor:\n  trusted_header: X-Remote-User\n", encoding="utf-8")
    return config


def test_run_refuses_an_editor_console_on_the_packaged_knowledge(
    editor_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before anything starts: the console would write into site-packages."""
    args = ["run", "--config", str(editor_config), "--knowledge", str(INSIDE_PACKAGE)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {editor_config}: editor: the console edits the knowledge")
    assert "set knowledge.path" in err


def test_check_reports_an_editor_console_on_the_packaged_knowledge(
    editor_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "--config", str(editor_config), "--knowledge", str(INSIDE_PACKAGE)]
    assert main(args) == 1
    assert f"error: {editor_config}: editor: the console edits" in capsys.readouterr().err
    # The same config on a folder of one's own is fine.
    assert main(["check", "--config", str(editor_config)]) == 0
