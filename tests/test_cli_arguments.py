"""Bad arguments to each command: its own usage and one clear error line, exit 1, never a
traceback, and never a quiet fallback to the defaults. Every case runs ``python -m bot``."""

from __future__ import annotations

import io
import subprocess

import cli_support
import pytest

from bot.editor.auth import verify_password


def run_bot(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    result = cli_support.run_bot(*args, stdin=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize(
    ("args", "command", "extra"),
    [
        (["chat", "--bogus"], "chat", "--bogus"),
        (["check", "extra"], "check", "extra"),
        (["hash-password", "extra"], "hash-password", "extra"),
        (["teams-app", "--config", "c.yaml", "--out", "a.zip", "b.zip"], "teams-app", "b.zip"),
    ],
)
def test_an_unknown_argument_is_shown_with_its_commands_usage(
    args: list[str], command: str, extra: str
) -> None:
    """Not the top-level usage, and no hint about questions for a command that takes none."""
    result = run_bot(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    usage, error = result.stderr.splitlines()[0], result.stderr.splitlines()[-1]
    assert usage.startswith(f"usage: partnerbot {command} [-h]")
    assert error == f"partnerbot {command}: error: unrecognized arguments: {extra}"


def test_ask_with_a_question_outside_quotes_hints_at_quotes() -> None:
    result = run_bot("ask", "mag", "een", "boa")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "partnerbot ask: error: unrecognized arguments: een boa; "
        "put a question of several words in quotes: partnerbot ask '...'"
    )


def test_ask_with_an_unknown_option_still_explains_the_dash() -> None:
    result = run_bot("ask", "-boa")
    assert result.returncode == 1
    assert "goes after '--': partnerbot ask -- '-...'" in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["check", "--config", ""], "--config"),
        (["check", "--knowledge", ""], "--knowledge"),
        (["ask", "--knowledge", " ", "boa"], "--knowledge"),
        (["run", "--config", ""], "--config"),
        (["teams-app", "--config", "c.yaml", "--out", ""], "--out"),
    ],
)
def test_an_empty_path_is_refused_not_ignored(args: list[str], option: str) -> None:
    """``--config "$CONFIG"`` with the variable unset must not check the defaults and say ok."""
    result = run_bot(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"partnerbot {args[0]}: error: argument {option}: an empty path (is a variable unset?)"
    )


def test_hash_password_leaves_out_a_windows_line_end() -> None:
    """A password file saved on Windows: the hash must match the password typed at login."""
    result = run_bot("hash-password", stdin=b"correct horse battery\r\n")
    assert result.returncode == 0, result.stderr
    password_hash = result.stdout.strip()
    assert verify_password(password_hash, "correct horse battery")


def test_hash_password_with_stdin_that_is_not_utf8() -> None:
    result = run_bot("hash-password", stdin="wachtwoord met café erin\n".encode("latin-1"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "error: the password on stdin is not UTF-8 text\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("interrupt", [EOFError, KeyboardInterrupt])
def test_hash_password_ended_at_the_prompt(
    monkeypatch: pytest.MonkeyPatch, interrupt: type[BaseException]
) -> None:
    """Ctrl-D or Ctrl-C at "Wachtwoord:" ends it with one line, not a traceback."""
    import getpass

    from bot.cli.editor import hash_password_command

    def ended(_prompt: str = "") -> str:
        raise interrupt

    monkeypatch.setattr(getpass, "getpass", ended)
    out, err = io.StringIO(), io.StringIO()
    assert hash_password_command(out, err, _Terminal()) == 1
    assert out.getvalue() == ""
    assert err.getvalue() == "\nerror: no password given\n"
