"""What a query eager-loads, and which reads of its results are lazy loads (FL401-FL403).

The mapped classes themselves are read in pass 1 (``fastlint.analysis.orm_models``).
``OrmQueries`` follows, inside one function, statements
(``select(M).options(...)``, ``session.query(M)``, ``session.get(M, ..., options=[...])``)
into their results and the objects read from them, so that a rule can ask: is this
attribute read a lazy load, and does it happen once per row?
"""

from __future__ import annotations

import ast
import dataclasses
import weakref
from dataclasses import dataclass, field

from fastlint import (
    Applicability,
    Fix,
    FunctionNode,
    ModelInfo,
    ModuleContext,
    NameTable,
    RelationshipInfo,
    Scope,
    add_argument,
    add_from_import,
    keyword,
    local_nodes_of,
    method_called,
    nodes_of,
    orm_models,
    returned_rows,
    string_value,
)
from fastlint.knowledge.orm import COLUMN_OPTIONS, EAGER_OPTIONS, LOADER_OPTIONS, PAGINATE_FUNCTIONS, QUIET_OPTIONS, SELECT_FUNCTIONS

# -- model lookup --------------------------------------------------------------------


class ModelLookup:
    """Models of this module, and through the project index (when there is one) of others."""

    def __init__(self, ctx: ModuleContext) -> None:
        self.names = ctx.names
        self.local = orm_models(ctx.tree, ctx.names)
        self.project = ctx.project

    def get(self, qualified: str | None) -> ModelInfo | None:
        if not qualified:
            return None
        if qualified in self.local:
            return self.local[qualified]
        by_short = [m for m in self.local.values() if m.short_name == qualified]
        if len(by_short) == 1:  # ``relationship("Book")`` names a class of the registry
            return by_short[0]
        lookup = getattr(self.project, "orm_model", None)
        return lookup(qualified) if lookup is not None else None

    def of(self, node: ast.expr) -> ModelInfo | None:
        return self.get(self.names.qualified_name(node))

    def target(self, rel: RelationshipInfo) -> ModelInfo | None:
        return self.get(rel.target)


def model_lookup(ctx: ModuleContext) -> ModelLookup:
    return ctx.fact("orm.models", ModelLookup)


def has_models(ctx: ModuleContext) -> bool:
    """Whether this module or the project maps any class: without one no read is lazy."""
    lookup = model_lookup(ctx)
    return bool(lookup.local) or (lookup.project is not None and lookup.project.has_orm_models())


# -- loader options ------------------------------------------------------------------

Path = tuple[str, ...]
_UNREADABLE: Path = ("?",)


@dataclass
class Loading:
    """What a statement loads: its entity and, per relationship path, the option used."""

    model: ModelInfo
    options: dict[Path, str] = field(default_factory=dict)

    def loads_eagerly(self, path: Path) -> bool:
        """True when ``path`` is eager-loaded (or made to raise) by the statement's options,
        or when an option could not be read (it might load anything)."""
        if _UNREADABLE in self.options:
            return True
        for candidate in (path, (*path[:-1], "*")):
            option = self.options.get(candidate)
            if option in EAGER_OPTIONS or option in QUIET_OPTIONS:
                return True
        return False

    def merged(self, other: Loading) -> Loading:
        options = dict(self.options)
        add_options(options, list(other.options.items()))
        return Loading(self.model, options)


def option_paths(node: ast.expr, names: NameTable) -> list[tuple[Path, str]]:
    """``loader_paths`` of one option, marking an option that cannot be read (``*opts``, a
    variable, a helper's result) so that the statement counts as possibly eager."""
    paths = loader_paths(node, names)
    if paths:
        return paths
    if isinstance(node, ast.Call) and names.qualified_name(node.func) in COLUMN_OPTIONS:
        return []
    return [(_UNREADABLE, "unreadable")]


def loader_paths(node: ast.expr, names: NameTable) -> list[tuple[Path, str]]:
    """The (relationship path, option) pairs one ``options(...)`` argument sets.

    ``selectinload(A.b)``, ``defaultload(A.b).selectinload(B.c)``, ``Load(A).joinedload(A.b)``,
    ``joinedload(A.b).options(selectinload(B.c), ...)``; ``"*"`` stands for every relationship.
    """
    if not isinstance(node, ast.Call):
        return []
    func = node.func
    qualified = names.qualified_name(func)
    if qualified in LOADER_OPTIONS:
        first = _attr_name(node.args[0]) if node.args else None
        return [((first,), LOADER_OPTIONS[qualified])] if first else []
    if qualified in ("sqlalchemy.orm.Load", "sqlalchemy.orm.strategy_options.Load"):
        return [((), "load")]
    if not isinstance(func, ast.Attribute):
        return []
    parents = loader_paths(func.value, names)
    if not parents:
        return []
    prefix = parents[-1][0]
    if func.attr == "options":
        return parents + [((*prefix, *path), option) for arg in node.args for path, option in loader_paths(arg, names)]
    option = LOADER_OPTIONS.get(f"sqlalchemy.orm.{func.attr}")
    attr = _attr_name(node.args[0]) if node.args else None
    if option is None or attr is None:
        return []
    return parents + [((*prefix, attr), option)]


def add_options(options: dict[Path, str], paths: list[tuple[Path, str]]) -> None:
    """Record loader options; ``defaultload`` only walks a path and overrides nothing."""
    for path, option in paths:
        if option not in ("defaultload", "load") or path not in options:
            options[path] = option


def _attr_name(node: ast.expr) -> str | None:
    """``Author.books``, ``Author.books.of_type(X)``, ``"books"``, ``"*"``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("of_type", "and_"):
        return _attr_name(node.func.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    return string_value(node)


# -- values inside one function ------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """What an expression holds, as far as the ORM is concerned.

    ``kind``: ``statement`` (a ``select``), ``query`` (a legacy ``Query``, iterable of
    objects), ``result`` (rows), ``scalars`` (iterable of objects), ``object`` (one object,
    reached through ``path`` from the statement's entity), ``rows`` (objects read one per
    row, the loop variable). ``is_async`` when the session that ran it is an AsyncSession.
    """

    kind: str
    loading: Loading
    path: Path = ()
    is_async: bool = False
    source: ast.expr | None = None
    via: str | None = None  # the project function whose statement it is (``list_authors``)

    def with_kind(self, kind: str) -> Value:
        return dataclasses.replace(self, kind=kind)


_STATEMENT_METHODS = {
    "where", "filter", "filter_by", "order_by", "limit", "offset", "join", "outerjoin", "join_from",
    "group_by", "having", "distinct", "select_from", "execution_options", "params", "with_for_update",
    "correlate", "union", "slice", "enable_eagerloads", "populate_existing",
}
_RESULT_TO_OBJECT = {"first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "get"}
_SCALARS_KEEP = {"all", "unique", "fetchall", "fetchmany", "partitions", "yield_per"}
_ASYNC_SESSION = "sqlalchemy.ext.asyncio.AsyncSession"


class OrmQueries:
    """Follows ORM statements through one function's names (flow-insensitively)."""

    def __init__(self, ctx: ModuleContext, function: FunctionNode) -> None:
        self.ctx = ctx
        self.names = ctx.names
        self.models = model_lookup(ctx)
        self.function = function
        self.scope: Scope = ctx.inference.scope(function)
        self._resolving: set[str] = set()
        self._partial: dict[str, Value] = {}
        self._bound: dict[str, BoundObject] | None = None

    def value(self, node: ast.expr | None) -> Value | None:
        if node is None:
            return None
        if isinstance(node, ast.Await):
            inner = self.value(node.value)
            return dataclasses.replace(inner, is_async=True) if inner else None
        if isinstance(node, ast.Name):
            return self._name_value(node.id)
        if isinstance(node, ast.Call):
            return self._call_value(node)
        if isinstance(node, ast.Attribute) and node.attr == "items":  # ``page.items`` of a paginated statement
            page = self.value(node.value)
            return page.with_kind("scalars") if page is not None and page.kind == "page" else None
        return None

    def _name_value(self, name: str) -> Value | None:
        if name in self._resolving:  # ``stmt = stmt.where(...)``: builds on the other bindings
            return self._partial.get(name)
        bindings = self.scope.bindings.get(name)
        if not bindings or any(b.kind != "value" or not isinstance(b.node, ast.expr) for b in bindings):
            return None
        nodes = [b.node for b in bindings if isinstance(b.node, ast.expr)]
        rebinding = [node for node in nodes if _mentions(node, name)]
        self._resolving.add(name)
        try:
            merged = _merge([self.value(node) for node in nodes if node not in rebinding])
            if merged is not None and rebinding:
                self._partial[name] = merged
                merged = _merge([merged, *(self.value(node) for node in rebinding)])
        finally:
            self._resolving.discard(name)
            self._partial.pop(name, None)
        return merged

    def _call_value(self, call: ast.Call) -> Value | None:
        func = call.func
        qualified = self.names.qualified_name(func)
        if qualified in SELECT_FUNCTIONS:
            model = self.models.of(call.args[0]) if len(call.args) == 1 else None
            return Value("statement", Loading(model), source=call) if model else None
        if qualified in ("builtins.list", "builtins.sorted", "builtins.tuple") and len(call.args) == 1:
            inner = self.value(call.args[0])
            return inner.with_kind("scalars") if inner and inner.kind in ("scalars", "query") else None
        if qualified in PAGINATE_FUNCTIONS:
            return self._page(call)
        helper = self._helper_rows(call)
        if helper is not None:
            return helper
        if not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        if method in ("scalars", "execute", "exec", "query", "get", "scalar"):
            session_value = self._session_call(call, method)
            if session_value is not None:
                return session_value
        receiver = self.value(func.value)
        if receiver is None:
            return None
        if method == "options" and receiver.kind in ("statement", "query"):
            options = dict(receiver.loading.options)
            for arg in call.args:
                add_options(options, option_paths(arg, self.names))
            return dataclasses.replace(receiver, loading=Loading(receiver.loading.model, options))
        if receiver.kind in ("statement", "query") and method in _STATEMENT_METHODS:
            return receiver
        if receiver.kind == "result" and method == "scalars":
            return receiver.with_kind("scalars")
        if receiver.kind in ("result", "scalars", "query") and method in _RESULT_TO_OBJECT:
            return receiver.with_kind("object") if method != "get" or receiver.kind == "query" else None
        if receiver.kind in ("scalars", "query") and method in _SCALARS_KEEP:
            return receiver.with_kind("scalars")
        if receiver.kind == "result" and method in ("unique", "all"):
            return receiver if method == "unique" else None  # ``.all()`` of a Result gives Rows
        return None

    def _session_call(self, call: ast.Call, method: str) -> Value | None:
        is_async = self._is_async_session(call.func.value)  # type: ignore[attr-defined]
        if method == "query":
            model = self.models.of(call.args[0]) if len(call.args) == 1 else None
            return Value("query", Loading(model), is_async=is_async, source=call) if model else None
        if method == "get" and len(call.args) >= 2:
            model = self.models.of(call.args[0])
            if model is None:
                return None
            options: dict[Path, str] = {}
            listed = keyword(call, "options")
            if listed is not None and not isinstance(listed, (ast.List, ast.Tuple)):
                options[_UNREADABLE] = "unreadable"
            for element in listed.elts if isinstance(listed, (ast.List, ast.Tuple)) else []:
                add_options(options, option_paths(element, self.names))
            return Value("object", Loading(model, options), is_async=is_async, source=call)
        statement = self.value(call.args[0]) if call.args else None
        if statement is None or statement.kind != "statement":
            return None
        kind = {"scalars": "scalars", "exec": "scalars", "execute": "result", "scalar": "object"}.get(method)
        return Value(kind, statement.loading, is_async=is_async, source=statement.source) if kind else None

    def _page(self, call: ast.Call) -> Value | None:
        """``paginate(session, select(M), params)``: a page whose ``items`` are objects of
        ``M``; a ``transformer=`` may turn them into anything, so then nothing is known."""
        statement = self.value(call.args[1] if len(call.args) > 1 else keyword(call, "query"))
        if statement is None or statement.kind not in ("statement", "query") or keyword(call, "transformer") is not None:
            return None
        return dataclasses.replace(statement, kind="page", path=(), source=None)

    def _helper_rows(self, call: ast.Call) -> Value | None:
        """The rows a project function returns (``fastlint.analysis.queries.returned_rows``):
        a function of this module is followed through its own statements, one of another
        module through its summary, where any loader option in its body counts as
        possibly eager. The statement is the helper's: no fix is offered at the caller."""
        definition = self._module_function(call.func)
        if definition is not None:
            active: set[int] = self.ctx.fact("orm.helpers.active", lambda _: set())
            if id(definition) in active:  # a helper that (indirectly) returns its own result
                return None
            active.add(id(definition))
            try:
                helper = function_queries(self.ctx, definition)
                returned = [node.value for node in local_nodes_of(definition, ast.Return)]
                merged = _merge([helper.value(node) for node in returned]) if returned else None
            finally:
                active.discard(id(definition))
            if merged is not None and merged.kind in ("scalars", "query"):
                return Value("scalars", merged.loading, merged.path, merged.is_async, via=definition.name)
            rows = returned_rows(definition, self.ctx.inference)
        else:
            rows = self._indexed_rows(call.func)
        model = self.models.get(rows[0]) if rows else None
        if rows is None or model is None:
            return None
        via = definition.name if definition is not None else _called_name(call.func)
        return Value("scalars", Loading(model, {_UNREADABLE: "unreadable"} if rows[1] else {}), via=via)

    def _module_function(self, func: ast.expr) -> FunctionNode | None:
        """The module-level function of this module that ``func`` names (not rebound here)."""
        if not isinstance(func, ast.Name) or func.id in self.scope.bindings or func.id == self.function.name:
            return None
        definition = self.names.definitions.get(func.id)
        return definition if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def _indexed_rows(self, func: ast.expr) -> tuple[str, bool] | None:
        project = self.ctx.project
        callee = self.ctx.inference.callee(func, self.scope) if project is not None else None
        if project is None or callee is None or callee.split(".", 1)[0] in ("builtins", "sqlalchemy", "sqlmodel"):
            return None
        canonical = project.resolve(callee)
        found = project.function(canonical) if canonical else None
        if found is None or found[1].rows is None:
            return None
        return found[1].rows

    def _is_async_session(self, receiver: ast.expr) -> bool:
        return self.ctx.inference.type_of(receiver, self.scope) == _ASYNC_SESSION

    def object_model(self, value: Value) -> ModelInfo | None:
        """The model of the objects ``value`` holds, following its relationship path."""
        model: ModelInfo | None = value.loading.model
        for step in value.path:
            rel = model.relationship(step) if model else None
            model = self.models.target(rel) if rel else None
        return model

    # -- iteration -------------------------------------------------------------------

    def element(self, iterable: ast.expr) -> Value | None:
        """The per-row value of iterating ``iterable``, when it yields ORM objects."""
        value = self.value(iterable)
        if value is not None and value.kind in ("scalars", "query"):
            return value.with_kind("rows")
        # ``for book in author.books``: an eager-loaded collection of an object we know.
        if isinstance(iterable, ast.Attribute):
            owner = self.object_of(iterable.value)
            model = owner.model() if owner is not None else None
            if owner is not None and model is not None:
                rel = model.relationship(iterable.attr)
                if rel is not None and self.models.target(rel) is not None:
                    return dataclasses.replace(owner.value, kind="rows", path=(*owner.path, iterable.attr))
        return None

    def object_of(self, node: ast.expr) -> BoundObject | None:
        """The ORM object a name holds in this function, with how it was loaded."""
        return self.bound.get(node.id) if isinstance(node, ast.Name) else None

    @property
    def bound(self) -> dict[str, BoundObject]:
        if self._bound is None:
            self._bound = {}  # filled in place: an inner loop looks up the outer loop's name
            self._bind_objects(self._bound)
        return self._bound

    def _bind_objects(self, bound: dict[str, BoundObject]) -> None:
        """Loop variables over query results and names bound to one loaded object."""
        # ``walk_local`` yields outer loops first, so ``for b in a.books`` finds ``a``.
        for node in local_nodes_of(self.function, *_BINDING_NODES):
            if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
                self._bind_loop(bound, node.target.id, node.iter, node)
            elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                for generator in node.generators:
                    if isinstance(generator.target, ast.Name):
                        self._bind_loop(bound, generator.target.id, generator.iter, node)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _may_be_object(node.value):
                name = node.targets[0].id
                if len(self.scope.bindings.get(name, ())) == 1:
                    value = self.value(node.value)
                    if value is not None and value.kind == "object":
                        bound[name] = BoundObject(weakref.ref(self), value, None)

    def _bind_loop(self, bound: dict[str, BoundObject], name: str, iterable: ast.expr, loop: ast.AST) -> None:
        if len(self.scope.bindings.get(name, ())) != 1:  # the name means other things too
            return
        value = self.element(iterable)
        if value is not None:
            bound[name] = BoundObject(weakref.ref(self), value, loop)


_LOOPS = (ast.For, ast.AsyncFor)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_BINDING_NODES = (*_LOOPS, *_COMPREHENSIONS, ast.Assign)


def reads_bindable_name(function: FunctionNode, per_row: bool = False) -> bool:
    """Whether ``function`` reads an attribute of a name that ``OrmQueries`` may bind to ORM
    objects: a loop or comprehension variable, or (unless only reads ``per_row`` matter) a
    name assigned what may be one object. Every lazy read is one, so a function without
    any needs no query followed."""
    # One kind at a time: a list of several kinds is built by walking the body again.
    targets = {node.target.id for kind in _LOOPS for node in local_nodes_of(function, kind) if isinstance(node.target, ast.Name)}
    targets.update(
        generator.target.id
        for kind in _COMPREHENSIONS
        for node in local_nodes_of(function, kind)
        for generator in node.generators
        if isinstance(generator.target, ast.Name)
    )
    if not per_row:
        targets.update(
            node.targets[0].id
            for node in local_nodes_of(function, ast.Assign)
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _may_be_object(node.value)
        )
    return bool(targets) and any(
        isinstance(node.value, ast.Name) and node.value.id in targets for node in local_nodes_of(function, ast.Attribute)
    )


def _may_be_object(node: ast.expr) -> bool:
    """Whether ``value`` can find one object in ``node``: only a name, or a call of one of
    ``_RESULT_TO_OBJECT`` (``session.get(M, id)``, ``.first()``, ``.scalar()``), awaited or not."""
    while isinstance(node, ast.Await):
        node = node.value
    return isinstance(node, ast.Name) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RESULT_TO_OBJECT)


def _called_name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(child, ast.Name) and child.id == name for child in ast.walk(node))


def _merge(values: list[Value | None]) -> Value | None:
    """One value for a name bound several times: every binding must hold the same thing,
    and the loader options of all of them add up (flow-insensitive; it can only hide)."""
    if not values or any(v is None for v in values):
        return None
    known = [v for v in values if v is not None]
    if len({(v.kind, v.loading.model.name, v.path) for v in known}) != 1:
        return None
    merged = known[0]
    for other in known[1:]:
        merged = dataclasses.replace(merged, loading=merged.loading.merged(other.loading), is_async=merged.is_async or other.is_async)
    return merged


@dataclass
class BoundObject:
    """An ORM object held by a name: how it was loaded and, for a loop variable, the loop."""

    # The queries of the function that bound it, which hold this object in turn: held
    # weakly, since a cycle would keep the function's tree alive after the check, until a
    # collection that then has to scan every object made since the last one.
    _queries: weakref.ref[OrmQueries]
    value: Value
    loop: ast.AST | None

    @property
    def queries(self) -> OrmQueries:
        queries = self._queries()
        assert queries is not None, "an ORM object outlived the check that bound it"
        return queries

    @property
    def loading(self) -> Loading:
        return self.value.loading

    @property
    def path(self) -> Path:
        return self.value.path

    @property
    def is_async(self) -> bool:
        return self.value.is_async

    @property
    def source(self) -> ast.expr | None:
        return self.value.source

    def model(self) -> ModelInfo | None:
        return self.queries.object_model(self.value)


@dataclass(frozen=True)
class LazyRead:
    """An attribute read that lazy-loads a relationship."""

    node: ast.Attribute
    owner: BoundObject
    model: ModelInfo
    relationship: RelationshipInfo


def lazy_reads(queries: OrmQueries) -> list[LazyRead]:
    """Reads of lazily loaded relationships, not eager-loaded, on the function's objects."""
    found = []
    for node in local_nodes_of(queries.function, ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            continue
        owner = queries.object_of(node.value)
        if owner is None or not _inside(node, owner.loop):
            continue
        model = owner.model()
        rel = model.relationship(node.attr) if model else None
        if model is None or rel is None or not rel.n_plus_one:
            continue
        if owner.loading.loads_eagerly((*owner.path, node.attr)):
            continue
        found.append(LazyRead(node, owner, model, rel))
    # After the first read the relationship is loaded on that object: report it once.
    found.sort(key=lambda read: (read.node.lineno, read.node.col_offset))
    first: dict[tuple[int, str | None, str], LazyRead] = {}
    for read in found:
        first.setdefault((id(read.owner), _name_of(read.node.value), read.relationship.name), read)
    return list(first.values())


def _name_of(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _inside(node: ast.AST, container: ast.AST | None) -> bool:
    if container is None:
        return True
    start = (container.lineno, container.col_offset)  # type: ignore[attr-defined]
    end = (container.end_lineno, container.end_col_offset)  # type: ignore[attr-defined]
    return start <= (node.lineno, node.col_offset) and (node.end_lineno, node.end_col_offset) <= end  # type: ignore[attr-defined]


def where_loaded(read: LazyRead) -> str:
    """`` in the query of `list_authors()` `` when the rows come from a project function."""
    return f" in the query of `{read.owner.value.via}()`" if read.owner.value.via else ""


def suggested_option(read: LazyRead, option: str = "selectinload") -> str:
    """``selectinload(Author.books)``, or the chain from the statement's entity."""
    steps: list[str] = []
    model: ModelInfo | None = read.owner.loading.model
    for step in (*read.owner.path, read.relationship.name):
        steps.append(f"{'.' if steps else ''}{option}({model.short_name if model else '?'}.{step})")
        rel = model.relationship(step) if model else None
        model = read.owner.queries.models.target(rel) if rel else None
    return "".join(steps)


def eager_load_fix(ctx: ModuleContext, read: LazyRead) -> Fix | None:
    """``.options(selectinload(Author.books))`` on the ``select(Author)`` or
    ``session.query(Author)`` the object came from, or ``options=[selectinload(...)],
    populate_existing=True`` on its ``session.get(Author, ...)`` (see ``statement_eager_load_fix``)."""
    if read.owner.path:
        return None
    return statement_eager_load_fix(ctx, read.owner.queries, read.owner.value, read.model, [read.relationship.name])


def statement_eager_load_fix(ctx: ModuleContext, queries: OrmQueries, value: Value, model: ModelInfo, relationships: list[str]) -> Fix | None:
    """``selectinload`` of each of ``relationships`` (of ``model``, the statement's entity)
    on the statement ``value`` came from: ``.options(...)`` on a ``select(M)`` or
    ``session.query(M)``, ``options=[...], populate_existing=True`` on a ``session.get(M, ...)``
    (options apply only when a query is emitted, and ``populate_existing`` makes ``get``
    emit one for an object already in the identity map). Offered only when the statement
    has no loader options yet and is the function's only statement for that entity (a
    name bound to two statements would get the option on one only).
    """
    source = value.source
    if value.path or value.loading.options or not relationships or not isinstance(source, ast.Call) or not source.args:
        return None
    entity = source.args[0]
    if queries.models.of(entity) is not model:
        return None
    same = [
        call for call in nodes_of(queries.function, ast.Call)
        if call.args and _statement_call(queries, call) and ctx.text_of(call.args[0]) == ctx.text_of(entity)
    ]
    if same != [source]:
        return None
    usable, import_edit = add_from_import(ctx, "sqlalchemy.orm", "selectinload")
    if not usable:
        return None
    option = ", ".join(f"selectinload({ctx.text_of(entity)}.{name})" for name in dict.fromkeys(relationships))
    if isinstance(source.func, ast.Attribute) and source.func.attr == "get":
        if keyword(source, "options") is not None or keyword(source, "populate_existing") is not None:
            return None
        edit = add_argument(ctx, source, f"options=[{option}], populate_existing=True")
        message = f"Pass `options=[{option}], populate_existing=True`"
    else:
        edit = method_called(ctx, source, "options", option)
        message = f"Add `.options({option})`"
    if edit is None:
        return None
    return Fix((edit,) if import_edit is None else (edit, import_edit), Applicability.UNSAFE, message)


def _statement_call(queries: OrmQueries, call: ast.Call) -> bool:
    """``select(M)``, ``session.query(M)`` or ``session.get(M, ...)``."""
    if queries.names.qualified_name(call.func) in SELECT_FUNCTIONS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("query", "get") and queries.models.of(call.args[0]) is not None


def function_queries(ctx: ModuleContext, function: FunctionNode) -> OrmQueries:
    cache: dict[int, OrmQueries] = ctx.fact("orm.queries", lambda _: {})
    if id(function) not in cache:
        cache[id(function)] = OrmQueries(ctx, function)
    return cache[id(function)]


def functions(ctx: ModuleContext) -> list[FunctionNode]:
    return nodes_of(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef)
