"""Property tests: any text gets a sensible reply, never an exception."""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser
from typing import get_args

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.models import ReplyKind
from bot.text import MAX_MATCH_CHARS
from bot.transports.console import console_question

# Every kind a person may get in the terminal; "status" is admin output, never here.
KINDS = set(get_args(ReplyKind)) - {"status"}
# Text with many of the characters that break naive code: controls, combining marks,
# surrogates-free astral symbols, right-to-left text, Markdown and HTML specials.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("<>&\"'*_[]()`#!@\\\n\t\r\u200b\u202e\u0301\ufeff")),
    ),
    max_size=10_000,
)
WORDS = st.lists(
    st.sampled_from(
        ["mag", "boa", "insta", "politie", "osint", "welke", "partners", "<b>", "**", "!", "é"]
    ),
    max_size=40,
).map(" ".join)


@cache
def assistant() -> Assistant:
    return Assistant(load_knowledge())


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(NASTY, WORDS))
@example(text="YO")  # small talk: hypothesis found it, the kinds above missed "smalltalk"
@example(text="!stats")  # an admin command where there is no admin: a refusal
def test_any_text_gets_a_reply(text: str) -> None:
    reply = assistant().handle(console_question(text))
    assert reply is not None
    assert reply.kind in KINDS
    assert reply.text.strip() and reply.markdown.strip() and reply.html.strip()
    parser = _Tags()
    parser.feed(reply.html)
    assert not parser.tags & {"script", "img", "b", "iframe", "style"}
    if reply.decision is not None:
        assert len(reply.decision.matches) >= 3
        assert all(0 <= match.score <= 100 for match in reply.decision.matches)


@settings(max_examples=50, deadline=None)
@given(head=WORDS, tail=NASTY)
def test_only_the_first_characters_are_matched(head: str, tail: str) -> None:
    matcher = assistant().matcher
    text = (head + " " * MAX_MATCH_CHARS)[:MAX_MATCH_CHARS] + tail
    assert matcher.query_tokens(text) == matcher.query_tokens(text[:MAX_MATCH_CHARS])
