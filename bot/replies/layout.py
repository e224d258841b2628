"""One reply structure rendered to every format (plain text, Markdown, Matrix HTML), so the
formats can never say different things: the point first, the detail folded, then the footer.
Also the small pieces of wording every kind of reply shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.knowledge import KnowledgeBase
from bot.models import Contact, Decision, Entry, Reply, ReplyKind
from bot.replies.comparison import (
    comparison_html,
    comparison_markdown,
    comparison_plain,
    without_comparison_rows,
)
from bot.replies.footer import CONTACTS_HEADING, contacts_markdown, contacts_plain
from bot.replies.markup import (
    escape_html,
    escape_html_text,
    escape_markdown,
    fill,
    inline_html,
    knowledge_html,
    knowledge_plain,
    markdown_to_html,
    markdown_to_plain,
)

MORE_LABEL = "Meer"


@dataclass
class _Parts:
    """One rendering per format, filled section by section."""

    markdown: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)

    def add(self, markdown: str, plain: str, html: str) -> None:
        if markdown.strip() or plain.strip():
            self.markdown.append(markdown)
            self.plain.append(plain)
            self.html.append(html)


def _section(
    parts: _Parts,
    body: str,
    rows: Sequence[tuple[str, str]],
    *,
    trusted: bool,
    word: str | None = None,
) -> None:
    """A body (Markdown) and, after it, its comparison rows as a table or aligned text.
    With ``word``, the body is trusted text holding ``USER_WORD`` where that user's word goes:
    the text goes through the knowledge caches and the word is filled in per format."""
    render = knowledge_html if trusted else markdown_to_html
    plain = knowledge_plain if trusted else markdown_to_plain
    if body and word is not None:
        parts.add(
            fill(body, word, escape_markdown),
            fill(knowledge_plain(body), word, str),
            fill(knowledge_html(body), word, escape_html_text),
        )
    elif body:
        parts.add(body, plain(body), render(body))
    if rows:
        parts.add(comparison_markdown(rows), comparison_plain(rows), comparison_html(rows))


def build(
    kind: ReplyKind,
    title: str,
    body_markdown: str,
    *,
    lead: str = "",
    partner_name: str | None = None,
    source: str | None = None,
    options: tuple[str, ...] = (),
    option_ids: tuple[str, ...] = (),
    contacts: tuple[Contact, ...] = (),
    legal_note: str | None = None,
    decision: Decision | None = None,
    quoted: str | None = None,
    comparison: tuple[tuple[str, str], ...] = (),
    comparison_in_lead: bool = False,
    detail: str | None = None,
    knowledge_body: bool = False,
    user_word: str | None = None,
) -> Reply:
    """Render every format from one structure, so they can never say different things.

    The point first: title, ``lead`` (or, without a lead, the whole body), then the detail
    (``body_markdown``; in Matrix HTML folded in ``<details>``), then one footer line with
    partner and source, the legal note and the contact addresses.

    ``user_word``: a word of the user's that ``body_markdown`` names at ``USER_WORD``; the
    body is otherwise fixed or knowledge text, rendered through the knowledge caches (which
    never hold the word), with the word escaped into each format afterwards.
    """
    if detail is None:
        detail = without_comparison_rows(body_markdown, comparison) if comparison else body_markdown
    # The detail folds away when there is a lead, or when the named partners' rows lead.
    folds = bool(lead) or (comparison_in_lead and bool(comparison))
    lead_rows = comparison if comparison_in_lead or not lead else ()
    detail_rows = () if lead_rows else comparison
    head = _Parts()
    if title:
        head.add(f"**{title}**", title, f"<p><strong>{escape_html(title)}</strong></p>")
    if quoted is not None:
        head.add(
            f"Je vroeg: “{escape_markdown(quoted)}”",
            f"Je vroeg: “{quoted}”",
            f"<p>Je vroeg: “{escape_html(quoted)}”</p>",
        )
    if folds:
        _section(head, lead, lead_rows, trusted=knowledge_body, word=user_word)
        more = _Parts()
        _section(more, detail, detail_rows, trusted=knowledge_body, word=user_word)
    else:
        _section(head, detail, lead_rows, trusted=knowledge_body, word=user_word)
        more = _Parts()
    foot = _Parts()
    facts = []
    if partner_name:
        facts.append(f"Partner: {partner_name}")
    if source:
        facts.append(f"Bron: infographic, {source}")
    if facts:
        line = " · ".join(facts)
        foot.add(f"*{line}*", line, f"<p><em>{inline_html(line)}</em></p>")
    if legal_note:
        foot.add(f"*{legal_note}*", legal_note, f"<p><em>{escape_html(legal_note)}</em></p>")
    # Addresses the visible text already spells out are not repeated underneath.
    shown = "\n".join(head.plain)
    listed = tuple(contact for contact in contacts if contact.email not in shown)
    if listed:
        foot.add(
            f"**{CONTACTS_HEADING}**\n" + contacts_markdown(listed),
            f"{CONTACTS_HEADING}\n" + contacts_plain(listed),
            f"<p><strong>{CONTACTS_HEADING}</strong></p>"
            + knowledge_html(contacts_markdown(listed)),
        )
    if user_word is not None:
        body_markdown = fill(body_markdown, user_word, escape_markdown)
        detail = fill(detail, user_word, escape_markdown)
    html = head.html
    if more.html:
        html = [
            *html,
            f"<details><summary>{MORE_LABEL}</summary>\n" + "\n".join(more.html) + "\n</details>",
        ]
    return Reply(
        kind=kind,
        title=title,
        body_markdown=body_markdown,
        text="\n\n".join(head.plain + more.plain + foot.plain),
        markdown="\n\n".join(head.markdown + more.markdown + foot.markdown),
        html="\n".join(html + foot.html),
        partner_name=partner_name,
        source=source,
        options=options,
        option_ids=option_ids,
        contacts=contacts,
        legal_note=legal_note,
        decision=decision,
        comparison=comparison,
        lead=lead,
        detail=detail if folds else "",
        comparison_in_lead=bool(comparison) and bool(lead_rows),
        short_text="\n\n".join(head.plain + foot.plain),
    )


def option_label(entry: Entry, knowledge: KnowledgeBase) -> str:
    partner = knowledge.partner(entry.partner)
    name = partner.name if partner else entry.partner
    return f"{entry.question} ({name})"


# One line for a question asked in English (the matcher sets ``Decision.english``).
ENGLISH_NOTE = "Replies are in Dutch, the language of the infographic."


def noted(decision: Decision | None, body: str) -> str:
    return f"*{ENGLISH_NOTE}*\n\n{body}" if decision is not None and decision.english else body
