"""Start and stop a real Synapse homeserver on 127.0.0.1 for end-to-end tests and the bench.

The config is written by hand (``--generate-config`` adds a federation listener, ``::1`` and
matrix.org as a trusted key server). Users are registered through the shared-secret admin API.
Synapse runs from its own venv: the python named by ``PARTNERBOT_SYNAPSE_PYTHON``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
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


def start_server(directory: Path, limits: dict[str, Any] | None = None) -> SynapseServer:
    python = os.environ.get(SYNAPSE_PYTHON_ENV)
    if not python:
        raise RuntimeError(f"{SYNAPSE_PYTHON_ENV} is not set")
    server = SynapseServer(directory, python, limits)
    server.start()
    return server
