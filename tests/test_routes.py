"""``fastlint routes``: the route map on every fixture app, in text, JSON (validated against
docs/routes.schema.json) and HTML (parsed, and its script run under Node), and the routes
``check --output-format json`` adds to each finding."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from fastlint.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
SCHEMA = json.loads((REPO / "docs" / "routes.schema.json").read_text(encoding="utf-8"))
APPS = sorted(path for path in FIXTURES.iterdir() if path.is_dir() and path.name != "fixes" and not path.name.startswith("."))
NODE = shutil.which("node")


def copy_app(app: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = workdir / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(copy)
    return copy


def run(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--no-cache"])
    assert result.exit_code == 0, result.output
    return result.stdout


def route_json(app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    copy_app(app, tmp_path, monkeypatch)
    routes = json.loads(run("routes", ".", "--output-format", "json"))
    jsonschema.validate(routes, SCHEMA)
    return routes


def by_label(routes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{route['method']} {route['path']}": route for route in routes}


def deps(route: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every dependency of the tree by name (the first one met)."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(route["dependencies"])
    while pending:
        dep = pending.pop(0)
        found.setdefault(dep["name"], dep)
        pending.extend(dep["dependencies"])
    return found


# -- every fixture app -------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.details = 0
        self.headers: list[str] = []
        self.scripts: list[str] = []
        self.external: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        for key in ("src", "href"):
            if key in values:
                self.external.append(values[key])
        if tag == "link":
            self.external.append(str(values))
        if tag == "tr" and values.get("class") == "route":
            self.rows.append(values)
        if tag == "tr" and values.get("class") == "detail":
            self.details += 1
            assert "hidden" in values
        if tag == "th" and "data-key" in values:
            self.headers.append(values["data-key"])
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def run_page_script(page: _Page, tmp_path: Path) -> list[dict[str, Any]]:
    assert NODE is not None
    spec = tmp_path / "page.json"
    spec.write_text(json.dumps({"script": page.scripts[0], "headers": page.headers, "rows": page.rows}), encoding="utf-8")
    done = subprocess.run([NODE, str(REPO / "tests" / "js" / "route_page.js"), str(spec)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_every_fixture_app_maps_in_three_formats(app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    routes = route_json(app, tmp_path / "json", monkeypatch)
    assert routes, f"{app.name} has no routes"
    for route in routes:
        assert route["runs_on"] in ("loop", "threadpool")
        assert route["path"].startswith("/")
        assert route["finding_counts"] == {
            family: sum(f["code"][:3] + "xx" == family for f in route["findings"]) for family in route["finding_counts"]
        }
    copy_app(app, tmp_path / "text", monkeypatch)
    text = run("routes", ".")
    loop = sum(route["runs_on"] == "loop" for route in routes)
    assert f"{len(routes)} route{'s' if len(routes) != 1 else ''}: {loop} on the event loop" in text.splitlines()[-1]
    for route in routes:
        assert f"{', '.join(route['methods'])} {route['path']}  {route['name']} [{route['runs_on']}]" in text
    page = _Page()
    page.feed(run("routes", ".", "--output-format", "html"))
    assert page.external == [] and len(page.scripts) == 1
    assert [row["data-path"] for row in page.rows] == [route["path"] for route in routes]
    assert page.details == len(routes)
    assert [int(row["data-findings"]) for row in page.rows] == [len(route["findings"]) for route in routes]
    if NODE is None:
        return
    states = run_page_script(page, tmp_path)
    assert states[0]["paths"] == sorted(states[0]["paths"], key=str.lower)
    assert states[1]["paths"] == sorted(states[1]["paths"], key=str.lower, reverse=True)
    assert states[2]["findings"] == sorted(states[2]["findings"])
    assert all(state["paired"] for state in states)  # each detail row stays under its route
    assert states[2]["sort"][page.headers.index("findings")] == "ascending"
    assert states[3]["open"][0] and states[3]["expanded"][0] == "true"
    assert not states[4]["open"][0] and states[4]["expanded"][0] == "false"


def test_node_is_installed_for_the_page_test():
    assert NODE is not None, "the HTML page test runs its script under node"


# -- execution models -------------------------------------------------------------------


def test_runs_on_for_every_shape_of_dependency_and_callee(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    routes = by_label(route_json(FIXTURES / "routes_app", tmp_path, monkeypatch))
    assert set(routes) == {
        "GET /api/reports/", "GET /api/reports/async-stream", "GET /api/reports/sync-stream", "POST /api/reports/{report_id}/send",
        "GET /api/reports/remote", "GET /api/reports/private", "GET /health",
    }
    listing = routes["GET /api/reports/"]
    assert listing["runs_on"] == "threadpool" and listing["name"] == "list_reports"
    tree = deps(listing)
    assert (tree["Pagination"]["kind"], tree["Pagination"]["runs_on"]) == ("class", "threadpool")  # ``Depends()``
    assert (tree["rate_limit"]["kind"], tree["rate_limit"]["runs_on"], tree["rate_limit"]["source"]) == ("instance", "loop", "router")
    assert (tree["get_db"]["kind"], tree["get_db"]["runs_on"], tree["get_db"]["teardown"]) == ("generator", "threadpool", True)
    assert (tree["partial(_header_value)"]["kind"], tree["partial(_header_value)"]["runs_on"]) == ("partial", "threadpool")
    assert (tree["audit_log"]["source"], tree["audit_log"]["runs_on"]) == ("app", "threadpool")
    assert (tree["require_role()"]["source"], tree["require_role()"]["runs_on"]) == ("include", "loop")
    assert tree["oauth2_scheme"]["runs_on"] == "loop"  # fastapi.security's async __call__
    assert [d for d in listing["dependencies"] if d["name"] == "get_db"][0]["scope"] == "function"
    # App-level first, then the include's, the router's, and the parameters, as FastAPI solves them.
    assert [d["source"] for d in listing["dependencies"]] == ["app", "include", "router", "parameter", "parameter", "parameter"]
    private = [d for d in routes["GET /api/reports/private"]["dependencies"] if d["source"] == "parameter"]
    assert (private[0]["name"], private[0]["scopes"]) == ("current_user", ["reports:read"])
    middleware = [(m["name"], m["runs_on"]) for m in listing["middleware"]]
    # Starlette puts the last middleware added outermost: ``@app.middleware`` comes after the three.
    assert middleware == [
        ("add_header", "loop"), ("RawASGIMiddleware.__call__", "loop"), ("CORSMiddleware", "loop"), ("TimingMiddleware.dispatch", "loop"),
    ]
    assert [(h["name"], h["runs_on"]) for h in listing["exception_handlers"]] == [("value_error_handler", "threadpool")]
    tasks = routes["POST /api/reports/{report_id}/send"]["background_tasks"]
    assert [(t["name"], t["runs_on"]) for t in tasks] == [("send_email", "threadpool"), ("notify", "loop")]
    assert routes["GET /api/reports/sync-stream"]["streams"][0]["runs_on"] == "threadpool"
    assert routes["GET /api/reports/async-stream"]["streams"][0]["runs_on"] == "loop"


def test_findings_reachable_through_background_tasks_and_chains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    routes = by_label(route_json(FIXTURES / "routes_app", tmp_path, monkeypatch))
    assert [(f["code"], f["filename"]) for f in routes["POST /api/reports/{report_id}/send"]["findings"]] == [("FL101", "routers/reports.py")]
    assert [f["code"] for f in routes["GET /api/reports/remote"]["findings"]] == ["FL107"]
    assert routes["GET /api/reports/remote"]["finding_counts"] == {"FL1xx": 1}
    assert routes["GET /health"]["findings"] == []  # FL501 is about the app, not code a request runs


def test_prefixes_and_router_dependencies_across_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    routes = by_label(route_json(FIXTURES / "split_routers_app", tmp_path, monkeypatch))
    assert "GET /v1/items/" in routes and "GET /users/{user_id}" in routes and "GET /healthz" in routes
    read_user = routes["GET /users/{user_id}"]
    assert [(d["name"], d["source"], d["runs_on"]) for d in read_user["dependencies"]] == [("verify_token", "router", "loop")]
    # FL101 in the router-level dependency is reachable from every route of the router.
    assert [(f["code"], f["filename"]) for f in read_user["findings"]] == [("FL101", "dependencies.py")]
    assert routes["GET /v1/items/"]["runs_on"] == "threadpool"
    assert routes["GET /v1/items/"]["response_model"] == "list[Item]"


def test_check_json_names_the_routes_of_each_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy_app(FIXTURES / "routes_app", tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["check", ".", "--output-format", "json", "--no-cache", "--extend-select", "FL501"])
    assert result.exit_code == 1
    findings = {item["code"]: item for item in json.loads(result.stdout)}
    assert findings["FL101"]["routes"] == ["POST /api/reports/{report_id}/send"]
    assert findings["FL107"]["routes"] == ["GET /api/reports/remote"]
    assert "routes" not in findings["FL501"]  # like ``root``: only where there is something to say
    assert {"cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url"} <= set(findings["FL101"])


def test_routes_of_a_missing_path_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["routes", "nowhere"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_routes_in_test_code_are_left_out_unless_test_paths_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "app" / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/items')\ndef items():\n    return []\n")
    (tmp_path / "tests" / "test_app.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/probe')\nasync def probe():\n    return {}\n")
    monkeypatch.chdir(tmp_path)
    assert [route["path"] for route in json.loads(run("routes", ".", "--output-format", "json"))] == ["/items"]
    (tmp_path / "pyproject.toml").write_text("[tool.fastlint]\ncheck-test-paths = true\n")
    assert [route["path"] for route in json.loads(run("routes", ".", "--output-format", "json"))] == ["/items", "/probe"]
