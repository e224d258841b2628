"""A reply as the terminal, Matrix and Teams would show it, for the console's pages.

The console never imports a chat transport: the Teams card builder is handed in by the
composition root, and its card JSON is drawn here with the same Markdown renderer the
Matrix replies use (raw HTML off, so knowledge text cannot inject markup).

Teams has two cards: the outgoing webhook's shows everything at once (webhook cards support
no action but openURL, so no "Meer" toggle and no option buttons; mail links stay); the
Teams app's folds the detail behind "Meer" and turns a "Bedoel je" into buttons. The
preview shows the card of each Teams transport the config sets up, so an editor sees what
people will see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from markupsafe import Markup

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.models import Decision, Entry, Match, Reply
from bot.replies import markdown_to_html, render_decision


class CardBuilder(Protocol):
    """``bot.transports.teams.build_card``, handed in by the composition root."""

    def __call__(
        self, reply: Reply, *, buttons: bool = ..., fold: bool = ...
    ) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class TeamsVariant:
    """One Teams transport's card: how it is built and how the console labels it."""

    key: str  # "webhook" | "app"
    label: str
    note: str
    fold: bool  # the detail behind a "Meer" toggle
    buttons: bool  # a "Bedoel je" as buttons
    title_message: bool  # the title also arrives as a message of its own, before the card


WEBHOOK = TeamsVariant(
    "webhook",
    "Teams (webhook)",
    "Een kanaal met de uitgaande webhook: eerst de kop als los bericht, dan de kaart met "
    "het hele antwoord (zonder “Meer” en zonder keuzeknoppen).",
    fold=False,
    buttons=False,
    title_message=True,
)
TEAMS_APP = TeamsVariant(
    "app",
    "Teams-app",
    "De Teams-app: de rest van het antwoord achter de knop “Meer”; bij een "
    "keuzevraag een knop per keuze.",
    fold=True,
    buttons=True,
    title_message=False,
)


def teams_variants(config: Config) -> tuple[TeamsVariant, ...]:
    """The cards the configured Teams transports send; both when the config sets up
    neither (``partnerbot beheer`` without ``--config``), so the editor sees either way."""
    configured = tuple(
        variant
        for variant, used in (
            (WEBHOOK, config.teams is not None and bool(config.teams.webhooks)),
            (TEAMS_APP, config.teams_app is not None),
        )
        if used
    )
    return configured or (WEBHOOK, TEAMS_APP)


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
class TeamsCard:
    """One Teams card drawn for the console."""

    variant: TeamsVariant
    message: str  # the plain message before the card ("" when there is none)
    blocks: tuple[CardBlock, ...]
    actions: tuple[tuple[str, str], ...]  # (title, mailto: url)
    buttons: tuple[str, ...]  # the titles of the option buttons


@dataclass(frozen=True)
class Rendering:
    """The renderings of one reply: terminal, Matrix and each Teams card."""

    terminal: str
    matrix: Markup
    teams: tuple[TeamsCard, ...]


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


def card_buttons(card: Mapping[str, Any]) -> tuple[str, ...]:
    """The titles of the card's option buttons (Action.Submit)."""
    return tuple(
        str(action.get("title", ""))
        for action in card.get("actions", [])
        if action.get("type") == "Action.Submit"
    )


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


def render(reply: Reply, card: CardBuilder | None, variants: Sequence[TeamsVariant]) -> Rendering:
    """``variants``: the Teams cards to draw (see ``teams_variants``)."""
    teams = []
    for variant in variants:
        if card is not None:
            built = card(reply, buttons=variant.buttons, fold=variant.fold)
            blocks, actions = card_blocks(built)
            buttons = card_buttons(built)
        else:
            blocks, actions, buttons = (CardBlock("text", _inline(reply.markdown)),), (), ()
        message = reply.title if variant.title_message and reply.title else ""
        teams.append(TeamsCard(variant, message, blocks, actions, buttons))
    return Rendering(
        terminal=reply.text,
        matrix=Markup(reply.html),  # noqa: S704 - replies escape user text and knowledge HTML
        teams=tuple(teams),
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
