"""Imports a fix adds or leaves unused, placed and removed the way isort and ruff's ``I``
rules would.

An added import goes into the module's first import block, in its section (future,
standard library, third party, first party, local folder), sorted as ruff sorts by
default: within a section ``import x`` lines first, then ``from x import y`` lines, each by
module name ignoring case; members by type (CONSTANTS, Classes, functions), then name.
``from x import y`` extends an existing ``from x import ...`` of the block instead of
adding a second statement. ``orphaned_imports_removed`` drops an import whose every use a
fix removed, and only such an import.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastlint.analysis.syntax import nodes_of
from fastlint.finding import COUNTED, Edit, Position

if TYPE_CHECKING:
    from fastlint.analysis.context import ModuleContext

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)
LINE_LENGTH = 88
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DIGITS = re.compile(r"(\d+)")


def _lines(text: str, keepends: bool = False) -> list[str]:
    """The lines as Python's tokenizer counts them (str.splitlines also splits on form feeds)."""
    if keepends:
        return [line for line in re.findall(r".*?(?:\r\n|\r|\n)|.+$", text, re.DOTALL) if line]
    return _LINE_BREAK.split(text)


def newline_of(text: str) -> str:
    match = _LINE_BREAK.search(text)
    return match.group() if match else "\n"


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(name.lower()))


def module_key(module: str) -> tuple[Any, ...]:
    return (_natural(module), module)


def member_key(name: str) -> tuple[Any, ...]:
    if len(name) > 1 and name.isupper():
        kind = 0  # CONSTANT
    elif name[:1].isupper():
        kind = 1  # Class
    else:
        kind = 2
    return (kind, _natural(name), name)


def section_of(ctx: ModuleContext, module: str, level: int = 0) -> int:
    if level:
        return LOCAL
    top = module.split(".")[0]
    if top == "__future__":
        return FUTURE
    if ctx.module and ctx.module.split(".")[0] == top and "." in ctx.module:
        return FIRST_PARTY
    root = ctx.settings.project_root
    for base in (root, root / "src"):
        if (base / top).is_dir() or (base / f"{top}.py").is_file():
            return FIRST_PARTY
    if top in sys.stdlib_module_names:
        return STDLIB
    return THIRD_PARTY


def _block(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The module's first run of consecutive top-level import statements."""
    block: list[ast.Import | ast.ImportFrom] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            block.append(node)
        elif block:
            break
    return block


def _entry_key(ctx: ModuleContext, node: ast.Import | ast.ImportFrom) -> tuple[Any, ...]:
    if isinstance(node, ast.Import):
        module = node.names[0].name
        return (section_of(ctx, module), 0, module_key(module))
    module = node.module or ""
    return (section_of(ctx, module, node.level), 1, (node.level,) + module_key(module))


def _line_start(offsets: list[int], line: int) -> int:
    return offsets[line - 1]


def _starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def _position(starts: list[int], offset: int) -> Position:
    import bisect

    line = bisect.bisect_right(starts, offset)
    return Position(line, offset - starts[line - 1] + 1)


def _comment_lines_above(lines: list[str], line: int) -> int:
    """The first line of the comment lines directly above ``line`` (1-based)."""
    while line > 1 and lines[line - 2].lstrip().startswith("#"):
        line -= 1
    return line


def _insert_statement(ctx: ModuleContext, statement: str, key: tuple[Any, ...]) -> Edit:
    text = ctx.source.text
    nl = newline_of(text)
    starts = _starts(text)
    lines = _lines(text)
    block = _block(ctx.tree)
    if not block:
        return _insert_without_block(ctx, statement, starts)
    keyed = [(_entry_key(ctx, node), node) for node in block]
    section = key[0]
    later = [node for entry, node in keyed if entry[0] == section and entry > key]
    same = [node for entry, node in keyed if entry[0] == section]
    before = [node for entry, node in keyed if entry[0] < section]
    if later:
        # Comments above an import move with it, except the block's first (a file header).
        line = later[0].lineno if later[0] is block[0] else _comment_lines_above(lines, later[0].lineno)
        offset, content = _line_start(starts, line), statement + nl
    elif same:
        offset, content = _after(text, starts, same[-1]), statement + nl
    elif before:
        offset, content = _after(text, starts, before[-1]), nl + statement + nl
    else:
        offset, content = _line_start(starts, block[0].lineno), statement + nl + nl
    if offset == len(text) and text and not text.endswith(("\n", "\r")):
        content = nl + content.rstrip("\r\n")
    position = _position(starts, offset)
    return Edit(position, position, content)


def _after(text: str, starts: list[int], node: ast.stmt) -> int:
    """The start of the line after ``node``'s last line (the text's end at the end)."""
    end_line = node.end_lineno or node.lineno
    return starts[end_line] if end_line < len(starts) else len(text)


def _insert_without_block(ctx: ModuleContext, statement: str, starts: list[int]) -> Edit:
    """No import yet: after the docstring and header comments, apart from the code below."""
    text = ctx.source.text
    nl = newline_of(text)
    body = ctx.tree.body
    docstring = bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
    following = body[1 if docstring else 0] if len(body) > (1 if docstring else 0) else None
    if docstring:
        offset = _after(text, starts, body[0])
        taken = body[0].end_lineno or body[0].lineno
    elif following is not None:
        taken = _comment_lines_above(_lines(text), following.lineno) - 1
        offset = _line_start(starts, taken + 1)
    else:
        offset, taken = len(text), 0
    content = statement + nl
    if offset == len(text) and text and not text.endswith(("\n", "\r")):
        content = nl + content
    if following is not None:
        gap = following.lineno - 1 - taken
        if not docstring:
            gap = 0
        wanted = 2 if isinstance(following, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else 1
        content += nl * max(0, wanted - gap)
    position = _position(starts, offset)
    return Edit(position, position, content)


# The nodes that can bind a name (one list per module, kept with the tree's other buckets).
_BINDING = (ast.Name, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.alias, ast.Global, ast.Nonlocal, ast.ExceptHandler)


def _bound(tree: ast.Module, name: str, allowed: set[int]) -> bool:
    """``name`` is bound other than by the import aliases whose ids are ``allowed``."""
    for node in nodes_of(tree, *_BINDING):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name and id(node) not in allowed:
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
        if isinstance(node, ast.ExceptHandler) and node.name == name:
            return True
    return False


def add_import(ctx: ModuleContext, module: str, build: bool = True) -> tuple[bool, Edit | None]:
    """``import module``: ``(usable, edit)``; usable is False when the name is bound to
    anything but a module-level ``import module``, and the edit None when it is there
    (``COUNTED`` when not ``build``: a run that only counts fixes places no import)."""
    top = module.split(".")[0]
    plain = [alias for node in ctx.tree.body if isinstance(node, ast.Import) for alias in node.names if alias.name == module and not alias.asname]
    if _bound(ctx.tree, top, {id(alias) for alias in plain} | _prefix_aliases(ctx.tree, top, module)):
        return False, None
    if plain:
        return True, None
    if not build:
        return True, COUNTED
    return True, _insert_statement(ctx, f"import {module}", (section_of(ctx, module), 0, module_key(module)))


def _prefix_aliases(tree: ast.Module, top: str, module: str) -> set[int]:
    """``import a.b`` also binds ``a``: fine for ``import a.c`` at module level."""
    if "." not in module:
        return set()
    return {id(alias) for node in tree.body if isinstance(node, ast.Import) for alias in node.names if not alias.asname and alias.name.split(".")[0] == top}


def add_from_import(ctx: ModuleContext, module: str, name: str, build: bool = True) -> tuple[bool, Edit | None]:
    """``from module import name``, extending the block's ``from module import ...``
    (``build`` as for ``add_import``)."""
    existing = [
        alias
        for node in ctx.tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module
        for alias in node.names
        if alias.name == name and not alias.asname
    ]
    if _bound(ctx.tree, name, {id(alias) for alias in existing}):
        return False, None
    if existing:
        return True, None
    if not build:
        return True, COUNTED
    statement = next(
        (
            node
            for node in _block(ctx.tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module and node.names[0].name != "*"
        ),
        None,
    )
    if statement is None:
        key = (section_of(ctx, module), 1, (0,) + module_key(module))
        return True, _insert_statement(ctx, f"from {module} import {name}", key)
    return True, _extend(ctx, statement, name)


def _alias_text(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name


def _extend(ctx: ModuleContext, node: ast.ImportFrom, name: str) -> Edit | None:
    text = ctx.source.text
    nl = newline_of(text)
    first_line = _lines(text)[node.lineno - 1]
    start = ctx.position(node.lineno, node.col_offset)
    end = ctx.position(node.end_lineno or node.lineno, node.end_col_offset or 0)
    if node.lineno == node.end_lineno:
        names = sorted([*map(_alias_text, node.names), name], key=lambda item: member_key(item.split(" ")[0]))
        line = f"from {node.module} import {', '.join(names)}"
        indent = first_line[: len(first_line) - len(first_line.lstrip())]
        if len(indent) + len(line) > LINE_LENGTH:
            inner = "".join(f"{indent}    {item},{nl}" for item in names)
            line = f"from {node.module} import ({nl}{inner}{indent})"
        return Edit(start, end, line)
    # Parenthesised over several lines: insert one line, keeping every comment.
    aliases = node.names
    later = [alias for alias in aliases if member_key(alias.name) > member_key(name)]
    if later:
        target = later[0]
        at = ctx.position(target.lineno, target.col_offset)
        indent = " " * (at.column - 1)
        return Edit(at, at, f"{name},{nl}{indent}")
    last = aliases[-1]
    at = ctx.position(last.end_lineno or last.lineno, last.end_col_offset or 0)
    indent = " " * (ctx.position(last.lineno, last.col_offset).column - 1)
    starts = _starts(text)
    offset = starts[at.line - 1] + at.column - 1
    rest = text[offset:]
    if rest.lstrip(" \t").startswith(","):
        comma = offset + len(rest) - len(rest.lstrip(" \t")) + 1
        # Keep a comment that follows the comma on its line.
        line_end = _LINE_BREAK.search(text, comma)
        after = line_end.start() if line_end else len(text)
        position = _position(starts, after)
        return Edit(position, position, f"{nl}{indent}{name},")
    return Edit(at, at, f",{nl}{indent}{name}")


# -- imports a fix left unused ------------------------------------------------------------


def _scopes(tree: ast.Module) -> Iterator[tuple[ast.AST, list[ast.Import | ast.ImportFrom]]]:
    """Each module or function with the import statements directly in it."""
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
        imports = [n for n in _direct(scope) if isinstance(n, (ast.Import, ast.ImportFrom))]
        if imports:
            yield scope, imports


def _direct(scope: ast.AST) -> Iterator[ast.AST]:
    """The statements of ``scope``, nested blocks included, nested functions and classes not."""
    stack = list(getattr(scope, "body", []))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, field, []) or [])


_WORD = re.compile(r"\w+")


def _used_names(scope: ast.AST) -> set[str]:
    """The names ``scope`` uses: as names, or as words of its strings (a quoted annotation,
    ``__all__``). Computed once per scope: asking each import's name in turn walked a large
    module once per import (skyvern's ``--diff`` took seven minutes)."""
    used: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.update(_WORD.findall(node.value))
    return used


def _bound_name(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def orphaned_imports_removed(before: str, after: str) -> str:
    """``after`` without the imports that were used in ``before`` and are used no more.

    Only a statement or alias of a module or function scope whose bound name lost every
    use goes; an import that was unused already is someone else's business.
    """
    try:
        old, new = ast.parse(before), ast.parse(after)
    except SyntaxError:
        return after
    used_before: set[tuple[str, str]] = set()
    for scope, imports in _scopes(old):
        label = getattr(scope, "name", "")
        used = _used_names(scope)
        for statement in imports:
            for alias in statement.names:
                if alias.name != "*" and _bound_name(alias) in used:
                    used_before.add((label, _bound_name(alias)))
    removals: list[tuple[ast.Import | ast.ImportFrom, list[ast.alias]]] = []
    for scope, imports in _scopes(new):
        label = getattr(scope, "name", "")
        used = _used_names(scope)
        for statement in imports:
            if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                continue
            gone = [
                alias
                for alias in statement.names
                if alias.name != "*" and (label, _bound_name(alias)) in used_before and _bound_name(alias) not in used
            ]
            if gone:
                removals.append((statement, gone))
    if not removals:
        return after
    cleaned = _remove(after, removals)
    try:
        ast.parse(cleaned)  # an import that was a block's only statement stays
    except SyntaxError:
        return after
    return cleaned


def _remove(text: str, removals: list[tuple[ast.Import | ast.ImportFrom, list[ast.alias]]]) -> str:
    starts = _starts(text)
    lines = _lines(text, keepends=True)

    def offset(line: int, column: int) -> int:
        # ast columns are UTF-8 byte offsets.
        raw = lines[line - 1].encode("utf-8")[:column]
        return starts[line - 1] + len(raw.decode("utf-8", errors="replace"))

    spans: list[tuple[int, int]] = []
    for statement, gone in removals:
        end_line = statement.end_lineno or statement.lineno
        if len(gone) == len(statement.names):
            first, last = lines[statement.lineno - 1], lines[end_line - 1]
            own_lines = first[: statement.col_offset].strip() == "" and ";" not in last[statement.end_col_offset or 0 :].split("#")[0]
            if not own_lines:
                continue
            start, stop = starts[statement.lineno - 1], (starts[end_line] if end_line < len(starts) else len(text))
            blank_before = statement.lineno == 1 or not lines[statement.lineno - 2].strip()
            blank_after = end_line < len(lines) and not lines[end_line].strip()
            if blank_before and blank_after:
                stop = starts[end_line + 1] if end_line + 1 < len(starts) else len(text)
            spans.append((start, stop))
            continue
        for alias in gone:
            index = statement.names.index(alias)
            if index + 1 < len(statement.names):
                following = statement.names[index + 1]
                span = (offset(alias.lineno, alias.col_offset), offset(following.lineno, following.col_offset))
            else:
                previous = statement.names[index - 1]
                span = (offset(previous.end_lineno, previous.end_col_offset), offset(alias.end_lineno, alias.end_col_offset))  # type: ignore[arg-type]
            if "#" in text[span[0] : span[1]]:
                break
            spans.append(span)
    for start, stop in sorted(_merge(spans), reverse=True):
        text = text[:start] + text[stop:]
    return text


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged
