"""Explicit database reads: which calls run a query (FL404, and pass 1's summaries).

``read_query(call, scope, inference)`` answers for one call whether it sends a read query
to the database and returns how to name it in a message:

- a method of a SQLAlchemy or SQLModel session or connection that runs a statement
  (``execute``, ``scalars``, ``scalar``, ``exec``, ``get``, ``get_one``, ``stream``...),
  when the receiver is known to be a session or the statement is visibly a ``select(...)``
  (or ``text("SELECT ...")``); ``execute`` of a statement that is not visibly a read
  (``insert``, ``update``, a parameter) is left out: bulk writes and unknown statements
  stay quiet;
- the call that runs a legacy ``Query`` (``session.query(M).filter(...).first()``): the
  last call of the chain, ``all``/``first``/``one``/``one_or_none``/``scalar``/``count``/``get``.

Receivers are typed by the same flow-insensitive inference as the rest of fastlint; a
receiver it cannot type counts only when the statement itself is a ``select``.
"""

from __future__ import annotations

import ast
from ast import Attribute, Await, Call, Constant, Name, Return, Subscript, Tuple
from collections.abc import Callable

from fastlint.analysis.inference import Scope, TypeInference
from fastlint.analysis.names import NameTable
from fastlint.analysis.syntax import FunctionNode, local_calls, local_nodes_of, string_value
from fastlint.knowledge.orm import LOADER_OPTIONS, ROW_SEQUENCES, SELECT_FUNCTIONS

SESSION_TYPES = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlmodel.Session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.engine.Connection",
        "sqlalchemy.ext.asyncio.AsyncConnection",
    }
)
# Session methods that run the statement they are given.
_STATEMENT_METHODS = frozenset({"execute", "scalars", "scalar", "exec", "stream", "stream_scalars"})
# ``session.get(Model, key)``: one query by primary key (unless the object is in the identity map).
_KEY_METHODS = frozenset({"get", "get_one"})
# The calls that run a legacy ``Query``.
_QUERY_TERMINALS = frozenset({"all", "first", "one", "one_or_none", "scalar", "count", "get", "exists"})
# Session methods that write: a function calling one is no read helper.
WRITE_METHODS = frozenset({"add", "add_all", "delete", "commit", "merge", "flush", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"})
_WRITES = frozenset({"insert", "update", "delete", "upsert"})
_MAX_DEPTH = 6
# Where the ``SELECT_FUNCTIONS`` live.
_ORM_PACKAGES = tuple(sorted({name.split(".", 1)[0] for name in SELECT_FUNCTIONS}))
_MAX_BINDINGS = 4

IsModel = Callable[[ast.expr], bool]


def read_query(call: Call, scope: Scope, inference: TypeInference, is_model: IsModel | None = None) -> str | None:
    """``db.execute`` (the text of the called method) when ``call`` runs a read query, else None.

    ``is_model`` tells whether an expression names a mapped class (``session.get(User, id)``
    on a receiver the inference cannot type)."""
    func = call.func
    if not isinstance(func, Attribute):
        return None
    method = func.attr
    if method in _QUERY_TERMINALS and _legacy_query(func.value, scope, inference, is_model):
        return _text(func)
    if method not in _STATEMENT_METHODS and method not in _KEY_METHODS:
        return None
    if method in _KEY_METHODS:
        first = call.args[0] if call.args else None
        if first is None or len(call.args) < 2:
            return None
        if is_model is not None and is_model(first):
            return _text(func)
        return _text(func) if _class_like(first) and _is_session(func.value, scope, inference) else None
    statement = call.args[0] if call.args else None
    if statement is None:
        return None
    kind = statement_kind(statement, scope, inference.names)
    if kind == "read" or (kind is None and method != "execute" and _is_session(func.value, scope, inference)):
        return _text(func)
    return None


def _is_session(receiver: ast.expr, scope: Scope, inference: TypeInference) -> bool:
    return inference.type_of(receiver, scope) in SESSION_TYPES


def statement_kind(node: ast.expr, scope: Scope, names: NameTable, depth: int = 0) -> str | None:
    """``read`` for ``select(...)`` (and what is built on it, through local names) or
    ``text("SELECT ...")``; ``write`` for ``insert``/``update``/``delete``; None when unknown."""
    if depth > _MAX_DEPTH:
        return None
    while isinstance(node, Call) and isinstance(node.func, Attribute):
        if node.func.attr in _WRITES and isinstance(node.func.value, Attribute):
            return "write"  # ``Model.__table__.insert()``
        node = node.func.value
    if isinstance(node, Call):
        name = _call_name(node.func, names)
        if name in SELECT_FUNCTIONS:
            return "read"
        short = name.rsplit(".", 1)[-1] if name else None
        if short in _WRITES:
            return "write"
        if short == "text" and node.args:
            sql = (string_value(node.args[0]) or "").lstrip().lower()
            return "read" if sql.startswith(("select", "with")) else ("write" if sql else None)
        return None
    if isinstance(node, Name):
        # ``stmt = stmt.where(...)`` refines the statement: only the other bindings say what it is.
        bindings = [
            b for b in scope.bindings.get(node.id, []) if not (isinstance(b.node, ast.expr) and _mentions(b.node, node.id))
        ]
        kinds = {
            statement_kind(b.node, scope, names, depth + 1) if b.kind == "value" and isinstance(b.node, ast.expr) else None
            for b in bindings[:_MAX_BINDINGS]
        }
        return kinds.pop() if len(kinds) == 1 and len(bindings) <= _MAX_BINDINGS else None
    return None


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(child, Name) and child.id == name for child in ast.walk(node))


def _call_name(func: ast.expr, names: NameTable) -> str | None:
    qualified = names.qualified_name(func)
    if qualified:
        return qualified
    if isinstance(func, Name):
        return func.id
    if isinstance(func, Attribute):
        base = func.value
        parts = [func.attr]
        while isinstance(base, Attribute):
            parts.append(base.attr)
            base = base.value
        if isinstance(base, Name):
            parts.append(base.id)
            return ".".join(reversed(parts))
    return None


def _legacy_query(node: ast.expr, scope: Scope, inference: TypeInference, is_model: IsModel | None) -> bool:
    """``session.query(M).filter(...)...``: a chain whose root is ``.query(...)`` on a session
    (or with a mapped class as its first argument)."""
    for _ in range(_MAX_DEPTH * 4):
        if not (isinstance(node, Call) and isinstance(node.func, Attribute)):
            return False
        if node.func.attr == "query" and node.args:
            if _is_session(node.func.value, scope, inference):
                return True
            return is_model is not None and is_model(node.args[0])
        node = node.func.value
    return False


def _class_like(node: ast.expr) -> bool:
    """``User`` or ``models.User``: the first argument of ``session.get``."""
    name = node.attr if isinstance(node, Attribute) else node.id if isinstance(node, Name) else ""
    return name[:1].isupper()


def _text(func: Attribute) -> str:
    receiver = func.value
    parts = [func.attr]
    while isinstance(receiver, Attribute):
        parts.append(receiver.attr)
        receiver = receiver.value
    if isinstance(receiver, Name):
        parts.append(receiver.id)
        return ".".join(reversed(parts))
    if isinstance(receiver, Call):  # ``session.query(M).filter(...).first``
        inner: ast.expr = receiver
        while isinstance(inner, Call) and isinstance(inner.func, Attribute) and inner.func.attr != "query":
            inner = inner.func.value
        if isinstance(inner, Call) and isinstance(inner.func, Attribute):
            return f"{_text(inner.func)}(...).{func.attr}"
    return func.attr


# -- rows a helper returns (FL401 at its callers, through the index) ---------------------

_CHAIN = frozenset({
    "where", "filter", "filter_by", "order_by", "limit", "offset", "join", "outerjoin", "distinct", "group_by",
    "having", "select_from", "execution_options", "options", "params", "with_for_update",
})


def returned_rows(function: FunctionNode, inference: TypeInference) -> tuple[str, bool] | None:
    """The class whose ORM rows ``function`` returns, as the module names it, and whether its
    body sets loader options (what its rows load is then not known: callers stay quiet).

    Rows are what every ``return`` gives (``session.scalars(select(A)).all()``,
    ``session.query(A).filter(...)``, through local names), or what the annotation says
    (``-> list[A]``, ``Sequence[A]``) when the body queries ``A`` itself: an annotated helper
    that builds its objects, or takes them from elsewhere, returns no loaded rows.
    """
    names = inference.names
    calls = local_calls(function)
    if not names.may_name(_ORM_PACKAGES) and not any(isinstance(call.func, Attribute) and call.func.attr == "query" and len(call.args) == 1 for call in calls):
        return None  # neither a ``select`` nor a legacy ``query``: no rows
    # The classes queried first: most bodies query none, and need no look at their loader options.
    entities = {
        names.qualified_name(call.args[0])
        for call in calls
        if len(call.args) == 1 and (isinstance(call.func, Attribute) and call.func.attr == "query" or names.qualified_name(call.func) in SELECT_FUNCTIONS)
    }
    entities.discard(None)
    if not entities:
        return None
    loaded = any(
        isinstance(call.func, Attribute) and call.func.attr == "options"
        or any(k.arg == "options" for k in call.keywords)
        or names.qualified_name(call.func) in LOADER_OPTIONS
        for call in calls
    )
    scope = inference.scope(function)
    returned = [node.value for node in local_nodes_of(function, Return) if node.value is not None]
    found = {_rows(value, scope, names, 0) for value in returned}
    model = found.pop() if len(found) == 1 else None
    if model is None and function.returns is not None:
        annotated = _annotated_rows(function.returns, names)
        model = annotated if annotated in entities else None
    return (model, loaded) if model else None


def _annotated_rows(annotation: ast.expr, names: NameTable) -> str | None:
    if isinstance(annotation, Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if not isinstance(annotation, Subscript) or names.qualified_name(annotation.value) not in ROW_SEQUENCES:
        return None
    element = annotation.slice.elts[0] if isinstance(annotation.slice, Tuple) and annotation.slice.elts else annotation.slice
    return names.qualified_name(element) if isinstance(element, (Name, Attribute)) else None


def _rows(node: ast.expr, scope: Scope, names: NameTable, depth: int) -> str | None:
    kind, model = _value(node, scope, names, depth)
    return model if kind in ("rows", "query") else None


def _value(node: ast.expr, scope: Scope, names: NameTable, depth: int) -> tuple[str | None, str | None]:
    """(kind, class) of what ``node`` holds: a ``statement``, a legacy ``query``, a ``result``
    of ``execute`` (rows of tuples) or ``rows`` (objects); (None, None) when unknown."""
    unknown: tuple[str | None, str | None] = (None, None)
    if depth > _MAX_DEPTH:
        return unknown
    if isinstance(node, Await):
        return _value(node.value, scope, names, depth + 1)
    if isinstance(node, Name):
        bindings = [b for b in scope.bindings.get(node.id, []) if not (isinstance(b.node, ast.expr) and _mentions(b.node, node.id))]
        if not bindings or len(bindings) > _MAX_BINDINGS or any(b.kind != "value" or not isinstance(b.node, ast.expr) for b in bindings):
            return unknown
        values = {_value(b.node, scope, names, depth + 1) for b in bindings}  # type: ignore[arg-type]
        return values.pop() if len(values) == 1 else unknown
    if not isinstance(node, Call):
        return unknown
    qualified = names.qualified_name(node.func)
    if qualified in SELECT_FUNCTIONS:
        return ("statement", names.qualified_name(node.args[0])) if len(node.args) == 1 else unknown
    if qualified in ("builtins.list", "builtins.sorted", "builtins.tuple") and len(node.args) == 1:
        kind, model = _value(node.args[0], scope, names, depth + 1)
        return ("rows", model) if kind in ("rows", "query") else unknown
    if not isinstance(node.func, Attribute):
        return unknown
    method = node.func.attr
    if method == "query":
        return ("query", names.qualified_name(node.args[0])) if len(node.args) == 1 else unknown
    if method in ("scalars", "exec", "execute") and node.args:
        kind, model = _value(node.args[0], scope, names, depth + 1)
        return ("result" if method == "execute" else "rows", model) if kind == "statement" else unknown
    kind, model = _value(node.func.value, scope, names, depth + 1)
    if kind in ("statement", "query") and method in _CHAIN:
        return kind, model
    if (kind == "result" and method in ("scalars", "unique")) or (kind in ("rows", "query") and method in ("all", "fetchall", "unique")):
        return ("rows" if method != "unique" or kind != "result" else "result"), model
    return unknown
