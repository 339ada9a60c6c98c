"""Errors and warnings that carry a file position and a hint for the editor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Characters that would break a one-line message or a terminal: control characters
# (a file name with a newline, an escape sequence in a title) and lone surrogates
# (file names that are not UTF-8). They are shown as \xNN / \uNNNN escapes instead.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNPRINTABLE_KEEP_NL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control characters and lone surrogates made visible as escapes."""
    pattern = _UNPRINTABLE_KEEP_NL if keep_newlines else _UNPRINTABLE
    return pattern.sub(lambda m: _escape(m.group()), text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
        where = printable(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: {self.severity_label}{printable(self.message)}"
        if self.hint:
            text += f" — {printable(self.hint, keep_newlines=True)}"
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


class WorkerLost(BiteyeError):
    """A worker process of the build ended without finishing its part (killed: out of memory…)."""


def problem(path: Path | str, line: int | None, col: int | None, message: str,
            hint: str = "", severity: str = "error") -> Problem:
    return Problem(str(path), line, col, message, hint, severity)
