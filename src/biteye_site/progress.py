"""Build progress for people: a bar on a terminal, plain lines in CI and logs, nothing with --quiet."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    """Called by the build as ``progress(stage, done, total)``; draws at most ~10 times a second."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        if tty is None:
            tty = self.stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
        self.tty = tty
        self.stage = ""
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if not self.tty:
            # Plain lines: one when a stage starts, so CI logs stay short and readable.
            if stage != self.stage:
                self.stage = stage
                self.stream.write(f"{stage}: {total} {'item' if total == 1 else 'itens'}\n")
                self.stream.flush()
            return
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.last < 0.1:
            return
        self.stage, self.last = stage, now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(f"\r{stage:<12} {bar} {done}/{total}\033[K")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def silent(stage: str, done: int, total: int) -> None:
    """The default: report nothing."""
