"""Knowledge problems for the console: the loader already words them in Dutch (the same text
``partnerbot check`` prints); the console only names a field by its form label."""

from __future__ import annotations

import re

from bot.knowledge import Problem

FIELD_NAMES = {
    "id": "Id",
    "partner": "Partner",
    "topic": "Onderwerp",
    "question": "Vraag",
    "lead": "Lead",
    "alternates": "Andere formuleringen",
    "keywords": "Trefwoorden",
    "answer": "Antwoord",
    "source": "Bron",
    "contacts": "Contacten",
}

# The loader writes "het veld 'answer'"; the form shows that field as "Antwoord".
_FIELD = re.compile(r"veld '(?P<key>[a-z]+)'")


def dutch_message(message: str) -> str:
    """``message`` with each field named as the form labels it."""
    return _FIELD.sub(
        lambda found: f"veld '{FIELD_NAMES.get(found['key'], found['key'])}'", message
    )


def where(problem: Problem) -> str:
    """'knowledge/entries/politie.yaml, regel 12' (no line when the file has none)."""
    return f"{problem.file}, regel {problem.line}" if problem.line else problem.file
