"""The editors' guide (knowledge/README.md) states the limits `partnerbot check` enforces."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import (
    MAX_LEAD_CHARS,
    MIN_ALTERNATES,
    SHIPPED_KNOWLEDGE,
    KnowledgeError,
    load_knowledge,
)

README = (Path(__file__).resolve().parent.parent / "knowledge" / "README.md").read_text(
    encoding="utf-8"
)


def test_the_guide_names_the_checked_limits() -> None:
    assert f"Minstens {MIN_ALTERNATES} andere manieren" in README
    assert f"minstens {MIN_ALTERNATES} `alternates`" in README
    assert f"hoogstens {MAX_LEAD_CHARS} tekens" in README


def test_the_guide_documents_lead_table_rule_and_question() -> None:
    for heading in ("## De lead: het antwoord eerst", "## Vergelijkingen en de tabelregel"):
        assert heading in README
    assert "| `lead` |" in README
    assert "**label** in een keuzevraag" in README  # what `question` is used for


def _problems_after(tmp_path: Path, old: str, new: str) -> list[str]:
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder, ignore=shutil.ignore_patterns("README.md"))
    politie = folder / "entries" / "politie.yaml"
    text = politie.read_text(encoding="utf-8")
    assert old in text
    politie.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    return [f"fout: {problem}" for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # "fout: ...:2 [politie-rol]: het veld 'source' ontbreekt"
        ('    source: "Politie"\n', ""),
        # "fout: ...:3 [politie-rol]: onbekende partner 'polite' (...); bedoel je 'politie'?"
        (
            "  - id: politie-rol\n    partner: politie\n",
            "  - id: politie-rol\n    partner: polite\n",
        ),
    ],
)
def test_the_guides_example_problems_are_what_check_prints(
    tmp_path: Path, old: str, new: str
) -> None:
    quoted = [line for line in README.splitlines() if line.startswith("fout: ")]
    (problem,) = _problems_after(tmp_path, old, new)
    assert problem in quoted
