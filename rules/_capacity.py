"""What the capacity rules (FL6xx) share: the threadpool's size and the project's workers."""

from __future__ import annotations

import ast

from fastlint import DEFAULT_THREADPOOL, ModuleContext, RoleKind, walk_local

SESSION_CONSTRUCTORS = frozenset({"sqlalchemy.orm.Session", "sqlmodel.Session", "sqlmodel.orm.session.Session"})
SESSION_FACTORIES = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.scoped_session"})
_THREADPOOL_ROLES = {RoleKind.ROUTE, RoleKind.DEPENDENCY}


def threadpool_size(ctx: ModuleContext) -> tuple[int, str]:
    """The threadpool's size and where it comes from (AnyIO's default, or the code)."""
    found = ctx.project.capacity("threadpool") if ctx.project is not None else []
    if not found:
        return DEFAULT_THREADPOOL, "AnyIO's default"
    module, size = min(found, key=lambda item: item[1])
    return size, f"`total_tokens` set in `{module}`"


def workers(ctx: ModuleContext) -> tuple[int, str]:
    """The number of server processes and where it comes from (1 when the code never says)."""
    found = ctx.project.capacity("workers") if ctx.project is not None else []
    if not found:
        return 1, "one process: no `workers` found"
    module, count = max(found, key=lambda item: item[1])
    return count, f"`workers` in `{module}`"


def sync_session_holders(ctx: ModuleContext) -> list[str]:
    """The sync route handlers and dependencies of the module that open a sync session
    or connection (they run in the threadpool and hold it while they run)."""
    factories = {
        target.id
        for node in ctx.tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and ctx.names.qualified_name(node.value.func) in SESSION_FACTORIES
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    holders = _holders_elsewhere(ctx, factories)
    for function in ctx.tree.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        if not any(role.kind in _THREADPOOL_ROLES for role in ctx.model.roles_of(function)):
            continue
        for node in walk_local(function):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if ctx.names.qualified_name(func) in SESSION_CONSTRUCTORS or (isinstance(func, ast.Name) and func.id in factories):
                holders.append(function.name)
                break
            if isinstance(func, ast.Attribute) and func.attr in ("connect", "begin") and isinstance(func.value, ast.Name) and func.value.id in _engine_names(ctx):
                holders.append(function.name)
                break
    return holders


def _holders_elsewhere(ctx: ModuleContext, factories: set[str]) -> list[str]:
    """Sync dependencies of other modules that call this module's session factory
    (``deps.get_db`` calling ``database.SessionLocal()``), as the project index knows them."""
    project = ctx.project
    if project is None or not factories:
        return []
    targets = {f"{ctx.module}.{name}" for name in factories}
    holders = []
    for module in project.module_names():
        if module == ctx.module:
            continue
        roles = project.registered_roles(module)
        for local, given in roles.items():
            if not any(role.kind in _THREADPOOL_ROLES for role in given):
                continue
            found = project.function(f"{module}.{local}")
            if found is None or found[1].is_async:
                continue
            if any(call in targets for call in found[1].calls):
                holders.append(f"{module}.{local}")
    return holders


def _engine_names(ctx: ModuleContext) -> set[str]:
    return {
        target.id
        for node in ctx.tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and (ctx.names.qualified_name(node.value.func) or "").endswith("create_engine")
        for target in node.targets
        if isinstance(target, ast.Name)
    }


UPLOAD_TYPES = frozenset({"fastapi.UploadFile", "starlette.datastructures.UploadFile", "fastapi.datastructures.UploadFile"})
REQUEST_TYPES = frozenset({"fastapi.Request", "starlette.requests.Request"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
SEQUENCES = frozenset({"list", "builtins.list", "typing.List", "collections.abc.Sequence", "typing.Sequence"})


def annotation_kind(ctx: ModuleContext, annotation: ast.expr | None) -> str | None:
    """``upload``, ``uploads`` (a list of them), ``request``, or None."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Subscript):
        head = ctx.names.qualified_name(annotation.value) or (annotation.value.id if isinstance(annotation.value, ast.Name) else None)
        inner = annotation.slice.elts[0] if isinstance(annotation.slice, ast.Tuple) else annotation.slice
        if head in ANNOTATED:
            return annotation_kind(ctx, inner)
        if head in SEQUENCES and annotation_kind(ctx, inner) == "upload":
            return "uploads"
        return None
    if isinstance(annotation, ast.BinOp):  # ``UploadFile | None``
        return annotation_kind(ctx, annotation.left) or annotation_kind(ctx, annotation.right)
    name = ctx.names.qualified_name(annotation)
    if name in UPLOAD_TYPES:
        return "upload"
    if name in REQUEST_TYPES:
        return "request"
    return None


def request_functions(ctx: ModuleContext) -> list[ast.AsyncFunctionDef]:
    """The async route handlers and dependencies of the module: what runs per request."""
    return [
        function
        for function in ctx.async_functions
        if any(role.kind in _THREADPOOL_ROLES for role in ctx.model.roles_of(function))
    ]


def parameters(function: ast.AsyncFunctionDef | ast.FunctionDef) -> list[ast.arg]:
    args = function.args
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]
