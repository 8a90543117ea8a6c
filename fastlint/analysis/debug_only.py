"""Code that runs only when a debug or dump switch is on.

Services keep local-development captures next to the code they observe: a function that
writes a JSON packet for offline replay, but returns at once unless an environment
variable names a directory for it (skyvern's ``COPILOT_DUMP_FRONTIER_PROVENANCE``)::

    def write_packet(kind, payload):
        root = os.getenv("COPILOT_DUMP_FRONTIER_PROVENANCE")
        if not root:
            return
        Path(root, f"{kind}.json").write_text(json.dumps(payload))  # only while debugging

A production worker never runs the write, so it is neither a blocking call of the function
nor followed by chains. A switch is a value whose name says so, in words of its
identifier or its environment variable: ``debug`` or ``dump`` (``os.getenv("APP_DEBUG")``,
``settings.DEBUG``, ``dump_dir = os.environ.get(DUMP_ENV)``, ``frontier_dump_root()``).
Recognised tests: the switch itself, in an ``and`` (the body is debug-only), or negated
or compared with None before a ``return`` or ``raise`` (``if not root: return``, also in
an ``or``): what follows is debug-only. An environment variable with another name (a
feature flag, a storage directory) is configuration that production may well turn on:
its code is checked. The analysed code is never run: these are syntactic facts about one
function.
"""

from __future__ import annotations

import ast
import re
from ast import And, Assign, Attribute, BoolOp, Call, Compare, Constant, If, In, Is, IsNot, Name, Not, Or, Subscript, UnaryOp

from fastlint.analysis.syntax import FunctionNode, is_none, local_nodes_of, mark_guarded

_SWITCH_WORDS = frozenset({"debug", "dump"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_ENV_READS = frozenset({"getenv", "get"})


def debug_only_nodes(function: FunctionNode) -> frozenset[int]:
    """The ids of the nodes of ``function`` that run only when a debug or dump switch is on."""
    cached: frozenset[int] | None = function.__dict__.get("_fastlint_debug_only")
    if cached is None:
        found: set[int] = set()
        switches = {
            target.id
            for node in local_nodes_of(function, Assign)
            if _is_switch(node.value, set())
            for target in node.targets
            if isinstance(target, Name)
        }
        if switches or any(_switch_on(node.test, switches) is not None for node in local_nodes_of(function, If)):
            mark_guarded(function.body, lambda test: _switch_on(test, switches), found)
        cached = frozenset(found)
        function._fastlint_debug_only = cached  # type: ignore[union-attr]
    return cached


def _switch_on(test: ast.expr, switches: set[str]) -> bool | None:
    """True when ``test`` holds only with a switch on, False when it holds whenever the
    switch is off (so its ``else``, or what follows its early ``return``, needs it on)."""
    if isinstance(test, BoolOp):
        parts = [_switch_on(value, switches) for value in test.values]
        if isinstance(test.op, And) and True in parts:
            return True
        if isinstance(test.op, Or) and False in parts:
            return False
        return None
    if isinstance(test, UnaryOp) and isinstance(test.op, Not):
        inner = _switch_on(test.operand, switches)
        return None if inner is None else not inner
    if (
        isinstance(test, Compare)
        and len(test.ops) == 1
        and is_none(test.comparators[0])
        and _is_switch(test.left, switches)
    ):
        return True if isinstance(test.ops[0], IsNot) else False if isinstance(test.ops[0], Is) else None
    return True if _is_switch(test, switches) else None


def _is_switch(node: ast.expr, switches: set[str]) -> bool:
    """A debug or dump switch: its environment variable, a name or attribute that says so,
    a call without arguments of a function that returns one (``frontier_dump_root()``), or
    a local name assigned from any of these."""
    if isinstance(node, Name):
        return node.id in switches or _says_debug(node.id, "debug")
    if isinstance(node, Attribute):
        return _says_debug(node.attr, "debug")
    if isinstance(node, Compare) and len(node.ops) == 1 and isinstance(node.ops[0], In):
        return _is_environ(node.comparators[0]) and _names_switch(node.left)  # ``"APP_DEBUG" in os.environ``
    if isinstance(node, Subscript):
        return _is_environ(node.value) and _names_switch(node.slice)
    if not isinstance(node, Call):
        return False
    func = node.func
    if isinstance(func, Attribute) and func.attr in _ENV_READS and node.args and (func.attr == "getenv" or _is_environ(func.value)):
        return _names_switch(node.args[0])  # ``os.getenv(NAME)``, ``os.environ.get(NAME, default)``
    if isinstance(func, Name) and func.id == "getenv" and node.args:
        return _names_switch(node.args[0])
    if node.args or node.keywords:
        return False
    # ``frontier_dump_root()``, ``settings.is_debug()``; not ``row.model_dump()``.
    return (isinstance(func, Name) and _says_debug(func.id, "debug", "dump")) or (isinstance(func, Attribute) and _says_debug(func.attr, "debug"))


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, Attribute) and node.attr == "environ") or (isinstance(node, Name) and node.id == "environ")


def _names_switch(key: ast.expr) -> bool:
    """An environment variable's name (a string, or the constant holding it) that says debug or dump."""
    if isinstance(key, Constant) and isinstance(key.value, str):
        return _says_debug(key.value, *_SWITCH_WORDS)
    if isinstance(key, Name):
        return _says_debug(key.id, *_SWITCH_WORDS)
    if isinstance(key, Attribute):
        return _says_debug(key.attr, *_SWITCH_WORDS)
    return False


def _says_debug(identifier: str, *words: str) -> bool:
    lowered = identifier.lower()  # every name of the tests and assignments is asked: split only a likely one
    return any(word in lowered for word in words) and any(word.lower() in words for word in _WORD.findall(identifier))
