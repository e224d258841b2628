"""The entry files (``entries/<partner>.yaml``), each entry checked against the taxonomy,
partners and contacts, and the checks across entries (ids and questions used twice)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.fields import FieldChecker, did_you_mean, id_list, top_list
from bot.knowledge.files import (
    NESTED_ENTRY_FILE,
    Node,
    display,
    nested_yaml_files,
    read_yaml,
    yaml_files,
)
from bot.knowledge.problems import Problem
from bot.models import Entry
from bot.text import fold

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_ALTERNATES = 5

_ENTRY_REQUIRED = {
    "id",
    "partner",
    "topic",
    "question",
    "alternates",
    "keywords",
    "answer",
    "source",
}
_ENTRY_OPTIONAL = {"contacts", "lead"}
# A lead is one or two sentences a phone shows before "Meer".
MAX_LEAD_CHARS = 400


@dataclass(frozen=True)
class LoadedEntry:
    entry: Entry
    lines: Mapping[str, int]  # the question and each alternate: the line it is on


def load_entries(
    root: Path,
    partner_ids: set[str],
    topics: Mapping[str, str],
    contact_ids: set[str],
    problems: list[Problem],
) -> list[LoadedEntry]:
    entries: list[LoadedEntry] = []
    folder = root / "entries"
    files = yaml_files(folder)
    if not files:
        problems.append(Problem(display(folder, root), 0, None, "geen entry-bestanden (*.yaml)"))
    for nested in nested_yaml_files(folder):
        # Only entries/*.yaml is read: a file in a subfolder would be silently left out.
        problems.append(Problem(display(nested, root), 0, None, NESTED_ENTRY_FILE))
    for path in files:
        file = display(path, root)
        for item in top_list(read_yaml(path, root, problems), "entries", file, problems):
            entry = _load_entry(item, file, path.stem, partner_ids, topics, contact_ids, problems)
            if entry is not None:
                entries.append(entry)
    return entries


def _load_entry(
    item: Node,
    file: str,
    file_partner: str,
    partner_ids: set[str],
    topics: Mapping[str, str],
    contact_ids: set[str],
    problems: list[Problem],
) -> LoadedEntry | None:
    raw_id = item.value.get("id")
    entry_id = str(raw_id.value) if raw_id is not None and raw_id.value is not None else None
    checker = FieldChecker(file, item, entry_id, problems)
    if not checker.check_keys(_ENTRY_REQUIRED, _ENTRY_OPTIONAL):
        return None
    entry_id = checker.text("id")
    if entry_id and not _ID_RE.match(entry_id):
        checker.problem(
            item.line, f"het id '{entry_id}' mag alleen a-z, 0-9 en losse koppeltekens bevatten"
        )
    partner = checker.text("partner")
    if partner and partner_ids and partner not in partner_ids:
        checker.problem(
            item.value["partner"].line,
            f"onbekende partner '{partner}' (bekend: {id_list(partner_ids)})"
            + did_you_mean(partner, partner_ids),
        )
    elif partner and partner != file_partner:
        # Also in a file named after no partner (politie2.yaml): the guide promises one
        # file per partner, and the console files a new entry by its partner.
        other = f", of schrijf partner '{file_partner}'" if file_partner in partner_ids else ""
        checker.problem(
            item.value["partner"].line,
            f"partner '{partner}' hoort niet in {file_partner}.yaml: zet de entry in "
            f"entries/{partner}.yaml{other}",
        )
    topic = checker.text("topic")
    if topic and topics and topic not in topics:
        checker.problem(
            item.value["topic"].line,
            f"onbekend topic '{topic}' (bekend: {id_list(topics)})"
            + (did_you_mean(topic, topics) or "; zet een nieuw onderwerp eerst in taxonomy.yaml"),
        )
    contacts = checker.text_list("contacts")
    for contact, line in contacts:
        if contact not in contact_ids:
            checker.problem(
                line,
                f"contact '{contact}' staat niet in contacts.yaml (bekend: {id_list(contact_ids)})"
                + did_you_mean(contact, contact_ids),
            )
    question = checker.text("question")
    alternates = checker.text_list("alternates", minimum=MIN_ALTERNATES)
    keywords = checker.text_list("keywords", minimum=1)
    lead = checker.text("lead", required="lead" in item.value)
    if "\n\n" in lead:
        checker.problem(
            item.value["lead"].line,
            "het veld 'lead' heeft een lege regel, maar is één alinea: "
            "haal de lege regel weg en zet de rest in het veld 'answer'",
        )
    elif len(lead) > MAX_LEAD_CHARS:
        checker.problem(
            item.value["lead"].line,
            f"het veld 'lead' is {len(lead)} tekens lang, hoogstens {MAX_LEAD_CHARS}: "
            "houd één of twee zinnen over en zet de rest in het veld 'answer'",
        )
    # Each question text's own line, for the check across entries (the first of a repeat).
    lines = {text: line for text, line in reversed(alternates)}
    if "question" in item.value:
        lines[question] = item.value["question"].line
    entry = Entry(
        id=entry_id,
        partner=partner,
        topic=topic,
        question=question,
        alternates=tuple(text for text, _ in alternates),
        keywords=tuple(text for text, _ in keywords),
        answer=checker.text("answer"),
        source=checker.text("source"),
        contacts=tuple(contact for contact, _ in contacts),
        lead=lead,
        file=file,
        line=item.line,
    )
    return LoadedEntry(entry, lines)


def check_across_entries(loaded: list[LoadedEntry], problems: list[Problem]) -> None:
    first_by_id: dict[str, Entry] = {}
    question_owner: dict[str, tuple[Entry, int]] = {}
    for entry, lines in ((item.entry, item.lines) for item in loaded):
        earlier = first_by_id.setdefault(entry.id, entry)
        if earlier is not entry and entry.id:
            problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    entry.id,
                    f"dit id bestaat al (eerst in {earlier.file}:{earlier.line}); "
                    "kies een ander id",
                )
            )
        # The same question text on two entries makes the answer a coin toss.
        # dict.fromkeys: each text once, in file order (a set's order follows the hash seed).
        for text in dict.fromkeys((entry.question, *entry.alternates)):
            key = " ".join(fold(text).split()).rstrip("?!. ")
            line = lines.get(text, entry.line)
            owner, owner_line = question_owner.setdefault(key, (entry, line))
            if owner is not entry and owner.id != entry.id:
                problems.append(
                    Problem(
                        entry.file,
                        line,
                        entry.id,
                        f"de vraag '{text}' staat ook bij entry '{owner.id}' "
                        f"({owner.file}:{owner_line}); een vraag hoort bij één entry: "
                        "haal hem hier of daar weg",
                    )
                )
