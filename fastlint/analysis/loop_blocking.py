"""The blocking calls of a module that run on the event loop, for FL101-FL106 to report."""

from __future__ import annotations

import ast
from ast import AsyncFunctionDef, Call
from dataclasses import dataclass

from fastlint.analysis.blocking_calls import ITERATION, blocking_calls_of, nested_calls
from fastlint.analysis.context import ModuleContext
from fastlint.analysis.names import dotted_text
from fastlint.analysis.syntax import FunctionNode
from fastlint.knowledge.blocking import BlockingCall


@dataclass(frozen=True)
class BlockingSite:
    call: Call
    function: AsyncFunctionDef
    entry: BlockingCall
    name: str
    nested: str | None = None  # the nested ``def`` the call is in, which ``function`` calls
    served: bool = True  # False: the whole project serves something, and none of it reaches ``function``


def find_blocking_calls(ctx: ModuleContext) -> list[BlockingSite]:
    sites = []
    for function in ctx.async_functions:
        if not ctx.runs_on_loop(function):
            continue
        bodies: list[FunctionNode] = [function, *nested_calls(function)]
        found = [
            (call, entry, name, body.name if body is not function else None)
            for body in bodies
            for call, entry, name in blocking_calls_of(body, ctx.inference, ctx.knowledge)
        ]
        if found and not ctx.reached_only_once(function):
            served = not ctx.unserved(function)
            sites += [BlockingSite(call, function, entry, name, nested, served) for call, entry, name, nested in found]
    return sites


def describe_call(ctx: ModuleContext, func: ast.expr, qualified: str) -> str:
    """```send` (`requests.post`)`` when the code's spelling hides what is called."""
    written = dotted_text(func)
    if qualified.endswith(ITERATION):  # ``for line in f``: see ``blocking_calls._file_iterations``
        return f"iterating `{written or '...'}` (`{qualified.removesuffix(ITERATION)}`)"
    if written is None or written == qualified:
        return f"`{qualified}`"
    return f"`{written}` (`{qualified}`)"
