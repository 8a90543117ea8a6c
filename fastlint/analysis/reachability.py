"""Which functions serving reaches, and which only startup reaches.

Pass 1 writes down, per function, what it may run besides the calls that chains follow
(``FunctionSummary.calls``): the calls of nested functions it calls; what it passes on
(functions passed by reference, ``run_in_threadpool(search_web, ...)``, coroutines it
starts as tasks, ``asyncio.create_task(listen())``, nested functions and lambdas it does
not call itself); and the names of methods it calls on objects of unknown type. Per module it notes the entry points: functions FastAPI runs per
request (routes, dependencies, middleware, exception handlers, websockets, background
tasks), and code that runs once (lifespan, startup and shutdown hooks, ``asyncio.run``
targets, CLI commands, calls made at import or under ``if __name__ == "__main__"``).

The project index then walks the call graph from both kinds of entry points
(``Reachability``), with the functions a function's decorators are given
(``@async_dispatch(anotify)``) as its calls: a function reached from a served entry point is served; one reached
only from once-only code is once-only, and the rules leave its blocking calls alone
(startup code runs once, before or beside serving). What once-only code passes on (a
listener the lifespan starts as a task, a callback it registers) runs while the app
serves, so it counts as served. Code
reached from neither (dynamic dispatch the graph does not see, a library's public API)
is reported as before: the walk only ever removes findings it can explain.
"""

from __future__ import annotations

import ast
from ast import AST, AnnAssign, Assign, AsyncFunctionDef, Attribute, Call, ClassDef, FunctionDef, Lambda, Load, Module, Name, Starred, Subscript
from collections import deque
from collections.abc import Callable, Iterable, Mapping

from fastlint.analysis.fastapi_model import FastAPIModel, RoleKind
from fastlint.analysis.syntax import FunctionNode, calls_breadth_first, local_calls, local_nodes_of, module_statements

SERVED, ONCE = "served", "once"
# Roles whose code runs once (or per CLI invocation), not per request.
_ONCE_ROLES = frozenset({RoleKind.LIFESPAN, RoleKind.STARTUP, RoleKind.SHUTDOWN, RoleKind.ENTRYPOINT})
# Calls that start their argument as a task or thread: it runs on after the caller returns.
_SPAWNERS = frozenset({"create_task", "ensure_future", "start_soon", "run_coroutine_threadsafe", "Thread", "Process"})
# Methods that put a value into a container: a decorator calling one on a module-level
# registry with the function it is given registers that function.
_STORES = frozenset({"append", "appendleft", "add", "insert", "extend", "setdefault", "update"})
# CLI frameworks' command decorators (``@app.command()``, ``@click.command()``).
_CLI_DECORATORS = frozenset({"command", "group"})


def function_reach(
    function: FunctionNode, callee: Callable[[ast.expr, FunctionNode], str | None]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What ``function`` may run besides its direct calls: (runs, passes on, unknown
    methods). ``callee(expr, scope_function)`` names what an expression denotes.

    It runs the calls of the nested functions it calls by name. What it passes on may run
    at any later time, in any context: functions passed by reference
    (``run_in_threadpool(search_web)``, ``on_event(handler)``), coroutines started as
    tasks, the calls of nested functions and lambdas it does not call itself (a callback,
    a route registered at startup)."""
    runs: dict[str, None] = {}
    passed: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for given in _decorator_arguments(function, callee):
        runs[given] = None
    bodies: list[tuple[AST, bool]] = [(function, True)]
    index = 0
    while index < len(bodies):
        body, direct = bodies[index]
        index += 1
        scope_function = body if isinstance(body, (FunctionDef, AsyncFunctionDef)) else function
        calls = local_calls(body)
        nested = local_nodes_of(body, FunctionDef, AsyncFunctionDef, Lambda)
        if nested:  # walked after this body, in the order they are defined
            called = {node.func.id for node in calls if type(node.func) is Name}
            bodies += [(node, type(node) is not Lambda and direct and node.name in called) for node in nested]
        for node in calls:
            name = callee(node.func, scope_function)
            if body is not function and name:
                (runs if direct else passed)[name] = None
            elif name is None and isinstance(node.func, Attribute):
                unknown[node.func.attr] = None
            spawner: bool | None = None  # asked only of a call given a call
            for argument in node.args + [k.value for k in node.keywords] if node.keywords else node.args:
                target = argument
                kind = type(argument)
                if kind is Call:
                    if spawner is None:
                        spawner = _spawner(node)
                    if spawner:
                        target = argument.func  # type: ignore[attr-defined]
                        kind = type(target)
                elif kind is Starred:
                    target = argument.value  # type: ignore[attr-defined]
                    kind = type(target)
                if kind is Name or kind is Attribute:
                    name = callee(target, scope_function)
                    if name:
                        passed[name] = None
    return tuple(runs), tuple(passed), tuple(unknown)


def _decorator_arguments(function: FunctionNode, callee: Callable[[ast.expr, FunctionNode], str | None]) -> Iterable[str]:
    """The functions a decorator of ``function`` is given (``@async_dispatch(anotify)``,
    ``@retry(before=log_attempt)``): the wrapper it returns runs them when ``function`` is
    called. In a class body a bare name may be a method of the class: both readings are
    kept, and the index drops the one that names no project function."""
    for decorator in function.decorator_list:
        if not isinstance(decorator, Call):
            continue
        for argument in [*decorator.args, *(k.value for k in decorator.keywords)]:
            if isinstance(argument, Name):
                sibling = Attribute(value=Name(id="self", ctx=Load()), attr=argument.id, ctx=Load())
                candidates: list[ast.expr] = [argument, sibling]
            elif isinstance(argument, Attribute):
                candidates = [argument]
            else:
                continue
            for candidate in candidates:
                name = callee(candidate, function)
                if name:
                    yield name


def module_level_names(tree: Module) -> set[str]:
    """The names module-level code binds (``_PERPETUAL_SERVICES: list = []``)."""
    found: set[str] = set()
    for statement in module_statements(tree):
        targets = statement.targets if isinstance(statement, Assign) else [statement.target] if isinstance(statement, AnnAssign) else []
        found.update(target.id for target in targets if isinstance(target, Name))
    return found


def stores_argument(function: FunctionNode, registries: set[str]) -> bool:
    """Whether ``function``, or a decorator it defines (a decorator factory's), puts a
    parameter into a module-level container (``registries``): ``_SERVICES.append(Config(fn))``,
    ``HANDLERS[name] = fn``. What it decorates then runs wherever the registry is used."""
    bodies: list[FunctionNode] = [function]
    while bodies:
        body = bodies.pop()
        bodies += local_nodes_of(body, FunctionDef, AsyncFunctionDef)
        params = {arg.arg for arg in (*body.args.posonlyargs, *body.args.args, *body.args.kwonlyargs)}
        for node in [*local_calls(body), *local_nodes_of(body, Assign)]:  # any order: one is enough
            if isinstance(node, Call) and isinstance(node.func, Attribute) and node.func.attr in _STORES:
                container, values = node.func.value, [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, Assign) and len(node.targets) == 1 and isinstance(node.targets[0], Subscript):
                container, values = node.targets[0].value, [node.value]
            else:
                continue
            if isinstance(container, Name) and container.id in registries and container.id not in params:
                if any(isinstance(name, Name) and name.id in params for value in values for name in ast.walk(value)):
                    return True
    return False


def _spawner(call: Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, Attribute) else func.id if isinstance(func, Name) else None
    return name in _SPAWNERS


def entry_points(
    tree: Module, model: FastAPIModel | None, local_name: Mapping[FunctionNode, str], callee: Callable[[ast.expr], str | None]
) -> tuple[tuple[str, str], ...]:
    """(``served`` | ``once``, name) for this module's entry points: its own functions
    (``local_name`` gives their qualified names; a nested function with a role lends it to
    the function that defines it),
    and the callees of code that runs at import or under ``if __name__ == "__main__"``."""
    found: dict[tuple[str, str], None] = {}
    tops = sorted(local_name.items(), key=lambda item: item[0].lineno)

    def top_of(function: FunctionNode) -> str | None:
        if function in local_name:
            return local_name[function]
        enclosing = [name for node, name in tops if node.lineno <= function.lineno <= (node.end_lineno or node.lineno)]
        return enclosing[-1] if enclosing else None

    if model is not None:
        for function, roles in model.roles.items():
            local = top_of(function)
            if local is None:
                continue
            served = any(role.kind not in _ONCE_ROLES for role in roles)
            found[(SERVED if served else ONCE, local)] = None
    for function, local in local_name.items():
        if any(_is_cli_decorator(decorator) for decorator in function.decorator_list):
            found[(ONCE, local)] = None
    for statement in module_statements(tree):
        if isinstance(statement, (FunctionDef, AsyncFunctionDef, ClassDef)):
            continue
        for node in calls_breadth_first(statement):
            name = callee(node.func)
            if name:
                found[(ONCE, name)] = None
    return tuple(found)


def _is_cli_decorator(decorator: ast.expr) -> bool:
    func = decorator.func if isinstance(decorator, Call) else decorator
    return isinstance(func, Attribute) and func.attr in _CLI_DECORATORS


def is_test(name: str) -> bool:
    """A function of a test module (``tests.unit.test_users.test_x``, ``conftest``), as
    the default ``test-paths`` name them."""
    parts = name.split(".")
    return any(part in ("tests", "test", "conftest") or part.startswith("test_") or part.endswith("_test") for part in parts[:-1])


class Reachability:
    """The served and once-only functions of a project, by canonical name.

    ``edges(name)`` gives (runs, spawns, unknown methods) of a function, already resolved
    to canonical function names; ``methods(short)`` the project methods of that name, and
    ``served_methods(short, caller)`` those a call in ``caller`` on an object of unknown
    type reaches while serving; ``overrides(name)`` the methods of project subclasses that
    override a method; ``reflected(name)`` the methods that only reflection can call (no
    call names them) of the project objects a function builds, which serving reaches when
    it builds them (a dispatch by ``getattr``, a registry of decorated methods).
    """

    def __init__(
        self,
        functions: Iterable[str],
        served: Iterable[str],
        once: Iterable[str],
        edges: Callable[[str], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]],
        overrides: Callable[[str], Iterable[str]],
        methods: Callable[[str], Iterable[str]],
        served_methods: Callable[[str, str], Iterable[str]] | None = None,
        reflected: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        self._edges = edges
        self._overrides = overrides
        self._methods = methods
        self._served_methods = served_methods or (lambda short, _caller: methods(short))
        self._reflected = reflected or (lambda _name: ())
        once = set(once)
        once_reached, started = self._walk(once, by_name=False)
        # ``FastAPI(lifespan=lifespan)`` passes the lifespan on, but it is known to run once.
        # Reflection is followed from what FastAPI runs, not from what startup, CLI or
        # import-time code passes on: on prefect, a CLI runner passing a flow loader on
        # made the public API of every ``Flow`` (``from_source``, ``deploy``) served.
        served_reached, _ = self._walk(served, by_name=True, reflect=True)
        passed_on, _ = self._walk(started - once - served_reached, by_name=True, reflect=False, seen=served_reached)
        served_reached |= passed_on
        self.served = served_reached
        self.once = self._only_once_callers(functions, once, once_reached - served_reached)

    def _only_once_callers(self, functions: Iterable[str], entries: set[str], candidates: set[str]) -> set[str]:
        """The candidates every caller of which is once-only too (callers followed back to
        the entry points): one caller that no entry point reaches (a background job the
        index cannot trace, a plugin hook) keeps a function checked, and so does being
        passed on by reference anywhere."""
        callers: dict[str, set[str]] = {}
        callees: dict[str, set[str]] = {}
        passed: set[str] = set()
        tests: dict[str, bool] = {}  # by the module or class a caller is defined in
        for caller in functions:
            owner = caller.rpartition(".")[0]
            if owner not in tests:
                tests[owner] = is_test(caller)
            if tests[owner]:
                continue  # tests call startup code on purpose; they serve nothing
            runs, spawns, unknown = self._edges(caller)
            passed.update(spawns)
            targets = [*runs]
            for method in unknown:
                targets += self._methods(method)
            for target in list(targets):
                targets += self._overrides(target)
            for target in targets:
                if target in candidates:
                    callers.setdefault(target, set()).add(caller)
                    callees.setdefault(caller, set()).add(target)
        once = {name for name in candidates if name in entries or name not in passed}
        pending = deque(once - entries)
        while pending:
            name = pending.popleft()
            if name not in once or all(caller in once for caller in callers.get(name, ())):
                continue
            once.discard(name)
            pending.extend(callee for callee in callees.get(name, ()) if callee in once and callee not in entries)
        return once

    def _walk(
        self, seeds: Iterable[str], by_name: bool, reflect: bool = False, seen: set[str] | None = None
    ) -> tuple[set[str], set[str]]:
        """Every function reached from ``seeds`` that ``seen`` does not hold yet; without
        ``by_name``, tasks started along the way are returned apart (they run while
        serving). Methods called on objects of unknown type count as reached only when
        ``by_name``, and the methods only reflection calls on objects built along the way
        only with ``reflect`` too: the served side is over-approximated, so a function is
        once-only only when serving surely misses it."""
        queue = deque(set(seeds) - (seen or set()))
        seen = {*queue, *(seen or ())}
        reached = set(queue)
        started: set[str] = set()
        while queue:
            name = queue.popleft()
            runs, spawns, unknown = self._edges(name)
            targets = [*runs]
            if by_name:
                targets += spawns
                for method in unknown:
                    targets += self._served_methods(method, name)
                if reflect:
                    targets += self._reflected(name)
            else:
                started.update(spawns)
            for target in list(targets):
                targets += self._overrides(target)
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    reached.add(target)
                    queue.append(target)
        return reached, started
