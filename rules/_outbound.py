"""Outbound HTTP requests as the resilience rules see them (FL301, FL302).

Which HTTP method a call sends, where the value of an argument comes from, and which
requests are made through a client object created at a given place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fastlint import FunctionNode, ModuleContext, Scope, keyword, string_value, walk_local
from fastlint.knowledge.resilience import HTTP_SENDERS

_VERBS = {"get", "post", "put", "patch", "delete", "head", "options"}


@dataclass(frozen=True)
class HttpRequest:
    call: ast.Call
    method: str  # upper case: "POST"
    callee: str
    url: ast.expr | None


def callee_of(ctx: ModuleContext, func: ast.expr, scope: Scope) -> str | None:
    """What a call calls, through the project index for names defined in other modules
    (``from app.clients import session``: ``session.get`` is ``requests.Session.get``)."""
    name = ctx.inference.callee(func, scope)
    if name and ctx.project is not None:
        return ctx.project.resolve(name) or name
    return name


def http_request(ctx: ModuleContext, call: ast.Call, scope: Scope) -> HttpRequest | None:
    """The request ``call`` sends, when its receiver is a known HTTP client and its method is known."""
    callee = callee_of(ctx, call.func, scope)
    if not callee:
        return None
    sender, _, verb = callee.rpartition(".")
    if sender not in HTTP_SENDERS:
        return None
    if verb in _VERBS:
        return HttpRequest(call, verb.upper(), callee, call.args[0] if call.args else keyword(call, "url"))
    if verb in ("request", "urlopen"):
        method = string_value(call.args[0] if call.args else keyword(call, "method"))
        if method:
            url = call.args[1] if len(call.args) > 1 else keyword(call, "url")
            return HttpRequest(call, method.upper(), callee, url)
    return None


def value_of(node: ast.expr, scope: Scope, module_scope: Scope) -> ast.expr:
    """The expression a name was assigned once (``timeout = ClientTimeout()``), or the node itself."""
    if isinstance(node, ast.Name):
        bindings = scope.bindings.get(node.id) or module_scope.bindings.get(node.id) or []
        if len(bindings) == 1 and bindings[0].kind == "value" and isinstance(bindings[0].node, ast.expr):
            return bindings[0].node
    return node


def calls_through(ctx: ModuleContext, construction: ast.Call, owner: FunctionNode | ast.Module) -> list[ast.Call] | None:
    """The method calls made on the object ``construction`` builds, or None when it escapes.

    The object must be bound to one name (``x = Client()``, ``with Client() as x``) and
    every later use of that name must be a method call on it: passed on, returned or
    stored elsewhere, it reaches code that this module does not show.
    """
    parents = {id(child): parent for parent in ast.walk(owner) for child in ast.iter_child_nodes(parent)}
    name = _bound_name(construction, owner)
    if name is None:
        # ``aiohttp.ClientSession().get(url, timeout=5)``: one call on an object never named.
        attribute = parents.get(id(construction))
        call = parents.get(id(attribute)) if isinstance(attribute, ast.Attribute) else None
        return [call] if isinstance(call, ast.Call) and call.func is attribute else None
    calls: list[ast.Call] = []
    for node in ast.walk(owner):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        attribute = parents.get(id(node))
        call = parents.get(id(attribute)) if isinstance(attribute, ast.Attribute) else None
        if not (isinstance(call, ast.Call) and call.func is attribute):
            return None
        calls.append(call)
    return calls


def _bound_name(construction: ast.Call, owner: ast.AST) -> str | None:
    nodes = walk_local(owner) if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else ast.walk(owner)
    found: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Assign) and node.value is construction and len(node.targets) == 1:
            target = node.targets[0]
            found += [target.id] if isinstance(target, ast.Name) else ["<escapes>"]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.context_expr is construction and isinstance(item.optional_vars, ast.Name):
                    found.append(item.optional_vars.id)
    return found[0] if len(found) == 1 and found[0] != "<escapes>" else None
