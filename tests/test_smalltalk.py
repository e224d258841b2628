"""Small talk gets a short friendly reply, not the fallback; questions are never small talk."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.smalltalk import classify
from bot.transports.console import console_question


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hoi", "greeting"),
        ("Goedemorgen!", "greeting"),
        ("hallo allemaal", "greeting"),
        ("bedankt!", "thanks"),
        ("top, dank je wel", "thanks"),
        ("thnx", "thanks"),
        ("doei", "goodbye"),
        ("ok bedankt, fijne dag", "goodbye"),
        ("wat kun je?", "capabilities"),
        ("wat kan jij nog meer?", "capabilities"),
        ("Wat kun je eigenlijk allemaal?", "capabilities"),
        ("oké", "acknowledgement"),
    ],
)
def test_small_talk_is_recognised(text: str, kind: str) -> None:
    assert classify(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "hoi, mag een boa online rondkijken?",
        "bedankt, en wat mag de gemeente online?",
        "wat kun je vertellen over de digitale wijkagent?",
        "wat doet een jongerenwerker",
        "2",
        "",
        "dag " * 20,
    ],
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert classify(text) is None


@pytest.mark.parametrize("text", ["hoi", "bedankt", "goedemorgen", "wat kun je?", "doei"])
def test_small_talk_gets_a_short_reply_without_fallback_or_addresses(text: str) -> None:
    assistant = Assistant(load_knowledge())
    reply = assistant.handle(console_question(text))
    assert reply is not None and reply.kind == "smalltalk"
    assert "Geen antwoord" not in reply.text and "@" not in reply.text
    assert len(reply.text) < 500
