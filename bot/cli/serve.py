"""``partnerbot chat`` and ``partnerbot run``: the commands that keep running, in the
terminal or on the configured chat transports."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.loading import (
    EXIT_ERROR,
    assistant_or_report,
    editor_on_packaged_knowledge,
    missing_knowledge,
    read_config,
)


def chat_command(args: argparse.Namespace, err: TextIO) -> int:
    from bot.transports.console import run_console

    assistant = assistant_or_report(args.knowledge, err)
    if assistant is None:
        return EXIT_ERROR
    return run_console(assistant)


def run_command(args: argparse.Namespace, err: TextIO) -> int:
    config = read_config(args.config, err)
    if config is None:
        return EXIT_ERROR
    if not args.knowledge and missing_knowledge(config, args.config, err):
        return EXIT_ERROR
    if editor_on_packaged_knowledge(config, args.config, args.knowledge, err):
        return EXIT_ERROR
    from bot.app import run_app

    return run_app(config, args.config, args.knowledge, err)
