"""The floor for the Teams webhook benchmark: the least any webhook server must do.

One aiohttp route that reads the body, checks the HMAC (constant time), parses the JSON and
returns one fixed Adaptive Card. No matching, no thread, no metrics, no store. What the
bot's route costs above this is the bot's own work; ``bench/teams_load.py`` runs both in one
run and prints the ratio.

    python bench/teams_floor.py --serve    # prints "PORT <n>", serves /teams/bench
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import sys

from aiohttp import web

TOKEN_ENV = "PARTNERBOT_BENCH_TOKEN"  # noqa: S105 - a variable name, not a secret

# A card of about the size of a typical answer card (title, a few paragraphs, a source line).
_CARD = {
    "type": "message",
    "text": "Boa's en online rondkijken",
    "textFormat": "plain",
    "attachments": [
        {
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "type": "AdaptiveCard",
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "version": "1.4",
                "fallbackText": "Boa's mogen openbare informatie bekijken. " * 8,
                "msteams": {"width": "Full"},
                "body": [
                    {"type": "TextBlock", "text": "Boa's en online rondkijken", "wrap": True},
                    *(
                        {"type": "TextBlock", "text": "Een alinea uit de infographic. " * 6}
                        for _ in range(4)
                    ),
                    {"type": "TextBlock", "text": "Bron: infographic", "isSubtle": True},
                ],
            },
        }
    ],
}
FIXED_BODY = json.dumps(_CARD, ensure_ascii=False).encode("utf-8")


def floor_app(key: bytes) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            given = b""
        expected = hmac.new(key, body, hashlib.sha256).digest()
        if scheme != "HMAC" or not hmac.compare_digest(expected, given):
            return web.Response(status=401)
        try:
            json.loads(body)
        except ValueError:
            return web.Response(status=400)
        return web.Response(body=FIXED_BODY, content_type="application/json")

    app = web.Application()
    app.router.add_post("/teams/bench", handle)
    return app


async def serve() -> None:
    key = base64.b64decode(os.environ[TOKEN_ENV])
    runner = web.AppRunner(floor_app(key), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    if "--serve" not in sys.argv[1:]:
        sys.exit(__doc__)
    asyncio.run(serve())
