"""The chat commands: one table, and the help text generated from it.

A command is one ``Command`` entry: the words that call it (the first is the one shown), what
it does, whether only admins may use it, and its help line. Adding a command is adding an
entry (the assistant's own below; admin upkeep adds its own with ``admin_only``), and
``help`` lists it without further work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.knowledge import KnowledgeBase
from bot.models import Question, Reply
from bot.replies import render_contact, render_notice, render_partners
from bot.text import fold

INTRO = (
    "Ik beantwoord vragen over de infographic “De informatiepositie van partners in de online "
    "leefwereld”: wat politie, handhaving (T&H, boa), gemeente (OOV), jongerenwerk en scholen "
    "online kunnen en mogen, en wat je van elkaar kunt verwachten."
)
EXAMPLES = (
    "mag een boa online rondkijken op instagram?",
    "welke OSINT-opleidingen zijn er?",
    "mag de gemeente een anoniem account gebruiken?",
    "wat doet een digitaal wijkagent?",
)


@dataclass(frozen=True)
class CommandCall:
    """One use of a command: what came after the word, who asked, and what is served."""

    rest: str
    question: Question
    knowledge: KnowledgeBase
    prefix: str
    answer: Callable[[str], Reply]  # match ``rest`` as a question (for ``vraag``)
    help: Callable[[], Reply]


Handler = Callable[[CommandCall], Reply]


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]  # folded; the first one is shown in help
    handler: Handler
    help_line: str  # what it does, after "!word": one short Dutch phrase
    admin_only: bool = False
    argument: str = ""  # shown after the word in help ("je vraag"); set: ``rest`` is used

    @property
    def takes_argument(self) -> bool:
        return bool(self.argument)


def _ask(call: CommandCall) -> Reply:
    return call.answer(call.rest) if call.rest else call.help()


BASIC_COMMANDS: tuple[Command, ...] = (
    Command(("vraag", "ask", "v"), _ask, "stel een vraag", argument="je vraag"),
    Command(("partners", "partner"), lambda c: render_partners(c.knowledge), "alle partners"),
    Command(
        ("contact", "contacten", "contactgegevens"),
        lambda c: render_contact(c.knowledge),
        "de contactadressen",
    ),
    Command(("help", "hulp", "?", "start", "uitleg"), lambda c: c.help(), "deze uitleg"),
)


def command_word(text: str) -> tuple[str, str]:
    """The folded first word (trailing punctuation dropped) and the rest of ``text``."""
    word, _, rest = text.strip().partition(" ")
    return fold(word).rstrip("!?.:,"), rest.strip()


def find(commands: Iterable[Command], word: str) -> Command | None:
    return next((command for command in commands if word in command.words), None)


# Markdown that would change how a command is shown; "!" and "/" are safe inside bold.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>|~#])")


def _shown(text: str) -> str:
    return _MARKDOWN_ACTIVE.sub(r"\\\1", text)


def render_help(
    commands: Sequence[Command], question: Question, prefix: str, admin: bool = False
) -> Reply:
    """What the bot can do and how to reach it here; admin commands only for admins."""
    lines = [INTRO, "", "Voorbeelden:", *(f"- {example}" for example in EXAMPLES), ""]
    if question.address_hint:
        lines += [question.address_hint, ""]
    lines.append("Commando's:")
    for command in commands:
        if command.admin_only and not admin:
            continue
        argument = f" *{command.argument}*" if command.argument else ""
        lines.append(f"- **{_shown(prefix + command.words[0])}**{argument}: {command.help_line}")
    return render_notice("help", "Partnerwijzer", "\n".join(lines))
