"""``partnerbot ask``: answer one question, or one per line from stdin, as text or JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any, TextIO

from bot.cli.loading import EXIT_ERROR, EXIT_OK, assistant_or_report
from bot.models import Decision, Match


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


def ask_command(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from bot.transports.console import console_question

    if args.question is not None and not _is_text(args.question):
        print("fout: de vraag is geen UTF-8-tekst (staat de terminal op UTF-8?)", file=err)
        return EXIT_ERROR
    assistant = assistant_or_report(args.knowledge, err)
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
            print(
                f"fout: invoer regel {number}: geen UTF-8-tekst (byte 0x{byte:02X}); "
                "sla het bestand op als UTF-8",
                file=err,
            )
            yield None
