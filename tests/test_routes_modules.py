"""Which modules the route map reads for registrations: the tests on a module's text that
spare ``check``'s JSON output the parse of a module that registers nothing, and the routes
of each finding staying those of the full map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.analysis.routes import RouteMap, may_make_app, may_register
from fastlint.cli import main


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("@router.get('/items')\nasync def items(): ...\n", id="route-decorator"),
        pytest.param("@ app . post ('/x')\ndef x(): ...\n", id="spaced-decorator"),
        pytest.param("class A:\n    @api.v1.websocket('/ws')\n    async def ws(self): ...\n", id="dotted-receiver"),
        pytest.param("@(router).get('/items')\ndef items(): ...\n", id="parenthesised-receiver"),
        pytest.param("@app.middleware('http')\nasync def timing(request, call_next): ...\n", id="middleware"),
        pytest.param("app.include_router(items.router)\n", id="include"),
        pytest.param("app.add_exception_handler(Error, handle)\n", id="exception-handler"),
        pytest.param("@router.\uff47et('/items')\ndef items(): ...\n", id="fullwidth-identifier"),  # NFKC: ``get``
    ],
)
def test_a_module_that_may_register_is_read(text: str):
    assert may_register(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("from fastapi import HTTPException\n\n\ndef fail():\n    raise HTTPException(404)\n", id="no-decorator"),
        pytest.param("@dataclass\nclass A: ...\n\n@functools.lru_cache(maxsize=8)\ndef f(): ...\n", id="other-decorators"),
        pytest.param("@pytest.fixture()\ndef client(app):\n    return app.get('/items')\n", id="call-not-a-decorator"),
    ],
)
def test_a_module_that_cannot_register_is_not(text: str):
    assert not may_register(text)


def test_a_module_makes_an_app_only_if_it_calls_the_class():
    assert may_make_app("from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/items')\n")
    assert may_make_app("import fastapi\n\napp = fastapi.FastAPI (\n)\n")
    assert may_make_app("from fastapi import FastAPI as Web\n\napp = Web()\n")
    assert not may_make_app("from fastapi import FastAPI\n\n\ndef setup(app: FastAPI) -> None: ...\n")
    assert not may_make_app("from fastapi import Request\n")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _routes_by_finding(monkeypatch: pytest.MonkeyPatch, root: Path) -> dict[tuple[str, int], list[str] | None]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", ".", "--output-format", "json", "--no-cache"])
    assert result.exit_code == 1, result.output
    return {(Path(item["filename"]).name, item["location"]["row"]): item.get("routes") for item in json.loads(result.stdout)}


_HELPERS = """import time

from fastapi import HTTPException


def slow_lookup(key):
    time.sleep(0.1)
    if not key:
        raise HTTPException(404)
    return key
"""


def test_a_helper_importing_fastapi_is_not_read_for_registrations_yet_its_findings_have_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert not may_register(_HELPERS)
    _write(tmp_path, {
        "app/__init__.py": "",
        "app/helpers.py": _HELPERS,
        "app/items.py": (
            "from fastapi import APIRouter\n\nfrom app.helpers import slow_lookup\n\nrouter = APIRouter(prefix='/items')\n\n\n"
            "@router.get('/{key}')\nasync def read(key: str):\n    return slow_lookup(key)\n\n\n"
            "@router.delete('/{key}')\nasync def remove(key: str):\n    return key\n"
        ),
        "app/main.py": "from fastapi import FastAPI\n\nfrom app import items\n\napp = FastAPI()\napp.include_router(items.router, prefix='/v1')\n",
    })
    assert _routes_by_finding(monkeypatch, tmp_path) == {("items.py", 10): ["GET /v1/items/{key}"]}


_GUARDED = {
    "pkg/__init__.py": "",
    # Registers nothing itself, but its call on the imported ``router`` enters that router
    # before ``views`` registers on it (``views`` never constructs it).
    "pkg/a_setup.py": "from fastapi import HTTPException\nfrom pkg.views import router\n\nrouter.url_path_for('items')\n\n\ndef fail():\n    raise HTTPException(404)\n",
    "pkg/factory.py": "import time\n\nfrom fastapi import APIRouter\n\nROUTERS = {'items': APIRouter()}\n\n\nasync def current_user():\n    time.sleep(0.1)\n    return 'me'\n",
    "pkg/views.py": (
        "import time\n\nfrom fastapi import Depends\nfrom pkg import factory\n\nrouter = factory.ROUTERS['items']\n\n\n"
        "@router.get('/items')\nasync def items(user=Depends(factory.current_user)):\n    time.sleep(1)\n    return []\n"
    ),
}


def test_a_module_registering_on_a_router_it_did_not_make_reads_every_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert not may_register(_GUARDED["pkg/a_setup.py"])
    _write(tmp_path, _GUARDED)
    assert _routes_by_finding(monkeypatch, tmp_path) == {("factory.py", 9): ["GET /items"], ("views.py", 11): ["GET /items"]}
    # Without that module's call, no module enters the router: ``views`` registers on nothing.
    monkeypatch.setattr(RouteMap, "_owned_elsewhere", lambda self, skipped: False)
    assert _routes_by_finding(monkeypatch, tmp_path) == {("factory.py", 9): None, ("views.py", 11): None}


def _router(name: str) -> str:
    handlers = "".join(f"\n\n@router.get('/{name}/{n}')\nasync def {name}_{n}():\n    return {n}\n" for n in range(2))
    return f"from fastapi import APIRouter\n\nrouter = APIRouter()\n{handlers}" + "# padding\n" * 40


_ROUTERS = {
    "app/__init__.py": "",
    "app/main.py": (
        "from fastapi import FastAPI\nfrom starlette.middleware.gzip import GZipMiddleware\n\nfrom app import r1, r2, r3\n\n"
        "app = FastAPI()\napp.add_middleware(GZipMiddleware)\n"
        "app.include_router(r1.router)\napp.include_router(r2.router)\napp.include_router(r3.router)\n"
    ),
    "app/r1.py": _router("r1"),
    "app/r2.py": _router("r2"),
    "app/r3.py": _router("r3"),
}


def _route_map(monkeypatch: pytest.MonkeyPatch, root: Path) -> tuple[str, dict[str, int]]:
    """``fastlint routes`` as JSON, and how many times the map parsed each module."""
    from fastlint.analysis import routes

    parsed: dict[str, int] = {}
    tree = routes.ModuleSource.tree.fget

    def counted(source: routes.ModuleSource):  # type: ignore[no-untyped-def]
        if source._tree is None:
            parsed[Path(source.path).name] = parsed.get(Path(source.path).name, 0) + 1
        return tree(source)

    monkeypatch.setattr(routes.ModuleSource, "tree", property(counted))
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["routes", ".", "--output-format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    return result.stdout, parsed


def test_the_routes_of_the_trees_held_are_mapped_before_those_trees_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from fastlint.analysis import routes

    _write(tmp_path, _ROUTERS)
    mapped, parsed = _route_map(monkeypatch, tmp_path)
    assert len(json.loads(mapped)) == 6
    assert parsed == {"main.py": 1, "r1.py": 1, "r2.py": 1, "r3.py": 1}
    # Room for the application and two routers: reading the modules (main, r1, r2, r3)
    # leaves the trees of r2 and r3, and the walk starts at r1. The routes of r2 and r3 are
    # mapped first, and the trees dropped to make room are those of routers whose routes
    # are all mapped: only the modules the reading dropped are parsed again (in the walk's
    # order, each tree read would drop the next router's before its turn: all parsed twice).
    monkeypatch.setattr(routes, "_TREE_BUDGET", len(_ROUTERS["app/main.py"]) + 2 * len(_ROUTERS["app/r1.py"]))
    assert _route_map(monkeypatch, tmp_path) == (mapped, {"main.py": 2, "r1.py": 2, "r2.py": 1, "r3.py": 1})
    # Room for nothing: every route parses what it reads again, with the same map.
    monkeypatch.setattr(routes, "_TREE_BUDGET", 0)
    again, parsed = _route_map(monkeypatch, tmp_path)
    assert again == mapped
    assert parsed["main.py"] > 1
