"""Load and validate the knowledge folder into an immutable ``KnowledgeBase``.

Validation collects every problem before failing, so an editor sees all mistakes at once,
each with file, line and entry id. Nothing is half-loaded: ``load_knowledge`` either returns
a complete, valid KnowledgeBase or raises ``KnowledgeError``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Contact, Entry, Partner
from bot.safe_yaml import Located, read_with_recovery
from bot.text import STOP_WORDS, fold, tokenize

SHIPPED_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
MIN_ALTERNATES = 5


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f" [{self.entry}]" if self.entry else ""
        return f"{where}{what}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder is broken; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class KnowledgeBase:
    partners: tuple[Partner, ...]
    contacts: tuple[Contact, ...]
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]  # (term, variants)
    topics: Mapping[str, str]  # id → description
    version: str  # short content hash: changes whenever any file changes
    path: str
    _partners_by_id: Mapping[str, Partner] = field(repr=False, default_factory=dict)
    _entries_by_id: Mapping[str, Entry] = field(repr=False, default_factory=dict)

    def partner(self, partner_id: str) -> Partner | None:
        return self._partners_by_id.get(partner_id)

    def entry(self, entry_id: str) -> Entry | None:
        return self._entries_by_id.get(entry_id)

    def contacts_for(self, entry: Entry | None) -> tuple[Contact, ...]:
        if entry is None or not entry.contacts:
            return self.contacts
        wanted = set(entry.contacts)
        return tuple(contact for contact in self.contacts if contact.id in wanted)


# --- reading YAML with line numbers -------------------------------------------------------

_Node = Located  # a YAML value with the line it starts on


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> _Node | None:
    """The file's values, or None, with every syntax problem (in Dutch, with a hint) in
    ``problems``; after a syntax error the items that did parse are still returned, so their
    own mistakes are reported in the same run."""
    name = _display(path, root)
    node, yaml_problems = read_with_recovery(path)
    for problem in yaml_problems:
        problems.append(Problem(name, problem.line, None, problem.for_editors()))
    if node is None and not yaml_problems:
        problems.append(Problem(name, 1, None, "het bestand is leeg"))
    return node


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


# --- field checking ----------------------------------------------------------------------


@dataclass
class _Checker:
    """Reads typed fields out of one YAML mapping, recording problems instead of raising."""

    file: str
    node: _Node
    entry: str | None
    problems: list[Problem]

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, self.entry, message))

    def check_keys(self, required: set[str], optional: set[str]) -> bool:
        fields: dict[str, _Node] = self.node.value
        for key, line in self.node.duplicates:
            self.problem(line, f"het veld '{key}' staat er twee keer")
        for key, value in fields.items():
            if key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.problem(value.line, f"onbekend veld '{key}' (toegestaan: {allowed})")
        missing = sorted(required - set(fields))
        for key in missing:
            self.problem(self.node.line, f"het veld '{key}' ontbreekt")
        return not missing

    def text(self, key: str, *, required: bool = True) -> str:
        found = self.node.value.get(key)
        if found is None:
            return ""
        if isinstance(found.value, bool) or not isinstance(found.value, str | int | float):
            self.problem(found.line, f"het veld '{key}' moet tekst zijn, niet {_kind(found.value)}")
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
                found.line, f"het veld '{key}' moet een lijst zijn, niet {_kind(found.value)}"
            )
            return ()
        items: list[tuple[str, int]] = []
        for item in found.value:
            if isinstance(item.value, bool) or not isinstance(item.value, str | int | float):
                self.problem(
                    item.line,
                    f"elk item van het veld '{key}' moet tekst zijn, niet {_kind(item.value)}",
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


def _matchable(phrase: str) -> bool:
    """Whether a phrase keeps a word after tokenising: "t en h" keeps only the stop word
    "en", and as an alias it would make every "en" name a partner."""
    return any(token not in STOP_WORDS for token in tokenize(phrase))


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "een mapping (regels met 'sleutel: waarde')"
    if isinstance(value, list):
        return "een lijst"
    if value is None:
        return "leeg"
    if isinstance(value, bool):
        return "ja/nee (zet de tekst tussen aanhalingstekens)"
    return f"een waarde van het type {type(value).__name__}"


def _top_list(node: _Node | None, key: str, file: str, problems: list[Problem]) -> list[_Node]:
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
    valid: list[_Node] = []
    for item in items.value:
        if isinstance(item.value, dict):
            valid.append(item)
        else:
            problems.append(
                Problem(file, item.line, None, f"elk item van '{key}' moet een mapping zijn")
            )
    return valid


# --- the parts of the knowledge ----------------------------------------------------------


def _load_taxonomy(root: Path, problems: list[Problem]) -> tuple[set[str], dict[str, str]]:
    path = root / "taxonomy.yaml"
    file = _display(path, root)
    node = _read_yaml(path, root, problems)
    if node is None:
        return set(), {}
    data = node.value if isinstance(node.value, dict) else {}
    partners = data.get("partners")
    topics = data.get("topics")
    if partners is None or topics is None:
        problems.append(
            Problem(file, node.line, None, "het bestand moet 'partners:' en 'topics:' bevatten")
        )
        return set(), {}
    if not isinstance(partners.value, dict) or not isinstance(topics.value, dict):
        problems.append(
            Problem(file, node.line, None, "'partners' en 'topics' moeten mappings zijn")
        )
        return set(), {}
    for where in (node, partners, topics):
        for key, line in where.duplicates:
            problems.append(Problem(file, line, None, f"'{key}' staat er twee keer"))
    topic_map = {str(key): str(value.value) for key, value in topics.value.items()}
    partner_ids = {str(key) for key in partners.value}
    return partner_ids, topic_map


def _load_partners(root: Path, known: set[str], problems: list[Problem]) -> list[Partner]:
    path = root / "partners.yaml"
    file = _display(path, root)
    partners: list[Partner] = []
    partner_lines: list[int] = []
    alias_owner: dict[str, str] = {}
    for item in _top_list(_read_yaml(path, root, problems), "partners", file, problems):
        raw_id = item.value.get("id")
        checker = _Checker(file, item, str(raw_id.value) if raw_id else None, problems)
        if not checker.check_keys({"id", "name", "role"}, {"aliases"}):
            continue
        partner_id = checker.text("id")
        if known and partner_id not in known:
            checker.problem(
                item.line,
                f"onbekende partner-id '{partner_id}' (taxonomy.yaml kent: {_list(known)})",
            )
        aliases = checker.text_list("aliases")
        for alias, line in aliases:
            if not _matchable(alias):
                checker.problem(
                    line, f"de alias '{alias}' bestaat alleen uit stopwoorden of losse letters"
                )
            owner = alias_owner.setdefault(fold(alias), partner_id)
            if owner != partner_id:
                checker.problem(line, f"de alias '{alias}' is ook een alias van partner '{owner}'")
        partner_lines.append(item.line)
        partners.append(
            Partner(
                id=partner_id,
                name=checker.text("name"),
                aliases=tuple(alias for alias, _ in aliases),
                role=checker.text("role"),
            )
        )
    _report_duplicates(
        [(p.id, file, line) for p, line in zip(partners, partner_lines, strict=True)],
        "partner",
        problems,
    )
    return partners


def _load_contacts(root: Path, problems: list[Problem]) -> list[Contact]:
    path = root / "contacts.yaml"
    file = _display(path, root)
    contacts: list[Contact] = []
    contact_lines: list[int] = []
    for item in _top_list(_read_yaml(path, root, problems), "contacts", file, problems):
        raw_id = item.value.get("id")
        checker = _Checker(file, item, str(raw_id.value) if raw_id else None, problems)
        if not checker.check_keys({"id", "name", "email"}, {"description"}):
            continue
        email = checker.text("email")
        if email and not _EMAIL_RE.match(email):
            checker.problem(item.value["email"].line, f"'{email}' is geen e-mailadres")
        contact_lines.append(item.line)
        contacts.append(
            Contact(
                id=checker.text("id"),
                name=checker.text("name"),
                email=email,
                description=checker.text("description", required=False),
            )
        )
    _report_duplicates(
        [(c.id, file, line) for c, line in zip(contacts, contact_lines, strict=True)],
        "contact",
        problems,
    )
    return contacts


def _load_synonyms(root: Path, problems: list[Problem]) -> list[tuple[str, tuple[str, ...]]]:
    path = root / "synonyms.yaml"
    file = _display(path, root)
    groups: list[tuple[str, tuple[str, ...]]] = []
    variant_owner: dict[str, str] = {}
    for item in _top_list(_read_yaml(path, root, problems), "synonyms", file, problems):
        raw_term = item.value.get("term")
        checker = _Checker(file, item, str(raw_term.value) if raw_term else None, problems)
        if not checker.check_keys({"term", "variants"}, set()):
            continue
        term = checker.text("term")
        variants = checker.text_list("variants", minimum=1)
        for variant, line in variants:
            if not _matchable(variant):
                checker.problem(
                    line, f"de variant '{variant}' bestaat alleen uit stopwoorden of losse letters"
                )
            owner = variant_owner.setdefault(fold(variant), term)
            if owner != term:
                checker.problem(line, f"de variant '{variant}' is ook een variant van '{owner}'")
        groups.append((term, tuple(variant for variant, _ in variants)))
    return groups


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


def _load_entries(
    root: Path,
    partner_ids: set[str],
    topics: Mapping[str, str],
    contact_ids: set[str],
    problems: list[Problem],
) -> list[Entry]:
    entries: list[Entry] = []
    folder = root / "entries"
    files = _yaml_files(folder)
    if not files:
        problems.append(Problem(_display(folder, root), 0, None, "geen entry-bestanden (*.yaml)"))
    for nested in _nested_yaml_files(folder):
        # Only entries/*.yaml is read: a file in a subfolder would be silently left out.
        problems.append(Problem(_display(nested, root), 0, None, NESTED_ENTRY_FILE))
    for path in files:
        file = _display(path, root)
        for item in _top_list(_read_yaml(path, root, problems), "entries", file, problems):
            entry = _load_entry(item, file, path.stem, partner_ids, topics, contact_ids, problems)
            if entry is not None:
                entries.append(entry)
    return entries


def _load_entry(
    item: _Node,
    file: str,
    file_partner: str,
    partner_ids: set[str],
    topics: Mapping[str, str],
    contact_ids: set[str],
    problems: list[Problem],
) -> Entry | None:
    raw_id = item.value.get("id")
    entry_id = str(raw_id.value) if raw_id is not None and raw_id.value is not None else None
    checker = _Checker(file, item, entry_id, problems)
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
            f"onbekende partner '{partner}' (bekend: {_list(partner_ids)})",
        )
    elif partner and partner != file_partner and file_partner in partner_ids:
        checker.problem(
            item.value["partner"].line,
            f"partner '{partner}' hoort niet in {file_partner}.yaml",
        )
    topic = checker.text("topic")
    if topic and topics and topic not in topics:
        checker.problem(
            item.value["topic"].line, f"onbekend topic '{topic}' (bekend: {_list(topics)})"
        )
    contacts = checker.text_list("contacts")
    for contact, line in contacts:
        if contact not in contact_ids:
            checker.problem(line, f"contact '{contact}' staat niet in contacts.yaml")
    alternates = checker.text_list("alternates", minimum=MIN_ALTERNATES)
    keywords = checker.text_list("keywords", minimum=1)
    lead = checker.text("lead", required="lead" in item.value)
    if len(lead) > MAX_LEAD_CHARS or "\n\n" in lead:
        checker.problem(
            item.value["lead"].line,
            f"het veld 'lead' moet één korte alinea zijn (hoogstens {MAX_LEAD_CHARS} tekens)",
        )
    return Entry(
        id=entry_id,
        partner=partner,
        topic=topic,
        question=checker.text("question"),
        alternates=tuple(text for text, _ in alternates),
        keywords=tuple(text for text, _ in keywords),
        answer=checker.text("answer"),
        source=checker.text("source"),
        contacts=tuple(contact for contact, _ in contacts),
        lead=lead,
        file=file,
        line=item.line,
    )


def _list(ids: Iterator[str] | set[str] | Mapping[str, str]) -> str:
    return ", ".join(sorted(ids))


def _report_duplicates(ids: list[tuple[str, str, int]], kind: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for item_id, file, line in ids:
        if item_id and item_id in seen:
            problems.append(
                Problem(file, line, item_id, f"het {kind}-id '{item_id}' staat er twee keer")
            )
        seen.add(item_id)


def _check_across_entries(entries: list[Entry], problems: list[Problem]) -> None:
    first_by_id: dict[str, Entry] = {}
    question_owner: dict[str, Entry] = {}
    for entry in entries:
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
        for text in {entry.question, *entry.alternates}:
            key = " ".join(fold(text).split()).rstrip("?!. ")
            owner = question_owner.setdefault(key, entry)
            if owner is not entry and owner.id != entry.id:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        entry.id,
                        f"de vraag '{text}' staat ook bij entry '{owner.id}' ({owner.file}); "
                        "een vraag mag maar bij één entry",
                    )
                )


def load_knowledge(path: Path | str | None = None) -> KnowledgeBase:
    """Load, validate and freeze a knowledge folder (the shipped one by default).

    The version is a hash of the files taken after parsing them; an editor's save in
    between would label old content with the new version (and a later reload would take the
    new content for unchanged), so the folder is read again until the two agree.
    """
    root = Path(path) if path is not None else SHIPPED_KNOWLEDGE
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 0, None, "is geen map")])
    try:
        for _attempt in range(3):
            before = knowledge_version(root)
            knowledge = _load_once(root)
            if knowledge.version == before:
                break
        return knowledge
    except OSError as error:  # a file vanished while it was read
        name = getattr(error, "filename", None) or str(root)
        problem = Problem(
            str(name), 0, None, f"kan het bestand niet lezen: {error.strerror or error}"
        )
        raise KnowledgeError([problem]) from None


def _load_once(root: Path) -> KnowledgeBase:
    problems: list[Problem] = []
    partner_ids, topics = _load_taxonomy(root, problems)
    partners = _load_partners(root, partner_ids, problems)
    contacts = _load_contacts(root, problems)
    synonyms = _load_synonyms(root, problems)
    defined_partners = {partner.id for partner in partners} or partner_ids
    entries = _load_entries(
        root, defined_partners, topics, {contact.id for contact in contacts}, problems
    )
    _check_across_entries(entries, problems)
    if not entries and not problems:
        problems.append(Problem(str(root), 0, None, "de kennisbank heeft geen entries"))
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        partners=tuple(partners),
        contacts=tuple(contacts),
        entries=tuple(entries),
        synonyms=tuple(synonyms),
        topics=dict(topics),
        version=knowledge_version(root),
        path=str(root),
        _partners_by_id={partner.id: partner for partner in partners},
        _entries_by_id={entry.id: entry for entry in entries},
    )


def _visible(path: Path, root: Path) -> bool:
    """Dot-files are editors' lock and swap files (``.#politie.yaml``), never knowledge."""
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


NESTED_ENTRY_FILE = (
    "niet gelezen: entry-bestanden staan direct in de map entries/, niet in een submap"
)


def _nested_yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [
        path
        for path in folder.rglob("*")
        if path.suffix in {".yaml", ".yml"} and path.parent != folder
    ]
    return sorted(path for path in found if _visible(path, folder))


def _yaml_files(folder: Path) -> list[Path]:
    found = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(path for path in found if _visible(path, folder))


def knowledge_version(root: Path) -> str:
    """A short hash of every YAML file in the folder: changes whenever any file changes.

    Never raises: a file that cannot be read is hashed by its error, so the version still
    changes when it becomes readable, and loading reports it by name.
    """
    digest = hashlib.sha256()
    for file in sorted(path for path in root.rglob("*.y*ml") if _visible(path, root)):
        digest.update(str(file.relative_to(root)).encode())
        try:
            digest.update(file.read_bytes() if file.is_file() else b"\0not a file")
        except OSError as error:
            digest.update(f"\0{error.errno}".encode())
    return digest.hexdigest()[:12]
