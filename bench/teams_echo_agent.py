"""A minimal echo agent on the Microsoft 365 Agents SDK: the floor for bench/teams_app_latency.py.

    python bench/teams_echo_agent.py PORT

The SDK's own sample shape (CloudAdapter, AgentApplication, MemoryStorage, an anonymous
connection for local testing, ``start_agent_process`` on ``POST /api/messages``), replying
with the text it got. Everything the Playground and the SDK cost, nothing of the bot's own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aiohttp import web
from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    MemoryStorage,
    TurnContext,
    TurnState,
)

# ``--card FILE``: reply with this Adaptive Card instead of text (the payload the bot sends),
# to tell the Playground's cost of rendering a card from the bot's own work.
CARD: dict[str, object] | None = None


def build() -> web.Application:
    auth = AgentAuthConfiguration(anonymous_allowed=True)
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connections, start_typing_timer=False
    )

    async def echo(context: TurnContext, _state: TurnState) -> None:
        if CARD is None:
            await context.send_activity(f"echo: {context.activity.text}")
            return
        attachment = Attachment(
            content_type="application/vnd.microsoft.card.adaptive", content=CARD
        )
        await context.send_activity(Activity(type="message", attachments=[attachment]))

    agent.activity("message")(echo)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[2] == "--card":
        CARD = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
    web.run_app(build(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
