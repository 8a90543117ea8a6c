"""A progress line on stderr for long runs on a terminal (issue 6).

Shown only once a run has taken ``delay`` seconds, so short runs print nothing, and only
when the CLI decides stderr is a terminal and the report is for people; machine formats
and pipes never see it. The line is redrawn in place and erased when the run ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# Seconds a run takes before the line appears.
DELAY = 2.0
# (what is being done, files done, files in all)
ProgressCallback = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    """The engine's default: report nothing."""


class ProgressLine:
    def __init__(self, stream: TextIO, delay: float | None = None, interval: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.delay = DELAY if delay is None else delay
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._drawn_at: float | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < self.delay:
            return
        if self._drawn_at is not None and now - self._drawn_at < self.interval and done < total:
            return
        self.stream.write(f"\r\x1b[Kfastlint: {phase} {done:,}/{total:,} files")
        self.stream.flush()
        self._drawn_at = now

    def close(self) -> None:
        """Erase the line, if one was drawn."""
        if self._drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn_at = None
