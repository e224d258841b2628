"""Reading and parsing: bytes to UTF-8 text to ``Located`` values, built from the parser's
events without recursion, within the size, depth and value limits."""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from bot.safe_yaml.problem import (
    DEPTH_HINT,
    GENERAL_HINT,
    MAX_DEPTH,
    MAX_VALUES,
    YamlProblem,
    reader_problem,
    tag_problem,
    too_big,
    too_many,
    translate,
)

MAX_FILE_BYTES = 2_000_000  # the largest shipped file is 30 kB

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
            raise too_big(info.st_size, max_bytes)
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
        raise too_big(len(data), max_bytes)
    return parse_yaml(decode(data))


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed); anything else names the line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and b"\x00" in data[:2]):
        raise YamlProblem(
            1,
            "het bestand is opgeslagen als UTF-16",
            "sla het op als UTF-8 (in Kladblok: Opslaan als, Codering: UTF-8)",
            "the file is UTF-16; save it as UTF-8",
            local=False,
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
            local=False,
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
        raise translate(error, text) from None
    except yaml.reader.ReaderError as error:
        raise reader_problem(error, text) from None
    except yaml.YAMLError as error:  # no mark: rare parser states
        raise YamlProblem(0, "geen geldige YAML", GENERAL_HINT, f"invalid YAML: {error}") from None
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
                    local=False,
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
                raise tag_problem(str(event.tag), line)
            if len(stack) >= MAX_DEPTH:
                raise YamlProblem(
                    line,
                    f"te diep genest (meer dan {MAX_DEPTH} niveaus)",
                    DEPTH_HINT,
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
            raise too_many(line, isinstance(event, yaml.AliasEvent))
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
            raise tag_problem(tag, line) from None
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
