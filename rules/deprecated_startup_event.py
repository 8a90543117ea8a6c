import ast
from collections.abc import Iterator

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, dotted_text, keyword, nodes_of, string_value
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

    ## References
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - [Starlette: Lifespan](https://www.starlette.io/lifespan/)
    """

    code = "FL504"
    name = "deprecated-startup-event"
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
                        yield self._finding(ctx, decorator, f'`@{app}.on_event("{event}")`', lifespan)

    def _finding(self, ctx: ModuleContext, node: ast.AST, what: str, lifespan: bool) -> Finding:
        if lifespan:
            message = f"{what} handlers never run: the app also sets `lifespan=`, which replaces them"
        else:
            message = f"{what} is deprecated (removed in Starlette 1.0); use a lifespan handler"
        return ctx.finding(self.code, node, message, fix_title="Move the code into the app's lifespan")

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
