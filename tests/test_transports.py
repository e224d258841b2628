"""The app builds its transports from config and mounts their routes on the one web app."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import Wiring, build_transports
from bot.assistant import Assistant
from bot.config import Config, MatrixConfig, SecretRef, TeamsConfig, TeamsWebhookConfig
from bot.knowledge import load_knowledge
from bot.metrics import Metrics
from bot.serial_assistant import SerialAssistant
from bot.store import Store
from bot.transports.base import Transport
from bot.web import build_web_app

ENVIRON = {"PW_HOOK": base64.b64encode(b"key").decode()}


def _wiring(config: Config, store: Store) -> Wiring:
    serial = SerialAssistant(Assistant(load_knowledge(), config))
    return Wiring(config, serial, store, Metrics(), ENVIRON)


def test_only_configured_transports_are_built() -> None:
    hook = TeamsWebhookConfig(name="wijk", token=SecretRef(env="PW_HOOK"))
    with Store(":memory:") as store:
        assert build_transports(_wiring(Config(), store)) == []
        teams_only = build_transports(_wiring(Config(teams=TeamsConfig(webhooks=(hook,))), store))
        both = build_transports(
            _wiring(
                Config(
                    matrix=MatrixConfig(homeserver="http://127.0.0.1:1", user_id="@b:x"),
                    teams=TeamsConfig(webhooks=(hook,)),
                ),
                store,
            )
        )
    assert [t.name for t in teams_only] == ["teams"]
    assert [t.name for t in both] == ["matrix", "teams"]


async def test_a_transport_adds_its_routes_to_the_shared_web_app() -> None:
    hook = TeamsWebhookConfig(name="wijk", token=SecretRef(env="PW_HOOK"))
    config = Config(teams=TeamsConfig(webhooks=(hook,)))
    with Store(":memory:") as store:
        wiring = _wiring(config, store)
        transports: list[Transport] = build_transports(wiring)
        app = build_web_app(config, wiring.assistant.assistant, wiring.metrics, transports)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            unsigned: Any = await client.post("/teams/wijk", data=b"{}")
            assert unsigned.status == 401  # the route exists and checks the signature
            assert (await client.get("/healthz")).status == 200
        wiring.assistant.close()
