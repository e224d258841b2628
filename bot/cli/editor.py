"""``partnerbot beheer`` and ``partnerbot hash-password``: the editors' web console on this
computer, and hashing a password for its logins."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import TextIO

from bot.cli.loading import EXIT_ERROR, EXIT_OK, count_problems, read_config
from bot.config import Config
from bot.knowledge import KnowledgeError, is_packaged, load_knowledge


def beheer_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from bot.editor.local import serve_local
    from bot.knowledge import SHIPPED_KNOWLEDGE
    from bot.transports.teams import build_card

    config: Config | None = Config()
    # The console is for editors: its own start-up messages are Dutch, like the console.
    if args.config:
        config = read_config(args.config, err, prefix="fout")
    if config is None:
        print("Het configuratiebestand klopt niet; de console start niet.", file=err)
        return EXIT_ERROR
    folder = Path(args.knowledge or config.knowledge_path or SHIPPED_KNOWLEDGE)
    if is_packaged(folder):
        print(packaged_refusal(folder), file=err)
        return EXIT_ERROR
    if not 0 <= args.port < 65536:
        print(f"fout: --port {args.port} is geen TCP-poort (kies 0 tot 65535)", file=err)
        return EXIT_ERROR
    try:
        load_knowledge(folder)
    except KnowledgeError as error:
        for knowledge_problem in error.problems:
            print(f"fout: {knowledge_problem}", file=err)
        count = len(error.problems)
        print(
            f"{count_problems(count)} in de kennisbank. Los {'het' if count == 1 else 'ze'} "
            "eerst op (controleer met: partnerbot check) en start de console daarna opnieuw.",
            file=err,
        )
        return EXIT_ERROR
    return asyncio.run(serve_local(folder, config, args.port, out, build_card))


def packaged_refusal(folder: Path) -> str:
    """Why the console does not open the knowledge installed with the bot (a wheel's copy in
    site-packages): the next install replaces it, and it may not be writable at all."""
    copy = shlex.quote(str(folder))
    return (
        f"fout: {folder} is de kennisbank die met de bot is meegeïnstalleerd; die bewerk je "
        "niet (een nieuwe installatie overschrijft hem). Kopieer hem naar een eigen map en "
        f"open die: cp -r {copy} knowledge && partnerbot beheer --knowledge knowledge "
        "(of zet knowledge.path in de config)."
    )


def hash_password_command(out: TextIO, err: TextIO, stdin: TextIO) -> int:
    import getpass

    from bot.editor.auth import hash_password

    if stdin.isatty():
        try:
            password = getpass.getpass("Wachtwoord: ")
            again = getpass.getpass("Nog een keer: ")
        except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C at the prompt
            print("\nerror: no password given", file=err)
            return EXIT_ERROR
        if again != password:
            print("error: the two passwords differ", file=err)
            return EXIT_ERROR
    else:
        line = _first_line(stdin)
        if line is None:
            print("error: the password on stdin is not UTF-8 text", file=err)
            return EXIT_ERROR
        # A file saved on Windows ends its line in CRLF: the CR is not part of the password.
        password = line.rstrip("\r\n")
    if len(password) < 12:
        print("error: use a password of at least 12 characters", file=err)
        return EXIT_ERROR
    print(hash_password(password), file=out)
    return EXIT_OK


def _first_line(stdin: TextIO) -> str | None:
    """The first line of stdin, or None when it is not UTF-8 (whatever the locale says)."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (tests)
        return stdin.readline()
    try:
        return str(buffer.readline().decode("utf-8"))
    except UnicodeDecodeError:
        return None
