"""Building fixes in rules: edits located on ``ast`` nodes, and imports added through libcst.

Positions are what ``Finding`` uses: 1-based lines and 1-based columns in code points,
end exclusive. An edit's content uses the file's own line ending (the import helper keeps
it); the fixer applies edits as they are.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import TYPE_CHECKING

from fastlint.finding import Edit, Position

if TYPE_CHECKING:
    from fastlint.analysis.context import ModuleContext

# The line breaks Python's tokenizer counts (str.splitlines also splits on form feeds).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Offsets:
    """Converts between positions and offsets into one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def offset(self, position: Position) -> int:
        if not 1 <= position.line <= len(self.starts):
            raise ValueError(f"line {position.line} is outside the text")
        return self.starts[position.line - 1] + position.column - 1

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.starts, offset)
        return Position(line, offset - self.starts[line - 1] + 1)


def start_of(ctx: ModuleContext, node: ast.AST) -> Position:
    return ctx.position(node.lineno, node.col_offset)  # type: ignore[attr-defined]


def end_of(ctx: ModuleContext, node: ast.AST) -> Position:
    return ctx.position(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def replace(ctx: ModuleContext, node: ast.AST, content: str) -> Edit:
    return Edit(start_of(ctx, node), end_of(ctx, node), content)


def insert_before(ctx: ModuleContext, node: ast.AST, content: str) -> Edit:
    start = start_of(ctx, node)
    return Edit(start, start, content)


def _arguments(call: ast.Call) -> list[ast.AST]:
    """Positional and keyword arguments in source order (they may interleave)."""
    return sorted([*call.args, *call.keywords], key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]


def add_import(ctx: ModuleContext, module: str) -> tuple[bool, Edit | None]:
    """Schedule ``import module`` where isort and ruff's ``I`` rules would put it.

    Returns ``(usable, edit)``: usable is False when the name ``module`` is bound to
    anything but a module-level ``import module``, so a fix must not refer to it; the
    edit is None when the import is already there. Computed once per module and shared
    by every fix that needs it.
    """
    from fastlint.fixing import imports

    return ctx.fact(f"add-import:{module}", lambda ctx: imports.add_import(ctx, module, ctx.fix_edits))


def add_from_import(ctx: ModuleContext, module: str, name: str) -> tuple[bool, Edit | None]:
    """Schedule ``from module import name``: extends the block's ``from module import ...``
    when there is one; ``(usable, edit)`` as for ``add_import``, usable False when ``name``
    is bound to something else."""
    from fastlint.fixing import imports

    return ctx.fact(f"add-from-import:{module}:{name}", lambda ctx: imports.add_from_import(ctx, module, name, ctx.fix_edits))


def unwrapped_with(ctx: ModuleContext, statement: ast.With | ast.AsyncWith, first_line: str) -> Edit | None:
    """``with x as y:`` and its block -> ``first_line`` then the block one level out.

    Text-based, for display-only suggestions (never applied: a line inside a multi-line
    string would be dedented too). None for a one-line ``with``.
    """
    lines = _LINE_BREAK.split(ctx.source.text)
    body_start = statement.body[0].lineno
    end = statement.end_lineno or statement.lineno
    if body_start == statement.lineno or end > len(lines):
        return None
    header = lines[statement.lineno - 1]
    outer = header[: len(header) - len(header.lstrip())]
    inner_line = lines[body_start - 1]
    inner = inner_line[: len(inner_line) - len(inner_line.lstrip())]
    if not inner.startswith(outer) or inner == outer:
        return None
    from fastlint.fixing.imports import newline_of

    nl = newline_of(ctx.source.text)
    body = [outer + line[len(inner) :] if line.startswith(inner) else line for line in lines[body_start - 1 : end]]
    # Whole lines, the comments at their ends included.
    return Edit(Position(statement.lineno, 1), Position(end, len(lines[end - 1]) + 1), nl.join([outer + first_line, *body]))
