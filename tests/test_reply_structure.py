"""Every shipped entry, in all three formats: the point first, and only partners as partners.

A comparison table (Matrix HTML), its aligned text (terminal) and its FactSet (Teams) may
only hold rows whose label names a partner: OSINT levels, "Kansen voor jongeren" or a
contact address are not partners.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Decision, Entry, Match, Reply
from bot.replies import named_partners, partner_rows, render_decision
from bot.transports.teams.cards import build_card

KNOWLEDGE = load_knowledge()
ENTRIES = KNOWLEDGE.entries


def _names_a_partner(label: str, knowledge: KnowledgeBase) -> bool:
    return bool(named_partners(label, knowledge))


def _render(entry: Entry, question: str | None = None) -> Reply:
    decision = Decision("answer", (Match(entry, 90.0),), confidence=90.0)
    return render_decision(decision, question or entry.question, KNOWLEDGE)


class _TableCells(HTMLParser):
    """The first cell of every body row of every table."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.first_cells: list[str] = []
        self._in_body = self._row_started = self._capturing = False
        self._cell: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row_started = True
        elif tag == "td" and self._row_started:
            self._row_started, self._capturing, self._cell = False, True, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._capturing:
            self._capturing = False
            self.first_cells.append("".join(self._cell).strip())
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._capturing:
            self._cell.append(data)


def _html_labels(html: str) -> tuple[list[str], list[str]]:
    parser = _TableCells()
    parser.feed(html)
    parser.close()
    return parser.first_cells, parser.tags


def _plain_labels(text: str) -> list[str]:
    return [line.split(" | ", 1)[0].strip() for line in text.splitlines() if " | " in line]


def _card_labels(card: dict[str, Any]) -> list[str]:
    labels: list[str] = []

    def walk(blocks: list[dict[str, Any]]) -> None:
        for block in blocks:
            # Contact addresses are a FactSet of their own (name: address), not a comparison.
            if block["type"] == "FactSet" and not any("@" in f["value"] for f in block["facts"]):
                labels.extend(fact["title"] for fact in block["facts"])
            walk(block.get("items", []))

    walk(card["body"])
    return labels


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.id for entry in ENTRIES])
def test_every_entry_in_three_formats_labels_only_partners(entry: Entry) -> None:
    reply = _render(entry)
    html_labels, tags = _html_labels(reply.html)
    for labels in (html_labels, _plain_labels(reply.text), _card_labels(build_card(reply))):
        assert all(_names_a_partner(label, KNOWLEDGE) for label in labels), (entry.id, labels)
        assert len(labels) == len(reply.comparison)
    # The point first: title, then the lead, in what a chat shows before "Meer".
    assert entry.lead, f"{entry.id} has no lead"
    assert reply.short_text.startswith(f"{entry.question}\n\n{entry.lead.split('(<')[0]}")
    assert "details" in tags and "summary" in tags
    assert f"Bron: infographic, {entry.source}" in reply.short_text


@pytest.mark.parametrize(
    ("entry_id", "not_partners"),
    [
        ("algemeen-opleidingen", ["OSINT Basis", "OSINT Advanced", "OSINT Technical"]),
        ("algemeen-online-leefwereld", ["Kansen voor jongeren", "Risico's voor jongeren"]),
        ("algemeen-contact", ["Straatwaarden", "Bureau Regionale Veiligheidsstrategie"]),
    ],
)
def test_labelled_bullets_that_are_not_partners_stay_text(
    entry_id: str, not_partners: list[str]
) -> None:
    entry = KNOWLEDGE.entry(entry_id)
    assert entry is not None
    assert not {label for _, label, _ in partner_rows(entry.answer, KNOWLEDGE)} & set(not_partners)
    reply = _render(entry)
    for label in not_partners:
        assert label not in _plain_labels(reply.text)
        assert label not in _html_labels(reply.html)[0]
        assert label not in _card_labels(build_card(reply))
        assert label in reply.text  # still said, as text


def test_a_comparison_shows_only_the_partners_the_question_names() -> None:
    entry = KNOWLEDGE.entry("algemeen-online")
    assert entry is not None
    reply = _render(entry, "wat is het verschil tussen een boa en de politie online?")
    assert [label for label, _ in reply.comparison] == ["Politie", "Medewerkers T&H"]
    assert reply.comparison_in_lead
    for rendering in (reply.text, reply.markdown, reply.html):
        assert "Jongerenwerk:" not in rendering and "Jongerenwerk " not in rendering
        assert "Gemeente (OOV)" not in rendering
    # Those rows are the point: a chat shows them before "Meer".
    assert "Politie " in reply.short_text and "Medewerkers T&H" in reply.short_text
    assert _html_labels(reply.html)[0] == ["Politie", "Medewerkers T&H"]
    assert _card_labels(build_card(reply)) == ["Politie", "Medewerkers T&H"]


def test_a_comparison_without_named_partners_leads_with_its_lead() -> None:
    entry = KNOWLEDGE.entry("algemeen-online")
    assert entry is not None
    reply = _render(entry, "welke partners mogen een anoniem account gebruiken?")
    assert reply.short_text.split("\n\n")[1].startswith("Alleen bij de gemeente (OOV)")
    assert len(reply.comparison) == 5 and not reply.comparison_in_lead
    assert "Jongerenwerk " not in reply.short_text  # the table is in the detail
    assert "Jongerenwerk " in reply.text


def test_teams_folds_an_unnamed_comparison_behind_meer() -> None:
    entry = KNOWLEDGE.entry("algemeen-online")
    assert entry is not None
    card = build_card(_render(entry, "welke partners mogen een anoniem account gebruiken?"))
    assert not [block for block in card["body"] if block["type"] == "FactSet"]
    (detail,) = [block for block in card["body"] if block["type"] == "Container"]
    assert detail["isVisible"] is False
    assert [b["type"] for b in detail["items"]] == ["FactSet"]
    assert card["actions"][0]["type"] == "Action.ToggleVisibility"
