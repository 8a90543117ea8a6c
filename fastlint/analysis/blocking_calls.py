"""The known blocking calls made directly in a function: pass 1 summarises them for call chains,
and FL101-FL106 report those of code on the event loop (`loop_blocking`)."""

from __future__ import annotations

import ast
from ast import AST, AnnAssign, Assign, AsyncWith, Attribute, Await, Call, Constant, For, FunctionDef, Load, Module, Name, Return, Starred, With
from collections.abc import Iterator

from fastlint.analysis.inference import Scope, TypeInference
from fastlint.analysis.names import may_resolve_to
from fastlint.analysis.off_path import off_path_nodes
from fastlint.analysis.once import cache_key
from fastlint.analysis.syntax import FunctionNode, is_generator, local_calls, local_nodes_of, module_statements, walk_local
from fastlint.knowledge.blocking import BOUNDED_ONLY, CHEAP_BELOW, NO_HANG_OPTIONS, NON_WAITING, BlockingCall
from fastlint.knowledge.sdk import CONNECTING_CONSTRUCTORS, SDK_BY_TYPE, sdk_of
from fastlint.knowledge.tables import Knowledge

# ``json.load(f)`` on a stream whose opening call (``open``, ``urlopen``) is reported already says nothing new.
_FILE_SERIALIZERS = {"json.load": 0, "pickle.load": 0, "json.dump": 1, "pickle.dump": 1}
_OPENERS = {"builtins.open", "io.open", "codecs.open", "pathlib.Path.open"}
_FILE_TYPES = ("typing.IO.", "tempfile.SpooledTemporaryFile.")


def nested_calls(function: FunctionNode, depth: int = 0) -> list[FunctionDef]:
    """The sync ``def``s nested in ``function`` that it calls by name (``fetch()``), and
    theirs: they run on the caller's thread, so in an ``async def`` on the event loop.
    A nested ``def`` only passed by reference (``run_in_threadpool(fetch)``) is not
    called, and a generator's body does not run when it is called."""
    nested = {
        child.name: child
        for child in local_nodes_of(function, FunctionDef)
        if not is_generator(child)  # calling a generator runs none of its body
    }
    if not nested or depth > 3:
        return []
    called: list[FunctionDef] = []
    for call in local_calls(function):
        target = nested.get(call.func.id) if isinstance(call.func, Name) else None
        if target is not None and target not in called:
            called.append(target)
    for inner in list(called):
        called.extend(found for found in nested_calls(inner, depth + 1) if found not in called)
    return called


def blocking_calls_in(function: FunctionNode, inference: TypeInference, knowledge: Knowledge) -> Iterator[tuple[Call, BlockingCall, str]]:
    """The known blocking calls that run when ``function`` runs: in its own body and in
    the nested ``def``s it calls (the project index uses it too)."""
    bodies: list[FunctionNode] = [function, *nested_calls(function)]
    for body in bodies:
        yield from blocking_calls_of(body, inference, knowledge)


def blocking_calls_of(function: FunctionNode, inference: TypeInference, knowledge: Knowledge) -> Iterator[tuple[Call, BlockingCall, str]]:
    """The known blocking calls in ``function``'s own body, leaving out those off a served request's path (``fastlint.analysis.off_path``).

    A request through an object whose creation is reported already in this function (the
    methods of ``with smtplib.SMTP(host) as smtp:``, the reads of ``with open(p) as f:``)
    and the inner call of ``client.query(sql).result()`` are not reported again.
    """
    methods = knowledge.blocking_methods
    if cache_key(function, inference.names) == "fixed":
        return
    once = off_path_nodes(function, inference.class_of(function))
    # Any method may be a request of an SDK client (``client.chat.completions.create``).
    candidates = [
        node
        for node in local_calls(function)
        if id(node) not in once
        and (isinstance(node.func, Attribute) or may_resolve_to(node.func, inference.names, methods, knowledge.blocking))
    ]
    iterations = _file_iterations(function, inference, once)
    if not candidates and not iterations:
        return
    # ``await session.execute(...)`` returns an awaitable, so it is no sync call, whatever
    # the annotation says (``session: Session`` holding an ``AsyncSession``).
    awaited = {id(node.value) for node in local_nodes_of(function, Await)}
    candidates = [node for node in candidates if id(node) not in awaited]
    scope = inference.scope(function)
    found: list[tuple[Call, BlockingCall, str]] = []
    returned: set[int] | None = None  # the calls whose value the function returns, once asked
    for node in candidates:
        name = inference.callee(node.func, scope)
        entry = blocking_entry(node, name, knowledge) if name else None
        if entry is None or _reads_reported_stream(inference, knowledge, node, name or "", scope):
            continue
        if _through_reported_object(inference, knowledge, node, name or "", scope):
            continue
        if entry.code in _WAITING_CODES and not _waits(inference, node, name or "", scope):
            continue
        if name in NO_HANG_OPTIONS and _polls(node, NO_HANG_OPTIONS[name]):
            continue
        if name in CHEAP_BELOW and _cheap(node, *CHEAP_BELOW[name]):
            continue
        if name == _TEMPORARY_DIRECTORY and id(node) not in _with_items(function):
            continue  # created empty (mkdtemp, FL108's); only a ``with`` block removes the tree here
        if name in _HANDED_OUT:
            returned = _returned(function) if returned is None else returned
            if id(node) in returned:
                continue  # opened for the caller, whose reads and writes on the file are checked there
        found.append((node, entry, name or entry.name))
    for node, name in iterations:
        entry = knowledge.blocking_call(name)
        if entry is not None and not _from_reported_call(inference, knowledge, node.func, scope):
            found.append((node, entry, name))
    # ``client.query(sql).result()``: the outer call stands for the chain.
    receivers = {id(node.func.value) for node, entry, _ in found if isinstance(node.func, Attribute)}
    yield from (site for site in found if id(site[0]) not in receivers)


_WAITING_CODES = frozenset({"FL109", "FL110"})
_TEMPORARY_DIRECTORY = "tempfile.TemporaryDirectory"
# Opening a file costs what creating an empty one does (FL108's ``mkstemp``): a helper that
# returns the new file (skyvern's ``create_named_temporary_file()``) moves no data itself.
_HANDED_OUT = _OPENERS | {"os.fdopen", "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile"}


def _returned(function: FunctionNode) -> set[int]:
    """The calls whose value ``function`` returns untouched: ``return open(p)``, or a name
    assigned from one that nothing but a ``return`` reads, alone or wrapped
    (``return Wrapper(file, path)``); ``f = open(p, "w"); f.write(data); return f`` writes here."""
    values = [node.value for node in local_nodes_of(function, Return) if node.value is not None]
    returned = {id(value) for value in values}
    in_returns = {id(inner) for value in values for inner in ast.walk(value)}
    loads: dict[str, bool] = {}
    for node in walk_local(function):
        if isinstance(node, Name) and isinstance(node.ctx, Load):
            loads[node.id] = loads.get(node.id, True) and id(node) in in_returns
    for node in local_nodes_of(function, Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0], Name) and loads.get(node.targets[0].id):
            returned.add(id(node.value))
    return returned


def _with_items(function: FunctionNode) -> set[int]:
    return {id(item.context_expr) for node in local_nodes_of(function, With, AsyncWith) for item in node.items}


def _waits(inference: TypeInference, call: Call, name: str, scope: Scope) -> bool:
    """Whether a thread wait really waits: not ``get(block=False)``, ``acquire(False)``,
    ``wait(timeout=0)``, ``shutdown(wait=False)``, nor ``put`` on an unbounded queue."""
    method = name.rpartition(".")[2]
    flag = NON_WAITING.get(method)
    if flag is not None:
        keyword, position = flag
        value = _argument(call, keyword, position)
        if isinstance(value, Constant) and value.value is False:
            return False
    timeout = _argument(call, "timeout", 0 if method in ("wait", "join", "result", "exception") else -1)
    if isinstance(timeout, Constant) and timeout.value == 0 and not isinstance(timeout.value, bool):
        return False
    if name in BOUNDED_ONLY:
        return _is_bounded(inference, call, BOUNDED_ONLY[name], scope)
    return True


def _polls(call: Call, position: int) -> bool:
    """``os.waitpid(pid, os.WNOHANG)`` (also ``WNOHANG | WUNTRACED``) returns at once."""
    options = _argument(call, "options", position)
    return options is not None and any(
        (isinstance(node, Attribute) and node.attr == "WNOHANG") or (isinstance(node, Name) and node.id == "WNOHANG")
        for node in ast.walk(options)
    )


def _cheap(call: Call, position: int, keyword: str, floor: int) -> bool:
    """``pbkdf2_hmac("sha256", secret, salt, 2048)``: a literal work count below ``floor``."""
    count = _argument(call, keyword, position)
    return isinstance(count, Constant) and isinstance(count.value, int) and not isinstance(count.value, bool) and count.value < floor


def _argument(call: Call, keyword: str, position: int) -> ast.expr | None:
    found = next((k.value for k in call.keywords if k.arg == keyword), None)
    if found is None and 0 <= position < len(call.args) and not any(isinstance(a, Starred) for a in call.args[: position + 1]):
        found = call.args[position]
    return found


def _is_bounded(inference: TypeInference, call: Call, keyword: str, scope: Scope) -> bool:
    """``q.put(x)`` where every binding of ``q`` builds the queue with a non-zero ``maxsize``."""
    receiver = call.func.value if isinstance(call.func, Attribute) else None
    if not isinstance(receiver, Name):
        return False
    bindings = scope.bindings.get(receiver.id) or inference.module_scope.bindings.get(receiver.id, [])
    if not bindings:
        return False
    for binding in bindings:
        value = binding.node
        if binding.kind == "annotation":  # ``jobs: queue.Queue = queue.Queue(maxsize=10)``
            value = _annotated_value(binding.node, scope if receiver.id in scope.bindings else inference.module_scope)
        elif binding.kind != "value":
            return False
        if not isinstance(value, Call):
            return False
        size = _argument(value, keyword, 0)
        if size is None or (isinstance(size, Constant) and not size.value):
            return False
    return True


def _annotated_value(annotation: AST | None, scope: Scope) -> ast.expr | None:
    """The value of the ``name: T = value`` statement whose annotation is ``annotation``."""
    for node in module_statements(scope.node) if isinstance(scope.node, Module) else walk_local(scope.node):
        if isinstance(node, AnnAssign) and node.annotation is annotation:
            return node.value
    return None


def blocking_entry(call: Call, name: str, knowledge: Knowledge) -> BlockingCall | None:
    """The known blocking call that ``call``, which calls ``name``, makes (an SDK client
    built so that it connects counts), before the checks of ``blocking_calls_of`` that
    leave some such calls out (awaited, polling, cheap). The summary of an async function
    asks it too, to keep those calls out of its project calls."""
    entry = knowledge.blocking_call(name)
    if entry is None and name in CONNECTING_CONSTRUCTORS and _connects(call, CONNECTING_CONSTRUCTORS[name]) and not knowledge.allows(name):
        entry = BlockingCall(name, "FL101", SDK_BY_TYPE[name].use_instead)
    return entry


def _connects(call: Call, when: str) -> bool:
    if when == "always":
        return True
    if when == "with-arguments":
        return bool(call.args) or any(k.arg in ("host", "host_or_ip") for k in call.keywords)
    _, _, name = when.partition(":")
    value = next((k.value for k in call.keywords if k.arg == name), None)
    return value is not None and not (isinstance(value, Constant) and not value.value)


def _is_object_method(name: str) -> bool:
    """A method of an SDK object or a file object (the families whose repeats are left out)."""
    return name.startswith(_FILE_TYPES) or sdk_of(name) is not None


def _file_iterations(function: FunctionNode, inference: TypeInference, once: frozenset[int]) -> list[tuple[Call, str]]:
    """``for line in f`` (also in a comprehension, through ``enumerate``, ``csv.reader`` or
    ``islice``), and ``list(f)``, ``next(f)`` (also ``list(islice(f, 5))``), over a sync file
    object: each step reads. The iteration is returned as a call of ``f``
    (``typing.IO.__iter__``) placed on ``f``, so that it is reported like ``f.read()``."""
    names = inference.names
    # Each kind of iteration comes from its bucket (most bodies have none): no walk of the
    # body, and no inference for a body that iterates nothing.
    loops = [(node, node.iter) for node in local_nodes_of(function, For)]
    comprehensions = [(node, node.iter) for node in local_nodes_of(function, ast.comprehension) if not node.is_async]
    consumers = [
        (node, node.args[0])
        for node in local_calls(function)
        if type(node.func) is Name and node.func.id in _CONSUMER_NAMES and node.args and names.qualified_name(node.func) in _CONSUMING
    ]
    iterations = loops + comprehensions + consumers
    if len(iterations) > max(len(loops), len(comprehensions), len(consumers)):
        # In the body's order: the inference answers a name whose type depends on itself by
        # the order it is asked in, and the iterations are reported in that order.
        position = {id(node): index for index, node in enumerate(walk_local(function))}
        iterations.sort(key=lambda iteration: position[id(iteration[0])])
    found: list[tuple[Call, str]] = []
    scope: Scope | None = None
    for _, iterated in iterations:
        while isinstance(iterated, Call) and len(iterated.args) >= 1 and names.qualified_name(iterated.func) in _ITERATING:
            iterated = iterated.args[0]
        if isinstance(iterated, Call) or id(iterated) in once:
            continue
        scope = inference.scope(function) if scope is None else scope
        file_type = inference.type_of(iterated, scope)
        if file_type in _ITERABLE_FILES:
            call = ast.copy_location(Call(iterated, [], []), iterated)
            call.end_lineno, call.end_col_offset = iterated.end_lineno, iterated.end_col_offset
            found.append((call, file_type + ITERATION))
    return found


ITERATION = ".__iter__"
_ITERATING = frozenset({"builtins.enumerate", "csv.reader", "csv.DictReader", "itertools.islice"})
_ITERABLE_FILES = frozenset({"typing.IO", "tempfile.SpooledTemporaryFile"})
# Calls that iterate their argument on the spot: every line (``list(f)``) or the next one.
_CONSUMING = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.next"})
_CONSUMER_NAMES = frozenset(name.rpartition(".")[2] for name in _CONSUMING)


def _through_reported_object(inference: TypeInference, knowledge: Knowledge, call: Call, name: str, scope: Scope) -> bool:
    """``smtp.login()`` where ``smtp`` is bound (only) to a call that blocks already:
    ``with smtplib.SMTP(host) as smtp``, ``f = open(path)``, ``channel = connection.channel()``."""
    if not isinstance(call.func, Attribute) or not _is_object_method(name):
        return False
    return _from_reported_call(inference, knowledge, call.func.value, scope)


def _from_reported_call(inference: TypeInference, knowledge: Knowledge, receiver: ast.expr, scope: Scope) -> bool:
    """``receiver`` is a name bound only to calls that are reported already."""
    if not isinstance(receiver, Name):
        return False
    bindings = scope.bindings.get(receiver.id, [])
    values = [binding.node for binding in bindings if binding.kind in ("value", "enter")]
    if not values or len(values) != len(bindings):
        return False
    for value in values:
        if not isinstance(value, Call):
            return False
        callee = inference.callee(value.func, scope)
        if callee is None:
            return False
        connects = callee in CONNECTING_CONSTRUCTORS and _connects(value, CONNECTING_CONSTRUCTORS[callee])
        if not (connects or callee in _OPENERS or _reported_code(knowledge, callee)):
            return False
    return True


def _reads_reported_stream(inference: TypeInference, knowledge: Knowledge, call: Call, name: str, scope: Scope) -> bool:
    """``json.load(f)`` where ``f`` came from a call reported already (``open``, ``urlopen``)."""
    position = _FILE_SERIALIZERS.get(name)
    if position is None or len(call.args) <= position:
        return False
    argument = call.args[position]
    if isinstance(argument, Name):
        bindings = scope.bindings.get(argument.id, [])
        values = [binding.node for binding in bindings if binding.kind in ("value", "enter")]
        return bool(values) and len(values) == len(bindings) and all(_is_reported(inference, knowledge, value, scope) for value in values)
    return _is_reported(inference, knowledge, argument, scope)


def _is_reported(inference: TypeInference, knowledge: Knowledge, node: AST | None, scope: Scope) -> bool:
    if not isinstance(node, Call):
        return False
    callee = inference.callee(node.func, scope)
    return callee is not None and (callee in _OPENERS or _reported_code(knowledge, callee))


def _reported_code(knowledge: Knowledge, name: str) -> bool:
    """A blocking call reported by default: not a metadata call (FL108, a preview rule), so
    the reads and writes through a temporary file are reported on their own."""
    entry = knowledge.blocking_call(name)
    return entry is not None and entry.code != "FL108"
