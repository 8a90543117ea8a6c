import ast
from collections.abc import Iterator

from fastlint import Applicability, Finding, Fix, Invalid, ModuleContext, Rule, Valid, add_import, all_parameters, decorated, nodes_of
from fastlint.knowledge.clients import SETTINGS_BASES
from fastlint.knowledge.fastapi import ANNOTATED, DEPENDS

from ._request_scope import constructions

# Where ``DEPENDS`` names come from: a module that imports nothing of it has no ``Depends``.
_FASTAPI = tuple(sorted({name.split(".", 1)[0] for name in DEPENDS}))


class SettingsPerRequest(Rule):
    """
    ## What it does
    Checks for settings objects (subclasses of `pydantic_settings.BaseSettings`)
    constructed in code that runs once per request without caching: in a handler, in a
    dependency, or used directly as a dependency (`Depends(Settings)`).

    ## Why is this bad?
    Constructing a `BaseSettings` reads every environment variable, parses the `.env`
    file from disk and validates every field. Settings do not change while the process
    runs, so doing it per request spends file I/O and validation on every call for the
    same result.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        api_key: str = ""


    def get_settings():
        return Settings()


    app = FastAPI()


    @app.get("/info")
    def info(settings: Settings = Depends(get_settings)):
        return {"configured": bool(settings.api_key)}
    ```

    ## Use instead
    ```python
    from functools import lru_cache

    from fastapi import Depends, FastAPI
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        api_key: str = ""


    @lru_cache
    def get_settings():
        return Settings()


    app = FastAPI()


    @app.get("/info")
    def info(settings: Settings = Depends(get_settings)):
        return {"configured": bool(settings.api_key)}
    ```

    ## Known problems
    Settings classes of other modules are recognised through the project index, also
    through project base classes. A module is looked at only if its text mentions
    `Settings`, `settings`, `Config` or `config` (in the class name, or in the module it
    is imported from): a settings class named otherwise, imported from a module named
    otherwise, is missed.

    ## Fix safety
    When the settings are constructed in a provider function defined at module level
    (a plain `def` without parameters, decorators or `yield`), the fix puts
    `@functools.lru_cache` on it and adds `import functools`. It is unsafe: the settings
    are then read once per process, so a change to the environment afterwards (a test
    that sets a variable between calls, say) is no longer seen, and every request shares
    one object, so a handler that mutates it changes it for all. Tests that override the
    settings should use `app.dependency_overrides` or call `get_settings.cache_clear()`.
    Settings used directly as a dependency (`Depends(Settings)`) get no fix: the provider
    function has to be written first.

    ## References
    - [FastAPI: Settings in a dependency, with `lru_cache`](https://fastapi.tiangolo.com/advanced/settings/#creating-the-settings-only-once-with-lru_cache)
    """

    code = "FL203"
    name = "settings-per-request"
    fixable = True
    # A settings class imported from another module: its name or its module's says so.
    triggers = (b"Settings", b"settings", b"Config", b"config")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        classes = _SettingsClasses(ctx)
        for site in constructions(ctx):
            if site.name in classes:
                where = ctx.model.describe(site.function)
                yield self._finding(ctx, site.call.func, site.name, f"is constructed per request in {where}", _fix(ctx, site.function))
        for node, name in _settings_dependencies(ctx, classes):
            yield self._finding(ctx, node, name, "is used as a dependency, so it is constructed per request")

    def _finding(self, ctx: ModuleContext, node: ast.AST, name: str, what: str, fix: Fix | None = None) -> Finding:
        message = (
            f"Settings class `{name.rpartition('.')[2]}` {what}: every request re-reads the environment and `.env`; "
            "build it once in a dependency cached with `functools.lru_cache`"
        )
        return ctx.finding(self.code, node, message, fix_title="Cache the settings with `functools.lru_cache`", fix=fix)

    VALID = (
        Valid(
            """
from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    debug: bool = False

settings = Settings()
app = FastAPI(debug=settings.debug)

@app.get("/debug")
def debug():
    return {"debug": settings.debug}
"""
        ),
        Valid(
            """
from functools import cache
from typing import Annotated
from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    region: str = "eu"

@cache
def get_settings() -> Settings:
    return Settings()

app = FastAPI()

@app.get("/region")
def region(settings: Annotated[Settings, Depends(get_settings)]):
    return settings.region
"""
        ),
        Valid(
            """
from contextlib import asynccontextmanager
from fastapi import FastAPI
from pydantic import BaseModel
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    region: str = "eu"

class Query(BaseModel):
    q: str

@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.settings = Settings()
    yield

app = FastAPI(lifespan=lifespan)

@app.post("/search")
def search(body: Query):
    return Query(q=body.q)
"""
        ),
    )
    INVALID = (
        Invalid(
            """
from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

class BaseConfig(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

class Settings(BaseConfig):
    api_key: str = ""

def get_settings():
    return Settings()

app = FastAPI()

@app.get("/info")
async def info(settings: Settings = Depends(get_settings)):
    return {}
""",
            fixed="""
import functools

from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

class BaseConfig(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

class Settings(BaseConfig):
    api_key: str = ""

@functools.lru_cache
def get_settings():
    return Settings()

app = FastAPI()

@app.get("/info")
async def info(settings: Settings = Depends(get_settings)):
    return {}
""",
            expected=((12, 12, 12, 20),),
            message="Settings class `Settings` is constructed per request in dependency `get_settings`: "
            "every request re-reads the environment and `.env`; build it once in a dependency cached with `functools.lru_cache`",
        ),
        Invalid(
            """
from typing import Annotated
from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    api_key: str = ""

app = FastAPI()

@app.get("/a")
def a(settings: Settings = Depends(Settings)):
    return {}

@app.get("/b")
def b(settings: Annotated[Settings, Depends()]):
    return {}
""",
            expected=((12, 36, 12, 44), (16, 37, 16, 46)),
            message="Settings class `Settings` is used as a dependency, so it is constructed per request",
        ),
    )


class _SettingsClasses:
    """``name in classes``: whether a class derives from ``BaseSettings``, directly or
    through project base classes of any module (the index knows every module's class
    bases, this one's included). ``BaseSettings`` itself is not a settings class here."""

    def __init__(self, ctx: ModuleContext) -> None:
        self._project = ctx.project
        self._known: dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or name in SETTINGS_BASES or self._project is None:
            return False
        if name not in self._known:
            self._known[name] = self._project.is_subclass(name, SETTINGS_BASES)
        return self._known[name]


def _settings_dependencies(ctx: ModuleContext, classes: _SettingsClasses) -> Iterator[tuple[ast.AST, str]]:
    """``Depends(Settings)``, and ``Depends()`` whose parameter is annotated with a settings class."""
    if not ctx.names.may_name(_FASTAPI):
        return  # no name of the module is FastAPI's ``Depends``: its calls and parameters need no look
    for node in nodes_of(ctx.tree, ast.Call, ast.FunctionDef, ast.AsyncFunctionDef):
        if isinstance(node, ast.Call) and node.args and ctx.names.qualified_name(node.func) in DEPENDS:
            name = ctx.names.qualified_name(node.args[0])
            if name is not None and name in classes:
                yield node.args[0], name
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg, default in all_parameters(node.args):
                if arg.annotation is not None:
                    yield from _bare_depends(ctx, arg.annotation, default, classes)


def _bare_depends(ctx: ModuleContext, annotation: ast.expr, default: ast.expr | None, classes: _SettingsClasses) -> Iterator[tuple[ast.AST, str]]:
    markers = [default]
    if isinstance(annotation, ast.Subscript) and ctx.names.qualified_name(annotation.value) in ANNOTATED:
        elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        annotation, markers = elements[0], [*elements[1:], default]
    # The markers first: most parameters have none, and the class question asks the index.
    depends = [
        marker for marker in markers
        if isinstance(marker, ast.Call) and not marker.args and not marker.keywords and ctx.names.qualified_name(marker.func) in DEPENDS
    ]
    if not depends:
        return
    name = ctx.names.qualified_name(annotation)
    if name is None or name not in classes:
        return
    for marker in depends:
        yield marker, name


def _fix(ctx: ModuleContext, function: ast.AST) -> Fix | None:
    """``@functools.lru_cache`` on a module-level provider ``def get_settings():``."""
    if not isinstance(function, ast.FunctionDef) or function not in ctx.tree.body or function.decorator_list:
        return None
    if all_parameters(function.args) or function.args.vararg or function.args.kwarg or any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in ast.walk(function)):
        return None
    usable, import_edit = add_import(ctx, "functools")
    if not usable:
        return None
    edit = decorated(ctx, function, "functools.lru_cache")
    if edit is None:
        return None
    edits = [edit, *([import_edit] if import_edit else [])]
    return Fix(tuple(sorted(edits, key=lambda edit: edit.start)), Applicability.UNSAFE, "Cache the provider with `@functools.lru_cache`")
