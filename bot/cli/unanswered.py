"""``partnerbot unanswered``: list the logged unanswered questions, read-only."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from bot.cli.loading import EXIT_ERROR, EXIT_OK, assistant_or_report, read_config
from bot.config import Config


def unanswered_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Read-only: lists what the bot logged, within the retention period."""
    import time

    from bot.store import Store

    config: Config | None = Config()
    if args.config:
        config = read_config(args.config, err)
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
        assistant = assistant_or_report(args.knowledge or config.knowledge_path or None, err)
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
