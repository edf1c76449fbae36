"""Progress of long work on standard error: a bar on a terminal, plain lines otherwise (never stdout)."""

from __future__ import annotations

import sys

BAR_WIDTH = 30


class Reporter:
    """``reporter(stage, percent, note)``: called by the copy runner at each step."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last = None

    def __call__(self, stage: str, percent: int, note: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        if self.tty:
            filled = BAR_WIDTH * percent // 100
            end = "\n" if stage == "done" else ""
            self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {stage} {note}"[:120]
                              + "\x1b[K" + end)
        elif (stage, percent) != self.last:
            self.stream.write(f"copy-image: {stage} {percent}%{' ' + note if note else ''}\n")
        self.last = (stage, percent)
        self.stream.flush()
