"""Seconds from SIGTERM to exit of ``partnerbot run`` (Teams webhook, loopback), in two states:
under keep-alive load from 20 clients, and during a knowledge reload stuck in a thread.

    python bench/exit_time.py [--runs 3]

Prints one line per run and the worst; the budget is 10 s (README, "Signals").
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "teams" / "channel_message.json"
KEY = hashlib.sha256(b"exit bench key").digest()
STUCK_RELOAD = """
import sys, threading
import bot.reloader

def stuck(folder):
    print("RELOAD STARTED", file=sys.stderr, flush=True)
    threading.Event().wait()

bot.reloader.load_knowledge = stuck
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def start(workdir: Path, python: list[str]) -> tuple[subprocess.Popen[bytes], Path, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = workdir / "config.yaml"
    config.write_text(
        f"storage:\n  path: {workdir / 'db.sqlite3'}\nweb:\n  host: 127.0.0.1\n  port: {port}\n"
        "teams:\n  webhooks:\n    - name: wijk\n      token: {env: PW_EXIT_TOKEN}\n",
        encoding="utf-8",
    )
    log = workdir / "run.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, *python, "run", "--config", str(config)],
            cwd=REPO,
            env={
                **os.environ,
                "PYTHONPATH": str(REPO),
                "PW_EXIT_TOKEN": base64.b64encode(KEY).decode(),
            },
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return process, log, port


def wait_for(log: Path, text: str) -> None:
    deadline = time.monotonic() + 60
    while text not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise SystemExit(f"no {text!r}:\n{log.read_text()}")
        time.sleep(0.05)


def terminate(process: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        return float("inf")
    return time.monotonic() - started


async def under_load(workdir: Path) -> float:
    process, log, port = start(workdir, ["-m", "bot"])
    await asyncio.to_thread(wait_for, log, "partnerbot running")
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["text"] = "<at>Partnerwijzer</at> mag een boa online rondkijken op instagram?"
    body = json.dumps(data).encode()
    signature = "HMAC " + base64.b64encode(hmac.new(KEY, body, hashlib.sha256).digest()).decode()
    headers = {"Authorization": signature, "Content-Type": "application/json"}
    stop, answered = asyncio.Event(), asyncio.Event()

    async def client(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}/teams/wijk", data=body, headers=headers
                ) as r:
                    await r.read()
                    answered.set()
            except aiohttp.ClientError:
                return

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=40)) as session:
        clients = [asyncio.create_task(client(session)) for _ in range(20)]
        await answered.wait()
        await asyncio.sleep(1.0)  # a second of steady load before the signal
        seconds = await asyncio.to_thread(terminate, process)
        stop.set()
        await asyncio.gather(*clients)
    return seconds


def during_reload(workdir: Path) -> float:
    process, log, _port = start(workdir, ["-c", STUCK_RELOAD])
    wait_for(log, "partnerbot running")
    process.send_signal(signal.SIGHUP)
    wait_for(log, "RELOAD STARTED")
    return terminate(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    for name, measure in (
        ("under keep-alive load", lambda d: asyncio.run(under_load(d))),
        ("during a stuck reload", during_reload),
    ):
        times = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                times.append(measure(Path(folder)))
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"SIGTERM to exit {name}: {shown} s (worst {max(times):.2f} s)")


if __name__ == "__main__":
    main()
