"""What the commands share: exit codes, and loading the knowledge, an assistant on it or a
config, printing every problem found instead of raising."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import Config, ConfigError, load_config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge

if TYPE_CHECKING:
    from bot.assistant import Assistant

EXIT_OK = 0
EXIT_ERROR = 1


def report_knowledge(error: KnowledgeError, err: TextIO) -> None:
    """Knowledge problems are the editors' to fix: framed in Dutch, like the messages."""
    for problem in error.problems:
        print(f"fout: {problem}", file=err)
    print(f"{count_problems(len(error.problems))} in de kennisbank", file=err)


def count_problems(count: int) -> str:
    """ "1 probleem", "3 problemen"."""
    return f"{count} {'probleem' if count == 1 else 'problemen'}"


def load_or_report(path: str | None, err: TextIO) -> KnowledgeBase | None:
    try:
        return load_knowledge(Path(path) if path else None)
    except KnowledgeError as error:
        report_knowledge(error, err)
        return None


def assistant_or_report(path: str | None, err: TextIO) -> Assistant | None:
    """An assistant on the knowledge, its index taken from the cache when unchanged."""
    from bot.assistant import Assistant
    from bot.index_cache import load_matcher

    try:
        knowledge, matcher = load_matcher(Path(path) if path else None)
    except KnowledgeError as error:
        report_knowledge(error, err)
        return None
    return Assistant(knowledge, matcher=matcher)


def read_config(path: str, err: TextIO, prefix: str = "error") -> Config | None:
    """The config at ``path``, or None after printing each of its problems."""
    try:
        return load_config(path, os.environ)
    except ConfigError as error:
        for problem in error.problems:
            print(f"{prefix}: {path}: {problem}", file=err)
        return None


def missing_knowledge(config: Config, config_path: str, err: TextIO) -> bool:
    """A knowledge folder named in the config that is not there is the config's mistake."""
    if config.knowledge_path and not Path(config.knowledge_path).is_dir():
        print(
            f"error: {config_path}: knowledge.path: {config.knowledge_path} is not a folder",
            file=err,
        )
        return True
    return False


def editor_on_packaged_knowledge(
    config: Config, config_path: str, knowledge: str | None, err: TextIO
) -> bool:
    """An ``editor:`` section on the knowledge installed with the bot (a wheel's copy in
    site-packages, the default without knowledge.path) would write into the installed
    package, which the next install replaces: the config's mistake, said before starting."""
    from bot.knowledge import SHIPPED_KNOWLEDGE, is_packaged

    folder = Path(knowledge or config.knowledge_path or SHIPPED_KNOWLEDGE)
    if config.editor is None or not is_packaged(folder):
        return False
    print(
        f"error: {config_path}: editor: the console edits the knowledge, but {folder} is the "
        "copy installed with the bot (the next install replaces it); copy it to a folder of "
        "your own and set knowledge.path to that folder (or pass --knowledge)",
        file=err,
    )
    return True
