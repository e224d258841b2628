"""Checking the fields of one YAML mapping, recording problems instead of raising: the
shared vocabulary of every part of the knowledge."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from bot.knowledge.files import Node
from bot.knowledge.problems import Problem
from bot.text import STOP_WORDS, tokenize


@dataclass
class FieldChecker:
    """Reads typed fields out of one YAML mapping, recording problems instead of raising."""

    file: str
    node: Node
    entry: str | None
    problems: list[Problem]

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, self.entry, message))

    def check_keys(self, required: set[str], optional: set[str]) -> bool:
        fields: dict[str, Node] = self.node.value
        for key, line in self.node.duplicates:
            self.problem(line, f"het veld '{key}' staat er twee keer")
        for key, value in fields.items():
            if key not in required | optional:
                known = required | optional
                allowed = ", ".join(sorted(known))
                self.problem(
                    value.line,
                    f"onbekend veld '{key}' (toegestaan: {allowed}){did_you_mean(key, known)}",
                )
        missing = sorted(required - set(fields))
        for key in missing:
            self.problem(self.node.line, f"het veld '{key}' ontbreekt")
        return not missing

    def text(self, key: str, *, required: bool = True) -> str:
        found = self.node.value.get(key)
        if found is None:
            return ""
        if isinstance(found.value, bool) or not isinstance(found.value, str | int | float):
            self.problem(
                found.line, f"het veld '{key}' moet tekst zijn, niet {kind_of(found.value)}"
            )
            return ""
        value = str(found.value).strip()
        if required and not value:
            self.problem(found.line, f"het veld '{key}' is leeg: vul het in")
        return value

    def text_list(self, key: str, *, minimum: int = 0) -> tuple[tuple[str, int], ...]:
        found = self.node.value.get(key)
        if found is None:
            return ()
        if not isinstance(found.value, list):
            self.problem(
                found.line,
                f"het veld '{key}' moet een lijst zijn, niet {kind_of(found.value)}: "
                "zet elk item op een eigen regel met '- ', of schrijf [een, twee]",
            )
            return ()
        items: list[tuple[str, int]] = []
        for item in found.value:
            if isinstance(item.value, bool) or not isinstance(item.value, str | int | float):
                self.problem(
                    item.line,
                    f"elk item van het veld '{key}' moet tekst zijn, niet {kind_of(item.value)}",
                )
            elif not str(item.value).strip():
                self.problem(item.line, f"het veld '{key}' heeft een leeg item")
            else:
                items.append((str(item.value).strip(), item.line))
        if len(items) < minimum:
            self.problem(
                found.line,
                f"het veld '{key}' heeft te weinig items: "
                f"minstens {minimum} nodig, nu {len(items)}",
            )
        return tuple(items)


def matchable(phrase: str) -> bool:
    """Whether a phrase keeps a word after tokenising: "t en h" keeps only the stop word
    "en", and as an alias it would make every "en" name a partner."""
    return any(token not in STOP_WORDS for token in tokenize(phrase))


def kind_of(value: object) -> str:
    if isinstance(value, dict):
        return "een mapping (regels met 'sleutel: waarde')"
    if isinstance(value, list):
        return "een lijst"
    if value is None:
        return "leeg"
    if isinstance(value, bool):
        return "ja/nee (zet de tekst tussen aanhalingstekens)"
    if isinstance(value, str):
        return "tekst"
    if isinstance(value, int | float):
        return "een getal"
    return f"een waarde van het type {type(value).__name__}"


def top_list(node: Node | None, key: str, file: str, problems: list[Problem]) -> list[Node]:
    """The list under the file's single top-level key, e.g. ``entries:``."""
    if node is None:
        return []
    if not isinstance(node.value, dict) or key not in node.value:
        problems.append(
            Problem(file, node.line, None, f"bovenaan het bestand hoort de lijst '{key}:'")
        )
        return []
    for other, line in node.duplicates:
        problems.append(
            Problem(file, line, None, f"'{other}:' staat twee keer bovenaan het bestand")
        )
    for other, value in node.value.items():
        if other != key:
            problems.append(
                Problem(
                    file, value.line, None, f"onbekende sleutel bovenaan het bestand: '{other}'"
                )
            )
    items = node.value[key]
    if not isinstance(items.value, list):
        problems.append(Problem(file, items.line, None, f"'{key}' moet een lijst zijn"))
        return []
    valid: list[Node] = []
    for item in items.value:
        if isinstance(item.value, dict):
            valid.append(item)
        else:
            problems.append(
                Problem(file, item.line, None, f"elk item van '{key}' moet een mapping zijn")
            )
    return valid


def id_list(ids: Iterator[str] | set[str] | Mapping[str, str]) -> str:
    return ", ".join(sorted(ids))


def did_you_mean(value: object, known: Iterable[str]) -> str:
    """ "; bedoel je 'politie'?" for a near miss ("polite", "qeustion"), else ""."""
    close = difflib.get_close_matches(str(value), sorted(known), n=1, cutoff=0.75)
    return f"; bedoel je '{close[0]}'?" if close else ""


def report_duplicates(ids: list[tuple[str, str, int]], kind: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for item_id, file, line in ids:
        if item_id and item_id in seen:
            problems.append(
                Problem(file, line, item_id, f"het {kind}-id '{item_id}' staat er twee keer")
            )
        seen.add(item_id)
