import ast
from collections.abc import Iterator

from fastlint import (
    Applicability,
    Finding,
    Fix,
    Invalid,
    ModuleContext,
    Rule,
    Valid,
    add_argument,
    all_parameters,
    dotted_text,
    keyword,
    may_set_docs,
    nodes_of,
    replace,
    string_value,
    walk_local,
)

_URLS = (("docs_url", "/docs"), ("redoc_url", "/redoc"), ("openapi_url", "/openapi.json"))
# Hosts that only this machine can reach; uvicorn's default host is one of them.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_SERVERS = frozenset({"uvicorn.run", "uvicorn.Config", "uvicorn.config.Config"})
# Calls that serve an app they are given: an app passed to them is never a throwaway.
_SERVING_ATTRIBUTES = frozenset({"mount", "Mount", "Host", "run", "Config", "Server", "serve"})


class ApiDocsInProduction(Rule):
    """
    ## What it does
    Checks for `FastAPI(...)` applications that serve their API documentation in every
    environment: `openapi_url` is not set to `None`, to `""` (falsy: FastAPI then serves
    neither schema nor docs) or to an expression that can be `None` (a conditional, a
    settings attribute, a variable). Mounted sub-applications
    are checked too, and the message names what stays exposed (`/docs`, `/redoc`,
    `/openapi.json`) under the mount path.

    This is a preview rule, off by default: select `FL501` by its exact code. Whether a
    service's API docs should be public is a product decision the code does not show: on
    the ecosystem check (docs/ecosystem.md) most apps that serve docs do so on purpose
    (self-hosted products that document their REST API, such as Airflow, Prefect and
    Chroma; docs moved to `/api/docs`), and many others are internal servers (worker
    health and status probes, log servers, a stub app): fewer than 90% of the reviewed
    findings were true. Turn it on for a service whose schema is private.

    ## Why is this bad?
    The OpenAPI schema lists every route, parameter and model of the service: a map for
    an attacker, and a routine penetration-test finding. `docs_url=None` and
    `redoc_url=None` hide the pages but still serve `/openapi.json`; only
    `openapi_url=None` turns all three off. A sub-application mounted with `app.mount`
    serves its own docs even when the parent's are off.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(title="Billing", docs_url=None)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    from app.config import settings

    app = FastAPI(title="Billing", openapi_url="/openapi.json" if settings.debug else None)
    ```
    An attribute of a settings object (`openapi_url=settings.openapi_url`) is fine too.

    ## Known problems
    Apps built from `**kwargs` are reported only in an app factory (a module-level function
    named `*app*`, such as `create_app`) that splats its `**options` parameter, or a dict
    parameter when every caller is in the same module, and only when the factory has callers
    and none of them may pass docs settings (`openapi_url=`, `docs_url=`, `redoc_url=`, `**`,
    or a dict holding those keys or one that cannot be read). Nor are
    apps that are never served: a `FastAPI()` built inside a function as an argument of a
    call used only there (`async with lifespan(FastAPI()):`) or as a value in a literal (a
    fake ASGI scope `{"app": FastAPI()}`), also under `if __name__ == "__main__":`; and apps that a command-line tool serves to this
    machine only: the module serves the app itself with `uvicorn.run`/`uvicorn.Config` on a
    loopback host (`127.0.0.1`, `localhost`, `::1`, or uvicorn's default) from inside a
    function, on port `0` or in a command (`@app.command()`, `@click.command()`) or a `cli`
    module, as a browser-login callback server does.

    ## Fix safety
    The fix passes `openapi_url=None` (or puts `None` in place of a literal
    `openapi_url`), which turns off `/docs`, `/redoc` and `/openapi.json` together. It is
    unsafe: it removes the docs in development too, and clients that fetch the schema
    (code generators, gateways, contract tests) stop working. Gating the value on a
    setting (`openapi_url="/openapi.json" if settings.docs_enabled else None`) is the
    better change and a manual one, since how the service tells production from
    development is not in the code. No fix when the call passes `**kwargs`.

    ## Options
    - `public-docs`: set to `true` for services whose docs are public on purpose; the
      rule then reports nothing.

    ## References
    - [FastAPI: Conditional OpenAPI](https://fastapi.tiangolo.com/how-to/conditional-openapi/)
    - [FastAPI: Sub Applications - Mounts](https://fastapi.tiangolo.com/advanced/sub-applications/)
    """

    code = "FL501"
    name = "api-docs-in-production"
    preview = True
    fixable = True
    triggers = (b"FastAPI",)

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        if self.settings.public_docs:
            return
        names = _assigned_names(ctx.tree)
        mounts = _mounts(ctx.tree)
        parents = _parents(ctx.tree)
        local_servers = _loopback_cli_served(ctx, parents)
        for node in nodes_of(ctx.tree, ast.Call):
            if ctx.names.qualified_name(node.func) != "fastapi.FastAPI":
                continue
            if _throwaway(ctx, node, parents):
                continue
            if names.get(node) in local_servers:
                continue
            factory = _factory_without_docs(ctx, node, parents)
            exposed = _exposed(ctx, node, splat_is_empty=factory is not None)
            if not exposed:
                continue
            name = names.get(node)
            mount = mounts.get(node) or (mounts.get(name) if name else None)
            where = ", ".join(f"`{(mount or '').rstrip('/')}{path}`" for path in exposed)
            label = f"sub-application `{name or 'FastAPI()'}` mounted at `{mount}`" if mount else f"`{name or 'FastAPI()'}`"
            callers = f" (no caller of `{factory}` passes docs settings)" if factory else ""
            yield ctx.finding(
                self.code,
                node.func,
                f"API docs are served in production: {label} exposes {where}{callers}; "
                "set `openapi_url=None` outside development",
                fix_title="Pass `openapi_url=None` unless docs are enabled by configuration",
                fix=_fix(ctx, node),
            )

    VALID = (
        Valid("from fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n"),
        Valid(
            """
import os
from fastapi import FastAPI
from app.config import settings

app = FastAPI(openapi_url=settings.openapi_url)
admin = FastAPI(openapi_url="/openapi.json" if os.getenv("ENV") == "dev" else None)
"""
        ),
        Valid(
            """
from fastapi import FastAPI

def create_app(**options):
    return FastAPI(title="Billing", **options)
"""
        ),
        # Factories whose callers pass docs settings (or may: ``**config``, a dict the rule
        # cannot read, a dict with docs keys), and one that sets them itself.
        Valid(
            """
from fastapi import FastAPI
from app.config import settings

def create_app(**options) -> FastAPI:
    return FastAPI(title="Billing", **options)

def create_api_app(fast_api_app_kwargs: dict | None = None) -> FastAPI:
    fast_api_app_kwargs = fast_api_app_kwargs or {}
    return FastAPI(title="API", **fast_api_app_kwargs)

def build_app(**options) -> FastAPI:
    options.setdefault("openapi_url", None)
    return FastAPI(**options)

app = create_app(debug=False, openapi_url=settings.openapi_url)
admin = create_app(**settings.admin_app)
api = create_api_app(fast_api_app_kwargs={"openapi_url": None, "title": "API"})
internal = create_api_app(settings.internal_app)
public = build_app(title="Public")
"""
        ),
        Valid("from fastapi import FastAPI\n\napp = FastAPI()\n", options={"public_docs": True}),
        Valid(
            """
from fastapi import FastAPI

OPENAPI = None
app = FastAPI(openapi_url=OPENAPI)
api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
app.mount("/v1", api)
"""
        ),
        # ``openapi_url=""`` is falsy: FastAPI serves neither the schema nor the docs.
        Valid('from fastapi import FastAPI\n\napp = FastAPI(title="Billing", openapi_url="")\n'),
        # Throwaway apps: the lifespan run by a collector, a fake ASGI scope.
        Valid(
            """
from fastapi import FastAPI, Request
from proxy.server import proxy_startup_event

async def collect_metrics():
    async with proxy_startup_event(FastAPI()):
        return await read_metrics()

def search_request(headers: list) -> Request:
    scope = {"type": "http", "method": "GET", "headers": headers, "app": FastAPI()}
    return Request(scope)

if __name__ == "__main__":
    print(search(Request({"type": "http", "headers": [], "app": FastAPI()}, None), "TOP movies"))
"""
        ),
        # A browser-login callback server that the command line serves on this machine only.
        Valid(
            """
import uvicorn
from fastapi import FastAPI

login_api = FastAPI()

@login_api.post("/success")
def receive_login(payload: dict) -> None:
    login_api.state.result = payload

async def serve_login_api():
    config = uvicorn.Config(login_api, port=0, log_level="critical")
    await uvicorn.Server(config).serve()
"""
        ),
        Valid(
            """
import typer
import uvicorn
from fastapi import FastAPI

cli = typer.Typer()
callback_app = FastAPI()

@cli.command()
def login():
    uvicorn.run(callback_app, host="127.0.0.1", port=8765)
"""
        ),
    )
    INVALID = (
        # Reduced from an orchestration server's app factory: the REST API app is built from
        # the kwargs its one caller passes, which hold exception handlers only.
        Invalid(
            """
from fastapi import FastAPI

def create_api_app(dependencies=None, fast_api_app_kwargs: dict | None = None) -> FastAPI:
    fast_api_app_kwargs = fast_api_app_kwargs or {}
    api_app = FastAPI(title="API", **fast_api_app_kwargs)
    return api_app

def create_app(**options) -> FastAPI:
    return FastAPI(redoc_url=None, **options)

def create_server():
    app = FastAPI(title="Server", openapi_url=None)
    api_app = create_api_app(fast_api_app_kwargs={"exception_handlers": {}})
    app.mount("/api", api_app)
    return app

worker = create_app(title="Worker", debug=False)
""",
            expected=((6, 15, 6, 22), (10, 12, 10, 19)),
            message="sub-application `api_app` mounted at `/api` exposes `/api/docs`, `/api/redoc`, `/api/openapi.json` "
            "(no caller of `create_api_app` passes docs settings); set",
        ),
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI(docs_url="", redoc_url=None, openapi_url="/schema.json")
""",
            fixed="""
from fastapi import FastAPI

app = FastAPI(docs_url="", redoc_url=None, openapi_url=None)
""",
            expected=((4, 7, 4, 14),),
            message="`app` exposes `/schema.json`; set",
        ),
        Invalid(
            """
import uvicorn
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

def create_app():
    return CORSMiddleware(FastAPI(), allow_origins=["*"])

app = FastAPI()

def main():
    uvicorn.run(app, host="127.0.0.1", port=8000)

if __name__ == "__main__":
    uvicorn.run(app)
""",
            expected=((7, 27, 7, 34), (9, 7, 9, 14)),
            message="`FastAPI()` exposes `/docs`, `/redoc`, `/openapi.json`",
        ),
        Invalid(
            """
import typer
import uvicorn
from fastapi import FastAPI

cli = typer.Typer()
app = FastAPI()

@cli.command()
def serve(host: str = "0.0.0.0"):
    uvicorn.run(app, host=host)
""",
            expected=((7, 7, 7, 14),),
        ),
        Invalid(
            "from fastapi import FastAPI\n\napp = FastAPI(title='Billing')\n",
            expected=((3, 7, 3, 14),),
            message="API docs are served in production: `app` exposes `/docs`, `/redoc`, `/openapi.json`; "
            "set `openapi_url=None` outside development",
        ),
        Invalid(
            """
import fastapi

app = fastapi.FastAPI(docs_url=None, redoc_url=None)
""",
            expected=((4, 7, 4, 22),),
            message="`app` exposes `/openapi.json`;",
        ),
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI(openapi_url=None)
v1 = FastAPI(openapi_url=f"/{'schema'}.json", redoc_url=None)
app.mount("/v1", v1)
""",
            expected=((5, 6, 5, 13),),
            message="sub-application `v1` mounted at `/v1` exposes `/v1/docs`, `/v1/{'schema'}.json`",
        ),
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI(openapi_url=None)
app.mount("/admin", FastAPI(docs_url="/swagger"))
""",
            expected=((5, 21, 5, 28),),
            message="mounted at `/admin` exposes `/admin/swagger`, `/admin/redoc`, `/admin/openapi.json`",
        ),
    )


def _exposed(ctx: ModuleContext, call: ast.Call, splat_is_empty: bool = False) -> list[str]:
    """The paths the app serves for sure, or nothing when ``openapi_url`` can be None."""
    unreadable = not splat_is_empty and any(item.arg is None for item in call.keywords)  # ``**kwargs`` may set any
    paths = {argument: _path(ctx, call, argument, default, unreadable) for argument, default in _URLS}
    if not paths["openapi_url"]:
        return []  # None, "", an expression that can be None, or hidden in ``**kwargs``
    return [path for path in paths.values() if path]  # FastAPI serves no page whose URL is falsy


def _path(ctx: ModuleContext, call: ast.Call, argument: str, default: str, unreadable: bool) -> str | None:
    value = keyword(call, argument)
    if value is None:
        return None if unreadable else default
    if isinstance(value, ast.JoinedStr):  # an f-string is never None
        return ctx.text_of(value)[2:-1]
    return string_value(value)


def _factory_without_docs(ctx: ModuleContext, app: ast.Call, parents: dict[ast.AST, ast.AST]) -> str | None:
    """The name of the app factory (a module-level function named ``*app*``) that builds
    ``app`` as ``FastAPI(..., **options)`` from its ``**options`` parameter, or from a dict
    parameter (``fast_api_app_kwargs or {}``) called only in this module, when it has callers
    and none of them may pass docs settings (``openapi_url=``, ``docs_url=``, ``redoc_url=``,
    ``**``, a dict with those keys or one it cannot read)."""
    splats = [item.value for item in app.keywords if item.arg is None]
    function = _enclosing_function(app, parents)
    if len(splats) != 1 or not isinstance(splats[0], ast.Name) or function is None or "app" not in function.name.lower():
        return None
    if ctx.names.definitions.get(function.name) is not function or not _only_read(function, splats[0].id):
        return None
    param = splats[0].id
    keywords = function.args.kwarg is not None and function.args.kwarg.arg == param
    positional = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args)]
    if not keywords and param not in positional and param not in [arg.arg for arg in function.args.kwonlyargs]:
        return None
    defaults = dict(all_parameters(function.args))
    default = next((value for arg, value in defaults.items() if arg.arg == param), None)
    if default is not None and not (isinstance(default, ast.Constant) and default.value is None) and not (isinstance(default, ast.Dict) and not default.keys):
        return None
    canonical = f"{ctx.module}.{function.name}"
    local = [call for call in nodes_of(ctx.tree, ast.Call) if ctx.names.qualified_name(call.func) == canonical]
    if ctx.project is not None:
        elsewhere = [sets for module, sets in ctx.project.app_factory_calls(canonical) if module != ctx.module]
        if elsewhere and not keywords:
            return None  # a dict parameter: another module's dict cannot be read
        if any(elsewhere):
            return None
        local_or_elsewhere = bool(local or elsewhere)
    else:
        local_or_elsewhere = bool(local)
    if not local_or_elsewhere:
        return None
    index = positional.index(param) if param in positional else None
    for call in local:
        if may_set_docs(call) if keywords else _dict_may_set_docs(call, param, index):
            return None
    return function.name


def _only_read(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    """``name`` is never changed in the function (no ``name[...] =``, ``name.update(...)``);
    rebinding it to ``name or {}`` keeps it."""
    for node in walk_local(function):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
            return False
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name and not isinstance(node.ctx, ast.Load):
            return False
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and not _or_empty(node.value, name):
                return False
    return True


def _or_empty(value: ast.expr | None, name: str) -> bool:
    """``name or {}``."""
    return (
        isinstance(value, ast.BoolOp)
        and isinstance(value.op, ast.Or)
        and len(value.values) == 2
        and isinstance(value.values[0], ast.Name)
        and value.values[0].id == name
        and isinstance(value.values[1], ast.Dict)
        and not value.values[1].keys
    )


def _dict_may_set_docs(call: ast.Call, param: str, index: int | None) -> bool:
    """The dict a caller passes for the factory's dict parameter may hold docs settings."""
    given = keyword(call, param)
    if given is None and index is not None and index < len(call.args):
        given = call.args[index]
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(item.arg is None for item in call.keywords):
        return True
    if given is None or (isinstance(given, ast.Constant) and given.value is None):
        return False
    if not isinstance(given, ast.Dict):
        return True
    return any(key is None or string_value(key) is None or string_value(key) in _DOCS for key in given.keys)


_DOCS = frozenset(argument for argument, _ in _URLS)


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    current = parents.get(node)
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
        current = parents.get(current)
    return current


def _serves(ctx: ModuleContext, call: ast.Call) -> bool:
    name = ctx.names.qualified_name(call.func) or ""
    if name.startswith(("uvicorn.", "hypercorn.", "granian.", "starlette.routing.")):
        return True
    return isinstance(call.func, (ast.Attribute, ast.Name)) and (call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id) in _SERVING_ATTRIBUTES


def _throwaway(ctx: ModuleContext, app: ast.Call, parents: dict[ast.AST, ast.AST]) -> bool:
    """A ``FastAPI()`` built inside a function only to be handed to a call used there, or
    put in a literal (a fake ASGI scope): it never serves anything."""
    if _enclosing_function(app, parents) is None and not _in_main_block(app, parents):
        return False
    parent = parents.get(app)
    if isinstance(parent, ast.keyword):
        parent = parents.get(parent)
    if isinstance(parent, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
        holder = parents.get(parent)
        return not isinstance(holder, (ast.Return, ast.Yield, ast.YieldFrom))
    if isinstance(parent, ast.Call) and app is not parent.func and not _serves(ctx, parent):
        # Used right there: a ``with`` item, an awaited call, a statement of its own.
        user = parents.get(parent)
        if isinstance(user, ast.Await):
            user = parents.get(user)
        return isinstance(user, (ast.withitem, ast.Expr))
    return False


def _in_main_block(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside ``if __name__ == "__main__":``: code a developer runs by hand."""
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.If) and isinstance(current.test, ast.Compare) and dotted_text(current.test.left) == "__name__":
            return any(string_value(value) == "__main__" for value in current.test.comparators)
        current = parents.get(current)
    return False


_CLI_DECORATORS = frozenset({"command", "callback", "group"})


def _in_cli(ctx: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if "cli" in ctx.module.split(".") or ctx.module.split(".")[-1] in ("cli", "__main__"):
        return True
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in _CLI_DECORATORS:
            return True
    return False


def _loopback_cli_served(ctx: ModuleContext, parents: dict[ast.AST, ast.AST]) -> set[str]:
    """Module-level apps that this module serves itself, from inside functions, only on a
    loopback host and either on port 0 or from command-line code: local helper servers
    (a browser-login callback), never a service. One serving elsewhere keeps it reported."""
    served: dict[str, bool] = {}
    for call in nodes_of(ctx.tree, ast.Call):
        if ctx.names.qualified_name(call.func) not in _SERVERS:
            continue
        app = call.args[0] if call.args else keyword(call, "app")
        name = dotted_text(app) if app is not None else None
        if name is None:
            continue
        host = keyword(call, "host")
        host_text = "127.0.0.1" if host is None else string_value(host)
        port = keyword(call, "port")
        function = _enclosing_function(call, parents)
        local = (
            function is not None
            and host_text in _LOOPBACK
            and ((isinstance(port, ast.Constant) and port.value == 0) or _in_cli(ctx, function))
        )
        served[name] = served.get(name, True) and local
    return {name for name, local in served.items() if local}


def _assigned_names(tree: ast.Module) -> dict[ast.AST, str]:
    names: dict[ast.AST, str] = {}
    for node in nodes_of(tree, ast.Assign, ast.AnnAssign):
        if isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            text = dotted_text(targets[0])
            if text:
                names[node.value] = text
    return names


def _mounts(tree: ast.Module) -> dict[object, str]:
    """Mount paths by the mounted app's name, or by the app's call when built inline."""
    mounts: dict[object, str] = {}
    for node in nodes_of(tree, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "mount":
            path = string_value(node.args[0] if node.args else keyword(node, "path"))
            app = node.args[1] if len(node.args) > 1 else keyword(node, "app")
            if path is None or app is None:
                continue
            mounts[app if isinstance(app, ast.Call) else dotted_text(app)] = path
    return mounts


def _fix(ctx: ModuleContext, call: ast.Call) -> Fix | None:
    if any(item.arg is None for item in call.keywords):
        return None
    given = next((item for item in call.keywords if item.arg == "openapi_url"), None)
    if given is None:
        edit = add_argument(ctx, call, "openapi_url=None")
    elif isinstance(given.value, ast.Constant) and isinstance(given.value.value, str):
        edit = replace(ctx, given.value, "None")
    else:
        return None
    title = "Pass `openapi_url=None` (better: gate it on a setting)"
    return Fix((edit,), Applicability.UNSAFE, title) if edit else None
