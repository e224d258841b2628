"""The aiohttp application: ``/healthz``, ``/metrics``, and the routes the web parts add.

Transports with an HTTP side (the Teams routes) and the editors' console implement
``WebPart.add_routes``; the app passes them in here, so this module knows no protocol.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.assistant import Assistant
from bot.config import Config
from bot.metrics import Metrics
from bot.transports.base import WebPart


def build_web_app(
    config: Config, assistant: Assistant, metrics: Metrics, parts: Iterable[WebPart] = ()
) -> web.Application:
    max_body = config.teams.max_body_bytes if config.teams else 256 * 1024
    # aiohttp's own limit is a backstop; the Teams route enforces max_body_bytes itself.
    app = web.Application(client_max_size=max_body + 1)
    app.router.add_get("/healthz", _healthz(assistant))
    app.router.add_get("/metrics", _metrics(assistant, metrics))
    for part in parts:
        part.add_routes(app)
    return app


def _healthz(assistant: Assistant) -> Handler:
    async def healthz(_request: web.Request) -> web.Response:
        knowledge = assistant.knowledge
        entries = len(knowledge.entries)
        # Without entries the bot can only say "I don't know": report it as not healthy.
        status = 200 if entries else 503
        body = {
            "status": "ok" if entries else "no knowledge",
            "knowledge_version": knowledge.version,
        }
        return web.json_response({**body, "entries": entries}, status=status)

    return healthz


def _metrics(assistant: Assistant, metrics: Metrics) -> Handler:
    async def metrics_handler(_request: web.Request) -> web.Response:
        # Read the knowledge gauge at scrape time, so it is right after any reload.
        knowledge = assistant.knowledge
        metrics.set_knowledge(len(knowledge.entries), knowledge.version)
        body, content_type = metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})

    return metrics_handler
