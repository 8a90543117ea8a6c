"""Output polish: FL107's chain as SARIF code flows, GitHub annotations beyond GitHub's
display limits summarised in the job summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_output import validate

from fastlint.cli import main

SERVICES = '''\
import requests


def _download(url):
    return requests.get(url, timeout=5)


def fetch_rates():
    return _download("https://x")
'''
ROUTES = '''\
from fastapi import APIRouter

from app import services

router = APIRouter()


@router.get("/rates")
async def rates():
    return services.fetch_rates()
'''


@pytest.fixture
def chain_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "app" / "services.py").write_text(SERVICES, encoding="utf-8")
    (tmp_path / "app" / "routes.py").write_text(ROUTES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_carries_the_chain_as_a_code_flow(chain_project: Path):
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "sarif", "app/routes.py"])
    log = json.loads(result.stdout)
    validate(log, "sarif-schema-2.1.0.json")
    [chain] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "FL107"]
    hops = [hop["location"] for hop in chain["codeFlows"][0]["threadFlows"][0]["locations"]]
    where = [
        (hop["message"]["text"], hop["physicalLocation"]["artifactLocation"]["uri"], hop["physicalLocation"]["region"]["startLine"])
        for hop in hops
    ]
    assert where == [
        ("calls `fetch_rates()`", "app/routes.py", 10),
        ("`fetch_rates()`", "app/services.py", 8),
        ("`_download()`", "app/services.py", 4),
        ("`requests.get` blocks the event loop (FL101)", "app/services.py", 5),
    ]
    assert hops[2]["logicalLocations"] == [{"fullyQualifiedName": "app.services._download", "kind": "function"}]
    assert hops[3]["logicalLocations"] == [{"fullyQualifiedName": "requests.get", "kind": "function"}]
    others = [r for r in log["runs"][0]["results"] if r["ruleId"] != "FL107"]
    assert all("codeFlows" not in r for r in others)


IMPORTER = '''\
from typing import IO


def count_rows(stream: IO[str]) -> int:
    return sum(1 for line in stream if line.strip())


class Importer:
    def __init__(self, stream: IO[str]) -> None:
        self.rows = count_rows(stream)
'''
IMPORTS = '''\
from fastapi import APIRouter, UploadFile

from app.services import Importer

router = APIRouter()


@router.post("/imports")
async def import_rows(upload: UploadFile):
    return {"rows": Importer(upload.file).rows}
'''


def test_a_chain_through_a_constructor_to_a_file_iterated_in_the_users_words(chain_project: Path):
    (chain_project / "app" / "services.py").write_text(IMPORTER, encoding="utf-8")
    (chain_project / "app" / "routes.py").write_text(IMPORTS, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "sarif", "app/routes.py"])
    [chain] = [r for r in json.loads(result.stdout)["runs"][0]["results"] if r["ruleId"] == "FL107"]
    assert chain["message"]["text"] == (
        "Importer() -> count_rows() -> iterating a file object (FL103) blocks the event loop (async route handler "
        "POST /imports): call `Importer` through `run_in_threadpool`, or make the chain async"
    )
    hops = [hop["location"] for hop in chain["codeFlows"][0]["threadFlows"][0]["locations"]]
    assert [(hop["message"]["text"], hop.get("physicalLocation", {}).get("region", {}).get("startLine")) for hop in hops] == [
        ("calls `Importer()`", 10),
        ("`Importer()`", 9),  # its __init__
        ("`count_rows()`", 4),
        ("iterating a file object blocks the event loop (FL103)", None),
    ]


def many_findings(tmp_path: Path, count: int) -> Path:
    body = "".join(f"    time.sleep({i})  # step {i} | pipe\n" for i in range(count))
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "app.py").write_text(
        "import time\nfrom fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n\n\n@app.get('/')\nasync def home():\n" + body,
        encoding="utf-8",
    )
    return tmp_path


def test_annotations_beyond_githubs_limits_go_to_the_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    project = many_findings(tmp_path, 14)
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier content\n", encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "github", "app.py"])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 14  # the log keeps every annotation
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier content\n## fastlint: 14 findings\n")
    assert "so 4 findings are listed here instead" in text
    rows = [line for line in text.splitlines() if line.startswith("| `app.py:")]
    assert [row.split("`")[1] for row in rows] == ["app.py:19:5", "app.py:20:5", "app.py:21:5", "app.py:22:5"]
    assert "FL102 (blocking-sleep-in-async)" in rows[0]


def test_no_summary_within_the_limits_or_outside_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    project = many_findings(tmp_path, 10)
    summary = tmp_path / "summary.md"
    monkeypatch.chdir(project)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "github", "app.py"])
    assert not summary.exists()


def test_the_summary_stays_under_one_mebibyte(tmp_path: Path):
    from fastlint.finding import Finding, Position
    from fastlint.output._common import Context, Sources
    from fastlint.output.github import SUMMARY_LIMIT, not_displayed, summary
    from fastlint.run.registry import metadata

    findings = [
        Finding("FL102", "x" * 500 + " | ", "app.py", Position(i, 1), Position(i, 2)) for i in range(1, 5001)
    ]
    ctx = Context(rules=metadata(), root=tmp_path, sources=Sources({}))
    hidden = not_displayed(findings)
    assert len(hidden) == 4990
    text = summary(findings, hidden, ctx)
    assert len(text.encode("utf-8")) <= SUMMARY_LIMIT
    assert "more: the step's log lists every finding." in text
    assert "x \\| " in text  # table cells escape pipes


def test_the_roots_summary_names_file_iteration_in_the_users_words():
    from fastlint.finding import Root

    assert Root("app.services.count_rows", "typing.IO.__iter__").describe() == "`app.services.count_rows` -> iterating a file object"
    assert Root("app.services.fetch", "requests.get").describe() == "`app.services.fetch` -> `requests.get`"
