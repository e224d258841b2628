"""Turn a decision (or a command) into a Reply: plain text, Markdown and Matrix HTML.

Knowledge text is trusted Markdown written by editors; it is still rendered with raw HTML
disabled. User text is only ever quoted in the fallback, and is escaped for each format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.knowledge import KnowledgeBase
from bot.models import (
    GENERAL_PARTNER,
    Contact,
    Decision,
    Entry,
    Match,
    Question,
    Reply,
    ReplyKind,
)
from bot.text import fold

INFOGRAPHIC = "De informatiepositie van partners in de online leefwereld"
# The infographic's own disclaimer, in one line.
LEGAL_NOTE = (
    "Let op: de infographic geeft geen volledig juridisch beeld vanuit wetgeving, en de "
    "werkzaamheden van partners kunnen per gemeente, portefeuille en functie variëren."
)
# Only questions about what someone may do ("mag een boa ...?") get the legal note.
_LEGAL_CUES = re.compile(
    r"\b(mag|mogen|mocht|mochten|toegestaan|toestemming|bevoegd|bevoegdheid|bevoegdheden"
    r"|verboden|allowed|permitted|may)\b"
)
MAX_QUOTE_CHARS = 80
MORE_LABEL = "Meer"
CONTACTS_HEADING = "Contactadressen uit de infographic:"
# "- **Politie:** ..." lines: a comparison row, when the label names a partner.
_LABELLED_ROW = re.compile(r"^- \*\*(?P<name>[^*]+?):?\*\*:?\s+(?P<text>.+)$")


def _names_partner(label: str, knowledge: KnowledgeBase) -> str | None:
    """The partner a row label names ("Gemeente (OOV)" → gemeente), or None ("OSINT
    Basis", "Kansen voor jongeren", "Straatwaarden" are not partners)."""
    folded = fold(label)
    for partner in knowledge.partners:
        if partner.id == GENERAL_PARTNER:
            continue
        for name in (partner.name, partner.id, *partner.aliases):
            if re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", folded):
                return partner.id
    return None


def partner_rows(markdown: str, knowledge: KnowledgeBase) -> tuple[tuple[str, str, str], ...]:
    """The (partner id, label, text) rows of a comparison: only ``- **X:** ...`` lines whose
    label names a partner, and only when there are at least two of them."""
    rows = []
    for line in markdown.splitlines():
        found = _LABELLED_ROW.match(line.strip())
        if found and (partner := _names_partner(found.group("name"), knowledge)):
            rows.append((partner, found.group("name").strip(), found.group("text").strip()))
    return tuple(rows) if len(rows) >= 2 else ()


def comparison_rows(markdown: str, knowledge: KnowledgeBase) -> tuple[tuple[str, str], ...]:
    """The (partner label, text) rows of a comparison answer; empty when it is not one."""
    return tuple((label, text) for _, label, text in partner_rows(markdown, knowledge))


def without_comparison_rows(markdown: str, rows: Sequence[tuple[str, str]] = ()) -> str:
    """The comparison answer's text around its partner rows (the intro, any closing note).

    ``rows``: the (label, text) rows taken out; without them, every labelled bullet goes.
    An intro line ending in ":" right above the rows goes with them: the table has a head.
    """
    labels = {label for label, _ in rows}
    kept: list[str] = []
    for line in markdown.splitlines():
        found = _LABELLED_ROW.match(line.strip())
        if found and (not rows or found.group("name").strip() in labels):
            if kept and kept[-1].rstrip().endswith(":") and not kept[-1].lstrip().startswith("-"):
                kept.pop()
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def named_partners(question: str, knowledge: KnowledgeBase) -> frozenset[str]:
    """The partners a question names by name or alias ("verschil boa en politie")."""
    folded = fold(question)  # once, not once per partner
    return frozenset(
        p.id
        for p in knowledge.partners
        if p.id != GENERAL_PARTNER and _name_pattern((p.id, *p.aliases)).search(folded)
    )


@lru_cache(maxsize=512)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    # One compiled pattern per partner, kept across questions: building the patterns for
    # every partner on every answer took about 0.4 ms, most of a reply's rendering. The
    # boundaries sit outside one group of names (not around each of ~30 aliases), so the
    # engine tries the names only where a word starts: 10-20x faster, the same matches, as
    # backtracking still tries every name at every such position.
    folded = sorted({fold(name) for name in names}, key=lambda name: (-len(name), name))
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, folded)) + r")(?!\w)")


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


def _comparison_markdown(rows: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"- **{name}:** {text}" for name, text in rows)


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
    text = re.sub(r"\[([^\]]+)\]\((?:mailto:)?([^)]+)\)", _plain_link, text)
    text = re.sub(r"<((?:mailto:)?[^<>\s]+@[^<>\s]+)>", r"\1", text)  # e-mail autolinks
    return text.strip()


def _plain_link(link: re.Match[str]) -> str:
    label, target = link.group(1), link.group(2)
    return label if label == target else f"{label} ({target})"


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


def _inline_html(markdown: str) -> str:
    return str(_knowledge_html(markdown)).removeprefix("<p>").removesuffix("</p>")


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


def _section(parts: _Parts, body: str, rows: Sequence[tuple[str, str]], *, trusted: bool) -> None:
    """A body (Markdown) and, after it, its comparison rows as a table or aligned text."""
    render = _knowledge_html if trusted else markdown_to_html
    if body:
        parts.add(body, markdown_to_plain(body), render(body))
    if rows:
        parts.add(_comparison_markdown(rows), _comparison_plain(rows), _comparison_html(rows))


def _build(
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
) -> Reply:
    """Render every format from one structure, so they can never say different things.

    The point first: title, ``lead`` (or, without a lead, the whole body), then the detail
    (``body_markdown``; in Matrix HTML folded in ``<details>``), then one footer line with
    partner and source, the legal note and the contact addresses.
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
        _section(head, lead, lead_rows, trusted=knowledge_body)
        more = _Parts()
        _section(more, detail, detail_rows, trusted=knowledge_body)
    else:
        _section(head, detail, lead_rows, trusted=knowledge_body)
        more = _Parts()
    foot = _Parts()
    facts = []
    if partner_name:
        facts.append(f"Partner: {partner_name}")
    if source:
        facts.append(f"Bron: infographic, {source}")
    if facts:
        line = " · ".join(facts)
        foot.add(f"*{line}*", line, f"<p><em>{_inline_html(line)}</em></p>")
    if legal_note:
        foot.add(f"*{legal_note}*", legal_note, f"<p><em>{escape_html(legal_note)}</em></p>")
    # Addresses the visible text already spells out are not repeated underneath.
    shown = "\n".join(head.plain)
    listed = tuple(contact for contact in contacts if contact.email not in shown)
    if listed:
        foot.add(
            f"**{CONTACTS_HEADING}**\n" + _contacts_markdown(listed),
            f"{CONTACTS_HEADING}\n" + _contacts_plain(listed),
            f"<p><strong>{CONTACTS_HEADING}</strong></p>"
            + _knowledge_html(_contacts_markdown(listed)),
        )
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


def _option_label(entry: Entry, knowledge: KnowledgeBase) -> str:
    partner = knowledge.partner(entry.partner)
    name = partner.name if partner else entry.partner
    return f"{entry.question} ({name})"


# One line for a question asked in English (the matcher sets ``Decision.english``).
ENGLISH_NOTE = "Replies are in Dutch, the language of the infographic."


def _noted(decision: Decision | None, body: str) -> str:
    return f"*{ENGLISH_NOTE}*\n\n{body}" if decision is not None and decision.english else body


def render_answer(
    entry: Entry, decision: Decision, question: str, knowledge: KnowledgeBase
) -> Reply:
    """One entry: its lead first, the full answer as detail. A comparison shows only the
    partners the question names, and then those rows are the point."""
    partner = knowledge.partner(entry.partner)
    rows = partner_rows(entry.answer, knowledge) if entry.partner == GENERAL_PARTNER else ()
    named = named_partners(question, knowledge) & {row[0] for row in rows}
    shown = tuple((label, text) for pid, label, text in rows if not named or pid in named)
    every = tuple((label, text) for _, label, text in rows)
    # Named partners: their rows are the point, the lead about all partners is not.
    lead = "" if named else entry.lead
    detail = without_comparison_rows(entry.answer, every) if rows else entry.answer
    if lead or named:
        lead = _noted(decision, lead).strip()
    else:
        detail = _noted(decision, detail)
    return _build(
        "answer",
        entry.question,
        entry.answer,
        lead=lead,
        partner_name=partner.name if partner else entry.partner,
        source=entry.source,
        # Only entries that name their contacts send people onwards.
        contacts=knowledge.contacts_for(entry) if entry.contacts else (),
        legal_note=LEGAL_NOTE if needs_legal_note(question) else None,
        decision=decision,
        comparison=shown,
        comparison_in_lead=bool(named),
        detail=detail,
        knowledge_body=True,
    )


# How to ask for help where no one said how (the terminal, tests, the editors' preview).
DEFAULT_HELP = "vraag me om **help**"


def help_instruction(question: Question, prefix: str) -> str:
    """How to ask for help in the conversation ``question`` came from, as the end of
    "…, of ___ voor voorbeelden": a room needs the command prefix, or a mention."""
    if question.always_addressed:  # the terminal, a 1:1 chat: every message is for the bot
        return "typ **help**"
    if question.mentioned:  # they addressed the bot by name (and may have no prefix there)
        return "noem mij en typ **help**"
    # Only what would change the bold text is escaped: "\\!help" would show its backslash.
    return "typ **" + re.sub(r"([\\`*_\[\]<>|~#])", r"\\\1", prefix) + "help**"


def render_decision(
    decision: Decision, question: str, knowledge: KnowledgeBase, help_how: str = DEFAULT_HELP
) -> Reply:
    best = decision.best
    if decision.kind == "answer" and best is not None:
        return render_answer(best.entry, decision, question, knowledge)
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
            decision=decision,
            knowledge_body=True,
        )
    return render_fallback(question, knowledge, decision, help_how)


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
    question: str,
    knowledge: KnowledgeBase,
    decision: Decision | None = None,
    help_how: str = DEFAULT_HELP,
) -> Reply:
    if decision is not None and decision.uncovered and decision.options:
        return _render_uncovered(question, knowledge, decision)
    quoted = quote_user_text(question)
    body = (
        f"Daar vind ik geen antwoord op in de infographic “{INFOGRAPHIC}”. "
        "Stel je vraag eens anders, met de partner en het onderwerp erin "
        f"(bijvoorbeeld: “mag een boa online rondkijken?”), of {help_how} voor voorbeelden."
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


def _render_uncovered(question: str, knowledge: KnowledgeBase, decision: Decision) -> Reply:
    """The question is in the infographic's words but about something it never mentions
    (the matcher's ``Decision.uncovered``): say so plainly and offer the nearest sections."""
    word = escape_markdown(decision.uncovered[0])
    labels = tuple(_option_label(match.entry, knowledge) for match in decision.options)
    body = (
        f"De infographic zegt niets over “{word}”. Het dichtst in de buurt komen:\n\n"
        + "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        + "\n\nAntwoord met het nummer als een daarvan je vraag beantwoordt."
    )
    return _build(
        "fallback",
        "Daar zegt de infographic niets over",
        _noted(decision, body),
        options=labels,
        option_ids=tuple(match.entry.id for match in decision.options),
        contacts=knowledge.contacts,
        decision=decision,
        quoted=quote_user_text(question) or None,
        knowledge_body=True,
    )


def render_no_open_choice(text: str) -> Reply:
    """A bare number while no "Bedoel je" list is open: say so, without the full fallback."""
    quoted = escape_markdown(quote_user_text(text))
    body = (
        f"Er staat geen keuzelijst open waar “{quoted}” bij hoort. Stel je vraag in woorden, "
        "bijvoorbeeld: “mag een boa online rondkijken?”"
    )
    return _build("fallback", "", body)


def render_partners(knowledge: KnowledgeBase) -> Reply:
    lines = [
        f"- **{partner.name}**: {partner.role}"
        for partner in knowledge.partners
        if partner.id != GENERAL_PARTNER
    ]
    return _build("partners", "De partners", "\n".join(lines))


def render_contact(knowledge: KnowledgeBase) -> Reply:
    body = "De infographic noemt deze contactadressen:\n" + _contacts_markdown(knowledge.contacts)
    return _build("contact", "Contact", body, contacts=knowledge.contacts, knowledge_body=True)


def render_notice(kind: ReplyKind, title: str, body_markdown: str) -> Reply:
    return _build(kind, title, body_markdown)
