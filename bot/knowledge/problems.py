"""What an editor is told: one ``Problem`` per mistake, all of them in one ``KnowledgeError``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f" [{self.entry}]" if self.entry else ""
        return f"{where}{what}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder is broken; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
