"""Microsoft 365 Agents Playground (npm ``@microsoft/m365agentsplayground``) as a test peer.

The Playground emulates Teams (a personal chat, a group chat, a team with channels) and a Bot
Connector. It sends activities to the bot's ``/api/messages`` without a JWT, takes the bot's
replies on ``/_connector/v3/...`` and pushes them to its websocket. Its HTTP API, as read
from version 0.2.28 (``dist/index.js``) and checked against a running instance:

- ``GET /_internal/v1/config``: the mocked tenant, bot, users and conversations
- ``POST /_conversation/v1/conversations/<id>/messages`` ``{from, text, textFormat,
  mentions?}``: a user message (in a channel this starts a new reply chain: the answer's
  ``postConversationId`` is ``<channel>;messageid=<id>``)
- ``POST /_conversation/v1/submit`` ``{conversation, from, replyToId, value}``: a click on an
  ``Action.Submit`` of the bot's message ``replyToId``
- ``POST /_conversation/v1/invoke`` ``{name, conversation, from, value}``: an invoke such as
  ``message/submitAction`` (the feedback buttons; no ``replyToId`` is passed on)
- ``POST /_debug/conversation/<id>/installation``: install the app (installationUpdate and
  conversationUpdate with the bot in ``membersAdded``)
- websocket ``/_ws_conversation/v1/conversations/stream``: ``{"action": "createMessage",
  "actionConversationId", "message": {messageId, from, text, attachments}}`` per bot message

The binary comes from ``scripts/test.sh`` (``npm install`` into ``.tools/playground``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND_ENV = "PARTNERBOT_PLAYGROUND"
DEFAULT_BINARY = ROOT / ".tools" / "playground" / "node_modules" / ".bin" / "agentsplayground"


def playground_binary() -> Path | None:
    configured = os.environ.get(PLAYGROUND_ENV)
    path = Path(configured) if configured else DEFAULT_BINARY
    return path if path.exists() and shutil.which("node") else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class BotMessage:
    conversation_id: str
    message_id: str
    text: str
    attachments: list[dict[str, Any]]

    @property
    def card(self) -> dict[str, Any]:
        (attachment,) = self.attachments
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card: dict[str, Any] = attachment["content"]
        return card

    @property
    def title(self) -> str:
        first = self.card["body"][0]
        return str(first.get("text", ""))


class Playground:
    """One Playground process pointed at a bot endpoint, started in ``workdir``."""

    def __init__(self, binary: Path, endpoint: str, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "playground.out"
        command = [
            str(binary),
            "-e",
            endpoint,
            "-c",
            "msteams",
            "-p",
            str(self.port),
            "--service-url",
            f"{self.url}/_connector",
            "--disable-telemetry",
        ]
        env = {**os.environ, "BROWSER": "none"}
        with self.log_path.open("wb") as out:
            self._process = subprocess.Popen(
                command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, env=env
            )

    def wait_ready(self, within: float = 60.0) -> dict[str, Any]:
        """The mocked tenant. Call it once the bot is up: the Playground answers
        ``/_internal/v1/config`` only after it has reached the bot's endpoint."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"playground exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_debug/ping", timeout=2) as response:  # noqa: S310
                    if response.read() == b"pong":
                        break
            except OSError:
                time.sleep(0.1)  # polling for a port to open, not synchronising on an event
        else:
            raise TimeoutError("playground did not start")
        url = f"{self.url}/_internal/v1/config"
        with urllib.request.urlopen(url, timeout=within) as response:  # noqa: S310
            config: dict[str, Any] = json.loads(response.read())["config"]
        return config

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)


class TeamsClient:
    """Talks to a running Playground as its users; collects the bot's messages."""

    def __init__(self, url: str, config: dict[str, Any]) -> None:
        self.url = url
        self.config = config
        self.bot_id: str = config["bot"]["id"]
        self.personal: str = config["personalChat"]["id"]
        self.group: str = config["groupChats"][0]["id"]
        self.channel: str = config["teams"][0]["channels"][0]["id"]
        self._session: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None
        self._messages: list[BotMessage] = []
        self._arrived = asyncio.Condition()

    async def __aenter__(self) -> TeamsClient:
        self._session = aiohttp.ClientSession()
        url = f"{self.url}/_ws_conversation/v1/conversations/stream"
        self._ws = await self._session.ws_connect(url)
        self._reader = asyncio.create_task(self._read(self._ws))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._session is not None:
            await self._session.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in ws:
            data = json.loads(frame.data)
            if data.get("action") != "createMessage":
                continue
            message = data["message"]
            if message.get("from", {}).get("id") != self.bot_id:
                continue
            async with self._arrived:
                self._messages.append(
                    BotMessage(
                        conversation_id=data["actionConversationId"],
                        message_id=str(message["messageId"]),
                        text=message.get("text") or "",
                        attachments=message.get("attachments") or [],
                    )
                )
                self._arrived.notify_all()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self._session is not None
        async with self._session.post(f"{self.url}{path}", json=body) as response:
            text = await response.text()
            assert response.status == 200, f"{path}: {response.status} {text}"
            return json.loads(text) if text else {}

    def seen(self) -> int:
        """A mark: ``next_message(after=mark)`` waits for a message that arrives after it."""
        return len(self._messages)

    async def say(
        self, conversation: str, text: str, user: str = "user-id-0", mention: bool = False
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"from": {"id": user}, "text": text, "textFormat": "plain"}
        if mention:
            tag = f"<at>{self.config['bot']['name']}</at>"
            body["text"] = f"{tag} {text}"
            body["mentions"] = [{"mentioned": {"id": self.bot_id}, "text": tag}]
        return await self._post(f"/_conversation/v1/conversations/{conversation}/messages", body)

    async def click(
        self, message: BotMessage, value: dict[str, Any], user: str = "user-id-0"
    ) -> None:
        body = {
            "conversation": {"id": message.conversation_id},
            "from": {"id": user},
            "replyToId": message.message_id,
            "value": value,
        }
        await self._post("/_conversation/v1/submit", body)

    async def invoke(
        self, conversation: str, name: str, value: dict[str, Any], user: str = "user-id-0"
    ) -> dict[str, Any]:
        body = {"name": name, "conversation": {"id": conversation}, "from": {"id": user}}
        return await self._post("/_conversation/v1/invoke", {**body, "value": value})

    async def install(self, conversation: str) -> None:
        await self._post(f"/_debug/conversation/{conversation}/installation", {})

    async def next_message(self, conversation: str, after: int, within: float = 30.0) -> BotMessage:
        """The first bot message in ``conversation`` (or its reply chains) after ``after``."""

        def found() -> BotMessage | None:
            for message in self._messages[after:]:
                if message.conversation_id.split(";")[0] == conversation.split(";")[0]:
                    return message
            return None

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), within)
        result = found()
        assert result is not None
        return result

    def messages_since(self, mark: int) -> list[BotMessage]:
        return list(self._messages[mark:])
