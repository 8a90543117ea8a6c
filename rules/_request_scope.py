"""Where code runs once per request, and which objects it builds there (FL201-FL203).

Request-scoped code is what ``ctx.model`` marks as route handlers, dependencies
(``yield`` dependencies included: they run once per request too), middleware and
exception handlers. Lifespan and startup code, module scope and background tasks build
their objects once, and so does code that ``fastlint.analysis.once`` finds runs once per
process: a function cached with ``functools.lru_cache``/``cache`` that takes no argument
(one keyed on its arguments is keyed on request data when FastAPI calls it), and lazy
initialisation (``if _client is None: _client = ...``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastlint import (
    Applicability,
    Finding,
    Fix,
    FunctionNode,
    ModuleContext,
    Rule,
    cache_key,
    describe_call,
    dotted_text,
    local_calls,
    local_nodes_of,
    once_nodes,
    replace,
    unwrapped_with,
    walk_local,
)

from ._outbound import callee_of


@dataclass(frozen=True)
class Construction:
    call: ast.Call
    function: FunctionNode
    name: str  # qualified name of what is called


def request_scoped_functions(ctx: ModuleContext) -> list[FunctionNode]:
    return [
        function
        for function in ctx.model.roles
        if ctx.model.is_request_scoped(function) and cache_key(function, ctx.names) != "fixed"
    ]


def constructions(ctx: ModuleContext) -> list[Construction]:
    """Every call made directly in request-scoped code whose result is not kept for reuse."""
    return ctx.fact("request-scoped-calls", _find_constructions)


def _find_constructions(ctx: ModuleContext) -> list[Construction]:
    found: list[Construction] = []
    for function in request_scoped_functions(ctx):
        scope = ctx.inference.scope(function)
        kept = set(_kept_for_reuse(function)) | once_nodes(function, ctx.model.owners.get(function))
        for node in local_calls(function):
            if id(node) not in kept:
                name = callee_of(ctx, node.func, scope)
                if name:
                    found.append(Construction(node, function, name))
    return found


def _kept_for_reuse(function: FunctionNode) -> Iterator[int]:
    """Calls stored where later requests find them: a ``global`` name or ``app.state``.

    ``if _client is None: _client = httpx.Client()`` builds the client once, lazily.
    """
    shared = {
        name
        for node in local_nodes_of(function, ast.Global, ast.Nonlocal)
        for name in node.names
    }
    for node in local_nodes_of(function, ast.Assign):
        if isinstance(node.value, ast.Call):
            if any(_is_shared_target(target, shared) for target in node.targets):
                yield id(node.value)


def _is_shared_target(target: ast.expr, shared: set[str]) -> bool:
    if isinstance(target, ast.Name):
        return target.id in shared
    return ".app.state." in f".{dotted_text(target) or ''}"


def per_request_advice(kind: str) -> str:
    return f"create the {kind} once in `lifespan`, keep it on `app.state` and hand it out through a dependency"


class PerRequestClientRule(Rule):
    """Shared check of FL201 and FL202: each reports the constructors of its own code."""

    def why(self, ctx: ModuleContext, site: Construction) -> str | None:
        """What the message adds after the role, or None when this construction is fine."""
        return ""

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        sites = constructions(ctx)
        # ``boto3.Session().client("s3")``: the client stands for the session it is made from.
        inner = {
            id(site.call.func.value)
            for site in sites
            if isinstance(site.call.func, ast.Attribute) and site.name in ctx.knowledge.clients
        }
        for site in sites:
            entry = ctx.knowledge.clients.get(site.name)
            if entry is None or entry.code != self.code or id(site.call) in inner:
                continue
            why = self.why(ctx, site)
            if why is None:
                continue
            message = (
                f"{describe_call(ctx, site.call.func, site.name)} creates a new {entry.kind} per request "
                f"in {ctx.model.describe(site.function)}{why}; {per_request_advice(entry.kind)}"
            )
            fix = shared_object_suggestion(ctx, site, entry.kind)
            yield ctx.finding(self.code, site.call.func, message, fix_title=f"Create the {entry.kind} in `lifespan`", fix=fix)


def shared_object_suggestion(ctx: ModuleContext, site: Construction, kind: str) -> Fix | None:
    """The corrected pattern, display-only: the object read from ``request.app.state``
    (where ``lifespan`` put it) instead of built here. ``with X() as x:`` becomes
    ``x = request.app.state.x`` with its block one level out (the shared object must not
    be closed per request); ``x = X()`` becomes ``x = request.app.state.x``. Never applied:
    the lifespan that creates it and a ``Request`` parameter are to be written by hand."""
    call = site.call
    for node in walk_local(site.function):
        if isinstance(node, (ast.With, ast.AsyncWith)) and len(node.items) == 1 and node.items[0].context_expr is call:
            target = node.items[0].optional_vars
            if not isinstance(target, ast.Name):
                return None
            line = f"{target.id} = request.app.state.{target.id}"
            edit = unwrapped_with(ctx, node, f"{line}  # created once in lifespan")
            break
        if isinstance(node, ast.Assign) and node.value is call and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            line = f"{node.targets[0].id} = request.app.state.{node.targets[0].id}"
            edit = replace(ctx, call, f"request.app.state.{node.targets[0].id}")
            break
    else:
        attribute = re.sub(r"\W+", "_", kind.lower()).strip("_")
        line = f"request.app.state.{attribute}"
        edit = replace(ctx, call, line)
    if edit is None:
        return None
    message = f"Use one {kind} created in `lifespan` and kept on `app.state`: `{line}` (and do not close it per request)"
    return Fix((edit,), Applicability.DISPLAY_ONLY, message)
