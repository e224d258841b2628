"""The command line: the ``partnerbot`` parser, its subcommands and their options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from bot.cli.loading import EXIT_ERROR


class Parser(argparse.ArgumentParser):
    """Usage errors exit 1 like every other error; ``ask`` adds how to pass a question."""

    def error(self, message: str) -> NoReturn:
        extra = message.partition("unrecognized arguments: ")[2]
        if self.prog.endswith(" ask") and extra.startswith("-"):
            message += "; a question that starts with '-' goes after '--': partnerbot ask -- '-...'"
        elif self.prog.endswith(" ask") and extra:
            message += "; put a question of several words in quotes: partnerbot ask '...'"
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, or exit 1 with the usage of the command that was given them.

    argparse reports an argument no subcommand knows from the top-level parser, with the
    top-level usage ("partnerbot [-h] {ask,check,...}"); the command's own usage helps.
    """
    parser, commands = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _path(value: str) -> str:
    """A path argument; an empty one is an unset variable (``--config "$CONFIG"``), never
    a reason to quietly check or run without it."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path (is a variable unset?)")
    return value


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each command's own."""
    parser = Parser(
        prog="partnerbot",
        description="Partnerwijzer: answers from the infographic "
        "'De informatiepositie van partners in de online leefwereld'.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def knowledge_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--knowledge",
            metavar="DIR",
            type=_path,
            help="knowledge folder (default: the shipped one)",
        )

    ask = sub.add_parser(
        "ask",
        help="answer one question (or one per line from stdin)",
        epilog="A question that starts with '-' goes after '--': "
        "partnerbot ask -- '-18 jaar: mag de politie dat?'",
    )
    ask.add_argument(
        "question",
        nargs="?",
        help="the question (after '--' when it starts with '-'); without it, read stdin",
    )
    ask.add_argument("--json", action="store_true", help="print JSON (one line per question)")
    ask.add_argument(
        "--full", action="store_true", help="print the whole answer, not only what a chat shows"
    )
    knowledge_option(ask)

    check = sub.add_parser("check", help="validate the knowledge (and a config file)")
    check.add_argument(
        "--config", metavar="FILE", type=_path, help="also validate this config file"
    )
    knowledge_option(check)

    chat = sub.add_parser("chat", help="chat in the terminal on the knowledge")
    knowledge_option(chat)

    unanswered = sub.add_parser(
        "unanswered",
        help="list the logged unanswered questions (when privacy.log_unanswered is on)",
    )
    unanswered.add_argument(
        "--suggest", action="store_true", help="show each question's nearest entry and score"
    )
    unanswered.add_argument(
        "--config", metavar="FILE", type=_path, help="the bot's config (storage.path)"
    )
    unanswered.add_argument("--limit", type=int, default=50, help="at most this many (newest)")
    unanswered.add_argument("--json", action="store_true", help="print one JSON line each")
    knowledge_option(unanswered)

    beheer = sub.add_parser(
        "beheer", help="the editors' web console on this computer (127.0.0.1 only)"
    )
    beheer.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any)")
    beheer.add_argument(
        "--config",
        metavar="FILE",
        type=_path,
        help="a config: its matching settings and editor logins",
    )
    knowledge_option(beheer)

    hash_command = sub.add_parser(
        "hash-password",
        help="hash an editor's password for the config's editor.editors (reads it twice)",
    )

    package = sub.add_parser(
        "teams-app", help="write the Teams app package (manifest.json and icons, zipped)"
    )
    package.add_argument(
        "--config", metavar="FILE", type=_path, required=True, help="with a teams_app:"
    )
    package.add_argument(
        "--out",
        metavar="ZIP",
        type=_path,
        required=True,
        help="e.g. partnerwijzer.zip; '-' writes the zip to standard output (not a terminal)",
    )
    knowledge_option(package)

    run = sub.add_parser("run", help="run the configured chat transports")
    run.add_argument("--config", metavar="FILE", type=_path, required=True)
    knowledge_option(run)
    commands: dict[str, argparse.ArgumentParser] = {
        "ask": ask,
        "check": check,
        "chat": chat,
        "unanswered": unanswered,
        "beheer": beheer,
        "hash-password": hash_command,
        "teams-app": package,
        "run": run,
    }
    return parser, commands
