"""--fix checks before it writes: an unwritable file is a finding, a bad -o an error before any write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.cli import main

SLEEPER = "import time\n\n\nasync def pause():\n    time.sleep(1)\n"
FIXED_IMPORT = "import asyncio"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for name in ("app/a.py", "locked/b.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SLEEPER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", *args])


def test_an_unwritable_file_is_a_finding_and_the_others_are_fixed(project: Path, monkeypatch: pytest.MonkeyPatch):
    locked = project / "locked"
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        # As if locked/ were read-only (the suite may run as root, whom chmod does not stop).
        if Path(path).resolve() in (locked.resolve(), (locked / "b.py").resolve()) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    result = run(".")
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.stderr
    assert FIXED_IMPORT in (project / "app/a.py").read_text(encoding="utf-8")
    assert (project / "locked/b.py").read_text(encoding="utf-8") == SLEEPER
    assert "locked/b.py:1:1: FL001 Cannot write the fixes of this file:" in result.stdout
    assert "locked/b.py:5:5: FL102" in result.stdout


def test_a_report_into_a_missing_directory_fails_before_any_file_is_fixed(project: Path):
    result = run(".", "-o", "missing/report.txt")
    assert result.exit_code == 2
    assert result.stderr == "fastlint: error: cannot write the report to missing/report.txt: the directory missing does not exist\n"
    assert (project / "app/a.py").read_text(encoding="utf-8") == SLEEPER


def test_a_symlinked_file_is_fixed_at_its_target(project: Path):
    target = project / "app/a.py"
    link = project / "app/link.py"
    link.symlink_to(target)
    result = run("app/link.py")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert FIXED_IMPORT in target.read_text(encoding="utf-8")
