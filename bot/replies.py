"""Turn a decision (or a command) into a Reply: plain text, Markdown and Matrix HTML.

Knowledge text is trusted Markdown written by editors; it is still rendered with raw HTML
disabled. User text is only ever quoted in the fallback, and is escaped for each format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from bot.knowledge import KnowledgeBase
from bot.models import GENERAL_PARTNER, Contact, Decision, Entry, Match, Reply, ReplyKind
from bot.text import fold

INFOGRAPHIC = "De informatiepositie van partners in de online leefwereld"
LEGAL_NOTE = (
    "Let op: de infographic geeft geen volledig juridisch beeld vanuit wetgeving. "
    "Wat je mag, kan per gemeente, portefeuille en functie verschillen."
)
# Questions about what someone may do get the legal note.
_LEGAL_CUES = re.compile(
    r"\b(mag|mogen|mocht|mochten|toegestaan|toestemming|wet|wetten|wettelijk|wetgeving"
    r"|juridisch|juridische|bevoegd|bevoegdheid|bevoegdheden|regels|verboden|illegaal|legaal"
    r"|allowed|legal|law|permitted)\b"
)
MAX_QUOTE_CHARS = 80
# "- **Politie:** ..." lines of a comparison entry, one per partner.
_COMPARISON_ROW = re.compile(r"^- \*\*(?P<name>[^*]+?):?\*\*:?\s+(?P<text>.+)$")


def comparison_rows(markdown: str) -> tuple[tuple[str, str], ...]:
    """The (partner, text) rows of a comparison answer; empty when it is not one."""
    rows = []
    for line in markdown.splitlines():
        found = _COMPARISON_ROW.match(line.strip())
        if found:
            rows.append((found.group("name").strip(), found.group("text").strip()))
    return tuple(rows) if len(rows) >= 2 else ()


def without_comparison_rows(markdown: str) -> str:
    """The comparison answer's text around its partner rows (the intro, any closing note)."""
    return "\n".join(
        line for line in markdown.splitlines() if not _COMPARISON_ROW.match(line.strip())
    ).strip()


def _comparison_html(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><td><strong>{_knowledge_html(name).removeprefix('<p>').removesuffix('</p>')}"
        f"</strong></td><td>{_knowledge_html(text).removeprefix('<p>').removesuffix('</p>')}"
        "</td></tr>"
        for name, text in rows
    )
    head = "<thead><tr><th>Partner</th><th>Wat de infographic zegt</th></tr></thead>"
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _comparison_plain(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)} | {markdown_to_plain(text)}" for name, text in rows)


@lru_cache(maxsize=1)
def _markdown() -> Any:
    # Imported on first use: the terminal and JSON paths never need HTML.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown_to_html(markdown: str) -> str:
    return str(_markdown().render(markdown)).strip()


# The knowledge's own texts (answers, names, sources, contacts) are the same for every
# question, and rendering them is most of the cost of a reply: render each once. Only
# knowledge text goes through this cache, never a user's words.
_knowledge_html = lru_cache(maxsize=4096)(markdown_to_html)


def markdown_to_plain(markdown: str) -> str:
    """Readable plain text from the knowledge's small Markdown subset."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown)
    text = re.sub(r"(?<![\w*])\*(\S.*?)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((?:mailto:)?([^)]+)\)", r"\1 (\2)", text)
    return text.strip()


def escape_html(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def quote_user_text(text: str) -> str:
    """A short, single-line excerpt of what the user wrote, safe for plain text."""
    # Whitespace first (a line break separates words), then drop what cannot be shown.
    one_line = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    if len(one_line) > MAX_QUOTE_CHARS:
        one_line = one_line[: MAX_QUOTE_CHARS - 1].rstrip() + "…"
    return one_line


def needs_legal_note(question: str) -> bool:
    return bool(_LEGAL_CUES.search(fold(question)))


def _contacts_markdown(contacts: Sequence[Contact]) -> str:
    return "\n".join(
        f"- {contact.name}: [{contact.email}](mailto:{contact.email})" for contact in contacts
    )


def _contacts_plain(contacts: Sequence[Contact]) -> str:
    return "\n".join(f"- {contact.name}: {contact.email}" for contact in contacts)


def _build(
    kind: ReplyKind,
    title: str,
    body_markdown: str,
    *,
    partner_name: str | None = None,
    source: str | None = None,
    options: tuple[str, ...] = (),
    option_ids: tuple[str, ...] = (),
    contacts: tuple[Contact, ...] = (),
    legal_note: str | None = None,
    decision: Decision | None = None,
    quoted: str | None = None,
    comparison: tuple[tuple[str, str], ...] = (),
    knowledge_body: bool = False,
) -> Reply:
    """Render every format from one structure, so they can never say different things."""
    md_parts = [f"**{title}**"] if title else []
    plain_parts = [title] if title else []
    html_parts = [f"<p><strong>{escape_html(title)}</strong></p>"] if title else []
    if quoted is not None:
        md_parts.append(f"Je vroeg: “{escape_markdown(quoted)}”")
        plain_parts.append(f"Je vroeg: “{quoted}”")
        html_parts.append(f"<p>Je vroeg: “{escape_html(quoted)}”</p>")
    md_parts.append(body_markdown)
    if comparison:
        # The partner rows become a table (HTML) or aligned columns (plain text).
        rest = without_comparison_rows(body_markdown)
        plain_parts.append(markdown_to_plain(rest) + "\n\n" + _comparison_plain(comparison))
        html_parts.append(_knowledge_html(rest) + _comparison_html(comparison))
    else:
        plain_parts.append(markdown_to_plain(body_markdown))
        render = _knowledge_html if knowledge_body else markdown_to_html
        html_parts.append(render(body_markdown))
    facts_md: list[str] = []
    facts_plain: list[str] = []
    if partner_name:
        facts_md.append(f"**Partner:** {partner_name}")
        facts_plain.append(f"Partner: {partner_name}")
    if source:
        facts_md.append(f"**Bron:** infographic “{INFOGRAPHIC}”, {source}")
        facts_plain.append(f"Bron: infographic “{INFOGRAPHIC}”, {source}")
    if facts_md:
        md_parts.append("  \n".join(facts_md))
        plain_parts.append("\n".join(facts_plain))
        html_parts.append(
            "<p>"
            + "<br>".join(
                _knowledge_html(f).removeprefix("<p>").removesuffix("</p>") for f in facts_md
            )
            + "</p>"
        )
    if legal_note:
        md_parts.append(f"*{legal_note}*")
        plain_parts.append(legal_note)
        html_parts.append(f"<p><em>{escape_html(legal_note)}</em></p>")
    if contacts:
        md_parts.append("**Contact:**\n" + _contacts_markdown(contacts))
        plain_parts.append("Contact:\n" + _contacts_plain(contacts))
        html_parts.append(
            "<p><strong>Contact:</strong></p>" + _knowledge_html(_contacts_markdown(contacts))
        )
    return Reply(
        kind=kind,
        title=title,
        body_markdown=body_markdown,
        text="\n\n".join(plain_parts),
        markdown="\n\n".join(md_parts),
        html="\n".join(html_parts),
        partner_name=partner_name,
        source=source,
        options=options,
        option_ids=option_ids,
        contacts=contacts,
        legal_note=legal_note,
        decision=decision,
        comparison=comparison,
    )


def _option_label(entry: Entry, knowledge: KnowledgeBase) -> str:
    partner = knowledge.partner(entry.partner)
    name = partner.name if partner else entry.partner
    return f"{entry.question} ({name})"


# One line for a question asked in English (the matcher sets ``Decision.english``).
ENGLISH_NOTE = "Replies are in Dutch, the language of the infographic."


def _noted(decision: Decision | None, body: str) -> str:
    return f"*{ENGLISH_NOTE}*\n\n{body}" if decision is not None and decision.english else body


def render_decision(decision: Decision, question: str, knowledge: KnowledgeBase) -> Reply:
    legal = LEGAL_NOTE if needs_legal_note(question) else None
    best = decision.best
    if decision.kind == "answer" and best is not None:
        entry = best.entry
        partner = knowledge.partner(entry.partner)
        return _build(
            "answer",
            entry.question,
            _noted(decision, entry.answer),
            partner_name=partner.name if partner else entry.partner,
            source=entry.source,
            contacts=knowledge.contacts_for(entry),
            legal_note=legal,
            decision=decision,
            comparison=comparison_rows(entry.answer) if entry.partner == GENERAL_PARTNER else (),
            knowledge_body=True,
        )
    if decision.kind == "clarify" and decision.options:
        labels = tuple(_option_label(match.entry, knowledge) for match in decision.options)
        body = "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        body += "\n\nAntwoord met het nummer, of stel je vraag iets anders."
        return _build(
            "clarify",
            "Bedoel je:",
            _noted(decision, body),
            options=labels,
            option_ids=tuple(match.entry.id for match in decision.options),
            legal_note=legal,
            decision=decision,
            knowledge_body=True,
        )
    return render_fallback(question, knowledge, decision)


def render_no_section(
    partner_id: str, topic: str, options: Sequence[Entry], knowledge: KnowledgeBase
) -> Reply:
    """A follow-up asks for a section the infographic lacks for that partner: say so, and
    offer what it does have for that partner."""
    partner = knowledge.partner(partner_id)
    name = partner.name if partner else partner_id
    topic_text = knowledge.topics.get(topic, topic)
    labels = tuple(_option_label(entry, knowledge) for entry in options)
    body = (
        f"De infographic heeft voor {name} geen onderdeel over {topic_text}. "
        "Wel over:\n\n"
        + "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        + "\n\nAntwoord met het nummer, of stel je vraag anders."
    )
    matches = tuple(Match(entry, 0.0) for entry in options)
    return _build(
        "clarify",
        "Daar heeft de infographic geen onderdeel over",
        body,
        options=labels,
        option_ids=tuple(entry.id for entry in options),
        decision=Decision("clarify", matches, options=matches),
    )


def render_fallback(
    question: str, knowledge: KnowledgeBase, decision: Decision | None = None
) -> Reply:
    quoted = quote_user_text(question)
    body = (
        f"Daar vind ik geen antwoord op in de infographic “{INFOGRAPHIC}”. "
        "Stel je vraag eens anders, met de partner en het onderwerp erin "
        "(bijvoorbeeld: “mag een boa online rondkijken?”), of typ **help** voor voorbeelden. "
        "Met andere vragen kun je terecht bij de contactadressen hieronder."
    )
    return _build(
        "fallback",
        "Geen antwoord gevonden",
        _noted(decision, body),
        contacts=knowledge.contacts,
        decision=decision,
        quoted=quoted or None,  # escaped in _build; the body itself is fixed text
        knowledge_body=True,
    )


def render_partners(knowledge: KnowledgeBase) -> Reply:
    lines = [
        f"- **{partner.name}**: {partner.role}"
        for partner in knowledge.partners
        if partner.id != GENERAL_PARTNER
    ]
    return _build("partners", "De partners", "\n".join(lines))


def render_contact(knowledge: KnowledgeBase) -> Reply:
    body = "Met vragen over de infographic kun je terecht bij:"
    return _build("contact", "Contact", body, contacts=knowledge.contacts)


def render_notice(kind: ReplyKind, title: str, body_markdown: str) -> Reply:
    return _build(kind, title, body_markdown)
