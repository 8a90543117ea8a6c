"""Plain-name patterns (run/patterns.py) match exactly what pathspec's GitIgnoreSpec matches,
so that a walk with the default excludes and test paths need not import pathspec."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from pathspec import GitIgnoreSpec

from fastlint.run.discovery import DEFAULT_EXCLUDE
from fastlint.run.patterns import NameSpec, compile_patterns, is_plain
from fastlint.settings import DEFAULT_TEST_PATHS, DEFAULT_TOOLING_PATHS

EXTRA = ("a*b", "*.py", "x-y_z.", "gen", "build/", "*_test.py", "Dist", "data.*", ".env*", "*cache*")
SPECS = [DEFAULT_EXCLUDE, DEFAULT_TEST_PATHS, DEFAULT_TOOLING_PATHS, EXTRA, (*DEFAULT_EXCLUDE, *EXTRA), ("build/",), ("gen",)]
# Parts that match some pattern, nearly match one, or match none.
PARTS = [".git", "x.git", ".gitx", "git", "venv", "venvs", "node_modules", "app.egg-info", ".egg-info", "egg-info",
         "tests", "test", "tests2", "test_a.py", "test_.py", "test_a.pyi", "a_test.py", "conftest.py", "conftest.pyc",
         "scripts", "examples", "cli", "ab", "axyzb", "a", "b", "ba", "main.py", "x-y_z.", "x-y_z", "gen", "gen.py",
         "build", "builds", "Dist", "dist", "data.json", "data", ".env", ".envrc", "mycache", "site-packages", "__pycache__"]


def paths() -> list[str]:
    found = []
    for depth in (1, 2, 3):
        for parts in itertools.product(PARTS, repeat=depth) if depth < 3 else zip(PARTS, reversed(PARTS), PARTS[3:] + PARTS[:3]):
            path = "/".join(parts)
            found += [path, path + "/"]
    return found


@pytest.mark.parametrize("patterns", SPECS, ids=lambda patterns: ",".join(patterns)[:40])
def test_plain_names_match_what_pathspec_matches(patterns: tuple[str, ...]) -> None:
    assert all(map(is_plain, patterns))
    ours, theirs = NameSpec(patterns), GitIgnoreSpec.from_lines(list(patterns))
    checked = paths()
    assert len(checked) > 3800
    assert [ours.match_file(path) for path in checked] == [theirs.match_file(path) for path in checked]
    # Plain names have no negation: pathspec's verdict is "matched" or "no pattern matched".
    assert {theirs.check_file(path).include for path in checked} == {True, None}
    assert any(ours.match_file(path) for path in checked) and not all(ours.match_file(path) for path in checked)


@pytest.mark.parametrize("named", ["build/", "a/build/", "gen/", "x/.git/", "app.egg-info/", "src/"])
def test_dropping_the_names_that_match_a_named_directory_is_what_pathspec_drops(named: str) -> None:
    patterns = (*DEFAULT_EXCLUDE, *EXTRA)
    ours = NameSpec(patterns).without_matches_for(named)
    theirs = GitIgnoreSpec([p for p in GitIgnoreSpec.from_lines(list(patterns)).patterns if not (p.include and p.match_file(named))])
    checked = paths()
    assert [ours.match_file(path) for path in checked] == [theirs.match_file(path) for path in checked]


@pytest.mark.parametrize("pattern", ["/build", "a/b", "!keep", "*.py[cod]", "**/x", "x/**", r"\#x", "#comment", "", " x", "x ",
                                     "?x", "*", "**", ".", "..", "*.*", "/", "a//", "a b", "ünï"])
def test_other_patterns_go_to_pathspec(pattern: str) -> None:
    assert not is_plain(pattern)
    assert isinstance(compile_patterns(["venv", pattern]), GitIgnoreSpec)


def test_an_empty_spec_matches_nothing() -> None:
    assert not NameSpec([]).match_file("a.py") and not NameSpec([]).match_file("a/")


# Discover a project and check its test paths with the default settings in a fresh
# interpreter; print whether pathspec was imported.
PROBE = """
import sys
from pathlib import Path
from fastlint.run.config import unreported_path
from fastlint.run.discovery import discover
from fastlint.settings import Settings
settings = Settings(project_root=Path.cwd())
found = discover([Path.cwd()], settings)
print(sorted(str(path.relative_to(Path.cwd())) for path in found.files), [unreported_path(settings, path) for path in found.files])
print("pathspec" in sys.modules)
"""


def test_a_walk_with_the_default_patterns_and_no_gitignore_does_not_import_pathspec(tmp_path: Path) -> None:
    for name in ("app/main.py", "tests/test_a.py", "scripts/tool.py", ".git/hooks/x.py", "venv/lib/x.py", "a.egg-info/x.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert probe.stdout.splitlines() == ["['app/main.py', 'scripts/tool.py', 'tests/test_a.py'] [None, 'tooling', 'test']", "False"]
    (tmp_path / ".gitignore").write_text("/app/\n")
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert probe.stdout.splitlines() == ["['scripts/tool.py', 'tests/test_a.py'] ['tooling', 'test']", "True"]
