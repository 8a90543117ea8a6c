"""Calls that run only when an optional argument is given.

A helper often takes a parameter that defaults to None and does its costly work only when
a caller gives it (litellm's ``get_instance_fn(value, config_file_path=None)`` raises
unless ``config_file_path`` is given, and only then loads code from remote storage). When
every call of the helper on a chain leaves that parameter out, the guarded work never runs
there, and FL107's chains do not go through it. A keyword read once from ``**kwargs`` that
is None when left out (``kwargs.get("custom_validate")``, ``kwargs.pop("path", None)``) is
such a parameter too.

Pass 1 records, per function, the parameters a caller fills by position, which of its calls
and blocking calls need a None-defaulted parameter to be given (``if p is None: raise`` or
``return`` before them, or inside ``if p:`` / ``if p is not None:``), and, per callee, what
its calls pass. The project index combines them along a chain (``ProjectIndex._links``).
The analysed code is never run: these are syntactic facts about one function.
"""

from __future__ import annotations

import ast
from ast import AST, AnnAssign, Assign, Attribute, Call, Compare, Constant, If, Is, IsNot, Name, Not, Raise, Return, Starred, UnaryOp
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from fastlint.analysis.syntax import FunctionNode, child_blocks, is_none, local_calls, local_nodes_of, store_counts

ANY_KEYWORD = "**"  # a call that passes ``**kwargs``: it may give any parameter
_MANY = 1_000  # positional arguments of a call that passes ``*args``


@dataclass(frozen=True)
class ArgumentFacts:
    params: tuple[str, ...]
    needs: tuple[tuple[str, str], ...]
    passes: tuple[tuple[str, int, tuple[str, ...]], ...]


def argument_facts(
    function: FunctionNode,
    is_method: bool,
    callee: Callable[[ast.expr, FunctionNode], str | None],
    blocking: Iterable[tuple[Call, str]],
) -> ArgumentFacts:
    arguments = function.args
    positional = [arg.arg for arg in (*arguments.posonlyargs, *arguments.args)]
    if is_method and not _is_static(function) and positional:
        positional = positional[1:]  # ``self`` or ``cls``: bound, never passed
    # A parameter the body assigns (``path = path or os.getenv(...)``) no longer says what the caller gave.
    defaulted = _none_defaulted(arguments)
    stores = store_counts(function) if defaulted or arguments.kwarg is not None else {}  # only they ask
    # Local name -> the parameter a caller gives: itself, or the keyword read once from ``**kwargs``.
    optional = {name: name for name in defaulted if name not in stores}
    if arguments.kwarg is not None:
        optional.update((local, key) for local, key in _keyword_reads(function, arguments.kwarg.arg).items() if stores.get(local) == 1)
    guards: dict[int, frozenset[str]] = {}
    if optional and local_nodes_of(function, If):  # only an ``if`` guards work on a parameter
        _scan(function.body, frozenset(), frozenset(optional), guards)
    needs: dict[str, set[str] | None] = {}
    passes: dict[str, tuple[int, set[str]]] = {}

    def note(name: str, call: Call) -> None:
        needed = frozenset(optional[local] for local in guards.get(id(call), ()))
        needs[name] = set(needed) if name not in needs else (needs[name] or set()) & needed

    for node in local_calls(function):
        name = callee(node.func, function)
        if not name:
            continue
        if guards:  # without a guard nothing is needed: ``needs`` stays empty
            note(name, node)
        count, keywords = call_arguments(node, optional)
        most, given = passes.get(name, (0, set()))
        passes[name] = (max(most, count), given | set(keywords))
    if guards:
        for call, name in blocking:
            note(name, call)
    return ArgumentFacts(
        tuple(positional),
        tuple((name, parameter) for name, needed in needs.items() for parameter in sorted(needed or ())),
        tuple((name, most, tuple(sorted(given))) for name, (most, given) in passes.items()),
    )


def unset_parameters(
    params: tuple[str, ...], needed: Iterable[str], passed: tuple[int, tuple[str, ...]] | None, unset: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The ``needed`` parameters that no call recorded in ``passed`` (most positional
    arguments, keywords) gives. A keyword that only passes on the caller's own parameter
    (``config_file_path=config_file_path``) gives nothing when that one is ``unset``."""
    if passed is None:
        return frozenset()
    most, keywords = passed
    if ANY_KEYWORD in keywords:
        return frozenset()
    given = {keyword.partition("=")[0] for keyword in keywords if "=" not in keyword or keyword.partition("=")[2] not in unset}
    return frozenset(name for name in needed if name not in given and not (name in params and params.index(name) < most))


def call_arguments(call: Call, optional: Mapping[str, str] | None = None) -> tuple[int, tuple[str, ...]]:
    """How many arguments ``call`` passes by position (``*args``: any number) and the
    keywords it passes (``**``: any; ``name=param`` when the value is one of the caller's
    ``optional`` parameters, by local name, passed on)."""
    count = len(call.args)
    for arg in call.args:
        if type(arg) is Starred:
            count = _MANY
            break
    return count, tuple([_keyword(keyword, optional or {}) for keyword in call.keywords]) if call.keywords else ()


def _keyword(keyword: ast.keyword, optional: Mapping[str, str]) -> str:
    """``name``, or ``name=param`` when the value is the function's own optional parameter."""
    if keyword.arg is None:
        return ANY_KEYWORD
    value = keyword.value
    return f"{keyword.arg}={optional[value.id]}" if isinstance(value, Name) and value.id in optional else keyword.arg


def _keyword_reads(function: FunctionNode, kwargs: str) -> dict[str, str]:
    """Locals bound to a keyword read from ``**kwargs`` that is None when the caller leaves
    it out: ``custom_validate = kwargs.get("custom_validate")``, ``kwargs.pop("path", None)``
    (litellm's ``LiteLLM_JWTAuth.__init__`` loads ``custom_validate`` only when given)."""
    found: dict[str, str] = {}
    for node in local_nodes_of(function, Assign, AnnAssign):
        target: ast.expr
        call: ast.expr | None
        if isinstance(node, Assign) and len(node.targets) == 1:
            target, call = node.targets[0], node.value
        elif isinstance(node, AnnAssign):  # ``custom_validate: Final = kwargs.get(...)``
            target, call = node.target, node.value
        else:
            continue
        if (
            isinstance(target, Name)
            and isinstance(call, Call)
            and isinstance(call.func, Attribute)
            and call.func.attr in ("get", "pop")
            and isinstance(call.func.value, Name)
            and call.func.value.id == kwargs
            and not call.keywords
            and call.args
            and isinstance(call.args[0], Constant)
            and isinstance(call.args[0].value, str)
            and (len(call.args) == 1 and call.func.attr == "get" or len(call.args) == 2 and is_none(call.args[1]))
        ):
            found[target.id] = call.args[0].value
    return found



def guarding_parameters(needs: tuple[tuple[str, str], ...], passes: tuple[tuple[str, int, tuple[str, ...]], ...]) -> frozenset[str]:
    """The None-defaulted parameters whose absence matters: those some work needs, and
    those passed on to a callee (``config_file_path=config_file_path``)."""
    forwarded = {keyword.partition("=")[2] for _, _, keywords in passes for keyword in keywords if "=" in keyword}
    return frozenset({parameter for _, parameter in needs} | forwarded)


def _is_static(function: FunctionNode) -> bool:
    return any(isinstance(d, Name) and d.id == "staticmethod" for d in function.decorator_list)


def _none_defaulted(arguments: ast.arguments) -> frozenset[str]:
    positional = [*arguments.posonlyargs, *arguments.args]
    pairs = [*zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults), *zip(arguments.kwonlyargs, arguments.kw_defaults)]
    return frozenset(arg.arg for arg, default in pairs if isinstance(default, Constant) and default.value is None)


def _scan(body: list[ast.stmt], needed: frozenset[str], optional: frozenset[str], guards: dict[int, frozenset[str]]) -> None:
    for statement in body:
        if isinstance(statement, If):
            given, missing = _tested(statement.test, optional)
            if missing and statement.body and isinstance(statement.body[-1], (Raise, Return)) and not statement.orelse:
                # ``if p is None: raise``: what follows runs only with ``p`` given
                _scan(statement.body, needed, optional, guards)
                needed = needed | {missing}
                continue
            _scan(statement.body, needed | ({given} if given else set()), optional, guards)
            _scan(statement.orelse, needed | ({missing} if missing else set()), optional, guards)
            _mark(statement.test, needed, guards)
            continue
        for block in child_blocks(statement):
            _scan(block, needed, optional, guards)
        if not needed:
            continue  # nothing to mark (``_mark``): no need to list the statement's parts
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.expr):
                _mark(child, needed, guards)
            elif isinstance(child, ast.withitem):
                _mark(child.context_expr, needed, guards)


def _mark(node: AST, needed: frozenset[str], guards: dict[int, frozenset[str]]) -> None:
    if not needed:
        return
    for inner in ast.walk(node):
        if isinstance(inner, Call):
            guards[id(inner)] = needed


def _tested(test: ast.expr, optional: frozenset[str]) -> tuple[str | None, str | None]:
    """(the parameter ``test`` holds only when given, the one it holds only when missing)."""
    if isinstance(test, Name) and test.id in optional:
        return test.id, None
    if isinstance(test, UnaryOp) and isinstance(test.op, Not) and isinstance(test.operand, Name) and test.operand.id in optional:
        return None, test.operand.id
    if (
        isinstance(test, Compare)
        and len(test.ops) == 1
        and isinstance(test.left, Name)
        and test.left.id in optional
        and is_none(test.comparators[0])
    ):
        if isinstance(test.ops[0], IsNot):
            return test.left.id, None
        if isinstance(test.ops[0], Is):
            return None, test.left.id
    return None, None
