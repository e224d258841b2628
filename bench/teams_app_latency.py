"""Teams app reply latency through Microsoft's Agents Playground (run on demand).

    python bench/teams_app_latency.py [--questions 100]

Starts ``partnerbot run`` with the Teams app (unauthenticated, loopback) and the minimal SDK
echo agent (bench/teams_echo_agent.py), each behind its own Playground, and sends the same
questions to both in the personal chat, alternating, so both see the same machine load. A
round trip is from the user's POST to the Playground until the bot's message arrives on the
Playground's websocket: Playground -> /api/messages -> the bot's answer -> Bot Connector ->
websocket. The echo agent is the floor (Playground, SDK, Connector calls); the target is a
ratio of at most 1.10 at p50 and p95. Needs the Playground from scripts/test.sh (.tools/).

``--direct``: without the Playground. Both apps in this process, activities POSTed straight
to their ``/api/messages``, replies taken by a stub Bot Connector on loopback; the time is
from the POST until the reply reaches the stub. This isolates the bot's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import yaml
from playground import Playground, TeamsClient, free_port, playground_binary


def questions(count: int) -> list[str]:
    """Real questions from the evaluation sets, in file order, repeated if needed."""
    found: list[str] = []
    for name in ("eval-extra.yaml", "eval-holdout.yaml"):
        for item in yaml.safe_load((ROOT / "bench" / name).read_text(encoding="utf-8")):
            found.append(str(item["q"]))
    return [found[i % len(found)] for i in range(count)]


def wait_http(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the process exited")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # something answers (405 on GET /api/messages)
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def start_bot(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = workdir / "config.yaml"
    config.write_text(
        json.dumps(
            {
                "web": {"host": "127.0.0.1", "port": port},
                "storage": {"path": str(workdir / "bot.sqlite3")},
                "logging": {"level": "WARNING"},
                "teams_app": {"unauthenticated": True},
            }
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "bot.log").open("wb"),
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process, f"http://127.0.0.1:{port}/api/messages"


def start_echo(workdir: Path, card: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "teams_echo_agent.py"), str(port)]
    if card:
        # The bot's own answer card for a typical question: the same payload size.
        from bot.assistant import Assistant
        from bot.knowledge import load_knowledge
        from bot.models import Question
        from bot.transports.teams.cards import build_card

        reply = Assistant(load_knowledge()).handle(
            Question(text="mag een boa online rondkijken?", transport="x", always_addressed=True)
        )
        assert reply is not None
        path = workdir / "card.json"
        path.write_text(json.dumps(build_card(reply, buttons=True)), encoding="utf-8")
        command += ["--card", str(path)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "echo.log").open("wb"),
    )
    wait_http(f"http://127.0.0.1:{port}/api/messages", process)
    return process, f"http://127.0.0.1:{port}/api/messages"


async def round_trip(client: TeamsClient, text: str) -> float:
    mark = client.seen()
    started = time.perf_counter()
    await client.say(client.personal, text)
    await client.next_message(client.personal, mark)
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(count: int, workdir: Path, card: bool) -> None:
    binary = playground_binary()
    if binary is None:
        raise SystemExit("no Agents Playground: run scripts/test.sh (it installs it in .tools/)")
    bot, bot_endpoint = start_bot(workdir)
    echo, echo_endpoint = start_echo(workdir, card)
    playgrounds = [
        Playground(binary, bot_endpoint, workdir / "pg-bot"),
        Playground(binary, echo_endpoint, workdir / "pg-echo"),
    ]
    try:
        configs = [playground.wait_ready() for playground in playgrounds]
        async with (
            TeamsClient(playgrounds[0].url, configs[0]) as to_bot,
            TeamsClient(playgrounds[1].url, configs[1]) as to_echo,
        ):
            for warm_up in ("hallo", "wat doet de politie online?"):
                await round_trip(to_bot, warm_up)
                await round_trip(to_echo, warm_up)
            times: dict[str, list[float]] = {"bot": [], "echo": []}
            for text in questions(count):
                times["bot"].append(await round_trip(to_bot, text))
                times["echo"].append(await round_trip(to_echo, text))
    finally:
        for playground in playgrounds:
            playground.stop()
        for process in (bot, echo):
            process.terminate()
            process.wait(20)
    floor = "echo agent replying with an answer card" if card else "echo agent replying with text"
    report(times, count, f"Agents Playground; {floor}")


async def measure_direct(count: int, workdir: Path) -> None:
    """Both apps in-process behind a stub Connector: the bot's cost without the Playground."""
    import aiohttp
    from aiohttp import web
    from teams_echo_agent import build as build_echo

    from bot import heap
    from bot.admin import Upkeep
    from bot.assistant import Assistant
    from bot.config import Config, TeamsAppConfig
    from bot.knowledge import load_knowledge
    from bot.metrics import Metrics
    from bot.serial_assistant import SerialAssistant
    from bot.store import Store
    from bot.transports.teams.agent import TeamsApp
    from bot.web import build_web_app

    arrived: dict[str, asyncio.Future[float]] = {}

    async def connector(request: web.Request) -> web.Response:
        await request.read()
        arrived.pop(request.match_info["conversation"]).set_result(time.perf_counter())
        return web.json_response({"id": "reply"})

    config = Config(teams_app=TeamsAppConfig(unauthenticated=True))
    metrics = Metrics()
    assistant = Assistant(load_knowledge(), config, metrics)
    store = Store(workdir / "bot.sqlite3")
    Upkeep(config, assistant, store).install()  # the question counting, as in `run`
    heap.settle()  # as `run` does once the knowledge is loaded
    serial = SerialAssistant(assistant)
    stub = web.Application()
    stub.router.add_post("/_connector/v3/conversations/{conversation}/activities/{id}", connector)
    apps = {
        "stub": stub,
        "bot": build_web_app(
            config, assistant, metrics, [TeamsApp(config, serial, store, metrics, {})]
        ),
        "echo": build_echo(),
    }
    ports, runners = {}, []
    for name, app in apps.items():
        runner = web.AppRunner(app)
        await runner.setup()
        ports[name] = free_port()
        await web.TCPSite(runner, "127.0.0.1", ports[name]).start()
        runners.append(runner)
    times: dict[str, list[float]] = {"bot": [], "echo": []}
    texts = ["hallo", "wat doet de politie online?", *questions(count)]
    async with aiohttp.ClientSession() as http:
        for index, text in enumerate(texts):
            for name in ("bot", "echo"):
                conversation = f"{name}-chat"
                activity = {
                    "type": "message",
                    "id": f"q{index}",
                    "channelId": "msteams",
                    "serviceUrl": f"http://127.0.0.1:{ports['stub']}/_connector",
                    "from": {"id": "29:user", "aadObjectId": "user"},
                    "recipient": {"id": "28:bot"},
                    "conversation": {"id": conversation, "conversationType": "personal"},
                    "text": text,
                }
                reply = asyncio.get_running_loop().create_future()
                arrived[conversation] = reply
                started = time.perf_counter()
                async with http.post(
                    f"http://127.0.0.1:{ports[name]}/api/messages", json=activity
                ) as response:
                    await response.read()
                if index >= 2:  # the first two warm up
                    times[name].append(await reply - started)
    for runner in runners:
        await runner.cleanup()
    serial.close()
    store.close()
    report(times, count, "none: POSTed straight to /api/messages, stub Connector")


def report(times: dict[str, list[float]], count: int, floor: str) -> None:
    print(f"Teams app round trip, {count} questions in one personal chat")
    print(f"floor: {floor}")
    print(f"{'':10}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, values in times.items():
        print(
            f"{name:10}{percentile(values, 0.5) * 1000:10.1f}"
            f"{percentile(values, 0.95) * 1000:10.1f}{statistics.mean(values) * 1000:10.1f}"
        )
    for label, share in (("p50", 0.5), ("p95", 0.95)):
        ratio = percentile(times["bot"], share) / percentile(times["echo"], share)
        print(f"ratio bot/echo at {label}: {ratio:.2f} (target <= 1.10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument(
        "--card-echo",
        action="store_true",
        help="the echo agent replies with an answer card (same payload as the bot), not text",
    )
    parser.add_argument(
        "--direct", action="store_true", help="without the Playground: the bot's own cost"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="teams-app-bench-") as folder:
        os.environ.setdefault("PARTNERBOT_CACHE_DIR", str(Path(folder) / "cache"))
        if args.direct:
            asyncio.run(measure_direct(args.questions, Path(folder)))
        else:
            asyncio.run(measure(args.questions, Path(folder), args.card_echo))


if __name__ == "__main__":
    main()
