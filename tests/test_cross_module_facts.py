"""Facts one module gives another through the project index: the roles of functions
registered elsewhere, and settings classes imported from another module (FL203)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from projects import check_paths, write_files

SLEEP = "; use `await asyncio.sleep(...)`"
ROLES = {
    "app/__init__.py": "",
    "app/deps.py": """
        import time

        async def get_user():
            time.sleep(1)

        async def init_db():
            time.sleep(1)

        async def helper():
            time.sleep(1)

        class Handlers:
            async def get_item(self):
                time.sleep(1)

        class Checker:
            async def __call__(self):
                time.sleep(1)

        handlers = Handlers()
        checker = Checker()
        """,
    "app/lifecycle.py": """
        import time
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def boot(app):
            time.sleep(1)
            yield
        """,
    "app/main.py": """
        from fastapi import Depends, FastAPI

        from app import deps
        from app.deps import init_db
        from app.lifecycle import boot

        app = FastAPI(on_startup=[init_db], lifespan=boot)

        @app.get("/me")
        async def me(user=Depends(deps.get_user)):
            return user

        app.add_api_route("/item", deps.handlers.get_item, dependencies=[Depends(deps.checker)])
        """,
}


def check(root: Path, path: str, **options: object) -> list[tuple[int, str, str]]:
    result = check_paths(root, [path], **options)
    return [(finding.start.line, finding.code, finding.message) for finding in result.findings]


def test_a_function_registered_in_another_module_gets_that_role(tmp_path: Path):
    write_files(tmp_path, ROLES)
    assert check(tmp_path, "app/deps.py", cache=False) == [
        (4, "FL102", "`time.sleep` blocks the event loop in async dependency `get_user`" + SLEEP),
        (10, "FL102", "`time.sleep` blocks the event loop in async function `helper`" + SLEEP),
        (14, "FL102", "`time.sleep` blocks the event loop in async route handler GET /item" + SLEEP),
        (18, "FL102", "`time.sleep` blocks the event loop in async dependency `Checker.__call__`" + SLEEP),
    ]
    assert check(tmp_path, "app/lifecycle.py", cache=False) == []
    # A startup hook runs once, before serving: reported only when startup code is checked.
    assert (7, "FL102", "`time.sleep` blocks the event loop in async startup handler `init_db`" + SLEEP) in check(
        tmp_path, "app/deps.py", cache=False, check_startup=True
    )
    assert check(tmp_path, "app/lifecycle.py", cache=False, check_startup=True) == [
        (6, "FL102", "`time.sleep` blocks the event loop in async lifespan `boot`" + SLEEP)
    ]


def test_a_registration_that_changes_rechecks_the_registered_module(tmp_path: Path):
    write_files(tmp_path, ROLES)
    assert [line for line, *_ in check(tmp_path, "app/deps.py")] == [4, 10, 14, 18]
    assert check(tmp_path, "app/lifecycle.py") == []
    write_files(tmp_path, {"app/main.py": ROLES["app/main.py"].replace("on_startup=[init_db], lifespan=boot", "").replace("deps.get_user", "deps.helper")})
    assert check(tmp_path, "app/deps.py") == [
        (4, "FL102", "`time.sleep` blocks the event loop in async function `get_user`" + SLEEP),
        (7, "FL102", "`time.sleep` blocks the event loop in async function `init_db`" + SLEEP),
        (10, "FL102", "`time.sleep` blocks the event loop in async dependency `helper`" + SLEEP),
        (14, "FL102", "`time.sleep` blocks the event loop in async route handler GET /item" + SLEEP),
        (18, "FL102", "`time.sleep` blocks the event loop in async dependency `Checker.__call__`" + SLEEP),
    ]
    assert [line for line, *_ in check(tmp_path, "app/lifecycle.py")] == [6]


MIDDLEWARE = {
    "app/__init__.py": "",
    "app/middleware.py": """
        import time

        import httpx

        class Timing:
            def __init__(self, app):
                self.app = app

            async def __call__(self, scope, receive, send):
                time.sleep(0.1)
                await self.app(scope, receive, send)

        class Audit:
            def __init__(self, app):
                self.app = app

            async def __call__(self, scope, receive, send):
                async with httpx.AsyncClient(timeout=2) as client:
                    await client.post("https://audit.example.com", json={"path": scope["path"]})
                await self.app(scope, receive, send)

        class Unused:
            async def __call__(self, scope, receive, send):
                async with httpx.AsyncClient(timeout=2) as client:
                    await client.post("https://audit.example.com", json={})
        """,
    "app/main.py": """
        from fastapi import FastAPI
        from starlette.middleware import Middleware

        from app import middleware
        from app.middleware import Timing

        app = FastAPI(middleware=[Middleware(middleware.Audit)])
        app.add_middleware(Timing)
        """,
}


def test_a_middleware_class_registered_in_another_module_runs_on_the_loop(tmp_path: Path):
    write_files(tmp_path, MIDDLEWARE)
    assert check(tmp_path, "app/middleware.py", cache=False) == [
        (10, "FL102", "`time.sleep` blocks the event loop in async middleware `Timing.__call__`" + SLEEP),
        (18, "FL201", "`httpx.AsyncClient` creates a new HTTP client per request in async middleware `Audit.__call__`"
         + CLIENT_ONCE),
    ]  # ``Unused`` is registered nowhere: its client may well be made once


CLIENT_ONCE = "; create the HTTP client once in `lifespan`, keep it on `app.state` and hand it out through a dependency"
CLIENT_DEPENDENCY = {
    "app/__init__.py": "",
    "app/clients.py": """
        import httpx

        async def get_client():
            async with httpx.AsyncClient(timeout=5) as client:
                yield client
        """,
    "app/main.py": """
        from fastapi import Depends, FastAPI

        app = FastAPI()

        @app.get("/rates")
        async def rates(client=Depends(get_client)):
            return (await client.get("https://rates.example.com")).json()
        """,
}


def test_a_module_that_never_mentions_fastapi_is_request_scoped_where_another_registers_it(tmp_path: Path):
    write_files(tmp_path, CLIENT_DEPENDENCY)
    assert check(tmp_path, "app/clients.py") == []  # main.py does not import it yet
    write_files(tmp_path, {"app/main.py": "from app.clients import get_client\n" + textwrap.dedent(CLIENT_DEPENDENCY["app/main.py"])})
    assert check(tmp_path, "app/clients.py") == [
        (4, "FL201", "`httpx.AsyncClient` creates a new HTTP client per request in async dependency `get_client`" + CLIENT_ONCE)
    ]


SETTINGS = {
    "app/__init__.py": "",
    "app/core/__init__.py": "from .base import CommonSettings\n",
    "app/core/base.py": """
        from pydantic_settings import BaseSettings

        class CommonSettings(BaseSettings):
            debug: bool = False
        """,
    "app/config.py": """
        from app.core import CommonSettings

        class Settings(CommonSettings):
            api_key: str = ""

        class Plain:
            pass
        """,
    "app/routes.py": """
        from functools import lru_cache

        from fastapi import Depends, FastAPI

        from app import config
        from app.config import Plain, Settings

        app = FastAPI(openapi_url=None)

        def get_settings():
            return Settings()

        @lru_cache
        def cached_settings():
            return config.Settings()

        @app.get("/info")
        def info(settings: Settings = Depends(get_settings), plain: Plain = Depends(Plain)):
            return {"configured": bool(settings.api_key)}

        @app.get("/key")
        def key(settings: Settings = Depends(config.Settings), cached: Settings = Depends(cached_settings)):
            return {"key": settings.api_key}
        """,
}


def test_a_settings_class_imported_from_another_module_is_recognised(tmp_path: Path):
    write_files(tmp_path, SETTINGS)
    cached = "build it once in a dependency cached with `functools.lru_cache`"
    assert check(tmp_path, "app/routes.py", cache=False, select=("FL203",)) == [
        (11, "FL203", "Settings class `Settings` is constructed per request in dependency `get_settings`: "
         f"every request re-reads the environment and `.env`; {cached}"),
        (22, "FL203", "Settings class `Settings` is used as a dependency, so it is constructed per request: "
         f"every request re-reads the environment and `.env`; {cached}"),
    ]


def test_a_settings_base_that_changes_in_another_module_rechecks_the_routes(tmp_path: Path):
    write_files(tmp_path, SETTINGS)
    assert [line for line, *_ in check(tmp_path, "app/routes.py", select=("FL203",))] == [11, 22]
    write_files(tmp_path, {"app/core/base.py": "class CommonSettings:\n    debug = False\n"})
    assert check(tmp_path, "app/routes.py", select=("FL203",)) == []


SESSION_ALIAS = {
    "app/__init__.py": "",
    "app/db/__init__.py": "from .session import SessionDep\n",
    "app/db/session.py": """
        from typing import Annotated

        from fastapi import Depends
        from sqlalchemy.orm import Session

        def get_session():
            with Session() as session:
                yield session

        SessionDep = Annotated[Session, Depends(get_session)]
        """,
    "app/routes.py": """
        from fastapi import FastAPI
        from sqlalchemy import select

        from app.db import SessionDep

        app = FastAPI(openapi_url=None)

        @app.get("/items")
        async def items(session: SessionDep):
            return session.scalars(select(1)).all()

        @app.get("/count")
        def count(session: SessionDep):
            return session.scalar(select(1))
        """,
}


def test_a_session_type_alias_of_another_module_types_the_parameter(tmp_path: Path):
    write_files(tmp_path, SESSION_ALIAS)
    assert check(tmp_path, "app/routes.py") == [
        (10, "FL105", "`session.scalars` (`sqlalchemy.orm.Session.scalars`) blocks the event loop in async route "
         "handler GET /items; use `AsyncSession` (awaited) or a sync `def` handler"),
    ]  # the sync handler runs in the threadpool
    async_alias = SESSION_ALIAS["app/db/session.py"].replace("from sqlalchemy.orm import Session", "from sqlalchemy.ext.asyncio import AsyncSession as Session")
    write_files(tmp_path, {"app/db/session.py": async_alias})
    assert check(tmp_path, "app/routes.py") == []  # the cache rechecks the route: the alias changed


PATH_CONSTANTS = {
    "app/__init__.py": "",
    "app/env.py": """
        import os
        from pathlib import Path

        DATA_DIR = Path(os.getenv("DATA_DIR", "/var/lib/app")).resolve()
        """,
    "app/config.py": """
        from app.env import DATA_DIR

        UPLOADS = DATA_DIR / "uploads"
        ARCHIVE = UPLOADS
        LABEL = DATA_DIR.name
        """,
    "app/routes.py": """
        from app.config import ARCHIVE, LABEL, UPLOADS

        async def store(name: str, data: bytes):
            target = UPLOADS / name
            target.write_bytes(data)
            ARCHIVE.mkdir(exist_ok=True)
            return LABEL.upper()
        """,
}


def test_path_constants_derived_in_other_modules_keep_their_type(tmp_path: Path):
    write_files(tmp_path, PATH_CONSTANTS)
    assert [(line, code, message.split(" blocks")[0]) for line, code, message in check(tmp_path, "app/routes.py", extend_select=("FL108",))] == [
        (5, "FL103", "`target.write_bytes` (`pathlib.Path.write_bytes`)"),
        (6, "FL108", "`ARCHIVE.mkdir` (`pathlib.Path.mkdir`)"),
    ]


STATE = {
    "app/__init__.py": "",
    "app/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("sqlite://"))
        """,
    "app/middleware.py": """
        from app.db import SessionLocal

        async def db_session(request, call_next):
            request.state.db = SessionLocal()
            return await call_next(request)
        """,
    "app/routes.py": """
        from fastapi import APIRouter, Request

        router = APIRouter()

        @router.post("/notes")
        async def create_note(request: Request, text: str):
            request.state.db.commit()
            return await request.state.cache.get(text)
        """,
}
STATE_COMMIT = (
    7,
    "FL105",
    "`request.state.db.commit` (`sqlalchemy.orm.Session.commit`) blocks the event loop in async route handler POST /notes; "
    "use `AsyncSession` (awaited) or a sync `def` handler",
)


def test_request_state_set_by_another_modules_middleware(tmp_path: Path):
    write_files(tmp_path, STATE)
    assert check(tmp_path, "app/routes.py") == [STATE_COMMIT]
    # A second module storing something else under the same name: the type is unknown.
    write_files(tmp_path, {"app/other.py": "async def mw(request, call_next):\n    request.state.db = object()\n"})
    assert check(tmp_path, "app/routes.py") == []
    write_files(tmp_path, {"app/other.py": "async def mw(request, call_next):\n    request.state.user = object()\n"})
    assert check(tmp_path, "app/routes.py") == [STATE_COMMIT]


REPOSITORY_IN_LOOP = {
    "app/__init__.py": "",
    "app/repo.py": """
        from sqlalchemy import select
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.models import Message

        class MessageRepo:
            def __init__(self, db: AsyncSession):
                self.db = db

            async def for_session(self, session_id: int):
                return (await self.db.scalars(select(Message).where(Message.session_id == session_id))).all()

            def label(self, session_id: int) -> str:
                return f"session {session_id}"
        """,
    "app/routes.py": """
        from fastapi import APIRouter, Depends

        from app.deps import get_repo
        from app.repo import MessageRepo

        router = APIRouter()

        @router.get("/sessions")
        async def sessions(ids: list[int], repo: MessageRepo = Depends(get_repo)):
            return {sid: (repo.label(sid), await repo.for_session(sid)) for sid in ids}
        """,
}


def test_a_repository_method_that_queries_called_per_item(tmp_path: Path):
    write_files(tmp_path, REPOSITORY_IN_LOOP)
    assert check(tmp_path, "app/routes.py", extend_select=("FL404",)) == [
        (10, "FL404", "`MessageRepo.for_session()` runs a query for each item of `ids` (N+1) in async route handler GET /sessions; "
         "load what the loop needs with one query before it (`.in_(ids)`, a join or `selectinload`)"),
    ]


PATH_HELPERS = {  # reduced from langflow's knowledge-base storage coordinator
    "app/__init__.py": "",
    "app/runtime.py": """
        from pathlib import Path

        import anyio

        def storage_root() -> Path:
            return Path("/var/lib/app")

        def private_directory(path: Path) -> Path:
            path.mkdir(parents=True, exist_ok=True)
            return path

        def inferred_root():
            return storage_root() / "kb"

        def async_root() -> anyio.Path:
            return anyio.Path("/var/lib/app")
        """,
    "app/coordinator.py": """
        import json

        from fastapi.concurrency import run_in_threadpool

        from app.runtime import async_root, inferred_root, private_directory, storage_root

        def _write_inventory(inventory: dict) -> None:
            directory = private_directory(storage_root() / ".migration")
            path = directory / "inventory.json"
            path.write_text(json.dumps(inventory), encoding="utf-8")

        def _write_marker() -> None:
            (inferred_root() / "scanned" / ".marker").write_text("1")

        async def _write_async(inventory: dict) -> None:
            path = async_root() / "inventory.json"
            await path.write_text(json.dumps(inventory))

        async def reconcile(issues: list) -> None:
            _write_inventory({"issues": issues})
            _write_marker()
            await _write_async({"issues": issues})
            await run_in_threadpool(_write_inventory, {"issues": []})
        """,
}


def test_a_path_divided_from_another_modules_helper_result_is_a_path(tmp_path: Path):
    write_files(tmp_path, PATH_HELPERS)
    result = check_paths(tmp_path, ["app/coordinator.py"])
    assert [(f.code, f.start.line, f.start.column, f.end.line, f.end.column, f.message.split(" blocks")[0]) for f in result.findings] == [
        ("FL107", 20, 5, 20, 21, "_write_inventory() -> pathlib.Path.write_text (FL103)"),
        ("FL107", 21, 5, 21, 18, "_write_marker() -> pathlib.Path.write_text (FL103)"),
    ]
