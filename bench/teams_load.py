"""Load test for the Teams webhook: N concurrent clients on loopback for D seconds.

By default it starts the bot's web app (real Assistant, shipped knowledge, question counts
in a store as the running bot keeps them) in a child process, so client and server do not
share one event loop, and drives ``POST /teams/bench`` with requests signed exactly as Teams
signs them. Every request is a new sender in a new thread, as in a busy channel. In the same
run, with the same client, it first loads the floor (``bench/teams_floor.py``: check the
HMAC, parse the JSON, return a fixed card) and prints both side by side with the ratios.

    python bench/teams_load.py                       # 50 clients, 20 s
    python bench/teams_load.py --clients 10 --duration 5
    python bench/teams_load.py --rate 400            # open loop: 400 requests/s in total
    python bench/teams_load.py --url http://127.0.0.1:8080/teams/wijkteam --token-env TOKEN
    python bench/teams_load.py --no-floor            # the bot alone
    python bench/teams_load.py --questions eval      # every eval-set question, not seven

Without ``--rate`` every client sends its next request as soon as the previous one is
answered (closed loop): that measures the maximum throughput, and latency is then mostly
queueing (mean latency = clients / throughput). With ``--rate`` the clients together send
that many requests per second on a fixed schedule, and latency counts from the scheduled
send time, so a slow server cannot hide its backlog (no coordinated omission).

Exit status 1 when the bot misses the target (p99 <= 50 ms, zero errors, and at least 0.4x
the floor's throughput when the floor ran).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp
from aiohttp import web

from bot.transports.teams import sign

FIXTURE = ROOT / "tests" / "fixtures" / "teams" / "channel_message.json"
TOKEN_ENV = "PARTNERBOT_BENCH_TOKEN"  # noqa: S105 - a variable name, not a secret
TARGET_P99_MS = 50.0
TARGET_FLOOR_SHARE = 0.4  # the bot's throughput as a share of the floor's, closed loop
FLOOR = ROOT / "bench" / "teams_floor.py"
QUESTIONS = (
    "mag een boa online rondkijken op instagram?",
    "wordt het morgen droog in amersfoort?",
    "wat doet de politie online?",
    "wat is de rol van een jongerenwerker",
    "mag een school op tiktok kijken?",
    "hoe werkt de aanpak van jeugdcriminaliteit bij de gemeente",
    "politie",
)


def eval_questions() -> tuple[str, ...]:
    """Every question of the eval sets (bench/eval-*.yaml) in one fixed shuffled order: a
    broad mix, so no per-question shortcut could carry the figures."""
    import yaml

    questions = [
        item["q"]
        for path in sorted(ROOT.glob("bench/eval-*.yaml"))
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    random.Random(16).shuffle(questions)
    return tuple(questions)


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    cpu_seconds: float = 0.0  # the server process's CPU time during the measured part


def cpu_seconds(pid: int | None) -> float:
    """A process's user + system CPU time (Linux /proc; 0 elsewhere or without a pid).

    CPU time per request is the steadiest figure on a shared machine: other work slows the
    wall clock of both servers, but hardly what each request costs the server itself.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- server (child process) -----------------------------------------------------------------


async def serve() -> None:
    import tempfile

    from bot import heap
    from bot.admin.usage import UsageLog
    from bot.assistant import Assistant
    from bot.config import Config, SecretRef, TeamsConfig, TeamsWebhookConfig
    from bot.knowledge import load_knowledge
    from bot.metrics import Metrics
    from bot.models import Question
    from bot.serial_assistant import SerialAssistant
    from bot.store import Store
    from bot.transports.teams import TeamsWebhooks
    from bot.web import build_web_app
    from bot.worker import shorten_gil_switch

    if not os.environ.get("PARTNERBOT_BENCH_DEFAULT_SWITCH"):
        shorten_gil_switch()  # as the app does at start (bot.app)
    hook = TeamsWebhookConfig(name="bench", token=SecretRef(env=TOKEN_ENV))
    config = Config(teams=TeamsConfig(webhooks=(hook,)))
    metrics = Metrics()
    assistant = Assistant(load_knowledge(), config, metrics)
    # The running bot counts every matched question in its store (admin upkeep): so here.
    folder = tempfile.TemporaryDirectory()
    store = Store(Path(folder.name) / "bench.sqlite3")
    usage = UsageLog(config, store)
    assistant.decision_hooks.append(usage.observe)
    serial = SerialAssistant(assistant)
    ask_now = serial.handle_now
    if os.environ.get("PARTNERBOT_BENCH_WORKER_ONLY"):  # every question through the worker,
        ask_now = lambda question: None  # noqa: E731 - as before handle_now, to compare
    webhooks = TeamsWebhooks(config.teams, serial.handle, metrics, os.environ, ask_now)
    app = build_web_app(config, assistant, metrics, [webhooks])
    # As the app starts (bot.app): pay the lazy set-up, then keep the knowledge and libraries
    # out of the collector's full collections.
    assistant.matcher.decide("opstarten")
    assistant.handle(Question(text="help", transport="startup", always_addressed=True))
    heap.settle()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"PORT {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await usage.flush_loop(stop)  # as the app writes the counts: once a second
    await runner.cleanup()
    store.close()
    folder.cleanup()


# --- client ---------------------------------------------------------------------------------


class Requests:
    """Fresh, signed activities: every request a new sender in a new conversation."""

    def __init__(self, key: bytes, questions: tuple[str, ...] = QUESTIONS) -> None:
        self._key = key
        self._questions = questions
        self._template: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
        self._numbers = itertools.count(1)

    def next(self) -> tuple[bytes, dict[str, str]]:
        number = next(self._numbers)
        data = dict(self._template)
        question = self._questions[number % len(self._questions)]
        data["text"] = f"<at>Partnerwijzer</at>&nbsp;{question}"
        data["from"] = {**self._template["from"], "aadObjectId": f"bench-user-{number}"}
        data["conversation"] = {"id": f"19:bench@thread.tacv2;messageid={number}"}
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Authorization": sign(body, self._key), "Content-Type": "application/json"}
        return body, headers


async def one_client(
    session: aiohttp.ClientSession,
    url: str,
    requests: Requests,
    until: float,
    results: Results,
    interval: float = 0.0,
) -> None:
    # Spread the clients' first sends over one interval, so they do not fire in bursts.
    scheduled = time.perf_counter() + random.uniform(0.0, interval)
    while scheduled < until:
        body, headers = requests.next()
        if interval:
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            started = scheduled
            scheduled += interval
        else:
            started = scheduled = time.perf_counter()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                payload = await response.json(content_type=None)
                elapsed = time.perf_counter() - started
                problem = check(response.status, payload)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            results.errors[type(error).__name__] += 1
            continue
        if problem:
            results.errors[problem] += 1
        else:
            results.latencies.append(elapsed)


def check(status: int, payload: Any) -> str | None:
    if status != 200:
        return f"HTTP {status}"
    attachments = payload.get("attachments") if isinstance(payload, dict) else None
    if not attachments or attachments[0]["content"].get("type") != "AdaptiveCard":
        return "no card (timeout message?)"
    return None


async def load(
    url: str,
    key: bytes,
    clients: int,
    duration: float,
    rate: float,
    pid: int | None = None,
    questions: tuple[str, ...] = QUESTIONS,
) -> Results:
    requests = Requests(key, questions)
    interval = clients / rate if rate else 0.0
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm_up = Results()
        await asyncio.gather(
            *(
                one_client(session, url, requests, time.perf_counter() + 1.0, warm_up)
                for _ in range(clients)
            )
        )
        results = Results()
        cpu_before = cpu_seconds(pid)
        until = time.perf_counter() + duration
        await asyncio.gather(
            *(one_client(session, url, requests, until, results, interval) for _ in range(clients))
        )
        results.cpu_seconds = cpu_seconds(pid) - cpu_before
    return results


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


Summary = dict[str, float]  # rps, p50, p95, p99, max, mean (ms), errors, cpu/req (ms)


def summarise(results: Results, duration: float) -> Summary:
    ms = sorted(value * 1000 for value in results.latencies)
    errors = float(sum(results.errors.values()))
    if not ms:
        return {"rps": 0.0, "errors": errors}
    cpu = {"cpu/req": results.cpu_seconds * 1000 / len(ms)} if results.cpu_seconds else {}
    return {
        **cpu,
        "rps": len(ms) / duration,
        "p50": percentile(ms, 0.50),
        "p95": percentile(ms, 0.95),
        "p99": percentile(ms, 0.99),
        "max": ms[-1],
        "mean": statistics.fmean(ms),
        "errors": errors,
    }


def print_side_by_side(runs: dict[str, Summary], header: str) -> bool:
    """Each run's throughput and latency, the bot/floor ratios, and the verdict."""
    print(header)
    columns = ("rps", "p50", "p95", "p99", "max", "mean", "cpu/req", "errors")
    print(f"{'':<8}" + "".join(f"{name:>10}" for name in columns))
    for name, summary in runs.items():
        cells = "".join(
            f"{summary.get(column, float('nan')):>10.{3 if column == 'cpu/req' else 1}f}"
            for column in columns
        )
        print(f"{name:<8}{cells}")
    bot = runs["bot"]
    floor = runs.get("floor")
    if floor and floor["rps"] and bot["rps"]:
        ratios = "".join(
            f"{bot[c] / floor[c]:>10.2f}" if floor.get(c) and c in bot else f"{'':>10}"
            for c in columns[:-1]
        )
        print(f"{'bot/flr':<8}{ratios}")
    passed = bot["rps"] > 0 and bot.get("p99", 1e9) <= TARGET_P99_MS and bot["errors"] == 0
    verdict = f"target p99 <= {TARGET_P99_MS:.0f} ms and zero errors"
    if floor and floor["rps"]:
        passed = passed and bot["rps"] >= TARGET_FLOOR_SHARE * floor["rps"]
        verdict += f" and >= {TARGET_FLOOR_SHARE}x the floor's requests/s"
    print(f"{verdict}: {'met' if passed else 'MISSED'}")
    return passed


WRK_REQUESTS = 500  # distinct signed requests the wrk script cycles through


def _lua_string(data: bytes) -> str:
    return '"' + "".join(f"\\{byte}" for byte in data) + '"'


def run_wrk(
    url: str, key: bytes, clients: int, duration: float, questions: tuple[str, ...] = QUESTIONS
) -> Summary:
    """The same load from wrk, a C load generator: on a 2-core machine the Python client
    takes CPU from the server it measures; wrk takes far less."""
    import re
    import shutil
    import tempfile

    if shutil.which("wrk") is None:
        raise SystemExit("--wrk needs wrk (Debian: apt-get install wrk)")
    requests = Requests(key, questions)
    pairs = [requests.next() for _ in range(WRK_REQUESTS)]
    bodies = ",\n".join(_lua_string(body) for body, _ in pairs)
    signatures = ",\n".join(f'"{headers["Authorization"]}"' for _, headers in pairs)
    script = f"""
local bodies = {{{bodies}}}
local signatures = {{{signatures}}}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter % #bodies + 1
  wrk.headers["Authorization"] = signatures[counter]
  return wrk.format(nil, nil, nil, bodies[counter])
end
done = function(summary, latency, requests)
  io.write(string.format("WRK requests %d errors %d status %d timeout %d\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({{50, 95, 99}}) do
    io.write(string.format("WRK p%d %.3f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("WRK max %.3f\\n", latency.max / 1000))
  io.write(string.format("WRK mean %.3f\\n", latency.mean / 1000))
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    completed = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{duration:.0f}s", "-s", handle.name, url],
        capture_output=True,
        text=True,
        check=False,
    )
    os.unlink(handle.name)
    values = dict(re.findall(r"^WRK (\w+) ([\d.]+)", completed.stdout, re.MULTILINE))
    found = re.search(
        r"WRK requests (\d+) errors (\d+) status (\d+) timeout (\d+)", completed.stdout
    )
    if found is None:
        print(completed.stdout, completed.stderr)
        return {"rps": 0.0, "errors": 1.0}
    total, *failures = (int(group) for group in found.groups())
    summary = {k: float(v) for k, v in values.items()}
    return {**summary, "rps": total / duration, "errors": float(sum(failures))}


def start_server(token: str, script: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, TOKEN_ENV: token}
    child = subprocess.Popen(
        [sys.executable, str(script), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith("PORT "):
        child.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return child, f"http://127.0.0.1:{int(line.split()[1])}/teams/bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds")
    parser.add_argument("--rate", type=float, default=0.0, help="requests/s in total (open loop)")
    parser.add_argument("--url", help="a running server's Teams route (default: start one)")
    parser.add_argument("--token-env", help="with --url: variable holding that webhook's token")
    parser.add_argument(
        "--wrk", action="store_true", help="generate the load with wrk instead of Python"
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the floor run (bench/teams_floor.py)"
    )
    parser.add_argument(
        "--questions",
        choices=("bench", "eval"),
        default="bench",
        help="bench: the seven questions above in turn; eval: every eval-set question",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return 0
    targets: dict[str, Path | None] = {"floor": FLOOR, "bot": Path(__file__).resolve()}
    if args.no_floor or args.url:
        del targets["floor"]
    if args.url:
        if not args.token_env or not os.environ.get(args.token_env):
            parser.error("--url needs --token-env naming a set variable")
        token = os.environ[args.token_env]
        targets["bot"] = None
    else:
        token = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    key = base64.b64decode(token)
    questions = eval_questions() if args.questions == "eval" else QUESTIONS
    runs: dict[str, Summary] = {}
    for name, script in targets.items():  # the floor first, then the bot, one at a time
        child, url = start_server(token, script) if script is not None else (None, args.url)
        try:
            if args.wrk:
                runs[name] = run_wrk(url, key, args.clients, args.duration, questions)
            else:
                pid = child.pid if child is not None else None
                results = asyncio.run(
                    load(url, key, args.clients, args.duration, args.rate, pid, questions)
                )
                runs[name] = summarise(results, args.duration)
                if results.errors:
                    print(f"{name} errors: {dict(results.errors)}")
        finally:
            if child is not None:
                child.terminate()
                child.wait(timeout=10)
    offered = f"open loop, {args.rate:.0f} requests/s offered" if args.rate else "closed loop"
    client = "wrk" if args.wrk else "Python client"
    client += f", {len(questions)} questions"
    header = (
        f"clients {args.clients}, {args.duration:.0f} s each, loopback, {offered}, {client}, "
        f"load average {os.getloadavg()[0]:.1f}; latency and server CPU per request in ms"
    )
    return 0 if print_side_by_side(runs, header) else 1


if __name__ == "__main__":
    sys.exit(main())
