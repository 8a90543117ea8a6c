"""Unified diffs (``git diff``'s, or any tool's) read into the lines each file gained.

Only the new side matters to a review: which lines of the new file a hunk covers (a review
comment may sit on any of them) and which of those were added or modified. Deleted and
binary files have no new side and are dropped; a rename keeps its new path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["FileDiff", "Hunk", "parse_unified_diff"]

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}


@dataclass
class Hunk:
    """The new-file lines ``start`` .. ``start + count - 1`` and those among them that were added."""

    start: int
    count: int
    added: set[int] = field(default_factory=set)

    @property
    def end(self) -> int:
        return self.start + self.count - 1


@dataclass
class FileDiff:
    """One file's changes; ``path`` is the new path as the diff names it (relative, POSIX)."""

    path: str
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def added(self) -> set[int]:
        return set().union(*(hunk.added for hunk in self.hunks))

    def hunk_at(self, line: int) -> Hunk | None:
        return next((hunk for hunk in self.hunks if hunk.start <= line <= hunk.end), None)


def parse_unified_diff(text: str) -> dict[str, FileDiff]:
    """The files with a new side, by path, with their hunks; deleted and binary files left out."""
    files: dict[str, FileDiff] = {}
    current: FileDiff | None = None
    hunk: Hunk | None = None
    new_line = remaining_old = remaining_new = 0
    # Split on LF only: str.splitlines() would also split a line at a form feed or U+2028.
    for line in text.split("\n"):
        if hunk is not None and (remaining_old > 0 or remaining_new > 0):
            # Inside a hunk the counts decide, so a removed line "--- x" is not a header.
            tag = line[:1]
            if tag == "+":
                hunk.added.add(new_line)
                new_line += 1
                remaining_new -= 1
            elif tag == "-":
                remaining_old -= 1
            elif tag in (" ", ""):
                new_line += 1
                remaining_new -= 1
                remaining_old -= 1
            continue  # "\ No newline at end of file" counts for neither side
        if line.startswith("diff --git "):
            current, hunk = None, None
        elif line.startswith("+++ "):
            path = _diff_path(line[4:])
            current = None if path is None else files.setdefault(path, FileDiff(path))
            hunk = None
        elif (match := _HUNK.match(line)) and current is not None:
            remaining_old = 1 if match[1] is None else int(match[1])
            start, count = int(match[2]), 1 if match[3] is None else int(match[3])
            remaining_new, new_line = count, start
            hunk = Hunk(start, count)
            current.hunks.append(hunk)
    return {path: diff for path, diff in files.items() if diff.hunks}


def _diff_path(header: str) -> str | None:
    """The path of a ``+++`` header without its ``b/`` prefix; None for ``/dev/null``."""
    header = header.rstrip("\r")
    if header.startswith('"'):
        path = _unquote(header)
    else:
        # A timestamp may follow the name after a tab (diff -u); git ends the name there too.
        path = header.split("\t", 1)[0]
    if path == "/dev/null":
        return None
    # git's destination prefix; other tools' diffs (and git's --no-prefix) are taken as they are.
    return path.removeprefix("b/")


def _unquote(quoted: str) -> str:
    """git's C-style quoting of unusual names (octal escapes are UTF-8 bytes)."""
    out = bytearray()
    i = 1
    while i < len(quoted) and quoted[i] != '"':
        char = quoted[i]
        if char == "\\" and i + 1 < len(quoted):
            following = quoted[i + 1]
            if following in "01234567":
                out.append(int(quoted[i + 1 : i + 4], 8))
                i += 4
                continue
            out.extend(_ESCAPES.get(following, following).encode())
            i += 2
            continue
        out.extend(char.encode())
        i += 1
    return out.decode("utf-8", "surrogateescape")
