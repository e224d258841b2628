"""Conversation beyond single questions: choosing after "Bedoel je", follow-ups, role requests.

Chat users answer "2" to a clarify question, or ask "en de gemeente?" right after an answer
about the police. ``ConversationMemory`` keeps, per room, user and thread, only the entry ids
of the last answer or of the options offered (never message text), and forgets them after a
configurable time. The functions here read a new message against that context; they are pure
apart from the memory.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.matching import GENERAL_PARTNER, Matcher
from bot.models import Decision, Entry, Match, Question
from bot.text import fold, tokenize

ContextKind = Literal["answer", "clarify"]
ConversationKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class Context:
    kind: ContextKind
    entry_ids: tuple[str, ...]  # answer: the entry answered; clarify: the options, in order
    at: float


class ConversationMemory:
    """Last context per (transport, room, user, thread), expiring after ``ttl_seconds``."""

    def __init__(
        self,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_conversations: int = 10_000,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._max = max_conversations
        self._contexts: OrderedDict[ConversationKey, Context] = OrderedDict()

    @staticmethod
    def key(question: Question) -> ConversationKey:
        return (
            question.transport,
            question.conversation_id,
            question.sender_id,
            question.thread_id or "",
        )

    def remember(self, question: Question, kind: ContextKind, entry_ids: Sequence[str]) -> None:
        key = self.key(question)
        self._contexts[key] = Context(kind, tuple(entry_ids), self._clock())
        self._contexts.move_to_end(key)
        while len(self._contexts) > self._max:
            self._contexts.popitem(last=False)

    def recall(self, question: Question) -> Context | None:
        key = self.key(question)
        context = self._contexts.get(key)
        if context is None:
            return None
        if self._clock() - context.at > self.ttl_seconds:
            del self._contexts[key]
            return None
        return context

    def forget(self, question: Question) -> None:
        self._contexts.pop(self.key(question), None)


# --- choosing an option ---------------------------------------------------------------------

_KEYCAP = re.compile("[\ufe0f\u20e3]")
_NUMBER = re.compile(r"^(?:optie|nummer|nr|keuze|antwoord|de)?\s*([1-9])(?:e|ste|de)?$")
_ORDINALS = {
    "eerste": 1,
    "tweede": 2,
    "derde": 3,
    "vierde": 4,
    "vijfde": 5,
    "first": 1,
    "second": 2,
    "third": 3,
}
_CHOICE_FILLER = frozenset(
    "de het die dat deze over van voor bij met graag doe maar geef mij me optie nummer nr "
    "keuze antwoord bedoel ik ja welke the one please".split()
)


def parse_choice(text: str, options: Sequence[Entry], matcher: Matcher) -> int | None:
    """The 0-based option a reply picks ("2", "de eerste", "die over de gemeente"), or None."""
    folded = fold(_KEYCAP.sub("", text)).strip(" .!?")
    number = _NUMBER.match(folded)
    if number:
        index = int(number.group(1)) - 1
        return index if index < len(options) else None
    words = tokenize(folded)
    if len(words) > 8:
        return None  # a new question, not a choice
    for word in words:
        if word in _ORDINALS and _ORDINALS[word] <= len(options):
            return _ORDINALS[word] - 1
        if word in ("laatste", "last"):
            return len(options) - 1
    # "die over de gemeente": the one option of the partner named.
    partners = matcher.partners_named(folded)
    if partners:
        chosen = [i for i, entry in enumerate(options) if entry.partner in partners]
        if len(chosen) == 1:
            return chosen[0]
    # "die over opleidingen": a short reply whose words fit exactly one option's topic.
    content = [word for word in words if word not in _CHOICE_FILLER]
    if content and len(content) <= 3:
        topics = [i for i, entry in enumerate(options) if _mentions_topic(content, entry)]
        if len(topics) == 1:
            return topics[0]
    return None


def _mentions_topic(words: Sequence[str], entry: Entry) -> bool:
    topic_words = set(tokenize(entry.topic.replace("-", " ")))
    return any(word in topic_words or word.rstrip("en") in topic_words for word in words)


# --- follow-ups and role requests -----------------------------------------------------------

# Words that make a short message a follow-up rather than a new question.
_FOLLOW_UP_START = re.compile(
    r"^(?:en|maar|ook|of|idem|hetzelfde|zelfde|voor|bij|hoe zit (?:dat|het)"
    r"|geldt (?:dat|dit)|wat als|en hoe|en wat)\b"
)
_FOLLOW_UP_FILLER = frozenset(
    "en maar ook of hoe zit zitten dat dit het geldt gelden voor bij met de van als wat "
    "daar daarmee daarvoor dan nou eigenlijk hier over andere overige rest anderen "
    "idem hetzelfde zelfde vraag".split()
)
# Words that stand for the partner just discussed: "welke opleidingen kunnen ze volgen?"
# ("die", "daar" and "hun" are left out: they are as often relative or about jongeren.)
_PARTNER_PRONOUNS = frozenset("ze zij hen daarbij they them".split())
# Words that point back at the answer just given ("welke opleiding kan ik daarvoor
# volgen?" after a boa answer): the question goes on about that partner.
_ANSWER_REFERENCES = frozenset("daarvoor daarover daarmee daarin hiervoor hierover".split())
# A bare topic after an answer ("en de kansen?") is short; longer text is a new question.
MAX_BARE_TOPIC_WORDS = 6
_ROLE_REQUEST = re.compile(
    r"\bwat (?:kan|kunnen|doet|doen) (?P<subject>.+?) voor (?:mij|ons|jou|jullie|me) "
    r"(?:betekenen|doen|betekenen\?)"
    r"|\bwat (?:kan|mag) ik (?:van|aan) (?P<subject2>.+?) (?:verwachten|hebben)\b"
)


@dataclass(frozen=True)
class FollowUp:
    partner: str  # the partner the follow-up asks about
    topic: str  # the topic of the previous answer


def parse_follow_up(text: str, previous: Entry, matcher: Matcher) -> FollowUp | None:
    """ "en de gemeente?" after an answer: the same topic for the partner now named."""
    folded = matcher.surface(text)
    words = folded.split()
    if not words or len(words) > 10:
        return None
    query = matcher.query_words(text)
    partners = set(matcher.partners_named(text)) - {previous.partner}
    if len(partners) != 1:
        return None
    partner_words = matcher.partner_words()
    # Filler is judged on the word as typed too: the lemmatiser reads "geldt" as "geld".
    leftover = [
        word
        for word, resolved in query
        if word.surface not in _FOLLOW_UP_FILLER
        and word.lemma not in _FOLLOW_UP_FILLER
        and not any(token in partner_words for token in resolved)
    ]
    # A message that brings its own subject ("en wat mag de gemeente online?") is a new
    # question; one that only names another partner continues the previous topic.
    if leftover:
        return None
    # Only a partner's name, without "en", "ook", "hoe zit dat bij"...: a new question
    # ("wijkagent" after a comparison asks about the wijkagent, not the comparison's topic).
    if not _FOLLOW_UP_START.match(folded):
        return None
    (partner,) = partners
    return FollowUp(partner=partner, topic=previous.topic)


def same_partner_topic(text: str, previous: Entry, matcher: Matcher) -> Decision | None:
    """ "welke opleidingen kunnen ze volgen?" or "en de kansen?" after an answer about one
    partner: a new topic for the same partner. The decision for the text read with that
    partner named, when it picks that partner's entries; else None (a new question)."""
    if previous.partner == GENERAL_PARTNER:
        return None
    words = matcher.surface(text).split()
    if not words or len(words) > 10:
        return None
    if matcher.partners_named(text) - {GENERAL_PARTNER}:
        return None  # it names a partner: parse_follow_up or a new question
    pronoun = any(word in _PARTNER_PRONOUNS or word in _ANSWER_REFERENCES for word in words)
    bare_topic = bool(_FOLLOW_UP_START.match(" ".join(words))) and (
        len(words) <= MAX_BARE_TOPIC_WORDS
    )
    if not (pronoun or bare_topic):
        return None
    decision = matcher.decide(f"{text} {previous.partner}")
    best = decision.best
    if decision.kind == "answer" and best is not None and best.entry.partner == GENERAL_PARTNER:
        # A comparison's topic ("wat mogen zij online?"): that partner's own section on it.
        own = matcher.entry_for(previous.partner, best.entry.topic)
        if own is not None:
            others = tuple(match for match in decision.matches if match.entry.id != own.id)
            return Decision("answer", (Match(own, best.score), *others), confidence=best.score)
    chosen = decision.options if decision.kind == "clarify" else decision.matches[:1]
    if decision.kind == "fallback" or not chosen:
        return None
    if any(match.entry.partner != previous.partner for match in chosen):
        return None
    return decision


def bare_number(text: str) -> bool:
    """A message that is only an option number ("2", "de 3e", "2️⃣")."""
    return bool(_NUMBER.match(fold(_KEYCAP.sub("", text)).strip(" .!?")))


def role_request_partner(text: str, matcher: Matcher) -> str | None:
    """The partner in "wat kan de gemeente voor mij betekenen?", if exactly one is named."""
    found = _ROLE_REQUEST.search(matcher.surface(text))
    if not found:
        return None
    subject = found.group("subject") or found.group("subject2") or ""
    partners = matcher.partners_named(subject) - {GENERAL_PARTNER}
    return next(iter(partners)) if len(partners) == 1 else None
