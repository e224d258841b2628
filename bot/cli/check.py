"""``partnerbot check``: validate the knowledge (and a config file) and summarise it."""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from bot.cli.loading import EXIT_ERROR, EXIT_OK, load_or_report, missing_knowledge
from bot.config import ConfigError, load_config


def check_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    status = EXIT_OK
    knowledge_path = args.knowledge
    if args.config:
        try:
            config = load_config(args.config, os.environ)
            # The knowledge the config would run with, unless --knowledge overrides it.
            knowledge_path = knowledge_path or config.knowledge_path or None
        except ConfigError as error:
            for problem in error.problems:
                print(f"error: {args.config}: {problem}", file=err)
            status = EXIT_ERROR
        else:
            if not args.knowledge and missing_knowledge(config, args.config, err):
                return EXIT_ERROR
    knowledge = load_or_report(knowledge_path, err)
    if knowledge is None:
        return EXIT_ERROR
    if status == EXIT_OK:
        alternates = sum(len(entry.alternates) for entry in knowledge.entries)
        print(
            f"ok: {len(knowledge.entries)} entries, {alternates} alternate questions, "
            f"{len(knowledge.partners)} partners, {len(knowledge.contacts)} contacts, "
            f"{len(knowledge.synonyms)} synonym groups (version {knowledge.version})",
            file=out,
        )
    return status
