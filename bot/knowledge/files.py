"""Which files in a knowledge folder are knowledge, reading one with line numbers, and the
folder's version (a hash of every such file)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.knowledge.problems import Problem
from bot.safe_yaml import Located, read_with_recovery

Node = Located  # a YAML value with the line it starts on

NESTED_ENTRY_FILE = (
    "niet gelezen: entry-bestanden staan direct in de map entries/, niet in een submap"
)


def read_yaml(path: Path, root: Path, problems: list[Problem]) -> Node | None:
    """The file's values, or None, with every syntax problem (in Dutch, with a hint) in
    ``problems``; after a syntax error the items that did parse are still returned, so their
    own mistakes are reported in the same run."""
    name = display(path, root)
    if not path.exists() and not path.is_symlink():  # a broken link: the reader explains
        problems.append(
            Problem(
                name,
                0,
                None,
                "het bestand ontbreekt: zet het terug (een kennismap heeft taxonomy.yaml, "
                "partners.yaml, contacts.yaml, synonyms.yaml en entries/)",
            )
        )
        return None
    node, yaml_problems = read_with_recovery(path)
    for problem in yaml_problems:
        problems.append(Problem(name, problem.line, problem.item, problem.for_editors()))
    if node is None and not yaml_problems:
        problems.append(Problem(name, 1, None, "het bestand is leeg"))
    return node


def display(path: Path, root: Path) -> str:
    """The name an editor sees: relative to the folder above the knowledge folder."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _visible(path: Path, root: Path) -> bool:
    """Dot-files are editors' lock and swap files (``.#politie.yaml``), never knowledge."""
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def nested_yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [
        path
        for path in folder.rglob("*")
        if path.suffix in {".yaml", ".yml"} and path.parent != folder
    ]
    return sorted(path for path in found if _visible(path, folder))


def yaml_files(folder: Path) -> list[Path]:
    found = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(path for path in found if _visible(path, folder))


def knowledge_version(root: Path) -> str:
    """A short hash of every YAML file in the folder: changes whenever any file changes.

    Never raises: a file that cannot be read is hashed by its error, so the version still
    changes when it becomes readable, and loading reports it by name.
    """
    digest = hashlib.sha256()
    for file in sorted(path for path in root.rglob("*.y*ml") if _visible(path, root)):
        digest.update(str(file.relative_to(root)).encode())
        try:
            digest.update(file.read_bytes() if file.is_file() else b"\0not a file")
        except OSError as error:
            digest.update(f"\0{error.errno}".encode())
    return digest.hexdigest()[:12]
