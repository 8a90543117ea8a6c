import ast
from collections.abc import Iterator

from fastlint import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Invalid,
    ModuleContext,
    Position,
    Rule,
    Valid,
    add_argument,
    add_from_import,
    all_parameters,
    dotted_text,
    keyword,
    nodes_of,
    string_value,
    undecorated,
)
from fastlint.knowledge.fastapi import APP_CONSTRUCTORS

_EVENTS = ("startup", "shutdown")


class DeprecatedStartupEvent(Rule):
    """
    ## What it does
    Checks for startup and shutdown handlers registered with `@app.on_event("startup")`,
    `@app.on_event("shutdown")` or the `on_startup=`/`on_shutdown=` arguments.

    ## Why is this bad?
    FastAPI deprecated these in favour of the `lifespan` context manager, and Starlette
    1.0 removed them. Worse, an app that also passes `lifespan=` never runs them: the
    lifespan replaces the default one that calls the handlers, so the connection pool or
    cache they were meant to open is silently missing and the first requests fail or
    open their own connections.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.on_event("startup")
    async def open_client():
        app.state.http = httpx.AsyncClient()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as client:
            app.state.http = client
            yield


    app = FastAPI(lifespan=lifespan)
    ```

    ## Fix safety
    The fix moves an app's `@app.on_event("startup")` and `@app.on_event("shutdown")`
    handlers into one `lifespan` context manager defined above the app: it calls the
    startup handlers in their order (awaiting the async ones), yields, then calls the
    shutdown handlers; the handlers stay as functions without the decorator, the app gets
    `lifespan=lifespan`, and `from contextlib import asynccontextmanager` is added. It is
    unsafe: passing `lifespan=` stops FastAPI from running any `on_event`,
    `add_event_handler` or `on_startup=` handler of that app, including those that
    `include_router` merges in from routers, so a handler the fix cannot see would silently
    stop running. It is therefore offered only when every handler of the app is such a
    decorated module-level function of the module that creates the app, with nothing else
    registering one: no `add_event_handler`, `on_startup=`/`on_shutdown=`, `lifespan=` or
    use of `app.router`; every router the app includes is created in the same module and
    registers no handler itself (an imported router's handlers are not visible there); and,
    when the project is indexed, no other module (tests aside) imports the app.

    ## References
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - [Starlette: Lifespan](https://www.starlette.io/lifespan/)
    """

    code = "FL504"
    name = "deprecated-startup-event"
    fixable = True
    triggers = (b"on_event", b"on_startup", b"on_shutdown")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for node in nodes_of(ctx.tree, ast.Call, ast.FunctionDef, ast.AsyncFunctionDef):
            if isinstance(node, ast.Call) and ctx.names.qualified_name(node.func) in APP_CONSTRUCTORS:
                for item in node.keywords:
                    # Only handlers listed here: ``on_startup=on_startup`` merely forwards a parameter.
                    if item.arg in ("on_startup", "on_shutdown") and isinstance(item.value, (ast.List, ast.Tuple)) and item.value.elts:
                        yield self._finding(ctx, item, f"`{item.arg}=`", _has_lifespan(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    app = _on_event_receiver(ctx, decorator)
                    if app is not None:
                        event = string_value(decorator.args[0])  # type: ignore[attr-defined]
                        owner = ctx.model.apps.get(app)
                        lifespan = owner is not None and owner.kind == "app" and _has_lifespan(owner.call)
                        fix = _lifespan_fix_of(ctx, app)
                        yield self._finding(ctx, decorator, f'`@{app}.on_event("{event}")`', lifespan, fix)

    def _finding(self, ctx: ModuleContext, node: ast.AST, what: str, lifespan: bool, fix: Fix | None = None) -> Finding:
        if lifespan:
            message = f"{what} handlers never run: the app also sets `lifespan=`, which replaces them"
        else:
            message = f"{what} is deprecated (removed in Starlette 1.0); use a lifespan handler"
        return ctx.finding(self.code, node, message, fix_title="Move the code into the app's lifespan", fix=fix)

    VALID = (
        Valid(
            """
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    yield

app = FastAPI(lifespan=lifespan)
"""
        ),
        Valid(
            """
from fastapi import FastAPI

app = FastAPI()

@app.on_event("custom")
def custom():
    pass

class Bus:
    def on_event(self, name):
        return lambda f: f

bus = Bus()

@bus.on_event("startup")
def not_fastapi():
    pass
"""
        ),
        Valid("from app.factory import build\n\napp = build(on_startup=[print])\n"),
        Valid(
            """
from fastapi import APIRouter

def make_router(on_startup=None, lifespan=None):
    return APIRouter(on_startup=on_startup, on_shutdown=[], lifespan=lifespan)
"""
        ),
    )
    INVALID = (
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI()

@app.on_event("startup")
async def connect():
    pass
""",
            expected=((6, 2, 6, 25),),
            message='`@app.on_event("startup")` is deprecated (removed in Starlette 1.0); use a lifespan handler',
            fixed="""
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    await connect()
    yield


app = FastAPI(lifespan=lifespan)

async def connect():
    pass
""",
        ),
        Invalid(
            """
from fastapi import FastAPI

async def lifespan(app):
    yield

async def connect():
    pass

app = FastAPI(lifespan=lifespan, on_startup=[connect])

@app.on_event("shutdown")
async def disconnect():
    pass
""",
            expected=((10, 34, 10, 54), (12, 2, 12, 26)),
            message="`on_startup=` handlers never run: the app also sets `lifespan=`, which replaces them",
        ),
        Invalid(
            """
from fastapi import APIRouter

router = APIRouter(on_shutdown=[print])
""",
            expected=((4, 20, 4, 39),),
            message="`on_shutdown=` is deprecated",
        ),
    )


def _on_event_receiver(ctx: ModuleContext, decorator: ast.expr) -> str | None:
    """``app`` in ``@app.on_event("startup")`` when ``app`` is an app or router."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr == "on_event"):
        return None
    if not decorator.args or string_value(decorator.args[0]) not in _EVENTS:
        return None
    app = dotted_text(decorator.func.value)
    if app is None:
        return None
    imported = app.split(".")[0] in ctx.names.imports
    return app if app in ctx.model.apps or imported else None


def _has_lifespan(call: ast.Call) -> bool:
    value = keyword(call, "lifespan")
    return value is not None and not (isinstance(value, ast.Constant) and value.value is None)


# -- the fix: the handlers of an app become one lifespan ---------------------------------------

# What else can register a startup or shutdown handler on an app or router, or replace them.
_REGISTERING_ATTRIBUTES = frozenset({"add_event_handler", "on_startup", "on_shutdown", "router", "lifespan_context", "on_event"})


def _lifespan_fix_of(ctx: ModuleContext, app: str) -> Fix | None:
    """``_lifespan_fix``, computed once per app and module."""
    fixes: dict[str, Fix | None] = ctx.fact("FL504.lifespan-fixes", lambda _: {})
    if app not in fixes:
        fixes[app] = _lifespan_fix(ctx, app)
    return fixes[app]


def _lifespan_fix(ctx: ModuleContext, app: str) -> Fix | None:
    """The fix of every ``@app.on_event(...)`` handler of ``app`` (one shared fix), or None
    when some handler of that app might be out of its sight (see the rule's Fix safety)."""
    statement = next(
        (
            node
            for node in ctx.tree.body
            if isinstance(node, ast.Assign) and [dotted_text(target) for target in node.targets] == [app] and "." not in app
        ),
        None,
    )
    owner = ctx.model.apps.get(app)
    if statement is None or owner is None or owner.kind != "app" or statement.value is not owner.call:
        return None
    call = owner.call
    if any(item.arg in (None, "lifespan", "on_startup", "on_shutdown") for item in call.keywords):
        return None
    handlers = _handlers(ctx, app)
    if handlers is None or not handlers or not _nothing_else_registers(ctx, app, handlers) or _imported_elsewhere(ctx, app):
        return None
    if _name_taken(ctx, "lifespan"):
        return None
    usable, import_edit = add_from_import(ctx, "contextlib", "asynccontextmanager")
    if not usable:
        return None
    argument = add_argument(ctx, call, "lifespan=lifespan")
    removals = [undecorated(ctx, function, 0) for function, _ in handlers]
    if argument is None or any(edit is None for edit in removals):
        return None
    nl = "\r\n" if "\r\n" in ctx.source.text else "\n"
    indent = _indent_unit(ctx, handlers[0][0])
    annotation = f": {ctx.text_of(call.func)}" if isinstance(call.func, (ast.Name, ast.Attribute)) else ""
    lines = ctx.source.text.splitlines()

    def called(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        # The decorator's own comment (``@app.on_event("startup")  # open the pool``) goes with the call.
        decorator = function.decorator_list[0]
        rest = lines[decorator.end_lineno - 1].encode()[decorator.end_col_offset :].decode(errors="replace")  # type: ignore[operator]
        comment = f"  {rest.strip()}" if rest.strip().startswith("#") else ""
        return f"{indent}{'await ' if isinstance(function, ast.AsyncFunctionDef) else ''}{function.name}(){comment}{nl}"

    body = [
        *(called(function) for function, event in handlers if event == "startup"),
        f"{indent}yield{nl}",
        *(called(function) for function, event in handlers if event == "shutdown"),
    ]
    lifespan = f"@asynccontextmanager{nl}async def lifespan(app{annotation}):{nl}{''.join(body)}{nl}{nl}"
    edits = [_above(statement, lines, lifespan, nl), argument, *removals]
    if import_edit is not None:
        edits.append(import_edit)
    names = ", ".join(f"`{function.name}`" for function, _ in handlers)
    return Fix(tuple(sorted(edits, key=lambda edit: edit.start)), Applicability.UNSAFE, f"Move {names} into a `lifespan` context manager")  # type: ignore[arg-type]


def _handlers(ctx: ModuleContext, app: str) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] | None:
    """The module-level functions whose first decorator is ``@app.on_event("startup"|"shutdown")``,
    in source order; None when a handler of ``app`` is registered any other way (elsewhere
    than at module level, under another decorator, with parameters, or twice)."""
    found = []
    for node in nodes_of(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        marks = [index for index, decorator in enumerate(node.decorator_list) if _on_event_of(decorator, app)]
        if not marks:
            continue
        if marks != [0] or node not in ctx.tree.body or all_parameters(node.args) or node.args.vararg or node.args.kwarg:
            return None
        event = string_value(node.decorator_list[0].args[0])
        if event not in _EVENTS or len(node.decorator_list[0].args) != 1 or node.decorator_list[0].keywords:
            return None
        found.append((node, event))
    names = [function.name for function, _ in found]
    if len(set(names)) != len(names) or any(_name_taken(ctx, name, allowed=function) for function, _ in found for name in [function.name]):
        return None
    return sorted(found, key=lambda item: item[0].lineno)


def _on_event_of(decorator: ast.expr, app: str) -> bool:
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr == "on_event"
        and dotted_text(decorator.func.value) == app
    )


def _nothing_else_registers(ctx: ModuleContext, app: str, handlers: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]) -> bool:
    """No other way of registering a handler on ``app``, and every router it includes is
    created here and registers none itself."""
    decorators = {id(function.decorator_list[0].func) for function, _ in handlers}  # type: ignore[attr-defined]
    for node in nodes_of(ctx.tree, ast.Attribute):
        owner = dotted_text(node.value)
        if owner == app and node.attr in _REGISTERING_ATTRIBUTES and id(node) not in decorators:
            return False
    for node in nodes_of(ctx.tree, ast.Call):
        if not (isinstance(node.func, ast.Attribute) and node.func.attr == "include_router" and dotted_text(node.func.value) == app):
            continue
        router = dotted_text(node.args[0]) if node.args else None
        if router is None or not _quiet_router(ctx, router):
            return False
    return True


def _quiet_router(ctx: ModuleContext, router: str) -> bool:
    """``router`` is created in this module and registers no startup or shutdown handler
    (and includes no router that could)."""
    owner = ctx.model.apps.get(router)
    if owner is None or owner.kind != "router" or any(item.arg in (None, "lifespan", "on_startup", "on_shutdown") for item in owner.call.keywords):
        return False
    return not any(
        dotted_text(node.value) == router and node.attr in (*_REGISTERING_ATTRIBUTES, "include_router")
        for node in nodes_of(ctx.tree, ast.Attribute)
    )


def _imported_elsewhere(ctx: ModuleContext, app: str) -> bool:
    """Another module of the project (tests aside) imports the app: it may register a
    handler on it. Without the project index nothing is known, as for a single file."""
    importers = getattr(ctx.project, "importers", None)
    if importers is None or not ctx.module:
        return False
    found = importers(f"{ctx.module}.{app}")
    return found is None or any(not _is_test_module(module) for module in found)


def _is_test_module(module: str) -> bool:
    parts = module.split(".")
    return any(part in ("tests", "test", "conftest") or part.startswith("test_") for part in parts)


def _name_taken(ctx: ModuleContext, name: str, allowed: ast.AST | None = None) -> bool:
    """``name`` is bound in the module by anything but ``allowed``."""
    for node in ast.walk(ctx.tree):
        if node is allowed:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name:
            return True
        if allowed is None and isinstance(node, ast.Name) and node.id == name:
            return True  # a use of a name bound elsewhere (a builtin, a star import)
    return False


def _above(statement: ast.stmt, lines: list[str], text: str, nl: str) -> Edit:
    """``text`` inserted above ``statement`` and the comment lines right above it, two
    blank lines from the code above."""
    line = statement.lineno
    while line > 1 and lines[line - 2].lstrip().startswith("#"):
        line -= 1
    blank = 0
    while line - blank > 1 and not lines[line - blank - 2].strip():
        blank += 1
    padding = nl * (2 - blank) if line - blank > 1 and blank < 2 else ""
    return Edit(Position(line, 1), Position(line, 1), padding + text)


def _indent_unit(ctx: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The indentation of the handler's body (four spaces, a tab...)."""
    line = ctx.source.text.splitlines()[function.body[0].lineno - 1]
    return line[: len(line) - len(line.lstrip())] or "    "
