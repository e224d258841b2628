"""Turn a decision (or a command) into a Reply: plain text, Markdown and Matrix HTML.

The package's modules, each with one reason to change: ``markup`` (Markdown → HTML / plain
text, escaping user text), ``comparison`` (partner rows and their tables), ``footer`` (legal
note, contact addresses), ``layout`` (one structure rendered to every format), ``answers``
(entries, "Bedoel je" lists, fixed replies) and ``fallback`` (no answer, honest edges, how
to ask for help). Everything other modules use is importable from ``bot.replies``.
"""

from __future__ import annotations

from bot.replies.answers import (
    render_answer,
    render_contact,
    render_decision,
    render_notice,
    render_partners,
)
from bot.replies.comparison import (
    comparison_rows,
    named_partners,
    partner_rows,
    without_comparison_rows,
)
from bot.replies.fallback import (
    DEFAULT_HELP,
    INFOGRAPHIC,
    help_instruction,
    render_fallback,
    render_no_open_choice,
    render_no_section,
)
from bot.replies.footer import CONTACTS_HEADING, LEGAL_NOTE, needs_legal_note
from bot.replies.layout import ENGLISH_NOTE, MORE_LABEL
from bot.replies.markup import (
    MAX_QUOTE_CHARS,
    escape_html,
    escape_markdown,
    markdown_to_html,
    markdown_to_plain,
    quote_user_text,
)

__all__ = [
    "CONTACTS_HEADING",
    "DEFAULT_HELP",
    "ENGLISH_NOTE",
    "INFOGRAPHIC",
    "LEGAL_NOTE",
    "MAX_QUOTE_CHARS",
    "MORE_LABEL",
    "comparison_rows",
    "escape_html",
    "escape_markdown",
    "help_instruction",
    "markdown_to_html",
    "markdown_to_plain",
    "named_partners",
    "needs_legal_note",
    "partner_rows",
    "quote_user_text",
    "render_answer",
    "render_contact",
    "render_decision",
    "render_fallback",
    "render_no_open_choice",
    "render_no_section",
    "render_notice",
    "render_partners",
    "without_comparison_rows",
]
