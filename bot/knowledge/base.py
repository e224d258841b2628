"""The loaded knowledge: an immutable ``KnowledgeBase`` with lookups by id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bot.models import Contact, Entry, Partner

_PACKAGE = Path(__file__).resolve().parent.parent  # bot/
_CHECKOUT = _PACKAGE.parent  # the source tree, when bot/ is (an editable install) in one
# Where a regular install (a wheel) carries its copy of knowledge/; setup.py puts it there.
PACKAGED_KNOWLEDGE = ("data", "knowledge")


def _shipped_knowledge() -> Path:
    """The knowledge the bot answers from when no folder is given.

    In a checkout (``pip install -e .``) it is the repository's knowledge/: editors edit it,
    the bot reloads from it and the console writes to it. A wheel has no checkout around it;
    it carries a copy as package data, which is only ever read.
    """
    checkout = _CHECKOUT / "knowledge"
    if (_CHECKOUT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    packaged = resources.files("bot").joinpath(*PACKAGED_KNOWLEDGE)
    # pip always unpacks a wheel, so this is a real folder; in a zip import it is not, and
    # loading then says the default is no folder and asks for --knowledge.
    return packaged if isinstance(packaged, Path) else checkout


SHIPPED_KNOWLEDGE = _shipped_knowledge()


def is_packaged(folder: Path) -> bool:
    """True for a folder inside the installed package (a wheel's knowledge): never to be
    written to, since the next install replaces it and it may be read-only (site-packages)."""
    try:
        return folder.resolve().is_relative_to(_PACKAGE)
    except (OSError, RuntimeError):  # a symlink loop: not the package's folder either
        return False


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
