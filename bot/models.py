"""Plain, frozen data shared by every layer. No I/O, no behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The partner id of the infographic's general sections (shared by every partner): named once.
GENERAL_PARTNER = "algemeen"

DecisionKind = Literal["answer", "clarify", "fallback"]
ReplyKind = Literal[
    "answer",  # one knowledge entry
    "clarify",  # "Bedoel je: 1) ... 2) ...?"
    "fallback",  # no confident answer
    "help",
    "partners",
    "contact",
    "status",  # admin/operational information
    "refusal",  # e.g. admin command from a non-admin
    "notice",  # short operational notice (flood limit, reload result)
    "smalltalk",  # a friendly reply to a greeting, thanks, goodbye or "wat kun je?"
]


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    aliases: tuple[str, ...]
    role: str


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    email: str
    description: str = ""


@dataclass(frozen=True)
class Entry:
    id: str
    partner: str
    topic: str
    question: str
    alternates: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str  # Markdown, trusted (written by editors, validated at load)
    source: str  # section path in the infographic, e.g. "Politie > Opleidingen"
    contacts: tuple[str, ...] = ()  # contact ids; empty means "all contacts"
    # One or two sentences that answer the question directly; a chat shows it first and may
    # fold ``answer`` behind "Meer". Empty: the answer is shown whole.
    lead: str = ""
    file: str = ""  # where it was defined, for error messages and editor tools
    line: int = 0


@dataclass(frozen=True)
class Question:
    """One incoming chat message, already freed from its protocol.

    The transport decides the protocol facts (was the bot mentioned, who can read the reply,
    can it post here later) and states them as capabilities; the assistant decides whether
    and how to answer from those facts alone, never from the transport's name.
    """

    text: str
    transport: str  # who asked ("matrix", "teams", "console"): for counts and logs only
    conversation_id: str = ""  # Matrix room id, Teams conversation id
    sender_id: str = ""
    thread_id: str | None = None
    mentioned: bool = False  # the bot was addressed explicitly (mention, @-webhook)
    # Every message here is for the bot: the terminal, a 1:1 chat.
    always_addressed: bool = False
    # Only the asker and the bot read the reply (a 1:1 chat, the terminal, the admin room):
    # admin output that shows logged questions may go here.
    private: bool = False
    # The transport can post in this conversation after replying (a reload result).
    can_post_later: bool = False
    # How to address the bot in this conversation, for help text ("noem @Partnerwijzer").
    address_hint: str = ""


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float  # 0-100


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    matches: tuple[Match, ...]  # ranked, best first (at least the top candidates)
    options: tuple[Match, ...] = ()  # for clarify: the choices offered
    confidence: float = 0.0  # 0-100: the best score, lowered for unknown or out-of-scope words
    english: bool = False  # asked in English: the answer stays Dutch, and the reply says so
    # A fallback about something the nearest sections never mention: the question's word it
    # lacks (as the matcher knows it); ``options`` then holds the nearest sections.
    uncovered: tuple[str, ...] = ()

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class Reply:
    """What the bot says, structured and pre-rendered.

    Structured fields let a transport build its own layout (a Teams Adaptive Card);
    ``text``/``markdown``/``html`` are complete renderings. Every piece of user text in
    them is already escaped for its format.
    """

    kind: ReplyKind
    title: str
    body_markdown: str
    text: str
    markdown: str
    html: str
    partner_name: str | None = None
    source: str | None = None
    options: tuple[str, ...] = ()
    option_ids: tuple[str, ...] = ()  # the entry ids behind ``options``, in the same order
    contacts: tuple[Contact, ...] = ()
    legal_note: str | None = None
    decision: Decision | None = None
    # A comparison across partners as (partner, what the infographic says) rows, for a
    # table (Matrix HTML), a FactSet (Teams) or aligned text (terminal).
    comparison: tuple[tuple[str, str], ...] = ()
    # The point first: ``lead`` (Markdown) is what a chat shows before any "Meer"; ``detail``
    # (Markdown, without the comparison rows) may be folded away. When ``lead`` is empty the
    # whole body is shown. ``comparison_in_lead``: the rows belong to the visible part (the
    # question named the partners), not to the folded detail.
    lead: str = ""
    detail: str = ""
    comparison_in_lead: bool = False
    # Plain text of what a chat shows before "Meer": title, lead, footer (``partnerbot ask``).
    short_text: str = ""

    @property
    def leads(self) -> bool:
        """Whether the reply is split: a lead (or the named partners' rows) shown first."""
        return bool(self.lead) or self.comparison_in_lead

    @property
    def has_more(self) -> bool:
        """Whether something sits behind "Meer": the detail, or the comparison rows."""
        return self.leads and (bool(self.detail) or not self.comparison_in_lead)
