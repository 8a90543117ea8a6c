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
    holders = []
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


def _engine_names(ctx: ModuleContext) -> set[str]:
    return {
        target.id
        for node in ctx.tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and (ctx.names.qualified_name(node.value.func) or "").endswith("create_engine")
        for target in node.targets
        if isinstance(target, ast.Name)
    }
