"""The Teams app end to end: ``partnerbot run`` as a real process, driven through Microsoft's
Agents Playground (a local Teams emulator) on 127.0.0.1.

Each test uses its own user or conversation, so conversation memory of one test cannot
leak into another. Expected replies come from a reference Assistant over the same shipped
knowledge, asked in the same order with the same conversation keys as the bot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playground import Playground, TeamsClient, free_port, playground_binary

from bot.admin.access import NOT_HERE
from bot.assistant import Assistant
from bot.config import Config
from bot.knowledge import load_knowledge
from bot.models import Question, Reply
from bot.transports.teams.app_events import thread_of

pytestmark = pytest.mark.playground
# Asked in the same order as the bot, with the same conversation keys.
REFERENCE = Assistant(load_knowledge(), Config())

GOOD = "mag een boa online rondkijken op instagram?"
POLICE = "wat doet de politie online?"
OFFER = ("wat doet een digitaal wijkagent?", "en bij de gemeente?")
# The Playground's signed-in user (its default mock tenant): the admin of this bot.
PLAYGROUND_ADMIN = "00000000-0000-0000-0000-0000000000020"


@dataclass
class Running:
    client_url: str
    config: dict[str, Any]
    bot_url: str
    bot_log: Path
    users: dict[str, str]  # Playground user id -> Entra object id


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"partnerbot exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling for the port to open
    raise TimeoutError("partnerbot did not start")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    binary = playground_binary()
    if binary is None:
        pytest.fail("the Agents Playground is not installed: run scripts/test.sh")
    workdir = tmp_path_factory.mktemp("teams-app")
    bot_port = free_port()
    bot_url = f"http://127.0.0.1:{bot_port}"
    config_path = workdir / "config.yaml"
    config_path.write_text(
        json.dumps(
            {
                "web": {"host": "127.0.0.1", "port": bot_port},
                "storage": {"path": str(workdir / "bot.sqlite3")},
                "admins": {"teams": [PLAYGROUND_ADMIN]},
                "teams_app": {"unauthenticated": True},
            }
        ),
        encoding="utf-8",
    )
    bot_log = workdir / "bot.log"
    with bot_log.open("wb") as out:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        _wait_healthy(bot_url, bot, bot_log)
        playground = Playground(binary, f"{bot_url}/api/messages", workdir / "playground")
        try:
            config = playground.wait_ready()
            assert config["currentUser"]["aadObjectId"] == PLAYGROUND_ADMIN
            users = {config["currentUser"]["id"]: config["currentUser"]["aadObjectId"]}
            users.update({user["id"]: user["aadObjectId"] for user in config["users"]})
            yield Running(playground.url, config, bot_url, bot_log, users)
        finally:
            playground.stop()
    finally:
        bot.terminate()
        bot.wait(20)


@pytest.fixture
async def teams(running: Running) -> AsyncIterator[TeamsClient]:
    async with TeamsClient(running.client_url, running.config) as client:
        yield client


def expected(reference: Assistant, text: str, conversation: str, personal: bool = False) -> Reply:
    """What the bot must answer. The Playground sends every message as its signed-in user
    (whatever ``from`` says), so the memory is told apart by conversation and reply chain."""
    reply = reference.handle(
        Question(
            text=text,
            transport="teams_app",
            conversation_id=conversation,
            sender_id=PLAYGROUND_ADMIN,
            thread_id=thread_of(conversation),
            mentioned=True,
            always_addressed=personal,
            private=personal,
        )
    )
    assert reply is not None
    return reply


async def test_question_in_personal_chat_is_answered_with_a_card(teams: TeamsClient) -> None:
    mark = teams.seen()
    await teams.say(teams.personal, GOOD)
    message = await teams.next_message(teams.personal, mark)
    want = expected(REFERENCE, GOOD, teams.personal, personal=True)
    assert want.kind == "answer"
    assert message.title == want.title
    assert message.card["version"] == "1.4"
    assert len(json.dumps(message.card).encode()) < 28 * 1024


async def test_channel_answers_only_a_mention_and_replies_in_its_chain(teams: TeamsClient) -> None:
    mark = teams.seen()
    await teams.say(teams.channel, GOOD)  # no mention: not for the bot
    posted = await teams.say(teams.channel, POLICE, mention=True)
    message = await teams.next_message(teams.channel, mark)
    chain = posted["postConversationId"]
    assert message.title == expected(REFERENCE, POLICE, chain).title  # the first got no reply
    assert message.conversation_id == chain
    assert [m.conversation_id for m in teams.messages_since(mark)] == [chain]


async def test_mention_in_group_chat_is_answered(teams: TeamsClient) -> None:
    mark = teams.seen()
    await teams.say(teams.group, POLICE, mention=True)
    message = await teams.next_message(teams.group, mark)
    assert message.title == expected(REFERENCE, POLICE, teams.group).title


async def test_clicking_option_2_gives_that_answer(teams: TeamsClient) -> None:
    # Each channel post starts its own reply chain: a conversation memory of its own. The
    # offer is the one tests/test_conversation.py pins: a follow-up for a partner that
    # lacks the section gets "Bedoel je" with that partner's sections.
    mark = teams.seen()
    posted = await teams.say(teams.channel, OFFER[0], mention=True)
    chain = posted["postConversationId"]
    first = await teams.next_message(chain, mark)
    assert first.title == expected(REFERENCE, OFFER[0], chain).title
    offer = expected(REFERENCE, OFFER[1], chain)
    assert offer.kind == "clarify" and len(offer.options) >= 2
    mark = teams.seen()
    await teams.say(chain, OFFER[1], mention=True)
    clarify = await teams.next_message(chain, mark)
    assert clarify.title == offer.title
    buttons = [a for a in clarify.card.get("actions", []) if a["type"] == "Action.Submit"]
    assert [b["title"].split(".")[0] for b in buttons] == [
        str(n) for n in range(1, len(offer.options) + 1)
    ]
    mark = teams.seen()
    await teams.click(clarify, buttons[1]["data"])
    chosen = await teams.next_message(chain, mark)
    want = expected(REFERENCE, "2", chain)
    assert want.kind == "answer"
    assert chosen.title == want.title


async def test_typing_the_number_still_works(teams: TeamsClient) -> None:
    mark = teams.seen()
    posted = await teams.say(teams.channel, OFFER[0], mention=True)
    chain = posted["postConversationId"]
    await teams.next_message(chain, mark)
    expected(REFERENCE, OFFER[0], chain)
    mark = teams.seen()
    await teams.say(chain, OFFER[1], mention=True)
    clarify = await teams.next_message(chain, mark)
    assert clarify.title == expected(REFERENCE, OFFER[1], chain).title
    mark = teams.seen()
    await teams.say(chain, "1", mention=True)
    chosen = await teams.next_message(chain, mark)
    want = expected(REFERENCE, "1", chain)
    assert want.kind == "answer"
    assert chosen.title == want.title


async def test_follow_up_for_another_partner(teams: TeamsClient) -> None:
    mark = teams.seen()
    posted = await teams.say(teams.channel, POLICE, mention=True)
    chain = posted["postConversationId"]
    first = await teams.next_message(chain, mark)
    assert first.title == expected(REFERENCE, POLICE, chain).title
    mark = teams.seen()
    await teams.say(chain, "en de gemeente?", mention=True)
    follow_up = await teams.next_message(chain, mark)
    want = expected(REFERENCE, "en de gemeente?", chain)
    assert want.kind == "answer"
    assert follow_up.title == want.title
    assert follow_up.title != first.title


async def test_dislike_feedback_shows_in_stats(teams: TeamsClient) -> None:
    mark = teams.seen()
    question = "wat mag een wijkagent online?"
    await teams.say(teams.personal, question)
    answer = await teams.next_message(teams.personal, mark)
    want = expected(REFERENCE, question, teams.personal, personal=True)
    assert want.decision is not None and want.decision.best is not None
    entry = want.decision.best.entry.id
    assert answer.title == want.title
    vote = {"actionName": "feedback", "actionValue": {"reaction": "dislike", "feedback": "{}"}}
    await teams.invoke(teams.personal, "message/submitAction", vote)  # asserts HTTP 200
    mark = teams.seen()
    await teams.say(teams.personal, "!stats")
    stats = await teams.next_message(teams.personal, mark)
    texts = [block.get("text", "") for block in stats.card["body"]]
    assert f"`{entry}`: 0 / 1" in "\n".join(texts)


async def test_welcome_on_install_once(teams: TeamsClient) -> None:
    mark = teams.seen()
    await teams.install(teams.personal)
    welcome = await teams.next_message(teams.personal, mark)
    assert welcome.title == "Welkom bij Partnerwijzer"
    examples = [b["text"] for b in welcome.card["body"] if b["text"].startswith("• ")]
    assert len(examples) == 3
    await teams.install(teams.personal)  # a second install event: no second welcome
    mark = teams.seen()
    await teams.say(teams.personal, "help")
    after = await teams.next_message(teams.personal, mark)
    assert after.title != "Welkom bij Partnerwijzer"


async def test_reload_result_is_posted_to_the_admin_chat(teams: TeamsClient) -> None:
    mark = teams.seen()
    await teams.say(teams.personal, "!reload")  # the admin's 1:1 chat, stored on first use
    started = await teams.next_message(teams.personal, mark)
    assert "opnieuw" in json.dumps(started.card, ensure_ascii=False)
    result = await teams.next_message(teams.personal, mark + 1)
    assert result.title.startswith("Kennisbank")


async def test_admin_output_stays_out_of_group_chats(teams: TeamsClient) -> None:
    # The Playground's user is an admin, but a group chat is not private: no stats there.
    mark = teams.seen()
    await teams.say(teams.group, "!stats", mention=True)
    refusal = await teams.next_message(teams.group, mark)
    shown = json.dumps(refusal.card, ensure_ascii=False)
    assert NOT_HERE in shown
    assert "Feedback per antwoord" not in shown
