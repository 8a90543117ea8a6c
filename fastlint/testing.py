"""Helpers for testing rules on snippets of code, used by fastlint's own test suite."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

from fastlint.finding import Finding
from fastlint.run.engine import Checker, CheckPlan
from fastlint.settings import Settings
from fastlint.source import SourceFile, decode_source


def lint_source(
    code: str,
    codes: Iterable[str],
    options: Mapping[str, object] | None = None,
    path: str = "example.py",
    root: Path | None = None,
    *,
    fix_edits: bool = True,
) -> list[Finding]:
    """Check ``code`` as if it were the file ``path`` with only ``codes`` enabled
    (``fix_edits`` False: as a run that only counts fixes)."""
    root = root or Path.cwd()
    settings = dataclasses.replace(Settings(project_root=root), cache=False, **dict(options or {}))  # type: ignore[arg-type]
    checker = Checker(CheckPlan(settings, frozenset(codes), fix_edits=fix_edits))
    source = decode_source(root / path, code.encode("utf-8"))
    return sorted(checker.check_source(source).findings, key=Finding.sort_key)



def fix_source(
    code: str,
    codes: Iterable[str],
    options: Mapping[str, object] | None = None,
    *,
    unsafe: bool = True,
    path: str = "example.py",
) -> str:
    """``code`` after the fixer applied the fixes of ``codes`` (unsafe ones too by default)."""
    from fastlint.fixing.fixer import fix_file
    from fastlint.fixing.policy import FixPolicy

    root = Path.cwd()
    settings = dataclasses.replace(Settings(project_root=root), cache=False, **dict(options or {}))  # type: ignore[arg-type]
    checker = Checker(CheckPlan(settings, frozenset(codes)))
    source = decode_source(root / path, code.encode("utf-8"))

    def relint(current: SourceFile) -> list[Finding]:
        return sorted(checker.check_source(current).findings, key=Finding.sort_key)

    result = fix_file(source, relint(source), relint, FixPolicy(frozenset(codes), unsafe=unsafe))
    assert result.problem is None, result.problem
    return result.text
