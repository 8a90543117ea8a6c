"""One file named on a project with no cached index (issue 16): only what its findings
rest on is indexed, and the result says it is partial."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import write_files
from test_cross_module_facts import ROLES

import fastlint.analysis.summarizing as summarizing
from fastlint.cli import main
from fastlint.run.config import resolve_selection
from fastlint.run.engine import CheckPlan, RunResult, check_files
from fastlint.run.registry import known_codes
from fastlint.settings import Settings

PROJECT = {
    **ROLES,
    "app/rates.py": """
        import requests

        def fetch_rates(base):
            return requests.get(f"https://rates.example.com/{base}", timeout=5).json()
        """,
    "app/unrelated.py": "import time\n\ndef wait():\n    time.sleep(1)\n",
    "app/routes.py": """
        from fastapi import APIRouter

        from app.rates import fetch_rates

        router = APIRouter()

        @router.get("/rates")
        async def rates(base: str):
            return fetch_rates(base)
        """,
}


@pytest.fixture
def summarised(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The modules pass 1 summarised, by module name."""
    counted: Counter[str] = Counter()
    original = summarizing.summarize

    def counting(tree, module, is_package, knowledge):  # type: ignore[no-untyped-def]
        counted[module] += 1
        return original(tree, module, is_package, knowledge)

    monkeypatch.setattr(summarizing, "summarize", counting)
    return counted


def check(root: Path, *paths: str, closure: bool = True, **options: object) -> RunResult:
    settings = dataclasses.replace(Settings(project_root=root), **options)
    codes = resolve_selection(settings, known_codes())[0]
    return check_files([root / path for path in paths], CheckPlan(settings, codes), jobs=1, closure=closure)


def found(result: RunResult) -> list[tuple[int, str, str]]:
    return [(finding.start.line, finding.code, finding.message) for finding in result.findings]


def test_one_file_indexes_only_the_modules_its_checks_ask_for(tmp_path: Path, summarised: Counter[str]):
    write_files(tmp_path, PROJECT)
    result = check(tmp_path, "app/routes.py", cache=False)
    assert [(line, code) for line, code, _ in found(result)] == [(9, "FL107")]  # through app.rates
    assert result.partial_index == (2, 7)  # app.routes and app.rates, of 7 files
    assert set(summarised) == {"app.routes", "app.rates"}
    assert result.project_index is not None and not result.project_index.complete


def test_a_role_given_by_another_module_needs_the_whole_project(tmp_path: Path):
    write_files(tmp_path, PROJECT)
    partial = check(tmp_path, "app/deps.py", cache=False)
    whole = check(tmp_path, "app/deps.py", cache=False, closure=False)
    assert partial.partial_index is not None and whole.partial_index is None
    assert (4, "FL102", "`time.sleep` blocks the event loop in async dependency `get_user`; use `await asyncio.sleep(...)`") in found(whole)
    # Only app/main.py says that get_user is a dependency: the partial answer calls it a function.
    assert (4, "FL102", "`time.sleep` blocks the event loop in async function `get_user`; use `await asyncio.sleep(...)`") in found(partial)


def test_the_partial_index_is_cached_and_the_next_run_indexes_the_rest(tmp_path: Path, summarised: Counter[str]):
    write_files(tmp_path, PROJECT)
    assert check(tmp_path, "app/routes.py").partial_index == (2, 7)
    summarised.clear()
    second = check(tmp_path, "app/deps.py")  # the cache holds an index now: the whole project
    assert second.partial_index is None
    assert set(summarised) == {"app", "app.deps", "app.main", "app.lifecycle", "app.unrelated"}  # the rest only
    assert (4, "FL102") in [(line, code) for line, code, _ in found(second)]
    summarised.clear()
    warm = check(tmp_path, "app/deps.py")
    assert found(warm) == found(second) and warm.project_index is None and not summarised


def test_a_directory_or_a_whole_project_check_is_never_partial(tmp_path: Path):
    write_files(tmp_path, PROJECT)
    assert check(tmp_path, "app/routes.py", "app/deps.py", cache=False, closure=False).partial_index is None


def test_the_command_line_says_when_a_result_is_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_files(tmp_path, {**PROJECT, "pyproject.toml": "[tool.fastlint]\n"})
    monkeypatch.chdir(tmp_path)
    one = CliRunner().invoke(main, ["check", "--no-cache", "app/routes.py"])
    assert one.stderr == (
        "fastlint: warning: partial result: no cached index, so only 2 of the project's 7 files were indexed; "
        "run `fastlint check` on the whole project once for the full result\n"
    )
    assert "FL107" in one.stdout
    for args in (["check", "--no-cache", "app"], ["check", "--no-cache", "-q", "app/routes.py"]):
        assert "partial" not in CliRunner().invoke(main, args).stderr


def test_a_partial_json_report_maps_the_routes_it_can_and_caches_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import json

    write_files(tmp_path, {**PROJECT, "pyproject.toml": "[tool.fastlint]\n"})
    monkeypatch.chdir(tmp_path)
    report = CliRunner().invoke(main, ["check", "--output-format", "json", "app/routes.py"])
    assert [(item["code"], item["routes"]) for item in json.loads(report.stdout)] == [("FL107", ["GET /rates"])]
    assert not (tmp_path / ".fastlint_cache" / "route-spans.json").exists()  # keyed on the whole project
