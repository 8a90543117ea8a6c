"""Where code is retried, by what policy, and whether that policy is bounded (FL302, FL303).

A retry site is a decorated function (``@tenacity.retry``, ``@backoff.on_exception``,
``@stamina.retry``) or the body of a retry loop (``for attempt in Retrying(...)``,
``for attempt in stamina.retry_context(...)``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastlint import FunctionNode, ModuleContext, keyword, local_nodes_of, nodes_of, walk_local
from fastlint.knowledge.resilience import EXCEPTION_CONDITIONS, PRE_SEND_EXCEPTIONS, RESULT_CONDITIONS, STATUS_EXCEPTIONS, RetryPolicy


@dataclass(frozen=True)
class RetrySite:
    policy: RetryPolicy
    node: ast.expr  # the decorator or the loop's iterable, as written
    call: ast.Call | None  # the policy's call, when it has arguments
    body: ast.AST  # the function or loop whose code is retried
    owner: FunctionNode | ast.Module  # whose scope names in ``body`` belong to


def retry_sites(ctx: ModuleContext) -> list[RetrySite]:
    return ctx.fact("retry-sites", _find_retry_sites)


def _find_retry_sites(ctx: ModuleContext) -> list[RetrySite]:
    sites: list[RetrySite] = []
    owners: list[FunctionNode | ast.Module] = [ctx.tree]
    owners += nodes_of(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef)
    for owner in owners:
        if not isinstance(owner, ast.Module):
            for decorator in owner.decorator_list:
                policy = _policy(ctx, decorator)
                if policy is not None:
                    sites.append(RetrySite(policy, decorator, _as_call(decorator), owner, owner))
        for node in local_nodes_of(owner, ast.For, ast.AsyncFor):
            policy = _policy(ctx, node.iter)
            if policy is not None and policy.loop:
                sites.append(RetrySite(policy, node.iter, _as_call(node.iter), node, owner))
            else:
                retried = _hand_written_retry(ctx, node)
                if retried is not None:  # the ``try`` is what each attempt runs again
                    sites.append(RetrySite(HAND_WRITTEN, node.iter, None, retried, owner))
    return sites


# ``for attempt in range(3): try: ... except httpx.TransportError: continue``
HAND_WRITTEN = RetryPolicy("for ... in range(...)", "loop")
_NETWORK_LIBRARIES = ("httpx.", "requests.", "aiohttp.", "urllib3.")


def _hand_written_retry(ctx: ModuleContext, loop: ast.For | ast.AsyncFor) -> ast.Try | None:
    """A loop over ``range(...)`` whose body catches a network error (or any exception)
    around its work and goes on to the next attempt instead of leaving."""
    if not (isinstance(loop.iter, ast.Call) and ctx.names.qualified_name(loop.iter.func) == "builtins.range"):
        return None
    if len(loop.iter.args) > 2 or any(isinstance(n, ast.Call) for arg in loop.iter.args for n in ast.walk(arg)):
        return None  # ``range(0, len(urls), 20)``: batches, each pass doing other work
    counter = loop.target.id if isinstance(loop.target, ast.Name) else None
    derived = {counter} | {
        target.id
        for statement in loop.body
        for node in (statement, *walk_local(statement))
        if isinstance(node, ast.Assign) and counter is not None and _uses([ast.Expr(node.value)], counter)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for statement in loop.body:
        for node in (statement, *walk_local(statement)):
            if (
                isinstance(node, ast.Try)
                and not any(_uses(node.body, name) for name in derived)  # ``items[i]``: each pass does other work
                and any(_retries_after(ctx, handler) for handler in node.handlers)
            ):
                return node
    return None


def _uses(body: list[ast.stmt], name: str | None) -> bool:
    return name is None or any(isinstance(node, ast.Name) and node.id == name for statement in body for node in ast.walk(statement))


def _retries_after(ctx: ModuleContext, handler: ast.ExceptHandler) -> bool:
    if any(isinstance(statement, (ast.Raise, ast.Return, ast.Break)) for statement in handler.body):
        return False  # leaves the loop on this error: no retry
    types = list(_elements(handler.type)) if handler.type is not None else []
    names = [ctx.names.qualified_name(node) or "" for node in types]
    if handler.type is None or any(name in ("builtins.Exception", "builtins.BaseException") for name in names):
        return True
    sent = [name for name in names if name.startswith(_NETWORK_LIBRARIES)]
    return any(name not in PRE_SEND_EXCEPTIONS and name not in STATUS_EXCEPTIONS for name in sent)


def _policy(ctx: ModuleContext, node: ast.expr) -> RetryPolicy | None:
    target = node.func if isinstance(node, ast.Call) else node
    name = ctx.names.qualified_name(target)
    return ctx.knowledge.retry_policies.get(name) if name else None


def _as_call(node: ast.expr) -> ast.Call | None:
    return node if isinstance(node, ast.Call) else None


def unbounded(site: RetrySite) -> list[str] | None:
    """How each bound is missing (``no `stop```, ```attempts=None```), or None when bounded or unknown."""
    if not site.policy.bounds:
        return None
    call = site.call
    if call is not None and any(item.arg is None for item in call.keywords):
        return None  # ``**options`` may carry the bound
    missing: list[str] = []
    for name, bounded_by_default in site.policy.bounds.items():
        value = keyword(call, name) if call is not None else None
        if value is None:
            if bounded_by_default:
                return None
            missing.append(f"no `{name}`")
        elif isinstance(value, ast.Constant) and value.value is None:
            missing.append(f"`{name}=None`")
        else:
            return None
    return missing


def retries_only_before_sending(ctx: ModuleContext, site: RetrySite) -> bool:
    """True when the policy retries only errors raised before the request leaves
    (``ConnectError``), or only on what the server answered: a result (a status code), the
    error ``raise_for_status()`` raises (``requests.HTTPError``, ``httpx.HTTPStatusError``),
    or an exception class of this module that the code raises itself after a response."""
    call, policy = site.call, site.policy
    if call is None or policy.condition is None:
        return False
    condition = keyword(call, policy.condition)
    if condition is None and policy.condition_position is not None and len(call.args) > policy.condition_position:
        condition = call.args[policy.condition_position]
    if condition is None:
        return False
    if policy.library == "tenacity":
        if isinstance(condition, ast.Call) and ctx.names.qualified_name(condition.func) in RESULT_CONDITIONS:
            return True
        if not (isinstance(condition, ast.Call) and ctx.names.qualified_name(condition.func) in EXCEPTION_CONDITIONS):
            return False
        types: list[ast.expr | None] = [*condition.args] or [keyword(condition, "exception_types")]
    else:
        types = [condition]
    names = [element for node in types if node is not None for element in _elements(node)]
    return bool(names) and all(
        ctx.names.qualified_name(name) in PRE_SEND_EXCEPTIONS | STATUS_EXCEPTIONS or _own_error(ctx, name) for name in names
    )


# Bases of a module's own error class that no HTTP client raises on a timeout.
_PLAIN_BASES = frozenset({"Exception", "ValueError", "RuntimeError", "LookupError"})


def _own_error(ctx: ModuleContext, node: ast.expr) -> bool:
    """An exception class of this module, raised by its own code (after a status check),
    never by a client: ``class FileIoException(Exception)``."""
    if not isinstance(node, ast.Name):
        return False
    definition = ctx.names.definitions.get(node.id)
    if not isinstance(definition, ast.ClassDef):
        return False
    return all(isinstance(base, ast.Name) and (base.id in _PLAIN_BASES or _own_error(ctx, base)) for base in definition.bases)


def _elements(node: ast.expr) -> Iterator[ast.expr]:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        yield from node.elts
    else:
        yield node
