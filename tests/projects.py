"""Small projects written into a temporary directory and checked the way the CLI checks them."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

from fastlint.run.config import resolve_selection
from fastlint.run.engine import CheckPlan, RunResult, check_files
from fastlint.run.registry import known_codes
from fastlint.settings import Settings


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write each file (dedented, leading blank lines dropped), creating its folders."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def check_paths(root: Path, paths: Iterable[str], **options: object) -> RunResult:
    """Check ``paths`` of the project at ``root`` in one process, with settings overridden by ``options``."""
    settings = dataclasses.replace(Settings(project_root=root), **options)
    codes = resolve_selection(settings, known_codes())[0]
    return check_files([root / path for path in paths], CheckPlan(settings, codes), jobs=1)
