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
    assert "question: " + NEAR_BOA in captured.out
    assert "nearest:  handhaving-" in captured.out
    assert "verlopen vraag" not in captured.out  # past the retention period
    assert "2 logged question(s)" in captured.err


def test_without_a_store_it_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"storage:\n  path: {tmp_path / 'nergens.sqlite3'}\n", encoding="utf-8")
    assert main(["unanswered", "--config", str(path)]) == 1
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "nergens.sqlite3").exists()  # read-only: nothing created


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
