"""The names of FastAPI, Starlette and typing that the FastAPI model and the rules recognise."""

from __future__ import annotations

# Constructors of applications and routers, and what each builds.
APP_CONSTRUCTORS = {
    "fastapi.FastAPI": "app",
    "fastapi.APIRouter": "router",
    "starlette.Starlette": "app",
    "starlette.routing.Router": "router",
}
# The applications that serve requests, by the name a message shows.
APPLICATIONS = {"fastapi.FastAPI": "FastAPI", "starlette.Starlette": "Starlette"}
DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
ITERATOR_TYPES = frozenset({
    "typing.Generator", "typing.Iterator", "typing.Iterable", "typing.AsyncGenerator", "typing.AsyncIterator",
    "collections.abc.Generator", "collections.abc.Iterator", "collections.abc.AsyncGenerator", "collections.abc.AsyncIterator",
})
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "trace"})
ENTRYPOINT_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run", "uvloop.run"})
BASE_HTTP_MIDDLEWARE = "starlette.middleware.base.BaseHTTPMiddleware"
MIDDLEWARE_ENTRIES = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
ASYNC_CONTEXT_MANAGER = "contextlib.asynccontextmanager"
# Bases of Pydantic response schemas.
SCHEMA_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
