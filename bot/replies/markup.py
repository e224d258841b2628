"""Markdown to Matrix HTML and to plain text, and escaping user text for each format.

Knowledge text is trusted Markdown written by editors; it is still rendered with raw HTML
disabled. User text is only ever quoted, and is escaped for the format it goes into.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

MAX_QUOTE_CHARS = 80


@lru_cache(maxsize=1)
def _markdown() -> Any:
    # Imported on first use: the terminal and JSON paths never need HTML.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown_to_html(markdown: str) -> str:
    return str(_markdown().render(markdown)).strip()


# The knowledge's own texts (answers, names, sources, contacts) are the same for every
# question, and rendering them is most of the cost of a reply: render each once. Only
# knowledge text goes through this cache, never a user's words.
knowledge_html = lru_cache(maxsize=4096)(markdown_to_html)


# Stands for a user's word in a reply's fixed text, so that text can still go through the
# knowledge caches above: ``fill`` puts the word in afterwards, escaped for each format.
# A private-use character: no keyboard, token or knowledge text holds it.
USER_WORD = "\ue000"


def fill(rendered: str, word: str, escape: Callable[[str], str]) -> str:
    """``rendered`` with the ``USER_WORD`` placeholder replaced by ``escape(word)``."""
    return rendered.replace(USER_WORD, escape(word))


def escape_html_text(text: str) -> str:
    """Text escaped by markdown-it's own ``escapeHtml``, as it escapes a paragraph's text:
    a word filled into cached HTML gives the bytes rendering the filled text would."""
    from markdown_it.common.utils import escapeHtml  # loaded already by the cached HTML

    return escapeHtml(text)


def markdown_to_plain(markdown: str) -> str:
    """Readable plain text from the knowledge's small Markdown subset."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown)
    text = re.sub(r"(?<![\w*])\*(\S.*?)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((?:mailto:)?([^)]+)\)", _plain_link, text)
    text = re.sub(r"<((?:mailto:)?[^<>\s]+@[^<>\s]+)>", r"\1", text)  # e-mail autolinks
    return text.strip()


# As ``knowledge_html``: the knowledge's own texts are made plain once; never a user's words.
knowledge_plain = lru_cache(maxsize=4096)(markdown_to_plain)


def _plain_link(link: re.Match[str]) -> str:
    label, target = link.group(1), link.group(2)
    return label if label == target else f"{label} ({target})"


def escape_html(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def quote_user_text(text: str) -> str:
    """A short, single-line excerpt of what the user wrote, safe for plain text."""
    # Whitespace first (a line break separates words), then drop what cannot be shown.
    one_line = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    if len(one_line) > MAX_QUOTE_CHARS:
        one_line = one_line[: MAX_QUOTE_CHARS - 1].rstrip() + "…"
    return one_line


def inline_html(markdown: str) -> str:
    return str(knowledge_html(markdown)).removeprefix("<p>").removesuffix("</p>")
