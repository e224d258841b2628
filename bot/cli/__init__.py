"""The ``partnerbot`` command: ask, check, chat, run, unanswered, beheer, hash-password and
teams-app.

``ask``, ``check``, ``chat`` and ``unanswered`` never import the Matrix library: they must
start fast and work on a machine with no server or account.

One module per job: ``parser`` (the arguments), ``loading`` (knowledge, assistant and config
for a command, with their problems printed), and one module per command or pair of commands:
``ask``, ``check``, ``serve`` (chat, run), ``unanswered``, ``editor`` (beheer,
hash-password), ``teams_app``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from bot.cli.ask import ask_command, decision_json
from bot.cli.check import check_command
from bot.cli.editor import beheer_command, hash_password_command
from bot.cli.loading import EXIT_ERROR, EXIT_OK
from bot.cli.parser import parse_arguments
from bot.cli.serve import chat_command, run_command
from bot.cli.teams_app import teams_app_command
from bot.cli.unanswered import unanswered_command

__all__ = ["EXIT_ERROR", "EXIT_OK", "decision_json", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `partnerbot ask ... | head`: the reader left, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is quiet
        return EXIT_ERROR


def _main(argv: Sequence[str] | None) -> int:
    args = parse_arguments(argv)
    out, err = sys.stdout, sys.stderr
    if args.command == "ask":
        return ask_command(args, out, err, sys.stdin)
    if args.command == "check":
        return check_command(args, out, err)
    if args.command == "chat":
        return chat_command(args, err)
    if args.command == "unanswered":
        return unanswered_command(args, out, err)
    if args.command == "beheer":
        return beheer_command(args, out, err)
    if args.command == "hash-password":
        return hash_password_command(out, err, sys.stdin)
    if args.command == "teams-app":
        return teams_app_command(args, out, err)
    return run_command(args, err)
