"""Answers: one entry (lead first, the full answer as detail, comparisons narrowed to the
partners asked about), a "Bedoel je" list, and the fixed partner, contact and notice replies."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase
from bot.models import GENERAL_PARTNER, Decision, Entry, Reply, ReplyKind
from bot.replies.comparison import named_partners, partner_rows, without_comparison_rows
from bot.replies.fallback import DEFAULT_HELP, render_fallback
from bot.replies.footer import LEGAL_NOTE, contacts_markdown, needs_legal_note
from bot.replies.layout import build, noted, option_label


def render_answer(
    entry: Entry, decision: Decision, question: str, knowledge: KnowledgeBase
) -> Reply:
    """One entry: its lead first, the full answer as detail. A comparison shows only the
    partners the question names, and then those rows are the point."""
    partner = knowledge.partner(entry.partner)
    rows = partner_rows(entry.answer, knowledge) if entry.partner == GENERAL_PARTNER else ()
    # Only a comparison's rows can be narrowed: without rows, nothing named matters (and
    # finding the names cost a third of rendering an answer).
    named = named_partners(question, knowledge) & {row[0] for row in rows} if rows else frozenset()
    shown = tuple((label, text) for pid, label, text in rows if not named or pid in named)
    every = tuple((label, text) for _, label, text in rows)
    # Named partners: their rows are the point, the lead about all partners is not.
    lead = "" if named else entry.lead
    detail = without_comparison_rows(entry.answer, every) if rows else entry.answer
    if lead or named:
        lead = noted(decision, lead).strip()
    else:
        detail = noted(decision, detail)
    return build(
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


def render_decision(
    decision: Decision, question: str, knowledge: KnowledgeBase, help_how: str = DEFAULT_HELP
) -> Reply:
    best = decision.best
    if decision.kind == "answer" and best is not None:
        return render_answer(best.entry, decision, question, knowledge)
    if decision.kind == "clarify" and decision.options:
        labels = tuple(option_label(match.entry, knowledge) for match in decision.options)
        body = "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        body += "\n\nAntwoord met het nummer, of stel je vraag iets anders."
        return build(
            "clarify",
            "Bedoel je:",
            noted(decision, body),
            options=labels,
            option_ids=tuple(match.entry.id for match in decision.options),
            decision=decision,
            knowledge_body=True,
        )
    return render_fallback(question, knowledge, decision, help_how)


def render_partners(knowledge: KnowledgeBase) -> Reply:
    lines = [
        f"- **{partner.name}**: {partner.role}"
        for partner in knowledge.partners
        if partner.id != GENERAL_PARTNER
    ]
    return build("partners", "De partners", "\n".join(lines))


def render_contact(knowledge: KnowledgeBase) -> Reply:
    body = "De infographic noemt deze contactadressen:\n" + contacts_markdown(knowledge.contacts)
    return build("contact", "Contact", body, contacts=knowledge.contacts, knowledge_body=True)


def render_notice(kind: ReplyKind, title: str, body_markdown: str) -> Reply:
    return build(kind, title, body_markdown)
