import ast
from collections.abc import Iterator

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, dotted_text, keyword, nodes_of, string_value

_URLS = (("docs_url", "/docs"), ("redoc_url", "/redoc"), ("openapi_url", "/openapi.json"))


class ApiDocsInProduction(Rule):
    """
    ## What it does
    Checks for `FastAPI(...)` applications that serve their API documentation in every
    environment: `openapi_url` is not set to `None` or to an expression that can be
    `None` (a conditional, a settings attribute, a variable). Mounted sub-applications
    are checked too, and the message names what stays exposed (`/docs`, `/redoc`,
    `/openapi.json`) under the mount path.

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
    Apps built from `**kwargs` are not reported: their arguments cannot be read. Nor are
    apps in test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `tests/`),
    which never serve production traffic.

    ## Options
    - `public-docs`: set to `true` for services whose docs are public on purpose; the
      rule then reports nothing.

    ## References
    - [FastAPI: Conditional OpenAPI](https://fastapi.tiangolo.com/how-to/conditional-openapi/)
    - [FastAPI: Sub Applications - Mounts](https://fastapi.tiangolo.com/advanced/sub-applications/)
    """

    code = "FL501"
    name = "api-docs-in-production"
    triggers = (b"FastAPI",)

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        if self.settings.public_docs or _is_test_file(ctx):
            return
        names = _assigned_names(ctx.tree)
        mounts = _mounts(ctx.tree)
        for node in nodes_of(ctx.tree, ast.Call):
            if ctx.names.qualified_name(node.func) != "fastapi.FastAPI":
                continue
            exposed = _exposed(ctx, node)
            if not exposed:
                continue
            name = names.get(node)
            mount = mounts.get(node) or (mounts.get(name) if name else None)
            where = ", ".join(f"`{(mount or '').rstrip('/')}{path}`" for path in exposed)
            label = f"sub-application `{name or 'FastAPI()'}` mounted at `{mount}`" if mount else f"`{name or 'FastAPI()'}`"
            yield ctx.finding(
                self.code,
                node.func,
                f"API docs are served in production: {label} exposes {where}; "
                "set `openapi_url=None` outside development",
                fix_title="Pass `openapi_url=None` unless docs are enabled by configuration",
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
    )
    INVALID = (
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


def _exposed(ctx: ModuleContext, call: ast.Call) -> list[str]:
    """The paths the app serves for sure, or nothing when ``openapi_url`` can be None."""
    unreadable = any(item.arg is None for item in call.keywords)  # ``**kwargs`` may set any
    paths = {argument: _path(ctx, call, argument, default, unreadable) for argument, default in _URLS}
    if paths["openapi_url"] is None:
        return []  # None, an expression that can be None, or hidden in ``**kwargs``
    return [path for path in paths.values() if path is not None]


def _path(ctx: ModuleContext, call: ast.Call, argument: str, default: str, unreadable: bool) -> str | None:
    value = keyword(call, argument)
    if value is None:
        return None if unreadable else default
    if isinstance(value, ast.JoinedStr):  # an f-string is never None
        return ctx.text_of(value)[2:-1]
    return string_value(value)


def _is_test_file(ctx: ModuleContext) -> bool:
    path = ctx.path.resolve()
    root = ctx.settings.project_root.resolve()
    folders = path.relative_to(root).parts[:-1] if path.is_relative_to(root) else ()
    name = path.name
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py") or "tests" in folders


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
