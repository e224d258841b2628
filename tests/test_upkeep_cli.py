"""``partnerbot unanswered [--suggest] [--json] --config FILE``: the editors' view of the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge import load_knowledge
from bot.store import Store

REPO = Path(__file__).resolve().parent.parent
NEAR_BOA = "mag een boa stiekem op tiktok kijken bij [account]"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    store_path = tmp_path / "var" / "bot.sqlite3"
    path.write_text(
        f"storage:\n  path: {store_path}\nprivacy:\n  log_unanswered: true\n  retention_days: 30\n",
        encoding="utf-8",
    )
    now = time.time()
    with Store(store_path) as store:
        store.log_unanswered(now - 60, "matrix", "clarify", NEAR_BOA, None, 30.0)
        store.log_unanswered(now - 30, "teams", "fallback", "hoe laat gaat de bakker open", None, 0)
        store.log_unanswered(now - 40 * 86_400, "matrix", "fallback", "verlopen vraag", None, 0)
    return path


def test_suggest_names_the_nearest_entry_and_its_score(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["unanswered", "--suggest", "--json", "--config", str(config)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["question"] for row in rows] == ["hoe laat gaat de bakker open", NEAR_BOA]
    nearest = rows[1]["nearest"]
    entry = load_knowledge().entry(nearest["entry"])
    assert entry is not None and entry.partner == "handhaving"
    assert 0 < nearest["score"] <= 100
    assert nearest["file"].endswith("handhaving.yaml") and nearest["line"] > 0


def test_plain_listing_is_readable_and_skips_expired_questions(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["unanswered", "--suggest", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert "verlopen vraag" not in captured.out  # past the retention period
    # Editors read this (knowledge/README.md): Dutch, like `partnerbot check`.
    lines = captured.out.splitlines()
    boa = lines.index("  vraag:      " + NEAR_BOA)
    assert lines[boa - 1].endswith("  keuzevraag  matrix")
    assert lines[boa + 1].startswith("  dichtstbij: handhaving-")
    assert "entries/handhaving.yaml:" in lines[boa + 1]
    bakker = lines.index("  vraag:      hoe laat gaat de bakker open")
    assert lines[bakker - 1].endswith("  geen antwoord  teams")
    assert captured.err == "2 vragen in het logboek (de laatste 30 dagen)\n"


def test_one_question_is_counted_in_the_singular(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["unanswered", "--limit", "1", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert "dichtstbij" not in captured.out  # only with --suggest
    assert captured.err == "1 vraag in het logboek (de laatste 30 dagen)\n"


def test_a_config_with_logging_off_is_pointed_out(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text(encoding="utf-8").replace(
        "log_unanswered: true", "log_unanswered: false"
    )
    config.write_text(text, encoding="utf-8")
    assert main(["unanswered", "--config", str(config)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "let op: privacy.log_unanswered staat uit; de bot bewaart geen nieuwe vragen"


def test_without_a_store_it_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"storage:\n  path: {tmp_path / 'nergens.sqlite3'}\n", encoding="utf-8")
    assert main(["unanswered", "--config", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"fout: geen logboek gevonden op {tmp_path / 'nergens.sqlite3'}; geef de configuratie "
        "van de bot mee: partnerbot unanswered --config /pad/naar/config.yaml\n"
    )
    assert not (tmp_path / "nergens.sqlite3").exists()  # read-only: nothing created


def test_a_store_that_is_no_database_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = tmp_path / "bot.sqlite3"
    store_path.write_text("geen database\n", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(f"storage:\n  path: {store_path}\n", encoding="utf-8")
    assert main(["unanswered", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith(f"fout: {store_path} is geen leesbaar logboek van de bot")


def test_config_problems_are_framed_for_the_editor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("storage:\n  pad: x\n", encoding="utf-8")
    assert main(["unanswered", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith(f"fout: {path}: ") for line in err)


def test_unanswered_never_imports_nio(config: Path) -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"assert main(['unanswered', '--suggest', '--config', {str(config)!r}]) == 0\n"
        "assert not [m for m in sys.modules if m == 'nio' or m.startswith('nio.')]\n"
        "print('no nio')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("no nio")
