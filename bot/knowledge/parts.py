"""The parts of the knowledge besides the entries: the taxonomy of ids, partners, contacts
and synonyms, each checked field by field."""

from __future__ import annotations

import re
from pathlib import Path

from bot.knowledge.fields import FieldChecker, id_list, matchable, report_duplicates, top_list
from bot.knowledge.files import display, read_yaml
from bot.knowledge.problems import Problem
from bot.models import Contact, Partner
from bot.text import fold, tokenize

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def load_taxonomy(root: Path, problems: list[Problem]) -> tuple[set[str], dict[str, str]]:
    path = root / "taxonomy.yaml"
    file = display(path, root)
    node = read_yaml(path, root, problems)
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


def load_partners(root: Path, known: set[str], problems: list[Problem]) -> list[Partner]:
    path = root / "partners.yaml"
    file = display(path, root)
    partners: list[Partner] = []
    partner_lines: list[int] = []
    alias_owner: dict[str, tuple[str, int]] = {}
    for item in top_list(read_yaml(path, root, problems), "partners", file, problems):
        raw_id = item.value.get("id")
        checker = FieldChecker(file, item, str(raw_id.value) if raw_id else None, problems)
        if not checker.check_keys({"id", "name", "role"}, {"aliases"}):
            continue
        partner_id = checker.text("id")
        if known and partner_id not in known:
            checker.problem(
                item.line,
                f"onbekende partner-id '{partner_id}' (taxonomy.yaml kent: {id_list(known)})",
            )
        aliases = checker.text_list("aliases")
        for alias, line in aliases:
            if not matchable(alias):
                checker.problem(
                    line,
                    f"de alias '{alias}' bestaat alleen uit stopwoorden of losse letters, "
                    "dus wijst hij nergens op: schrijf hem aaneen (zoals 't&h') of laat hem weg",
                )
            owner, owner_line = alias_owner.setdefault(fold(alias), (partner_id, line))
            if owner != partner_id:
                checker.problem(
                    line,
                    f"de alias '{alias}' is ook een alias van partner '{owner}' (regel "
                    f"{owner_line}); een alias hoort bij één partner: haal hem hier of daar weg",
                )
        partner_lines.append(item.line)
        partners.append(
            Partner(
                id=partner_id,
                name=checker.text("name"),
                aliases=tuple(alias for alias, _ in aliases),
                role=checker.text("role"),
            )
        )
    report_duplicates(
        [(p.id, file, line) for p, line in zip(partners, partner_lines, strict=True)],
        "partner",
        problems,
    )
    return partners


def load_contacts(root: Path, problems: list[Problem]) -> list[Contact]:
    path = root / "contacts.yaml"
    file = display(path, root)
    contacts: list[Contact] = []
    contact_lines: list[int] = []
    for item in top_list(read_yaml(path, root, problems), "contacts", file, problems):
        raw_id = item.value.get("id")
        checker = FieldChecker(file, item, str(raw_id.value) if raw_id else None, problems)
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
    report_duplicates(
        [(c.id, file, line) for c, line in zip(contacts, contact_lines, strict=True)],
        "contact",
        problems,
    )
    return contacts


def load_synonyms(root: Path, problems: list[Problem]) -> list[tuple[str, tuple[str, ...]]]:
    path = root / "synonyms.yaml"
    file = display(path, root)
    groups: list[tuple[str, tuple[str, ...]]] = []
    variant_owner: dict[str, tuple[str, int]] = {}
    for item in top_list(read_yaml(path, root, problems), "synonyms", file, problems):
        raw_term = item.value.get("term")
        checker = FieldChecker(file, item, str(raw_term.value) if raw_term else None, problems)
        if not checker.check_keys({"term", "variants"}, set()):
            continue
        term = checker.text("term")
        variants = checker.text_list("variants", minimum=1)
        for variant, line in variants:
            if not matchable(variant):
                checker.problem(
                    line,
                    f"de variant '{variant}' bestaat alleen uit stopwoorden of losse letters: "
                    "laat hem weg",
                )
            elif term and _within(variant, term):
                # The bot would replace it inside the term itself: "anoniem account" would
                # become "anoniem account account".
                checker.problem(
                    line,
                    f"de variant '{variant}' staat zelf in de term '{term}', dus zou de bot "
                    "de term ook vervangen: laat hem weg",
                )
            owner, owner_line = variant_owner.setdefault(fold(variant), (term, line))
            if owner != term:
                checker.problem(
                    line,
                    f"de variant '{variant}' is ook een variant van '{owner}' (regel "
                    f"{owner_line}); een variant hoort bij één groep: haal hem hier of daar weg",
                )
        groups.append((term, tuple(variant for variant, _ in variants)))
    return groups


def _within(variant: str, term: str) -> bool:
    """Whether the variant's words stand, in order and side by side, in the term."""
    words, term_words = tokenize(variant), tokenize(term)
    size = len(words)
    return any(term_words[i : i + size] == words for i in range(len(term_words) - size + 1))
