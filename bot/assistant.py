"""The assistant: decides whether a message is for the bot, and what to reply.

Transport-free. A transport hands it a ``Question`` (protocol facts already worked out) and
sends back whatever ``Reply`` comes out. The knowledge and its matcher are swapped as one
pair, so a reload never leaves a question answered from half-loaded knowledge.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.commands import BASIC_COMMANDS, Command, CommandCall, command_word, find, render_help
from bot.config import Config
from bot.conversation import (
    ConversationMemory,
    bare_number,
    parse_choice,
    parse_follow_up,
    role_request_partner,
    same_partner_topic,
)
from bot.knowledge import KnowledgeBase
from bot.matching import MIN_RANKED, Matcher
from bot.models import Decision, Entry, Match, Question, Reply
from bot.replies import (
    help_instruction,
    render_decision,
    render_no_open_choice,
    render_no_section,
    render_notice,
)
from bot.smalltalk import small_talk_reply

log = logging.getLogger(__name__)


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


# Decides whether an admin command may run for this question: None when it may, else the
# refusal to send (set by admin upkeep, ``bot.admin``; without it admin commands are refused).
AdminGate = Callable[[Question], Reply | None]
# Sees every matched question with its decision (daily counts, the opt-in unanswered log).
# It must not block (no store writes, no waiting): a question may be answered on the event
# loop (``SerialAssistant.handle_now``).
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
        self.commands: list[Command] = list(BASIC_COMMANDS)
        self.admin_gate: AdminGate | None = None
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
        if text.startswith(prefix):
            return self._command(text[len(prefix) :].strip(), question, explicit=True)
        if not (question.mentioned or question.always_addressed):
            return None
        return self._command(text, question, explicit=False)

    def runs_command(self, question: Question) -> bool:
        """True when ``handle`` would run a command rather than answer a question (or say
        nothing): commands may read the store or wait for admin work, questions only compute."""
        text = question.text.strip()
        if text.startswith(self.config.assistant.command_prefix):
            return True
        if not (question.mentioned or question.always_addressed):
            return False
        return self._command_in(text, explicit=False) is not None

    def _command_in(self, text: str, *, explicit: bool) -> tuple[Command, str] | None:
        """The command the text calls, with its argument, or None when it is a question."""
        word, rest = command_word(text)
        command = find(self.commands, word) if text else find(self.commands, "help")
        if command is not None and (not rest or command.takes_argument or explicit):
            return command, rest
        return None

    def _command(self, text: str, question: Question, *, explicit: bool) -> Reply:
        """A command when the text is one (``!word``, or a command word on its own), else
        the answer to the text as a question."""
        loaded = self._loaded  # one snapshot for the whole reply
        prefix = self.config.assistant.command_prefix
        called = self._command_in(text, explicit=explicit)
        if called is not None:
            return self._run(*called, question, loaded)
        if explicit:  # "!word" with a word no command has
            return render_notice(
                "notice",
                "Onbekend commando",
                f"Dat commando ken ik niet. Typ **{prefix}help** voor wat ik kan, "
                f"of stel je vraag met **{prefix}vraag** …",
            )
        return self._answer(text, question, loaded)

    def _run(self, command: Command, rest: str, question: Question, loaded: _Loaded) -> Reply:
        if command.admin_only:
            refusal = self._refusal(question)
            outcome = "refused" if refusal is not None else "run"
            log.info("admin command %s %s (%s)", command.words[0], outcome, question.transport)
            if refusal is not None:
                return refusal
        prefix = self.config.assistant.command_prefix
        call = CommandCall(
            rest=rest,
            question=question,
            knowledge=loaded.knowledge,
            prefix=prefix,
            answer=lambda text: self._answer(text, question, loaded),
            help=lambda: render_help(
                self.commands, question, prefix, admin=self._refusal(question) is None
            ),
        )
        return command.handler(call)

    def _refusal(self, question: Question) -> Reply | None:
        if self.admin_gate is None:
            return render_notice("refusal", "", "Beheercommando's zijn hier niet beschikbaar.")
        return self.admin_gate(question)

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
            topic = same_partner_topic(text, entries[0], matcher)
            return render_decision(topic, text, knowledge) if topic is not None else None
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
        elif reply.option_ids:  # "Bedoel je" or the nearest sections after a fallback
            self.memory.remember(question, "clarify", reply.option_ids)
        else:
            context = self.memory.recall(question)
            # An unanswered aside keeps the last answer's topic for a follow-up after it.
            if reply.kind != "fallback" or context is None or context.kind != "answer":
                self.memory.forget(question)

    def _answer(self, text: str, question: Question, loaded: _Loaded) -> Reply:
        # Small talk is no question: no answer, no counts, the conversation's context stays.
        help_how = help_instruction(question, self.config.assistant.command_prefix)
        if (small := small_talk_reply(text, help_how)) is not None:
            return small
        started = time.perf_counter()
        reply = self._continue(text, question, loaded)
        if reply is None and bare_number(text):
            return render_no_open_choice(text)  # a stray "2": nothing to choose from
        if reply is None:
            decision = self._decide(text, loaded)
            reply = render_decision(decision, text, loaded.knowledge, help_how)
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
