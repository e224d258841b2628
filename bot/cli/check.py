"""``partnerbot check``: validate the knowledge (and a config file) and summarise it."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.loading import (
    EXIT_ERROR,
    EXIT_OK,
    editor_on_packaged_knowledge,
    load_or_report,
    missing_knowledge,
    read_config,
)


def check_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The knowledge's problems for its editors, in Dutch; a config's problems (with
    --config) for its operators, in English like the config's README."""
    status = EXIT_OK
    knowledge_path = args.knowledge
    if args.config:
        config = read_config(args.config, err)
        if config is None:
            status = EXIT_ERROR
        elif not args.knowledge and missing_knowledge(config, args.config, err):
            return EXIT_ERROR
        else:
            if editor_on_packaged_knowledge(config, args.config, args.knowledge, err):
                status = EXIT_ERROR  # a config problem: the knowledge is still checked
            # The knowledge the config would run with, unless --knowledge overrides it.
            knowledge_path = knowledge_path or config.knowledge_path or None
    knowledge = load_or_report(knowledge_path, err)
    if knowledge is None:
        return EXIT_ERROR
    for entry in knowledge.entries:
        if not entry.lead:  # allowed, but the guide asks for one: say so, exit 0 all the same
            print(
                f"let op: {entry.file}:{entry.line} [{entry.id}]: geen 'lead', dus toont de "
                'chat het hele antwoord, zonder "Meer"; schrijf een lead van één of twee zinnen',
                file=err,
            )
    if status == EXIT_OK:
        alternates = sum(len(entry.alternates) for entry in knowledge.entries)
        print(
            f"ok: {len(knowledge.entries)} entries met {alternates} alternates, "
            f"{len(knowledge.partners)} partners, {len(knowledge.contacts)} contacten, "
            f"{len(knowledge.synonyms)} synoniemgroepen (versie {knowledge.version})",
            file=out,
        )
    return status
