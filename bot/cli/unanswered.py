"""``partnerbot unanswered``: list the logged unanswered questions, read-only.

Knowledge editors read this (knowledge/README.md sends them here), so what it prints is
Dutch and framed like ``partnerbot check`` ("fout: ..."); ``--json`` keeps its English keys
and values, a stable shape for other tools.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path
from typing import Any, TextIO

from bot.cli.loading import EXIT_ERROR, EXIT_OK, assistant_or_report, read_config
from bot.config import Config

DECISION_NL = {"answer": "antwoord", "clarify": "keuzevraag", "fallback": "geen antwoord"}


def unanswered_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Read-only: lists what the bot logged, within the retention period."""
    import time

    from bot.store import Store

    config: Config | None = Config()
    if args.config:
        config = read_config(args.config, err, prefix="fout")
    if config is None:
        return EXIT_ERROR
    path = Path(config.storage.path)
    if not path.is_file():
        print(
            f"fout: geen logboek gevonden op {path}; geef de configuratie van de bot mee: "
            "partnerbot unanswered --config /pad/naar/config.yaml",
            file=err,
        )
        return EXIT_ERROR
    if not config.privacy.log_unanswered:
        print(
            "let op: privacy.log_unanswered staat uit; de bot bewaart geen nieuwe vragen",
            file=err,
        )
    assistant = None
    if args.suggest:
        assistant = assistant_or_report(args.knowledge or config.knowledge_path or None, err)
        if assistant is None:
            return EXIT_ERROR
    cutoff = time.time() - config.privacy.retention_days * 86_400
    try:
        with Store(path) as store:
            limit = max(1, args.limit)
            logged = [item for item in store.unanswered(limit) if item.asked_at >= cutoff]
    except sqlite3.Error as error:  # not the bot's database, or one it cannot read
        print(f"fout: {path} is geen leesbaar logboek van de bot ({error})", file=err)
        return EXIT_ERROR
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
        decision = DECISION_NL.get(item.decision, item.decision)
        print(f"{when}  {decision}  {item.transport}", file=out)
        print(f"  vraag:      {' '.join(item.text.split())}", file=out)
        nearest = row.get("nearest")
        if nearest:
            print(
                f"  dichtstbij: {nearest['entry']} (score {nearest['score']}) "
                f"{nearest['file']}:{nearest['line']}: {nearest['question']}",
                file=out,
            )
        elif assistant is not None:
            print("  dichtstbij: geen (geen entry heeft een woord met de vraag gemeen)", file=out)
    if not args.json:
        count = len(logged)
        print(
            f"{count} {'vraag' if count == 1 else 'vragen'} in het logboek "
            f"(de laatste {config.privacy.retention_days} dagen)",
            file=err,
        )
    return EXIT_OK
