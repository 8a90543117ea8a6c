"""FL501, FL502 and FL504: the messages, the configuration, and the claims run on FastAPI."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from test_orm_rules import asgi_get

from fastlint.cli import main
from fastlint.testing import lint_source


def _messages(source: str, code: str, **options: object) -> list[tuple[int, int, str]]:
    findings = lint_source(textwrap.dedent(source), [code], options)
    return [(f.start.line, f.start.column, f.message) for f in findings]


@pytest.mark.parametrize(
    ("arguments", "exposed"),
    [
        pytest.param("", "`/docs`, `/redoc`, `/openapi.json`", id="defaults"),
        pytest.param("docs_url=None", "`/redoc`, `/openapi.json`", id="no-swagger"),
        pytest.param("docs_url=None, redoc_url=None", "`/openapi.json`", id="schema-only"),
        pytest.param("docs_url=DOCS, openapi_url='/schema.json'", "`/redoc`, `/schema.json`", id="unknown-docs-url"),
        pytest.param("redoc_url=None, **extra", None, id="kwargs"),
        pytest.param("openapi_url=settings.openapi_url", None, id="settings"),
        pytest.param("openapi_url=None if PROD else '/openapi.json'", None, id="conditional"),
        pytest.param("openapi_url=None", None, id="off"),
    ],
)
def test_fl501_names_exactly_what_is_exposed(arguments: str, exposed: str | None):
    found = _messages(f"from fastapi import FastAPI\napp = FastAPI({arguments})\n", "FL501")
    expected = f"API docs are served in production: `app` exposes {exposed}; set `openapi_url=None` outside development"
    assert found == ([(2, 7, expected)] if exposed else [])


@pytest.mark.parametrize("path", ["tests/test_api.py", "conftest.py", "app/routes_test.py", "tests/helpers/apps.py"])
def test_fl501_leaves_test_files_alone(path: str):
    source = "from fastapi import FastAPI\napp = FastAPI()\n"
    assert lint_source(source, ["FL501"], path=path) == []
    assert [f.code for f in lint_source(source, ["FL501"], path="app/main.py")] == ["FL501"]


def test_fl501_checks_mounted_sub_applications_under_their_path():
    found = _messages(
        """
        from fastapi import FastAPI
        app = FastAPI(openapi_url=None)
        admin = FastAPI(docs_url=None)
        app.mount("/admin/", admin)
        """,
        "FL501",
    )
    assert found == [
        (4, 9, "API docs are served in production: sub-application `admin` mounted at `/admin/` exposes "
         "`/admin/redoc`, `/admin/openapi.json`; set `openapi_url=None` outside development")
    ]


def test_public_docs_in_configuration_silences_fl501(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    monkeypatch.chdir(tmp_path)

    def codes() -> list[str]:
        result = CliRunner().invoke(main, ["check", ".", "--output-format", "json", "--no-cache", "--select", "FL501"])
        return [item["code"] for item in json.loads(result.stdout)]

    assert codes() == ["FL501"]
    (tmp_path / "pyproject.toml").write_text("[tool.fastlint]\npublic-docs = true\n")
    assert codes() == []


def test_fastapi_still_serves_the_schema_when_only_the_doc_pages_are_off():
    """FL501's claim: ``docs_url=None, redoc_url=None`` leaves ``/openapi.json`` public."""
    hidden_pages = FastAPI(docs_url=None, redoc_url=None)
    assert [asgi_get(hidden_pages, path)[0] for path in ("/docs", "/redoc", "/openapi.json")] == [404, 404, 200]
    all_off = FastAPI(openapi_url=None)
    assert [asgi_get(all_off, path)[0] for path in ("/docs", "/redoc", "/openapi.json")] == [404, 404, 404]


def test_fl502_reports_the_literal_only():
    found = _messages(
        """
        from fastapi import FastAPI
        from starlette.applications import Starlette
        api = FastAPI(debug=True, openapi_url=None)
        web = Starlette(debug=settings.debug)
        """,
        "FL502",
    )
    assert found == [(4, 15, "`FastAPI(debug=True)` sends tracebacks to clients on every unhandled error")]


def test_fl504_says_when_on_event_handlers_never_run():
    found = _messages(
        """
        from fastapi import FastAPI
        app = FastAPI(lifespan=lifespan)
        plain = FastAPI(on_shutdown=[close])

        @app.on_event("startup")
        async def connect():
            pass

        @plain.on_event("startup")
        async def warm():
            pass
        """,
        "FL504",
    )
    assert found == [
        (4, 17, "`on_shutdown=` is deprecated (removed in Starlette 1.0); use a lifespan handler"),
        (6, 2, '`@app.on_event("startup")` handlers never run: the app also sets `lifespan=`, which replaces them'),
        (10, 2, '`@plain.on_event("startup")` is deprecated (removed in Starlette 1.0); use a lifespan handler'),
    ]


def test_on_event_handlers_do_not_run_when_the_app_has_a_lifespan():
    """FL504's claim, run through the ASGI lifespan protocol."""
    from contextlib import asynccontextmanager

    ran: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        ran.append("lifespan")
        yield

    def startup_of(app: FastAPI) -> list[str]:
        ran.clear()
        with pytest.warns(DeprecationWarning):
            app.on_event("startup")(lambda: ran.append("on_event"))
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive() -> dict:
            return next(messages)

        async def send(message: dict) -> None:
            assert not message["type"].endswith("failed"), message

        asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
        return list(ran)

    assert startup_of(FastAPI()) == ["on_event"]
    assert startup_of(FastAPI(lifespan=lifespan)) == ["lifespan"]


FACTORY = {
    "app/__init__.py": "",
    "app/factory.py": """
        from fastapi import FastAPI

        def create_app(**options) -> FastAPI:
            app = FastAPI(title="Billing", **options)
            return app

        def create_api_app(fast_api_app_kwargs: dict | None = None) -> FastAPI:
            return FastAPI(**(fast_api_app_kwargs or {}))
        """,
    "app/main.py": """
        from app import factory
        from app.factory import create_api_app

        app = factory.create_app(debug=False)
        api = create_api_app({"title": "API"})
        """,
}


@pytest.mark.parametrize(
    ("main", "expected"),
    [
        # The one caller, in another module, passes no docs settings: the factory's app serves them.
        (FACTORY["app/main.py"], [("FL501", 4, 11, 4, 18)]),
        # A caller that passes openapi_url (or may, through **) keeps the factory quiet.
        (FACTORY["app/main.py"].replace("debug=False", "debug=False, openapi_url=None"), []),
        (FACTORY["app/main.py"].replace("debug=False", "**settings"), []),
    ],
)
def test_fl501_follows_an_app_factory_to_its_callers_in_other_modules(tmp_path: Path, main: str, expected: list):
    from projects import check_paths, write_files

    write_files(tmp_path, {**FACTORY, "app/main.py": main})
    result = check_paths(tmp_path, ["app/factory.py"], extend_select=("FL501",))
    assert [(f.code, f.start.line, f.start.column, f.end.line, f.end.column) for f in result.findings] == expected
