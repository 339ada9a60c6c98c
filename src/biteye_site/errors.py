"""Errors and warnings that carry a file position and a hint for the editor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where, what, and how to fix it."""

    path: str
    line: int | None
    col: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: {self.severity_label}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text

    @property
    def severity_label(self) -> str:
        return "aviso: " if self.severity == "warning" else ""

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.col or 0, self.message)


class BiteyeError(Exception):
    """Base class: a failure the CLI reports without a traceback."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | tuple[Problem, ...] | str):
        if isinstance(problems, str):
            problems = [Problem("biteye-site", None, None, problems)]
        self.problems = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self):
        # Keep the Problems when an error crosses a process boundary (the build's worker pool).
        return (type(self), (list(self.problems),))


class ContentError(BiteyeError):
    """Content (articles, authors.yaml) could not be turned into a site."""


class ConfigError(BiteyeError):
    """site.yaml or the command line is wrong."""


class TemplateError(BiteyeError):
    """A template failed to load or render."""


class RouteConflict(ContentError):
    """Two sources claim one URL."""


class OutputError(BiteyeError):
    """The output folder is unsafe or could not be written."""


def problem(path: Path | str, line: int | None, col: int | None, message: str,
            hint: str = "", severity: str = "error") -> Problem:
    return Problem(str(path), line, col, message, hint, severity)
