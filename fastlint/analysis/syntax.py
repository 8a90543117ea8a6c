"""Small helpers over CPython's ``ast`` shared by the model, the inference and the rules."""

from __future__ import annotations

import ast
from ast import (
    AST,
    AsyncFunctionDef,
    Attribute,
    Call,
    ClassDef,
    Constant,
    For,
    FunctionDef,
    If,
    Lambda,
    Module,
    Name,
    Raise,
    Return,
    Starred,
    Store,
    Try,
    With,
    Yield,
    YieldFrom,
)
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import Any

FunctionNode = FunctionDef | AsyncFunctionDef
SCOPE_NODES = (FunctionDef, AsyncFunctionDef, Lambda, ClassDef)


def walk_local(node: AST) -> list[AST]:
    """Every descendant that runs as part of ``node``'s own body.

    Nested functions, lambdas and classes are yielded but not entered: their bodies
    run when they are called, not when ``node`` runs. Decorators and default values
    of a nested function do run in the enclosing body, so they are walked.

    Scopes, blocking calls, summaries and several rules all walk the same bodies, so
    the list is kept on the node: a tree lives for one file's analysis.
    """
    cached = node.__dict__.get("_fastlint_local")
    if cached is None:
        cached = list(_walk_local(node))
        node._fastlint_local = cached  # type: ignore[attr-defined]
    return cached


def local_nodes_of(node: AST, *kinds: type) -> list:  # type: ignore[type-arg]
    """The nodes of ``walk_local(node)`` whose type is one of ``kinds``, in walk order.

    The summary and the rules scan each function's body about ten times for one kind or
    two (returns, awaits, loops, yields, nested functions, ``with`` blocks): the body is
    bucketed by type once, kept on the node as ``walk_local``'s list is (for every scope
    of a tree, by the walk of ``nodes_of``; for any other node, on the first question).
    """
    buckets = node.__dict__.get("_fastlint_kinds")
    if buckets is None:
        buckets = _bucket_locally(node)
    if len(kinds) == 1:
        found: list = buckets.get(kinds[0], [])  # type: ignore[type-arg]
        return found
    if kinds not in buckets:
        present = [kind for kind in kinds if kind in buckets]
        if len(present) <= 1:
            buckets[kinds] = buckets[present[0]] if present else []
        else:
            wanted = frozenset(present)
            buckets[kinds] = [child for child in walk_local(node) if type(child) in wanted]
    combined: list = buckets[kinds]  # type: ignore[type-arg]
    return combined


def _bucket_locally(node: AST) -> dict[Any, list[Any]]:
    """``local_nodes_of``'s buckets of a node the walk of ``nodes_of`` did not bucket."""
    buckets: dict[Any, list[Any]] = {}
    for child in walk_local(node):
        bucket = buckets.get(type(child))
        if bucket is None:
            buckets[type(child)] = [child]
        else:
            bucket.append(child)
    node._fastlint_kinds = buckets  # type: ignore[attr-defined]
    return buckets


def _local_kinds(node: AST) -> dict[Any, list[Any]]:
    """The buckets of ``local_nodes_of``, for the callers here that read several of them."""
    buckets: dict[Any, list[Any]] | None = node.__dict__.get("_fastlint_kinds")
    return _bucket_locally(node) if buckets is None else buckets


def local_calls(node: AST) -> list[Call]:
    """The calls of ``walk_local(node)``: its bucket of ``local_nodes_of`` (asked of every
    function by the summary's facts, read here without that function's call)."""
    buckets = node.__dict__.get("_fastlint_kinds")
    if buckets is None:
        buckets = _bucket_locally(node)
    calls: list[Call] = buckets.get(Call, [])
    return calls


def stored_names(node: AST) -> frozenset[str]:
    """The names ``walk_local(node)`` assigns (``Name`` in a store context): the
    once-only facts and the argument facts of the summary each ask."""
    return frozenset(store_counts(node))


def store_counts(node: AST) -> dict[str, int]:
    """How many times ``walk_local(node)`` assigns each name, kept on the node."""
    cached: dict[str, int] | None = node.__dict__.get("_fastlint_stores")
    if cached is None:
        cached = {}
        store = Store
        for name in local_nodes_of(node, Name):
            if type(name.ctx) is store:
                cached[name.id] = cached.get(name.id, 0) + 1
        node._fastlint_stores = cached  # type: ignore[attr-defined]
    return cached


def is_none(node: AST) -> bool:
    """The literal ``None``."""
    return isinstance(node, Constant) and node.value is None


def nodes_of(tree: AST, *kinds: type) -> list:  # type: ignore[type-arg]
    """Every node of the given kinds in ``tree``, in preorder (a node before those inside
    it, in source order).

    One walk lists the whole tree and buckets it by node type, kept on the tree: the
    names table, the FastAPI model, the ORM facts and several rules each need "every
    call" or "every function" of the same module.
    """
    buckets: dict[Any, list[Any]] | None = tree.__dict__.get("_fastlint_buckets")
    if buckets is None:
        buckets = tree._fastlint_buckets = _index_tree(tree)  # type: ignore[attr-defined]
    if len(kinds) == 1:
        found: list = buckets.get(kinds[0], [])  # type: ignore[type-arg]
        return found
    if kinds not in buckets:
        # The node types the tree holds that are among ``kinds``: one of them is its bucket.
        present = [kind for kind in buckets if isinstance(kind, type) and issubclass(kind, kinds)]
        if len(present) <= 1:
            buckets[kinds] = buckets[present[0]] if present else []
        elif all(issubclass(kind, ast.stmt) for kind in present):
            # Statements are listed in source order (none starts inside another's header):
            # their buckets merge by position instead of testing every node of the tree.
            buckets[kinds] = sorted([node for kind in present for node in buckets[kind]], key=_START)
        else:
            wanted = frozenset(present)
            buckets[kinds] = [node for node in buckets[None] if type(node) in wanted]
    combined: list = buckets[kinds]  # type: ignore[type-arg]
    return combined


_START = attrgetter("lineno", "col_offset")

# What the analysis keeps on nodes (``walk_local``, ``nodes_of``, names, scopes, class attributes, once-only
# facts, parents): several of these refer back to the node they sit on.
_CACHES = frozenset({"_fastlint_buckets", "_fastlint_local", "_fastlint_stores", "_fastlint_kinds", "_fastlint_scope", "_fastlint_once", "_fastlint_once_names",
           "_fastlint_unforwarded",
           "_fastlint_singleton", "_fastlint_attributes"})


def release(tree: AST) -> None:
    """Drop what the analysis kept on ``tree``'s scope nodes and on ``tree``: those caches
    form reference cycles (the tree lists itself, a scope holds its function), which would
    keep a whole tree alive until the cyclic collector traverses it; without them the tree
    is freed as soon as the file is done."""
    buckets = tree.__dict__.pop("_fastlint_buckets", None)
    tree.__dict__.pop("_fastlint_names", None)
    if buckets is None:
        return
    for kind in (Module, *SCOPE_NODES):
        for node in buckets.get(kind, ()):
            fields = node.__dict__
            for name in _CACHES & fields.keys():  # the few a node holds, not every one
                del fields[name]


def _walk_local(node: AST) -> Iterator[AST]:
    stack = children(node)
    stack.reverse()
    while stack:
        child = stack.pop()
        yield child
        inner = _enclosing_parts(child) if isinstance(child, SCOPE_NODES) else children(child)
        stack.extend(reversed(inner))


def _index_tree(tree: AST) -> dict[Any, list[Any]]:
    """Every node of ``tree`` in preorder (under the key None) and by type, and as a side
    effect the ``walk_local`` list of every function, lambda and class in it (and of the
    tree) with its nodes by type (``local_nodes_of``'s buckets): one traversal fills them
    all, instead of one walk per scope and a pass over each list to bucket it.

    A scope is listed in its enclosing scope's list followed by its decorators, defaults
    and bases (they run there, ``_enclosing_parts``, walked again for that list), then the
    walk goes on inside it with its own list: a marker on the stack gives the enclosing
    list back when its nodes are done.
    """
    order: list[AST] = [tree]
    everything: dict[Any, list[Any]] = {type(tree): [tree], None: order}
    local: list[AST] = []
    kinds: dict[type, list[AST]] = {}
    tree._fastlint_local = local  # type: ignore[attr-defined]
    tree._fastlint_kinds = kinds  # type: ignore[attr-defined]
    stack: list = children(tree)  # type: ignore[type-arg]
    stack.reverse()
    push, pop, extend, ordered, listed = stack.append, stack.pop, stack.extend, order.append, local.append
    node_fields = _WALK_FIELDS
    get, list_ = getattr, list
    while stack:  # popped in source order: the last field is pushed first, each list backwards
        node = pop()
        kind = type(node)
        fields = node_fields.get(kind)
        if fields is None:  # a scope, the end of one, a type not seen yet, or no node
            if kind is _ScopeEnd:
                local, kinds = node.local, node.kinds
                listed = local.append
                continue
            if kind not in _SCOPE_TYPES:
                fields = _node_fields(kind)
                if fields is None:
                    continue  # not a node: a dict's ``**`` key (None), a missing keyword default
            else:
                ordered(node)
                bucket = everything.get(kind)
                if bucket is None:
                    everything[kind] = [node]
                else:
                    bucket.append(node)
                parts = _enclosing_parts(node)
                for inner in [node, *_parts_walk(parts)] if parts else (node,):
                    listed(inner)
                    bucket = kinds.get(type(inner))
                    if bucket is None:
                        kinds[type(inner)] = [inner]
                    else:
                        bucket.append(inner)
                push(_ScopeEnd(local, kinds))
                local, kinds = [], {}
                node._fastlint_local = local
                node._fastlint_kinds = kinds
                listed = local.append
                for name in _SCOPE_FIELDS[kind]:
                    value = getattr(node, name, None)
                    if type(value) is list:
                        if value:
                            extend(value[::-1])
                    elif value is not None:
                        push(value)
                continue
        ordered(node)
        listed(node)
        bucket = everything.get(kind)
        if bucket is None:
            everything[kind] = [node]
        else:
            bucket.append(node)
        bucket = kinds.get(kind)
        if bucket is None:
            kinds[kind] = [node]
        else:
            bucket.append(node)
        for name in fields:
            value = get(node, name, None)
            if type(value) is list_:
                if value:
                    extend(value[::-1])
            elif value is not None:
                push(value)
    return everything


class _ScopeEnd:
    """On ``_index_tree``'s stack below a scope's nodes: the enclosing scope's list and buckets."""

    __slots__ = ("local", "kinds")

    def __init__(self, local: list[AST], kinds: dict[type, list[AST]]) -> None:
        self.local = local
        self.kinds = kinds


def _parts_walk(roots: list[AST]) -> list[AST]:
    """What the parts of a nested scope (``roots``, its ``_enclosing_parts``) add to the
    ``walk_local`` list of the scope enclosing it: their nodes in preorder, with the
    parts of any scope among them, whose bodies are not entered."""
    local: list[AST] = []
    stack = roots[::-1]
    push, pop, extend, listed = stack.append, stack.pop, stack.extend, local.append
    node_fields = _NODE_FIELDS
    while stack:
        node = pop()
        kind = type(node)
        fields = node_fields.get(kind)
        if fields is None:
            fields = _node_fields(kind)
            if fields is None:
                continue
        listed(node)
        if kind in _SCOPE_TYPES:
            parts = _enclosing_parts(node)
            if parts:
                local += _parts_walk(parts)
            continue
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                if value:
                    extend(value[::-1])
            elif value is not None:
                push(value)
    return local


_SCOPE_TYPES = frozenset(SCOPE_NODES)
# Fields that never hold a node (names, flags, ``ctx`` markers): not read by the walks.
_LEAF_FIELDS = frozenset({"ctx", "id", "kind", "attr", "name", "arg", "module", "level", "asname", "is_async", "conversion", "type_comment", "lineno", "tag"})
_NODE_FIELDS: dict[type, tuple[str, ...]] = {Constant: ()}
# ``_NODE_FIELDS`` without the scope types: ``_index_tree`` finds a scope by its missing
# entry (the slow path, taken for few nodes) and reads its fields from ``_SCOPE_FIELDS``.
_WALK_FIELDS: dict[type, tuple[str, ...]] = {Constant: ()}
_SCOPE_FIELDS = {kind: tuple(reversed([name for name in kind._fields if name not in _LEAF_FIELDS])) for kind in SCOPE_NODES}


def _node_fields(kind: type) -> tuple[str, ...] | None:
    """The fields of ``kind`` that can hold nodes, last first; None when ``kind`` is no
    node type (the None and strings that a few lists of nodes hold)."""
    if not issubclass(kind, AST):
        return None
    fields = _NODE_FIELDS[kind] = tuple(reversed([name for name in kind._fields if name not in _LEAF_FIELDS]))
    if kind not in _SCOPE_TYPES:
        _WALK_FIELDS[kind] = fields
    return fields


def mark_statements(statements: Iterable[ast.stmt], found: set[int]) -> None:
    """Add the ids of ``statements`` and of every node in them (nested functions aside,
    as ``walk_local``) to ``found``."""
    for statement in statements:
        found.add(id(statement))
        found.update(id(node) for node in walk_local(statement))


def mark_guarded(
    body: list[ast.stmt], guards: Callable[[ast.expr], bool | None], found: set[int], also: Callable[[ast.stmt], None] | None = None
) -> None:
    """Add to ``found`` the ids of the statements of ``body`` (and of blocks nested in it)
    that run only under some condition, and of their nodes. ``guards(test)`` says where an
    ``if`` needs it: True, its body; False, its ``else`` and, after a body that returns or
    raises, what follows the ``if``; None, nowhere. ``also`` may mark more of a statement
    (a ``try`` whose handler needs the condition)."""
    for index, statement in enumerate(body):
        if isinstance(statement, If):
            side = guards(statement.test)
            if side is True:
                mark_statements(statement.body, found)
                mark_guarded(statement.orelse, guards, found, also)
                continue
            if side is False:
                mark_statements(statement.orelse, found)
                if statement.body and isinstance(statement.body[-1], (Return, Raise)):
                    mark_statements(body[index + 1 :], found)
                    return
                mark_guarded(statement.body, guards, found, also)
                continue
        if also is not None:
            also(statement)
        for block in child_blocks(statement):
            mark_guarded(block, guards, found, also)


def child_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists nested directly in ``statement`` that run with it: bodies,
    ``else`` and ``finally`` blocks, exception handlers and ``match`` cases (not the body
    of a nested function or class)."""
    if type(statement) in _WITHOUT_BLOCKS:
        return []
    blocks: list[list[ast.stmt]] = []
    fields = _block_fields(type(statement))
    for field in fields:
        inner = getattr(statement, field)
        if field == "handlers" or field == "cases":
            blocks += [item.body for item in inner]
        elif isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
            blocks.append(inner)
    return blocks


# The fields of each statement type that may hold blocks, in ``child_blocks``'s order:
# asked only for those it has (in the compiled build, ``getattr`` with a default made and
# formatted an AttributeError for each field a statement lacks).
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {}
_BLOCK_FIELD_NAMES = ("body", "orelse", "finalbody", "handlers", "cases")


def _block_fields(kind: type) -> tuple[str, ...]:
    fields = _BLOCK_FIELDS.get(kind)
    if fields is None:
        fields = _BLOCK_FIELDS[kind] = tuple(name for name in _BLOCK_FIELD_NAMES if name in kind._fields)  # type: ignore[attr-defined]
    return fields


# Statements that hold no block of their own (most of them: an assignment, a call, a
# return), and definitions, whose bodies do not run with them.
_WITHOUT_BLOCKS = frozenset(
    kind
    for kind in ast.stmt.__subclasses__()
    if kind in (FunctionDef, AsyncFunctionDef, ClassDef) or not set(_BLOCK_FIELD_NAMES) & set(kind._fields)
)


def descendants(nodes: Iterable[AST]) -> list[AST]:
    """``nodes`` and every node below them: what ``ast.walk`` over each yields, in another
    order, without the ``ctx`` markers, and several times faster (the field table of
    ``_index_tree``)."""
    found: list[AST] = []
    stack = list(nodes)
    push, pop, extend, listed = stack.append, stack.pop, stack.extend, found.append
    node_fields = _NODE_FIELDS
    while stack:
        node = pop()
        kind = type(node)
        fields = node_fields.get(kind)
        if fields is None:
            fields = _node_fields(kind)
            if fields is None:
                continue
        listed(node)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                if value:
                    extend(value)
            elif value is not None:
                push(value)
    return found


def calls_breadth_first(node: AST) -> list[Call]:
    """The calls of ``ast.walk(node)``, in its order (breadth first), read through the
    field table of ``children`` instead of ``ast.iter_child_nodes``."""
    found: list[Call] = []
    level = [node]
    while level:
        following: list[AST] = []
        for current in level:
            if type(current) is Call:
                found.append(current)
            following.extend(children(current))
        level = following
    return found


def _enclosing_parts(node: AST) -> list[AST]:
    """The parts of a function, lambda or class that run where it is defined."""
    parts: list[AST | None]
    if isinstance(node, (FunctionDef, AsyncFunctionDef)):
        parts = [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]
    elif isinstance(node, ClassDef):
        parts = [*node.decorator_list, *node.bases, *node.keywords]
    else:
        parts = [*node.args.defaults, *node.args.kw_defaults]  # type: ignore[attr-defined]
    return [part for part in parts if part is not None]


_FIELDS: dict[type, tuple[str, ...]] = {Constant: ()}


def children(node: AST) -> list[AST]:
    """``ast.iter_child_nodes`` as a list, without the shared ``ctx`` markers (and
    without reading the fields that never hold a node).

    The generator in the standard library dominated profiles: every analysis walks
    the trees, so this one loop is written for speed.
    """
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _FIELDS[type(node)] = tuple(name for name in node._fields if name not in _LEAF_FIELDS)
    found: list[AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            found.extend(item for item in value if isinstance(item, AST))
        elif isinstance(value, AST):
            found.append(value)
    return found


def keyword(call: Call, name: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def string_value(node: AST | None) -> str | None:
    if isinstance(node, Constant) and isinstance(node.value, str):
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


def module_statements(tree: Module) -> list[ast.stmt]:
    """The statements that run at module level, also inside ``if``/``try`` blocks
    (``if MCP_AVAILABLE:`` around a whole router, ``try: import ...``), but not in
    function or class bodies. Kept on the tree: the names table, the summary (five
    times) and the context each go through them."""
    found: list[ast.stmt] | None = tree.__dict__.get("_fastlint_statements")
    if found is not None:
        return found
    found = []
    pending = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        found.append(node)
        if type(node) in _BLOCK_STATEMENTS:
            pending.extend(reversed([inner for block in child_blocks(node) for inner in block]))
    tree._fastlint_statements = found  # type: ignore[attr-defined]
    return found


# The statements whose blocks ``module_statements`` enters (``try``/``except*`` from Python 3.11).
_BLOCK_STATEMENTS = frozenset({If, Try, With, *([ast.TryStar] if hasattr(ast, "TryStar") else [])})


# Calls that consume the iterable they are given on the spot.
_CONSUMERS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max", "any", "all", "next"})


def is_generator(function: AST) -> bool:
    """A function whose own body yields (a generator, or an async generator for an ``async def``)."""
    kinds = _local_kinds(function)
    return Yield in kinds or YieldFrom in kinds  # a type's bucket is there only with a node in it


def is_sync_generator(function: AST) -> bool:
    """A ``def`` whose body yields: calling it runs nothing until the result is iterated."""
    return isinstance(function, FunctionDef) and is_generator(function)


def iterated_calls(function: AST) -> set[int]:
    """Ids of the calls in ``function``'s body whose result the body itself iterates:
    ``for x in f()``, comprehensions, ``list(f())``, ``"".join(f())``, ``yield from f()``,
    ``*f()``. A generator called anywhere else (``StreamingResponse(f())``) runs where its
    result is iterated, not here."""
    kinds = _local_kinds(function)
    found = {id(node.iter) for node in kinds.get(For, ())}
    found.update(id(node.iter) for node in kinds.get(ast.comprehension, ()))
    found.update(id(node.value) for node in kinds.get(YieldFrom, ()))
    found.update(id(node.value) for node in kinds.get(Starred, ()))
    for node in kinds.get(Call, ()):
        if node.args:
            func = node.func
            if (isinstance(func, Name) and func.id in _CONSUMERS) or (isinstance(func, Attribute) and func.attr in ("join", "extend", "update")):
                found.add(id(node.args[0]))
    return found
