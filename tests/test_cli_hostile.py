"""Hostile input to the CLI (issue 11, item 4): one clear error line naming the file or key,
exit 1, never a traceback. Every case runs ``python -m bot`` as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_bot

FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"
QUESTION = "mag een handhaver op instagram meekijken bij jongeren"


def errors_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    # Knowledge problems are framed in Dutch for the editors, config problems in English.
    return [line for line in result.stderr.splitlines() if line.startswith(("fout: ", "error: "))]


def fails_naming(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    errors = errors_of(result)
    assert any(all(word in line for word in words) for line in errors), result.stderr


@pytest.fixture
def knowledge() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="pw-knowledge-"))
    target = base / "knowledge"
    shutil.copytree(FIXTURE, target)
    yield target
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("command", ["ask", "chat", "check"])
def test_a_folder_named_like_a_yaml_file(knowledge: Path, command: str) -> None:
    (knowledge / "entries" / "x.yaml").mkdir()
    args = [command, "--knowledge", str(knowledge)] + ([QUESTION] if command == "ask" else [])
    fails_naming(run_bot(*args), "entries/x.yaml", "map")


def test_run_with_a_folder_named_like_a_yaml_file(knowledge: Path, tmp_path: Path) -> None:
    (knowledge / "entries" / "x.yaml").mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(
        "teams:\n  webhooks:\n    - name: a\n      token: {env: PW_TOKEN}\n", encoding="utf-8"
    )
    result = run_bot(
        "run", "--config", str(config), "--knowledge", str(knowledge), env={"PW_TOKEN": "YWJj"}
    )
    fails_naming(result, "entries/x.yaml")


def test_a_symlink_loop(knowledge: Path) -> None:
    loop = knowledge / "entries" / "lus.yaml"
    loop.symlink_to(loop)
    fails_naming(run_bot("ask", "--knowledge", str(knowledge), QUESTION), "entries/lus.yaml")


def test_an_unreadable_file_for_ask(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unreadable = knowledge / "entries" / "handhaving.yaml"
    unreadable.chmod(0)
    if os.geteuid() != 0:
        result = run_bot("ask", "--knowledge", str(knowledge), QUESTION)
        fails_naming(result, "entries/handhaving.yaml", "gelezen")
        return
    # root reads anything (CI runs as root): fail the reads the way the kernel would for
    # anyone else, and run the same entry point in this process.
    real_open, real_read_bytes = Path.open, Path.read_bytes

    def refuse_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def refuse_read(self: Path) -> bytes:
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "open", refuse_open)
    monkeypatch.setattr(Path, "read_bytes", refuse_read)
    monkeypatch.setenv("PARTNERBOT_CACHE_DIR", tempfile.mkdtemp(prefix="pw-cache-"))
    from bot.cli import main

    code = main(["ask", "--knowledge", str(knowledge), QUESTION])
    err = capsys.readouterr().err
    assert code == 1
    assert any(
        line.startswith("fout: ") and "entries/handhaving.yaml" in line and "gelezen" in line
        for line in err.splitlines()
    ), err


def test_an_editor_lock_file_is_skipped(knowledge: Path) -> None:
    (knowledge / "entries" / ".#handhaving.yaml").symlink_to("user@host.4242:1700000000")
    result = run_bot("ask", "--knowledge", str(knowledge), QUESTION)
    assert result.returncode == 0, result.stderr
    assert "handhav" in result.stdout.lower()


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_knowledge_file_that_is_not_utf8_names_file_and_line(
    knowledge: Path, encoding: str
) -> None:
    path = knowledge / "entries" / "handhaving.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("openbare", "openbäre", 1).encode(encoding))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "openbare" in row)
    expected = f"entries/handhaving.yaml:{line if encoding == 'latin-1' else 1}:"
    for command in (["check"], ["ask", QUESTION]):
        fails_naming(run_bot(*command, "--knowledge", str(knowledge)), expected, "UTF")


def test_a_config_that_is_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_bytes("logging:\n  level: INFO # caf\xe9\n".encode("latin-1"))
    fails_naming(run_bot("check", "--config", str(config)), str(config), "line 2", "UTF-8")


def test_a_binary_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_bytes(bytes(range(256)))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"teams:\n  webhooks:\n    - name: a\n      token: {{file: {secret}}}\n",
        encoding="utf-8",
    )
    fails_naming(run_bot("check", "--config", str(config)), "teams.webhooks[0].token.file")


def test_a_missing_knowledge_folder_names_knowledge_path(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"knowledge:\n  path: {tmp_path / 'weg'}\n", encoding="utf-8")
    fails_naming(run_bot("check", "--config", str(config)), "knowledge.path", "weg")


def test_ask_json_with_non_utf8_stdin_under_a_strict_locale() -> None:
    stdin = f"{QUESTION}\nmag de politie in het caf\xe9 kijken\n{QUESTION}\n".encode("latin-1")
    env = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict", "PYTHONUTF8": "1"}
    result = run_bot("ask", "--json", "--knowledge", str(FIXTURE), stdin=stdin, env=env)
    fails_naming(result, "fout: invoer regel 2: geen UTF-8-tekst (byte 0xE9)")
    assert len(result.stdout.splitlines()) == 2  # the good lines are still answered


def test_ask_with_a_question_that_is_not_utf8() -> None:
    """A Latin-1 terminal: one Dutch line for the editor, exit 1, nothing answered."""
    question = os.fsdecode("mag de politie in het caf\xe9 kijken".encode("latin-1"))
    env = {"LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    result = run_bot("ask", "--knowledge", str(FIXTURE), question, env=env)
    assert errors_of(result) == ["fout: de vraag is geen UTF-8-tekst (staat de terminal op UTF-8?)"]
    assert result.returncode == 1
    assert result.stdout == ""


def test_a_question_starting_with_a_dash() -> None:
    help_text = run_bot("ask", "--help").stdout
    assert "'--'" in help_text
    refused = run_bot("ask", "--knowledge", str(FIXTURE), "-boa")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "ask -- " in refused.stderr
    answered = run_bot("ask", "--knowledge", str(FIXTURE), "--", "-boa online")
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.strip()
