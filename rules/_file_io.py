"""The fix FL103 and FL111 share: anyio's file API in place of blocking file I/O, or the
call offloaded to the threadpool."""

import ast

from fastlint import (
    Applicability,
    BlockingSite,
    Edit,
    Fix,
    ModuleContext,
    add_import,
    await_allowed,
    awaited,
    awaited_as,
    offload_to_threadpool,
    walk_local,
)

from ._blocking import BlockingCallRule

# anyio's AsyncFile: the file methods that become awaitable.
_ASYNC_FILE_METHODS = frozenset(
    {"read", "read1", "readline", "readlines", "readinto", "readinto1", "write", "writelines", "truncate", "seek", "tell", "flush"}
)
# anyio.Path's awaitable reads and writes.
_ASYNC_PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
_OPENERS = frozenset({"builtins.open", "io.open"})


class FileIoRule(BlockingCallRule):
    """Blocking file I/O (the knowledge table's FL103 calls), fixed with anyio."""

    def fix(self, ctx: ModuleContext, site: BlockingSite) -> Fix | None:
        """anyio's file API in place of the blocking one, for the two forms the Fix safety names."""
        anyio_path = _is_anyio_path_call(ctx, site.call)
        if site.name not in _OPENERS and not anyio_path:
            # ``shutil.rmtree(p)``, ``os.listdir(p)``: offloaded as FL104 does.
            return offload_to_threadpool(ctx, site.call, site.function)
        usable, import_edit = add_import(ctx, "anyio")
        if not usable:
            return None
        if site.name in _OPENERS:
            edits = _open_file_edits(ctx, site)
            message = "Use `async with await anyio.open_file(...)`, awaiting the file's methods"
        else:
            edit = awaited(ctx, site.call, site.function, callee="anyio.Path")
            edits = [edit] if edit is not None else None
            message = "Use `await anyio.Path(...)`"
        if not edits:
            return None
        return Fix(tuple(sorted([*edits, *([import_edit] if import_edit else [])], key=lambda edit: edit.start)), Applicability.UNSAFE, message)


def _open_file_edits(ctx: ModuleContext, site: BlockingSite) -> list[Edit] | None:
    """``with open(...) as f:`` -> ``async with await anyio.open_file(...) as f:``, each
    ``f.read()`` of the block awaited; None unless every use of ``f`` is such a call."""
    function, call = site.function, site.call
    statement = next(
        (node for node in walk_local(function) if isinstance(node, ast.With) and any(item.context_expr is call for item in node.items)),
        None,
    )
    if statement is None or len(statement.items) != 1 or not isinstance(statement.items[0].optional_vars, ast.Name):
        return None
    name = statement.items[0].optional_vars.id
    inside = {id(node) for child in statement.body for node in ast.walk(child)}
    methods = {
        id(node.func.value): node
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _ASYNC_FILE_METHODS
    }
    rebound = _rebinding_scopes(function, statement, name)
    uses = []
    for node in ast.walk(function):
        if not (isinstance(node, ast.Name) and node.id == name) or node is statement.items[0].optional_vars or id(node) in rebound:
            continue
        use = methods.get(id(node))
        if use is None or id(node) not in inside or await_allowed(function, use) is None:
            return None  # ``json.load(f)``, ``for line in f``, ``f.name``, a use after the block
        uses.append(use)
    opened = awaited_as(ctx, call, "anyio.open_file")
    rewritten = [awaited(ctx, use, function) for use in uses]
    if opened is None or any(edit is None for edit in rewritten):
        return None
    start = ctx.position(statement.lineno, statement.col_offset)
    return [Edit(start, start, "async "), opened, *rewritten]  # type: ignore[list-item]


def _is_anyio_path_call(ctx: ModuleContext, call: ast.Call) -> bool:
    """``Path(p).read_text()``-style: a read or write on a ``Path`` built in place, which
    becomes ``await anyio.Path(p).read_text()``."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in _ASYNC_PATH_METHODS:
        return False
    receiver = call.func.value
    return isinstance(receiver, ast.Call) and ctx.names.qualified_name(receiver.func) == "pathlib.Path"


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _rebinding_scopes(function: ast.AsyncFunctionDef, statement: ast.With, name: str) -> set[int]:
    """The ``name`` nodes that mean another variable than the file ``statement`` opens:
    in a comprehension, lambda or nested function that binds ``name`` itself (its own
    scope), and in another ``with ... as name:`` (outside ``statement``) with its block."""
    found: set[int] = set()
    ours = {id(node) for node in ast.walk(statement)}
    for node in ast.walk(function):
        if node is function:
            continue
        if isinstance(node, _COMPREHENSIONS):
            targets = [target for generator in node.generators for target in ast.walk(generator.target)]
            inner = [part for part in ast.walk(node) if part is not node.generators[0].iter and not _inside(part, node.generators[0].iter)]
        elif isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            targets = [arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)]
            inner = list(ast.walk(node))
        elif isinstance(node, ast.With) and id(node) not in ours:
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
            inner = list(ast.walk(node))
        else:
            continue
        if any(getattr(target, "id", getattr(target, "arg", None)) == name for target in targets):
            found.update(id(part) for part in inner if isinstance(part, ast.Name))
    return found


def _inside(node: ast.AST, root: ast.AST) -> bool:
    return any(child is node for child in ast.walk(root))
