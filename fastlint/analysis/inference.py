"""Flow-insensitive local type inference over CPython's ``ast``.

It answers one question cheaply: which library type does this receiver hold, so that
``session.get(...)`` can be looked up as ``requests.Session.get``. Every binding of a
name in a function must agree on the type, or the answer is "unknown" and nothing is
reported: precision before recall.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    AnnAssign,
    Assign,
    AsyncFor,
    AsyncFunctionDef,
    AsyncWith,
    Attribute,
    Await,
    BinOp,
    BitOr,
    Call,
    ClassDef,
    Constant,
    Div,
    For,
    FunctionDef,
    List,
    Module,
    Name,
    NamedExpr,
    Return,
    Starred,
    Subscript,
    Tuple,
    With,
    Yield,
)
from collections.abc import Callable
from dataclasses import dataclass, field

from fastlint.analysis.names import NameTable
from fastlint.analysis.syntax import FunctionNode, all_parameters, descendants, is_none, keyword, local_nodes_of, nodes_of, walk_local
from fastlint.knowledge import sdk, types as known
from fastlint.knowledge.fastapi import ANNOTATED, DEPENDS, ITERATOR_TYPES, OPTIONAL

_MAX_DEPTH = 24
UNION = frozenset({"typing.Union", "typing_extensions.Union"})
# Subscripted forms that are not a class's instance: builtin containers, typing's and
# collections.abc's generics (``Optional``, ``Annotated``... are read above).
_GENERIC_FORMS = ("builtins.", "typing.", "typing_extensions.", "collections.")
# Pass 1 writes what a function of another module returns symbolically (``app.f()``, see
# ``summarizing.called``); a path division of it is ``app.f()/``, a ``Path`` only if
# the project index finds that ``app.f`` returns one.
CALLED, DIVIDED = "()", "/"
_INSPECTOR = "sqlalchemy.engine.Inspector"
_ENGINE_BOUND = frozenset({"sqlalchemy.engine.Engine", "sqlalchemy.engine.Connection"})
_PROPERTIES = frozenset({"builtins.property", "functools.cached_property"})
_UNASKED = object()


@dataclass(slots=True)  # one per binding of every scope: slots make them cheaper to build
class Binding:
    kind: str  # "value" | "enter" | "annotation" | "param" | "opaque"
    node: AST | None = None
    default: ast.expr | None = None


@dataclass
class Scope:
    """The names bound in one function body or at module level."""

    node: AST
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


# The nodes that bind a name in the scope they run in.
_BINDERS = (
    Assign, AnnAssign, NamedExpr, With, AsyncWith, For, AsyncFor, ast.comprehension,
    FunctionDef, AsyncFunctionDef, ClassDef,
)


def build_scope(node: AST) -> Scope:
    """The bindings of ``node``'s body, kept on the node: the summary (pass 1) and the rules
    of a file checked in the same pass ask for the same scopes."""
    cached: Scope | None = node.__dict__.get("_fastlint_scope")
    if cached is None:
        cached = _build_scope(node)
        node._fastlint_scope = cached  # type: ignore[attr-defined]
    return cached


def _build_scope(node: AST) -> Scope:
    scope = Scope(node)
    if isinstance(node, (FunctionDef, AsyncFunctionDef)):
        for arg, default in all_parameters(node.args):
            scope.bind(arg.arg, Binding("param", arg, default))
    for child in local_nodes_of(node, *_BINDERS):  # in the body's order, which the bindings of a name keep
        if isinstance(child, Assign):
            for target in child.targets:
                _bind_target(scope, target, child.value)
        elif isinstance(child, AnnAssign) and isinstance(child.target, Name):
            scope.bind(child.target.id, Binding("annotation", child.annotation))
        elif isinstance(child, NamedExpr):
            scope.bind(child.target.id, Binding("value", child.value))
        elif isinstance(child, (With, AsyncWith)):
            for item in child.items:
                if isinstance(item.optional_vars, Name):
                    scope.bind(item.optional_vars.id, Binding("enter", item.context_expr))
                elif item.optional_vars is not None:
                    _bind_target(scope, item.optional_vars, None)
        elif isinstance(child, (For, AsyncFor, ast.comprehension)):
            _bind_target(scope, child.target, None)
        elif isinstance(child, (FunctionDef, AsyncFunctionDef, ClassDef)) and child is not node:
            scope.bind(child.name, Binding("opaque"))
    return scope


def _converts(binding: Binding, name: str) -> bool:
    """``name = Something(name ...)``: the binding builds the new value from the old."""
    value = binding.node
    return binding.kind == "value" and isinstance(value, Call) and any(
        isinstance(arg, Name) and arg.id == name for arg in value.args
    )


def _bind_target(scope: Scope, target: AST, value: ast.expr | None) -> None:
    if isinstance(target, Name):
        scope.bind(target.id, Binding("value", value) if value is not None else Binding("opaque"))
    elif isinstance(target, (Tuple, List)):
        for element in target.elts:
            _bind_target(scope, element, None)
    elif isinstance(target, Starred):
        _bind_target(scope, target.value, None)
    # ``account.username = ...`` and ``rows[0] = ...`` store into an object: they bind no name.


class TypeInference:
    """Types of expressions in one module.

    ``external_result`` answers, for a qualified name defined in another module of the
    project, the type its call returns (the project index supplies it); it may be None.
    """

    def __init__(
        self,
        names: NameTable,
        module: Module,
        class_of: Callable[[AST], ClassDef | None],
        external_result: Callable[[str], str | None] | None = None,
        external_alias: Callable[[str], str | None] | None = None,
        external_instance: Callable[[str], str | None] | None = None,
        external_state: Callable[[str], str | None] | None = None,
    ) -> None:
        self.names = names
        self.module_scope = build_scope(module)
        self._scopes: dict[int, Scope] = {id(module): self.module_scope}
        self._class_of = class_of
        self.class_of = class_of  # the class a method belongs to (None for a plain function)
        self._name_types: dict[tuple[int, str], str | None] = {}
        self._self_types: dict[tuple[int, str], str | None] = {}
        self._results: dict[int, str | None] = {}
        self._callees: dict[tuple[ast.expr, AST], str | None] = {}
        self._state_stores: dict[str, list[tuple[ast.expr, FunctionNode]]] | None = None
        self._external_result = external_result
        self._external_alias = external_alias
        self._external_instance = external_instance
        self._external_state = external_state

    def scope(self, node: AST) -> Scope:
        found = self._scopes.get(id(node))
        if found is None:
            found = self._scopes[id(node)] = build_scope(node)
        return found

    # -- calls -------------------------------------------------------------------------

    def callee(self, func: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        """The qualified name of what a call calls: ``requests.get``, ``httpx.Client.get``.

        The summary's blocking calls, project calls, reach and argument facts, then the
        rules, each ask it of the same calls: a question asked from outside (depth 0) is
        answered once. Inside the inference (depth > 0) a name whose type is being computed
        reads as unknown for the moment, so those answers are not kept."""
        if depth:
            return self._callee(func, scope, depth)
        key = (func, scope.node)
        known = self._callees.get(key, _UNASKED)
        if known is _UNASKED:
            known = self._callees[key] = self._callee(func, scope, 0)
        return known  # type: ignore[return-value]

    def _callee(self, func: ast.expr, scope: Scope, depth: int) -> str | None:
        if isinstance(func, Attribute):
            receiver = func.value
            if self._is_module_reference(receiver, scope):
                instance = self._imported_instance(receiver)
                if instance:  # ``from app.config import UPLOADS``; ``UPLOADS.mkdir()``
                    return f"{instance}.{func.attr}"
            else:
                receiver_type = self.type_of(receiver, scope, depth + 1)
                if receiver_type:
                    return f"{receiver_type}.{func.attr}"
                if isinstance(receiver, Name) and self._is_own_class(receiver.id, scope):
                    return f"{self.names.module}.{receiver.id}.{func.attr}"  # ``Geo.lookup(ip)``: through the class
                if isinstance(receiver, Name) or _has_call(receiver):
                    return None
        if isinstance(func, Name) and scope is not self.module_scope and func.id in scope.bindings:
            return None
        return self.names.qualified_name(func)

    def _is_own_class(self, name: str, scope: Scope) -> bool:
        """``name`` is a class this module defines at top level, not rebound in ``scope``."""
        return isinstance(self.names.definitions.get(name), ClassDef) and (
            scope is self.module_scope or name not in scope.bindings
        ) and len(self.module_scope.bindings.get(name, ())) == 1

    def _imported_instance(self, receiver: ast.expr) -> str | None:
        """The type of a module-level instance of another project module, by its imported name,
        or of an attribute chain from it (``ai.client.chat.completions``)."""
        if self._external_instance is None:
            return None
        attributes: list[str] = []
        while True:
            qualified = self.names.qualified_name(receiver)
            found = self._external_instance(qualified) if qualified else None
            if found or not isinstance(receiver, Attribute):
                break
            attributes.append(receiver.attr)
            receiver = receiver.value
        for attr in reversed(attributes):
            if found is None:
                return None
            found = _attribute_result(found, attr)
        return found

    def _is_module_reference(self, node: ast.expr, scope: Scope) -> bool:
        """``requests`` in ``requests.get``: an imported name not rebound locally."""
        while isinstance(node, Attribute):
            node = node.value
        return isinstance(node, Name) and self.names.is_imported(node) and not self._locally_bound(node.id, scope)

    def _locally_bound(self, name: str, scope: Scope) -> bool:
        return name in scope.bindings or (scope is not self.module_scope and name in self.module_scope.bindings)

    # -- expressions -------------------------------------------------------------------

    def type_of(self, node: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, Name):
            return self._name_type(node.id, scope, depth)
        if isinstance(node, Await):  # ``await load(id)``: what the coroutine function returns
            return self.type_of(node.value, scope, depth + 1) if isinstance(node.value, Call) else None
        if isinstance(node, Call):
            return self._call_type(node, scope, depth)
        if isinstance(node, Attribute):
            if isinstance(node.value, Name) and node.value.id in ("self", "cls"):
                return self._self_attribute_type(node.attr, scope, depth)
            if isinstance(node.value, Attribute) and node.value.attr == "state":
                return self._state_attribute_type(node.attr, depth)
            receiver = self.type_of(node.value, scope, depth + 1)
            if receiver:
                return _attribute_result(receiver, node.attr)
            return None
        if isinstance(node, Subscript):
            receiver = self.type_of(node.value, scope, depth + 1)
            return known.ATTRIBUTE_RESULTS.get(f"{receiver}.*") if receiver else None
        if isinstance(node, BinOp) and isinstance(node.op, Div):
            left = self.type_of(node.left, scope, depth + 1)
            if left and left.endswith((CALLED, CALLED + DIVIDED)):
                return left.removesuffix(DIVIDED) + DIVIDED
            return left if left == "pathlib.Path" else None
        return None

    def _name_type(self, name: str, scope: Scope, depth: int) -> str | None:
        key = (id(scope), name)
        if key not in self._name_types:
            self._name_types[key] = None  # a name whose type depends on itself has none
            self._name_types[key] = self._infer_name_type(name, scope, depth)
        return self._name_types[key]

    def _infer_name_type(self, name: str, scope: Scope, depth: int) -> str | None:
        bindings = scope.bindings.get(name)
        owner = scope
        if bindings is None and scope is not self.module_scope:
            bindings = self.module_scope.bindings.get(name)
            owner = self.module_scope
        if not bindings:
            if name in self.names.imports and self._external_instance is not None:
                return self._external_instance(self.names.imports[name])  # ``from app.config import UPLOADS``
            return None
        # ``manager = None`` then ``manager = Manager()``: a placeholder, not a second type
        # (calling a method on the name means it holds the other one by then).
        bindings = [binding for binding in bindings if not _none_placeholder(binding)] or bindings
        found = {self._binding_type(binding, owner, depth + 1) for binding in bindings}
        if len(found) == 1:
            return found.pop()
        # ``path = Path(path)``: a name converted from its own value has the converted
        # type from there on, whatever it held before (flow-insensitive, so only then).
        converted = {self._binding_type(binding, owner, depth + 1) for binding in bindings if _converts(binding, name)}
        return converted.pop() if len(converted) == 1 and None not in converted else None

    def _binding_type(self, binding: Binding, scope: Scope, depth: int) -> str | None:
        if binding.kind in ("value", "enter") and isinstance(binding.node, ast.expr):
            value_type = self.type_of(binding.node, scope, depth)
            return known.ENTER_RESULTS.get(value_type, value_type) if binding.kind == "enter" and value_type else value_type
        if binding.kind == "annotation" and isinstance(binding.node, ast.expr):
            return self.annotation_type(binding.node)
        if binding.kind == "param" and isinstance(binding.node, ast.arg):
            return self.parameter_type(binding.node, binding.default, depth)
        return None

    def parameter_type(self, arg: ast.arg, default: ast.expr | None, depth: int = 0) -> str | None:
        if arg.annotation is not None:
            annotated = self.annotation_type(arg.annotation)
            if annotated:
                return annotated
        if isinstance(default, Call) and self.names.qualified_name(default.func) in DEPENDS and default.args:
            return self.call_result(default.args[0], depth + 1)
        return None

    def _call_type(self, call: Call, scope: Scope, depth: int) -> str | None:
        method = self._own_method(call.func, scope)
        if method is not None:  # ``self._lease_path(id)``: what the class's own method returns
            return self.function_result(method, depth + 1)
        callee = self.callee(call.func, scope, depth + 1)
        if callee:
            constructed = known.CONSTRUCTORS.get(callee) or known.method_result(callee)
            if constructed == "sqlalchemy.orm.sessionmaker" and _makes_async_sessions(call, self.names):
                return "sqlalchemy.ext.asyncio.async_sessionmaker"
            if constructed:
                return constructed
            if callee == "typing.cast" and call.args:  # ``cast(NotificationBlock, block)`` is one
                return self.annotation_type(call.args[0])
            if callee == "sqlalchemy.inspect" and len(call.args) == 1:  # an Inspector only on an engine or connection
                bound = self.type_of(call.args[0], scope, depth + 1)
                return _INSPECTOR if bound in _ENGINE_BOUND else None
            chained = sdk.chained_result(callee)
            if chained:  # ``s3.Bucket(name)``, ``es.options(...)``: still the SDK
                return chained
            result = self.call_result(call.func, depth + 1)
            if result is None and self._external_result is not None and callee != self.names.qualified_name(call.func):
                # A method of a typed receiver (``client.fetch()``): the index may know its result.
                result = self._external_result(callee)
            return result
        factory = self.type_of(call.func, scope, depth + 1)
        return known.CALL_RESULTS.get(factory) if factory else None

    def call_result(self, func: ast.expr, depth: int = 0) -> str | None:
        """What calling a function of this module (or, via the index, another) returns."""
        name = self.names.qualified_name(func)
        if not name or depth > _MAX_DEPTH:
            return None
        if name in known.CONSTRUCTORS:
            return known.CONSTRUCTORS[name]
        local = name.rpartition(".")[2]
        definition = self.names.definitions.get(local) if name == f"{self.names.module}.{local}" else None
        if isinstance(definition, (FunctionDef, AsyncFunctionDef)):
            return self.function_result(definition, depth + 1)
        if self._external_result is not None:
            return self._external_result(name)
        return None

    def function_result(self, function: FunctionNode, depth: int = 0) -> str | None:
        """The type a function returns, or yields when it is a generator (a yield dependency)."""
        key = id(function)
        if key not in self._results:
            self._results[key] = None  # a recursive function's result does not depend on itself
            self._results[key] = self._function_result(function, depth)
        return self._results[key]

    def _function_result(self, function: FunctionNode, depth: int) -> str | None:
        scope = self.scope(function)
        values = [
            node.value
            for node in local_nodes_of(function, Return, Yield)
            if node.value is not None
        ]
        found = {self.type_of(value, scope, depth + 1) for value in values}
        if len(found) == 1:
            result = found.pop()
            if result:
                return result
        if function.returns is not None:
            return self.annotation_type(function.returns)
        return None

    def _own_method(self, func: ast.expr, scope: Scope) -> FunctionNode | None:
        """The method ``self.name``/``cls.name`` calls, when the enclosing class defines it."""
        if not (isinstance(func, Attribute) and isinstance(func.value, Name) and func.value.id in ("self", "cls")):
            return None
        owner = self._class_of(scope.node)
        if owner is None:
            return None
        return next(
            (item for item in owner.body if isinstance(item, (FunctionDef, AsyncFunctionDef)) and item.name == func.attr),
            None,
        )

    def _self_attribute_type(self, attr: str, scope: Scope, depth: int) -> str | None:
        owner = self._class_of(scope.node)
        if owner is None:
            return None
        key = (id(owner), attr)
        if key not in self._self_types:
            # Attributes built from other attributes chain deeply: infer each once, and
            # let one that depends on itself have no type.
            self._self_types[key] = None
            bindings = self._class_attributes(owner).get(attr, ())
            found = {self._binding_type(binding, binding_scope, depth + 1) for binding, binding_scope in bindings}
            if not bindings:  # ``@property def repo(self) -> NoteRepo``: what the getter returns
                getter = self._property(owner, attr)
                found = {self.function_result(getter, depth + 1)} if getter is not None else set()
            self._self_types[key] = found.pop() if len(found) == 1 else None
        return self._self_types[key]

    def _property(self, owner: ClassDef, attr: str) -> FunctionNode | None:
        for statement in owner.body:
            if isinstance(statement, (FunctionDef, AsyncFunctionDef)) and statement.name == attr:
                decorators = {self.names.qualified_name(d) for d in statement.decorator_list}
                return statement if decorators & _PROPERTIES else None
        return None

    def _state_attribute_type(self, attr: str, depth: int) -> str | None:
        """``request.state.db``: the one type every ``<x>.state.db = ...`` of the module
        stores (a middleware or dependency sets it, handlers read it)."""
        if self._state_stores is None:
            self._state_stores = {}
            for function in nodes_of(self.module_scope.node, FunctionDef, AsyncFunctionDef):
                for node in local_nodes_of(function, Assign):
                    for target in node.targets:
                        if isinstance(target, Attribute) and isinstance(target.value, Attribute) and target.value.attr == "state":
                            self._state_stores.setdefault(target.attr, []).append((node.value, function))
        key = (-1, attr)
        if key not in self._self_types:
            self._self_types[key] = None
            stores = self._state_stores.get(attr, [])
            found = {self.type_of(value, self.scope(function), depth + 1) for value, function in stores}
            if not stores and self._external_state is not None:  # set by another module's middleware
                found = {self._external_state(attr)}
            self._self_types[key] = found.pop() if len(found) == 1 else None
        return self._self_types[key]

    def state_types(self) -> dict[str, str]:
        """What this module stores on ``<x>.state.NAME``: the type, or ``?`` when unknown or
        when the stores disagree (pass 1 summarises it for other modules)."""
        self._state_attribute_type("", 0)  # collects the stores
        assert self._state_stores is not None
        return {attr: self._state_attribute_type(attr, 0) or "?" for attr in self._state_stores}

    def _class_attributes(self, owner: ClassDef) -> dict[str, list[tuple[Binding, Scope]]]:
        """Every ``self.x = ...`` and class-level ``x = ...`` of a class, collected once and kept
        on the class, as scopes are: the summary's inference and the rules' ask the same."""
        cached: dict[str, list[tuple[Binding, Scope]]] | None = owner.__dict__.get("_fastlint_attributes")
        if cached is not None:
            return cached
        attributes: dict[str, list[tuple[Binding, Scope]]] = {}

        def add(name: str, binding: Binding, scope: Scope) -> None:
            attributes.setdefault(name, []).append((binding, scope))

        for statement in owner.body:
            if isinstance(statement, AnnAssign) and isinstance(statement.target, Name):
                add(statement.target.id, Binding("annotation", statement.annotation), self.module_scope)
            elif isinstance(statement, Assign):
                for target in statement.targets:
                    if isinstance(target, Name):
                        add(target.id, Binding("value", statement.value), self.module_scope)
            elif isinstance(statement, (FunctionDef, AsyncFunctionDef)):
                method_scope = self.scope(statement)
                for node in walk_local(statement):
                    if isinstance(node, Assign):
                        for target in node.targets:
                            if isinstance(target, Attribute) and _is_self_attribute(target):
                                add(target.attr, Binding("value", node.value), method_scope)
                    elif isinstance(node, AnnAssign) and isinstance(node.target, Attribute) and _is_self_attribute(node.target):
                        add(node.target.attr, Binding("annotation", node.annotation), method_scope)
        owner._fastlint_attributes = attributes  # type: ignore[attr-defined]
        return attributes

    # -- annotations -------------------------------------------------------------------

    def annotation_type(self, node: ast.expr, depth: int = 0) -> str | None:
        if isinstance(node, Constant) and isinstance(node.value, str):
            try:
                parsed = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
            return self.annotation_type(parsed)
        if isinstance(node, BinOp) and isinstance(node.op, BitOr):
            sides = [side for side in (node.left, node.right) if not is_none(side)]
            return self.annotation_type(sides[0]) if len(sides) == 1 else None
        if isinstance(node, Subscript):
            origin = self.names.qualified_name(node.value)
            arguments = node.slice.elts if isinstance(node.slice, Tuple) else [node.slice]
            if origin in ANNOTATED or origin in OPTIONAL or origin in ITERATOR_TYPES:
                return self.annotation_type(arguments[0])
            if origin in UNION:  # ``Union[Queue, None]``
                sides = [side for side in arguments if not is_none(side)]
                return self.annotation_type(sides[0]) if len(sides) == 1 else None
            if origin == "typing.IO":  # ``IO[bytes]``
                return origin
            if origin is None or origin.startswith(_GENERIC_FORMS):
                return None  # ``list[Model]``, ``type[Repo]``: not an instance of a class with methods of its own
            return self.annotation_type(node.value, depth + 1)  # ``queue.Queue[bytes]``: the generic class
        if isinstance(node, Name) and depth < _MAX_DEPTH:
            alias = self.module_scope.bindings.get(node.id, [])
            if len(alias) == 1 and alias[0].kind == "value" and isinstance(alias[0].node, ast.expr):
                return self.annotation_type(alias[0].node, depth + 1)
        qualified = self.names.qualified_name(node)
        if qualified and self._external_alias is not None:  # an alias imported from another module
            return self._external_alias(qualified) or qualified
        return qualified


def _attribute_result(receiver: str, attr: str) -> str | None:
    return (
        known.ATTRIBUTE_RESULTS.get(f"{receiver}.{attr}")
        or (known.ATTRIBUTE_RESULTS.get(f"{receiver}.*") if not attr.startswith("_") else None)
        or sdk.attribute_result(receiver, attr)
    )


def _is_self_attribute(node: AST) -> bool:
    return isinstance(node, Attribute) and isinstance(node.value, Name) and node.value.id == "self"


def _none_placeholder(binding: Binding) -> bool:
    return binding.kind == "value" and binding.node is not None and is_none(binding.node)



def _has_call(node: AST) -> bool:
    # Most receivers asked about are attribute chains (``self.repo.session``): walked down
    # to their root without listing every node; a chain that ends in a name holds no call.
    while type(node) is Attribute:
        node = node.value
    if type(node) is Name:
        return False
    if type(node) is Call:  # ``client().chat.create()``: no need to list the call's nodes
        return True
    return any(type(child) is Call for child in descendants((node,)))


def _makes_async_sessions(call: Call, names: NameTable) -> bool:
    class_ = keyword(call, "class_")
    return class_ is not None and (names.qualified_name(class_) or "").endswith("AsyncSession")
