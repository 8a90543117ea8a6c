"""Code that runs only when no event loop runs in the thread: the sync branch of a
dual-mode function.

A function that serves both sync and async callers (prefect's ``drain_all``, "returns an
awaitable if called from an async context") asks whether a loop runs and, when one does,
returns an awaitable instead of waiting::

    if get_running_loop() is not None:
        return asyncio.wait(futures)
    return concurrent.futures.wait(futures)  # only without a loop

Called from a coroutine, it never reaches the blocking wait. Recognised tests: a call of
``get_running_loop`` or ``_get_running_loop`` (``asyncio``'s, or a project helper that
returns None without a loop), directly or through a name assigned from one, truthy or
compared with None; and ``try: asyncio.get_running_loop()`` whose ``except RuntimeError``
handler is the loop-free branch. The analysed code is never run: these are syntactic
facts about one function.
"""

from __future__ import annotations

import ast
from ast import Assign, Attribute, Call, Compare, Is, IsNot, Name, Not, Try, Tuple, UnaryOp
from collections.abc import Callable

from fastlint.analysis.syntax import FunctionNode, is_none, local_calls, mark_guarded, mark_statements, walk_local

_LOOP_CHECKS = frozenset({"get_running_loop", "_get_running_loop"})


def loop_free_nodes(function: FunctionNode) -> frozenset[int]:
    """The ids of the nodes of ``function`` that run only without a running event loop."""
    cached: frozenset[int] | None = function.__dict__.get("_fastlint_loop_free")
    if cached is None:
        found: set[int] = set()
        if any(_is_loop_check(node) for node in local_calls(function)):
            loops = {
                target.id
                for node in walk_local(function)
                if isinstance(node, Assign) and isinstance(node.value, Call) and _is_loop_check(node.value)
                for target in node.targets
                if isinstance(target, Name)
            }
            guards, also = _marker(loops, found)
            mark_guarded(function.body, guards, found, also)
        cached = frozenset(found)
        function._fastlint_loop_free = cached  # type: ignore[union-attr]
    return cached


def _marker(loops: set[str], found: set[int]) -> tuple[Callable[[ast.expr], bool | None], Callable[[ast.stmt], None]]:
    """For ``mark_guarded``: an ``if`` needs no loop in its body when its test holds only
    without one, in its ``else`` when only with one; ``except RuntimeError`` after
    ``try: asyncio.get_running_loop()`` runs only without one."""

    def guards(test: ast.expr) -> bool | None:
        running = _loop_running(test, loops)
        return None if running is None else not running

    def also(statement: ast.stmt) -> None:
        if isinstance(statement, Try) and _checks_loop(statement.body):
            for handler in statement.handlers:
                if _catches_runtime_error(handler.type):
                    mark_statements(handler.body, found)

    return guards, also


def _loop_running(test: ast.expr, loops: set[str]) -> bool | None:
    """True when ``test`` holds only with a running loop, False only without one."""
    if isinstance(test, UnaryOp) and isinstance(test.op, Not):
        inner = _loop_running(test.operand, loops)
        return None if inner is None else not inner
    if isinstance(test, Compare) and len(test.ops) == 1 and is_none(test.comparators[0]) and _is_loop(test.left, loops):
        if isinstance(test.ops[0], IsNot):
            return True
        if isinstance(test.ops[0], Is):
            return False
        return None
    return True if _is_loop(test, loops) else None


def _is_loop(node: ast.expr, loops: set[str]) -> bool:
    return (isinstance(node, Call) and _is_loop_check(node)) or (isinstance(node, Name) and node.id in loops)


def _is_loop_check(call: Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, Attribute) else func.id if isinstance(func, Name) else None
    return name in _LOOP_CHECKS and not call.args and not call.keywords


def _checks_loop(body: list[ast.stmt]) -> bool:
    return any(isinstance(node, Call) and _is_loop_check(node) for statement in body for node in ast.walk(statement))


def _catches_runtime_error(node: ast.expr | None) -> bool:
    names = node.elts if isinstance(node, Tuple) else [node]
    return any(
        isinstance(name, (Name, Attribute)) and (name.id if isinstance(name, Name) else name.attr) == "RuntimeError" for name in names
    )


