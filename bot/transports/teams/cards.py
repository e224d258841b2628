"""The one Adaptive Card builder for Teams: the outgoing webhook and the Teams app share it.

All text comes from the Reply's structured fields; user text in them is already escaped.
Cards stay at a version Teams desktop and mobile both render.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import orjson

from bot.models import Reply
from bot.replies import without_comparison_rows

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"  # Teams desktop and mobile render 1.4 fully (1.5+ only partly on mobile)

_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def markdown_blocks(markdown: str) -> list[dict[str, Any]]:
    """Split Reply markdown into TextBlocks Teams renders the same on desktop and mobile.

    Teams mobile renders Markdown lists inside one TextBlock badly, so every list item
    becomes its own TextBlock with a typed bullet or number (not list syntax), and every
    paragraph its own block. Headings are not supported in cards: they become bold blocks.
    """
    blocks: list[dict[str, Any]] = []
    for paragraph in re.split(r"\n\s*\n", markdown.strip()):
        lines: list[str] = []
        for line in paragraph.splitlines():
            item = _list_item(line)
            heading = _HEADING.match(line)
            if item is None and heading is None:
                lines.append(line.strip())
                continue
            if lines:
                blocks.append(_text_block(" ".join(lines)))
                lines = []
            if heading is not None:
                blocks.append(_text_block(heading.group(1), weight="Bolder"))
            elif item is not None:
                blocks.append(_text_block(item, spacing="Small"))
        if lines:
            blocks.append(_text_block(" ".join(lines)))
    return [block for block in blocks if block["text"]]


@lru_cache(maxsize=2048)
def _frozen_blocks(markdown: str) -> tuple[tuple[tuple[str, Any], ...], ...]:
    return tuple(tuple(block.items()) for block in markdown_blocks(markdown))


def _knowledge_blocks(markdown: str) -> list[dict[str, Any]]:
    """``markdown_blocks`` of knowledge text (the same for every question), made once per
    text; fresh dicts each time, so a caller may change its card. Never for user text."""
    return [dict(items) for items in _frozen_blocks(markdown)]


def _list_item(line: str) -> str | None:
    bullet = _BULLET.match(line)
    if bullet:
        return "• " + bullet.group(1).strip()
    numbered = _NUMBERED.match(line)
    if numbered:
        # "**1.**" is not list syntax, so the card shows the number instead of re-parsing it.
        return f"**{numbered.group(1)}.** {numbered.group(2).strip()}"
    return None


def _option_blocks(options: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _text_block(f"**{number}.** {option}", spacing="Small")
        for number, option in enumerate(options, start=1)
    ]


def _facts(reply: Reply) -> list[dict[str, Any]]:
    # Partner and source on one quiet line, as in the other formats.
    facts = []
    if reply.partner_name:
        facts.append(f"Partner: {reply.partner_name}")
    if reply.source:
        facts.append(f"Bron: infographic, {reply.source}")
    line = " · ".join(facts)
    return [_text_block(line, isSubtle=True, size="Small", separator=True)] if line else []


def _comparison(rows: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    # Partners side by side: a FactSet reads as a two-column table, also on mobile.
    facts = [{"title": name, "value": text} for name, text in rows]
    return [{"type": "FactSet", "facts": facts, "spacing": "Medium"}] if facts else []


def _mail_actions(reply: Reply) -> list[dict[str, Any]]:
    # Outgoing webhooks support no card action except Action.OpenUrl (Microsoft's docs).
    return [
        {
            "type": "Action.OpenUrl",
            "title": f"Mail {contact.name}",
            "url": "mailto:" + quote(contact.email, safe="@.+-_"),
        }
        for contact in reply.contacts
        if contact.email
    ]


DETAIL_ID = "meer"  # the folded detail's element id, the target of the "Meer" toggle


# What an option button submits; the Teams app reads it back (app_events.CHOICE_KEY).
CHOICE_KEY = "partnerwijzer_choice"
_BUTTON_TITLE = 60  # Teams cuts button titles; the full option text is in the body above


def _contact_blocks(reply: Reply, body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Teams does not open mailto: from card buttons: the address itself must be readable.
    # One line per contact (not a FactSet: FactSets in these cards are partner comparisons).
    # Addresses the body above already shows are not repeated.
    with_email = [contact for contact in reply.contacts if contact.email]
    if not with_email:
        return []  # most replies: no need to serialise the body to look for addresses
    # The search json.dumps(body, ensure_ascii=False) allowed, in a tenth of its time:
    # orjson writes the same characters, as UTF-8.
    shown = orjson.dumps(body)
    return [
        _text_block(f"{contact.name}: {contact.email}", spacing="Small")
        for contact in with_email
        if contact.email.encode() not in shown
    ]


def option_actions(reply: Reply) -> list[dict[str, Any]]:
    """One ``Action.Submit`` per "Bedoel je" option (Teams app only: outgoing webhooks
    support no action but OpenUrl). A click sends the option's number, as typing it would."""
    actions = []
    for number, option in enumerate(reply.options, start=1):
        title = f"{number}. {option}"
        if len(title) > _BUTTON_TITLE:
            title = title[: _BUTTON_TITLE - 1].rstrip() + "…"
        actions.append({"type": "Action.Submit", "title": title, "data": {CHOICE_KEY: number}})
    return actions


def build_card(reply: Reply, *, buttons: bool = False, fold: bool = True) -> dict[str, Any]:
    """The Adaptive Card for a Reply. All text comes from the Reply's structured fields.

    ``buttons``: the options of a "Bedoel je" become Action.Submit buttons (the Teams app);
    the outgoing webhook cannot receive their clicks.
    ``fold``: the detail sits behind an Action.ToggleVisibility "Meer" (the Teams app);
    without it the detail follows the lead, as in the terminal. Microsoft documents that
    outgoing webhook cards "cannot use any card actions except for openURL" (Create an
    Outgoing Webhook, learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/
    how-to/add-outgoing-webhook, "Key features"): a "Meer" there might never open.
    """
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(_text_block(reply.title, weight="Bolder", size="Medium"))
    actions: list[dict[str, Any]] = []
    # An answer's lead and detail are its entry's own text: their blocks are made once.
    blocks = _knowledge_blocks if reply.kind == "answer" else markdown_blocks
    if reply.leads:
        # The point first; the detail behind "Meer" (a client-side toggle, no round trip).
        body.extend(blocks(reply.lead))
        if reply.comparison_in_lead:
            body.extend(_comparison(reply.comparison))
        if reply.has_more:
            more = blocks(reply.detail)
            if not reply.comparison_in_lead:
                more.extend(_comparison(reply.comparison))
            if fold:
                hidden = {"type": "Container", "id": DETAIL_ID, "isVisible": False, "items": more}
                body.append(hidden)
                actions.append(
                    {
                        "type": "Action.ToggleVisibility",
                        "title": "Meer",
                        "targetElements": [DETAIL_ID],
                    }
                )
            else:
                body.extend(more)
    elif reply.comparison:
        body.extend(blocks(without_comparison_rows(reply.body_markdown)))
        body.extend(_comparison(reply.comparison))
    else:
        body.extend(blocks(reply.body_markdown))
    if reply.options and not _numbers_options(reply.body_markdown):
        body.extend(_option_blocks(reply.options))
    body.extend(_facts(reply))
    body.extend(_contact_blocks(reply, body))
    if reply.legal_note:
        body.append(_text_block(reply.legal_note, isSubtle=True, size="Small", separator=True))
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        # fallbackText may be read as Markdown: the markdown rendering has user text escaped,
        # the plain one (reply.text) does not.
        "fallbackText": reply.markdown,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if buttons:
        actions[:0] = option_actions(reply)
    actions.extend(_mail_actions(reply))
    if actions:
        card["actions"] = actions
    return card


def _numbers_options(markdown: str) -> bool:
    """Clarify bodies may already number the options in place; then show them only there."""
    return any(_NUMBERED.match(line) for line in markdown.splitlines())


def reply_message(reply: Reply) -> dict[str, Any]:
    """The outgoing webhook's HTTP response body, which Teams turns into a channel reply.
    Its card does not fold: webhook cards support no action but openURL (see build_card).

    ``text`` is only the one-line title, not the whole plain answer: Teams posts an
    activity's text and its card as two separate messages, so a full text would show every
    answer twice; and ``reply.text`` quotes the user unescaped while Teams renders message
    text as Markdown. The complete fallback is the card's ``fallbackText``.
    """
    message: dict[str, Any] = {
        "type": "message",
        "attachments": [
            {"contentType": CARD_CONTENT_TYPE, "content": build_card(reply, fold=False)}
        ],
    }
    if reply.title:
        message["text"] = reply.title
        message["textFormat"] = "plain"
    return message


def text_message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}
