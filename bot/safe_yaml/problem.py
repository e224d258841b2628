"""``YamlProblem`` and its Dutch wording: each parser error becomes a line, a Dutch message
with a hint for the editors who keep the knowledge, and the English detail for operators."""

from __future__ import annotations

import yaml

MAX_DEPTH = 40  # knowledge and config need 5 levels
MAX_VALUES = 200_000  # values after expanding aliases (the shipped knowledge has ~3,000)


class YamlProblem(Exception):
    """A file that cannot be read as YAML; ``line`` is 0 when no line is to blame."""

    def __init__(
        self, line: int, dutch: str, hint: str, english: str, *, local: bool = True
    ) -> None:
        self.line = line
        self.dutch = dutch
        self.hint = hint
        self.english = english
        # False for a problem of the whole file (size, encoding, too many values): reading
        # its parts one by one would not find anything else.
        self.local = local
        # The ``id`` of the list item (entry, partner, contact) holding ``line``, when the
        # file is a list and that item names one: set by ``read_with_recovery``.
        self.item: str | None = None
        super().__init__(english)

    def for_editors(self) -> str:
        """The Dutch message with its hint, for ``partnerbot check`` and the admin room."""
        return f"YAML-fout: {self.dutch}" + (f". Tip: {self.hint}" if self.hint else "")


def too_big(size: int, limit: int) -> YamlProblem:
    return YamlProblem(
        0,
        f"het bestand is te groot ({size / 1e6:.1f} MB; de grens is {limit / 1e6:.1f} MB)",
        "verdeel de inhoud over meerdere bestanden",
        f"file too large ({size:,} bytes; the limit is {limit:,})",
        local=False,
    )


def too_many(line: int, by_alias: bool) -> YamlProblem:
    limit = f"{MAX_VALUES:_}".replace("_", ".")
    if by_alias:
        return YamlProblem(
            line,
            f"deze verwijzing herhaalt te veel: meer dan {limit} waarden in totaal",
            "gebruik geen verwijzingen (&naam en *naam); schrijf de tekst voluit",
            f"more than {MAX_VALUES:,} values after expanding aliases",
            local=False,
        )
    return YamlProblem(
        line,
        f"het bestand bevat te veel waarden (meer dan {limit})",
        "verdeel de inhoud over meerdere bestanden",
        f"more than {MAX_VALUES:,} values",
        local=False,
    )


def tag_problem(tag: str, line: int) -> YamlProblem:
    return YamlProblem(
        line,
        f"het label '{tag}' is niet toegestaan",
        "een waarde die met '!' begint is in YAML een label: zet de tekst tussen aanhalingstekens",
        f"tag {tag!r} is not allowed",
    )


# --- Dutch messages for the parser's errors -------------------------------------------

GENERAL_HINT = (
    "controleer de inspringing (spaties, geen tabs) en zet tekst met ':', '#', of een "
    "'*', '&', '!', '@', '[', '{' aan het begin tussen aanhalingstekens"
)
_INDENT_HINT = (
    "de velden van één entry staan allemaal even ver ingesprongen en elke entry begint met "
    "'- ' op dezelfde hoogte; controleer deze regel en de regel erboven"
)
_QUOTE_HINT = (
    "zet de hele tekst tussen enkele aanhalingstekens ('...') of gebruik '|' voor een blok"
)

DEPTH_HINT = "de kennisbank heeft maar een paar niveaus nodig; controleer de inspringing"
_TAB_HINT = "spring in met spaties, niet met tabs"

# (a piece of PyYAML's or libyaml's English problem text, the Dutch message, the hint)
_TRANSLATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "mapping values are not allowed",
        "hier staat een dubbele punt die YAML als nieuw veld leest",
        f"staat er ': ' in een tekst? {_QUOTE_HINT.capitalize()}. Of klopt de inspringing niet?",
    ),
    (
        "could not find expected ':'",
        "hier ontbreekt een dubbele punt na de veldnaam",
        "elk veld is 'naam: waarde'; loopt een tekst over meerdere regels, begin hem dan met "
        "'|' of zet hem tussen aanhalingstekens",
    ),
    ("did not find expected key", "de inspringing klopt niet", _INDENT_HINT),
    ("expected <block end>", "de inspringing klopt niet", _INDENT_HINT),
    ("did not find expected '-' indicator", "de inspringing klopt niet", _INDENT_HINT),
    ("tab character", "hier staat een tab", _TAB_HINT),
    (
        "unknown escape character",
        "een '\\' tussen dubbele aanhalingstekens die YAML niet kent",
        "gebruik enkele aanhalingstekens ('...'), daarin betekent '\\' niets bijzonders",
    ),
    (
        "alphabetic or numeric character",
        "een '*' of '&' aan het begin van een waarde is in YAML een verwijzing",
        "zet de tekst tussen aanhalingstekens, bijvoorbeeld '*let op*: ...'",
    ),
    (
        "sequence entries are not allowed",
        "hier mag geen lijstpunt ('- ') staan",
        "een lijst begint op een nieuwe regel onder het veld, verder ingesprongen",
    ),
    ("mapping keys are not allowed", "hier mag geen '?' staan", _QUOTE_HINT),
    (
        "expected ',' or '}'",
        "een '{' wordt niet gesloten",
        "begint de tekst met '{'? " + _QUOTE_HINT.capitalize(),
    ),
    (
        "expected ',' or ']'",
        "een '[' wordt niet gesloten",
        "begint de tekst met '['? " + _QUOTE_HINT.capitalize(),
    ),
    ("directive", "een regel die met '%' begint is een YAML-instructie", _QUOTE_HINT),
    ("<document start>", "hier verwacht YAML het begin van het bestand", GENERAL_HINT),
    ("did not find expected node content", "hier ontbreekt een waarde", GENERAL_HINT),
    # libyaml's own depth limit (1,000 levels of '[' or '{'), before ours applies.
    ("maximum nesting depth", f"te diep genest (meer dan {MAX_DEPTH} niveaus)", DEPTH_HINT),
)


def translate(error: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 0
    problem = str(error.problem or "")
    context = str(error.context or "")
    english = "invalid YAML: " + (f"{context}: {problem}" if context else problem)
    if "quoted scalar" in context and "end of stream" in problem:
        start = error.context_mark.line + 1 if error.context_mark is not None else line
        return YamlProblem(
            start,
            "een aanhalingsteken wordt niet gesloten",
            "de tekst die op deze regel met ' of \" begint mist het sluitende teken; een ' "
            "binnen '...' schrijf je als ''",
            english,
        )
    if "cannot start any token" in problem and mark is not None:
        char = _char_at(text, mark.line, mark.column)
        if char == "\t":
            return YamlProblem(line, "hier staat een tab", _TAB_HINT, english)
        return YamlProblem(line, f"een waarde mag niet met '{char}' beginnen", _QUOTE_HINT, english)
    if "expected ':'" in problem and error.context_mark is not None:
        line = error.context_mark.line + 1  # the line missing it, not the one after
    for needle, dutch, hint in _TRANSLATIONS:
        if needle in problem:
            return YamlProblem(line, dutch, hint, english)
    return YamlProblem(line, f"onverwacht ({problem or context})", GENERAL_HINT, english)


def reader_problem(error: yaml.reader.ReaderError, text: str) -> YamlProblem:
    position = max(0, int(error.position))
    line = text[:position].count("\n") + 1
    char = error.character
    code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
    return YamlProblem(
        line,
        f"deze regel bevat een onzichtbaar stuurteken ({code})",
        "verwijder het teken; het komt vaak mee bij kopiëren uit een ander programma",
        f"a control character ({code})",
    )


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return "?"
