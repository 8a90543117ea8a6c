"""Reading a Python file as its author wrote it: bytes, PEP 263 encoding, BOM, newlines."""

from __future__ import annotations

import codecs
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

# The line breaks of Python's tokenizer: str.splitlines() also splits on form feeds, vertical
# tabs, U+0085, U+2028..., and io.BytesIO.readline only on LF (a CR-only file is one line).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def tokenizer_lines(text: str) -> list[str]:
    """``text``'s lines without their endings, as Python's tokenizer numbers them."""
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # a final line break ends the last line, it starts none
    return [] if lines == [""] else lines


class SourceError(Exception):
    """A file that cannot be read or decoded; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class SourceFile:
    path: Path
    data: bytes
    text: str
    encoding: str
    bom: bool
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        """The lines without their endings, split as the tokenizer splits them."""
        if self._lines is None:
            self._lines = tokenizer_lines(self.text)
        return self._lines

    @property
    def newline(self) -> str:
        """The first line ending in the file, kept when a fix rewrites it."""
        for ending in ("\r\n", "\n", "\r"):
            index = self.text.find(ending)
            if index != -1 and (ending != "\n" or self.text[index - 1 : index] != "\r"):
                return ending
        return "\n"

    def line(self, lineno: int) -> str:
        lines = self.lines
        return lines[lineno - 1] if 0 < lineno <= len(lines) else ""

    def char_column(self, lineno: int, utf8_offset: int) -> int:
        """Convert CPython ``ast``'s 0-based UTF-8 byte offset to a 1-based character column."""
        text = self.line(lineno)
        if text.isascii():
            return utf8_offset + 1
        return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", errors="replace")) + 1


def read_source(path: Path) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read file: {error.strerror or error}") from error
    return decode_source(path, data)


def decode_source(path: Path, data: bytes) -> SourceFile:
    """Decode as the interpreter would: BOM, then a coding cookie, then UTF-8."""
    bom = data.startswith(codecs.BOM_UTF8)
    cookie = data.find(b"coding")
    if cookie < 0 or data.count(b"\n", 0, cookie) >= 2:
        # No cookie can be on the first two lines (a cookie says ``coding``): UTF-8, unless
        # the file does not decode, whose error the full reading below words. Most files
        # come this way, without splitting the whole file into lines to read two.
        encoding = "utf-8-sig" if bom else "utf-8"
        try:
            return SourceFile(path=path, data=data, text=data.decode(encoding), encoding=encoding, bom=bom)
        except UnicodeDecodeError:
            pass
    # The cookie may only be on the first two lines, counted as the tokenizer counts them.
    first_lines = iter(data.splitlines(keepends=True)[:2])  # bytes split on \r\n, \r, \n only
    try:
        encoding, _ = tokenize.detect_encoding(lambda: next(first_lines, b""))
    except SyntaxError as error:
        raise SourceError(f"invalid encoding declaration: {error.msg}", error.lineno or 1) from error
    try:
        text = data.decode("utf-8-sig" if bom else encoding)
    except (UnicodeDecodeError, LookupError) as error:
        line = len(data[: getattr(error, "start", 0)].splitlines()) or 1
        if data[: getattr(error, "start", 0)].endswith((b"\n", b"\r")):
            line += 1
        raise SourceError(f"cannot decode file as {encoding}: {error}", line) from error
    return SourceFile(path=path, data=data, text=text, encoding=encoding, bom=bom)
