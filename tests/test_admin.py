"""Admin commands in chat (bot/admin.py through the assistant's command hook)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from bot.admin import DAY, Upkeep
from bot.assistant import Assistant
from bot.config import AdminConfig, Config, PrivacyConfig
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Question, Reply
from bot.reloader import ReloadResult
from bot.store import Store

T0 = 1_700_000_000.0
ADMIN = "@beheer:example.org"
OTHER = "@iemand:example.org"
ADMIN_ROOM = "!beheer:example.org"
GROUP = "!partners:example.org"
TEAMS_ADMIN = "00000000-0000-4000-8000-00000000beef"  # an Entra object id
BOT = Path(__file__).resolve().parent.parent / "bot"


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    return load_knowledge()


class Harness:
    def __init__(self, knowledge: KnowledgeBase, **config: object) -> None:
        self.now = T0
        self.store = Store(":memory:")
        admins = AdminConfig(users=(ADMIN,), teams=(TEAMS_ADMIN,), room=ADMIN_ROOM)
        config.setdefault("admins", admins)
        self.config = replace(Config(), **config)  # type: ignore[arg-type]
        self.assistant = Assistant(knowledge, self.config)
        self.upkeep = Upkeep(self.config, self.assistant, self.store, lambda: self.now)
        self.upkeep.install()
        self.requests: list[Question] = []
        self.upkeep.request_reload = self.requests.append

    def say(
        self,
        text: str,
        sender: str = ADMIN,
        room: str = ADMIN_ROOM,
        transport: str = "matrix",
        **facts: bool,
    ) -> Reply:
        # Matrix can post later (the reload result), Teams webhooks cannot.
        facts.setdefault("can_post_later", transport == "matrix")
        question = Question(
            text, transport=transport, conversation_id=room, sender_id=sender, **facts
        )
        reply = self.assistant.handle(question)
        assert reply is not None
        return reply


@pytest.fixture
def harness(knowledge: KnowledgeBase) -> Harness:
    return Harness(knowledge)


@pytest.mark.parametrize("command", ["!reload", "!status", "!stats", "!unanswered", "!herladen"])
def test_anyone_but_an_admin_is_refused(harness: Harness, command: str) -> None:
    reply = harness.say(command, sender=OTHER)
    assert reply.kind == "refusal"
    assert "alleen voor beheerders" in reply.text
    assert len(reply.text) < 80  # short
    assert harness.requests == []


def test_admins_use_the_admin_room_or_a_direct_chat(harness: Harness) -> None:
    refused = harness.say("!status", room=GROUP)
    assert refused.kind == "refusal" and "beheerruimte" in refused.text
    assert (
        harness.say("!status", room="!dm:example.org", always_addressed=True, private=True).kind
        == "status"
    )
    assert harness.say("!status").kind == "status"


def test_without_an_admin_room_admin_output_stays_private(knowledge: KnowledgeBase) -> None:
    harness = Harness(knowledge, admins=AdminConfig(users=(ADMIN,)))
    for command in ("!unanswered", "!stats", "!status"):
        assert harness.say(command, room=GROUP).kind == "refusal"
        assert harness.say(command, room="!dm:example.org", private=True).kind == "status"


def test_admin_ids_count_only_on_their_own_transport(knowledge: KnowledgeBase) -> None:
    teams_admin = "29:1a2b3c-entra-object-id"
    harness = Harness(knowledge, admins=AdminConfig(matrix=(ADMIN,), teams=(teams_admin,)))
    # A Teams sender who calls themselves the Matrix admin is nobody special.
    impostor = harness.say("!stats", sender=ADMIN, transport="teams", private=True)
    assert impostor.kind == "refusal" and "alleen voor beheerders" in impostor.text
    assert harness.say("!status", sender=teams_admin, transport="matrix").kind == "refusal"
    # The Teams admin in a shared channel (every webhook conversation) is refused there ...
    channel = harness.say("!unanswered", sender=teams_admin, room="19:channel", transport="teams")
    assert channel.kind == "refusal" and "1-op-1" in channel.text
    # ... and served in a 1:1 chat with the bot.
    direct = harness.say(
        "!unanswered", sender=teams_admin, room="a:1on1", transport="teams", private=True
    )
    assert direct.kind == "status"


def test_reload_only_requests_and_says_where_the_result_goes(harness: Harness) -> None:
    reply = harness.say("!reload")
    assert reply.title == "Herladen gestart"
    assert "hier" in reply.text
    (request,) = harness.requests
    assert request.conversation_id == ADMIN_ROOM and request.sender_id == ADMIN
    dm = harness.say("!reload", room="!dm:example.org", always_addressed=True, private=True)
    assert "hier en in de beheerruimte" in dm.text
    teams = harness.say(
        "!herlaad", sender=TEAMS_ADMIN, room="a:1on1", transport="teams", private=True
    )
    assert "!status" in teams.text  # Teams cannot be told later: ask for the status


def test_mention_without_prefix_works_but_a_question_is_still_a_question(
    harness: Harness,
) -> None:
    assert harness.say("status", mentioned=True).kind == "status"
    asked = harness.say("status van de politie online bevoegdheden", mentioned=True)
    assert asked.kind != "status"
    assert harness.say("!unknown-admin-thing").title == "Onbekend commando"


def test_status_shows_version_entries_uptime_and_last_reload(
    harness: Harness, knowledge: KnowledgeBase
) -> None:
    harness.now = T0 + 3 * 3600 + 120
    first = harness.say("!status").text
    assert knowledge.version in first and f"{len(knowledge.entries)} entries" in first
    assert "3 u 2 min" in first
    assert "geen sinds de start" in first
    assert "Logboek onbeantwoorde vragen: uit" in first
    harness.upkeep.reload_finished(ReloadResult(False, "file", T0 + 60, knowledge.version, 45))
    assert "mislukt (0 problemen)" in harness.say("!status").text
    harness.upkeep.reload_finished(ReloadResult(True, "command", T0 + 120, "abcdef", 46))
    assert "2023-11-14 22:15 UTC (commando): gelukt" in harness.say("!status").text


def test_stats_counts_per_decision_partner_and_feedback_over_7_and_30_days(
    harness: Harness,
) -> None:
    harness.now = T0 - 20 * DAY  # outside the week, inside the month
    harness.say("mag een boa online rondkijken op instagram?", room=GROUP, mentioned=True)
    harness.now = T0
    harness.say("mag een boa online rondkijken op instagram?", room=GROUP, mentioned=True)
    harness.say("wat kost een kilo rijst bij de bakker", room=GROUP, mentioned=True)
    harness.now = T0 - 40 * DAY  # too old for either
    harness.say("wat kost een kilo rijst bij de bakker", room=GROUP, mentioned=True)
    harness.now = T0
    harness.store.remember_answer("$a", GROUP, "handhaving-online", T0)
    harness.store.record_feedback("$down", "$a", -1, T0)
    text = harness.say("!stats").text
    assert "Vragen (7 dagen / 30 dagen): 2 / 3" in text
    assert "antwoord: 1 / 2" in text and "geen antwoord: 1 / 1" in text
    assert "- Medewerkers toezicht en handhaving (T&H): 1 / 2" in text
    assert "matrix: 2 / 3" in text
    assert "`handhaving-online`: 0 / 1" in text


def test_unanswered_says_when_the_log_is_off(harness: Harness) -> None:
    reply = harness.say("!unanswered")
    assert "staat uit" in reply.text and "privacy.log_unanswered" in reply.text


def test_unanswered_lists_redacted_questions_newest_first(knowledge: KnowledgeBase) -> None:
    harness = Harness(knowledge, privacy=PrivacyConfig(log_unanswered=True))
    harness.say("wat kost een kilo rijst, bel 06-12345678", room=GROUP, mentioned=True)
    harness.now += 60
    harness.say("wat kost <b>brood</b> bij de `bakker`", room=GROUP, mentioned=True)
    reply = harness.say("!unanswered")
    lines = [line for line in reply.text.splitlines() if line[:2] in {"1.", "2."}]
    assert len(lines) == 2
    assert "brood" in lines[0] and "rijst" in lines[1]
    assert "[telefoon]" in lines[1] and "12345678" not in reply.text
    assert "<b>" not in reply.html  # user text is escaped in HTML
    assert "&lt;b&gt;brood&lt;/b&gt;" in reply.html
    assert len(harness.say("!unanswered 1").text.splitlines()) < len(reply.text.splitlines())


def test_the_admin_core_knows_no_transport() -> None:
    admin = sorted(path.relative_to(BOT) for path in (BOT / "admin").glob("*.py"))
    for name in [*admin, "privacy.py", "watch.py", "store.py"]:
        tree = ast.parse((BOT / name).read_text(encoding="utf-8"))
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        bad = [
            m
            for m in imported
            if m.startswith(("nio", "aiohttp", "bot.transports", "bot.app", "bot.web", "bot.cli"))
        ]
        assert bad == [], f"bot/{name} imports {bad}"
