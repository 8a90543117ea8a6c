"""The optional compiled build (setup.py): what it compiles, and that a test run uses the
build it means to test. CI runs the whole suite twice: on the pure sources, and on a copy
of the tree compiled with ``FASTLINT_COMPILE=1`` and ``FASTLINT_EXPECT_COMPILED=1``."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import os
import typing
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from test_shipping import pyproject

ROOT = Path(__file__).resolve().parents[1]


def _literal(path: Path, name: str) -> typing.Any:
    """The value of a module-level constant, read without running the file."""
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.Assign) and [target.id for target in statement.targets if isinstance(target, ast.Name)] == [name]:
            return ast.literal_eval(statement.value)
    raise AssertionError(f"{path.name} assigns no {name}")


COMPILED = _literal(ROOT / "setup.py", "COMPILED")


def test_every_compiled_module_is_an_analysis_module():
    assert COMPILED and len(set(COMPILED)) == len(COMPILED)
    assert all((ROOT / "fastlint" / "analysis" / f"{name}.py").is_file() for name in COMPILED)


def test_the_suite_runs_on_the_build_it_means_to_test():
    # A compiled module left in the work tree would shadow its edited source; a compiled
    # run that imported the sources would test nothing new.
    expect_compiled = os.environ.get("FASTLINT_EXPECT_COMPILED") == "1"
    for name in COMPILED:
        module = importlib.import_module(f"fastlint.analysis.{name}")
        assert str(module.__file__).endswith(tuple(EXTENSION_SUFFIXES)) == expect_compiled, module.__file__
    plain = importlib.import_module("fastlint.analysis.module_summary")
    assert str(plain.__file__).endswith(".py")


def _cached_classes() -> set[type]:
    """Every dataclass the cache's codec writes and reads back."""
    from fastlint.analysis.module_summary import ModuleSummary
    from fastlint.analysis.summaries import ProjectFacts
    from fastlint.finding import Finding
    from fastlint.run.cache import _Walk

    found: set[type] = set()

    def visit(kind: object) -> None:
        if isinstance(kind, type) and dataclasses.is_dataclass(kind) and kind not in found:
            found.add(kind)
            for hint in typing.get_type_hints(kind).values():
                visit(hint)
        for argument in typing.get_args(kind):
            visit(argument)

    for kind in (ModuleSummary, ProjectFacts, Finding, _Walk):
        visit(kind)
    return found


def test_no_class_the_cache_stores_is_compiled():
    # The codec decodes by field annotations; mypyc replaces those by runtime classes
    # (``dict[str, X]`` becomes ``dict``), and the compiled build could not read its cache.
    modules = {kind.__module__ for kind in _cached_classes()}
    assert {"fastlint.analysis.module_summary", "fastlint.finding"} <= modules
    assert not modules & {f"fastlint.analysis.{name}" for name in COMPILED}


def test_a_compiled_build_asks_for_the_mypy_the_suite_checks_with_and_the_runtime_dependencies():
    project = pyproject()["project"]
    (mypy,) = [requirement for requirement in project["optional-dependencies"]["test"] if requirement.startswith("mypy")]
    assert _literal(ROOT / "_build_backend" / "backend.py", "_COMPILER") == [mypy, *project["dependencies"]]


def _slow_when_compiled(tree: ast.Module) -> list[str]:
    """What mypyc compiles to slower code than the interpreter runs: ``getattr`` with a
    default (a miss makes and formats an AttributeError), ``ast.Call`` (a lookup of the
    module's attribute at each use) and ``node.__class__`` (a generic attribute lookup)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) == 3:
            if not (isinstance(node.args[1], ast.Name) and node.args[1].id == "name"):  # a field ``_fields`` lists
                found.append(f"line {node.lineno}: getattr with a default")
        elif isinstance(node, ast.Attribute) and node.attr == "__class__":
            found.append(f"line {node.lineno}: .__class__")
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ast"
              and node.attr[:1].isupper() and node.attr != "TryStar"):  # TryStar: Python 3.11 on
            found.append(f"line {node.lineno}: ast.{node.attr}")
    return found


def test_compiled_modules_avoid_what_mypyc_makes_slower():
    slow = {name: _slow_when_compiled(ast.parse((ROOT / "fastlint" / "analysis" / f"{name}.py").read_text(encoding="utf-8"))) for name in COMPILED}
    assert {name: found for name, found in slow.items() if found} == {}


def test_the_check_for_slow_compiled_code_finds_each_kind():
    tree = ast.parse("import ast\nx = getattr(node, '_fastlint_scope', None)\ny = node.__class__\nz = isinstance(node, ast.Call)\n")
    assert _slow_when_compiled(tree) == ["line 2: getattr with a default", "line 3: .__class__", "line 4: ast.Call"]
