"""Pass 1: one module reduced to its summary (``analysis/module_summary.py``), from one
``ast.parse`` and the same local inference the rules use.

Compiled in the compiled build (``setup.py``), apart from the summary's classes.
"""

from __future__ import annotations

import ast
import sys
from ast import (
    AST,
    AnnAssign,
    Assign,
    AsyncFunctionDef,
    AsyncWith,
    Attribute,
    Await,
    BinOp,
    Call,
    ClassDef,
    Div,
    FunctionDef,
    Module,
    Name,
    Return,
    Subscript,
    With,
)
from collections.abc import Callable, Iterator

from fastlint.analysis.capacity import capacity_facts
from fastlint.analysis.fastapi_roles import build_model
from fastlint.analysis.inference import CALLED, DIVIDED, Scope, TypeInference
from fastlint.analysis.module_summary import DERIVED, FunctionSummary, ModuleSummary, function_summary
from fastlint.analysis.names import NameTable
from fastlint.analysis.off_path import off_path_nodes
from fastlint.analysis.once import argument_levels, cache_key, once_nodes
from fastlint.analysis.orm_models import orm_models
from fastlint.analysis.queries import WRITE_METHODS, read_query, returned_rows
from fastlint.analysis.reachability import entry_points, function_reach, module_level_names, stores_argument
from fastlint.analysis.schemas import schema_classes
from fastlint.analysis.syntax import FunctionNode, is_sync_generator, iterated_calls, local_calls, local_nodes_of, module_statements, nodes_of
from fastlint.analysis.unset_arguments import argument_facts
from fastlint.knowledge.blocking import LIFECYCLE_WAITS, STARTUP_WAITS, THREAD_STARTS
from fastlint.knowledge.tables import Knowledge

_NOT_PROJECT = frozenset(sys.stdlib_module_names) | {"builtins"}
_REGISTERING = {"fastapi", "starlette", "asyncio", "anyio", "trio", "uvloop"}


def called(name: str) -> str:
    """The symbolic type of what calling ``name`` returns."""
    return name + CALLED


def summarize(tree: Module, module: str, is_package: bool, knowledge: Knowledge) -> ModuleSummary:
    from fastlint.analysis.blocking_calls import blocking_calls_in

    names = NameTable.of(tree, module, is_package)
    owners: dict[AST, ClassDef] = {}
    functions: list[tuple[str, FunctionNode]] = []
    classes: dict[str, tuple[str, ...]] = {}
    for node in module_statements(tree):
        if isinstance(node, (FunctionDef, AsyncFunctionDef)):
            functions.append((node.name, node))
        elif isinstance(node, ClassDef):
            # ``BaseRepository[User]`` derives from ``BaseRepository``: a generic base's
            # methods are the subclass's too.
            bases = (base.value if isinstance(base, Subscript) else base for base in node.bases)
            classes[node.name] = tuple(filter(None, (names.qualified_name(base) for base in bases)))
            for item in node.body:
                if isinstance(item, (FunctionDef, AsyncFunctionDef)):
                    owners[item] = node
                    functions.append((f"{node.name}.{item.name}", item))
    inference = TypeInference(names, tree, owners.get, called)
    summaries: dict[str, FunctionSummary] = {}
    local_names = {function: f"{module}.{local}" for local, function in functions}
    registries = module_level_names(tree)
    for local, function in functions:
        is_async = isinstance(function, AsyncFunctionDef)
        # Only a sync function's blocking calls are summarised: a chain goes through sync
        # functions alone (``ProjectIndex.blocking_chain``), and FL101-FL106 find an async
        # function's own where it is, with the whole project's types. Its calls that name a
        # blocking call are still no project calls (``_project_calls``).
        blocking = [] if is_async else list(blocking_calls_in(function, inference, knowledge))
        direct = None if is_async else {id(call) for call, _, _ in blocking}
        owner = owners.get(function)
        key = cache_key(function, names)
        namer = _namer(inference, f"{module}.{owner.name}" if owner else None)
        calls, constant, forwarded, iterated = (
            ((), (), (), ())
            if key == "fixed"  # the body runs once per process
            else _project_calls(function, inference, knowledge, namer, direct)
        )
        reaches, spawns, unknown = function_reach(function, namer)
        arguments = argument_facts(function, owner is not None, namer, [(call, name) for call, _, name in blocking])
        summaries[local] = function_summary(
            name=local,
            is_async=is_async,
            blocking=tuple((name, entry.code) for call, entry, name in blocking if name not in LIFECYCLE_WAITS and not _after_thread_start(call, name, function, inference)),
            calls=calls,
            returns=inference.function_result(function),
            offloaded=any(_decorator_name(d, names) in knowledge.offload_wrappers for d in function.decorator_list),
            keyed_cache=key == "keyed",
            constant_calls=constant,
            forwarded_calls=forwarded,
            generator=is_sync_generator(function),
            iterated_calls=iterated,
            clients=() if key == "fixed" else _per_call_clients(function, inference, knowledge),
            queries=key != "fixed" and _runs_query(function, inference),
            rows=returned_rows(function, inference),
            reaches=reaches,
            spawns=spawns,
            unknown_methods=unknown,
            params=arguments.params,
            needs=arguments.needs,
            passes=arguments.passes,
            decorators=tuple(
                name for name in (_decorator_name(d, names) for d in function.decorator_list) if name and name.split(".", 1)[0] not in _NOT_PROJECT
            ),
            stores_argument=bool(registries) and stores_argument(function, registries),
        )
    model = build_model(tree, names) if _may_register(names) else None
    module_scope = inference.module_scope
    return ModuleSummary(
        module,
        is_package,
        dict(names.imports),
        summaries,
        classes,
        _instances(tree, inference),
        orm_models(tree, names),
        {name: tuple(roles) for name, roles in model.external_roles.items()} if model is not None else {},
        schema_classes(tree, names),
        _aliases(tree, inference),
        capacity_facts(tree, names),
        inference.state_types(),
        _app_calls(tree, names),
        entry_points(tree, model, local_names, lambda expr: inference.callee(expr, module_scope)),
        names.other_imports(),
    )


DOCS_ARGUMENTS = frozenset({"openapi_url", "docs_url", "redoc_url"})


def may_set_docs(call: Call) -> bool:
    """Whether a call of an app factory may pass FastAPI's docs settings through ``**kwargs``."""
    return any(item.arg is None or item.arg in DOCS_ARGUMENTS for item in call.keywords)


def _app_calls(tree: Module, names: NameTable) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for call in nodes_of(tree, Call):
        func = call.func
        local = func.attr if isinstance(func, Attribute) else func.id if isinstance(func, Name) else ""
        if "app" not in local.lower():
            continue
        name = names.qualified_name(func)
        if name and name.split(".", 1)[0] not in _NOT_PROJECT:
            found[name] = found.get(name, False) or may_set_docs(call)
    return found


def _project_calls(
    function: FunctionNode,
    inference: TypeInference,
    knowledge: Knowledge,
    namer: Callable[[ast.expr, FunctionNode], str | None],
    direct: set[int] | None,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Callees that may be project functions (offloaded and library calls, and calls that
    run once per process, are left out), those of them every call passes constant or
    module-level arguments, the others every call passes such arguments or the function's
    own parameters, and those some call of which is iterated on the spot. ``direct``: the
    ids of the blocking calls found in ``function``; None when none were looked for (an
    async function), and a call of a blocking name that is not awaited is left out instead."""
    from fastlint.analysis.blocking_calls import blocking_entry

    once = off_path_nodes(function, inference.class_of(function))
    consumed = iterated_calls(function)
    found: dict[str, bool] = {}
    forwarded: dict[str, bool] = {}
    iterated: dict[str, None] = {}
    # Awaited, a call of a blocking name returns an awaitable: no blocking call (``blocking_calls_of``).
    awaited = {id(node.value) for node in local_nodes_of(function, Await)} if direct is None else set()
    for node in local_calls(function):
        if id(node) in once or (direct is not None and id(node) in direct):
            continue
        name = namer(node.func, function)
        if direct is None and name and id(node) not in awaited and blocking_entry(node, name, knowledge) is not None:
            continue
        if name and name.split(".", 1)[0] not in _NOT_PROJECT and name not in knowledge.offload_wrappers:
            constant, passed_on = argument_levels(node, function)
            found[name] = found.get(name, True) and constant
            forwarded[name] = forwarded.get(name, True) and passed_on
            if id(node) in consumed:
                iterated[name] = None
    return tuple(found), tuple(name for name, value in found.items() if value), tuple(name for name, value in forwarded.items() if value and not found[name]), tuple(iterated)


def _namer(inference: TypeInference, owner: str | None) -> Callable[[ast.expr, FunctionNode], str | None]:
    """``callee_name`` in the scope of a given function, for ``function_reach`` and
    ``argument_facts``, which ask it of the same calls: each answer is kept."""
    known: dict[tuple[ast.expr, FunctionNode], str | None] = {}

    def name(expr: ast.expr, scope_function: FunctionNode) -> str | None:
        key = (expr, scope_function)
        found = known.get(key, _UNASKED)
        if found is _UNASKED:
            found = known[key] = callee_name(expr, inference.scope(scope_function), inference, owner)
        return found  # type: ignore[return-value]

    return name


_UNASKED = object()


def callee_name(func: ast.expr, scope: Scope, inference: TypeInference, owner: str | None) -> str | None:
    """What a call calls, with ``self.method()`` resolved to the method of ``owner``."""
    if owner and isinstance(func, Attribute) and isinstance(func.value, Name) and func.value.id in ("self", "cls"):
        return f"{owner}.{func.attr}"
    return inference.callee(func, scope)


def _per_call_clients(function: FunctionNode, inference: TypeInference, knowledge: Knowledge) -> tuple[str, ...]:
    """HTTP clients built as a ``with`` item in ``function`` (so neither kept nor returned),
    not over a ``transport=`` made elsewhere: each call of the function builds a new pool."""
    scope = inference.scope(function)
    cached = _cache_hit_line(function, scope, inference.module_scope)
    once = once_nodes(function)
    found: dict[str, None] = {}
    for node in local_nodes_of(function, With, AsyncWith):
        if cached is not None and node.lineno > cached:
            continue
        for item in node.items:
            call = item.context_expr
            if not isinstance(call, Call) or id(call) in once or any(k.arg in ("transport", None) for k in call.keywords):
                continue
            name = inference.callee(call.func, scope)
            entry = knowledge.clients.get(name) if name else None
            if name and entry is not None and entry.code == "FL201":
                found[name] = None
    return tuple(found)


def _cache_hit_line(function: FunctionNode, scope: Scope, module: Scope) -> int | None:
    """The line of the first ``return`` of a value cached in a module-level container that
    the function also stores into (``try: return CACHE[key] except KeyError: ...``, then
    ``CACHE[key] = data``; ``if key in CACHE: return CACHE[key]``; ``hit = CACHE.get(key)``):
    what follows it runs once per key (and TTL), not on every call."""
    caches = {
        target.value.id
        for node in local_nodes_of(function, Assign)
        for target in node.targets
        if isinstance(target, Subscript) and isinstance(target.value, Name) and target.value.id in module.bindings
    }
    if not caches:
        return None
    hits = [node.lineno for node in local_nodes_of(function, Return) if _reads_cache(node.value, caches, scope)]
    return min(hits) if hits else None


def _reads_cache(value: ast.expr | None, caches: set[str], scope: Scope, depth: int = 0) -> bool:
    """Whether ``value`` reads one of the module-level ``caches`` (through a name bound to
    such a read, two levels deep). Not a closure of ``_cache_hit_line``: a function that
    calls itself through its closure is a reference cycle, which kept each file's tree
    alive (workers never run the cyclic collector)."""
    if isinstance(value, Subscript) and isinstance(value.value, Name):
        return value.value.id in caches
    if isinstance(value, Call) and isinstance(value.func, Attribute) and value.func.attr == "get":
        return isinstance(value.func.value, Name) and value.func.value.id in caches
    if isinstance(value, Name) and depth < 2:
        bindings = scope.bindings.get(value.id, [])
        return bool(bindings) and all(b.kind == "value" and _reads_cache(b.node, caches, scope, depth + 1) for b in bindings)  # type: ignore[arg-type]
    return False


def _runs_query(function: FunctionNode, inference: TypeInference) -> bool:
    """Reads without writing: a helper that also adds, deletes or commits is a write per
    item, which FL404 leaves alone (``update_file(id)`` reads the row it updates)."""
    calls = local_calls(function)
    for call in calls:
        if type(call.func) is Attribute and call.func.attr in WRITE_METHODS:
            return False
    scope = inference.scope(function)
    return any(read_query(call, scope, inference) for call in calls)


def _after_thread_start(call: Call, name: str, function: FunctionNode, inference: TypeInference) -> bool:
    """A wait of ``STARTUP_WAITS`` after ``function`` started a thread (``THREAD_STARTS``)."""
    if name not in STARTUP_WAITS:
        return False
    scope = inference.scope(function)
    return any(
        isinstance(node.func, Attribute) and node.func.attr == "start"
        and (node.lineno, node.col_offset) < (call.lineno, call.col_offset) and inference.callee(node.func, scope) in THREAD_STARTS
        for node in local_calls(function)
    )


def _decorator_name(decorator: ast.expr, names: NameTable) -> str | None:
    return names.qualified_name(decorator.func if isinstance(decorator, Call) else decorator)


def _may_register(names: NameTable) -> bool:
    """Only a module that imports FastAPI or Starlette (or an event-loop runner) can give
    roles to functions, so the others skip building the model."""
    return any(target.split(".", 1)[0] in _REGISTERING for target in names.imports.values())


def _module_assignments(tree: Module) -> Iterator[tuple[list[Name], ast.expr]]:
    """Module-level ``a = b = value`` and ``a: T = value``: the names bound and the value."""
    for node in module_statements(tree):
        if isinstance(node, (Assign, AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, Assign) else [node.target]
            yield [t for t in targets if isinstance(t, Name)], node.value


def _aliases(tree: Module, inference: TypeInference) -> dict[str, str]:
    """Module-level type aliases written as subscripts (``Annotated[...]``, ``Optional[...]``)."""
    found: dict[str, str] = {}
    for targets, value in _module_assignments(tree):
        aliased = inference.annotation_type(value) if isinstance(value, Subscript) and len(targets) == 1 else None
        if aliased:
            found[targets[0].id] = aliased
    return found


def _instances(tree: Module, inference: TypeInference) -> dict[str, str]:
    """``geo = GeoClient()``, ``http = requests.Session()``, ``UPLOADS = BASE / "uploads"``:
    module-level objects and their types, or the instance of another module they derive from."""
    found: dict[str, str] = {}
    for targets, value in _module_assignments(tree):
        for target in targets:
            type_name = inference.type_of(target, inference.module_scope) if isinstance(value, (Call, BinOp)) else None
            known = type_name or (_derived_instance(value, inference) if len(targets) == 1 else None)
            if known:
                found[target.id] = known
    return found


def _derived_instance(value: ast.expr, inference: TypeInference) -> str | None:
    """``X = imported`` or ``X = imported / "sub" / "dir"``: the instance of another module
    it comes from, resolved by the index (``@app.config.DATA_DIR/``)."""
    divided = False
    while isinstance(value, BinOp) and isinstance(value.op, Div):
        value, divided = value.left, True
    names = inference.names
    if not isinstance(value, (Name, Attribute)) or inference.type_of(value, inference.module_scope):
        return None
    if isinstance(value, Name) and value.id not in names.imports:
        # Another constant of this module, itself derived (``ARCHIVE = UPLOADS``).
        return DERIVED + f"{names.module}.{value.id}" + (DIVIDED if divided else "") if value.id in names.assigned else None
    source = names.qualified_name(value)
    if source is None or source.split(".", 1)[0] in _NOT_PROJECT:
        return None
    return DERIVED + source + (DIVIDED if divided else "")
