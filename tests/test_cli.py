"""The ``partnerbot`` command, run as a real subprocess with this Python, in the repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.transports.console import console_question

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "knowledge"
SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"
GOOD = "mag een handhaver op instagram meekijken bij jongeren"
TIMEOUT = 60


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_python("-m", "bot", *args, stdin=stdin, env=env)


def run_python(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **(env or {})}
    # Works whether or not the package is installed: the checkout comes first.
    environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), environ.get("PYTHONPATH", "")) if p
    )
    environ["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=environ,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="module")
def assistant(shipped: KnowledgeBase) -> Assistant:
    return Assistant(shipped)


def expected_text(assistant: Assistant, text: str, *, full: bool = False) -> str:
    reply = assistant.handle(console_question(text))
    assert reply is not None
    return reply.text if full else reply.short_text


def check_decision_json(data: dict[str, Any], knowledge: KnowledgeBase) -> None:
    assert set(data) == {
        "question",
        "decision",
        "entry",
        "partner",
        "topic",
        "score",
        "candidates",
    }
    assert data["decision"] in {"answer", "clarify", "fallback"}
    assert isinstance(data["score"], int | float) and 0 <= data["score"] <= 100
    candidates = data["candidates"]
    assert len(candidates) >= 3
    for candidate in candidates:
        assert set(candidate) == {"entry", "partner", "topic", "score"}
        entry = knowledge.entry(candidate["entry"])
        assert entry is not None
        assert (entry.partner, entry.topic) == (candidate["partner"], candidate["topic"])
        assert 0 <= candidate["score"] <= 100
    scores = [candidate["score"] for candidate in candidates]
    assert scores == sorted(scores, reverse=True)
    best = candidates[0]
    assert (data["entry"], data["partner"], data["topic"]) == (
        best["entry"],
        best["partner"],
        best["topic"],
    )


# --- ask ------------------------------------------------------------------------------------


def test_ask_prints_the_reply_as_a_person_sees_it(assistant: Assistant) -> None:
    result = run_bot("ask", GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected_text(assistant, GOOD) + "\n"
    assert result.stderr == ""


def test_ask_prints_what_a_chat_shows_and_full_prints_everything(assistant: Assistant) -> None:
    short = run_bot("ask", GOOD)
    full = run_bot("ask", "--full", GOOD)
    assert full.stdout == expected_text(assistant, GOOD, full=True) + "\n"
    reply = assistant.handle(console_question(GOOD))
    assert reply is not None and reply.lead and reply.detail
    # The lead and the footer are in both; the detail only in the full print.
    assert reply.lead in short.stdout and reply.lead in full.stdout
    assert f"Bron: infographic, {reply.source}" in short.stdout
    from bot.replies import markdown_to_plain

    detail_line = markdown_to_plain(reply.detail.splitlines()[-1]).removeprefix("- ")[:40]
    assert detail_line not in short.stdout and detail_line in full.stdout
    assert len(short.stdout) < len(full.stdout)


def test_ask_json_prints_one_object(shipped: KnowledgeBase, assistant: Assistant) -> None:
    result = run_bot("ask", "--json", GOOD)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    check_decision_json(data, shipped)
    assert data["question"] == GOOD
    decision = assistant.matcher.decide(GOOD)
    assert data["decision"] == decision.kind == "answer"
    assert (data["partner"], data["topic"]) == ("handhaving", "online")


def test_ask_json_reads_one_question_per_line_from_stdin(shipped: KnowledgeBase) -> None:
    questions = [GOOD, "wat is de taak van een jongerenwerker", "fiets banaan paraplu", "ü ☃ 🙂"]
    stdin = f"{questions[0]}\n\n   \n{questions[1]}\n{questions[2]}\n{questions[3]}"
    result = run_bot("ask", "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["question"] for row in rows] == questions
    for row in rows:
        check_decision_json(row, shipped)
    assert rows[2]["decision"] == "fallback"


def test_ask_with_another_knowledge_folder() -> None:
    small = load_knowledge(FIXTURE)
    result = run_bot("ask", "--json", "--knowledge", str(FIXTURE), "osint cursus voor agenten")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_decision_json(data, small)
    assert data["entry"] == "politie-opleidingen"


def test_ask_on_broken_knowledge_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, broken)
    (broken / "contacts.yaml").write_text("contacts: [", encoding="utf-8")
    result = run_bot("ask", "--knowledge", str(broken), GOOD)
    assert result.returncode == 1
    assert "contacts.yaml" in result.stderr
    assert "Traceback" not in result.stderr


# --- check ----------------------------------------------------------------------------------


def test_check_on_the_shipped_knowledge(shipped: KnowledgeBase) -> None:
    result = run_bot("check")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    alternates = sum(len(entry.alternates) for entry in shipped.entries)
    assert line == (
        f"ok: {len(shipped.entries)} entries met {alternates} alternates, "
        f"{len(shipped.partners)} partners, {len(shipped.contacts)} contacten, "
        f"{len(shipped.synonyms)} synoniemgroepen (versie {shipped.version})"
    )


def test_check_lists_every_problem_with_file_line_and_entry(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, broken)
    politie = broken / "entries" / "politie.yaml"
    text = politie.read_text("utf-8")
    text = text.replace("    topic: online", "    topic: kookles", 1)
    text = text.replace("    contacts: [tweede]", "    contacts: [niemand]", 1)
    politie.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    topic_line = next(n for n, line in enumerate(lines, 1) if "kookles" in line)
    contact_line = next(n for n, line in enumerate(lines, 1) if "niemand" in line)

    result = run_bot("check", "--knowledge", str(broken))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    # The editors' tool speaks Dutch around the (Dutch) messages too.
    *problems, summary = result.stderr.splitlines()
    pattern = re.compile(r"^fout: (?P<file>\S+):(?P<line>\d+) \[(?P<entry>[^\]]+)\]: (?P<msg>.+)$")
    parsed = [pattern.match(line) for line in problems]
    assert all(parsed), problems
    found = {(m["file"], int(m["line"]), m["entry"]) for m in parsed if m}
    assert ("knowledge/entries/politie.yaml", topic_line, "politie-online") in found
    assert ("knowledge/entries/politie.yaml", contact_line, "politie-opleidingen") in found
    assert summary == f"{len(problems)} problemen in de kennisbank"


def test_check_counts_one_problem_in_the_singular(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(FIXTURE, broken)
    politie = broken / "entries" / "politie.yaml"
    politie.write_text(
        politie.read_text("utf-8").replace("    topic: online", "    topic: kookles", 1),
        encoding="utf-8",
    )
    result = run_bot("check", "--knowledge", str(broken))
    assert result.returncode == 1
    problem, summary = result.stderr.splitlines()
    assert problem.startswith("fout: knowledge/entries/politie.yaml:")
    assert "onbekend topic 'kookles'" in problem
    assert summary == "1 probleem in de kennisbank"


def test_check_points_out_an_entry_without_a_lead(tmp_path: Path) -> None:
    """A lead is optional but the guide asks for one: a warning, still exit 0."""
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("README.md"))
    politie = folder / "entries" / "politie.yaml"
    text = politie.read_text("utf-8")
    lead = next(line for line in text.splitlines() if line.startswith("    lead: "))
    politie.write_text(text.replace(lead + "\n", "", 1), encoding="utf-8")
    entry = load_knowledge(folder).entry("politie-rol")  # the file's first entry
    assert entry is not None and not entry.lead
    result = run_bot("check", "--knowledge", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert result.stderr.splitlines() == [
        f"let op: knowledge/entries/politie.yaml:{entry.line} [{entry.id}]: geen 'lead', dus "
        'toont de chat het hele antwoord, zonder "Meer"; schrijf een lead van één of twee zinnen'
    ]


# --- chat -----------------------------------------------------------------------------------


def test_chat_answers_each_line_until_quit(assistant: Assistant) -> None:
    lines = ["help", "partners", "contact", "mag een boa op insta kijken"]
    result = run_bot("chat", stdin="\n".join([*lines, "quit", "partners"]) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    position = 0
    for line in lines:
        text = expected_text(assistant, line, full=True)  # a terminal chat shows everything
        found = out.find(text, position)
        assert found >= 0, f"no reply to {line!r}"
        position = found + len(text)
    assert out.count(expected_text(assistant, "partners", full=True)) == 1  # nothing after quit
    for contact in assistant.knowledge.contacts:
        assert contact.email in out


@pytest.mark.parametrize("goodbye", ["doei", "dag", "Tot ziens!", "ok bedankt, fijne dag"])
def test_a_goodbye_is_answered_and_ends_the_chat(assistant: Assistant, goodbye: str) -> None:
    import io

    from bot.smalltalk import REPLIES
    from bot.transports.console import run_console

    lines = iter([goodbye, "partners"])
    out = io.StringIO()
    assert run_console(assistant, read=lambda _prompt: next(lines), out=out) == 0
    assert REPLIES["goodbye"] in out.getvalue()
    assert next(lines) == "partners"  # not read: the goodbye ended the chat


def test_chat_ends_at_end_of_input() -> None:
    result = run_bot("chat", "--knowledge", str(FIXTURE), stdin="help\n")
    assert result.returncode == 0, result.stderr
    assert "4 antwoorden" in result.stdout  # the fixture holds four entries


# --- what the light commands import ------------------------------------------------------


def test_ask_check_and_chat_never_import_nio() -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"assert main(['ask', {GOOD!r}]) == 0\n"
        f"assert main(['ask', '--json', {GOOD!r}]) == 0\n"
        "assert main(['check']) == 0\n"
        "assert main(['chat']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m == 'nio' or m.startswith('nio.'))\n"
        "assert not loaded, loaded\n"
        "assert 'bot.transports.matrix' not in sys.modules\n"
        "print('no nio')\n"
    )
    result = run_python("-c", code, stdin="help\nquit\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("no nio")


# --- run --------------------------------------------------------------------------------------


def test_run_without_transports_points_to_chat(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("logging:\n  level: INFO\n", encoding="utf-8")
    result = run_bot("run", "--config", str(config))
    assert result.returncode == 1
    assert "partnerbot chat" in result.stderr
    assert "Traceback" not in result.stderr
