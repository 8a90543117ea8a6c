"""Every quiet acceptance is a clear error; standard input is checked as a file of its project."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from projects import write_files

from fastlint.cli import main

RATES = """
    import requests

    def fetch_rates(base):
        return requests.get(f"https://rates.example.com/{base}", timeout=5).json()
    """
ROUTE = "from app.rates import fetch_rates\n\n\nasync def rates(base: str):\n    return fetch_rates(base)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"app/__init__.py": "", "app/rates.py": RATES, "docs/README.md": "# docs\n"})
    (tmp_path / "nothing").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, ["check", "--no-cache", *args], input=stdin)


def test_a_path_without_python_files_is_an_error(project: Path):
    result = run("nothing")
    assert (result.exit_code, result.stderr) == (2, "fastlint: error: no Python files to check in nothing (none there, or all excluded)\n")


def test_a_non_python_file_named_on_the_command_line_is_an_error(project: Path):
    result = run("docs/README.md")
    assert (result.exit_code, result.stderr) == (2, "fastlint: error: docs/README.md is not a Python file (fastlint checks .py and .pyi files)\n")


def test_a_symlink_loop_named_on_the_command_line_is_named(project: Path):
    (project / "loop_a").symlink_to("loop_b")
    (project / "loop_b").symlink_to("loop_a")
    result = run("loop_a")
    assert (result.exit_code, result.stderr) == (2, "fastlint: error: loop_a is a symbolic link loop\n")


@pytest.mark.parametrize("pattern", ["[a-", "app/[!x"])
def test_an_unparsable_exclude_glob_is_a_configuration_error(project: Path, pattern: str):
    (project / "fastlint.toml").write_text(f'exclude = ["{pattern}"]\n', encoding="utf-8")
    result = run("app")
    assert result.exit_code == 2
    assert result.stderr == (f"fastlint: error: fastlint.toml:1: 'exclude' has invalid pattern '{pattern}': "
                             "'[' opens a character class that no ']' closes\n")


def test_a_negative_max_call_depth_is_a_configuration_error(project: Path):
    (project / "fastlint.toml").write_text("max-call-depth = -5\n", encoding="utf-8")
    result = run("app")
    assert (result.exit_code, result.stderr) == (2, "fastlint: error: fastlint.toml:1: 'max-call-depth' must be an integer of at least 0, got -5\n")


def test_an_unknown_code_on_the_command_line_is_blamed_on_the_command_line(project: Path):
    result = run("app", "--select", "FL999")
    assert result.exit_code == 2
    assert result.stderr.startswith("fastlint: error: command line: '--select' has unknown rule selector 'FL999'")


def test_standard_input_is_checked_as_the_named_file_with_the_project_index(project: Path):
    result = run("--stdin-filename", "app/routes.py", "-", stdin=ROUTE.encode())
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("app/routes.py:5:12: FL107 ")  # through app/rates.py on disk
    assert not (project / "app/routes.py").exists()


def test_standard_input_needs_both_the_dash_and_the_file_name(project: Path):
    result = run("-", stdin=b"x = 1\n")
    assert (result.exit_code, result.stderr) == (2, "fastlint: error: to check standard input, pass both: fastlint check --stdin-filename PATH -\n")
