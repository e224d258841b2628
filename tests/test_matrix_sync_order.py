"""The sync loop's order against a client stand-in: a batch's replies go out before the next
long poll."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from nio import MatrixRoom, RoomSendResponse, SyncResponse

from bot.models import Question, Reply
from bot.serial_assistant import Answered
from bot.store import Store
from bot.transports.matrix.transport import MatrixTransport
from tests.test_matrix_events import ALICE, BOT, CONFIG, NOW

ROOM = "!room:example.org"
assert CONFIG.matrix is not None
UNENCRYPTED = replace(CONFIG, matrix=replace(CONFIG.matrix, encryption=False))


class Replies:
    """A SerialAssistant stand-in that answers every question, at once or in its worker."""

    def __init__(self, at_once: bool = False) -> None:
        self.at_once = at_once
        self.asked: list[str] = []

    def handle_now(self, question: Question) -> Answered | None:
        if not self.at_once:
            return None
        self.asked.append("now")
        return Answered(self.reply())

    async def handle(self, question: Question) -> Reply:
        self.asked.append("worker")
        return self.reply()

    def reply(self) -> Reply:
        return Reply(
            kind="answer", title="", body_markdown="", text="antwoord", markdown="", html=""
        )


def sync_response(batch: str, events: list[dict[str, Any]]) -> SyncResponse:
    response = SyncResponse.from_dict(
        {
            "next_batch": batch,
            "rooms": {"join": {ROOM: {"timeline": {"events": events, "limited": False}}}},
        }
    )
    assert isinstance(response, SyncResponse)
    return response


def question(event_id: str) -> dict[str, Any]:
    return {
        "type": "m.room.message",
        "event_id": event_id,
        "sender": ALICE,
        "origin_server_ts": int(NOW * 1000),
        "content": {"msgtype": "m.text", "body": f"{BOT} wat mag de politie?"},
    }


class Client:
    """Two syncs: the first brings a question, the second records what was sent by then."""

    def __init__(self, stop: asyncio.Event) -> None:
        self.rooms = {ROOM: MatrixRoom(ROOM, BOT)}
        self.sent: list[str] = []
        self.sent_before_second_sync: list[str] | None = None
        self._stop = stop
        self._syncs = 0

    async def sync(self, **_kwargs: Any) -> SyncResponse:
        self._syncs += 1
        if self._syncs == 1:
            return sync_response("s1", [question("$q1")])
        self.sent_before_second_sync = list(self.sent)
        self._stop.set()
        return sync_response("s2", [])

    async def room_send(self, room_id: str, _type: str, content: dict[str, Any], **_: Any) -> Any:
        await asyncio.sleep(0)  # a real send waits for the homeserver; let the loop run
        self.sent.append(content["m.relates_to"]["m.in_reply_to"]["event_id"])
        return RoomSendResponse(f"$reply{len(self.sent)}", room_id)


@pytest.mark.parametrize("at_once", [False, True])
async def test_the_reply_is_sent_before_the_next_long_poll(tmp_path: Path, at_once: bool) -> None:
    with Store(tmp_path / "bot.sqlite3") as store:
        store.set_sync_token("s0")  # a known store: its syncs are answered
        replies = Replies(at_once)
        bot = MatrixTransport(UNENCRYPTED, replies, store, {}, clock=lambda: NOW)  # type: ignore[arg-type]
        stop = asyncio.Event()
        client = Client(stop)
        await bot._sync_loop(client, stop)  # type: ignore[arg-type]
        assert client.sent_before_second_sync == ["$q1"]
        assert store.is_answered("$q1")
        # Answered at once when the assistant can (its worker idle), else in the worker.
        assert replies.asked == ["now" if at_once else "worker"]


class StoppedWhileFillingAGap(Client):
    """The first sync's timeline is limited; the stop comes while its gap is being fetched."""

    async def sync(self, **_kwargs: Any) -> SyncResponse:
        self._syncs += 1
        response = sync_response("s1", [question("$q1")])
        info = response.rooms.join[ROOM].timeline
        info.limited, info.prev_batch = True, "p1"
        return response

    async def room_messages(self, *_args: Any, **_kwargs: Any) -> Any:
        self._stop.set()
        await asyncio.Event().wait()  # a homeserver that does not answer


async def test_a_stop_while_handling_a_sync_abandons_it_and_keeps_its_token(
    tmp_path: Path,
) -> None:
    """A batch's handling runs in the sync's own task (a reply starts without waking the
    loop first); a stop abandons it there as it abandons a sync, and the batch's token is
    not saved, so its questions come again at the next start."""
    with Store(tmp_path / "bot.sqlite3") as store:
        store.set_sync_token("s0")
        bot = MatrixTransport(UNENCRYPTED, Replies(), store, {}, clock=lambda: NOW)  # type: ignore[arg-type]
        stop = asyncio.Event()
        client = StoppedWhileFillingAGap(stop)
        await asyncio.wait_for(bot._sync_loop(client, stop), 30)  # type: ignore[arg-type]
        assert client.sent == []
        assert store.get_sync_token() == "s0"
        assert not store.is_answered("$q1")
