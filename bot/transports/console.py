"""Terminal chat: the embedded default that needs no server or account."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.assistant import Assistant
from bot.models import Question
from bot.smalltalk import classify


def console_question(text: str) -> Question:
    """A question typed in the terminal: every line is for the bot, and only the person at
    the terminal reads the answer."""
    return Question(
        text=text,
        transport="console",
        always_addressed=True,
        private=True,
        address_hint="Typ je vraag gewoon in: elke regel is een vraag.",
    )


# Commands that end the chat at once; a goodbye ("doei", "dag", "tot ziens") is answered
# first, as in any chat, and then ends it too.
_QUIT_WORDS = frozenset({"quit", "exit", "stop", "q", ":q"})
PROMPT = "vraag> "


def run_console(
    assistant: Assistant,
    read: Callable[[str], str] = input,
    out: TextIO | None = None,
) -> int:
    """Answer questions typed in the terminal until 'quit', a goodbye or end of input."""
    import sys

    stream = out or sys.stdout
    knowledge = assistant.knowledge
    print(
        f"Partnerwijzer: {len(knowledge.entries)} antwoorden uit de infographic. "
        "Typ je vraag, of help, partners, contact, quit.",
        file=stream,
    )
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print(file=stream)
            return 0
        if line.strip().casefold() in _QUIT_WORDS:
            return 0
        if not line.strip():
            continue
        reply = assistant.handle(console_question(line))
        if reply is not None:
            print(reply.text, file=stream)
            print(file=stream)
        if classify(line) == "goodbye":
            return 0
