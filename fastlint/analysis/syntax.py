"""Small helpers over CPython's ``ast`` shared by the model, the inference and the rules."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter

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


def local_nodes_of(node: ast.AST, *kinds: type) -> list:  # type: ignore[type-arg]
    """The nodes of ``walk_local(node)`` whose type is one of ``kinds``, in walk order.

    The summary and the rules scan each function's body about ten times for one kind or
    two (returns, awaits, loops, yields, nested functions, ``with`` blocks): one pass
    buckets the body by type, kept on the node as ``walk_local``'s list is.
    """
    buckets = getattr(node, "_fastlint_kinds", None)
    if buckets is None:
        buckets = {}
        for child in walk_local(node):
            bucket = buckets.get(child.__class__)
            if bucket is None:
                buckets[child.__class__] = [child]
            else:
                bucket.append(child)
        node._fastlint_kinds = buckets  # type: ignore[attr-defined]
    if len(kinds) == 1:
        found: list = buckets.get(kinds[0], [])  # type: ignore[type-arg]
        return found
    if kinds not in buckets:
        present = [kind for kind in kinds if kind in buckets]
        if len(present) <= 1:
            buckets[kinds] = buckets[present[0]] if present else []
        else:
            wanted = frozenset(present)
            buckets[kinds] = [child for child in walk_local(node) if child.__class__ in wanted]
    combined: list = buckets[kinds]  # type: ignore[type-arg]
    return combined


def local_calls(node: ast.AST) -> list[ast.Call]:
    """The calls of ``walk_local(node)``: its bucket of ``local_nodes_of``."""
    calls: list[ast.Call] = local_nodes_of(node, ast.Call)
    return calls


def stored_names(node: ast.AST) -> frozenset[str]:
    """The names ``walk_local(node)`` assigns (``ast.Name`` in a store context): the
    once-only facts and the argument facts of the summary each ask."""
    return frozenset(store_counts(node))


def store_counts(node: ast.AST) -> dict[str, int]:
    """How many times ``walk_local(node)`` assigns each name, kept on the node."""
    cached: dict[str, int] | None = getattr(node, "_fastlint_stores", None)
    if cached is None:
        cached = {}
        for name in local_nodes_of(node, ast.Name):
            if name.ctx.__class__ is ast.Store:
                cached[name.id] = cached.get(name.id, 0) + 1
        node._fastlint_stores = cached  # type: ignore[attr-defined]
    return cached


def is_none(node: ast.AST) -> bool:
    """The literal ``None``."""
    return isinstance(node, ast.Constant) and node.value is None


def nodes_of(tree: ast.AST, *kinds: type) -> list:  # type: ignore[type-arg]
    """Every node of the given kinds in ``tree``, in ``ast.walk`` order.

    One walk lists the whole tree and buckets it by node type, kept on the tree: the
    names table, the FastAPI model, the ORM facts and several rules each need "every
    call" or "every function" of the same module.
    """
    buckets = getattr(tree, "_fastlint_buckets", None)
    if buckets is None:
        order = _index_tree(tree)
        buckets = {}
        for node in order:
            bucket = buckets.get(node.__class__)
            if bucket is None:
                buckets[node.__class__] = [node]
            else:
                bucket.append(node)
        buckets[None] = order
        tree._fastlint_buckets = buckets  # type: ignore[attr-defined]
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
            buckets[kinds] = [node for node in buckets[None] if node.__class__ in wanted]
    combined: list = buckets[kinds]  # type: ignore[type-arg]
    return combined


_START = attrgetter("lineno", "col_offset")

# What the analysis keeps on nodes (``walk_local``, ``nodes_of``, names, scopes, class attributes, once-only
# facts, parents): several of these refer back to the node they sit on.
_CACHES = frozenset({"_fastlint_local", "_fastlint_stores", "_fastlint_kinds", "_fastlint_scope", "_fastlint_once", "_fastlint_once_names",
           "_fastlint_unforwarded",
           "_fastlint_singleton", "_fastlint_parents", "_fastlint_attributes"})


def release(tree: ast.AST) -> None:
    """Drop what the analysis kept on ``tree``'s scope nodes and on ``tree``: those caches
    form reference cycles (the tree lists itself, a scope holds its function), which would
    keep a whole tree alive until the cyclic collector traverses it; without them the tree
    is freed as soon as the file is done."""
    buckets = tree.__dict__.pop("_fastlint_buckets", None)
    tree.__dict__.pop("_fastlint_names", None)
    if buckets is None:
        return
    for kind in (ast.Module, *SCOPE_NODES):
        for node in buckets.get(kind, ()):
            fields = node.__dict__
            for name in _CACHES & fields.keys():  # the few a node holds, not every one
                del fields[name]


def _walk_local(node: ast.AST) -> Iterator[ast.AST]:
    stack = children(node)
    stack.reverse()
    while stack:
        child = stack.pop()
        yield child
        inner = _enclosing_parts(child) if isinstance(child, SCOPE_NODES) else children(child)
        stack.extend(reversed(inner))


def _index_tree(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` (parents first), and as a side effect the ``walk_local``
    list of every function, lambda and class in it: one traversal instead of one per
    scope.

    Each scope's list is walked on its own (``_scope_walk``), and the tree's order is then
    put together from them: a nested scope's own list goes where the scope is listed, in
    place of its decorators, defaults and bases, which its enclosing list holds too (they
    run there).
    """
    tree_local, tree_nested = _scope_walk(children(tree), True)
    scopes = [(tree, tree_local, tree_nested)]
    own: dict[int, tuple[list[ast.AST], list[tuple[int, int, ast.AST]]]] = {id(tree): (tree_local, tree_nested)}
    for _, _, nested in scopes:  # grows while it is read: every scope, parents first
        for _, _, inner in nested:
            local, inner_nested = _scope_walk(children(inner), True)
            scopes.append((inner, local, inner_nested))
            own[id(inner)] = local, inner_nested
    for scope, local, _ in scopes:
        scope._fastlint_local = local  # type: ignore[attr-defined]
    order: list[ast.AST] = [tree]
    # (a scope's list, its nested scopes, the next of them, where its list goes on)
    pending: list[tuple[list[ast.AST], list[tuple[int, int, ast.AST]], int, int]] = [(tree_local, tree_nested, 0, 0)]
    while pending:
        local, nested, next_scope, start = pending.pop()
        if next_scope == len(nested):
            order += local[start:]
            continue
        position, parts, inner = nested[next_scope]
        order += local[start : position + 1]
        pending.append((local, nested, next_scope + 1, position + 1 + parts))
        pending.append((*own[id(inner)], 0, 0))
    return order


def _scope_walk(roots: list[ast.AST], primary: bool) -> tuple[list[ast.AST], list[tuple[int, int, ast.AST]]]:
    """The ``walk_local`` list of the scope whose children are ``roots``, and for each scope
    nested in it (when ``primary``: not in the parts of a nested scope, which are walked
    again in it) its position in the list, how many entries its parts add after it, and
    the scope.

    Each of pass 1 and pass 2 runs this over every node of every file, so the loop is
    written for speed: only the fields that can hold nodes are read, and lists of nodes go
    onto the stack whole.
    """
    local: list[ast.AST] = []
    nested: list[tuple[int, int, ast.AST]] = []
    stack = roots[::-1]
    push, pop, extend, listed = stack.append, stack.pop, stack.extend, local.append
    node_fields = _NODE_FIELDS
    while stack:  # popped in source order: the last field is pushed first, each list backwards
        node = pop()
        kind = node.__class__
        fields = node_fields.get(kind)
        if fields is None:
            fields = _node_fields(kind)
            if fields is None:
                continue  # not a node: a dict's ``**`` key (None), a missing keyword default
        listed(node)
        if kind in _SCOPE_TYPES:
            position = len(local) - 1
            parts = _enclosing_parts(node)
            if parts:
                local += _scope_walk(parts, False)[0]
            if primary:
                nested.append((position, len(local) - 1 - position, node))
            continue
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                if value:
                    extend(value[::-1])
            elif value is not None:
                push(value)
    return local, nested


_SCOPE_TYPES = frozenset(SCOPE_NODES)
# Fields that never hold a node (names, flags, ``ctx`` markers): not read by ``_scope_walk``.
_LEAF_FIELDS = frozenset({"ctx", "id", "kind", "attr", "name", "arg", "module", "level", "asname", "is_async", "conversion", "type_comment", "lineno", "tag"})
_NODE_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _node_fields(kind: type) -> tuple[str, ...] | None:
    """The fields of ``kind`` that can hold nodes, last first; None when ``kind`` is no
    node type (the None and strings that a few lists of nodes hold)."""
    if not issubclass(kind, ast.AST):
        return None
    fields = _NODE_FIELDS[kind] = tuple(reversed([name for name in kind._fields if name not in _LEAF_FIELDS]))
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
        if isinstance(statement, ast.If):
            side = guards(statement.test)
            if side is True:
                mark_statements(statement.body, found)
                mark_guarded(statement.orelse, guards, found, also)
                continue
            if side is False:
                mark_statements(statement.orelse, found)
                if statement.body and isinstance(statement.body[-1], (ast.Return, ast.Raise)):
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
    if statement.__class__ in _WITHOUT_BLOCKS:
        return []
    blocks: list[list[ast.stmt]] = []
    for field in ("body", "orelse", "finalbody"):
        inner = getattr(statement, field, None)
        if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
            blocks.append(inner)
    blocks += [handler.body for handler in getattr(statement, "handlers", ())]
    blocks += [case.body for case in getattr(statement, "cases", ())]
    return blocks


# Statements that hold no block of their own (most of them: an assignment, a call, a
# return), and definitions, whose bodies do not run with them.
_WITHOUT_BLOCKS = frozenset(
    kind
    for kind in ast.stmt.__subclasses__()
    if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) or not {"body", "orelse", "finalbody", "handlers", "cases"} & set(kind._fields)
)


def descendants(nodes: Iterable[ast.AST]) -> list[ast.AST]:
    """``nodes`` and every node below them: what ``ast.walk`` over each yields, in another
    order, without the ``ctx`` markers, and several times faster (the field table of
    ``_index_tree``)."""
    found: list[ast.AST] = []
    stack = list(nodes)
    push, pop, extend, listed = stack.append, stack.pop, stack.extend, found.append
    node_fields = _NODE_FIELDS
    while stack:
        node = pop()
        kind = node.__class__
        fields = node_fields.get(kind)
        if fields is None:
            fields = _node_fields(kind)
            if fields is None:
                continue
        listed(node)
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                if value:
                    extend(value)
            elif value is not None:
                push(value)
    return found


def calls_breadth_first(node: ast.AST) -> list[ast.Call]:
    """The calls of ``ast.walk(node)``, in its order (breadth first), read through the
    field table of ``children`` instead of ``ast.iter_child_nodes``."""
    found: list[ast.Call] = []
    level = [node]
    while level:
        following: list[ast.AST] = []
        for current in level:
            if current.__class__ is ast.Call:
                found.append(current)
            following.extend(children(current))
        level = following
    return found


def _enclosing_parts(node: ast.AST) -> list[ast.AST]:
    """The parts of a function, lambda or class that run where it is defined."""
    parts: list[ast.AST | None]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parts = [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]
    elif isinstance(node, ast.ClassDef):
        parts = [*node.decorator_list, *node.bases, *node.keywords]
    else:
        parts = [*node.args.defaults, *node.args.kw_defaults]  # type: ignore[attr-defined]
    return [part for part in parts if part is not None]


_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` as a list, without the shared ``ctx`` markers (and
    without reading the fields that never hold a node).

    The generator in the standard library dominated profiles: every analysis walks
    the trees, so this one loop is written for speed.
    """
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _FIELDS[type(node)] = tuple(name for name in node._fields if name not in _LEAF_FIELDS)
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


def module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements that run at module level, also inside ``if``/``try`` blocks
    (``if MCP_AVAILABLE:`` around a whole router, ``try: import ...``), but not in
    function or class bodies."""
    pending = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)) or type(node).__name__ == "TryStar":
            nested: list[ast.stmt] = [*getattr(node, "body", ()), *getattr(node, "orelse", ()), *getattr(node, "finalbody", ())]
            for handler in getattr(node, "handlers", ()):
                nested.extend(handler.body)
            pending.extend(reversed(nested))


# Calls that consume the iterable they are given on the spot.
_CONSUMERS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max", "any", "all", "next"})


def is_sync_generator(function: ast.AST) -> bool:
    """A ``def`` whose body yields: calling it runs nothing until the result is iterated."""
    return isinstance(function, ast.FunctionDef) and bool(local_nodes_of(function, ast.Yield) or local_nodes_of(function, ast.YieldFrom))


def iterated_calls(function: ast.AST) -> set[int]:
    """Ids of the calls in ``function``'s body whose result the body itself iterates:
    ``for x in f()``, comprehensions, ``list(f())``, ``"".join(f())``, ``yield from f()``,
    ``*f()``. A generator called anywhere else (``StreamingResponse(f())``) runs where its
    result is iterated, not here."""
    found = {id(node.iter) for node in local_nodes_of(function, ast.For)}
    found.update(id(node.iter) for node in local_nodes_of(function, ast.comprehension))
    found.update(id(node.value) for node in local_nodes_of(function, ast.YieldFrom))
    found.update(id(node.value) for node in local_nodes_of(function, ast.Starred))
    for node in local_nodes_of(function, ast.Call):
        if node.args:
            func = node.func
            if (isinstance(func, ast.Name) and func.id in _CONSUMERS) or (isinstance(func, ast.Attribute) and func.attr in ("join", "extend", "update")):
                found.add(id(node.args[0]))
    return found
