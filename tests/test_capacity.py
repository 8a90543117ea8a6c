"""The capacity rules' failure, shown: FL601 predicts pool timeouts for a sync app whose
connection pool is smaller than the threadpool, and a real app on SQLite times out
exactly so; sized to the threadpool, it does not.

The demonstration app is this test's own code (written to a temporary directory and
imported) and is called in-process through ASGI, the way a server calls it: concurrent
requests on one event loop, the sync endpoint in AnyIO's threadpool. No socket, no
network, a bounded number of requests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import anyio

from fastlint.testing import lint_source

APP = '''
import time

import sqlalchemy.exc
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

engine = create_engine(
    "sqlite:///{database}",
    poolclass=QueuePool,
    pool_size={pool_size},
    max_overflow=0,
    pool_timeout=0.25,
    connect_args={{"check_same_thread": False}},
)
app = FastAPI()


@app.get("/report")
def report():
    try:
        with Session(engine) as session:
            session.execute(text("select 1"))
            time.sleep(0.5)  # the request's work, holding the connection
            return {{"ok": True}}
    except sqlalchemy.exc.TimeoutError:
        return JSONResponse({{"error": "pool timeout"}}, status_code=503)
'''

CONCURRENT = 8  # sync requests at once: fewer than the threadpool's 40 threads


def load(tmp_path: Path, pool_size: int) -> tuple[str, Any]:
    source = APP.format(database=(tmp_path / "demo.db").as_posix(), pool_size=pool_size)
    path = tmp_path / f"demo_pool_{pool_size}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(path.stem, None)
    return source, module


async def _get(app: Any, path: str) -> int:
    """One HTTP GET through the ASGI interface; the response's status code."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "root_path": "",
    }
    sent = False
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()
        return {}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


def burst(module: Any) -> list[int]:
    statuses: list[int] = []

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(CONCURRENT):
                async def one() -> None:
                    statuses.append(await _get(module.app, "/report"))
                group.start_soon(one)

    try:
        anyio.run(main)
    finally:
        module.engine.dispose()
    return statuses


def test_a_pool_smaller_than_the_threadpool_times_out_as_fl601_predicts(tmp_path: Path):
    source, module = load(tmp_path, 2)
    findings = lint_source(source, ["FL601"])
    assert [f.code for f in findings] == ["FL601"]
    assert "holds 2 connections" in findings[0].message and "38 requests wait 0.25 s" in findings[0].message
    statuses = burst(module)
    # Two requests get the two connections; the six others wait 0.25 s and time out.
    assert sorted(statuses) == [200] * 2 + [503] * (CONCURRENT - 2)


def test_a_pool_sized_to_the_threadpool_never_times_out(tmp_path: Path):
    source, module = load(tmp_path, 40)
    assert lint_source(source, ["FL601"]) == []
    assert burst(module) == [200] * CONCURRENT


def test_fl601_follows_the_session_factory_and_the_thread_limit_across_modules(tmp_path: Path, monkeypatch: Any):
    """``database.py`` creates the engine, ``deps.py`` holds its sessions in a sync
    dependency, ``main.py`` registers it; capping the threadpool in ``main.py``'s lifespan
    to the pool's 15 connections settles it."""
    import json

    from click.testing import CliRunner

    from fastlint.cli import main

    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "database.py").write_text(
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
        "engine = create_engine('postgresql://db/app')\nSessionLocal = sessionmaker(bind=engine)\n"
    )
    (app / "deps.py").write_text(
        "from .database import SessionLocal\n\n\ndef get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n"
    )
    main_py = (
        "{imports}from fastapi import Depends, FastAPI\n\nfrom .deps import get_db\n\n{lifespan}"
        "app = FastAPI({argument})\n\n\n@app.get('/items')\ndef items(db=Depends(get_db)):\n    return []\n"
    )
    (app / "main.py").write_text(main_py.format(imports="", lifespan="", argument=""))
    monkeypatch.chdir(tmp_path)

    def fl601() -> list[tuple[str, int]]:
        result = CliRunner().invoke(main, ["check", ".", "--no-cache", "--select", "FL601", "--output-format", "json"])
        assert result.exit_code in (0, 1), result.output
        return [(Path(item["filename"]).name, item["location"]["row"]) for item in json.loads(result.stdout)]

    assert fl601() == [("database.py", 4)]
    lifespan = (
        "@asynccontextmanager\nasync def lifespan(app):\n"
        "    anyio.to_thread.current_default_thread_limiter().total_tokens = 15\n    yield\n\n\n"
    )
    (app / "main.py").write_text(
        main_py.format(imports="from contextlib import asynccontextmanager\n\nimport anyio.to_thread\n", lifespan=lifespan, argument="lifespan=lifespan")
    )
    assert fl601() == []
