"""Small helpers over CPython's ``ast`` shared by the model, the inference and the rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def walk_local(node: ast.AST) -> list[ast.AST]:
    """Every descendant that runs as part of ``node``'s own body.

    Nested functions, lambdas and classes are yielded but not entered: their bodies
    run when they are called, not when ``node`` runs. Decorators and default values
    of a nested function do run in the enclosing body, so they are walked.

    Scopes, blocking calls, summaries and several rules all walk the same bodies, so
    the list is kept on the node: a tree lives for one file's analysis.
    """
    cached = getattr(node, "_fastlint_local", None)
    if cached is None:
        cached = list(_walk_local(node))
        node._fastlint_local = cached  # type: ignore[attr-defined]
    return cached


def local_calls(node: ast.AST) -> list[ast.Call]:
    """The calls of ``walk_local(node)``, also kept on the node."""
    cached = getattr(node, "_fastlint_calls", None)
    if cached is None:
        cached = [child for child in walk_local(node) if isinstance(child, ast.Call)]
        node._fastlint_calls = cached  # type: ignore[attr-defined]
    return cached


def nodes_of(tree: ast.AST, *kinds: type) -> list:  # type: ignore[type-arg]
    """Every node of the given kinds in ``tree``, in ``ast.walk`` order.

    One walk lists the whole tree and buckets it by node type, kept on the tree: the
    names table, the FastAPI model, the ORM facts and several rules each need "every
    call" or "every function" of the same module.
    """
    buckets = getattr(tree, "_fastlint_buckets", None)
    if buckets is None:
        order = _walk_all(tree)
        buckets = {}
        for node in order:
            buckets.setdefault(type(node), []).append(node)
        buckets[None] = order
        tree._fastlint_buckets = buckets  # type: ignore[attr-defined]
    if len(kinds) == 1:
        return buckets.get(kinds[0], [])
    return [node for node in buckets[None] if isinstance(node, kinds)]


def _walk_local(node: ast.AST) -> Iterator[ast.AST]:
    stack = children(node)
    stack.reverse()
    while stack:
        child = stack.pop()
        yield child
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = [*child.decorator_list, *child.args.defaults, *child.args.kw_defaults]
        elif isinstance(child, ast.ClassDef):
            inner = [*child.decorator_list, *child.bases, *child.keywords]
        elif isinstance(child, ast.Lambda):
            inner = [*child.args.defaults, *child.args.kw_defaults]
        else:
            inner = children(child)
        stack.extend(reversed([n for n in inner if n is not None]))


def _walk_all(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but the load/store context markers, parents first."""
    order = [tree]
    index = 0
    while index < len(order):
        order.extend(children(order[index]))
        index += 1
    return order


_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` as a list, without the shared ``ctx`` markers.

    The generator in the standard library dominated profiles: every analysis walks
    the trees, so this one loop is written for speed.
    """
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _FIELDS[type(node)] = tuple(name for name in node._fields if name != "ctx")
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def string_value(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def all_parameters(args: ast.arguments) -> list[tuple[ast.arg, ast.expr | None]]:
    """Each parameter with its default value, if any."""
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults))
    if args.vararg:
        pairs.append((args.vararg, None))
    if args.kwarg:
        pairs.append((args.kwarg, None))
    return pairs
