"""The honest edges: no answer found, a question about something the infographic never
mentions, a section it lacks for a partner, a number with no open choice, and how to ask
for help. User text appears only as a short escaped quote."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.knowledge import KnowledgeBase
from bot.models import Decision, Entry, Match, Question, Reply
from bot.replies.layout import build, noted, option_label
from bot.replies.markup import USER_WORD, escape_markdown, quote_user_text

INFOGRAPHIC = "De informatiepositie van partners in de online leefwereld"


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


def render_no_section(
    partner_id: str, topic: str, options: Sequence[Entry], knowledge: KnowledgeBase
) -> Reply:
    """A follow-up asks for a section the infographic lacks for that partner: say so, and
    offer what it does have for that partner."""
    partner = knowledge.partner(partner_id)
    name = partner.name if partner else partner_id
    topic_text = knowledge.topics.get(topic, topic)
    labels = tuple(option_label(entry, knowledge) for entry in options)
    body = (
        f"De infographic heeft voor {name} geen onderdeel over {topic_text}. "
        "Wel over:\n\n"
        + "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        + "\n\nAntwoord met het nummer, of stel je vraag anders."
    )
    matches = tuple(Match(entry, 0.0) for entry in options)
    return build(
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
    return build(
        "fallback",
        "Geen antwoord gevonden",
        noted(decision, body),
        contacts=knowledge.contacts,
        decision=decision,
        quoted=quoted or None,  # escaped in build; the body itself is fixed text
        knowledge_body=True,
    )


def _render_uncovered(question: str, knowledge: KnowledgeBase, decision: Decision) -> Reply:
    """The question is in the infographic's words but about something it never mentions
    (the matcher's ``Decision.uncovered``): say so plainly and offer the nearest sections."""
    labels = tuple(option_label(match.entry, knowledge) for match in decision.options)
    body = (
        f"De infographic zegt niets over “{USER_WORD}”. Het dichtst in de buurt komen:\n\n"
        + "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
        + "\n\nAntwoord met het nummer als een daarvan je vraag beantwoordt."
    )
    return build(
        "fallback",
        "Daar zegt de infographic niets over",
        noted(decision, body),
        options=labels,
        option_ids=tuple(match.entry.id for match in decision.options),
        contacts=knowledge.contacts,
        decision=decision,
        quoted=quote_user_text(question) or None,
        # The body is fixed and knowledge text but for the user's word: rendered through the
        # knowledge caches, which never see the word (it is filled in afterwards, escaped).
        knowledge_body=True,
        user_word=decision.uncovered[0],
    )


def render_no_open_choice(text: str) -> Reply:
    """A bare number while no "Bedoel je" list is open: say so, without the full fallback."""
    quoted = escape_markdown(quote_user_text(text))
    body = (
        f"Er staat geen keuzelijst open waar “{quoted}” bij hoort. Stel je vraag in woorden, "
        "bijvoorbeeld: “mag een boa online rondkijken?”"
    )
    return build("fallback", "", body)
