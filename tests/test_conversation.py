"""Conversation beyond single answers: choices after clarify, follow-ups, comparisons."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.assistant import Assistant
from bot.config import AssistantConfig, Config
from bot.conversation import ConversationMemory, parse_choice, role_request_partner
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Question, Reply
from bot.transports.teams import build_card


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def assistant(knowledge: KnowledgeBase, clock: Clock) -> Assistant:
    bot = Assistant(knowledge, Config(assistant=AssistantConfig(conversation_minutes=10)))
    bot.memory = ConversationMemory(600.0, clock=clock)
    return bot


def chat(assistant: Assistant, room: str = "!r", user: str = "@u", thread: str | None = None):
    def say(text: str) -> Reply:
        reply = assistant.handle(
            Question(
                text=text,
                transport="matrix",
                conversation_id=room,
                sender_id=user,
                thread_id=thread,
                mentioned=True,
            )
        )
        assert reply is not None
        return reply

    return say


def answered(reply: Reply) -> tuple[str, str]:
    assert reply.kind == "answer", reply.text
    assert reply.decision is not None and reply.decision.best is not None
    entry = reply.decision.best.entry
    return (entry.partner, entry.topic)


def offer(say: Callable[[str], Reply]) -> Reply:
    """A clarify-like offer: a follow-up for a partner that lacks the section."""
    assert answered(say("wat doet een digitaal wijkagent?")) == ("politie", "digitale-wijkagent")
    reply = say("en bij de gemeente?")
    assert reply.kind == "clarify"
    return reply


def test_follow_up_gives_the_same_topic_for_the_partner_named(assistant: Assistant) -> None:
    say = chat(assistant)
    assert answered(say("welke opleidingen kan de politie volgen?")) == ("politie", "opleidingen")
    assert answered(say("en de gemeente?")) == ("gemeente", "opleidingen")
    assert answered(say("hoe zit dat bij handhaving?")) == ("handhaving", "opleidingen")


def test_a_follow_up_for_a_missing_section_says_so_and_offers_what_there_is(
    assistant: Assistant, knowledge: KnowledgeBase
) -> None:
    reply = offer(chat(assistant))
    assert "geen onderdeel" in reply.text
    gemeente_entries = [e.id for e in knowledge.entries if e.partner == "gemeente"]
    assert list(reply.option_ids) == gemeente_entries
    assert len(reply.options) == len(gemeente_entries)


@pytest.mark.parametrize(
    ("choice", "position"),
    [("1", 0), ("2", 1), ("nummer 3", 2), ("de eerste", 0), ("tweede", 1), ("2️⃣", 1)],
)
def test_choosing_an_option_answers_it(assistant: Assistant, choice: str, position: int) -> None:
    say = chat(assistant)
    options = offer(say).option_ids
    reply = say(choice)
    assert reply.decision is not None and reply.decision.best is not None
    assert reply.decision.best.entry.id == options[position]


def test_choosing_by_topic_words(assistant: Assistant) -> None:
    say = chat(assistant)
    offer(say)
    assert answered(say("die over opleidingen")) == ("gemeente", "opleidingen")


def test_a_number_without_an_open_question_is_not_an_answer(assistant: Assistant) -> None:
    assert chat(assistant)("2").kind == "fallback"


def test_the_context_expires(assistant: Assistant, clock: Clock) -> None:
    say = chat(assistant)
    offer(say)
    clock.now += 601
    assert say("1").kind == "fallback"


def test_context_is_kept_per_user_room_and_thread(assistant: Assistant) -> None:
    offer(chat(assistant, user="@a"))
    assert chat(assistant, user="@b")("1").kind == "fallback"
    assert chat(assistant, room="!other", user="@a")("1").kind == "fallback"
    assert chat(assistant, user="@a", thread="$t")("1").kind == "fallback"
    assert chat(assistant, user="@a")("1").kind == "answer"


def test_a_new_question_after_an_answer_is_matched_afresh(assistant: Assistant) -> None:
    say = chat(assistant)
    answered(say("mag een boa online rondkijken?"))
    assert answered(say("en welke opleidingen kan de gemeente volgen?")) == (
        "gemeente",
        "opleidingen",
    )


def test_a_choice_from_knowledge_that_was_reloaded_away_is_ignored(
    assistant: Assistant, knowledge: KnowledgeBase
) -> None:
    say = chat(assistant)
    offer(say)
    smaller = knowledge.__class__(
        partners=knowledge.partners,
        contacts=knowledge.contacts,
        entries=tuple(e for e in knowledge.entries if e.partner != "gemeente"),
        synonyms=knowledge.synonyms,
        topics=knowledge.topics,
        version="smaller",
        path=knowledge.path,
        _partners_by_id={p.id: p for p in knowledge.partners},
        _entries_by_id={e.id: e for e in knowledge.entries if e.partner != "gemeente"},
    )
    assistant.swap_knowledge(smaller)
    assert say("1").kind == "fallback"


@pytest.mark.parametrize(
    ("text", "partner"),
    [
        ("wat kan de gemeente voor mij betekenen?", "gemeente"),
        ("Wat kunnen jongerenwerkers voor ons betekenen", "jongerenwerk"),
        ("wat kan ik van scholen verwachten?", "scholen"),
    ],
)
def test_what_a_partner_can_mean_gives_its_role(
    assistant: Assistant, text: str, partner: str
) -> None:
    assert answered(chat(assistant)(text)) == (partner, "rol")
    assert role_request_partner(text, assistant.matcher) == partner


def test_parse_choice_refuses_long_new_questions(assistant: Assistant) -> None:
    options = [e for e in assistant.knowledge.entries if e.partner == "politie"][:3]
    question = "welke opleidingen zijn er voor de politie en wat kost een training eigenlijk"
    assert parse_choice(question, options, assistant.matcher) is None


def test_a_comparison_sets_partners_side_by_side(assistant: Assistant) -> None:
    reply = chat(assistant)("welke partners mogen een anoniem account gebruiken?")
    assert answered(reply) == ("algemeen", "online")
    names = [name for name, _ in reply.comparison]
    assert len(names) >= 4 and "Politie" in names
    # Matrix HTML: a table with a row per partner
    assert "<table>" in reply.html
    assert reply.html.count("<tr>") == len(names) + 1
    # terminal: aligned columns
    rows = [line for line in reply.text.splitlines() if " | " in line]
    assert len(rows) == len(names)
    assert len({line.index(" | ") for line in rows}) == 1
    # Teams: a FactSet with the same rows, behind "Meer" (the lead comes first)
    card = build_card(reply)
    blocks = [b for block in card["body"] for b in [block, *block.get("items", [])]]
    facts = [block for block in blocks if block.get("type") == "FactSet"]
    assert [fact["title"] for fact in facts[0]["facts"]] == names


def test_memory_holds_entry_ids_not_message_text(assistant: Assistant) -> None:
    say = chat(assistant)
    answered(say("welke opleidingen kan de politie volgen voor osint?"))
    (context,) = assistant.memory._contexts.values()
    assert context.entry_ids == ("politie-opleidingen",)
    assert "osint" not in repr(context).lower()


# --- same partner, new topic; new questions; stray numbers ------------------------------------


@pytest.mark.parametrize(
    ("first", "partner", "follow_up", "topic"),
    [
        (
            "mag een boa online rondkijken?",
            "handhaving",
            "welke opleidingen kunnen ze volgen?",
            "opleidingen",
        ),
        (
            "wat doet oov bij de aanpak van jeugdcriminaliteit?",
            "gemeente",
            "en de bronnen?",
            "bronnen",
        ),
        (
            "wat doen jongerenwerkers eigenlijk?",
            "jongerenwerk",
            "en wat mogen zij online?",
            "online",
        ),
        (
            "wat doet een digitaal wijkagent?",
            "politie",
            "welke info is voor hen relevant?",
            "informatie",
        ),
        (  # "daarvoor" points back at the answer; alone it went to jongerenwerk
            "mag een boa een nepaccount maken",
            "handhaving",
            "welke opleiding kan ik daarvoor volgen",
            "opleidingen",
        ),
    ],
)
def test_a_pronoun_or_bare_topic_keeps_the_partner(
    assistant: Assistant, first: str, partner: str, follow_up: str, topic: str
) -> None:
    say = chat(assistant)
    assert answered(say(first))[0] == partner
    assert answered(say(follow_up)) == (partner, topic)


def test_a_bare_topic_after_a_comparison_is_a_new_question(assistant: Assistant) -> None:
    say = chat(assistant)
    assert answered(say("welke partners mogen een anoniem account gebruiken?"))[0] == "algemeen"
    # No partner to keep: "wijkagent" alone is a question about the wijkagent, not a
    # follow-up on the comparison's topic.
    reply = say("wijkagent")
    assert reply.kind != "answer" or answered(reply) != ("politie", "online")


def test_a_complete_question_naming_a_partner_is_never_a_follow_up(assistant: Assistant) -> None:
    say = chat(assistant)
    assert answered(say("mag de gemeente een anoniem account gebruiken?")) == ("gemeente", "online")
    assert answered(say("wat houdt het taakaccent jeugd bij handhaving in?")) == (
        "handhaving",
        "taakaccent-jeugd",
    )


def test_an_unanswered_aside_keeps_the_topic_for_a_follow_up(assistant: Assistant) -> None:
    say = chat(assistant)
    assert answered(say("wat zijn de kansen voor de gemeente?")) == ("gemeente", "kansen")
    assert say("wordt het morgen droog in utrecht?").kind == "fallback"
    assert answered(say("en voor de politie?")) == ("politie", "kansen")


def test_a_stray_number_says_no_list_is_open(assistant: Assistant) -> None:
    reply = chat(assistant)("2")
    assert reply.kind == "fallback"
    assert "geen keuzelijst open" in reply.text
    assert "Je vroeg" not in reply.text and "@" not in reply.text  # no full fallback


def test_small_talk_keeps_the_conversation(assistant: Assistant) -> None:
    say = chat(assistant)
    assert answered(say("wat zijn de kansen voor de gemeente?")) == ("gemeente", "kansen")
    assert say("top, dank je wel").kind == "smalltalk"
    assert answered(say("en de politie?")) == ("politie", "kansen")
