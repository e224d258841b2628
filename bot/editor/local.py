"""`partnerbot beheer`: the console on an editor's own computer, on loopback only.

No chat transport runs and there is no store (so no statistics). Logging in takes the
random token in the printed address; with a config's ``editor:`` section, passwords work
too. Each save reloads this process's own knowledge.
"""

from __future__ import annotations

import asyncio
import getpass
import secrets
import signal
import subprocess
from pathlib import Path
from typing import TextIO

from aiohttp import web

from bot.config import Config, EditorConfig
from bot.editor.auth import Editor
from bot.editor.context import EditorContext, LocalKnowledge
from bot.editor.previews import CardBuilder
from bot.editor.web import add_editor


def local_editor(folder: Path) -> Editor:
    """Who is editing: git's user.name/user.email for the folder, else the login name."""

    def git_config(key: str) -> str:
        try:
            found = subprocess.run(  # noqa: S603 - fixed arguments
                ["git", "-C", str(folder), "config", key],  # noqa: S607
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return found.stdout.strip() if found.returncode == 0 else ""

    name = git_config("user.name") or getpass.getuser()
    return Editor(name, git_config("user.email"))


async def serve_local(
    folder: Path,
    config: Config,
    port: int,
    out: TextIO,
    card: CardBuilder | None,
    stop: asyncio.Event | None = None,
) -> int:
    knowledge = LocalKnowledge(folder, config)
    token = secrets.token_urlsafe(24)
    editor_config = config.editor or EditorConfig()
    ctx = EditorContext(
        editor_config,
        config,
        folder,
        knowledge.matcher,
        reload=knowledge.reload,
        last_reload=lambda: knowledge.last,
        card=card,
        login_token=token,
        local_editor=local_editor(folder),
        loopback_only=True,
    )
    app = web.Application()
    add_editor(app, ctx)
    runner = web.AppRunner(app, access_log=None)  # the address holds the login token
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        print(f"fout: kan niet luisteren op 127.0.0.1:{port}: {error.strerror}", file=out)
        return 1
    bound = runner.addresses[0][1]
    print(f"Beheerconsole voor {folder}", file=out)
    print(f"Open in je browser: http://127.0.0.1:{bound}/beheer/inloggen?token={token}", file=out)
    print("Stoppen: Ctrl+C", file=out, flush=True)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runner.cleanup()
    return 0
