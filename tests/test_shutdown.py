"""SIGTERM on ``partnerbot run`` with replies in flight, against the real Synapse.

The bot runs as a real process (Matrix and the web server). A person sends a burst of
questions; the moment the first answer arrives (so the bot has received the burst and is
answering it) the bot gets SIGTERM. It must exit 0 within 10 s, and after a restart every
question must have exactly one answer: given before the exit or after the restart.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import room_history
from synapse_server import Human, SynapseServer, User, free_port, in_reply_to, unique

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "mag een boa online rondkijken op instagram?",
    "wat doet het jongerenwerk?",
    "mag de school camerabeelden delen met de politie?",
    "wie kan ik mailen bij de gemeente?",
    "mag de politie een nepaccount gebruiken?",
    "welke partners mogen online kijken?",
    "mag een jongerenwerker meekijken in een groepsapp?",
    "wat mag de school met signalen van online pesten?",
    "mag een handhaver berichten bewaren?",
    "wat doet team oov?",
    "mag de politie open bronnen onderzoeken?",
    "mag de wijkagent een jongere online aanspreken?",
)
EXIT_SECONDS = 10.0
# A knowledge folder no one edits while the test runs; every DM message gets a reply anyway.
KNOWLEDGE = ("--knowledge", str(Path(__file__).parent / "fixtures" / "knowledge"))

pytestmark = [
    pytest.mark.synapse,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


class BotProcess:
    """``partnerbot run --config`` as a subprocess; stderr goes to a log file per start."""

    def __init__(self, synapse: SynapseServer, user: User, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.user = user
        self.config = workdir / "config.yaml"
        self.config.write_text(
            f"""
storage:
  path: {workdir / "var" / "partnerbot.sqlite3"}
web:
  host: 127.0.0.1
  port: {free_port()}
flood:
  per_user_per_minute: 1000
  per_room_per_minute: 1000
logging:
  level: INFO
matrix:
  homeserver: {synapse.url}
  user_id: "{user.user_id}"
  password: {{env: PW_SHUTDOWN_TEST_PASSWORD}}
  store_path: {workdir / "var" / "matrix-store"}
  allowed_inviters: [":{user.user_id.split(":", 1)[1]}"]
""",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.workdir / f"run-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config), *KNOWLEDGE],
                cwd=REPO,
                env={
                    **os.environ,
                    "PYTHONPATH": str(REPO),
                    "PW_SHUTDOWN_TEST_PASSWORD": self.user.password,
                },
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def terminate_and_wait(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit within {EXIT_SECONDS} s of SIGTERM:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def assert_alive(self) -> None:
        assert self.process is not None
        assert self.process.poll() is None, f"bot exited:\n{self.log.read_text()}"


@pytest.fixture
def bot_process(synapse: SynapseServer, tmp_path: Path) -> Iterator[BotProcess]:
    runner = BotProcess(synapse, synapse.register(unique("partnerwijzer")), tmp_path / "bot")
    try:
        yield runner
    finally:
        runner.kill()


def answers(history: list[Any], question_ids: list[str], bot_id: str) -> dict[str, int]:
    counts = dict.fromkeys(question_ids, 0)
    for event in history:
        target = in_reply_to(event)
        if getattr(event, "sender", None) == bot_id and target in counts:
            counts[target] += 1
    return counts


async def test_sigterm_with_replies_in_flight_exits_cleanly_and_loses_nothing(
    people: dict[str, Human], bot_process: BotProcess
) -> None:
    alice = people["alice"]
    bot_id = bot_process.user.user_id
    bot_process.start()

    # The bot joins when invited: from then on it has synced and answers new messages.
    room_id = await alice.create_room([bot_id], name=None)
    await alice.wait_joined(room_id, bot_id)
    bot_process.assert_alive()

    burst = list(await asyncio.gather(*(alice.send(room_id, q) for q in QUESTIONS)))
    # The first answer proves the bot has the burst in hand; stop it right then.
    await alice.wait_for(lambda _room, e: e.sender == bot_id and in_reply_to(e) in burst, within=60)
    assert bot_process.terminate_and_wait() == 0
    first_run = bot_process.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in first_run
    assert "partnerbot stopped" in first_run
    before_exit = answers(await room_history(alice, room_id), burst, bot_id)
    assert set(before_exit.values()) <= {0, 1}, before_exit
    assert sum(before_exit.values()) >= 1

    bot_process.start()
    # One room is answered in order: the control question's answer comes after the answers
    # to every question the restarted bot still owed, and after any duplicate.
    control = await alice.send(room_id, QUESTIONS[0])
    await alice.wait_reply(control, bot_id, within=60)
    counts = answers(await room_history(alice, room_id), [*burst, control], bot_id)
    assert counts == dict.fromkeys([*burst, control], 1), (before_exit, bot_process.log.read_text())

    assert bot_process.terminate_and_wait() == 0
    for log in bot_process.workdir.glob("run-*.log"):
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text
        for question in QUESTIONS:
            assert question not in text  # message text is never logged
        assert alice.user_id not in text  # nor who asked
