"""Evaluate multi-turn conversations through the Assistant, per script file.

Default files: bench/conversation.yaml and bench/conversation-independent.yaml (written by
someone who saw neither the code nor the first file). A turn's ``expect`` is a
[partner, topic] pair, a list of acceptable pairs, or a reply kind (clarify, fallback,
smalltalk); an optional ``partners`` list means the reply's comparison shows exactly those
partners' rows. Prints each script's result and the pass rate per turn and per script.
With --eval-as-chat, every in-scope eval question is also asked in one long chat: a complete
question must get the answer it gets alone.
Run: python bench/conversation_eval.py [FILE ...] [--knowledge DIR] [--eval-as-chat]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Question, Reply
from bot.text import tokenize

BENCH = Path(__file__).resolve().parent
DEFAULT_SETS = [BENCH / "conversation.yaml", BENCH / "conversation-independent.yaml"]


def outcome(reply: Reply) -> str | tuple[str, str]:
    decision = reply.decision
    if reply.kind == "answer" and decision is not None and decision.best is not None:
        return (decision.best.entry.partner, decision.best.entry.topic)
    return reply.kind


def row_partners(reply: Reply, knowledge: KnowledgeBase) -> set[str]:
    """The partners whose rows a comparison reply shows, read from the row labels."""
    found = set()
    for label, _ in reply.comparison:
        words = f" {' '.join(tokenize(label))} "
        for partner in knowledge.partners:
            names = (partner.name, partner.id, *partner.aliases)
            if partner.id != "algemeen" and any(
                f" {' '.join(tokenize(name))} " in words for name in names
            ):
                found.add(partner.id)
                break
    return found


def turn_passes(turn: dict[str, Any], reply: Reply | None, knowledge: KnowledgeBase) -> bool:
    got = outcome(reply) if reply is not None else "none"
    expected = turn["expect"]
    if isinstance(expected, str):
        right = got == expected
    elif expected and isinstance(expected[0], list):
        right = got in [tuple(pair) for pair in expected]
    else:
        right = got == tuple(expected)
    if right and "partners" in turn and reply is not None:
        right = row_partners(reply, knowledge) == set(turn["partners"])
    return right


def run_script(assistant: Assistant, key: str, script: dict[str, Any]) -> list[bool]:
    results: list[bool] = []
    for turn in script["turns"]:
        reply = assistant.handle(chat_question(turn["say"], key))
        ok = turn_passes(turn, reply, assistant.knowledge)
        results.append(ok)
        got = outcome(reply) if reply is not None else "none"
        shown = (
            f" rows {sorted(row_partners(reply, assistant.knowledge))}"
            if (reply is not None and "partners" in turn)
            else ""
        )
        print(
            f"   {'ok ' if ok else 'BAD'} {turn['say']!r} -> {got}{shown} (want {turn['expect']})"
        )
    return results


def run_file(assistant: Assistant, path: Path) -> tuple[int, int, int, int]:
    scripts = yaml.safe_load(path.read_text(encoding="utf-8"))
    turns = passed_turns = passed_scripts = 0
    for number, script in enumerate(scripts):
        print(script["name"])
        results = run_script(assistant, f"{path.stem}-{number}", script)
        turns += len(results)
        passed_turns += sum(results)
        passed_scripts += all(results)
    return passed_turns, turns, passed_scripts, len(scripts)


EVAL_SETS = [
    BENCH.parent.parent.parent / "shared" / "eval" / "dev.yaml",
    *sorted(BENCH.glob("eval-*.yaml")),
]


def chat_question(text: str, key: str) -> Question:
    return Question(
        text=text,
        transport="console",
        conversation_id=key,
        sender_id="u",
        always_addressed=True,
        private=True,
    )


def eval_as_chat(assistant: Assistant) -> None:
    """Every in-scope eval question asked alone, and again one after another in one chat:
    a complete question must get the same answer whatever was asked before it."""
    total = changed = worse = 0
    for path in (path for path in EVAL_SETS if path.exists()):
        cases = [
            case for case in yaml.safe_load(path.read_text(encoding="utf-8")) if case.get("accept")
        ]
        for number, case in enumerate(cases):
            alone = assistant.handle(chat_question(case["q"], f"alone-{path.stem}-{number}"))
            chained = assistant.handle(chat_question(case["q"], f"chain-{path.stem}"))
            total += 1
            if outcome_or_none(alone) != outcome_or_none(chained):
                changed += 1
                accepted = [tuple(pair) for pair in case["accept"]]
                if outcome_or_none(alone) in accepted and outcome_or_none(chained) not in accepted:
                    worse += 1
                    print(f"   worse in a chat: {case['q']!r} -> {outcome_or_none(chained)}")
    print(
        f"eval questions as one chat: {total} asked, {changed} answered differently than alone,"
        f" {worse} of them wrongly"
    )


def outcome_or_none(reply: Reply | None) -> str | tuple[str, str]:
    return outcome(reply) if reply is not None else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--knowledge", default=None)
    parser.add_argument(
        "--eval-as-chat",
        action="store_true",
        help="also ask every in-scope eval question alone and in one long chat, and compare",
    )
    args = parser.parse_args()
    assistant = Assistant(load_knowledge(args.knowledge))
    summary = []
    for path in args.files or DEFAULT_SETS:
        print(f"== {path.name}")
        summary.append((path.name, *run_file(assistant, path)))
    print()
    for name, passed_turns, turns, passed_scripts, scripts in summary:
        print(
            f"{name:<34} turns {passed_turns}/{turns} = {passed_turns / max(turns, 1):.3f}   "
            f"scripts {passed_scripts}/{scripts} = {passed_scripts / max(scripts, 1):.3f}"
        )
    if args.eval_as_chat:
        eval_as_chat(assistant)


if __name__ == "__main__":
    main()
