"""Fixes built as libcst codemods on the finding's node.

The analysis runs on ``ast``; a fix that rewrites more than one token parses only the
source of the node it rewrites with libcst (``parse_expression``, cheap), transforms it
with a ``CSTTransformer`` that selects what to change, and replaces the node's
range with the transformed code. Comments and formatting inside the node survive because
libcst keeps them in the tree.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastlint.analysis.syntax import children
from fastlint.finding import COUNTED, Applicability, Edit, Fix, Position
from fastlint.fixing.edits import Offsets, add_from_import, end_of, start_of
from fastlint.fixing.imports import newline_of

if TYPE_CHECKING:
    import libcst as cst

    from fastlint.analysis.context import ModuleContext

THREADPOOL = ("starlette.concurrency", "run_in_threadpool")
_THREADPOOL_NAMES = {"starlette.concurrency.run_in_threadpool", "fastapi.concurrency.run_in_threadpool"}


def rewrite_expression(ctx: ModuleContext, node: ast.expr, transformer: Callable[[], cst.CSTTransformer]) -> Edit | None:
    """Replace ``node`` with its transform by ``transformer()`` (made only when the edit is
    built); None when libcst cannot parse it or the transformer changed nothing."""

    def change(expression: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        new = expression.visit(transformer())
        return new if isinstance(new, cst.BaseExpression) else None

    return transform_expression(ctx, node, change)


def transform_expression(
    ctx: ModuleContext, node: ast.expr, change: Callable[[cst.BaseExpression], cst.BaseExpression | None], *, layout_decides: bool = False
) -> Edit | None:
    """The edit that turns ``node`` into ``change(its libcst tree)``, narrowed to the text
    that differs (so that a fix adding ``timeout=10`` inside a call and one rewriting the
    call's name can both apply); None when libcst cannot parse the node or nothing changed.

    The node is parsed with the file's line ending, so that the line breaks inside it are
    written back as they were (libcst writes the default one where it found that).

    In a run that only counts fixes, ``change`` is not run: the caller has ruled out on the
    ``ast`` every case where it declines. ``layout_decides``: it may decline on what only
    libcst's tree shows (comments, line breaks), so the codemod runs in every run."""
    text = ctx.text_of(node)
    if not text:
        return None
    if not ctx.fix_edits and not layout_decides:
        return COUNTED
    import libcst as cst

    newline = newline_of(ctx.source.text)
    try:
        expression = cst.parse_expression(text, config=cst.PartialParserConfig(default_newline=newline))
    except Exception:  # noqa: BLE001 - syntax libcst does not know: no fix rather than a crash
        return None
    new = change(expression)
    if new is None or new.deep_equals(expression):
        return None
    code = cst.Module([], default_newline=newline).code_for_node(new)
    return narrowed(start_of(ctx, node), text, code)


def narrowed(start: Position, old: str, new: str) -> Edit | None:
    """The edit replacing ``old`` (which starts at ``start``) with ``new``, covering only
    the part between their common prefix and common suffix."""
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    local = Offsets(old)

    def at(offset: int) -> Position:
        position = local.position(offset)
        if position.line == 1:
            return Position(start.line, start.column + position.column - 1)
        return Position(start.line + position.line - 1, position.column)

    return Edit(at(prefix), at(len(old) - suffix), new[prefix : len(new) - suffix])


# Where an inserted ``await`` is a syntax error or changes what runs when: nested
# functions and lambdas (their defaults and decorators too), comprehensions (``await``
# makes a generator expression asynchronous), ``with`` items (the context manager's own
# enter and exit would still block), f-strings, class bodies, and an operand of ``await``.
_NO_AWAIT = (
    ast.Lambda,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.withitem,
    ast.JoinedStr,
    ast.Await,
    ast.arguments,
)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def await_allowed(function: ast.AsyncFunctionDef, node: ast.expr) -> ast.AST | None:
    """The parent of ``node`` when an ``await`` put in its place keeps the meaning: it is
    in ``function``'s own body and in none of the places listed in ``_NO_AWAIT``."""
    path = ancestors(function, node)
    if path is None:
        return None
    top = path[1] if len(path) > 1 else node  # what of ``function`` holds ``node``
    if any(top is decorator for decorator in function.decorator_list):
        return None
    child: ast.AST = node
    for current in reversed(path[1:]):
        # A comprehension's first iterable runs in the enclosing function.
        first_iterable = isinstance(current, _COMPREHENSIONS) and child is current.generators[0]
        if isinstance(current, _NO_AWAIT) and not first_iterable:
            return None
        if isinstance(current, ast.comprehension) and child is not current.iter:
            return None
        child = current
    return path[-1]


# Nodes whose range may not hold their children's: a definition's decorators are above
# its ``def`` line, and CPython 3.11 places what is inside an f-string less exactly.
_RANGE_UNTRUSTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.JoinedStr)


def ancestors(root: ast.AST, node: ast.AST) -> list[ast.AST] | None:
    """The nodes from ``root`` down to ``node``'s parent; None when ``node`` is not under
    ``root``. First only the subtrees whose range holds ``node``'s are searched, then,
    should that miss it, every one: mapping each node of a large handler to its parent,
    for each fix, was a sixth of the checks' time in langflow's routers."""
    span = _span(node)
    found = _search(root, node, span) if span is not None else None
    return found if found is not None else _search(root, node, None)


def _span(node: ast.AST) -> tuple[int, int, int, int] | None:
    end_line, end_column = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_line is None or end_column is None:
        return None
    return node.lineno, node.col_offset, end_line, end_column  # type: ignore[attr-defined]


def _search(root: ast.AST, node: ast.AST, span: tuple[int, int, int, int] | None) -> list[ast.AST] | None:
    """Depth first from ``root``, into the subtrees that may hold ``span`` (all when None)."""
    path: list[ast.AST] = []
    stack: list[tuple[ast.AST, int, bool]] = [(root, 0, span is not None)]
    while stack:
        current, depth, pruning = stack.pop()
        del path[depth:]
        path.append(current)
        pruning = pruning and not isinstance(current, ast.JoinedStr)
        for child in children(current):
            if child is node:
                return path
            if not pruning or isinstance(child, _RANGE_UNTRUSTED) or _holds(child, span):  # type: ignore[arg-type]
                stack.append((child, depth + 1, pruning))
    return None


def _holds(outer: ast.AST, span: tuple[int, int, int, int]) -> bool:
    """Whether ``outer``'s range holds ``span`` (one without a range may hold anything)."""
    found = _span(outer)
    return found is None or (found[0], found[1]) <= (span[0], span[1]) and (span[2], span[3]) <= (found[2], found[3])


def needs_parentheses(node: ast.expr, parent: ast.AST) -> bool:
    """``await x`` in ``node``'s place must be parenthesised (``(await x).json()``)."""
    return (
        isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is node
        or isinstance(parent, ast.Call) and parent.func is node
    )


def _bound_to_threadpool(ctx: ModuleContext) -> str | None:
    """The name under which the module already imports ``run_in_threadpool``."""
    for node in ctx.tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in _THREADPOOL_NAMES:
                    return alias.asname or alias.name
    return None


def _after_comma(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after ``f,`` in ``run_in_threadpool(f, ...)``: the call's own line
    break and indentation when its arguments started on a new line, else one space."""
    import libcst as cst

    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace
    return cst.SimpleWhitespace(" ")


def offload_to_threadpool(ctx: ModuleContext, call: ast.Call, function: ast.AsyncFunctionDef) -> Fix | None:
    """``f(args, key=value)`` -> ``await run_in_threadpool(f, args, key=value)``.

    None where the ``await`` cannot go (see ``await_allowed``), for a keyword argument
    named ``func`` (``run_in_threadpool`` takes its callable under that name), or when the
    name ``run_in_threadpool`` is bound to something else.
    """
    parent = await_allowed(function, call)
    if parent is None or any(keyword.arg == "func" for keyword in call.keywords):
        return None
    if not isinstance(call.func, (ast.Name, ast.Attribute)):
        return None  # what ``Offload`` rewrites: ``f(...)`` and ``obj.f(...)``
    name = _bound_to_threadpool(ctx)
    import_edit = None
    if name is None:
        usable, import_edit = add_from_import(ctx, *THREADPOOL)
        if not usable:
            return None
        name = THREADPOOL[1]
    parenthesize = needs_parentheses(call, parent)
    edit = rewrite_expression(ctx, call, lambda: _offload_transformer()(name, parenthesize))
    if edit is None:
        return None
    edits = sorted([edit, *([import_edit] if import_edit else [])], key=lambda e: e.start)
    return Fix(tuple(edits), Applicability.UNSAFE, f"Offload with `await {name}(...)`")


@functools.cache
def _offload_transformer() -> Callable[[str, bool], cst.CSTTransformer]:
    """The transformer of ``offload_to_threadpool``, a class made once, when the first fix
    needs libcst: a class made on each call is a reference cycle, which only the cyclic
    collector frees (workers never run it), and costs its creation each time."""
    import libcst as cst  # not libcst.matchers: importing it costs each process 0.2 s

    class Offload(cst.CSTTransformer):
        def __init__(self, callee: str, parenthesize: bool) -> None:
            super().__init__()
            self.callee = callee
            self.parenthesize = parenthesize

        def visit_Call(self, node: cst.Call) -> bool:
            return False  # only the outermost call, the finding's node, is rewritten

        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
            first = cst.Arg(
                value=updated.func,
                comma=cst.Comma(whitespace_after=_after_comma(updated.whitespace_before_args)),
            )
            args = [first, *updated.args] if updated.args else [first.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            offloaded = cst.Call(func=cst.Name(self.callee), args=args, whitespace_before_args=cst.SimpleWhitespace(""))
            parentheses = {"lpar": [cst.LeftParen()], "rpar": [cst.RightParen()]} if self.parenthesize else {}
            return cst.Await(expression=offloaded, **parentheses)  # type: ignore[arg-type]

    return Offload


# -- small codemods the rules share ---------------------------------------------------------

def are_arguments(text: str) -> bool:
    """``text`` is a non-empty list of call arguments (``"timeout=10"``,
    ``"options=[...], populate_existing=True"``), as ``parse_arguments`` will find: checked
    with ``ast``, so that a run that only counts fixes needs no libcst."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        return False
    return isinstance(call, ast.Call) and bool(call.args or call.keywords)


def parse_arguments(text: str) -> list[cst.Arg] | None:
    """The arguments written in ``text``, which ``are_arguments`` accepted; None should
    libcst not read them."""
    import libcst as cst

    try:
        call = cst.parse_expression(f"f({text})")
    except cst.ParserSyntaxError:
        return None
    return list(call.args) if isinstance(call, cst.Call) and call.args else None


def called_with(ctx: ModuleContext, node: ast.expr, arguments: str) -> Edit | None:
    """``retry`` -> ``retry(stop=stop_after_attempt(3))``: call ``node`` with ``arguments``."""
    if not are_arguments(arguments):
        return None

    def change(expression: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        args = parse_arguments(arguments)
        return cst.Call(func=expression, args=args) if args else None

    return transform_expression(ctx, node, change)


def method_called(ctx: ModuleContext, node: ast.expr, method: str, arguments: str) -> Edit | None:
    """``select(Author)`` -> ``select(Author).options(selectinload(Author.books))``."""
    if not are_arguments(arguments):
        return None

    def change(expression: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        args = parse_arguments(arguments)
        return cst.Call(func=cst.Attribute(value=expression, attr=cst.Name(method)), args=args) if args else None

    return transform_expression(ctx, node, change)


def awaited_as(ctx: ModuleContext, call: ast.Call, function: str) -> Edit | None:
    """``time.sleep(x)`` -> ``await asyncio.sleep(x)``: the same arguments, another callee,
    awaited (the callee's own parentheses kept: ``await (asyncio.sleep)(x)``)."""

    def change(expression: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        if not isinstance(expression, cst.Call):
            return None
        callee = cst.parse_expression(function).with_changes(lpar=expression.func.lpar, rpar=expression.func.rpar)
        return cst.Await(expression=expression.with_changes(func=callee))

    return transform_expression(ctx, call, change)


def transform_statement(
    ctx: ModuleContext, statement: ast.stmt, change: Callable[[cst.BaseStatement], cst.BaseStatement | None]
) -> Edit | None:
    """The edit that turns a module-level ``statement`` (with its decorators) into
    ``change(its libcst tree)``, narrowed to the text that differs; None for a nested
    statement (its source would need its indentation), syntax libcst does not know, or no
    change. In a run that only counts fixes, as ``transform_expression``."""
    if statement.col_offset != 0:
        return None
    decorators = getattr(statement, "decorator_list", [])
    first = min([statement.lineno, *(decorator.lineno for decorator in decorators)])
    start = Position(first, 1)
    offsets = Offsets(ctx.source.text)
    try:
        text = ctx.source.text[offsets.offset(start) : offsets.offset(end_of(ctx, statement))]
    except ValueError:
        return None
    if not ctx.fix_edits:
        return COUNTED
    import libcst as cst

    newline = newline_of(ctx.source.text)
    try:
        module = cst.parse_module(text, config=cst.PartialParserConfig(default_newline=newline))
    except Exception:  # noqa: BLE001 - syntax libcst does not know: no fix rather than a crash
        return None
    if len(module.body) != 1:
        return None
    new = change(module.body[0])
    if new is None or new.deep_equals(module.body[0]):
        return None
    return narrowed(start, text, module.with_changes(body=[new]).code)


def decorated(ctx: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef, decorator: str) -> Edit | None:
    """``@decorator`` above a module-level function that has none."""
    if function.decorator_list:
        return None

    def change(statement: cst.BaseStatement) -> cst.BaseStatement | None:
        import libcst as cst

        if not isinstance(statement, cst.FunctionDef):
            return None
        return statement.with_changes(decorators=[cst.Decorator(decorator=cst.parse_expression(decorator))])

    return transform_statement(ctx, function, change)


def undecorated(ctx: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef, index: int) -> Edit | None:
    """A module-level function without its decorator at ``index`` (and that decorator's own
    comment); comment lines above it stay."""
    if not 0 <= index < len(function.decorator_list):
        return None

    def change(statement: cst.BaseStatement) -> cst.BaseStatement | None:
        import libcst as cst

        if not isinstance(statement, cst.FunctionDef) or index >= len(statement.decorators):
            return None
        removed = statement.decorators[index]
        rest = [*statement.decorators[:index], *statement.decorators[index + 1 :]]
        if index < len(rest):
            rest[index] = rest[index].with_changes(leading_lines=[*removed.leading_lines, *rest[index].leading_lines])
            return statement.with_changes(decorators=rest)
        return statement.with_changes(decorators=rest, lines_after_decorators=[*removed.leading_lines, *statement.lines_after_decorators])

    return transform_statement(ctx, function, change)


def awaited(ctx: ModuleContext, call: ast.Call, function: ast.AsyncFunctionDef, callee: str | None = None) -> Edit | None:
    """``f.read()`` -> ``await f.read()`` (``(await f.read()).count(...)`` where ``await``
    would bind differently); with ``callee``, the call's receiver constructor is renamed too:
    ``Path(p).read_text()`` -> ``await anyio.Path(p).read_text()``. None where an ``await``
    cannot keep the meaning (see ``await_allowed``), and with ``callee`` where the receiver
    is not a call."""
    parent = await_allowed(function, call)
    if parent is None or callee is not None and not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call)):
        return None
    parenthesize = needs_parentheses(call, parent)

    def change(expression: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        if not isinstance(expression, cst.Call):
            return None
        if callee is not None:
            receiver = expression.func.value if isinstance(expression.func, cst.Attribute) else None
            if not isinstance(receiver, cst.Call):
                return None
            renamed = cst.parse_expression(callee).with_changes(lpar=receiver.func.lpar, rpar=receiver.func.rpar)
            expression = expression.with_changes(func=expression.func.with_changes(value=receiver.with_changes(func=renamed)))
        parentheses = {"lpar": [cst.LeftParen()], "rpar": [cst.RightParen()]} if parenthesize else {}
        return cst.Await(expression=expression, **parentheses)  # type: ignore[arg-type]

    return transform_expression(ctx, call, change)
