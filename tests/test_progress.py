"""The progress line: only on a terminal, only for long runs, only for people."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import fastlint.cli
import fastlint.run.progress
from fastlint.cli import main
from fastlint.run.config import resolve_selection
from fastlint.run.engine import CheckPlan, check_files
from fastlint.run.progress import ProgressLine
from fastlint.run.registry import known_codes
from fastlint.settings import Settings

ERASE = "\r\x1b[K"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_drawn_before_the_delay_and_close_then_erases_nothing():
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, delay=2.0, clock=clock)
    clock.now += 1.9
    line("indexing", 5, 10)
    line.close()
    assert stream.getvalue() == ""


def test_after_the_delay_the_line_is_redrawn_at_most_every_interval_and_erased_at_the_end():
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, delay=2.0, interval=0.1, clock=clock)
    clock.now += 2.0
    line("indexing", 1, 1200)
    clock.now += 0.05
    line("indexing", 2, 1200)  # too soon: skipped
    line("indexing", 1200, 1200)  # the last count is always drawn
    clock.now += 0.2
    line("checking", 3, 4)
    line.close()
    assert stream.getvalue() == (
        f"{ERASE}fastlint: indexing 1/1,200 files{ERASE}fastlint: indexing 1,200/1,200 files"
        f"{ERASE}fastlint: checking 3/4 files{ERASE}"
    )


def test_the_engine_reports_both_passes(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("")
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("import time\n")
    seen: list[tuple[str, int, int]] = []
    settings = Settings(project_root=tmp_path, cache=False)
    codes = resolve_selection(settings, known_codes())[0]
    check_files([tmp_path / "a.py", tmp_path / "b.py"], CheckPlan(settings, codes), jobs=1,
                progress=lambda *args: seen.append(args))
    assert seen == [("indexing", 1, 3), ("indexing", 2, 3), ("indexing", 3, 3), ("checking", 1, 2), ("checking", 2, 2)]


@pytest.fixture
def terminal_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text("import time\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(fastlint.run.progress, "DELAY", 0.0)
    monkeypatch.setattr(fastlint.cli, "_stderr_is_terminal", lambda: True)
    return tmp_path


def test_a_text_report_on_a_terminal_shows_and_erases_the_line(terminal_project: Path):
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert result.exit_code == 0
    assert result.stderr == f"{ERASE}fastlint: indexing 1/1 files{ERASE}fastlint: checking 1/1 files{ERASE}"


@pytest.mark.parametrize("options", [["--output-format", "json"], ["--quiet"]])
def test_machine_formats_and_quiet_runs_never_show_it(terminal_project: Path, options: list[str]):
    result = CliRunner().invoke(main, ["check", "--no-cache", ".", *options])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_pipe_never_shows_it(terminal_project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fastlint.cli, "_stderr_is_terminal", lambda: False)
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert result.stderr == ""
