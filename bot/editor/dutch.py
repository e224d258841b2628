"""Knowledge problems in Dutch, for editors who are not programmers.

The loader's messages are English (they are also for the log and ``partnerbot check``); each
known shape is translated here and anything unknown is shown as it is.
"""

from __future__ import annotations

import re

from bot.knowledge import Problem

FIELD_NAMES = {
    "id": "Id",
    "partner": "Partner",
    "topic": "Onderwerp",
    "question": "Vraag",
    "lead": "Inleiding",
    "alternates": "Andere formuleringen",
    "keywords": "Trefwoorden",
    "answer": "Antwoord",
    "source": "Bron",
    "contacts": "Contacten",
}

_KINDS = {"a mapping": "een mapping", "a list": "een lijst", "empty": "leeg"}


def _field(name: str) -> str:
    return f"'{FIELD_NAMES.get(name, name)}'"


_RULES: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(r"^cannot read: (?P<a>.*)$"), "kan het bestand niet lezen: {a}"),
    (re.compile(r"^not UTF-8 text: (?P<a>.*)$"), "het bestand is geen UTF-8-tekst ({a})"),
    (re.compile(r"^YAML syntax: (?P<a>.*)$"), "de YAML klopt niet: {a}"),
    (re.compile(r"^the file is empty$"), "het bestand is leeg"),
    (
        re.compile(r"^not read: entry files go directly in entries/, not in a subfolder$"),
        "dit bestand wordt niet gelezen: entry-bestanden staan direct in de map entries, "
        "niet in een submap",
    ),
    (re.compile(r"^field '(?P<f>[^']+)' appears twice$"), "het veld {F} staat er twee keer"),
    (
        re.compile(r"^top-level key '(?P<a>[^']+)' appears twice$"),
        "'{a}:' staat twee keer bovenaan het bestand",
    ),
    (re.compile(r"^unknown top-level key '(?P<a>[^']+)'$"), "onbekende sleutel bovenaan: '{a}'"),
    (re.compile(r"^'(?P<f>[^']+)' appears twice$"), "{F} staat er twee keer"),
    (re.compile(r"^each item of '(?P<a>\w+)' is a mapping$"), "elk item van '{a}' is een mapping"),
    (
        re.compile(r"^unknown field '(?P<f>[^']+)' \(allowed: (?P<a>.*)\)$"),
        "onbekend veld {F} (toegestaan: {a})",
    ),
    (re.compile(r"^missing field '(?P<f>[^']+)'$"), "het veld {F} ontbreekt"),
    (re.compile(r"^'(?P<f>[^']+)' must be text, not (?P<a>.*)$"), "{F} moet tekst zijn"),
    (re.compile(r"^'(?P<f>[^']+)' is empty$"), "{F} is leeg: vul het in"),
    (re.compile(r"^'(?P<f>[^']+)' must be a list, not (?P<a>.*)$"), "{F} moet een lijst zijn"),
    (re.compile(r"^'(?P<f>[^']+)' items must be text.*$"), "elke regel van {F} moet tekst zijn"),
    (re.compile(r"^'(?P<f>[^']+)' has an empty item$"), "{F} heeft een lege regel"),
    (
        re.compile(r"^'(?P<f>[^']+)' needs at least (?P<a>\d+) items, has (?P<b>\d+)$"),
        "{F} heeft te weinig regels: minstens {a} nodig, nu {b}",
    ),
    (
        re.compile(r"^id '(?P<a>[^']*)' may only hold .*$"),
        "het id '{a}' mag alleen kleine letters a-z, cijfers en losse koppeltekens bevatten",
    ),
    (
        re.compile(r"^unknown partner '(?P<a>[^']*)' \(known: (?P<b>.*)\)$"),
        "onbekende partner '{a}' (bekend: {b})",
    ),
    (
        re.compile(r"^partner '(?P<a>[^']*)' does not belong in (?P<b>.*)$"),
        "partner '{a}' hoort niet in {b}",
    ),
    (
        re.compile(r"^unknown topic '(?P<a>[^']*)' \(known: (?P<b>.*)\)$"),
        "onbekend onderwerp '{a}' (bekend: {b})",
    ),
    (
        re.compile(r"^contact '(?P<a>[^']*)' is not defined in contacts.yaml$"),
        "contact '{a}' staat niet in contacts.yaml",
    ),
    (
        re.compile(r"^duplicate id; first defined at (?P<a>.*)$"),
        "dit id bestaat al (eerst in {a}); kies een ander id",
    ),
    (re.compile(r"^duplicate (?P<a>\w+) id '(?P<b>.*)'$"), "dubbel id '{b}'"),
    (
        re.compile(r"^question '(?P<a>.*)' is also on entry '(?P<b>[^']*)' \((?P<c>.*)\)$"),
        "de vraag '{a}' staat ook bij entry '{b}' ({c}); een vraag mag maar bij één entry",
    ),
    (re.compile(r"^expected a top-level '(?P<a>\w+):' list$"), "bovenaan hoort de lijst '{a}:'"),
    (re.compile(r"^no entry files.*$"), "er zijn geen entry-bestanden"),
    (re.compile(r"^the knowledge holds no entries$"), "de kennisbank heeft geen entries"),
    (re.compile(r"^is not a folder$"), "is geen map"),
]


def dutch_message(message: str) -> str:
    for pattern, template in _RULES:
        found = pattern.match(message)
        if found and template is not None:
            groups = found.groupdict()
            groups["F"] = _field(groups.get("f") or "")
            for key, value in list(groups.items()):
                groups[key] = _KINDS.get(value, value)
            return template.format(**groups)
    return message


def where(problem: Problem) -> str:
    """'knowledge/entries/politie.yaml, regel 12' (no line when the file has none)."""
    return f"{problem.file}, regel {problem.line}" if problem.line else problem.file
