"""CPython's ``ast`` for analysis; a file it cannot read becomes an FL001 finding."""

from __future__ import annotations

import ast
import re
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
    names the Python it needs (``newer_syntax``). A file too deep or too big for the parser
    is an error too, never a crash of the run.
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
        needed = newer_syntax(source.text, line)
        if needed is not None:
            running = f"{sys.version_info.major}.{sys.version_info.minor}"
            message += f" (the file uses syntax of Python {needed}; fastlint runs on Python {running}: run it with Python {needed} or later)"
        raise ParseError(message, line, column) from error
    except RecursionError:
        raise ParseError("the file nests too deeply for Python's parser (RecursionError)", 1, 1) from None
    except MemoryError:
        raise ParseError("Python's parser ran out of memory on this file (MemoryError)", 1, 1) from None


# Syntax newer than the running interpreter, recognised on the line the parser rejected
# (never by handing the file to libcst: its native parser crashes the process on input
# that CPython rejects, such as thousands of nested parentheses).
_NEWER: tuple[tuple[tuple[int, int], re.Pattern[str]], ...] = (
    ((3, 14), re.compile(r"""(?<![\w.])[tT][rR]?["']|(?<![\w.])[rR][tT]["']""")),  # t-strings (PEP 750)
    ((3, 14), re.compile(r"^\s*except\*?\s+[^(:\s][^:]*,[^:]*:")),  # except A, B: without parentheses (PEP 758)
    ((3, 12), re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*(\[[^\]]*\])?\s*=")),  # type aliases (PEP 695)
    ((3, 12), re.compile(r"^\s*(async\s+)?(def|class)\s+[A-Za-z_]\w*\s*\[")),  # type parameters (PEP 695)
    ((3, 12), re.compile(r"""[fF][rR]?("|')[^\n]*\{[^}\n]*\1""")),  # f-string reusing its quote (PEP 701)
)


def newer_syntax(text: str, line: int) -> str | None:
    """The Python version whose syntax the rejected ``line`` of ``text`` uses, or None."""
    lines = LINE_BREAK.split(text, maxsplit=line) if line > 0 else []
    rejected = lines[line - 1] if 0 < line <= len(lines) else ""
    for version, pattern in _NEWER:
        if version > sys.version_info[:2] and pattern.search(rejected):
            return f"{version[0]}.{version[1]}"
    return None
