"""Saving an entry: validate the whole knowledge first, then write atomically, then commit.

Nothing is written unless the knowledge *with* the change loads without a single problem:
the changed file is validated inside a copy of the folder, so the bot never sees a broken
file, not even for a moment. The write is a rename of a fully written temporary file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bot.editor.auth import Editor
from bot.editor.dutch import FIELD_NAMES, dutch_message, where
from bot.editor.entryfile import EntryFileError, EntryForm, apply_entry, entry_file, field_lines
from bot.editor.entryfile import read_text as read_entry_file
from bot.knowledge import KnowledgeError, Problem, load_knowledge

log = logging.getLogger(__name__)
GIT_TIMEOUT_SECONDS = 20.0

_PARTNER_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_lock = threading.Lock()  # one save at a time, whichever thread the request runs in


@dataclass(frozen=True)
class FieldError:
    field: str | None  # the form field it belongs to; None: about the knowledge as a whole
    where: str  # "knowledge/entries/politie.yaml, regel 12"
    message: str  # Dutch


@dataclass
class SaveOutcome:
    saved: bool
    errors: list[FieldError] = field(default_factory=list)
    file: str = ""
    committed: bool = False
    note: str = ""  # e.g. why the git commit did not happen


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_hash(path: Path) -> str:
    """The hash the edit form carries; "" for a file the console cannot read (too large,
    not UTF-8): the form still opens, and saving says why it cannot write."""
    try:
        return text_hash(read_entry_file(path))
    except EntryFileError:
        return ""


def _copy_knowledge(root: Path, into: Path) -> Path:
    """A copy of the folder's YAML files under the same folder name, so problems name the
    same paths as for the real folder."""
    copy = into / root.name
    for source in root.rglob("*.y*ml"):
        relative = source.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue  # editors' lock and swap files ('.#politie.yaml'): the loader skips them
        target = copy / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            shutil.copyfile(source, target)
        else:
            # A folder named x.yaml, a FIFO, a dangling link: point at it, so the loader
            # reports it as it would in the real folder (copying would fail or block).
            target.symlink_to(source.absolute())
    (copy / "entries").mkdir(parents=True, exist_ok=True)
    return copy


def validate_with(root: Path, path: Path, text: str) -> list[Problem]:
    """Every problem the knowledge would have with ``path`` holding ``text``."""
    with tempfile.TemporaryDirectory(prefix="partnerbot-beheer-") as scratch:
        copy = _copy_knowledge(root, Path(scratch))
        (copy / path.relative_to(root)).write_text(text, encoding="utf-8")
        try:
            load_knowledge(copy)
        except KnowledgeError as error:
            return list(error.problems)
    return []


def _field_of(problem: Problem, lines: dict[str, tuple[int, int]], form: EntryForm) -> str | None:
    if problem.message.startswith("de vraag '"):
        quoted = problem.message.split("'")[1]
        return "question" if quoted == form.question else "alternates"
    for name, (first, last) in lines.items():
        if first <= problem.line <= last:
            return name
    return None


def explain(
    problems: list[Problem], root: Path, path: Path, text: str, form: EntryForm
) -> list[FieldError]:
    """Problems in Dutch, each at the form field it is about when it is in this entry."""
    display = str(path.relative_to(root.parent))
    lines = field_lines(text, form.id)
    errors = []
    for problem in problems:
        in_entry = problem.file == display and (problem.entry in (form.id, None))
        name = _field_of(problem, lines, form) if in_entry and lines else None
        errors.append(FieldError(name, where(problem), dutch_message(problem.message)))
    return errors


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _git(root: Path, editor: Editor, *args: str) -> subprocess.CompletedProcess[str]:
    name, _, email = editor.author.partition(" <")
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email.rstrip(">"),
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email.rstrip(">"),
    }
    return subprocess.run(  # noqa: S603 - fixed git arguments, no shell
        ["git", "-C", str(root), *args],  # noqa: S607 - git from PATH, like a person's shell
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_SECONDS,
        env={**os.environ, **identity},
        check=False,
    )


def commit(root: Path, path: Path, editor: Editor, message: str) -> tuple[bool, str]:
    """Commit one file when the folder is in a git repository: (committed, note)."""
    try:
        inside = _git(root, editor, "rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return False, ""
        added = _git(root, editor, "add", "--", str(path))
        if added.returncode == 0:
            done = _git(root, editor, "commit", "--quiet", "-m", message, "--", str(path))
            if done.returncode == 0:
                return True, ""
            added = done
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("git commit of an editor's save failed: %s", type(error).__name__)
        return False, "Opgeslagen, maar de git-commit is niet gelukt (git is niet beschikbaar)."
    log.warning("git commit of an editor's save failed: exit %d", added.returncode)
    return False, "Opgeslagen, maar de git-commit is niet gelukt; vraag de beheerder om hulp."


def save_entry(
    root: Path,
    form: EntryForm,
    original_id: str | None,
    base_hash: str | None,
    editor: Editor,
    git_commit: bool,
    message: str,
) -> SaveOutcome:
    """Change (``original_id``) or add an entry; write only when the knowledge stays valid.

    ``base_hash``: the file's hash when the form was opened; a different file now means
    someone else saved in between, and this save is refused rather than overwriting theirs.
    """
    if not _PARTNER_RE.fullmatch(form.partner):
        # The callers check the partner against the knowledge; this keeps any path that
        # is not a plain file name out of the folder, whoever calls.
        problem = FieldError("partner", "", "Kies een partner uit de lijst.")
        return SaveOutcome(False, [problem])
    path = entry_file(root, form.partner)
    display = str(path.relative_to(root.parent))
    with _lock:
        try:
            current = read_entry_file(path)
            if base_hash is not None and text_hash(current) != base_hash:
                conflict = (
                    "Dit bestand is gewijzigd sinds je het formulier opende (door iemand anders "
                    "of buiten de console). Er is niets opgeslagen. Bewaar je tekst, open de "
                    "entry opnieuw en breng je wijziging nog eens aan."
                )
                return SaveOutcome(False, [FieldError(None, display, conflict)], display)
            text = apply_entry(current, form, original_id)
        except EntryFileError as error:
            return SaveOutcome(False, [FieldError(None, display, str(error))], display)
        problems = validate_with(root, path, text)
        if problems:
            return SaveOutcome(False, explain(problems, root, path, text, form), display)
        try:
            _write_atomically(path, text)
        except OSError as error:
            log.warning("editor save not written: %s", error.strerror or type(error).__name__)
            unwritable = (
                f"Niet opgeslagen: de bot kan {display} niet schrijven "
                f"({error.strerror or 'schrijffout'}). Is de kennismap alleen-lezen gekoppeld? "
                "Vraag de beheerder van de bot om hulp."
            )
            return SaveOutcome(False, [FieldError(None, display, unwritable)], display)
        committed, note = commit(root, path, editor, message) if git_commit else (False, "")
    return SaveOutcome(True, [], display, committed, note)


__all__ = ["FIELD_NAMES", "FieldError", "SaveOutcome", "file_hash", "save_entry"]
