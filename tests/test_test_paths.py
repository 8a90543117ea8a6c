"""Test and tooling code: indexed, never reported on by default (FL001 aside)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.cli import main
from fastlint.run.config import load_settings, unreported_path
from fastlint.settings import Settings
from fastlint.testing import lint_source
from tests.projects import write_files

BLOCKING = """
import time

async def handler():
    time.sleep(1)
"""

PROJECT = {
    "app/__init__.py": "",
    "scripts/__init__.py": "",
    "app/main.py": """
        from fastapi import FastAPI
        from scripts.seed import seed

        app = FastAPI(openapi_url=None)


        @app.get("/seed")
        async def run_seed():
            seed()
        """,
    "scripts/seed.py": """
        import time

        def seed():
            time.sleep(1)


        async def main():
            time.sleep(1)
        """,
    "tests/test_api.py": """
        import time

        async def test_api():
            time.sleep(1)
        """,
    "app/conftest.py": """
        import time

        async def fixture():
            time.sleep(1)
        """,
    "tests/broken.py": "def broken(:\n",
}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("tests/test_api.py", "test"),
        ("backend/tests/api/routes.py", "test"),
        ("test/helpers.py", "test"),
        ("app/test_models.py", "test"),
        ("app/models_test.py", "test"),
        ("conftest.py", "test"),
        ("app/sub/conftest.py", "test"),
        ("scripts/seed.py", "tooling"),
        ("docs/examples/app.py", "tooling"),
        ("benchmarks/run.py", "tooling"),
        ("loadtest/locustfile.py", "tooling"),
        ("loadtests/locustfile.py", "tooling"),
        ("src/prefect/cli/deploy.py", "tooling"),
        ("airflow/example_dags/example_retry.py", "tooling"),
        ("app/client.py", None),
        ("app/main.py", None),
        ("app/testing.py", None),
        ("app/contest.py", None),
        ("app/latest_results.py", None),
        ("app/script.py", None),
    ],
)
def test_default_patterns(tmp_path: Path, path: str, kind: str | None) -> None:
    settings = Settings(project_root=tmp_path)
    assert unreported_path(settings, tmp_path / path) == kind


def test_settings_change_the_patterns(tmp_path: Path) -> None:
    root = tmp_path
    assert unreported_path(Settings(project_root=root, check_test_paths=True), root / "tests/a.py") is None
    assert unreported_path(Settings(project_root=root, test_paths=()), root / "tests/a.py") is None
    assert unreported_path(Settings(project_root=root, test_paths=()), root / "scripts/a.py") == "tooling"
    assert unreported_path(Settings(project_root=root, tooling_paths=()), root / "scripts/a.py") is None
    assert unreported_path(Settings(project_root=root, test_paths=("spec/",)), root / "spec/a.py") == "test"
    assert unreported_path(Settings(project_root=root, test_paths=("spec/",)), root / "tests/a.py") is None


def test_the_filter_applies_to_every_rule_on_a_snippet(tmp_path: Path) -> None:
    assert [f.code for f in lint_source(BLOCKING, ["FL102"], root=tmp_path)] == ["FL102"]
    assert lint_source(BLOCKING, ["FL102"], path="tests/test_sleep.py", root=tmp_path) == []
    assert lint_source(BLOCKING, ["FL102"], path="scripts/sleep.py", root=tmp_path) == []
    found = lint_source(BLOCKING, ["FL102"], {"check_test_paths": True}, path="tests/test_sleep.py", root=tmp_path)
    assert [f.code for f in found] == ["FL102"]


def test_an_unparseable_test_file_is_still_reported(tmp_path: Path) -> None:
    found = lint_source("def broken(:\n", ["FL102"], path="tests/test_broken.py", root=tmp_path)
    assert [(f.code, f.start.line) for f in found] == [("FL001", 1)]


def _check(root: Path, *args: str) -> tuple[int, list[tuple[str, int, str]]]:
    result = CliRunner().invoke(main, ["check", ".", "--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    found = [
        (Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix(), item["location"]["row"], item["code"])
        for item in json.loads(result.stdout)
    ]
    return result.exit_code, sorted(found)


@pytest.mark.parametrize("cache", [(), ("--no-cache",)])
def test_cli_reports_served_code_and_chains_through_tooling_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: tuple[str, ...]) -> None:
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    expected = [("app/main.py", 9, "FL107"), ("tests/broken.py", 1, "FL001")]
    assert _check(tmp_path, *cache) == (1, expected)
    assert _check(tmp_path, *cache) == (1, expected)  # warm: the same from the cache


def test_cli_check_test_paths_reports_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, PROJECT)
    (tmp_path / "fastlint.toml").write_text('check-test-paths = true\nper-file-ignores = { "scripts/**" = ["FL1"] }\n')
    monkeypatch.chdir(tmp_path)
    assert _check(tmp_path)[1] == [
        ("app/conftest.py", 4, "FL102"),
        ("app/main.py", 9, "FL107"),
        ("tests/broken.py", 1, "FL001"),
        ("tests/test_api.py", 4, "FL102"),
    ]


def test_cli_named_test_file_is_quiet_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "tests/test_api.py", "--no-cache"])
    # A named file on a project with no cache is checked against its import closure only:
    # stderr says the result is partial; stdout holds the (empty) report.
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")
    assert "partial result" in result.stderr


def test_rule_documentation_says_where_rules_report() -> None:
    result = CliRunner().invoke(main, ["rule", "FL102"])
    assert result.exit_code == 0
    assert "unless `check-test-paths = true`" in result.output


def test_configuration_is_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "fastlint.toml").write_text('test-paths = ["spec/"]\ntooling-paths = []\ncheck-test-paths = true\n')
    settings = load_settings([tmp_path])
    assert (settings.test_paths, settings.tooling_paths, settings.check_test_paths) == (("spec/",), (), True)
    (tmp_path / "fastlint.toml").write_text('test-paths = "tests/"\n')
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "'test-paths' must be an array of strings, got string" in result.output
