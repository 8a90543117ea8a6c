"""The wheel holds the ``fastlint`` package with its rules, and the console script."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """Build once per session, from a copy so the working tree gets no ``build/``."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("fastlint", "rules"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    process = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True, text=True,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    (built,) = out.glob("fastlint-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_rules_are_installed_as_fastlint_rules(wheel: zipfile.ZipFile):
    names = set(wheel.namelist())
    expected = {f"fastlint/rules/{path.name}" for path in (ROOT / "rules").glob("*.py")}
    assert "fastlint/rules/blocking_http_call_in_async.py" in expected
    assert expected <= names


def test_no_top_level_rules_package(wheel: zipfile.ZipFile):
    top_levels = {name.split("/")[0] for name in wheel.namelist()}
    assert {top for top in top_levels if not top.endswith(".dist-info")} == {"fastlint"}


def test_every_engine_module_is_packaged(wheel: zipfile.ZipFile):
    names = set(wheel.namelist())
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "fastlint").rglob("*.py")}
    assert modules <= names


def test_console_script_entry_point(wheel: zipfile.ZipFile):
    (entry_points,) = [name for name in wheel.namelist() if name.endswith(".dist-info/entry_points.txt")]
    parser = configparser.ConfigParser()
    parser.read_string(wheel.read(entry_points).decode())
    assert parser["console_scripts"]["fastlint"] == "fastlint.__main__:run"


def test_the_licence_is_in_the_wheel(wheel: zipfile.ZipFile):
    licences = [name for name in wheel.namelist() if name.endswith("/LICENSE") and ".dist-info/" in name]
    assert len(licences) == 1
    assert wheel.read(licences[0]).decode() == (ROOT / "LICENSE").read_text(encoding="utf-8")
    (metadata,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "License: MIT" in text or "License-Expression: MIT" in text
    assert "Project-URL: Homepage, https://github.com/fastlint/fastlint" in text
