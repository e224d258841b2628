"""What goes under an answer: the infographic's legal note (only for "may they ...?"
questions) and the contact addresses."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.models import Contact
from bot.text import fold

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
CONTACTS_HEADING = "Contactadressen uit de infographic:"


def needs_legal_note(question: str) -> bool:
    return bool(_LEGAL_CUES.search(fold(question)))


def contacts_markdown(contacts: Sequence[Contact]) -> str:
    return "\n".join(
        f"- {contact.name}: [{contact.email}](mailto:{contact.email})" for contact in contacts
    )


def contacts_plain(contacts: Sequence[Contact]) -> str:
    return "\n".join(f"- {contact.name}: {contact.email}" for contact in contacts)
