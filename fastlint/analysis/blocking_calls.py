"""The known blocking calls made directly in a function: pass 1 summarises them, FL101-FL106 report them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastlint.analysis.context import ModuleContext
from fastlint.analysis.inference import Scope, TypeInference
from fastlint.knowledge.blocking import BlockingCall
from fastlint.knowledge.tables import Knowledge
from fastlint.analysis.names import dotted_text, may_resolve_to
from fastlint.analysis.syntax import FunctionNode, local_calls, walk_local

# ``json.load(f)`` on a stream whose opening call (``open``, ``urlopen``) is reported already says nothing new.
_FILE_SERIALIZERS = {"json.load": 0, "pickle.load": 0, "json.dump": 1, "pickle.dump": 1}
_OPENERS = {"builtins.open", "io.open", "codecs.open", "pathlib.Path.open"}


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


def blocking_calls_in(function: FunctionNode, inference: TypeInference, knowledge: Knowledge) -> Iterator[tuple[ast.Call, BlockingCall, str]]:
    """The known blocking calls in ``function``'s own body (the project index uses it too)."""
    methods = knowledge.blocking_methods
    candidates = [node for node in local_calls(function) if may_resolve_to(node.func, inference.names, methods, knowledge.blocking)]
    if not candidates:
        return
    # ``await session.execute(...)`` returns an awaitable, so it is no sync call, whatever
    # the annotation says (``session: Session`` holding an ``AsyncSession``).
    awaited = {id(node.value) for node in walk_local(function) if isinstance(node, ast.Await)}
    candidates = [node for node in candidates if id(node) not in awaited]
    scope = inference.scope(function)
    for node in candidates:
        name = inference.callee(node.func, scope)
        entry = knowledge.blocking_call(name) if name else None
        if entry is None or _reads_reported_stream(inference, knowledge, node, name or "", scope):
            continue
        yield node, entry, name or entry.name


def _reads_reported_stream(inference: TypeInference, knowledge: Knowledge, call: ast.Call, name: str, scope: Scope) -> bool:
    """``json.load(f)`` where ``f`` came from a call reported already (``open``, ``urlopen``)."""
    position = _FILE_SERIALIZERS.get(name)
    if position is None or len(call.args) <= position:
        return False
    argument = call.args[position]
    if isinstance(argument, ast.Name):
        bindings = scope.bindings.get(argument.id, [])
        values = [binding.node for binding in bindings if binding.kind in ("value", "enter")]
        return bool(values) and len(values) == len(bindings) and all(_is_reported(inference, knowledge, value, scope) for value in values)
    return _is_reported(inference, knowledge, argument, scope)


def _is_reported(inference: TypeInference, knowledge: Knowledge, node: ast.AST | None, scope: Scope) -> bool:
    if not isinstance(node, ast.Call):
        return False
    callee = inference.callee(node.func, scope)
    return callee is not None and (callee in _OPENERS or knowledge.blocking_call(callee) is not None)


def describe_call(ctx: ModuleContext, func: ast.expr, qualified: str) -> str:
    """```send` (`requests.post`)`` when the code's spelling hides what is called."""
    written = dotted_text(func)
    if written is None or written == qualified:
        return f"`{qualified}`"
    return f"`{written}` (`{qualified}`)"
