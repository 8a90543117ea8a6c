"""CPython's ``ast`` for analysis; a file it cannot read becomes an FL001 finding."""

from __future__ import annotations

import ast
import sys
import warnings

from fastlint.source import SourceFile


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
    except ValueError as error:  # NUL bytes on Python < 3.12
        text = source.text
        line = text[: text.find("\0")].count("\n") + 1 if "\0" in text else 1
        raise ParseError(f"SyntaxError: {error}", line, 1) from error


def _newer_syntax(text: str) -> bool:
    try:
        import libcst

        libcst.parse_module(text)
    except Exception:  # noqa: BLE001 - any failure means "not newer syntax"
        return False
    return True
