"""Entries in their YAML files, edited round-trip: comments, order and quoting stay.

ruamel.yaml keeps what an editor wrote by hand (comments, key order, quoted strings, the
flow-style keyword lists); only the fields the form changed are touched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.models import Entry
from bot.safe_yaml import MAX_FILE_BYTES, YamlProblem, decode, parse_yaml

# Whether the knowledge knows the optional one- or two-sentence ``lead`` yet.
FIELD_ORDER = (
    "id",
    "partner",
    "topic",
    "question",
    "lead",
    "alternates",
    "keywords",
    "answer",
    "source",
    "contacts",
)


class EntryFileError(Exception):
    """The entry file cannot be edited as asked (unreadable, or the entry is gone)."""


@dataclass(frozen=True)
class EntryForm:
    """What the edit form holds, already split into lists and trimmed."""

    id: str
    partner: str
    topic: str
    question: str
    alternates: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    source: str
    contacts: tuple[str, ...] = ()
    lead: str = ""

    @classmethod
    def from_entry(cls, entry: Entry) -> EntryForm:
        return cls(
            id=entry.id,
            partner=entry.partner,
            topic=entry.topic,
            question=entry.question,
            alternates=entry.alternates,
            keywords=entry.keywords,
            answer=entry.answer,
            source=entry.source,
            contacts=entry.contacts,
            lead=entry.lead,
        )

    def to_entry(self, file: str = "", line: int = 0) -> Entry:
        """An unvalidated Entry for the preview."""
        return Entry(
            id=self.id,
            partner=self.partner,
            topic=self.topic,
            question=self.question,
            alternates=self.alternates,
            keywords=self.keywords,
            answer=self.answer,
            source=self.source,
            contacts=self.contacts,
            lead=self.lead,
            file=file,
            line=line,
        )


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line an editor wrote on one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def entry_file(root: Path, partner: str) -> Path:
    """Where a partner's entries live (the loader requires it)."""
    return root / "entries" / f"{partner}.yaml"


def _within_limits(text: str) -> None:
    """Refuse a text the knowledge loader would refuse for its size, depth or aliases.

    ruamel.yaml has no such limits: a few lines of aliases ("billion laughs"), thousands of
    nesting levels or megabytes of junk would cost the console memory, a RecursionError or
    minutes while holding the save lock. The bounded, non-recursive reader of the loader
    looks at the text first, so ruamel only ever sees what the bot itself would read.
    """
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise EntryFileError(
            f"het bestand is te groot om te bewerken (de grens is {MAX_FILE_BYTES / 1e6:.1f} MB)"
        )
    try:
        parse_yaml(text)
    except YamlProblem as problem:
        where = f" (regel {problem.line})" if problem.line else ""
        raise EntryFileError(f"het bestand is geen geldige YAML{where}: {problem.dutch}") from None


def _load(text: str) -> CommentedMap:
    _within_limits(text)
    try:
        data = _yaml().load(text) if text.strip() else None
    except YAMLError as error:
        raise EntryFileError(f"het bestand is geen geldige YAML: {error}") from None
    if data is None:
        data = CommentedMap([("entries", CommentedSeq())])
    if not isinstance(data, CommentedMap) or not isinstance(data.get("entries"), list):
        raise EntryFileError("het bestand heeft geen lijst 'entries:'")
    return data


def _find(entries: list[Any], entry_id: str) -> CommentedMap | None:
    for item in entries:
        if isinstance(item, CommentedMap) and str(item.get("id")) == entry_id:
            return item
    return None


def _text(value: str, like: object) -> object:
    """A scalar in the style the file used for that field (double quotes stay quotes)."""
    if "\n" in value:
        return LiteralScalarString(value.rstrip() + "\n")
    if isinstance(like, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(value)
    return value


def _list(values: tuple[str, ...], like: object, flow: bool) -> CommentedSeq:
    if isinstance(like, CommentedSeq):
        quoted = any(isinstance(item, DoubleQuotedScalarString) for item in like)
        seq = like
        del seq[:]
    else:
        seq = CommentedSeq()
        quoted = not flow
        if flow:
            seq.fa.set_flow_style()
    seq.extend(DoubleQuotedScalarString(v) if quoted else v for v in values)
    return seq


def _set_fields(item: CommentedMap, form: EntryForm) -> None:
    values: dict[str, object] = {
        "id": form.id,
        "partner": form.partner,
        "topic": form.topic,
        "question": form.question,
        "lead": form.lead,
        "alternates": form.alternates,
        "keywords": form.keywords,
        "answer": form.answer,
        "source": form.source,
        "contacts": form.contacts,
    }
    for key in FIELD_ORDER:
        if key not in values:
            continue
        value = values[key]
        if key in ("lead", "contacts") and not value:
            item.pop(key, None)  # optional and empty: leave it out of the file
            continue
        current = item.get(key)
        if isinstance(value, tuple):
            new: object = _list(value, current, flow=key in ("keywords", "contacts"))
        else:
            text = str(value)
            if key == "answer":
                new = LiteralScalarString(text.rstrip() + "\n")
            else:
                new = _text(text, current)
        if key in item:
            item[key] = new
        else:
            item.insert(_position(item, key), key, new)


def _position(item: CommentedMap, key: str) -> int:
    """Where a missing key goes: after the keys that come before it in FIELD_ORDER."""
    before = FIELD_ORDER[: FIELD_ORDER.index(key)]
    keys = list(item.keys())
    return max((keys.index(k) + 1 for k in before if k in keys), default=0)


def apply_entry(text: str, form: EntryForm, original_id: str | None) -> str:
    """The file's text with the entry changed (``original_id``) or added (None)."""
    data = _load(text)
    entries = data["entries"]
    if original_id is None:
        item = CommentedMap()
        _set_fields(item, form)
        entries.append(item)
    else:
        found = _find(entries, original_id)
        if found is None:
            raise EntryFileError(f"entry '{original_id}' staat niet meer in dit bestand")
        _set_fields(found, form)
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def field_lines(text: str, entry_id: str) -> dict[str, tuple[int, int]]:
    """For each field of an entry, its first and last line (1-based) in ``text``."""
    try:
        _within_limits(text)
        data = _yaml().load(text)
    except (YAMLError, EntryFileError):
        return {}
    entries = data.get("entries") if isinstance(data, CommentedMap) else None
    if not isinstance(entries, list):
        return {}
    item = _find(entries, entry_id)
    if item is None:
        return {}
    index = entries.index(item)
    after = entries[index + 1] if index + 1 < len(entries) else None
    end = after.lc.line if isinstance(after, CommentedMap) else len(text.splitlines())
    starts = sorted((item.lc.key(key)[0] + 1, str(key)) for key in item)
    lines: dict[str, tuple[int, int]] = {}
    for number, (start, key) in enumerate(starts):
        last = starts[number + 1][0] - 1 if number + 1 < len(starts) else end
        lines[key] = (start, max(start, last))
    return lines


def read_text(path: Path) -> str:
    """The file's text ("" when it does not exist yet), never more than the loader reads."""
    try:
        if not path.exists():
            return ""
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EntryFileError(
                f"{path.name} is te groot om te bewerken (de grens is "
                f"{MAX_FILE_BYTES / 1e6:.1f} MB)"
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise EntryFileError(f"{path.name} is niet te lezen: {error.strerror}") from None
    if len(data) > MAX_FILE_BYTES:  # grew since stat
        raise EntryFileError(f"{path.name} is te groot om te bewerken")
    try:
        return decode(data)
    except YamlProblem as problem:
        raise EntryFileError(f"{path.name} is niet te lezen: {problem.dutch}") from None
