"""Comparison answers: the partner rows of a general entry, and those rows as a table
(Matrix HTML), aligned plain text or Markdown bullets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bot.knowledge import KnowledgeBase
from bot.models import GENERAL_PARTNER
from bot.replies.markup import knowledge_html, markdown_to_plain
from bot.text import fold

# "- **Politie:** ..." lines: a comparison row, when the label names a partner.
_LABELLED_ROW = re.compile(r"^- \*\*(?P<name>[^*]+?):?\*\*:?\s+(?P<text>.+)$")


def _names_partner(label: str, knowledge: KnowledgeBase) -> str | None:
    """The partner a row label names ("Gemeente (OOV)" → gemeente), or None ("OSINT
    Basis", "Kansen voor jongeren", "Straatwaarden" are not partners)."""
    folded = fold(label)
    for partner in knowledge.partners:
        if partner.id == GENERAL_PARTNER:
            continue
        if _name_pattern((partner.name, partner.id, *partner.aliases)).search(folded):
            return partner.id
    return None


def partner_rows(markdown: str, knowledge: KnowledgeBase) -> tuple[tuple[str, str, str], ...]:
    """The (partner id, label, text) rows of a comparison: only ``- **X:** ...`` lines whose
    label names a partner, and only when there are at least two of them."""
    rows = []
    for line in markdown.splitlines():
        found = _LABELLED_ROW.match(line.strip())
        if found and (partner := _names_partner(found.group("name"), knowledge)):
            rows.append((partner, found.group("name").strip(), found.group("text").strip()))
    return tuple(rows) if len(rows) >= 2 else ()


def comparison_rows(markdown: str, knowledge: KnowledgeBase) -> tuple[tuple[str, str], ...]:
    """The (partner label, text) rows of a comparison answer; empty when it is not one."""
    return tuple((label, text) for _, label, text in partner_rows(markdown, knowledge))


def without_comparison_rows(markdown: str, rows: Sequence[tuple[str, str]] = ()) -> str:
    """The comparison answer's text around its partner rows (the intro, any closing note).

    ``rows``: the (label, text) rows taken out; without them, every labelled bullet goes.
    An intro line ending in ":" right above the rows goes with them: the table has a head.
    """
    labels = {label for label, _ in rows}
    kept: list[str] = []
    for line in markdown.splitlines():
        found = _LABELLED_ROW.match(line.strip())
        if found and (not rows or found.group("name").strip() in labels):
            if kept and kept[-1].rstrip().endswith(":") and not kept[-1].lstrip().startswith("-"):
                kept.pop()
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def named_partners(question: str, knowledge: KnowledgeBase) -> frozenset[str]:
    """The partners a question names by name or alias ("verschil boa en politie")."""
    folded = fold(question)  # once, not once per partner
    return frozenset(
        p.id
        for p in knowledge.partners
        if p.id != GENERAL_PARTNER and _name_pattern((p.id, *p.aliases)).search(folded)
    )


@lru_cache(maxsize=512)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    # One compiled pattern per partner, kept across questions: building the patterns for
    # every partner on every answer took about 0.4 ms, most of a reply's rendering. The
    # boundaries sit outside one group of names (not around each of ~30 aliases), so the
    # engine tries the names only where a word starts: 10-20x faster, the same matches, as
    # backtracking still tries every name at every such position.
    folded = sorted({fold(name) for name in names}, key=lambda name: (-len(name), name))
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, folded)) + r")(?!\w)")


def comparison_html(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><td><strong>{knowledge_html(name).removeprefix('<p>').removesuffix('</p>')}"
        f"</strong></td><td>{knowledge_html(text).removeprefix('<p>').removesuffix('</p>')}"
        "</td></tr>"
        for name, text in rows
    )
    head = "<thead><tr><th>Partner</th><th>Wat de infographic zegt</th></tr></thead>"
    return f"<table>{head}<tbody>{body}</tbody></table>"


def comparison_plain(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)} | {markdown_to_plain(text)}" for name, text in rows)


def comparison_markdown(rows: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"- **{name}:** {text}" for name, text in rows)
