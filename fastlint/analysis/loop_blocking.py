"""The blocking calls of a module that run on the event loop, for FL101-FL106 to report."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fastlint.analysis.blocking_calls import blocking_calls_in
from fastlint.analysis.context import ModuleContext
from fastlint.analysis.names import dotted_text
from fastlint.knowledge.blocking import BlockingCall


@dataclass(frozen=True)
class BlockingSite:
    call: ast.Call
    function: ast.AsyncFunctionDef
    entry: BlockingCall
    name: str


def find_blocking_calls(ctx: ModuleContext) -> list[BlockingSite]:
    return [
        BlockingSite(call, function, entry, name)
        for function in ctx.async_functions
        if ctx.runs_on_loop(function)
        for call, entry, name in blocking_calls_in(function, ctx.inference, ctx.knowledge)
    ]


def describe_call(ctx: ModuleContext, func: ast.expr, qualified: str) -> str:
    """```send` (`requests.post`)`` when the code's spelling hides what is called."""
    written = dotted_text(func)
    if written is None or written == qualified:
        return f"`{qualified}`"
    return f"`{written}` (`{qualified}`)"
