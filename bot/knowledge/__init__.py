"""Load and validate the knowledge folder into an immutable ``KnowledgeBase``.

Validation collects every problem before failing, so an editor sees all mistakes at once,
each with file, line and entry id. Nothing is half-loaded: ``load_knowledge`` either returns
a complete, valid KnowledgeBase or raises ``KnowledgeError``.

One job per module: ``problems`` (what an editor is told), ``base`` (the loaded
``KnowledgeBase``), ``files`` (which files are knowledge, reading them, their version),
``fields`` (checking one YAML mapping's fields), ``parts`` (taxonomy, partners, contacts,
synonyms), ``entries`` (the entry files and the checks across entries) and ``loader`` (the
whole folder, consistent with its version).
"""

from bot.knowledge.base import SHIPPED_KNOWLEDGE, KnowledgeBase, is_packaged
from bot.knowledge.entries import MAX_LEAD_CHARS, MIN_ALTERNATES
from bot.knowledge.files import NESTED_ENTRY_FILE, knowledge_version
from bot.knowledge.loader import load_knowledge
from bot.knowledge.problems import KnowledgeError, Problem

__all__ = [
    "MAX_LEAD_CHARS",
    "MIN_ALTERNATES",
    "NESTED_ENTRY_FILE",
    "SHIPPED_KNOWLEDGE",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "is_packaged",
    "knowledge_version",
    "load_knowledge",
]
