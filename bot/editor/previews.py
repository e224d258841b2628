"""A reply as the terminal, Matrix and Teams would show it, for the console's pages.

The console never imports a chat transport: the Teams card builder is handed in by the
composition root, and its card JSON is drawn here with the same Markdown renderer the
Matrix replies use (raw HTML off, so knowledge text cannot inject markup).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from bot.knowledge import KnowledgeBase
from bot.models import Decision, Entry, Match, Reply
from bot.replies import markdown_to_html, render_decision

CardBuilder = Callable[[Reply], Mapping[str, Any]]
DECISION_NL = {"answer": "antwoord", "clarify": "keuzevraag", "fallback": "geen antwoord"}


@dataclass(frozen=True)
class CardBlock:
    kind: str  # "text" | "facts" | "more" (a hidden container a "Meer" toggle opens)
    html: Markup = field(default_factory=Markup)
    facts: tuple[tuple[Markup, Markup], ...] = ()
    bold: bool = False
    subtle: bool = False
    items: tuple[CardBlock, ...] = ()


@dataclass(frozen=True)
class Rendering:
    """The three renderings of one reply."""

    terminal: str
    matrix: Markup
    teams_blocks: tuple[CardBlock, ...]
    teams_actions: tuple[tuple[str, str], ...]  # (title, mailto: url)


def _inline(markdown: str) -> Markup:
    html = markdown_to_html(markdown)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)  # noqa: S704 - markdown-it with raw HTML off escapes all text


def card_blocks(
    card: Mapping[str, Any],
) -> tuple[tuple[CardBlock, ...], tuple[tuple[str, str], ...]]:
    actions = tuple(
        (str(action.get("title", "")), str(action.get("url", "")))
        for action in card.get("actions", [])
        if str(action.get("url", "")).startswith("mailto:")
    )
    return _blocks(card.get("body", [])), actions


def _blocks(elements: Sequence[Mapping[str, Any]]) -> tuple[CardBlock, ...]:
    blocks: list[CardBlock] = []
    for element in elements:
        if element.get("type") == "Container":
            inner = _blocks(element.get("items", []))
            if element.get("isVisible", True):
                blocks.extend(inner)
            else:
                blocks.append(CardBlock("more", items=inner))
            continue
        if element.get("type") == "TextBlock":
            blocks.append(
                CardBlock(
                    "text",
                    _inline(str(element.get("text", ""))),
                    bold=element.get("weight") == "Bolder",
                    subtle=bool(element.get("isSubtle")),
                )
            )
        elif element.get("type") == "FactSet":
            facts = tuple(
                (_inline(str(fact.get("title", ""))), _inline(str(fact.get("value", ""))))
                for fact in element.get("facts", [])
            )
            blocks.append(CardBlock("facts", facts=facts))
    return tuple(blocks)


def render(reply: Reply, card: CardBuilder | None) -> Rendering:
    if card is not None:
        blocks, actions = card_blocks(card(reply))
    else:
        blocks, actions = (CardBlock("text", _inline(reply.markdown)),), ()
    return Rendering(
        terminal=reply.text,
        matrix=Markup(reply.html),  # noqa: S704 - replies escape user text and knowledge HTML
        teams_blocks=blocks,
        teams_actions=actions,
    )


def entry_reply(entry: Entry, knowledge: KnowledgeBase) -> Reply:
    """The answer the bot gives when this entry is chosen (for the edit form's preview)."""
    decision = Decision("answer", (Match(entry, 100.0),), confidence=100.0)
    return render_decision(decision, entry.question, knowledge)


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    partner_name: str


def candidates(
    matches: Sequence[Match], knowledge: KnowledgeBase, count: int = 5
) -> list[Candidate]:
    found = []
    for match in matches[:count]:
        partner = knowledge.partner(match.entry.partner)
        found.append(
            Candidate(match.entry, match.score, partner.name if partner else match.entry.partner)
        )
    return found
