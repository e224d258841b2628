"""One command table: commands run from it, and help is generated from it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.assistant import Assistant
from bot.commands import Command, CommandCall, render_help
from bot.config import AdminConfig, AssistantConfig, Config
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Question, Reply
from bot.replies import render_notice

ADMIN = "@beheer:example.org"


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


def _ask(assistant: Assistant, text: str, **facts: object) -> Reply:
    question = Question(text, transport="matrix", **facts)  # type: ignore[arg-type]
    reply = assistant.handle(question)
    assert reply is not None
    return reply


def test_adding_a_command_is_one_entry_and_help_lists_it(knowledge: KnowledgeBase) -> None:
    assistant = Assistant(knowledge)

    def koffie(call: CommandCall) -> Reply:
        return render_notice("notice", "Koffie", f"Koffie voor {call.rest or 'iedereen'}")

    assistant.commands.append(Command(("koffie",), koffie, "koffie zetten", argument="voor wie"))
    assert "Koffie voor Piet" in _ask(assistant, "!koffie Piet").text
    assert "Koffie voor Piet" in _ask(assistant, "koffie Piet", mentioned=True).text
    help_text = _ask(assistant, "!help").text
    assert "!koffie voor wie: koffie zetten" in help_text


def test_help_shows_no_escapes_in_any_format(knowledge: KnowledgeBase) -> None:
    reply = _ask(Assistant(knowledge), "!help")
    for command in ("vraag", "partners", "contact", "help"):
        assert f"!{command}" in reply.text
        assert f"!{command}" in reply.markdown
        assert f"<strong>!{command}</strong>" in reply.html
    for rendering in (reply.text, reply.markdown, reply.html):
        assert "\\" not in rendering  # "\!vraag" showed its backslash


def test_help_says_how_to_address_the_bot_here(knowledge: KnowledgeBase) -> None:
    hint = "Noem mij met @Partnerwijzer in je bericht."
    reply = _ask(Assistant(knowledge), "!help", address_hint=hint)
    assert hint in reply.text


def test_an_odd_prefix_is_shown_safely(knowledge: KnowledgeBase) -> None:
    config = Config(assistant=AssistantConfig(command_prefix="<b>*"))
    reply = _ask(Assistant(knowledge, config), "<b>*help")
    assert "<b>" not in reply.html

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.tags.append(tag)

    parser = Tags()
    parser.feed(reply.html)
    assert "b" not in parser.tags


def test_admin_commands_are_listed_only_for_admins(knowledge: KnowledgeBase) -> None:
    from bot.admin import Upkeep
    from bot.store import Store

    config = Config(admins=AdminConfig(users=(ADMIN,)))
    assistant = Assistant(knowledge, config)
    with Store(":memory:") as store:
        Upkeep(config, assistant, store).install()
        for_admin = _ask(assistant, "!help", sender_id=ADMIN, private=True).text
        for_others = _ask(assistant, "!help", sender_id="@iemand:example.org").text
    assert "!status" in for_admin and "!unanswered" in for_admin
    assert not re.search(r"!(status|stats|reload|unanswered)\b", for_others)


def test_a_command_word_inside_a_sentence_is_a_question(knowledge: KnowledgeBase) -> None:
    reply = _ask(Assistant(knowledge), "contact opnemen met de wijkagent", mentioned=True)
    assert reply.kind != "contact"


def test_render_help_lists_every_non_admin_command() -> None:
    def nothing(call: CommandCall) -> Reply:
        raise AssertionError

    table = [Command(("een",), nothing, "eerste"), Command(("twee",), nothing, "tweede", True)]
    reply = render_help(table, Question("", transport="x"), "/")
    assert "/een: eerste" in reply.text and "/twee" not in reply.text


FALLBACK_QUESTION = "wie wint het wk voetbal"


@pytest.mark.parametrize(
    ("text", "facts", "instruction"),
    [
        # A Matrix room, asked with the prefix: help needs the prefix too.
        (f"!vraag {FALLBACK_QUESTION}", {}, "typ !help voor voorbeelden"),
        # Asked with a mention (a Teams channel has no other way): a mention again.
        (FALLBACK_QUESTION, {"mentioned": True}, "noem mij en typ help voor voorbeelden"),
        # The terminal or a 1:1 chat: every message is for the bot.
        (FALLBACK_QUESTION, {"always_addressed": True}, "typ help voor voorbeelden"),
    ],
)
def test_the_fallback_says_how_to_ask_for_help_here(
    knowledge: KnowledgeBase, text: str, facts: dict[str, bool], instruction: str
) -> None:
    reply = _ask(Assistant(knowledge), text, **facts)
    assert reply.kind == "fallback"
    assert instruction in reply.text
    assert "vraag me om help" not in reply.text  # "help" alone is not a command in a room
    for rendering in (reply.text, reply.markdown, reply.html):
        assert "\\" not in rendering


def test_what_can_you_do_says_how_to_ask_for_help_here(knowledge: KnowledgeBase) -> None:
    reply = _ask(Assistant(knowledge), "!vraag wat kun je?")
    assert reply.kind == "smalltalk"
    assert "typ !help voor voorbeelden" in reply.text
    direct = _ask(Assistant(knowledge), "wat kun je?", always_addressed=True)
    assert "typ help voor voorbeelden" in direct.text
