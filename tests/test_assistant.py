"""The assistant: when to answer, commands, bad input, knowledge swaps and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot import assistant as assistant_module
from bot.assistant import Assistant
from bot.config import AssistantConfig, Config
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Decision, Question, Reply

FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"
GOOD = "mag een handhaver op instagram meekijken bij jongeren"
KINDS = {"answer", "clarify", "fallback", "help", "partners", "contact", "notice"}


@dataclass
class Observed:
    calls: list[tuple[str, str, str, float]] = field(default_factory=list)

    def observe_question(self, transport: str, decision: str, partner: str, seconds: float) -> None:
        self.calls.append((transport, decision, partner, seconds))


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def small() -> KnowledgeBase:
    return load_knowledge(FIXTURE)


@pytest.fixture
def assistant(shipped: KnowledgeBase) -> Assistant:
    return Assistant(shipped)


def ask(assistant: Assistant, text: str, **facts: object) -> Reply:
    reply = assistant.handle(Question(text=text, **facts))  # type: ignore[arg-type]
    assert reply is not None
    return reply


# --- is the message for the bot? -----------------------------------------------------------


@pytest.mark.parametrize("transport", ["matrix", "teams"])
def test_a_message_not_addressed_to_the_bot_is_ignored(
    assistant: Assistant, transport: str
) -> None:
    for text in (GOOD, "help", "partners", "", "hallo allemaal"):
        question = Question(text=text, transport=transport, mentioned=False)
        assert assistant.handle(question) is None


@pytest.mark.parametrize(
    "facts",
    [
        {"transport": "matrix", "mentioned": True},
        {"transport": "matrix", "always_addressed": True},
        {"transport": "teams", "mentioned": True},
        {"transport": "console", "always_addressed": True},
    ],
)
def test_an_addressed_question_is_answered(assistant: Assistant, facts: dict[str, object]) -> None:
    reply = ask(assistant, GOOD, **facts)
    assert reply.kind == "answer"
    assert reply.partner_name == assistant.knowledge.partner("handhaving").name  # type: ignore[union-attr]


# --- commands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("!help", "help"),
        ("!partners", "partners"),
        ("!contact", "contact"),
        ("!vraag", "help"),  # no question: explain how to ask
        (f"!vraag {GOOD}", "answer"),
        ("!  help", "help"),
        ("!HELP!", "help"),
    ],
)
def test_prefixed_commands_work_without_a_mention(
    assistant: Assistant, text: str, kind: str
) -> None:
    reply = ask(assistant, text, transport="matrix", mentioned=False)
    assert reply.kind == kind


def test_vraag_answers_like_a_plain_question(assistant: Assistant) -> None:
    via_command = ask(assistant, f"!vraag {GOOD}", transport="matrix")
    direct = ask(assistant, GOOD, transport="matrix", always_addressed=True, private=True)
    assert via_command.text == direct.text


def test_an_unknown_command_gets_a_notice(assistant: Assistant) -> None:
    reply = ask(assistant, "!koffie zetten", transport="matrix")
    assert reply.kind == "notice"
    assert "!help" in reply.text


@pytest.mark.parametrize(("text", "kind"), [("help", "help"), ("partners", "partners")])
def test_commands_without_prefix_work_when_addressed(
    assistant: Assistant, text: str, kind: str
) -> None:
    assert ask(assistant, text, transport="matrix", mentioned=True).kind == kind
    assert (
        ask(assistant, f"  {text.upper()}?  ", transport="console", always_addressed=True).kind
        == kind
    )


def test_a_command_word_with_more_text_is_a_question(assistant: Assistant) -> None:
    reply = ask(
        assistant,
        "contact opnemen met de wijkagent over een filmpje",
        transport="console",
        always_addressed=True,
    )
    assert reply.kind != "contact"  # matched as a question, not run as the command


def test_the_command_prefix_comes_from_config(shipped: KnowledgeBase) -> None:
    custom = Assistant(shipped, Config(assistant=AssistantConfig(command_prefix="/")))
    assert ask(custom, "/partners", transport="matrix").kind == "partners"
    assert custom.handle(Question(text="!partners", transport="matrix")) is None
    assert "/vraag" in ask(custom, "/help", transport="matrix").text


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "🙂🙂🤷‍♀️",
        "\u200b\u200b",
        "x" * 100_000,
        "mag een boa op insta kijken " * 4000,
        "\x00\x01\x02",
        "!",
        "!vraag    ",
        "<script>alert(1)</script>",
    ],
)
def test_bad_input_gets_a_sensible_reply(assistant: Assistant, text: str) -> None:
    reply = ask(assistant, text, transport="console", always_addressed=True)
    assert reply.kind in KINDS
    assert reply.text.strip() and reply.html.strip() and reply.markdown.strip()
    assert "<script>" not in reply.html


def test_empty_input_explains_what_the_bot_does(assistant: Assistant) -> None:
    assert ask(assistant, "   ", transport="console", always_addressed=True).kind == "help"


# --- knowledge swaps ----------------------------------------------------------------------


def test_swap_knowledge_serves_the_new_knowledge(
    shipped: KnowledgeBase, small: KnowledgeBase
) -> None:
    assistant = Assistant(shipped)
    assistant.swap_knowledge(small)
    assert assistant.knowledge is small
    assert assistant.matcher.knowledge is small
    reply = ask(assistant, "!partners", transport="matrix")
    assert "Gemeente" not in reply.text  # the small knowledge has no gemeente


def test_a_reply_uses_one_snapshot_even_when_swapped_mid_reply(
    shipped: KnowledgeBase, small: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant(small)
    old_matcher = assistant.matcher
    real_decide = old_matcher.decide

    def decide_then_swap(text: str) -> Decision:
        decision = real_decide(text)
        assistant.swap_knowledge(shipped)  # a reload lands while this reply is being built
        return decision

    monkeypatch.setattr(old_matcher, "decide", decide_then_swap)
    # The small knowledge's own words: it never says "rondkijken", an action it lacks.
    reply = ask(
        assistant, "mag een boa op instagram kijken", transport="console", always_addressed=True
    )
    assert reply.kind == "answer" and reply.decision is not None
    entry = reply.decision.matches[0].entry
    assert entry in small.entries
    # Partner name and source come from the same (old) knowledge as the entry.
    assert reply.partner_name == small.partner(entry.partner).name  # type: ignore[union-attr]
    assert reply.partner_name != shipped.partner(entry.partner).name  # type: ignore[union-attr]
    assert reply.source == entry.source
    # The next question is answered from the new knowledge.
    assert assistant.knowledge is shipped
    after = ask(
        assistant, "mag een boa op instagram rondkijken", transport="console", always_addressed=True
    )
    assert after.decision is not None and after.decision.matches[0].entry in shipped.entries


def test_a_failed_index_build_keeps_the_old_knowledge(
    shipped: KnowledgeBase, small: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant(shipped)
    matcher = assistant.matcher

    def broken(*_args: object) -> None:
        raise RuntimeError("index build failed")

    monkeypatch.setattr(assistant_module, "Matcher", broken)
    with pytest.raises(RuntimeError):
        assistant.swap_knowledge(small)
    assert assistant.knowledge is shipped and assistant.matcher is matcher
    assert ask(assistant, GOOD, transport="console", always_addressed=True).kind == "answer"


# --- metrics --------------------------------------------------------------------------------


def test_the_observer_gets_transport_decision_and_partner_never_text(
    shipped: KnowledgeBase,
) -> None:
    observed = Observed()
    assistant = Assistant(shipped, metrics=observed)
    marker = "zwartkoplampje-4711"
    ask(assistant, GOOD, transport="teams", mentioned=True)
    ask(
        assistant, f"fiets banaan {marker}", transport="matrix", always_addressed=True, private=True
    )
    ask(assistant, "!help", transport="matrix")  # a command is not a question
    assert [call[:3] for call in observed.calls] == [
        ("teams", "answer", "handhaving"),
        ("matrix", "fallback", "none"),
    ]
    for call in observed.calls:
        assert call[3] >= 0.0
        assert not any(marker in str(value) for value in call)
        assert not any(GOOD in str(value) for value in call)


def test_the_transport_name_alone_never_addresses_the_bot(assistant: Assistant) -> None:
    # "console" used to be the silent default that meant "always addressed".
    assert assistant.handle(Question(GOOD, transport="console")) is None
    assert ask(assistant, GOOD, transport="anything", always_addressed=True).kind == "answer"


def test_a_question_the_infographic_does_not_cover_offers_the_nearest_sections(
    assistant: Assistant,
) -> None:
    facts: dict[str, object] = {
        "transport": "console",
        "conversation_id": "c-uncovered",
        "sender_id": "u",
        "always_addressed": True,
    }
    reply = ask(assistant, "mag een boa iemand fouilleren?", **facts)
    assert reply.kind == "fallback"
    assert "zegt niets over “fouilleren”" in reply.text
    assert reply.option_ids and all(i.startswith("handhaving-") for i in reply.option_ids)
    chosen = ask(assistant, "1", **facts)
    assert chosen.kind == "answer" and chosen.decision is not None
    assert chosen.decision.matches[0].entry.id == reply.option_ids[0]
