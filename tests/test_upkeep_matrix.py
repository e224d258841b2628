"""Knowledge upkeep end to end on a real Synapse: an admin's edit is picked up by the file
watch and answered from; a broken edit is reported in the admin room while the old answers
keep coming; a non-admin's reload is refused; a 👎 on an answer shows up in ``stats``.

The bot is the real composition: MatrixTransport + Assistant + ``start_maintenance`` (the
same wiring ``partnerbot run`` uses) on a private copy of the shipped knowledge.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from nio import RoomMessageNotice, RoomSendResponse
from synapse_server import BotRunner, Human, SynapseServer, in_reply_to, matrix_facts, unique

from bot.app import Maintenance, announce_to, start_maintenance
from bot.assistant import Assistant
from bot.config import AdminConfig
from bot.knowledge import SHIPPED_KNOWLEDGE, load_knowledge
from bot.metrics import Metrics
from bot.models import Question, Reply

pytestmark = pytest.mark.synapse

QUESTION = "mag een boa online rondkijken?"
WITHIN = 30.0  # seconds: a bound on every wait, never a pause


class UpkeepBot(BotRunner):
    """BotRunner with the app's upkeep wiring: admins, a watched knowledge folder, a store."""

    def __init__(self, server_url: str, user: Any, workdir: Path, admins: AdminConfig) -> None:
        super().__init__(server_url, user, workdir)
        self.knowledge = workdir / "knowledge"
        shutil.copytree(SHIPPED_KNOWLEDGE, self.knowledge)
        self.config = replace(self.config, admins=admins, knowledge_path=str(self.knowledge))
        self.assistant = Assistant(load_knowledge(self.knowledge), self.config)
        self.maintenance: Maintenance | None = None
        self._reference: Assistant | None = None

    async def start(self, wait_ready: bool = True) -> None:
        from bot.serial_assistant import SerialAssistant
        from bot.store import Store
        from bot.transports.matrix import MatrixTransport

        self.store = Store(self.config.storage.path)
        self._stop = asyncio.Event()
        self.maintenance = start_maintenance(
            self.config, self.assistant, self.store, Metrics(), self.knowledge, self._stop
        )
        self.serial = SerialAssistant(self.assistant)
        self.transport = MatrixTransport(self.config, self.serial, self.store, self._environ)
        self.maintenance.reloader.listeners.append(announce_to([self.transport]))
        self._task = asyncio.create_task(self.transport.run(self._stop))
        if wait_ready:
            await self.wait_ready()
            await asyncio.wait_for(self.maintenance.watching.wait(), WITHIN)

    def expected(self, text: str, room_id: str, sender: str, **facts: Any) -> Any:
        """What a hook-free assistant on the knowledge now served answers: asking the live
        one would count the question in the very statistics under test."""
        knowledge = self.assistant.knowledge
        if self._reference is None or self._reference.knowledge is not knowledge:
            self._reference = Assistant(knowledge, self.config)
        facts = {**matrix_facts(self.user_id), **facts}
        question = Question(
            text=text, transport="matrix", conversation_id=room_id, sender_id=sender, **facts
        )
        return self._reference.handle(question)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        await asyncio.wait_for(self._task, WITHIN)
        self._task = None
        assert self.maintenance is not None
        await self.maintenance.close()
        self.serial.close()
        self.store.close()


@dataclass
class Scene:
    alice: Human  # an admin
    bob: Human  # a partner, also in the admin room, not an admin
    bot: UpkeepBot
    room: str  # the admin room

    async def ask(self, who: Human, text: str, mention: bool = True) -> Any:
        question_id = await who.send(self.room, text, mention=self.bot.user_id if mention else None)
        return await who.wait_reply(question_id, self.bot.user_id, WITHIN)

    def expected(self, text: str, sender: str) -> Reply:
        reply = self.bot.expected(text, self.room, sender, mentioned=True)
        assert reply is not None
        return reply  # type: ignore[no-any-return]

    async def notice(self, title: str, after: int = 0) -> Any:
        """The bot's next notice in the admin room that starts with ``title`` (not a reply)."""

        def matches(room: str, event: Any) -> bool:
            return (
                room == self.room
                and event.sender == self.bot.user_id
                and isinstance(event, RoomMessageNotice)
                and in_reply_to(event) is None
                and event.body.startswith(title)
                and self.alice.events.index((room, event)) >= after
            )

        return await self.alice.wait_for(matches, WITHIN)


@pytest.fixture
async def scene(
    synapse: SynapseServer, people: dict[str, Human], tmp_path: Path
) -> AsyncIterator[Scene]:
    alice, bob = people["alice"], people["bob"]
    bot_user = synapse.register(unique("partnerwijzer"))
    # The admin room exists before the bot starts: its id goes into the config.
    room = await alice.create_room([bob.user_id, bot_user.user_id], name="Beheer Partnerwijzer")
    await bob.join(room)
    admins = AdminConfig(users=(alice.user_id,), room=room)
    bot = UpkeepBot(synapse.url, bot_user, tmp_path / "bot", admins)
    await bot.start()
    try:
        await alice.wait_joined(room, bot.user_id)
        yield Scene(alice, bob, bot, room)
    finally:
        await bot.stop()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_an_admins_edit_is_picked_up_and_answered_from(scene: Scene) -> None:
    before = await scene.ask(scene.alice, QUESTION)
    old = scene.expected(QUESTION, scene.alice.user_id)
    assert old.kind == "answer" and before.body == old.text
    entry = old.decision.best.entry  # type: ignore[union-attr]
    first_line = entry.answer.splitlines()[0]
    mark = len(scene.alice.events)

    edit(
        scene.bot.knowledge / entry.file.removeprefix("knowledge/"),
        first_line,
        first_line + " Bijgewerkt door de beheerder.",
    )
    new_version = load_knowledge(scene.bot.knowledge).version
    notice = await scene.notice("Kennisbank bijgewerkt", after=mark)
    assert f"`{new_version}`" in notice.source["content"]["body"]
    assert "bestandswijziging" in notice.body

    after = await scene.ask(scene.alice, QUESTION)
    assert "Bijgewerkt door de beheerder." in after.body
    assert after.body == scene.expected(QUESTION, scene.alice.user_id).text


async def test_a_broken_edit_is_reported_and_the_old_answers_stay(scene: Scene) -> None:
    old = scene.expected(QUESTION, scene.bob.user_id)
    entry = old.decision.best.entry  # type: ignore[union-attr]
    served = scene.bot.assistant.knowledge.version
    mark = len(scene.alice.events)

    path = scene.bot.knowledge / entry.file.removeprefix("knowledge/")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    topic_line = next(
        number
        for number, line in enumerate(lines, start=1)
        if number > entry.line and line.strip().startswith("topic:")
    )
    lines[topic_line - 1] = "    topic: bestaat-niet\n"
    path.write_text("".join(lines), encoding="utf-8")

    notice = await scene.notice("Kennisbank niet bijgewerkt", after=mark)
    body = notice.body
    assert f"{entry.file}:{topic_line} [{entry.id}]" in body  # file, line and entry
    assert "bestaat-niet" in body
    assert f"laatste goede versie `{served}`" in body

    still = await scene.ask(scene.bob, QUESTION)
    assert still.body == old.text  # the last good knowledge keeps serving
    assert scene.bot.assistant.knowledge.version == served
    status = await scene.ask(scene.alice, "!status", mention=False)
    assert "mislukt (1 probleem)" in status.body


async def test_reload_is_for_admins_only(scene: Scene) -> None:
    mark = len(scene.alice.events)
    refused = await scene.ask(scene.bob, "!reload", mention=False)
    assert refused.body == "Sorry, dit commando is alleen voor beheerders van de bot."

    started = await scene.ask(scene.alice, "!reload", mention=False)
    assert started.body.startswith("Herladen gestart")
    result = await scene.notice("Kennisbank bijgewerkt", after=mark)
    assert "niets gewijzigd" in result.body and "commando" in result.body
    # Exactly one result, for the admin's request; bob's refused one started nothing.
    results = [
        event
        for room, event in scene.alice.events[mark:]
        if room == scene.room
        and event.sender == scene.bot.user_id
        and isinstance(event, RoomMessageNotice)
        and in_reply_to(event) is None
    ]
    assert results == [result]


async def test_a_thumbs_down_shows_up_in_stats(scene: Scene) -> None:
    answer = await scene.ask(scene.alice, QUESTION)
    entry = scene.expected(QUESTION, scene.alice.user_id).decision.best.entry  # type: ignore[union-attr]
    before = await scene.ask(scene.alice, "!stats", mention=False)
    assert f"`{entry.id}`" not in before.body

    reaction = {
        "m.relates_to": {"rel_type": "m.annotation", "event_id": answer.event_id, "key": "👎"}
    }
    response = await scene.bob.client.room_send(
        scene.room, "m.reaction", reaction, ignore_unverified_devices=True
    )
    assert isinstance(response, RoomSendResponse), response
    # The reaction precedes this command in the room's timeline, and the bot records a
    # room's reactions before it answers that room's messages.
    stats = await scene.ask(scene.alice, "!stats", mention=False)
    assert f"`{entry.id}`: 0 / 1" in stats.body
    assert "Vragen (7 dagen / 30 dagen): 1 / 1" in stats.body
    assert "- antwoord: 1 / 1" in stats.body
