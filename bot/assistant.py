"""The assistant: decides whether a message is for the bot, and what to reply.

Transport-free. A transport hands it a ``Question`` (protocol facts already worked out) and
sends back whatever ``Reply`` comes out. The knowledge and its matcher are swapped as one
pair, so a reload never leaves a question answered from half-loaded knowledge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.models import Question, Reply
from bot.replies import (
    render_contact,
    render_decision,
    render_help,
    render_notice,
    render_partners,
)
from bot.text import fold

_ASK_WORDS = frozenset({"vraag", "ask", "v"})
_HELP_WORDS = frozenset({"help", "hulp", "?", "start", "uitleg"})
_PARTNER_WORDS = frozenset({"partners", "partner"})
_CONTACT_WORDS = frozenset({"contact", "contacten", "contactgegevens"})


class QuestionObserver(Protocol):
    """Receives one observation per answered question (metrics); never the text."""

    def observe_question(
        self, transport: str, decision: str, partner: str, seconds: float
    ) -> None: ...


@dataclass(frozen=True)
class _Loaded:
    knowledge: KnowledgeBase
    matcher: Matcher


class Assistant:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        config: Config | None = None,
        metrics: QuestionObserver | None = None,
        matcher: Matcher | None = None,
    ) -> None:
        """``matcher``: an index already built for ``knowledge`` (from the index cache)."""
        self.config = config or Config()
        self.metrics = metrics
        if matcher is None or matcher.knowledge is not knowledge:
            matcher = Matcher(knowledge, self.config.matching)
        self._loaded = _Loaded(knowledge, matcher)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._loaded.knowledge

    @property
    def matcher(self) -> Matcher:
        return self._loaded.matcher

    def swap_knowledge(self, knowledge: KnowledgeBase) -> None:
        """Serve a new, already validated knowledge base; the index is built before the swap."""
        self._loaded = _Loaded(knowledge, Matcher(knowledge, self.config.matching))

    def handle(self, question: Question) -> Reply | None:
        """The reply to a message, or None when the message is not meant for the bot."""
        text = question.text.strip()
        prefix = self.config.assistant.command_prefix
        addressed = question.mentioned or question.is_direct or question.transport == "console"
        if text.startswith(prefix):
            return self._command(text[len(prefix) :].strip(), question, explicit=True)
        if not addressed:
            return None
        return self._command(text, question, explicit=False)

    def _command(self, text: str, question: Question, *, explicit: bool) -> Reply:
        loaded = self._loaded  # one snapshot for the whole reply
        word, _, rest = text.partition(" ")
        command = fold(word).rstrip("!?.:,")
        if not text or (command in _HELP_WORDS and not rest):
            return render_help(loaded.knowledge, self.config.assistant.command_prefix)
        if command in _PARTNER_WORDS and not rest:
            return render_partners(loaded.knowledge)
        if command in _CONTACT_WORDS and not rest:
            return render_contact(loaded.knowledge)
        if command in _ASK_WORDS and explicit:
            text = rest.strip()
            if not text:
                return render_help(loaded.knowledge, self.config.assistant.command_prefix)
        elif explicit:
            prefix = self.config.assistant.command_prefix
            return render_notice(
                "notice",
                "Onbekend commando",
                f"Dat commando ken ik niet. Typ **{prefix}help** voor wat ik kan, "
                f"of stel je vraag met **{prefix}vraag** …",
            )
        return self._answer(text, question, loaded)

    def _answer(self, text: str, question: Question, loaded: _Loaded) -> Reply:
        started = time.perf_counter()
        decision = loaded.matcher.decide(text)
        reply = render_decision(decision, text, loaded.knowledge)
        if self.metrics is not None:
            best = decision.best
            partner = best.entry.partner if best and decision.kind == "answer" else "none"
            self.metrics.observe_question(
                question.transport, decision.kind, partner, time.perf_counter() - started
            )
        return reply
