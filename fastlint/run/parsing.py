"""CPython's ``ast`` for analysis; a file it cannot read becomes an FL001 finding."""

from __future__ import annotations

import ast
import sys
import warnings

from fastlint.source import LINE_BREAK, SourceFile


class ParseError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse_module(source: SourceFile) -> ast.Module:
    """Parse with the running interpreter's grammar.

    A file that only a newer Python can parse is still an error here, but the message
    says so, because libcst (which knows newer grammars) accepts it.
    """
    nul = source.text.find("\0")
    if nul != -1:
        # CPython reports no line for a NUL (older versions raise ValueError) and libcst
        # accepts it, which would read as "newer syntax": point at the byte instead.
        before = LINE_BREAK.split(source.text[:nul])
        line, column = len(before), len(before[-1]) + 1
        raise ParseError("SyntaxError: source code cannot contain null bytes", line, column)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source.text, filename=str(source.path), type_comments=False)
    except SyntaxError as error:
        line = error.lineno or 1
        column = error.offset or 1
        message = f"SyntaxError: {error.msg}"
        if _newer_syntax(source.text):
            version = f"{sys.version_info.major}.{sys.version_info.minor}"
            message += f" (the file uses syntax newer than Python {version}, which runs fastlint)"
        raise ParseError(message, line, column) from error


def _newer_syntax(text: str) -> bool:
    try:
        import libcst

        libcst.parse_module(text)
    except Exception:  # noqa: BLE001 - any failure means "not newer syntax"
        return False
    return True
