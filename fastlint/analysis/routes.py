"""The route map: every endpoint of a project, how it runs, and what it pulls in.

For each application (``FastAPI()``, ``Starlette()``) the map follows ``include_router``
across modules, joining the prefixes of the include and of ``APIRouter(prefix=...)``, and
lists each endpoint with the execution model of everything FastAPI runs for it:

- the handler: ``async def`` on the event loop, ``def`` in the threadpool;
- its dependencies, as a tree (app-level, include-level, router-level, route-level and
  parameter dependencies, in the order FastAPI solves them). A class dependency is
  constructed in the threadpool; a callable instance runs as its ``__call__`` does; a
  sync generator dependency runs (and tears down) in the threadpool;
  ``functools.partial`` runs as the function it wraps;
- the middleware that wrap it (outermost first), the exception handlers of its
  application (a sync handler runs in the threadpool), the background tasks it adds (a
  sync task runs in the threadpool), and the iterators it streams
  (``StreamingResponse`` over a sync iterator is iterated in the threadpool, over an
  async generator on the loop);
- the project functions reachable from all of these through the project index's call
  graph, as source spans: a finding inside one of them is reachable from the route.

Nothing here imports or runs the analysed code.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastlint.analysis.fastapi_roles import build_model
from fastlint.analysis.module_names import dotted_prefixes, dotted_rest
from fastlint.analysis.names import NameTable, dotted_text
from fastlint.analysis.syntax import FunctionNode, all_parameters, is_generator, keyword, nodes_of, release, string_value, walk_local
from fastlint.knowledge.fastapi import ANNOTATED, APP_CONSTRUCTORS, BASE_HTTP_MIDDLEWARE, HTTP_METHODS, MIDDLEWARE_ENTRIES

if TYPE_CHECKING:
    from fastlint.analysis.project_index import ProjectIndex

LOOP, THREADPOOL, UNKNOWN = "loop", "threadpool", "unknown"
_DEPENDS = "fastapi.Depends"
_SECURITY = "fastapi.Security"
_PARTIAL = "functools.partial"
_BACKGROUND_TASKS = frozenset({"fastapi.BackgroundTasks", "starlette.background.BackgroundTasks"})
_BACKGROUND_TASK = frozenset({"starlette.background.BackgroundTask", "fastapi.background.BackgroundTask"})
_STREAMING = frozenset({
    "fastapi.responses.StreamingResponse",
    "starlette.responses.StreamingResponse",
    "sse_starlette.EventSourceResponse",
    "sse_starlette.sse.EventSourceResponse",
})
# Library callables that FastAPI awaits: the security schemes' ``__call__`` is ``async def``.
_ASYNC_LIBRARY_PREFIXES = ("fastapi.security.",)
_MAX_DEPTH = 12
# How much source (characters) the map keeps parsed at a time, beyond the modules of the
# route at hand: a tree costs ~30 bytes a character, and a map that kept every module it
# parsed peaked at 500 MB on litellm's proxy. A module dropped is parsed again when needed.
_TREE_BUDGET = 3_000_000
# A module can construct an application or a router only if it calls the class by its name
# or by the alias an import gives it: the others are not parsed to look for one.
_APP_WORDS = tuple(sorted({name.rsplit(".", 1)[1] for name in APP_CONSTRUCTORS}))
_APP_ALIAS = re.compile(rf"(?:{'|'.join(_APP_WORDS)})(?:\s|\\|#[^\n]*)+as(?:\s|\\)+(\w+)")  # ``FastAPI as Web``
_CALL_OPENING = re.compile(r"(?:\s|\\|\)|#[^\n]*)*\(")  # what may stand between a callee's last name and ``(``
# What a module's text must hold to register on an application or router (``may_register``):
# a call of one of these methods, or a decorator ``@receiver.attr(...)`` with one of these attrs.
_REGISTERING_METHODS = ("include_router", "add_api_route", "add_api_websocket_route", "add_websocket_route", "add_middleware", "add_exception_handler")
_DECORATOR_ATTRS = HTTP_METHODS | {"api_route", "route", "websocket", "websocket_route", "middleware", "exception_handler"}
_DECORATOR_LINE = re.compile(r"^[ \t\f]*@(.*)$", re.MULTILINE)
# A decorator that is a dotted name, called or not: the other shapes are taken as registering.
_DOTTED_DECORATOR = re.compile(r"[ \t\f]*([A-Za-z_]\w*(?:[ \t\f]*\.[ \t\f]*[A-Za-z_]\w*)*)[ \t\f]*(?:[(#]|$)")
Span = tuple[str, int, int]  # filename, first line, last line
_Reference = ast.expr | ast.FunctionDef | ast.AsyncFunctionDef  # a decorated function stands for itself


@dataclass
class Dependency:
    name: str
    runs_on: str
    kind: str  # function | generator | class | instance | partial | library | unknown
    source: str  # app | include | router | route | parameter
    qualified: str | None = None
    scope: str | None = None  # ``Depends(scope="function")``
    scopes: tuple[str, ...] = ()  # ``Security(scopes=[...])``
    teardown: bool = False  # a ``yield`` dependency: its code after ``yield`` runs at teardown
    filename: str | None = None
    line: int | None = None
    dependencies: list[Dependency] = field(default_factory=list)


@dataclass
class Callee:
    """A middleware, exception handler, background task or streamed iterator."""

    name: str
    runs_on: str
    kind: str
    qualified: str | None = None
    filename: str | None = None
    line: int | None = None


@dataclass
class Route:
    methods: tuple[str, ...]
    path: str
    name: str
    function: str  # qualified name of the endpoint
    filename: str
    line: int
    runs_on: str
    kind: str = "http"  # http | websocket
    app: str | None = None
    response_model: str | None = None
    dependencies: list[Dependency] = field(default_factory=list)
    middleware: list[Callee] = field(default_factory=list)
    exception_handlers: list[Callee] = field(default_factory=list)
    background_tasks: list[Callee] = field(default_factory=list)
    streams: list[Callee] = field(default_factory=list)
    # Where the code FastAPI runs for this route lies: findings inside are reachable from it.
    spans: list[Span] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{', '.join(self.methods)} {self.path}" if self.kind == "http" else f"WS {self.path}"

    def reaches(self, filename: str, line: int) -> bool:
        return any(path == filename and start <= line <= end for path, start, end in self.spans)


@dataclass
class ModuleSource:
    """One module of the project, parsed when first needed."""

    path: str
    module: str
    is_package: bool
    text: str
    # The module's imports as pass 1's summary of the same text recorded them (the name
    # table's), when known: whether it imports FastAPI is then known without parsing it.
    imports: Mapping[str, str] | None = None
    _tree: ast.Module | None = None
    _names: NameTable | None = None
    _parsed: _Parsed | None = field(default=None, repr=False, compare=False)  # the route map's record of the trees it holds
    _places: dict[type, dict[tuple[int, int, int | None, int | None], ast.AST]] | None = field(default=None, repr=False, compare=False)

    @property
    def tree(self) -> ast.Module:
        if self._tree is None:
            try:
                self._tree = ast.parse(self.text, filename=self.path)
            except (SyntaxError, ValueError):  # reported as FL001 by the check
                self._tree = ast.Module(body=[], type_ignores=[])
            if self._parsed is not None:
                self._parsed.used(self)
        return self._tree

    def node_at(self, place: _Place) -> ast.AST:
        """The node of this module's tree at ``place`` (the first in ``ast.walk`` order)."""
        if self._parsed is not None:
            self._parsed.used(self)
        if self._places is None:
            self._places = {}
        if place.kind not in self._places:
            found: dict[tuple[int, int, int | None, int | None], ast.AST] = {}
            for node in nodes_of(self.tree, place.kind):
                found.setdefault(_span(node), node)
            self._places[place.kind] = found
        return self._places[place.kind][place.span]

    def drop_tree(self) -> None:
        if self._tree is not None:
            release(self._tree)
        self._tree, self._names, self._places = None, None, None

    @property
    def registers(self) -> bool:
        """Whether the module can create or register on an application or router."""
        return "fastapi" in self.text or "starlette" in self.text

    @property
    def imports_web(self) -> bool:
        """Whether the module imports FastAPI or Starlette (a module that does not registers nothing)."""
        return any(target.split(".", 1)[0] in ("fastapi", "starlette") for target in self.import_targets)

    @property
    def import_targets(self) -> Collection[str]:
        """What the module's imports name: from pass 1's summary when given, else from its own name table."""
        return (self.imports if self.imports is not None else self.names.imports).values()

    @property
    def names(self) -> NameTable:
        if self._names is None:
            self._names = NameTable(self.tree, self.module, self.is_package)
        return self._names


def _span(node: ast.AST) -> tuple[int, int, int | None, int | None]:
    return node.lineno, node.col_offset, node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]


def may_make_app(text: str) -> bool:
    """Whether ``text`` can call an application or router class (``FastAPI(...)``,
    ``APIRouter(...)``, under its name or the alias an import gives it); False only when it
    cannot."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if not any(word in text for word in _APP_WORDS):
        return False
    callees = {*_APP_WORDS, *(alias.group(1) for alias in _APP_ALIAS.finditer(text))}
    for call in re.finditer("|".join(sorted(callees, key=len, reverse=True)), text):
        if not _name_at(text, call.start() - 1) and not _name_at(text, call.end()) and _CALL_OPENING.match(text, call.end()):
            return True
    return False


def _name_at(text: str, index: int) -> bool:
    """Whether ``text[index]`` can be part of a name (off the text: no)."""
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


def may_register(text: str) -> bool:
    """Whether ``text`` can hold a registration the map records with an effect: a call of a
    registering method, or a decorator ``@dotted.attr(...)`` whose ``attr`` registers. False
    only when none can be there, from the text alone: identifiers are compared as the
    parser reads them (NFKC), and a decorator of any other shape counts as one that may."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if any(method in text for method in _REGISTERING_METHODS):
        return True
    for line in _DECORATOR_LINE.finditer(text):
        dotted = _DOTTED_DECORATOR.match(line.group(1))
        if dotted is None:
            return True
        parts = dotted.group(1).split(".")
        if len(parts) > 1 and parts[-1].strip() in _DECORATOR_ATTRS:
            return True
    return False


class _Place:
    """A node of a module by its type and source range. What the map keeps of the modules
    it has read is places, not nodes (a node holds its whole subtree: the handlers'
    bodies), so that their trees can be dropped and parsed again."""

    __slots__ = ("module", "kind", "span")

    def __init__(self, module: ModuleSource, node: ast.AST) -> None:
        self.module, self.kind, self.span = module, type(node), _span(node)

    @property
    def lineno(self) -> int:
        return self.span[0]

    def node(self) -> ast.AST:
        return self.module.node_at(self)

    def expr(self) -> ast.expr:
        node = self.node()
        assert isinstance(node, ast.expr)  # a place made of an expression
        return node


class _Parsed:
    """The modules whose trees are held, least recently used first; ``trim`` drops the
    oldest beyond the budget (only between routes, when no node of a dropped tree is in use)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.modules: dict[int, ModuleSource] = {}

    def used(self, source: ModuleSource) -> None:
        self.modules.pop(id(source), None)
        self.modules[id(source)] = source

    def drop(self, source: ModuleSource) -> None:
        self.modules.pop(id(source), None)
        source.drop_tree()

    def trim(self, rank: Callable[[int], int] | None = None) -> None:
        """Drop trees beyond the budget, least recently used first, or in the order of
        ``rank`` (by id of a module; least recently used first among equals)."""
        held = sum(len(source.text) for source in self.modules.values())
        if held <= self.budget:
            return
        order = list(self.modules)
        if rank is not None:
            order.sort(key=rank)
        for key in order:
            if held <= self.budget:
                break
            source = self.modules.pop(key)
            held -= len(source.text)
            source.drop_tree()


# -- what the modules register -----------------------------------------------------------


@dataclass
class _AppObject:
    key: str
    kind: str  # app | router
    prefix: str
    module: ModuleSource | None
    dependencies: list[_Place] = field(default_factory=list)
    middleware: list[tuple[ModuleSource, _Place]] = field(default_factory=list)  # constructor order
    added_middleware: list[tuple[ModuleSource, _Place]] = field(default_factory=list)  # add order
    exception_handlers: list[tuple[ModuleSource, _Place]] = field(default_factory=list)
    routes: list[_Registration] = field(default_factory=list)
    includes: list[_Include] = field(default_factory=list)
    included: bool = False


@dataclass
class _Registration:
    module: ModuleSource
    methods: tuple[str, ...]
    path: str
    kind: str
    endpoint: _Place  # the decorated function, or the reference passed
    call: _Place
    line: int


@dataclass
class _Include:
    module: ModuleSource
    child: str
    prefix: str
    dependencies: list[_Place]


_OwnerKey = tuple[str, str | None]  # a receiver's key in its module, its canonical name if imported
_Registering = tuple[_OwnerKey, Callable[[_AppObject], None]]
# A route to map: its root, its registration, and the prefix and dependencies the includes add.
_Mapping = tuple[_AppObject, _Registration, str, list[tuple[ModuleSource, _Place, str]]]


def _nothing(owner: _AppObject) -> None:
    pass


@dataclass
class _Target:
    """What a reference to a callable resolves to."""

    kind: str  # function | class | instance | partial | library | unknown
    name: str
    qualified: str | None = None
    module: ModuleSource | None = None
    function: FunctionNode | None = None  # the function FastAPI calls (``__call__`` of an instance)
    signature: FunctionNode | None = None  # whose parameters declare sub-dependencies
    class_def: ast.ClassDef | None = None
    runs_on: str = UNKNOWN


class RouteMap:
    """Builds the routes of the project made of ``modules``."""

    def __init__(
        self,
        modules: Iterable[ModuleSource],
        index: ProjectIndex | None = None,
        span_files: Collection[str] | None = None,
        unordered: bool = False,
    ) -> None:
        self.modules = {source.module: source for source in modules}
        self.index = index
        # For a caller that needs the set of routes, not their order (``check``'s JSON): the
        # modules whose text can register nothing with an effect (``may_register``) are not
        # parsed for registrations. What such a module could still record is the entering of
        # an imported router at its first use, which orders the roots (and so routes of equal
        # sort keys) and lets a module register on a receiver of its own that no constructor
        # made; when some module does that, every module is read as without ``unordered``.
        self.unordered = unordered
        self._local_keys: set[str] = set()  # the receivers' keys in their modules, when ``unordered``
        # The files whose functions' spans the routes need (those holding findings); None: all.
        # A route of a large project reaches thousands of functions (a thousand routes
        # reached 1.2 M spans in litellm's proxy), and each span's module must be parsed.
        self.span_files = None if span_files is None else frozenset(span_files)
        self._parsed = _Parsed(_TREE_BUDGET)
        for source in self.modules.values():
            source._parsed = self._parsed
        self.apps: dict[str, _AppObject] = {}
        self._spans: dict[str, Span | None] = {}  # None: no span (outside span_files, not found)
        self._module_spans: dict[str, dict[str, Span]] = {}  # module -> its functions' spans, by canonical name
        self._closures: dict[str, list[Span]] = {}  # a start -> the spans of what it reaches

    # -- public --------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        # One pass reads each module (its applications, and what it registers on which
        # receiver), and its tree is dropped; the registrations are then given to their
        # owners in the same order as if every application had been known from the start.
        recorded: list[list[_Registering] | None] = []
        for source in self.modules.values():
            made = len(self.apps)
            self._collect_apps(source)
            skipped = self.unordered and source.registers and source.imports_web and not may_register(source.text)
            registering = None if skipped else self._collect_registrations(source)
            recorded.append(registering)
            if not registering and made == len(self.apps):
                self._parsed.drop(source)  # no route needs it as a registering module: room for those
            self._parsed.trim()
        skipped_modules = [source for source, registering in zip(self.modules.values(), recorded) if registering is None]
        if skipped_modules and self._owned_elsewhere(skipped_modules):
            recorded = [self._collect_registrations(source) if registering is None else registering for source, registering in zip(self.modules.values(), recorded)]
        for registering in filter(None, recorded):
            for owner_key, act in registering:
                owner = self._owner_of(owner_key)
                if owner is not None:
                    act(owner)
        roots = [app for app in self.apps.values() if app.kind == "app"]
        roots += [app for app in self.apps.values() if app.kind == "router" and not app.included and app.routes + app.includes]
        mapping = [task for root in roots for task in self._walk(root, root, "", [], set())]
        left: Counter[int] = Counter(id(registration.module) for _, registration, _, _ in mapping)  # routes to map, by id of module

        def rank(module: int) -> int:
            return 1 if left.get(module, 1) else 0  # modules whose routes are all mapped go first

        # The routes of the modules whose trees the reading above left are mapped first
        # (least recently used first), then the others, each module's together; trees are
        # dropped first of modules whose routes are all mapped, then least recently used.
        # Mapped in the order the walk lists them, the routes found the trees read last
        # dropped before their turn: langflow's map parsed 58 of 170 modules twice.
        held = {module: place for place, module in enumerate(self._parsed.modules)}
        first: dict[int, int] = {}
        for number, (_, registration, _, _) in enumerate(mapping):
            first.setdefault(id(registration.module), number)

        def turn(number: int) -> tuple[int, int, int]:
            module = id(mapping[number][1].module)
            return held.get(module, len(held)), first[module], number

        order = sorted(range(len(mapping)), key=turn)
        routes: list[Route | None] = [None] * len(mapping)
        for number in order:
            root, registration, prefix, deps = mapping[number]
            self._parsed.trim(rank)  # before any node is taken from a tree: none of the last route's is in use
            routes[number] = self._route(root, registration, prefix, deps)
            left[id(registration.module)] -= 1
        found = [route for route in routes if route is not None]
        found.sort(key=lambda route: (route.path, route.methods, route.filename, route.line))
        return found

    # -- modules: applications, routers, registrations ------------------------------------

    def _owned_elsewhere(self, skipped: list[ModuleSource]) -> bool:
        """Whether a skipped module could have entered, as an imported router, the receiver
        of a module's own that no constructor made (``app``, ``router``): the name it would
        have entered is an import of it followed by attributes (the import target a prefix
        of that receiver's key), or what the index resolves that to, which is a module or
        starts at a class or function the module defines."""
        suspects = [key for key in self._local_keys if key not in self.apps and key.rsplit(".", 1)[-1] in ("app", "router")]
        if not suspects:
            return False
        targets = {target for source in skipped for target in source.import_targets}
        for key in suspects:
            parts = key.split(".")
            if any(".".join(parts[:end]) in targets for end in range(1, len(parts) + 1)):
                return True
            split = self._split(key)
            if split is None or not split[1] or split[1][0] in split[0].names.definitions:
                return True
        return False

    def _collect_apps(self, source: ModuleSource) -> None:
        if not source.registers or not may_make_app(source.text) or not source.imports_web:
            return
        names = source.names
        for text, app in build_model(source.tree, names).apps.items():
            key = f"{source.module}.{text}"
            deps = [_Place(source, dep) for dep in _elements(keyword(app.call, "dependencies"))]
            obj = _AppObject(key, app.kind, app.prefix, source, deps)
            for entry in _elements(keyword(app.call, "middleware")):
                if isinstance(entry, ast.Call) and names.qualified_name(entry.func) in MIDDLEWARE_ENTRIES and entry.args:
                    obj.middleware.append((source, _Place(source, entry.args[0])))
            handlers = keyword(app.call, "exception_handlers")
            if isinstance(handlers, ast.Dict):
                obj.exception_handlers.extend((source, _Place(source, value)) for value in handlers.values)
            self.apps[key] = obj

    def _owner_key(self, source: ModuleSource, receiver: ast.expr) -> _OwnerKey | None:
        """What decides which application or router ``receiver`` is, known from its module
        alone: its key if the module made it, and its canonical name if imported."""
        text = dotted_text(receiver)
        if text is None:
            return None
        canonical = None
        if text.split(".")[0] in source.names.imports:
            qualified = source.names.qualified_name(receiver)
            canonical = self._canonical(qualified) if qualified else None
        if self.unordered:
            self._local_keys.add(f"{source.module}.{text}")
        return f"{source.module}.{text}", canonical

    def _owner_of(self, key: _OwnerKey | None) -> _AppObject | None:
        """The application or router of a receiver, once every module's are known; an
        imported ``app`` or ``router`` the project does not make is entered as a router."""
        if key is None:
            return None
        local_key, canonical = key
        local = self.apps.get(local_key)
        if local is not None:
            return local
        if canonical in self.apps:
            return self.apps[canonical]
        if canonical and canonical.rsplit(".", 1)[-1] in ("app", "router"):
            return self.apps.setdefault(canonical, _AppObject(canonical, "router", "", None))
        return None

    def _collect_registrations(self, source: ModuleSource) -> list[_Registering]:
        """Each call on a possible application or router, in order: the receiver's key and
        what to do with its owner. Calls whose receiver can be no owner are left out."""
        if not source.registers or not source.imports_web:
            return []
        found: list[_Registering] = []
        for node in nodes_of(source.tree, ast.FunctionDef, ast.AsyncFunctionDef, ast.Call):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                        self._record(found, self._owner_key(source, decorator.func.value), self._decorator(source, node, decorator))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._record(found, self._owner_key(source, node.func.value), self._method_call(source, node))
        return found

    @staticmethod
    def _record(found: list[_Registering], key: _OwnerKey | None, act: Callable[[_AppObject], None] | None) -> None:
        if key is None:
            return
        if act is None:  # nothing to register; kept if looking the owner up enters a router
            canonical = key[1]
            if not (canonical and canonical.rsplit(".", 1)[-1] in ("app", "router")):
                return
            act = _nothing
        found.append((key, act))

    def _decorator(self, source: ModuleSource, function: FunctionNode, decorator: ast.Call) -> Callable[[_AppObject], None] | None:
        attr = decorator.func.attr  # type: ignore[attr-defined]
        path = string_value(decorator.args[0] if decorator.args else keyword(decorator, "path"))
        endpoint, call = _Place(source, function), _Place(source, decorator)
        if attr in HTTP_METHODS and path is not None:
            registration = _Registration(source, (attr.upper(),), path, "http", endpoint, call, function.lineno)
        elif attr in ("api_route", "route") and path is not None:
            registration = _Registration(source, _methods(decorator), path, "http", endpoint, call, function.lineno)
        elif attr in ("websocket", "websocket_route") and path is not None:
            registration = _Registration(source, (), path, "websocket", endpoint, call, function.lineno)
        elif attr == "middleware":
            return lambda owner: owner.added_middleware.append((source, endpoint))
        elif attr == "exception_handler":
            return lambda owner: owner.exception_handlers.append((source, endpoint))
        else:
            return None
        return lambda owner: owner.routes.append(registration)

    def _method_call(self, source: ModuleSource, call: ast.Call) -> Callable[[_AppObject], None] | None:
        method, args = call.func.attr, call.args  # type: ignore[attr-defined]
        if method == "include_router" and args:
            child_key = self._owner_key(source, args[0])
            prefix = string_value(keyword(call, "prefix")) or ""
            deps = [_Place(source, dep) for dep in _elements(keyword(call, "dependencies"))]

            def include(owner: _AppObject) -> None:
                child = self._owner_of(child_key)
                if child is not None:
                    owner.includes.append(_Include(source, child.key, prefix, deps))
                    child.included = True

            return include
        if method == "add_api_route" and len(args) >= 2:
            registration = _Registration(source, _methods(call), string_value(args[0]) or "", "http", _Place(source, args[1]), _Place(source, call), call.lineno)
            return lambda owner: owner.routes.append(registration)
        if method in ("add_api_websocket_route", "add_websocket_route") and len(args) >= 2:
            registration = _Registration(source, (), string_value(args[0]) or "", "websocket", _Place(source, args[1]), _Place(source, call), call.lineno)
            return lambda owner: owner.routes.append(registration)
        if method == "add_middleware" and args:
            middleware = (source, _Place(source, args[0]))
            return lambda owner: owner.added_middleware.append(middleware)
        if method == "add_exception_handler" and len(args) >= 2:
            handler = (source, _Place(source, args[1]))
            return lambda owner: owner.exception_handlers.append(handler)
        return None

    # -- composing routes --------------------------------------------------------------

    def _walk(self, root: _AppObject, node: _AppObject, prefix: str, deps: list[tuple[ModuleSource, _Place, str]], seen: set[str]) -> Iterator[_Mapping]:
        """What ``_route`` maps for each registration under ``node``: its root, the prefix
        and the dependencies the includes down to it add."""
        if node.key in seen:
            return
        seen = seen | {node.key}
        own = [(node.module, dep, "app" if node.kind == "app" else "router") for dep in node.dependencies if node.module]
        prefix = prefix + node.prefix
        deps = deps + own
        for registration in node.routes:
            yield root, registration, prefix, deps
        for include in node.includes:
            child = self.apps.get(include.child)
            if child is not None:
                extra = [(include.module, dep, "include") for dep in include.dependencies]
                yield from self._walk(root, child, prefix + include.prefix, deps + extra, seen)

    def _route(self, root: _AppObject, registration: _Registration, prefix: str, deps: list[tuple[ModuleSource, _Place, str]]) -> Route:
        source = registration.module
        endpoint: _Reference = registration.endpoint.node()  # type: ignore[assignment]
        target = self._resolve(source, endpoint, 0)
        call: ast.Call = registration.call.node()  # type: ignore[assignment]
        spans: list[Span] = []
        name = string_value(keyword(call, "name")) or (target.function.name if target.function else target.name)
        route = Route(
            methods=registration.methods,
            path=prefix + registration.path,
            name=name,
            function=target.qualified or target.name,
            filename=(target.module.path if target.module and target.function else source.path),
            line=(target.function.lineno if target.function else registration.line),
            runs_on=target.runs_on,
            kind=registration.kind,
            app=root.key if root.kind == "app" else None,
            response_model=_response_model(call, target.function),
        )
        if target.function is not None and target.module is not None:
            spans.append(self._function_span(target.module, target.function))
        spans.append((source.path, call.lineno, call.end_lineno or call.lineno))
        given = [(dep_source, place.expr(), origin) for dep_source, place, origin in deps]
        for dep_source, dep, origin in [*given, *((source, d, "route") for d in _elements(keyword(call, "dependencies")))]:
            found = self._dependency(dep_source, dep, origin, 0, spans)
            if found is not None:
                route.dependencies.append(found)
        if target.signature is not None and target.module is not None:
            route.dependencies.extend(self._parameter_dependencies(target.module, target.signature, 0, spans))
        functions = [(target.module, target.function)] if target.function and target.module else []
        functions += list(self._dependency_functions(route.dependencies))
        for module, function in functions:
            route.background_tasks.extend(self._background_tasks(module, function, spans))
        if target.function is not None and target.module is not None:
            route.streams.extend(self._streams(target.module, target.function, spans))
        app = root if root.kind == "app" else None
        if app is not None:
            added = sorted(app.added_middleware, key=lambda item: (item[0].path, item[1].lineno))
            stack = [*reversed(added), *app.middleware]
            route.middleware.extend(self._middleware(module, place.node(), spans) for module, place in stack)  # type: ignore[arg-type]
            route.exception_handlers.extend(self._callee(module, place.node(), "exception handler", None) for module, place in app.exception_handlers)  # type: ignore[arg-type]
        route.spans = self._reachable(spans, route)
        return route

    # -- dependencies --------------------------------------------------------------------

    def _dependency(self, source: ModuleSource, node: ast.expr, origin: str, depth: int, spans: list[Span], annotation: ast.expr | None = None) -> Dependency | None:
        """``Depends(x)`` / ``Security(x, scopes=[...])`` (``node`` is that call)."""
        if not isinstance(node, ast.Call) or depth > _MAX_DEPTH:
            return None
        callee = source.names.qualified_name(node.func)
        if callee not in (_DEPENDS, _SECURITY):
            return None
        reference = node.args[0] if node.args else keyword(node, "dependency")
        if reference is None:
            if annotation is None:
                return Dependency("<Depends()>", UNKNOWN, "unknown", origin)
            reference = annotation  # ``x: Checker = Depends()``: the annotation is the dependency
        target = self._resolve(source, reference, 0)
        scopes = tuple(filter(None, (string_value(e) for e in _elements(keyword(node, "scopes")))))
        dependency = Dependency(
            name=target.name,
            runs_on=target.runs_on,
            kind="generator" if target.kind == "function" and target.function and is_generator(target.function) else target.kind,
            source=origin,
            qualified=target.qualified,
            scope=string_value(keyword(node, "scope")),
            scopes=scopes,
            teardown=bool(target.function and is_generator(target.function)),
            filename=target.module.path if target.module else None,
            line=_line(target) if target.module else None,
        )
        if target.module is not None:
            for function in (target.function, target.signature):
                if function is not None:
                    spans.append(self._function_span(target.module, function))
            if target.signature is not None:
                dependency.dependencies = self._parameter_dependencies(target.module, target.signature, depth + 1, spans)
        return dependency

    def _parameter_dependencies(self, source: ModuleSource, function: FunctionNode, depth: int, spans: list[Span]) -> list[Dependency]:
        found: list[Dependency] = []
        for arg, default in all_parameters(function.args):
            if arg.arg in ("self", "cls"):
                continue
            annotation = arg.annotation
            marker, owner, base = self._marker(source, annotation, 0)
            if isinstance(default, ast.Call) and source.names.qualified_name(default.func) in (_DEPENDS, _SECURITY):
                marker, owner, base = default, source, annotation
            if marker is not None and owner is not None:
                dependency = self._dependency(owner, marker, "parameter", depth, spans, base)
                if dependency is not None:
                    found.append(dependency)
        return found

    def _marker(self, source: ModuleSource, annotation: ast.expr | None, depth: int) -> tuple[ast.Call | None, ModuleSource | None, ast.expr | None]:
        """The ``Depends(...)`` an annotation carries: ``Annotated[T, Depends(f)]`` or an
        alias of one (``SessionDep``), in this module or another; with the module it is
        written in and ``T``."""
        if annotation is None or depth > 4:
            return None, None, None
        if isinstance(annotation, ast.Subscript) and source.names.qualified_name(annotation.value) in ANNOTATED:
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            for item in items[1:]:
                if isinstance(item, ast.Call) and source.names.qualified_name(item.func) in (_DEPENDS, _SECURITY):
                    return item, source, items[0]
            return None, None, None
        if isinstance(annotation, (ast.Name, ast.Attribute)):
            found = self._definition(source, annotation)
            if found is not None and isinstance(found[1], ast.expr):
                return self._marker(found[0], found[1], depth + 1)
        return None, None, None

    def _dependency_functions(self, dependencies: list[Dependency]) -> Iterator[tuple[ModuleSource, FunctionNode]]:
        for dependency in dependencies:
            found = self._lookup_function(dependency.qualified) if dependency.qualified else None
            if found is not None:
                yield found
            yield from self._dependency_functions(dependency.dependencies)

    # -- middleware, handlers, tasks, streams -------------------------------------------

    def _middleware(self, source: ModuleSource, reference: _Reference, spans: list[Span]) -> Callee:
        target = self._resolve(source, reference, 0)
        if target.kind == "class" and target.class_def is not None and target.module is not None:
            method = "dispatch" if self._is_base_http(target.module, target.class_def) else "__call__"
            function = self._method(target.module, target.class_def, method, 0)
            if function is not None:
                spans.append(self._function_span(function[0], function[1]))
                name = f"{target.name}.{method}"
                return Callee(name, _runs_on(function[1]), "middleware", f"{target.qualified}.{method}", function[0].path, function[1].lineno)
        if target.function is not None and target.module is not None:
            spans.append(self._function_span(target.module, target.function))
            return Callee(target.name, _runs_on(target.function), "middleware", target.qualified, target.module.path, target.function.lineno)
        # A library's ASGI middleware (CORSMiddleware, GZipMiddleware): ``async def __call__``.
        return Callee(target.name, LOOP, "middleware", target.qualified)

    def _is_base_http(self, source: ModuleSource, class_def: ast.ClassDef) -> bool:
        for base in class_def.bases:
            qualified = source.names.qualified_name(base)
            if qualified == BASE_HTTP_MIDDLEWARE:
                return True
            if qualified and self.index is not None and self.index.is_subclass(qualified, frozenset({BASE_HTTP_MIDDLEWARE})):
                return True
        return False

    def _callee(self, source: ModuleSource, reference: _Reference, kind: str, spans: list[Span] | None) -> Callee:
        target = self._resolve(source, reference, 0)
        if target.function is not None and target.module is not None:
            if spans is not None:
                spans.append(self._function_span(target.module, target.function))
            return Callee(target.name, target.runs_on, kind, target.qualified, target.module.path, target.function.lineno)
        return Callee(target.name, target.runs_on, kind, target.qualified)

    def _background_tasks(self, source: ModuleSource, function: FunctionNode, spans: list[Span]) -> Iterator[Callee]:
        names = source.names
        for node in walk_local(function):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr == "add_task" or names.qualified_name(node.func) in _BACKGROUND_TASK:
                yield self._callee(source, node.args[0], "background task", spans)

    def _streams(self, source: ModuleSource, function: FunctionNode, spans: list[Span]) -> Iterator[Callee]:
        names = source.names
        for node in walk_local(function):
            if not isinstance(node, ast.Call) or names.qualified_name(node.func) not in _STREAMING:
                continue
            content = node.args[0] if node.args else keyword(node, "content")
            if content is None:
                continue
            yield self._stream(source, function, content, spans)

    def _stream(self, source: ModuleSource, function: FunctionNode, content: ast.expr, spans: list[Span]) -> Callee:
        """Starlette iterates an async iterable on the loop and anything else with
        ``iterate_in_threadpool``."""
        text = ast.unparse(content)
        if isinstance(content, ast.Name):
            assigned = [
                node.value
                for node in walk_local(function)
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == content.id for t in node.targets)
            ]
            nested = [node for node in walk_local(function) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == content.id]
            if len(assigned) == 1:
                content = assigned[0]
            elif nested:
                return Callee(text, THREADPOOL, "stream", None, source.path, nested[0].lineno)  # a function object is not async iterable
        if isinstance(content, (ast.GeneratorExp, ast.List, ast.Tuple, ast.Constant)):
            return Callee(text, THREADPOOL, "stream (sync iterator)")
        if isinstance(content, ast.Call):
            if source.names.qualified_name(content.func) == "builtins.open":
                return Callee(text, THREADPOOL, "stream (sync iterator)")
            nested = [
                node
                for node in walk_local(function)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(content.func, ast.Name) and node.name == content.func.id
            ]
            if nested:
                generator, module = nested[0], source
            else:
                target = self._resolve(source, content.func, 0)
                generator, module = target.function, target.module  # type: ignore[assignment]
            if generator is not None and module is not None and is_generator(generator):
                spans.append(self._function_span(module, generator))
                if isinstance(generator, ast.AsyncFunctionDef):
                    return Callee(text, LOOP, "stream (async generator)", None, module.path, generator.lineno)
                return Callee(text, THREADPOOL, "stream (sync generator)", None, module.path, generator.lineno)
        return Callee(text, UNKNOWN, "stream")

    # -- resolving references ------------------------------------------------------------

    def _canonical(self, qualified: str) -> str:
        if self.index is not None:
            resolved = self.index.resolve(qualified)
            if resolved:
                return resolved
        return qualified

    def _split(self, qualified: str) -> tuple[ModuleSource, list[str]] | None:
        for prefix in dotted_prefixes(qualified):
            source = self.modules.get(prefix)
            if source is not None:
                return source, dotted_rest(qualified, prefix)
        return None

    def _definition(self, source: ModuleSource, reference: ast.expr, depth: int = 0) -> tuple[ModuleSource, ast.AST] | None:
        """The definition a name or attribute denotes: a function or class node, or the
        value assigned to a module-level name; across imports and re-exports."""
        if isinstance(reference, ast.Name):
            node = source.names.definitions.get(reference.id)
            if node is not None:
                return source, node
            value = _module_assignment(source.tree, reference.id)
            if value is not None:
                return source, value
        qualified = source.names.qualified_name(reference)
        if qualified is None or depth > 8:
            return None
        # The name as written first: the index resolves an instance to its class.
        return self._definition_of(qualified, depth + 1) or self._definition_of(self._canonical(qualified), depth + 1)

    def _definition_of(self, qualified: str, depth: int) -> tuple[ModuleSource, ast.AST] | None:
        split = self._split(qualified)
        if split is None or not split[1] or depth > 8:
            return None
        source, rest = split
        node: ast.AST | None = source.names.definitions.get(rest[0])
        if node is None:
            if rest[0] in source.names.imports:
                return self._definition_of(".".join([source.names.imports[rest[0]], *rest[1:]]), depth + 1)
            value = _module_assignment(source.tree, rest[0])
            return (source, value) if value is not None and len(rest) == 1 else None
        if len(rest) == 2 and isinstance(node, ast.ClassDef):
            method = self._method(source, node, rest[1], 0)
            return method
        return (source, node) if len(rest) == 1 else None

    def _lookup_function(self, qualified: str) -> tuple[ModuleSource, FunctionNode] | None:
        found = self._definition_of(qualified, 0)
        if found is not None and isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return found[0], found[1]
        return None

    def _method(self, source: ModuleSource, class_def: ast.ClassDef, name: str, depth: int) -> tuple[ModuleSource, FunctionNode] | None:
        for item in class_def.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == name:
                return source, item
        if depth > 6:
            return None
        for base in class_def.bases:
            found = self._definition(source, base)
            if found is not None and isinstance(found[1], ast.ClassDef):
                method = self._method(found[0], found[1], name, depth + 1)
                if method is not None:
                    return method
        return None

    def _function_target(self, source: ModuleSource, function: FunctionNode) -> _Target:
        qualified = self._qualified_function(source, function)
        return _Target("function", function.name, qualified, source, function, function, None, _runs_on(function))

    def _resolve(self, source: ModuleSource, reference: _Reference, depth: int) -> _Target:
        if isinstance(reference, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._function_target(source, reference)
        text = _short(reference)
        if depth > 6:
            return _Target("unknown", text)
        if isinstance(reference, ast.Call):
            callee = source.names.qualified_name(reference.func)
            if callee == _PARTIAL and reference.args:
                inner = self._resolve(source, reference.args[0], depth + 1)
                return _Target("partial", f"partial({inner.name})", inner.qualified, inner.module, inner.function, inner.signature, inner.class_def, inner.runs_on)
            made = self._resolve(source, reference.func, depth + 1)
            if made.kind == "class" and made.class_def is not None and made.module is not None:
                return self._instance(made.module, made.class_def, text, made.qualified)
            if made.kind == "function" and made.function is not None and made.module is not None:
                # A factory returning a nested function: ``Depends(require_role("admin"))``.
                returned = _returned_function(made.function)
                if returned is not None:
                    return _Target("function", f"{made.name}()", made.qualified, made.module, returned, returned, None, _runs_on(returned))
            if callee and callee.startswith(_ASYNC_LIBRARY_PREFIXES):
                return _Target("library", text, callee, runs_on=LOOP)
            return _Target("unknown", text, callee)
        found = self._definition(source, reference)
        qualified = source.names.qualified_name(reference)
        if found is None:
            if qualified and qualified.startswith(_ASYNC_LIBRARY_PREFIXES):
                return _Target("library", text, qualified, runs_on=LOOP)
            return _Target("library" if qualified else "unknown", text, qualified)
        module, node = found
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _Target("function", _display(module, node, self), self._qualified_function(module, node), module, node, node, None, _runs_on(node))
        if isinstance(node, ast.ClassDef):
            init = self._method(module, node, "__init__", 0)
            # FastAPI calls the class: constructing it is sync, so it runs in the threadpool.
            return _Target(
                "class", node.name, f"{module.module}.{node.name}", module, None, init[1] if init else None, node, THREADPOOL
            )
        if isinstance(node, ast.expr):  # a module-level value: an instance, a partial, an alias
            inner = self._resolve(module, node, depth + 1)
            if inner.kind in ("instance", "partial", "function"):
                return _Target(inner.kind, text if inner.kind == "instance" else inner.name, inner.qualified, inner.module, inner.function, inner.signature, inner.class_def, inner.runs_on)
            if inner.kind == "library" or (inner.qualified or "").startswith(_ASYNC_LIBRARY_PREFIXES):
                return _Target("library", text, inner.qualified, runs_on=inner.runs_on)
            return _Target(inner.kind, text, inner.qualified)
        return _Target("unknown", text, qualified)

    def _instance(self, source: ModuleSource, class_def: ast.ClassDef, text: str, qualified: str | None) -> _Target:
        """A callable instance: FastAPI calls ``__call__``, async or not."""
        call = self._method(source, class_def, "__call__", 0)
        if call is None:
            return _Target("instance", text, qualified, source, None, None, class_def, UNKNOWN)
        return _Target("instance", f"{class_def.name}.__call__", f"{qualified}.__call__" if qualified else None, call[0], call[1], call[1], class_def, _runs_on(call[1]))

    def _qualified_function(self, source: ModuleSource, function: FunctionNode) -> str:
        local = _local_names(source.tree).get(id(function))
        return f"{source.module}.{local or function.name}"

    # -- reachability ------------------------------------------------------------------

    def _function_span(self, source: ModuleSource, function: FunctionNode) -> Span:
        first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
        return source.path, first, function.end_lineno or function.lineno

    def _reachable(self, spans: list[Span], route: Route) -> list[Span]:
        """The spans given, plus every project function reachable from the functions
        among them through the project index's call graph."""
        result = dict.fromkeys(spans)
        if self.index is None:
            return list(result)
        starts = [route.function]
        starts += list(_qualified_names(route.dependencies))
        starts += [callee.qualified for callee in [*route.middleware, *route.background_tasks] if callee.qualified]
        for start in dict.fromkeys(starts):
            if start:
                result.update(dict.fromkeys(self._closure(start)))
        return list(result)

    def _closure(self, start: str) -> list[Span]:
        """The spans of the project functions ``start`` reaches (itself included), computed
        once per start: routes share their dependencies (an auth dependency reaches the
        same thousand functions from every route of litellm's proxy)."""
        if start in self._closures:
            return self._closures[start]
        assert self.index is not None
        found_spans: dict[Span, None] = {}
        seen: set[str] = set()
        queue = [start]
        while queue:
            name = queue.pop()
            if name in seen or len(seen) > 5000:
                continue
            seen.add(name)
            found = self.index.function(name)
            if found is None:
                continue
            canonical, summary = found
            span = self._span_of(canonical)
            if span is not None:
                found_spans[span] = None
            for call in summary.calls:
                resolved = self.index.resolve(call)
                if resolved and resolved not in seen:
                    target = self.index.function(resolved)
                    if target is not None:
                        queue.append(target[0])
        self._closures[start] = list(found_spans)
        return self._closures[start]

    def _span_of(self, canonical: str) -> Span | None:
        if canonical not in self._spans:
            module, _, local = canonical.rpartition(".")
            owner, _, method = module.rpartition(".")
            source = self.modules.get(module) or self.modules.get(owner)
            if self.span_files is not None and (source is None or source.path not in self.span_files):
                self._spans[canonical] = None
                return None
            # The spans of a module's functions and methods are read in one pass over its
            # tree: looking each up alone parsed large modules again and again.
            span = self._spans_in(module).get(local) or (self._spans_in(owner).get(f"{method}.{local}") if owner else None)
            if span is None:
                found = self._lookup_function(canonical)  # a re-export, an inherited method
                span = self._function_span(*found) if found else None
            self._spans[canonical] = span
        return self._spans[canonical]

    def _spans_in(self, module: str) -> dict[str, Span]:
        """The spans of ``module``'s functions and of its classes' methods, by local name."""
        if module not in self._module_spans:
            source = self.modules.get(module)
            table: dict[str, Span] = {}
            if source is not None:
                for node in source.tree.body:
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        table[node.name] = self._function_span(source, node)
                    elif isinstance(node, ast.ClassDef):
                        for item in node.body:
                            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                                table[f"{node.name}.{item.name}"] = self._function_span(source, item)
            self._module_spans[module] = table
        return self._module_spans[module]


# -- helpers ---------------------------------------------------------------------------------


def _qualified_names(dependencies: list[Dependency]) -> Iterator[str]:
    for dependency in dependencies:
        if dependency.qualified:
            yield dependency.qualified
        yield from _qualified_names(dependency.dependencies)


def _line(target: _Target) -> int | None:
    node = target.function or target.class_def
    return node.lineno if node is not None else None


def _runs_on(function: FunctionNode) -> str:
    return LOOP if isinstance(function, ast.AsyncFunctionDef) else THREADPOOL


def _local_names(tree: ast.Module) -> dict[int, str]:
    """By id of each module-level function and method of ``tree``: its name in the module
    (``f``, ``Class.f``); built once per tree and kept on it (the ids hold while it lives)."""
    table: dict[int, str] | None = getattr(tree, "_fastlint_local_names", None)
    if table is None:
        table = {}
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                table.setdefault(id(node), node.name)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        table.setdefault(id(item), f"{node.name}.{item.name}")
        tree._fastlint_local_names = table  # type: ignore[attr-defined]
    return table


def _returned_function(function: FunctionNode) -> FunctionNode | None:
    nested = {node.name: node for node in function.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for node in walk_local(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in nested:
            return nested[node.value.id]
    return None


def _module_assignment(tree: ast.Module, name: str) -> ast.expr | None:
    """The value last assigned to ``name`` at module level; the table is built once per
    tree (a 23k-line module is asked thousands of times)."""
    table: dict[str, ast.expr] | None = getattr(tree, "_fastlint_assignments", None)
    if table is None:
        table = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        table[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                table[node.target.id] = node.value
        tree._fastlint_assignments = table  # type: ignore[attr-defined]
    return table.get(name)


def _methods(call: ast.Call) -> tuple[str, ...]:
    verbs = {string_value(element) for element in _elements(keyword(call, "methods"))}
    return tuple(sorted(verb.upper() for verb in verbs if verb)) or ("GET",)


def _elements(node: ast.expr | None) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else []


def _short(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _display(source: ModuleSource, function: FunctionNode, routes: RouteMap) -> str:
    qualified = routes._qualified_function(source, function)
    return qualified.removeprefix(source.module + ".")


def _response_model(call: ast.Call, function: FunctionNode | None) -> str | None:
    model = keyword(call, "response_model")
    if model is not None:
        return ast.unparse(model)
    if function is not None and function.returns is not None:
        text = ast.unparse(function.returns)
        # A response class is not a response model: FastAPI sends it as it is.
        return None if text.rsplit(".", 1)[-1].endswith("Response") or text == "None" else text
    return None
