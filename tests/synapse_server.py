"""Start and stop a real Synapse homeserver on 127.0.0.1 for end-to-end tests and the bench.

The config is written by hand (``--generate-config`` adds a federation listener, ``::1`` and
matrix.org as a trusted key server). Users are registered through the shared-secret admin API.
Synapse runs from its own venv: the python named by ``PARTNERBOT_SYNAPSE_PYTHON``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

SYNAPSE_PYTHON_ENV = "PARTNERBOT_SYNAPSE_PYTHON"
SERVER_NAME = "partnerbot.test"
_VERSIONS = "/_matrix/client/versions"

# Generous limits so that ordinary tests never see a 429.
_RELAXED = {"per_second": 10000, "burst_count": 10000}
RELAXED_LIMITS: dict[str, Any] = {
    "rc_message": _RELAXED,
    "rc_registration": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_key_requests": _RELAXED,
    "rc_room_creation": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_admin_redaction": _RELAXED,
}

# Messages throttled hard (a burst of 2, then one every 2 s) for the 429 test; the rest stays open.
STRICT_MESSAGE_LIMITS: dict[str, Any] = {
    **RELAXED_LIMITS,
    "rc_message": {"per_second": 0.5, "burst_count": 2},
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class User:
    user_id: str
    password: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


class SynapseServer:
    """One homeserver in its own directory; ``start``/``stop`` may be called repeatedly."""

    def __init__(self, directory: Path, python: str, limits: dict[str, Any] | None = None) -> None:
        self.directory = directory
        self.python = python
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._shared_secret = secrets.token_hex(16)
        self._process: subprocess.Popen[bytes] | None = None
        self._limits = RELAXED_LIMITS if limits is None else limits
        self._write_config()
        self._run(["--generate-keys"])

    @property
    def config_path(self) -> Path:
        return self.directory / "homeserver.yaml"

    def _write_config(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log_config = self.directory / "log.yaml"
        log_config.write_text(
            json.dumps(
                {
                    "version": 1,
                    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(message)s"}},
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "formatter": "plain",
                            "filename": str(self.directory / "homeserver.log"),
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    "disable_existing_loggers": False,
                }
            ),
            encoding="utf-8",
        )
        config: dict[str, Any] = {
            "server_name": SERVER_NAME,
            "public_baseurl": f"{self.url}/",
            "pid_file": str(self.directory / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(self.directory / "homeserver.db")},
            },
            "log_config": str(log_config),
            "media_store_path": str(self.directory / "media"),
            "signing_key_path": str(self.directory / "signing.key"),
            "registration_shared_secret": self._shared_secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "enable_registration": False,
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            **self._limits,
        }
        # JSON is valid YAML: no YAML library needed in the test helper.
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    def _run(self, extra: list[str]) -> None:
        subprocess.run(
            [self.python, "-m", "synapse.app.homeserver", "-c", str(self.config_path), *extra],
            check=True,
            cwd=self.directory,
            capture_output=True,
        )

    def start(self, timeout: float = 60.0) -> None:
        assert self._process is None, "already running"
        log = (self.directory / "stdout.log").open("ab")
        self._process = subprocess.Popen(
            [self.python, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"Synapse exited early, see {self.directory}/homeserver.log")
            try:
                with urllib.request.urlopen(self.url + _VERSIONS, timeout=2):  # noqa: S310
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # Not listening yet: poll the readiness endpoint again shortly.
                time.sleep(0.05)
        raise TimeoutError(f"Synapse did not answer within {timeout} s")

    def stop(self, timeout: float = 30.0) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def register(self, localpart: str, admin: bool = False) -> User:
        """Create a user through the shared-secret admin API (idempotent per localpart)."""
        password = secrets.token_hex(12)
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(endpoint, timeout=10) as response:  # noqa: S310
            nonce = json.load(response)["nonce"]
        message = "\x00".join((nonce, localpart, password, "admin" if admin else "notadmin"))
        mac = hmac.new(self._shared_secret.encode(), message.encode(), hashlib.sha1)
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        request = urllib.request.Request(  # noqa: S310 - always our http://127.0.0.1 server
            endpoint,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            user_id = json.load(response)["user_id"]
        return User(user_id=user_id, password=password)

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(  # noqa: S310 - always our http://127.0.0.1 server
            self.url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)

    def exempt_from_rate_limits(self, user_id: str) -> None:
        """Lift the message rate limit for one user (the admin API's ratelimit override)."""
        admin = self.register(f"admin{secrets.token_hex(4)}", admin=True)
        login = self._post(
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": admin.localpart},
                "password": admin.password,
            },
        )
        self._post(
            f"/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            token=login["access_token"],
        )


def start_server(directory: Path, limits: dict[str, Any] | None = None) -> SynapseServer:
    python = os.environ.get(SYNAPSE_PYTHON_ENV)
    if not python:
        raise RuntimeError(f"{SYNAPSE_PYTHON_ENV} is not set")
    server = SynapseServer(directory, python, limits)
    server.start()
    return server


# ---------------------------------------------------------------- clients for tests and bench


class Human:
    """A person's Matrix client (matrix-nio), recording every event it sees.

    Tests synchronise on events (``wait_for``), never on time.
    """

    def __init__(self, url: str, user: User, store_dir: Path, device_id: str = "HUMAN") -> None:
        from nio import AsyncClient, AsyncClientConfig

        store_dir.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=False,
            max_timeout_retry_wait_time=0.5,  # reconnect fast after a homeserver restart
        )
        self.user = user
        self.client = AsyncClient(url, user.user_id, device_id, str(store_dir), config=config)
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def start(self) -> None:
        from nio import LoginResponse, MegolmEvent, RoomMemberEvent, RoomMessage, SyncResponse

        response = await self.client.login(self.user.password)
        assert isinstance(response, LoginResponse), response
        self.client.add_event_callback(self._record, (RoomMessage, RoomMemberEvent, MegolmEvent))
        # Every processed sync may have brought a room (wait_room): nio has updated its
        # rooms when response callbacks run.
        self.client.add_response_callback(self._synced, SyncResponse)
        self._task = asyncio.create_task(self.client.sync_forever(timeout=30_000))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def _record(self, room: Any, event: Any) -> None:
        async with self._changed:
            self.events.append((room.room_id, event))
            self._changed.notify_all()

    async def _synced(self, _response: Any) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_room(self, room_id: str, within: float = 30.0) -> None:
        """Until this client's own sync has seen the room: nio refuses to send to a room it
        does not know yet ("LocalProtocolError: No such room with id ..."), which a room
        just created or joined can be while the sync is slow under load."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: room_id in self.client.rooms), within
            )

    async def wait_for(self, predicate: Callable[[str, Any], bool], within: float = 30.0) -> Any:
        """The first recorded event matching ``predicate``, waiting for it if needed."""

        def found() -> Any:
            return next((e for room, e in self.events if predicate(room, e)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(found), within)
            return found()

    async def create_room(
        self, invite: list[str], encrypted: bool = False, name: str | None = "Partneroverleg"
    ) -> str:
        from nio import RoomCreateResponse

        state = []
        if encrypted:
            state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        response = await self.client.room_create(
            name=name, invite=invite, initial_state=state, is_direct=name is None
        )
        assert isinstance(response, RoomCreateResponse), response
        return str(response.room_id)

    async def join(self, room_id: str) -> None:
        from nio import JoinResponse

        response = await self.client.join(room_id)
        assert isinstance(response, JoinResponse), response
        # nio learns the room only from the next sync; sending before that fails (an
        # encrypting client needs the room's members).
        await self.wait_joined(room_id, self.user_id)

    async def wait_joined(self, room_id: str, user_id: str) -> None:
        await self.wait_for(lambda room, e: room == room_id and is_membership(e, user_id, "join"))

    async def send(
        self,
        room_id: str,
        body: str,
        mention: str | None = None,
        thread_root: str | None = None,
        msgtype: str = "m.text",
    ) -> str:
        """Send a message; with ``mention`` as a modern client does (m.mentions and a pill)."""
        from nio import RoomSendResponse

        content: dict[str, Any] = {"msgtype": msgtype, "body": body, "m.mentions": {}}
        if mention is not None:
            content["m.mentions"] = {"user_ids": [mention]}
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = (
                f'<a href="https://matrix.to/#/{mention}">Partnerwijzer</a>: {body}'
            )
            content["body"] = f"Partnerwijzer: {body}"
        if thread_root is not None:
            content["m.relates_to"] = {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": thread_root},
            }
        await self.wait_room(room_id)
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    def replies_to(self, event_id: str, sender: str) -> list[Any]:
        return [e for _room, e in self.events if e.sender == sender and in_reply_to(e) == event_id]

    async def wait_reply(self, event_id: str, sender: str, within: float = 30.0) -> Any:
        return await self.wait_for(
            lambda _room, e: e.sender == sender and in_reply_to(e) == event_id, within
        )


def in_reply_to(event: Any) -> str | None:
    relation = event.source.get("content", {}).get("m.relates_to") or {}
    target = (relation.get("m.in_reply_to") or {}).get("event_id")
    return target if isinstance(target, str) else None


def is_membership(event: Any, user_id: str, membership: str) -> bool:
    return (
        getattr(event, "state_key", None) == user_id
        and getattr(event, "membership", None) == membership
    )


_names = itertools.count()


def unique(prefix: str) -> str:
    """A fresh localpart: every test gets its own users, so tests never see each other."""
    return f"{prefix}{os.getpid()}x{next(_names)}"


def matrix_facts(bot_user_id: str) -> dict[str, Any]:
    """What the Matrix transport says of every question, besides mention and direct chat."""
    from bot.config import AssistantConfig
    from bot.transports.matrix.events import address_hint

    prefix = AssistantConfig().command_prefix
    return {"can_post_later": True, "address_hint": address_hint(bot_user_id, prefix)}


class BotRunner:
    """The real MatrixTransport with the real Assistant and shipped knowledge, as a task."""

    def __init__(self, server_url: str, user: User, workdir: Path, **matrix: Any) -> None:
        from bot.assistant import Assistant
        from bot.config import (
            Config,
            FloodConfig,
            MatrixConfig,
            SecretRef,
            StorageConfig,
        )
        from bot.knowledge import load_knowledge

        flood = matrix.pop("flood", FloodConfig(per_user_per_minute=1000, per_room_per_minute=1000))
        matrix_config = MatrixConfig(
            homeserver=server_url,
            user_id=user.user_id,
            password=SecretRef(env="PARTNERBOT_TEST_PASSWORD"),
            device_id="PARTNERBOT",
            store_path=str(workdir / "matrix-store"),
            allowed_inviters=(":partnerbot.test",),
        )
        self.config = Config(
            matrix=replace(matrix_config, **matrix),
            storage=StorageConfig(path=str(workdir / "bot.sqlite3")),
            flood=flood,
        )
        self.user = user
        self.assistant = Assistant(load_knowledge(), self.config)
        self._environ = {"PARTNERBOT_TEST_PASSWORD": user.password}
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.clock_offset = 0.0  # seconds added to the bot's wall clock (catch-up window tests)

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def start(self, wait_ready: bool = True) -> None:
        from bot.serial_assistant import SerialAssistant
        from bot.store import Store
        from bot.transports.matrix import MatrixTransport

        self.store = Store(self.config.storage.path)
        self.serial = SerialAssistant(self.assistant)
        self.transport = MatrixTransport(
            self.config,
            self.serial,
            self.store,
            self._environ,
            clock=lambda: time.time() + self.clock_offset,
        )
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.transport.run(self._stop))
        if wait_ready:
            await self.wait_ready()

    async def wait_ready(self, within: float = 60.0) -> None:
        assert self._task is not None
        ready = asyncio.ensure_future(self.transport.ready.wait())
        await asyncio.wait({ready, self._task}, timeout=within, return_when="FIRST_COMPLETED")
        if self._task.done():
            self._task.result()  # raise what made the transport stop
        assert ready.done(), "bot did not sync in time"

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        await asyncio.wait_for(self._task, 30)
        self._task = None
        self.serial.close()
        self.store.close()

    def expected(self, text: str, room_id: str, sender: str, **facts: Any) -> Any:
        """What the assistant itself answers to this question: the reply the room must get."""
        from bot.models import Question

        facts = {**matrix_facts(self.user_id), **facts}
        question = Question(
            text=text, transport="matrix", conversation_id=room_id, sender_id=sender, **facts
        )
        return self.assistant.handle(question)
