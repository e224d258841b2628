"""Report every syntax error of a list file, not only the first.

A YAML parser stops at its first error, so an editor fixing a file would see one mistake per
run of ``partnerbot check``. Knowledge files are one top-level key holding a list of items
(``entries:``, ``partners:`` ...), so after an error each item is parsed on its own, at its
own lines: every broken item is reported, and the intact ones are returned so that their
validation problems can be reported in the same run. Each problem inside an item names that
item's ``id`` (when it has a readable one), as validation problems name their entry.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from bot.safe_yaml.problem import YamlProblem
from bot.safe_yaml.reader import Located, decode, parse_yaml, read_yaml_file

_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*):\s*(?:#.*)?$")
_ITEM = re.compile(r"^( *)-(?: |$)")
# An item's own ``id:`` key, on its first line ("- id: x") or at its keys' indentation.
_ID_VALUE = r"id:[ \t]*(['\"]?)([\w.-]+)\1[ \t]*(?:#.*)?$"


def read_with_recovery(path: Path) -> tuple[Located | None, list[YamlProblem]]:
    """The file's values and its problems. Without problems the values are complete; with
    them, they hold the items that parsed (None when nothing could be recovered)."""
    try:
        return read_yaml_file(path), []
    except YamlProblem as problem:
        first = problem
    if first.line == 0 or not first.local:
        return None, [first]  # unreadable, or a problem of the whole file
    try:
        text = decode(path.read_bytes())
    except (OSError, YamlProblem):
        return None, [first]
    recovered = recover_items(text)
    if recovered is None or not recovered[1]:
        # Not a list file, or the error only shows across items: the whole-file message.
        first.item = _item_at(text, first.line)
        return None, [first]
    return recovered  # each problem already names the item it was found in


def _item_at(text: str, line: int) -> str | None:
    """The id of the list item holding ``line`` (1-based), or None."""
    lines = text.splitlines()
    header = _header(lines)
    starts = _item_starts(lines, header) if header is not None else None
    if not starts or line <= 0:
        return None
    position = bisect.bisect_right(starts, line - 1) - 1  # the last item starting above
    if position < 0:
        return None
    ends = [*starts[1:], len(lines)]
    return _item_id(lines[starts[position] : ends[position]])


def _item_id(lines: list[str]) -> str | None:
    """The ``id`` an item's own lines give it, or None."""
    first = _ITEM.match(lines[0])
    if first is None:
        return None
    dash = first.group(1)
    found = re.match(rf"{dash}-[ \t]+{_ID_VALUE}", lines[0].rstrip("\r\n"))
    keys = " " * (len(dash) + 2)
    for line in lines[1:]:
        if found is not None:
            break
        found = re.match(rf"{keys}{_ID_VALUE}", line.rstrip("\r\n"))
    return found.group(2) if found is not None else None


def recover_items(text: str) -> tuple[Located, list[YamlProblem]] | None:
    """Parse each item of a ``key:`` + block-list file on its own; None for another shape."""
    lines = text.splitlines(keepends=True)
    header = _header(lines)
    key = _TOP_KEY.match(lines[header].rstrip("\n")) if header is not None else None
    if header is None or key is None:
        return None
    starts = _item_starts(lines, header)
    if not starts:
        return None
    items: list[Located] = []
    problems: list[YamlProblem] = []
    ends = [*starts[1:], len(lines)]
    for start, end in zip(starts, ends, strict=True):
        # The key line and the item alone, then moved to the item's lines in the file:
        # its first line is line 2 here.
        shift = start - 1
        try:
            node = parse_yaml(lines[header] + "".join(lines[start:end]))
        except YamlProblem as problem:
            problem.line += shift if problem.line > 1 else 0
            problem.item = _item_id(lines[start:end])
            problems.append(problem)
            continue
        value = node.value.get(key.group(1)) if node is not None else None
        if value is not None and isinstance(value.value, list):
            for item in value.value:
                _move(item, shift)
            items.extend(value.value)
    listed = Located(items, starts[0] + 1)
    return Located({key.group(1): listed}, header + 1), problems


def _move(node: Located, shift: int) -> None:
    """Add ``shift`` to the line of a value and of everything in it (no recursion)."""
    todo = [node]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:  # an alias: the same value twice
            continue
        seen.add(id(current))
        current.line += shift
        current.duplicates = [(key, line + shift) for key, line in current.duplicates]
        if isinstance(current.value, dict):
            todo.extend(current.value.values())
        elif isinstance(current.value, list):
            todo.extend(current.value)


def _header(lines: list[str]) -> int | None:
    """The index of the single top-level key line, preceded only by comments."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return index if _TOP_KEY.match(line.rstrip("\n")) else None
    return None


def _item_starts(lines: list[str], header: int) -> list[int] | None:
    """Indices of the lines starting a list item; None when another top-level key follows."""
    starts: list[int] = []
    indent: str | None = None
    for index in range(header + 1, len(lines)):
        line = lines[index]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            return None  # a second top-level key: not a one-list file
        found = _ITEM.match(line)
        if found is not None and (indent is None or found.group(1) == indent):
            indent = found.group(1)
            starts.append(index)
    return starts
