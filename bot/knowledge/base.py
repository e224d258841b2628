"""The loaded knowledge: an immutable ``KnowledgeBase`` with lookups by id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Contact, Entry, Partner

SHIPPED_KNOWLEDGE = Path(__file__).resolve().parent.parent.parent / "knowledge"


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
