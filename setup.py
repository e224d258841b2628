"""The one build step pyproject.toml cannot declare: the shipped knowledge as package data.

Editors keep the knowledge in knowledge/ next to bot/, where an editable install
(``pip install -e .``) reads it, reloads it and the editors' console writes it. A regular
install (``pip install .``, a wheel, pipx) has no checkout around it, so the wheel carries a
copy as bot/data/knowledge/, which bot.knowledge.base finds with importlib.resources.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "knowledge"
TARGET = ("bot", "data", "knowledge")  # bot.knowledge.base.PACKAGED_KNOWLEDGE, under bot/
SUFFIXES = {".yaml", ".yml", ".md"}  # the knowledge and the editors' guide (README.md)


def knowledge_files() -> list[Path]:
    """The files to ship, relative to knowledge/; never editors' dot-files (``.#x.yaml``)."""
    if not (SOURCE / "taxonomy.yaml").is_file():
        # A wheel without its knowledge would install fine and then answer nothing.
        raise SystemExit(f"{SOURCE}: the shipped knowledge is missing; build from a checkout")
    return sorted(
        path.relative_to(SOURCE)
        for path in SOURCE.rglob("*")
        if path.is_file()
        and path.suffix in SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(SOURCE).parts)
    )


class BuildWithKnowledge(build_py):
    """build_py, plus a copy of knowledge/ into the built package (not for -e installs)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the checkout's knowledge/ is used in place
            return
        # Anew each time: a file an editor renamed or removed must not linger in a build/
        # left by an earlier build (setuptools reuses it), to be shipped as a stale entry.
        shutil.rmtree(Path(self.build_lib, *TARGET), ignore_errors=True)
        for source, target in self._knowledge():
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            outputs.extend(str(target) for _, target in self._knowledge())
        return outputs

    def _knowledge(self) -> list[tuple[Path, Path]]:
        folder = Path(self.build_lib, *TARGET)
        return [(SOURCE / name, folder / name) for name in knowledge_files()]


setup(cmdclass={"build_py": BuildWithKnowledge})
