"""Code that runs once per process, however often its function is called.

One notion for the blocking rules (FL101-FL106), the call chains of the project index
(FL107) and the per-request rules (FL201, FL202):

- **A cache with a fixed key.** A function decorated with ``functools.cache``,
  ``lru_cache``, ``async_lru.alru_cache``, ``cachetools`` (``CACHING_DECORATORS``) that
  takes no argument (``cls`` aside) runs once. One that takes arguments runs once per
  distinct key: once per process when a caller passes constants or module-level values
  (``get_client("default")``, ``get_client(settings)``), also through helpers that pass
  their own parameters on unchanged (``channel.js("adorn")`` calling ``load_js(name)``: a
  chain's calls carry whether their arguments are process-level), but once per request when the
  key is request data (a user, a tenant, a URL), so those calls still count. An
  instance method is keyed on ``self`` (a per-request object has its own cache), and
  ``cached_property`` is per object, so neither counts.
- **Lazy initialisation of a process-level value.** The body of
  ``if _client is None:`` (``if not _client``, ``if KEY not in CACHE``,
  ``if CACHE.get(KEY) is None``; also ``or not _loop.is_alive()``, a test that the value is
  still usable, rebuilt only when not) that assigns that value, where the value is a
  ``global`` name, an attribute of a module-level object or class (``cls._instance``),
  or an entry of one under a key made of constants and module-level names; and the rest
  of a block after ``if _client is not None: return _client`` that assigns it; a
  module-level container counts as assigned when the block fills it
  (``if _translations: return`` then ``_translations[code] = ...``). A lock
  around it (``with _lock:``, double-checked) changes nothing. ``self._client`` is per
  object and does not count, unless the class is a singleton: its ``__new__`` returns
  a class-level instance (``return cls._instance``, ``return cls._instances[port]``), so
  ``if not self.running: ...; self.running = True`` in its methods runs once per process.
- **A cache validated against a file's stamp.** The body of ``if stamp != _seen:`` that
  assigns the process-level ``_seen``, where ``stamp`` comes from the file's ``stat()``
  (``st_ino``, ``st_mtime_ns``, ``st_size``) or ``os.path.getmtime``: the file is read
  again only when it changed, and each call costs one stat (FL108's). A value compared
  with anything else (``if user_id != _last_user:``) may change on every request and counts.

The analysed code is never run: these are syntactic facts about one function.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    And,
    AnnAssign,
    Assign,
    Attribute,
    AugAssign,
    Await,
    BoolOp,
    Call,
    ClassDef,
    Compare,
    Constant,
    Eq,
    FunctionDef,
    Global,
    If,
    In,
    Is,
    IsNot,
    Lambda,
    Name,
    NamedExpr,
    Nonlocal,
    Not,
    NotEq,
    NotIn,
    Or,
    Raise,
    Return,
    Subscript,
    Tuple,
    UnaryOp,
    Yield,
    YieldFrom,
)

from fastlint.analysis.names import NameTable, dotted_text
from fastlint.analysis.syntax import FunctionNode, child_blocks, descendants, local_calls, local_nodes_of, mark_statements, stored_names, walk_local
from fastlint.knowledge.clients import CACHING_DECORATORS

_INSTANCE = "self"
# Methods that fill a container tested empty: ``if not _translations: ... _translations.update(...)``.
_FILLING = frozenset({"update", "append", "extend", "add", "setdefault"})


def caching_decorator(function: FunctionNode, names: NameTable) -> bool:
    """Decorated with a memoising cache (``functools.lru_cache`` and the like)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, Call) else decorator
        if names.qualified_name(target) in CACHING_DECORATORS:
            return True
    return False


def _parameters(function: FunctionNode) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)] + [
        a.arg for a in (args.vararg, args.kwarg) if a is not None
    ]


def cache_key(function: FunctionNode, names: NameTable) -> str | None:
    """``"fixed"`` for a cached function without arguments (it runs once per process),
    ``"keyed"`` for one whose key is its arguments (once per distinct call), else None.
    A cached instance method is keyed on ``self``: None."""
    if not caching_decorator(function, names):
        return None
    parameters = _parameters(function)
    if parameters and parameters[0] == _INSTANCE:
        return None
    if parameters and parameters[0] == "cls":
        parameters = parameters[1:]
    return "keyed" if parameters else "fixed"


def _local_names(function: FunctionNode) -> tuple[set[str], set[str]]:
    """The names local to ``function`` (parameters and assigned names) and its ``global``s."""
    shared = {name for node in local_nodes_of(function, Global, Nonlocal) for name in node.names}
    return (set(_parameters(function)) | stored_names(function)) - shared, shared


def process_level(node: ast.expr, local: set[str]) -> bool:
    """Built from constants and module-level names only (no parameter, no local, no ``self``)."""
    for child in descendants((node,)):
        if isinstance(child, Name) and (child.id in local or child.id == _INSTANCE):
            return False
        if isinstance(child, _UNKNOWN_VALUES):
            return False
    return True


# Expressions whose value is not known when the function is defined (nor process-level).
_UNKNOWN_VALUES = (Lambda, NamedExpr, Await, Yield, YieldFrom)


def constant_arguments(call: Call, function: FunctionNode) -> bool:
    """Every argument of ``call`` is a constant or a module-level value (no argument at all too)."""
    local = _locals(function)
    return all(process_level(arg, local) for arg in (*call.args, *(k.value for k in call.keywords)))


def forwarding_arguments(call: Call, function: FunctionNode) -> bool:
    """Every argument of ``call`` is a constant, a module-level value or a parameter of
    ``function`` passed on unchanged (never assigned in its body; ``self`` aside): when
    the caller of ``function`` passes process-level values, so does ``call``
    (``js(self, name)`` calling ``_load_asset(name)``)."""
    unforwarded = _unforwarded(function)
    return all(process_level(arg, unforwarded) for arg in (*call.args, *(k.value for k in call.keywords)))


def argument_levels(call: Call, function: FunctionNode) -> tuple[bool, bool]:
    """``constant_arguments(call, function)``, and whether that or ``forwarding_arguments``
    holds, from one walk of the arguments (the summary asks both of every call)."""
    arguments = call.args + [k.value for k in call.keywords] if call.keywords else call.args
    if not arguments:
        return True, True
    names: set[str] = set()
    for argument in arguments:  # most arguments are names and constants: no walk for them
        if type(argument) is Name:
            names.add(argument.id)
        elif type(argument) is not Constant:
            break
    else:
        arguments = []
    for child in descendants(arguments):
        kind = type(child)
        if kind is Name:
            names.add(child.id)  # type: ignore[attr-defined]
        elif kind in _UNKNOWN_VALUES:
            return False, False
    if _INSTANCE in names:
        return False, False
    if names.isdisjoint(_locals(function)):
        return True, True
    return False, names.isdisjoint(_unforwarded(function))


def _unforwarded(function: FunctionNode) -> set[str]:
    """The locals of ``function`` that are not its parameters passed on unchanged."""
    unforwarded: set[str] | None = function.__dict__.get("_fastlint_unforwarded")
    if unforwarded is None:  # kept on the node: asked for each call of the function's body
        unforwarded = _locals(function) - (set(_parameters(function)) - {_INSTANCE} - stored_names(function))
        function._fastlint_unforwarded = unforwarded  # type: ignore[union-attr]
    return unforwarded


def _locals(function: FunctionNode) -> set[str]:
    return _names_of(function)[0]


def _names_of(function: FunctionNode) -> tuple[set[str], set[str]]:
    """``_local_names``, kept on the node: every call of a function asks again."""
    cached: tuple[set[str], set[str]] | None = function.__dict__.get("_fastlint_once_names")
    if cached is None:
        cached = _local_names(function)
        function._fastlint_once_names = cached  # type: ignore[union-attr]
    return cached


def singleton_class(owner: ClassDef | None) -> bool:
    """A class whose ``__new__`` returns a class-level instance (``return cls._instance``,
    ``return cls._instances[key]``): its instances are shared by the whole process."""
    if owner is None:
        return False
    cached: bool | None = owner.__dict__.get("_fastlint_singleton")
    if cached is None:
        cached = _singleton(owner)
        owner._fastlint_singleton = cached  # type: ignore[attr-defined]
    return cached


def _singleton(owner: ClassDef) -> bool:
    new = next((item for item in owner.body if isinstance(item, FunctionDef) and item.name == "__new__"), None)
    if new is None:
        return False
    returns = [node for node in walk_local(new) if isinstance(node, Return)]
    return bool(returns) and all(_class_level(node.value, owner.name) for node in returns)


def _class_level(value: ast.expr | None, class_name: str) -> bool:
    if not isinstance(value, (Attribute, Subscript)):
        return False
    root: ast.expr = value
    while isinstance(root, (Attribute, Subscript)):
        root = root.value
    return isinstance(root, Name) and root.id in ("cls", class_name)


def once_nodes(function: FunctionNode, owner: ClassDef | None = None) -> frozenset[int]:
    """The ids of the nodes of ``function`` (a method of ``owner``, if given) that run
    only when a process-level value is first built (see the module docstring). Kept on
    the node, as ``walk_local`` is."""
    shared_self = singleton_class(owner)
    cache: dict[bool, frozenset[int]] | None = function.__dict__.get("_fastlint_once")
    if cache is None:
        cache = {}
        function._fastlint_once = cache  # type: ignore[union-attr]
    if shared_self not in cache and not local_nodes_of(function, If):
        cache[shared_self] = frozenset()  # only the blocks of an ``if`` run once
    if shared_self not in cache:
        local, shared = _names_of(function)
        if shared_self:
            shared = shared | {_INSTANCE}
        found: set[int] = set()
        # Most functions test nothing process-level: one look at each ``if`` says so
        # without walking every block of the body.
        if any(_may_mark(statement, local, shared, function) for statement in local_nodes_of(function, If)):
            _scan(function.body, local, shared, found, function)
        cache[shared_self] = frozenset(found)
    return cache[shared_self]


def _may_mark(statement: If, local: set[str], shared: set[str], function: FunctionNode) -> bool:
    """Whether ``_scan`` could mark code for this ``if``: it tests a value unset and its body
    assigns it, or tests it set and its body returns or raises."""
    unset = _tested(statement.test, local, shared, negated=True, function=function)
    if unset and _assigns(statement.body, unset):
        return True
    return _ends_early(statement) and bool(_tested(statement.test, local, shared, negated=False, function=function))


def _ends_early(statement: If) -> bool:
    return bool(statement.body) and isinstance(statement.body[-1], (Return, Raise))


def _scan(body: list[ast.stmt], local: set[str], shared: set[str], found: set[int], function: FunctionNode) -> None:
    for index, statement in enumerate(body):
        if isinstance(statement, If):
            unset = _tested(statement.test, local, shared, negated=True, function=function)
            if unset and _assigns(statement.body, unset):
                mark_statements(statement.body, found)
                _scan(statement.orelse, local, shared, found, function)
                continue
            if _ends_early(statement):
                is_set = _tested(statement.test, local, shared, negated=False, function=function)
                rest = body[index + 1 :]
                if is_set and _assigns([*statement.orelse, *rest], is_set):
                    mark_statements([*statement.orelse, *rest], found)
                    return
        for child in child_blocks(statement):
            _scan(child, local, shared, found, function)


def _tested(test: ast.expr, local: set[str], shared: set[str], negated: bool, function: FunctionNode | None = None) -> list[str]:
    """The process-level values that ``test`` finds unset (``negated``) or set, as source text."""
    if isinstance(test, BoolOp):
        # ``if a is None or b is None:`` (unset) / ``if a and b:`` (set): each part counts.
        wanted = Or if negated else And
        if not isinstance(test.op, wanted):
            return []
        parts = [_tested(value, local, shared, negated, function) for value in test.values]
        found = [text for part in parts for text in part]
        # ``if _loop is None or not _loop.is_alive():``: a part that only asks whether a value
        # found unset is still usable (a dead thread, a closed client) rebuilds it only then.
        if found and all(part or _only_about(value, found) for part, value in zip(parts, test.values)):
            return found
        return []
    if isinstance(test, UnaryOp) and isinstance(test.op, Not):
        return _tested(test.operand, local, shared, not negated, function)
    if isinstance(test, NamedExpr):
        return _tested(test.value, local, shared, negated, function)
    if isinstance(test, Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(right, Constant) and right.value is None:
            if isinstance(op, (Is, Eq)):
                return _tested(test.left, local, shared, not negated)
            if isinstance(op, (IsNot, NotEq)):
                return _tested(test.left, local, shared, negated)
            return []
        if isinstance(op, (In, NotIn)) and negated == isinstance(op, NotIn):
            entry = _entry(right, test.left, local, shared)
            return [entry] if entry else []
        if isinstance(op, (Eq, NotEq)) and negated == isinstance(op, NotEq):
            # ``if stamp != _seen:`` with ``stamp`` a file's (inode, mtime, size): stale only on a change.
            stamps = _file_stamps(function) if function is not None else frozenset()
            sides = [(test.left, right), (right, test.left)]
            return [target for stored, fresh in sides if _reads_stamp(fresh, stamps) and (target := _target(stored, local, shared))]
        return []
    if negated:
        return []
    # A truthiness test: ``if _client:``, ``if CACHE.get(KEY):``.
    if isinstance(test, Call) and isinstance(test.func, Attribute) and test.func.attr == "get" and test.args:
        entry = _entry(test.func.value, test.args[0], local, shared)
        return [entry] if entry else []
    target = _target(test, local, shared)
    return [target] if target else []


_STAMP_READS = frozenset({"stat", "lstat", "getmtime", "getmtime_ns", "getsize", "getctime"})


def _file_stamps(function: FunctionNode) -> frozenset[str]:
    """Locals assigned from a file's modification stamp: ``seen = (stat.st_ino, stat.st_mtime_ns)``,
    ``mtime = os.path.getmtime(path)``, or a ``stat()`` result itself. Kept on the node, and
    only asked for by a comparison (``if stamp != _seen:``)."""
    cached: frozenset[str] | None = function.__dict__.get("_fastlint_stamps")
    if cached is None:
        found: set[str] = set()
        if _may_read_stamps(function):
            for node in local_nodes_of(function, Assign):
                if len(node.targets) == 1 and isinstance(node.targets[0], Name) and _reads_stamp(node.value, found):
                    found.add(node.targets[0].id)
        cached = function._fastlint_stamps = frozenset(found)  # type: ignore[union-attr]
    return cached


def _may_read_stamps(function: FunctionNode) -> bool:
    """Whether some node of the body reads a stamp (``st_mtime``, ``os.stat(p)``): most
    bodies that compare values read none, and need no walk of each assigned value. A
    lambda's body is in those values but not in ``walk_local``: a lambda means a walk."""
    if local_nodes_of(function, Lambda):
        return True
    return any(_is_stamp_read(node) for node in local_nodes_of(function, Attribute)) or any(_is_stamp_read(call) for call in local_calls(function))


def _is_stamp_read(node: AST) -> bool:
    """An ``st_`` attribute (``p.stat().st_mtime``) or a call of a stat function (``os.stat(p)``, ``getmtime(p)``)."""
    if isinstance(node, Attribute):
        return node.attr.startswith("st_")
    if isinstance(node, Call) and isinstance(node.func, (Attribute, Name)):
        return (node.func.attr if isinstance(node.func, Attribute) else node.func.id) in _STAMP_READS
    return False


def _reads_stamp(node: ast.expr, stamps: set[str] | frozenset[str]) -> bool:
    return any(_is_stamp_read(inner) or isinstance(inner, Name) and inner.id in stamps for inner in descendants((node,)))


def _only_about(test: AST, targets: list[str]) -> bool:
    """Every name and attribute chain ``test`` reads is one of ``targets`` or part of one."""
    text = dotted_text(test) if isinstance(test, (Name, Attribute)) else None
    if text is not None:
        return any(text == target or text.startswith(f"{target}.") for target in targets)
    return all(_only_about(child, targets) for child in ast.iter_child_nodes(test))


def _target(node: ast.expr, local: set[str], shared: set[str]) -> str | None:
    """``node`` as text if it names a process-level value: a ``global`` name, or an
    attribute of a module-level object or class, or of ``cls``."""
    if isinstance(node, Name):
        # A ``global`` name, or a module-level one the function does not rebind (a dict it fills).
        return node.id if node.id in shared or (node.id not in local and node.id != _INSTANCE) else None
    if isinstance(node, Attribute):
        root: ast.expr = node
        while isinstance(root, Attribute):
            root = root.value
        if isinstance(root, Name) and (root.id != _INSTANCE or _INSTANCE in shared) and (
            root.id == "cls" or root.id not in local or root.id in shared
        ):
            return ast.unparse(node)
    return None


def _entry(container: ast.expr, key: ast.expr, local: set[str], shared: set[str]) -> str | None:
    """``CACHE[KEY]`` as text, for a process-level ``CACHE`` and a key of constants and module-level names."""
    if isinstance(container, Name) and container.id not in local:
        holder: str | None = container.id
    else:
        holder = _target(container, local, shared)
    if holder is None or not process_level(key, local):
        return None
    return f"{holder}[{ast.unparse(key)}]"


def _assigns(statements: list[ast.stmt], targets: list[str]) -> bool:
    """Whether ``statements`` store one of ``targets`` (``_client = ...``, ``CACHE[KEY] = ...``,
    ``CACHE.setdefault(KEY, ...)``)."""
    wanted = set(targets)
    for statement in statements:
        for node in [statement, *walk_local(statement)]:
            if isinstance(node, (Assign, AnnAssign, AugAssign)):
                stored = node.targets if isinstance(node, Assign) else [node.target]
                for target in stored:
                    parts = target.elts if isinstance(target, Tuple) else [target]
                    # ``_cache = ...``, or filling it: ``_translations[code] = ...``
                    if any(ast.unparse(part) in wanted or (isinstance(part, Subscript) and ast.unparse(part.value) in wanted) for part in parts):
                        return True
            elif isinstance(node, Call) and isinstance(node.func, Attribute):
                if node.func.attr == "setdefault" and node.args and f"{ast.unparse(node.func.value)}[{ast.unparse(node.args[0])}]" in wanted:
                    return True
                if node.func.attr in _FILLING and ast.unparse(node.func.value) in wanted:
                    return True
    return False
