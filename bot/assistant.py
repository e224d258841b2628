"""The assistant: decides whether a message is for the bot, and what to reply.

Transport-free. A transport hands it a ``Question`` (protocol facts already worked out) and
sends back whatever ``Reply`` comes out. The knowledge and its matcher are swapped as one
pair, so a reload never leaves a question answered from half-loaded knowledge.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.config import Config
from bot.conversation import (
    ConversationMemory,
    parse_choice,
    parse_follow_up,
    role_request_partner,
)
from bot.knowledge import KnowledgeBase
from bot.matching import MIN_RANKED, Matcher
from bot.models import Decision, Entry, Match, Question, Reply
from bot.replies import (
    render_contact,
    render_decision,
    render_help,
    render_no_section,
    render_notice,
    render_partners,
)
from bot.text import fold

_ASK_WORDS = frozenset({"vraag", "ask", "v"})
_HELP_WORDS = frozenset({"help", "hulp", "?", "start", "uitleg"})
_PARTNER_WORDS = frozenset({"partners", "partner"})
_CONTACT_WORDS = frozenset({"contact", "contacten", "contactgegevens"})


def _chosen(entry: Entry, text: str, matcher: Matcher) -> Decision:
    """The decision for an entry picked without matching (a choice, a follow-up, a role
    request); the matcher's own ranking of the text fills the other candidates."""
    _, ranked = matcher.rank(text)
    others = [match for match in ranked if match.entry.id != entry.id]
    matches = (Match(entry, 100.0), *others[: MIN_RANKED - 1])
    return Decision("answer", matches, confidence=100.0)


class QuestionObserver(Protocol):
    """Receives one observation per answered question (metrics); never the text."""

    def observe_question(
        self, transport: str, decision: str, partner: str, seconds: float
    ) -> None: ...


# Extra commands (admin upkeep, bot/admin.py): (command word, rest, question) -> a reply,
# or None when the word is not theirs.
CommandHook = Callable[[str, str, Question], Reply | None]
# Sees every matched question with its decision (daily counts, the opt-in unanswered log).
DecisionHook = Callable[[Question, str, Decision], None]


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
        self.command_hooks: list[CommandHook] = []
        self.decision_hooks: list[DecisionHook] = []
        self.memory = ConversationMemory(self.config.assistant.conversation_minutes * 60.0)

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
        addressed = question.mentioned or question.always_addressed
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
        for hook in self.command_hooks if explicit or not rest else ():
            if (hooked := hook(command, rest.strip(), question)) is not None:
                return hooked
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

    def _decide(self, text: str, loaded: _Loaded) -> Decision:
        """The matcher's decision, unless the text asks what a partner can mean for you."""
        partner = role_request_partner(text, loaded.matcher)
        role_entry = loaded.matcher.entry_for(partner, "rol") if partner else None
        if role_entry is not None:
            return _chosen(role_entry, text, loaded.matcher)
        return loaded.matcher.decide(text)

    def _continue(self, text: str, question: Question, loaded: _Loaded) -> Reply | None:
        """A reply that continues the conversation: a choice after "Bedoel je", or a
        follow-up for another partner after an answer. None when the text is neither."""
        context = self.memory.recall(question)
        if context is None:
            return None
        knowledge, matcher = loaded.knowledge, loaded.matcher
        entries = [e for e in map(knowledge.entry, context.entry_ids) if e is not None]
        if not entries:
            return None  # the knowledge was reloaded without those entries
        if context.kind == "clarify":
            choice = parse_choice(text, entries, matcher)
            if choice is None:
                return None
            return render_decision(_chosen(entries[choice], text, matcher), text, knowledge)
        follow_up = parse_follow_up(text, entries[0], matcher)
        if follow_up is None:
            return None
        entry = matcher.entry_for(follow_up.partner, follow_up.topic)
        if entry is not None:
            return render_decision(_chosen(entry, text, matcher), text, knowledge)
        return render_no_section(
            follow_up.partner, follow_up.topic, matcher.entries_of(follow_up.partner), knowledge
        )

    def _remember(self, question: Question, reply: Reply) -> None:
        decision = reply.decision
        if reply.kind == "answer" and decision is not None and decision.best is not None:
            self.memory.remember(question, "answer", [decision.best.entry.id])
        elif reply.kind == "clarify" and reply.option_ids:
            self.memory.remember(question, "clarify", reply.option_ids)
        else:
            self.memory.forget(question)

    def _answer(self, text: str, question: Question, loaded: _Loaded) -> Reply:
        started = time.perf_counter()
        reply = self._continue(text, question, loaded)
        if reply is None:
            decision = self._decide(text, loaded)
            reply = render_decision(decision, text, loaded.knowledge)
        self._remember(question, reply)
        decision = reply.decision or Decision("fallback", ())
        if self.metrics is not None:
            best = decision.best
            partner = best.entry.partner if best and decision.kind == "answer" else "none"
            self.metrics.observe_question(
                question.transport, decision.kind, partner, time.perf_counter() - started
            )
        for observe in self.decision_hooks:
            observe(question, text, decision)
        return reply
