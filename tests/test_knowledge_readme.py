"""The editors' guide (knowledge/README.md) states the limits `partnerbot check` enforces."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import MAX_LEAD_CHARS, MIN_ALTERNATES

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
