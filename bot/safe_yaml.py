"""Read one YAML file into plain values that remember their line, within fixed bounds.

Knowledge and config files are written by people and may be hostile or simply broken, so
this reader, unlike ``yaml.safe_load``:

- keeps nothing between reads: each read has its own constructor, dropped afterwards (a
  module-level loader used to keep every constructed object, 1.7 MB per knowledge load);
- uses libyaml's parser (``CSafeLoader``) when it is installed, the pure-Python one
  otherwise; the events both give carry line numbers, and the tree is built from them
  here, without recursion;
- bounds the work: file size, nesting depth and the number of values after expanding
  aliases (a "billion laughs" is a few lines that expand to 10^9 values) are limited, and
  each limit fails at once with its own message;
- reports every failure as a ``YamlProblem``: a line, a Dutch message with a hint for the
  editors who keep the knowledge, and the English detail for operators' logs.

A leaf module: it imports nothing from the bot (``bot.config`` uses it too).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

MAX_FILE_BYTES = 2_000_000  # the largest shipped file is 30 kB
MAX_DEPTH = 40  # knowledge and config need 5 levels
MAX_VALUES = 200_000  # values after expanding aliases (the shipped knowledge has ~3,000)

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()  # stateless for resolve(); holds the implicit tag rules
_STANDARD_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}


@dataclass
class Located:
    """A YAML value with the line it starts on (1-based). A mapping's value is a
    ``dict[str, Located]`` (keys as written), a sequence's a ``list[Located]``."""

    value: Any
    line: int
    # Keys written twice in this mapping (the first one is kept): (key, line) each.
    duplicates: list[tuple[str, int]] = field(default_factory=list)


class YamlProblem(Exception):
    """A file that cannot be read as YAML; ``line`` is 0 when no line is to blame."""

    def __init__(self, line: int, dutch: str, hint: str, english: str) -> None:
        self.line = line
        self.dutch = dutch
        self.hint = hint
        self.english = english
        super().__init__(english)

    def for_editors(self) -> str:
        """The Dutch message with its hint, for ``partnerbot check`` and the admin room."""
        return f"YAML-fout: {self.dutch}" + (f". Tip: {self.hint}" if self.hint else "")


def read_yaml_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Located | None:
    """Read and parse one file; None for a file holding no value at all."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise YamlProblem(
                0,
                "dit is een map, geen bestand",
                "geef de map een naam die niet op .yaml eindigt",
                "is a folder, not a file",
            )
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise YamlProblem(0, "dit is geen gewoon bestand", "", "is not a regular file")
        if info.st_size > max_bytes:
            raise _too_big(info.st_size, max_bytes)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise YamlProblem(
            0,
            f"het bestand kan niet gelezen worden ({reason})",
            "controleer de rechten, en of een snelkoppeling (symlink) naar een bestaand "
            "bestand wijst",
            f"cannot read: {reason}",
        ) from None
    if len(data) > max_bytes:  # grew since stat
        raise _too_big(len(data), max_bytes)
    return parse_yaml(decode(data))


def _too_big(size: int, limit: int) -> YamlProblem:
    return YamlProblem(
        0,
        f"het bestand is te groot ({size / 1e6:.1f} MB; de grens is {limit / 1e6:.1f} MB)",
        "verdeel de inhoud over meerdere bestanden",
        f"file too large ({size:,} bytes; the limit is {limit:,})",
    )


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed); anything else names the line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:2]):
        raise YamlProblem(
            1,
            "het bestand is opgeslagen als UTF-16",
            "sla het op als UTF-8 (in Kladblok: Opslaan als, Codering: UTF-8)",
            "the file is UTF-16; save it as UTF-8",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise YamlProblem(
            line,
            f"deze regel bevat een teken dat geen UTF-8 is (byte 0x{byte:02X})",
            "sla het bestand op als UTF-8 (in Kladblok: Opslaan als, Codering: UTF-8)",
            f"not UTF-8 text (byte 0x{byte:02X})",
        ) from None


@dataclass
class _Open:
    """A sequence or mapping being built, with the pending key of a mapping."""

    node: Located
    is_mapping: bool
    anchor: str | None
    size: int = 1  # values in this subtree, aliases expanded
    key: tuple[str, int] | None = None


def parse_yaml(text: str) -> Located | None:
    """Parse one YAML document into ``Located`` values; None when it holds nothing."""
    parser = _Loader(text)
    try:
        return _build(parser, text)
    except yaml.MarkedYAMLError as error:
        raise _translate(error, text) from None
    except yaml.reader.ReaderError as error:
        raise _reader_problem(error, text) from None
    except yaml.YAMLError as error:  # no mark: rare parser states
        raise YamlProblem(0, "geen geldige YAML", _GENERAL_HINT, f"invalid YAML: {error}") from None
    finally:
        parser.dispose()


def _build(parser: Any, text: str) -> Located | None:
    # Each read gets its own constructor: it remembers every node it turned into a value.
    constructor = SafeConstructor()
    anchors: dict[str, tuple[Located, int]] = {}
    stack: list[_Open] = []
    root: Located | None = None
    documents = 0
    total = 0
    while parser.check_event():
        event = parser.get_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlProblem(
                    line,
                    "het bestand bevat meer dan één document",
                    "verwijder de regel '---' halverwege het bestand",
                    f"more than one document (line {line})",
                )
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                anchors[done.anchor] = (done.node, done.size)
            root = _attach(stack, done.node, done.size, line) or root
            continue
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise YamlProblem(
                    line,
                    f"de verwijzing '*{event.anchor}' bestaat niet",
                    "een waarde die met '*' begint is in YAML een verwijzing: zet de tekst "
                    "tussen aanhalingstekens",
                    f"undefined alias '*{event.anchor}'",
                )
            node, size = anchors[event.anchor]
        elif isinstance(event, yaml.ScalarEvent):
            if stack and stack[-1].is_mapping and stack[-1].key is None:
                # Keys stay as written: "ja:", "on:" and "1:" are names, not booleans or
                # numbers (YAML 1.1 would read them so).
                stack[-1].key = (event.value, line)
                total += 1
                continue
            node, size = Located(_scalar(constructor, event, line), line), 1
        elif isinstance(event, yaml.CollectionStartEvent):
            if event.tag not in _STANDARD_COLLECTION_TAGS:
                raise _tag_problem(str(event.tag), line)
            if len(stack) >= MAX_DEPTH:
                raise YamlProblem(
                    line,
                    f"te diep genest (meer dan {MAX_DEPTH} niveaus)",
                    _DEPTH_HINT,
                    f"nested deeper than {MAX_DEPTH} levels",
                )
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            located = Located({} if is_mapping else [], line)
            stack.append(_Open(located, is_mapping, event.anchor))
            total += 1
            continue
        else:  # stream and document ends
            continue
        total += size
        if total > MAX_VALUES:
            raise _too_many(line, isinstance(event, yaml.AliasEvent))
        if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
            anchors[event.anchor] = (node, 1)
        root = _attach(stack, node, size, line) or root
    return root


def _attach(stack: list[_Open], node: Located, size: int, line: int) -> Located | None:
    """Put a finished value into the collection being built; the value itself at the top."""
    if not stack:
        return node
    parent = stack[-1]
    parent.size += size
    if not parent.is_mapping:
        parent.node.value.append(node)
    elif parent.key is None:
        if isinstance(node.value, dict | list):
            raise YamlProblem(
                line,
                "een veldnaam moet tekst zijn, geen lijst of blok",
                "staat er een '?' of '[' aan het begin van een regel? Zet de tekst tussen "
                "aanhalingstekens",
                "a mapping key must be text",
            )
        parent.key = (str(node.value), line)  # a key given by an alias
    else:
        key, key_line = parent.key
        parent.key = None
        if key in parent.node.value:
            parent.node.duplicates.append((key, key_line))
        else:
            parent.node.value[key] = node
    return None


def _scalar(constructor: SafeConstructor, event: Any, line: int) -> object:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return constructor.construct_object(node)
    except yaml.constructor.ConstructorError as error:
        if "could not determine a constructor" in str(error):
            raise _tag_problem(tag, line) from None
        raise YamlProblem(
            line,
            f"deze waarde kan niet gelezen worden ({error.problem})",
            "zet de tekst tussen aanhalingstekens",
            f"bad value: {error.problem}",
        ) from None
    except (ValueError, TypeError, OverflowError) as error:  # e.g. the date 2024-13-45
        raise YamlProblem(
            line,
            f"'{event.value}' lijkt een datum of getal maar is ongeldig",
            "zet de tekst tussen aanhalingstekens",
            f"bad value {event.value!r}: {error}",
        ) from None


def _too_many(line: int, by_alias: bool) -> YamlProblem:
    limit = f"{MAX_VALUES:_}".replace("_", ".")
    if by_alias:
        return YamlProblem(
            line,
            f"deze verwijzing herhaalt te veel: meer dan {limit} waarden in totaal",
            "gebruik geen verwijzingen (&naam en *naam); schrijf de tekst voluit",
            f"more than {MAX_VALUES:,} values after expanding aliases",
        )
    return YamlProblem(
        line,
        f"het bestand bevat te veel waarden (meer dan {limit})",
        "verdeel de inhoud over meerdere bestanden",
        f"more than {MAX_VALUES:,} values",
    )


def _tag_problem(tag: str, line: int) -> YamlProblem:
    return YamlProblem(
        line,
        f"het label '{tag}' is niet toegestaan",
        "een waarde die met '!' begint is in YAML een label: zet de tekst tussen aanhalingstekens",
        f"tag {tag!r} is not allowed",
    )


# --- Dutch messages for the parser's errors -------------------------------------------

_GENERAL_HINT = (
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

_DEPTH_HINT = "de kennisbank heeft maar een paar niveaus nodig; controleer de inspringing"
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
    ("<document start>", "hier verwacht YAML het begin van het bestand", _GENERAL_HINT),
    ("did not find expected node content", "hier ontbreekt een waarde", _GENERAL_HINT),
    # libyaml's own depth limit (1,000 levels of '[' or '{'), before ours applies.
    ("maximum nesting depth", f"te diep genest (meer dan {MAX_DEPTH} niveaus)", _DEPTH_HINT),
)


def _translate(error: yaml.MarkedYAMLError, text: str) -> YamlProblem:
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
    return YamlProblem(line, f"onverwacht ({problem or context})", _GENERAL_HINT, english)


def _reader_problem(error: yaml.reader.ReaderError, text: str) -> YamlProblem:
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
