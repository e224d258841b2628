"""``load_knowledge``: a whole knowledge folder, validated, frozen and labelled with the
version of exactly the files it was built from."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.base import SHIPPED_KNOWLEDGE, KnowledgeBase
from bot.knowledge.entries import check_across_entries, load_entries
from bot.knowledge.files import knowledge_version
from bot.knowledge.parts import load_contacts, load_partners, load_synonyms, load_taxonomy
from bot.knowledge.problems import KnowledgeError, Problem

PARTS = ("taxonomy.yaml", "partners.yaml", "contacts.yaml", "synonyms.yaml", "entries")
# Also what a bot says without --knowledge when its default is missing (a zip import, or a
# wheel built without the knowledge: setup.py refuses to build one).
NOT_A_FOLDER = "is geen map; geef de kennismap mee (--knowledge /pad/naar/knowledge)"


def load_knowledge(path: Path | str | None = None) -> KnowledgeBase:
    """Load, validate and freeze a knowledge folder (the shipped one by default).

    The version is a hash of the files taken after parsing them; an editor's save in
    between would label old content with the new version (and a later reload would take the
    new content for unchanged), so the folder is read again until the two agree.
    """
    root = Path(path) if path is not None else SHIPPED_KNOWLEDGE
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 0, None, NOT_A_FOLDER)])
    if not any((root / part).exists() for part in PARTS):
        # Not one missing file per part (five lines about "cannot read"), but what is wrong.
        raise KnowledgeError([Problem(str(root), 0, None, _not_knowledge(root))])
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


def _not_knowledge(root: Path) -> str:
    message = "is geen kennismap: er staat geen taxonomy.yaml, partners.yaml of entries/ in"
    if any((root.parent / part).exists() for part in PARTS):  # e.g. knowledge/entries
        return f"{message}; bedoel je de map erboven, {root.parent}?"
    return f"{message}; geef de kennismap mee (--knowledge /pad/naar/knowledge)"


def _load_once(root: Path) -> KnowledgeBase:
    problems: list[Problem] = []
    partner_ids, topics = load_taxonomy(root, problems)
    partners = load_partners(root, partner_ids, problems)
    contacts = load_contacts(root, problems)
    synonyms = load_synonyms(root, problems)
    defined_partners = {partner.id for partner in partners} or partner_ids
    loaded = load_entries(
        root, defined_partners, topics, {contact.id for contact in contacts}, problems
    )
    check_across_entries(loaded, problems)
    entries = [item.entry for item in loaded]
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
