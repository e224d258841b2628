"""The aiohttp application: ``/healthz``, ``/metrics`` and one Teams route per webhook."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.assistant import Assistant
from bot.config import Config
from bot.metrics import Metrics
from bot.transports.teams import TeamsWebhook, webhook_key

log = logging.getLogger(__name__)

TEAMS_WEBHOOKS = web.AppKey("teams_webhooks", dict[str, TeamsWebhook])


def build_web_app(
    config: Config, assistant: Assistant, metrics: Metrics, environ: Mapping[str, str]
) -> web.Application:
    """Build the application; raises ConfigError when a webhook token is missing or invalid."""
    max_body = config.teams.max_body_bytes if config.teams else 256 * 1024
    # aiohttp's own limit is a backstop; the Teams route enforces max_body_bytes itself.
    app = web.Application(client_max_size=max_body + 1)
    app.router.add_get("/healthz", _healthz(assistant))
    app.router.add_get("/metrics", _metrics(assistant, metrics))
    app[TEAMS_WEBHOOKS] = _add_teams_routes(app, config, assistant, metrics, environ)
    return app


def _add_teams_routes(
    app: web.Application,
    config: Config,
    assistant: Assistant,
    metrics: Metrics,
    environ: Mapping[str, str],
) -> dict[str, TeamsWebhook]:
    teams = config.teams
    if teams is None or not teams.webhooks:
        return {}
    # One worker: calls into the assistant stay serial, as they are on the event loop.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teams-answer")

    async def shutdown(_app: web.Application) -> None:
        executor.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(shutdown)
    webhooks: dict[str, TeamsWebhook] = {}
    for index, hook in enumerate(teams.webhooks):
        key = webhook_key(hook, index, environ)
        webhook = TeamsWebhook(hook, key, teams, assistant.handle, executor, metrics)
        app.router.add_post(f"/teams/{hook.name}", webhook.handle)
        webhooks[hook.name] = webhook
        log.info("teams webhook %s listening on /teams/%s", hook.name, hook.name)
    return webhooks


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
