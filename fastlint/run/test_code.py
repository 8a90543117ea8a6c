"""Test code in the project index: left out, unless the rest of the project imports it.

Tests are not the service: what they register (routes, dependencies), map (ORM models) or
store on ``request.state`` says nothing of the code in production, and no rule reports in
them. Pass 1 therefore summarises no file under ``test-paths`` unless ``check-test-paths``
is on (the file is only parsed, so that a broken one is still reported); a suite is
often a third to a half of a project's code. A test module that production code imports
from (airflow's ``airflow/models/connection_test.py`` matches ``*_test.py``) is summarised
and indexed as any other, and so are the test modules it imports from in turn: a chain
through it is followed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from fastlint.analysis.module_names import dotted_prefixes

if TYPE_CHECKING:
    from pathlib import Path

    from fastlint.analysis.module_summary import ModuleSummary
    from fastlint.settings import Settings


# The digest the index gives a test module it leaves out: the findings cache then sees a
# check that named it (as outside the project) rest on its being left out.
LEFT_OUT = "-"


def in_test_code(settings: Settings, paths: Iterable[str]) -> set[str]:
    """The ``paths`` (absolute) whose file is test code that the index leaves out."""
    if settings.check_test_paths or not settings.test_paths:
        return set()
    return {path for path in paths if is_test_code(settings, path)}


def is_test_code(settings: Settings, path: Path | str) -> bool:
    """``path`` is test code that the index leaves out (unless imported)."""
    from fastlint.run.config import unreported_path

    return unreported_path(settings, path) == "test"


def imported_modules(summaries: Iterable[ModuleSummary], wanted: Collection[str], modules: Collection[str], aliases: Mapping[str, str]) -> set[str]:
    """The modules of ``wanted`` that ``summaries`` import from: an imported name lies in the
    module its longest prefix names (by the module's name or an alias), as the index
    resolves it; ``modules``: every module of the project."""
    found: set[str] = set()
    for summary in summaries:
        for name in (*summary.imports.values(), *summary.other_imports):
            for prefix in dotted_prefixes(name):
                module = prefix if prefix in modules else aliases.get(prefix)
                if module is not None:
                    if module in wanted:
                        found.add(module)
                    break
    return found
