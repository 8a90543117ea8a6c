"""The wheel holds the ``fastlint`` package with its rules, and the console script."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# What a release is built from: the package, its build files, and what the metadata names.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "_build_backend", "fastlint", "rules")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel built from it, as a release is, once per module, from a copy
    so the working tree gets no ``build/``. The default build: pure Python."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    environment = {key: value for key, value in os.environ.items() if key != "FASTLINT_COMPILE"}
    process = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)], capture_output=True, text=True, env=environment,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    (sdist,) = out.glob("fastlint-*.tar.gz")
    (wheel,) = out.glob("fastlint-*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel(built: tuple[Path, Path]) -> Iterator[zipfile.ZipFile]:
    with zipfile.ZipFile(built[1]) as archive:
        yield archive


def test_the_default_wheel_is_pure_python(built: tuple[Path, Path], wheel: zipfile.ZipFile):
    assert built[1].name.endswith("-py3-none-any.whl")
    assert not [name for name in wheel.namelist() if name.endswith((".so", ".pyd", ".c"))]


def test_the_sdist_builds_with_its_in_tree_backend(built: tuple[Path, Path]):
    # The wheel above was built from this sdist, so it holds what the build needs; the
    # backend is named here so that losing MANIFEST.in fails with a clear message.
    with tarfile.open(built[0]) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    assert {"_build_backend/backend.py", "setup.py", "pyproject.toml"} <= names


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
    assert "License-Expression: MIT" in text.splitlines()  # PEP 639: an SPDX expression, not the deprecated table
    assert "License-File: LICENSE" in text.splitlines()
    assert "Project-URL: Homepage, https://github.com/fastlint/fastlint" in text
