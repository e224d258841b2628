"""The ``partnerbot`` command: ask, check, chat, run, unanswered, beheer and hash-password.

``ask``, ``check``, ``chat`` and ``unanswered`` never import the Matrix library: they must
start fast and work on a machine with no server or account.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from bot.config import Config, ConfigError, load_config
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.models import Decision, Match

if TYPE_CHECKING:
    from bot.assistant import Assistant

EXIT_OK = 0
EXIT_ERROR = 1


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 1 like every other error, with a hint for '-' questions."""

    def error(self, message: str) -> NoReturn:
        if self.prog.endswith(" ask") or "unrecognized arguments: -" in message:
            message += "; a question that starts with '-' goes after '--': partnerbot ask -- '-...'"
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="partnerbot",
        description="Partnerwijzer: answers from the infographic "
        "'De informatiepositie van partners in de online leefwereld'.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def knowledge_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--knowledge", metavar="DIR", help="knowledge folder (default: the shipped one)"
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
    check.add_argument("--config", metavar="FILE", help="also validate this config file")
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
    unanswered.add_argument("--config", metavar="FILE", help="the bot's config (storage.path)")
    unanswered.add_argument("--limit", type=int, default=50, help="at most this many (newest)")
    unanswered.add_argument("--json", action="store_true", help="print one JSON line each")
    knowledge_option(unanswered)

    beheer = sub.add_parser(
        "beheer", help="the editors' web console on this computer (127.0.0.1 only)"
    )
    beheer.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any)")
    beheer.add_argument(
        "--config", metavar="FILE", help="a config: its matching settings and editor logins"
    )
    knowledge_option(beheer)

    sub.add_parser(
        "hash-password",
        help="hash an editor's password for the config's editor.editors (reads it twice)",
    )

    package = sub.add_parser(
        "teams-app", help="write the Teams app package (manifest.json and icons, zipped)"
    )
    package.add_argument("--config", metavar="FILE", required=True, help="with a teams_app:")
    package.add_argument("--out", metavar="ZIP", required=True, help="e.g. partnerwijzer.zip")
    knowledge_option(package)

    run = sub.add_parser("run", help="run the configured chat transports")
    run.add_argument("--config", metavar="FILE", required=True)
    knowledge_option(run)
    return parser


def _report(error: KnowledgeError, err: TextIO) -> None:
    for problem in error.problems:
        print(f"error: {problem}", file=err)
    print(f"{len(error.problems)} problem(s) in the knowledge", file=err)


def _stdin_lines(stdin: TextIO, err: TextIO) -> Iterator[str | None]:
    """Each line of stdin as text; None (after one clear error line) for a line that is not
    UTF-8, whatever the locale says (a strict UTF-8 locale would raise mid-way)."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (tests)
        yield from stdin
        return
    for number, raw in enumerate(buffer, 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            byte = raw[error.start]
            print(f"error: stdin line {number}: not UTF-8 text (byte 0x{byte:02X})", file=err)
            yield None


def _load(path: str | None, err: TextIO) -> KnowledgeBase | None:
    try:
        return load_knowledge(Path(path) if path else None)
    except KnowledgeError as error:
        _report(error, err)
        return None


def _assistant(path: str | None, err: TextIO) -> Assistant | None:
    """An assistant on the knowledge, its index taken from the cache when unchanged."""
    from bot.assistant import Assistant
    from bot.index_cache import load_matcher

    try:
        knowledge, matcher = load_matcher(Path(path) if path else None)
    except KnowledgeError as error:
        _report(error, err)
        return None
    return Assistant(knowledge, matcher=matcher)


def decision_json(question: str, decision: Decision) -> dict[str, Any]:
    """The stable JSON shape of one decision (other tools depend on it)."""

    def candidate(match: Match) -> dict[str, Any]:
        return {
            "entry": match.entry.id,
            "partner": match.entry.partner,
            "topic": match.entry.topic,
            "score": round(match.score, 1),
        }

    best = decision.best
    return {
        "question": question,
        "decision": decision.kind,
        "entry": best.entry.id if best else None,
        "partner": best.entry.partner if best else None,
        "topic": best.entry.topic if best else None,
        "score": round(decision.confidence, 1),
        "candidates": [candidate(match) for match in decision.matches[:5]],
    }


def _ask(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from bot.transports.console import console_question

    if args.question is not None and not _is_text(args.question):
        print("error: the question is not UTF-8 text", file=err)
        return EXIT_ERROR
    assistant = _assistant(args.knowledge, err)
    if assistant is None:
        return EXIT_ERROR
    status = EXIT_OK
    questions = [args.question] if args.question is not None else _stdin_lines(stdin, err)
    for raw in questions:
        if raw is None:
            status = EXIT_ERROR
            continue
        question = raw.rstrip("\r\n")
        if args.question is None and not question.strip():
            continue
        if args.json:
            decision = assistant.matcher.decide(question)
            print(json.dumps(decision_json(question, decision), ensure_ascii=False), file=out)
        else:
            reply = assistant.handle(console_question(question))
            if reply is not None:
                # What a chat shows before "Meer" (lead and footer), or everything.
                print(reply.text if args.full else reply.short_text or reply.text, file=out)
                if args.question is None:
                    print(file=out)
    return status


def _is_text(argument: str) -> bool:
    """A command-line argument that was not UTF-8 arrives with surrogate escapes."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_config(path: str, err: TextIO, prefix: str = "error") -> Config | None:
    """The config at ``path``, or None after printing each of its problems."""
    try:
        return load_config(path, os.environ)
    except ConfigError as error:
        for problem in error.problems:
            print(f"{prefix}: {path}: {problem}", file=err)
        return None


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
            if not args.knowledge and _missing_knowledge(config, args.config, err):
                return EXIT_ERROR
    knowledge = _load(knowledge_path, err)
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


def _missing_knowledge(config: Config, config_path: str, err: TextIO) -> bool:
    """A knowledge folder named in the config that is not there is the config's mistake."""
    if config.knowledge_path and not Path(config.knowledge_path).is_dir():
        print(
            f"error: {config_path}: knowledge.path: {config.knowledge_path} is not a folder",
            file=err,
        )
        return True
    return False


def _chat(args: argparse.Namespace, err: TextIO) -> int:
    from bot.transports.console import run_console

    assistant = _assistant(args.knowledge, err)
    if assistant is None:
        return EXIT_ERROR
    return run_console(assistant)


def _unanswered(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Read-only: lists what the bot logged, within the retention period."""
    import time

    from bot.store import Store

    config: Config | None = Config()
    if args.config:
        config = _read_config(args.config, err)
    if config is None:
        return EXIT_ERROR
    path = Path(config.storage.path)
    if not path.is_file():
        print(f"error: no store at {path} (pass the bot's config with --config)", file=err)
        return EXIT_ERROR
    if not config.privacy.log_unanswered:
        print("note: privacy.log_unanswered is off; no new questions are logged", file=err)
    assistant = None
    if args.suggest:
        assistant = _assistant(args.knowledge or config.knowledge_path or None, err)
        if assistant is None:
            return EXIT_ERROR
    cutoff = time.time() - config.privacy.retention_days * 86_400
    with Store(path) as store:
        logged = [item for item in store.unanswered(max(1, args.limit)) if item.asked_at >= cutoff]
    for item in logged:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(item.asked_at))
        row: dict[str, Any] = {
            "asked_at": when,
            "transport": item.transport,
            "decision": item.decision,
            "question": item.text,
        }
        if assistant is not None:
            best = assistant.matcher.decide(item.text).best
            row["nearest"] = (
                {
                    "entry": best.entry.id,
                    "score": round(best.score, 1),
                    "question": best.entry.question,
                    "file": best.entry.file,
                    "line": best.entry.line,
                }
                if best is not None
                else None
            )
        if args.json:
            print(json.dumps(row, ensure_ascii=False), file=out)
            continue
        print(f"{when}  {item.decision}  {item.transport}", file=out)
        print(f"  question: {' '.join(item.text.split())}", file=out)
        nearest = row.get("nearest")
        if nearest:
            print(
                f"  nearest:  {nearest['entry']} (score {nearest['score']}) "
                f"{nearest['file']}:{nearest['line']}: {nearest['question']}",
                file=out,
            )
        elif assistant is not None:
            print("  nearest:  none (no entry shares a word)", file=out)
    if not args.json:
        print(f"{len(logged)} logged question(s)", file=err)
    return EXIT_OK


def _run(args: argparse.Namespace, err: TextIO) -> int:
    config = _read_config(args.config, err)
    if config is None:
        return EXIT_ERROR
    if not args.knowledge and _missing_knowledge(config, args.config, err):
        return EXIT_ERROR
    from bot.app import run_app

    return run_app(config, args.config, args.knowledge, err)


def _teams_app_package(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from importlib.metadata import version

    from bot.transports.teams.app_package import PackageError, build_manifest, package_bytes

    config = _read_config(args.config, err)
    if config is None:
        return EXIT_ERROR
    if config.teams_app is None:
        print(f"error: {args.config}: teams_app: the section is missing", file=err)
        return EXIT_ERROR
    knowledge = _load(args.knowledge or config.knowledge_path or None, err)
    if knowledge is None:
        return EXIT_ERROR
    partners: set[str] = set()
    examples = []
    for entry in knowledge.entries:  # one example question per partner, in file order
        if entry.partner not in partners:
            partners.add(entry.partner)
            examples.append(entry.question)
    try:
        manifest = build_manifest(config.teams_app, examples, version("partnerwijzer"))
    except PackageError as error:
        print(f"error: {args.config}: {error}", file=err)
        return EXIT_ERROR
    try:
        Path(args.out).write_bytes(package_bytes(manifest))
    except OSError as error:
        print(f"error: {args.out}: cannot write: {error.strerror}", file=err)
        return EXIT_ERROR
    print(f"wrote {args.out}: upload it in Teams (Apps > Manage your apps)", file=out)
    return EXIT_OK


def _beheer(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from bot.editor.local import serve_local
    from bot.knowledge import SHIPPED_KNOWLEDGE
    from bot.transports.teams import build_card

    config: Config | None = Config()
    # The console is for editors: its own start-up messages are Dutch, like the console.
    if args.config:
        config = _read_config(args.config, err, prefix="fout")
    if config is None:
        print("Het configuratiebestand klopt niet; de console start niet.", file=err)
        return EXIT_ERROR
    folder = Path(args.knowledge or config.knowledge_path or SHIPPED_KNOWLEDGE)
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
            f"{count} {'probleem' if count == 1 else 'problemen'} in de kennisbank. Los "
            f"{'het' if count == 1 else 'ze'} eerst op (controleer met: partnerbot check) en "
            "start de console daarna opnieuw.",
            file=err,
        )
        return EXIT_ERROR
    return asyncio.run(serve_local(folder, config, args.port, out, build_card))


def _hash_password(out: TextIO, err: TextIO, stdin: TextIO) -> int:
    import getpass

    from bot.editor.auth import hash_password

    if stdin.isatty():
        password = getpass.getpass("Wachtwoord: ")
        if getpass.getpass("Nog een keer: ") != password:
            print("error: the two passwords differ", file=err)
            return EXIT_ERROR
    else:
        password = stdin.readline().rstrip("\n")
    if len(password) < 12:
        print("error: use a password of at least 12 characters", file=err)
        return EXIT_ERROR
    print(hash_password(password), file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `partnerbot ask ... | head`: the reader left, nothing to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is quiet
        return EXIT_ERROR


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if args.command == "ask":
        return _ask(args, out, err, sys.stdin)
    if args.command == "check":
        return _check(args, out, err)
    if args.command == "chat":
        return _chat(args, err)
    if args.command == "unanswered":
        return _unanswered(args, out, err)
    if args.command == "beheer":
        return _beheer(args, out, err)
    if args.command == "hash-password":
        return _hash_password(out, err, sys.stdin)
    if args.command == "teams-app":
        return _teams_app_package(args, out, err)
    return _run(args, err)
