"""Evaluate multi-turn conversations (default: bench/conversation.yaml) through the Assistant.

Prints each script's result, the pass rate per turn and per script.
Run: python bench/conversation_eval.py [FILE] [--knowledge DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.models import Question, Reply

DEFAULT_SET = Path(__file__).resolve().parent / "conversation.yaml"


def outcome(reply: Reply) -> str | tuple[str, str]:
    decision = reply.decision
    if reply.kind == "answer" and decision is not None and decision.best is not None:
        return (decision.best.entry.partner, decision.best.entry.topic)
    return reply.kind


def run_script(assistant: Assistant, number: int, script: dict[str, Any]) -> list[bool]:
    results: list[bool] = []
    for turn in script["turns"]:
        question = Question(
            text=turn["say"], transport="console", conversation_id=f"s{number}", sender_id="u"
        )
        reply = assistant.handle(question)
        got = outcome(reply) if reply is not None else "none"
        expected = turn["expect"]
        want = tuple(expected) if isinstance(expected, list) else expected
        results.append(got == want)
        mark = "ok " if got == want else "BAD"
        print(f"   {mark} {turn['say']!r} -> {got} (want {want})")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--knowledge", default=None)
    args = parser.parse_args()
    scripts = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
    assistant = Assistant(load_knowledge(args.knowledge))
    turns = passed_turns = passed_scripts = 0
    for number, script in enumerate(scripts):
        print(script["name"])
        results = run_script(assistant, number, script)
        turns += len(results)
        passed_turns += sum(results)
        passed_scripts += all(results)
    print(f"turns:   {passed_turns}/{turns} = {passed_turns / max(turns, 1):.3f}")
    print(f"scripts: {passed_scripts}/{len(scripts)} = {passed_scripts / max(len(scripts), 1):.3f}")


if __name__ == "__main__":
    main()
