"""Building a module's ``FastAPIModel`` (``analysis/fastapi_model.py``) from its tree.

One walk over the module finds applications and routers, then the functions they
register: route handlers, dependencies, middleware, lifespan and event handlers,
background tasks, exception handlers. Compiled in the compiled build (``setup.py``); the
model's classes stay Python there, as the cache stores ``Role``.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    AnnAssign,
    Assign,
    AsyncFunctionDef,
    Attribute,
    Call,
    ClassDef,
    Dict,
    FormattedValue,
    FunctionDef,
    JoinedStr,
    List,
    Module,
    Name,
    Set,
    Tuple,
)

from fastlint.analysis.fastapi_model import AppObject, FastAPIModel, Role, RoleKind
from fastlint.analysis.names import NameTable, dotted_text
from fastlint.analysis.syntax import FunctionNode, keyword, nodes_of, string_value
from fastlint.knowledge.fastapi import (
    APP_CONSTRUCTORS,
    APPLICATIONS,
    ASYNC_CONTEXT_MANAGER,
    BASE_HTTP_MIDDLEWARE,
    DEPENDS,
    ENTRYPOINT_RUNNERS,
    HTTP_METHODS,
    MIDDLEWARE_ENTRIES,
)

# The methods of an app or router that register a function (``_collect_app_method_call``).
_APP_METHODS = frozenset({
    "add_api_route", "add_api_websocket_route", "add_websocket_route", "add_event_handler", "add_exception_handler", "add_middleware",
})


def build_model(tree: Module, names: NameTable) -> FastAPIModel:
    """The model of ``tree``, kept on it for the context of a check made on the same tree
    (``own_model``): pass 1 builds it for the summary of a module that may register, and
    pass 2 checks that tree where pass 1 kept it. Callers only read it."""
    kept: tuple[NameTable, FastAPIModel] | None = tree.__dict__.get("_fastlint_model")
    if kept is not None and kept[0] is names:
        return kept[1]
    model = _ModelBuilder(tree, names).build()
    tree._fastlint_model = (names, model)  # type: ignore[attr-defined]
    return model


def own_model(tree: Module, names: NameTable) -> FastAPIModel:
    """A model of ``tree`` that the caller may add to (the roles other modules give): the
    one ``build_model`` kept, taken off the tree, or a new one."""
    kept: tuple[NameTable, FastAPIModel] | None = tree.__dict__.pop("_fastlint_model", None)
    if kept is not None and kept[0] is names:
        return kept[1]
    return _ModelBuilder(tree, names).build()


class _ModelBuilder:
    def __init__(self, tree: Module, names: NameTable) -> None:
        self.tree = tree
        self.names = names
        self.model = FastAPIModel()
        self.classes: dict[str, ClassDef] = {}
        self.all_classes: list[ClassDef] = nodes_of(tree, ClassDef)
        self.functions: list[FunctionNode] = nodes_of(tree, FunctionDef, AsyncFunctionDef)

    def build(self) -> FastAPIModel:
        # Each kind from its own bucket of ``nodes_of`` (in the tree's walk order), not one
        # walk over every node: the rules' context builds the model of every checked file.
        for class_def in self.all_classes:
            self.classes.setdefault(class_def.name, class_def)
            for item in class_def.body:
                if isinstance(item, (FunctionDef, AsyncFunctionDef)):
                    self.model.owners[item] = class_def
        for assignment in self._app_assignments():
            self._collect_app(assignment)
        for function in self.functions:
            self._collect_decorators(function)
        for call in nodes_of(self.tree, Call):
            if call.args or call.keywords:  # a call without arguments registers nothing
                self._collect_registration(call)
        for class_def in self.classes.values():
            if any(self.names.qualified_name(base) == BASE_HTTP_MIDDLEWARE for base in class_def.bases):
                self._add_method_role(class_def, "dispatch", Role(RoleKind.MIDDLEWARE))
        return self.model

    # -- applications and routers ------------------------------------------------------

    def _app_assignments(self) -> list[Assign | AnnAssign]:
        """``app = FastAPI(...)``, ``router: APIRouter = APIRouter(...)``, in source order."""
        found: list[Assign | AnnAssign] = [
            node
            for kind in (Assign, AnnAssign)
            for node in nodes_of(self.tree, kind)
            if isinstance(node.value, Call) and APP_CONSTRUCTORS.get(self.names.qualified_name(node.value.func) or "")
        ]
        found.sort(key=_position)
        return found

    def _collect_app(self, node: Assign | AnnAssign) -> None:
        call = node.value
        assert isinstance(call, Call)
        kind = APP_CONSTRUCTORS[self.names.qualified_name(call.func) or ""]
        targets = node.targets if isinstance(node, Assign) else [node.target]
        prefix = string_value(keyword(call, "prefix")) or ""
        for target in targets:
            text = dotted_text(target)
            if text:
                self.model.apps[text] = AppObject(kind, prefix, call)
        self._add_function_role(keyword(call, "lifespan"), Role(RoleKind.LIFESPAN), defined_before=node)
        for hook, kind_ in (("on_startup", RoleKind.STARTUP), ("on_shutdown", RoleKind.SHUTDOWN)):
            for element in _elements(keyword(call, hook)):
                self._add_function_role(element, Role(kind_), defined_before=node)
        handlers = keyword(call, "exception_handlers")
        if isinstance(handlers, Dict):
            for value in handlers.values:
                self._add_function_role(value, Role(RoleKind.EXCEPTION_HANDLER), defined_before=node)

    def _app_prefix(self, receiver: ast.expr) -> str | None:
        """The prefix of a known app or router, or None when ``receiver`` is not one."""
        text = dotted_text(receiver)
        if text is None:
            return None
        if text in self.model.apps:
            return self.model.apps[text].prefix
        # A router imported from another module: its prefix is not known here.
        head = text.split(".")[0]
        return "" if head in self.names.imports or text.endswith(("app", "router")) else None

    # -- decorators --------------------------------------------------------------------

    def _collect_decorators(self, function: FunctionNode) -> None:
        for decorator in function.decorator_list:
            if self.names.qualified_name(decorator) == ASYNC_CONTEXT_MANAGER and _looks_like_lifespan(function, self.names):
                self._add_role(function, Role(RoleKind.LIFESPAN))
            if not (isinstance(decorator, Call) and isinstance(decorator.func, Attribute)):
                continue
            prefix = self._app_prefix(decorator.func.value)
            if prefix is None:
                continue
            role = _decorator_role(decorator.func.attr, decorator, prefix)
            if role:
                self._add_role(function, role)

    # -- calls that register functions -------------------------------------------------

    def _collect_registration(self, call: Call) -> None:
        callee = self.names.qualified_name(call.func)
        if callee in DEPENDS:
            target = call.args[0] if call.args else keyword(call, "dependency")
            self._add_dependency(target)
            return
        if callee in ENTRYPOINT_RUNNERS and call.args:
            target = call.args[0]
            self._add_function_role(target.func if isinstance(target, Call) else target, Role(RoleKind.ENTRYPOINT))
            return
        if callee in ("starlette.routing.Route", "starlette.routing.WebSocketRoute") and len(call.args) >= 2:
            path = path_text(call.args[0]) or ""
            websocket = callee.endswith("WebSocketRoute")
            role = Role(RoleKind.WEBSOCKET, path) if websocket else Role(RoleKind.ROUTE, _endpoint(keyword(call, "methods"), path))
            self._add_function_role(call.args[1], role, call)
            return
        if callee in MIDDLEWARE_ENTRIES and call.args:  # ``FastAPI(middleware=[Middleware(Timing)])``
            self._add_middleware(call.args[0])
            return
        if callee in ("starlette.background.BackgroundTask", "fastapi.BackgroundTasks") and call.args:
            self._add_function_role(call.args[0], Role(RoleKind.BACKGROUND))
            return
        if not isinstance(call.func, Attribute):
            return
        method = call.func.attr
        if method == "add_task" and call.args:
            self._add_function_role(call.args[0], Role(RoleKind.BACKGROUND))
            return
        if method not in _APP_METHODS:
            return
        prefix = self._app_prefix(call.func.value)
        if prefix is None:
            return
        self._collect_app_method_call(method, call, prefix)

    def _collect_app_method_call(self, method: str, call: Call, prefix: str) -> None:
        """One of ``_APP_METHODS`` called on an app or router."""
        args = call.args
        if method == "add_api_route" and len(args) >= 2:
            path = prefix + (path_text(args[0]) or "")
            self._add_function_role(args[1], Role(RoleKind.ROUTE, _endpoint(keyword(call, "methods"), path)), call)
        elif method in ("add_api_websocket_route", "add_websocket_route") and len(args) >= 2:
            self._add_function_role(args[1], Role(RoleKind.WEBSOCKET, prefix + (path_text(args[0]) or "")), call)
        elif method == "add_event_handler" and len(args) >= 2:
            kind = RoleKind.STARTUP if string_value(args[0]) == "startup" else RoleKind.SHUTDOWN
            self._add_function_role(args[1], Role(kind), call)
        elif method == "add_exception_handler" and len(args) >= 2:
            self._add_function_role(args[1], Role(RoleKind.EXCEPTION_HANDLER), call)
        elif method == "add_middleware" and args:
            self._add_middleware(args[0])

    def _add_middleware(self, reference: ast.expr) -> None:
        """A middleware class: its ``__call__`` (pure ASGI) or ``dispatch`` (BaseHTTPMiddleware)
        runs on the loop for every request. One from another module gets the role there."""
        class_def = self._local_class(reference)
        if class_def is None:
            qualified = self.names.qualified_name(reference)
            if qualified and not qualified.startswith("builtins."):
                self.model.external_roles.setdefault(qualified, []).append(Role(RoleKind.MIDDLEWARE))
            return
        self._add_method_role(class_def, "__call__", Role(RoleKind.MIDDLEWARE))
        self._add_method_role(class_def, "dispatch", Role(RoleKind.MIDDLEWARE))

    def _add_dependency(self, target: ast.expr | None) -> None:
        if target is None:
            return
        role = Role(RoleKind.DEPENDENCY)
        class_def = self._local_class(target.func if isinstance(target, Call) else target)
        if class_def is not None:
            # ``Depends(Checker())`` calls the instance; ``Depends(Checker)`` builds one per request.
            self._add_method_role(class_def, "__call__" if isinstance(target, Call) else "__init__", role)
            return
        self._add_function_role(target, role)

    # -- role bookkeeping --------------------------------------------------------------

    def _add_function_role(
        self, reference: ast.expr | None, role: Role, site: Call | None = None, defined_before: ast.stmt | None = None
    ) -> None:
        """``defined_before``: a nested function named by ``reference`` counts only if it is
        defined before that statement (a hook of an app: ``FastAPI(lifespan=lifespan)``)."""
        if reference is None:
            return
        method = self._own_method(reference, site) if site is not None else None
        if method is not None:  # ``self.router.add_api_route("/x", self.get_x)`` in a method of the class
            self._add_role(method, role)
            return
        if isinstance(reference, Name):
            definition = self.names.definitions.get(reference.id)
            if isinstance(definition, (FunctionDef, AsyncFunctionDef)):
                self._add_role(definition, role)
                return
            nested = [
                f
                for f in self.functions
                if f.name == reference.id and f not in self.model.owners and (defined_before is None or _position(f) < _position(defined_before))
            ]
            if len(nested) == 1:
                self._add_role(nested[0], role)
                return
        qualified = self.names.qualified_name(reference)
        if qualified and not qualified.startswith("builtins."):
            self.model.external_roles.setdefault(qualified, []).append(role)

    def _add_method_role(self, class_def: ClassDef, method: str, role: Role) -> None:
        for item in class_def.body:
            if isinstance(item, (FunctionDef, AsyncFunctionDef)) and item.name == method:
                self._add_role(item, role)

    def _add_role(self, function: FunctionNode, role: Role) -> None:
        roles = self.model.roles.setdefault(function, [])
        if role not in roles:
            roles.append(role)

    def _own_method(self, reference: ast.expr, site: Call) -> FunctionNode | None:
        """``self.get_x`` at ``site``: the method ``get_x`` of the class whose body holds ``site``."""
        if not (isinstance(reference, Attribute) and isinstance(reference.value, Name) and reference.value.id in ("self", "cls")):
            return None
        line = site.lineno
        enclosing = [c for c in self.all_classes if c.lineno <= line <= (c.end_lineno or c.lineno)]
        if not enclosing:
            return None
        owner = max(enclosing, key=lambda c: c.lineno)
        return next((item for item in owner.body if isinstance(item, (FunctionDef, AsyncFunctionDef)) and item.name == reference.attr), None)

    def _local_class(self, reference: ast.expr) -> ClassDef | None:
        if isinstance(reference, Name):
            definition = self.names.definitions.get(reference.id)
            if isinstance(definition, ClassDef):
                return definition
        return None


def _position(node: ast.stmt) -> tuple[int, int]:
    """Where a statement starts: statements come in this order in ``nodes_of``'s walk."""
    return node.lineno, node.col_offset


def _decorator_role(attr: str, decorator: Call, prefix: str) -> Role | None:
    path_arg = decorator.args[0] if decorator.args else keyword(decorator, "path")
    path = path_text(path_arg)
    if attr in HTTP_METHODS:
        return Role(RoleKind.ROUTE, f"{attr.upper()} {prefix}{path or ''}") if path is not None else None
    if attr in ("api_route", "route") and path is not None:
        return Role(RoleKind.ROUTE, _endpoint(keyword(decorator, "methods"), prefix + path))
    if attr in ("websocket", "websocket_route") and path is not None:
        return Role(RoleKind.WEBSOCKET, prefix + path)
    if attr == "middleware":
        return Role(RoleKind.MIDDLEWARE)
    if attr == "on_event":
        event = string_value(decorator.args[0]) if decorator.args else None
        return Role(RoleKind.STARTUP if event == "startup" else RoleKind.SHUTDOWN)
    if attr == "exception_handler":
        return Role(RoleKind.EXCEPTION_HANDLER)
    return None


def path_text(node: AST | None) -> str | None:
    """A route's path: a string, or an f-string with its placeholders kept as written
    (``f"/steps/{CHECK_STEP}/runs"``)."""
    if isinstance(node, JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, FormattedValue):
                parts.append("{" + (dotted_text(value.value) or "...") + "}")
            else:
                parts.append(string_value(value) or "")
        return "".join(parts)
    return string_value(node)


def _endpoint(methods: ast.expr | None, path: str) -> str:
    verbs = [string_value(element) for element in _elements(methods)]
    names = ", ".join(sorted({verb.upper() for verb in verbs if verb})) or "GET"
    return f"{names} {path}"


def _elements(node: ast.expr | None) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, (List, Tuple, Set)) else []


def _looks_like_lifespan(function: FunctionNode, names: NameTable) -> bool:
    if function.name == "lifespan":
        return True
    params = function.args.posonlyargs + function.args.args
    if len(params) != 1 or params[0].annotation is None:
        return False
    return names.qualified_name(params[0].annotation) in APPLICATIONS
