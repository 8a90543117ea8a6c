"""Discovery: exact file lists from real trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fastlint.run.discovery import DEFAULT_EXCLUDE, Discovery, discover
from fastlint.settings import Settings


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path.resolve() / "proj"
    project.mkdir()
    return project


def make(root: Path, *names: str) -> None:
    """Create files (and directories, for names ending in ``/``)."""
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")


def found(root: Path, paths: list[Path] | None = None, **settings: object) -> list[str]:
    result = run(root, paths, **settings)
    assert result.warnings == []
    return relative(root, result)


def run(root: Path, paths: list[Path] | None = None, **settings: object) -> Discovery:
    return discover(paths or [root], Settings(project_root=root, **settings))  # type: ignore[arg-type]


def relative(root: Path, result: Discovery) -> list[str]:
    return [os.path.relpath(path, root).replace(os.sep, "/") for path in result.files]


def test_python_files_sorted_absolute_and_unique(root: Path) -> None:
    make(root, "b.py", "a/z.pyi", "a/y.py", "a.py", "README.md", "setup.cfg", "a/data.json", "empty/")
    result = run(root, [root, root / "a", root / "a" / "y.py"])
    # Path order: component by component, so `a/` sorts before `a.py` (as ruff lists them).
    assert relative(root, result) == ["a/y.py", "a/z.pyi", "a.py", "b.py"]
    assert all(path.is_absolute() for path in result.files)
    assert result.files == sorted(result.files)


def test_default_excludes(root: Path) -> None:
    skipped = [
        ".git/hooks/x.py", ".hg/x.py", ".svn/x.py", ".venv/lib/x.py", "venv/x.py",
        "node_modules/pkg/x.py", "build/lib/x.py", "dist/x.py", "__pycache__/x.py",
        ".tox/py/x.py", ".nox/x.py", ".mypy_cache/x.py", ".ruff_cache/x.py",
        ".pytest_cache/x.py", ".fastlint_cache/x.py", "lib/site-packages/x.py",
        "app.egg-info/x.py", "pkg/build/x.py", "pkg/__pycache__/x.py",
    ]
    make(root, "app/main.py", "app/build_utils.py", "distance.py", *skipped)
    assert found(root) == ["app/build_utils.py", "app/main.py", "distance.py"]
    assert len(skipped) > len(DEFAULT_EXCLUDE)


def test_virtualenv_under_any_name_is_found_by_pyvenv_cfg(root: Path) -> None:
    make(root, "env3/pyvenv.cfg", "env3/lib/python3.12/site/x.py", "env3/x.py", "app/pyvenv.py")
    assert found(root) == ["app/pyvenv.py"]


def test_exclude_replaces_the_defaults(root: Path) -> None:
    make(root, "build/x.py", "env3/pyvenv.cfg", "env3/x.py", "gen/x.py", "a/gen/y.py", "main.py")
    assert found(root, exclude=("gen",)) == ["build/x.py", "env3/x.py", "main.py"]


def test_extend_exclude_is_relative_to_the_project_root(root: Path) -> None:
    make(root, "tests/fixtures/app.py", "src/tests/fixtures/app.py", "tests/test_app.py",
         "migrations/0001.py", "pkg/migrations/0002.py", "build/x.py")
    assert found(root, extend_exclude=("tests/fixtures", "/migrations", "*.pyi")) == [
        "pkg/migrations/0002.py", "src/tests/fixtures/app.py", "tests/test_app.py",
    ]


def test_exclude_negation(root: Path) -> None:
    make(root, "gen/a.py", "gen/keep.py", "b.py")
    assert found(root, exclude=("gen/*", "!gen/keep.py")) == ["b.py", "gen/keep.py"]


def test_root_and_nested_gitignore(root: Path) -> None:
    make(root, ".git/", "a.py", "a_gen.py", "local/x.py", "sub/secret.py", "sub/keep_gen.py",
         "sub/b_gen.py", "sub/deeper/secret.py", "other/secret.py", "other/local.py")
    (root / ".gitignore").write_text("# generated\n*_gen.py\n/local/\n")
    (root / "sub" / ".gitignore").write_text("secret.py\n!keep_gen.py\n")
    assert found(root) == ["a.py", "other/local.py", "other/secret.py", "sub/keep_gen.py"]
    assert found(root, respect_gitignore=False) == [
        "a.py", "a_gen.py", "local/x.py", "other/local.py", "other/secret.py", "sub/b_gen.py",
        "sub/deeper/secret.py", "sub/keep_gen.py", "sub/secret.py",
    ]


def test_invalid_gitignore_lines_are_skipped_like_git(root: Path) -> None:
    make(root, ".git/", "a.py", "b_gen.py", "c.py")
    (root / ".gitignore").write_text("!\n*_gen.py\n[z-a]\n")
    assert found(root) == ["a.py", "c.py"]


def test_gitignore_above_a_subdirectory_applies(root: Path) -> None:
    make(root, ".git/", "src/app/a.py", "src/app/a_gen.py", "src/app/cache/x.py")
    (root / ".gitignore").write_text("*_gen.py\ncache/\n")
    (root / "src" / ".gitignore").write_text("!a_gen.py\n")
    assert found(root, [root / "src" / "app"]) == ["src/app/a.py", "src/app/a_gen.py"]


def test_gitignore_of_the_repository_above_the_project_root(tmp_path: Path) -> None:
    repo = tmp_path.resolve() / "repo"
    project = repo / "services" / "api"
    make(repo, ".git/", "services/api/pyproject.toml", "services/api/app.py",
         "services/api/app_pb2.py")
    (repo / ".gitignore").write_text("*_pb2.py\n")
    assert found(project) == ["app.py"]


def test_gitignore_outside_the_repository_does_not_apply(tmp_path: Path) -> None:
    outer = tmp_path.resolve()
    (outer / ".gitignore").write_text("*.py\n")
    make(outer, "repo/.git/", "repo/a.py")
    assert found(outer / "repo") == ["a.py"]


def test_explicit_files_are_always_checked(root: Path) -> None:
    make(root, ".git/", "build/x.py", "gen_a.py", "scripts/tool", "notes.txt")
    (root / ".gitignore").write_text("gen_*.py\n")
    paths = [root / "build" / "x.py", root / "gen_a.py", root / "scripts" / "tool"]
    assert found(root, paths) == ["build/x.py", "gen_a.py", "scripts/tool"]


def test_force_exclude_drops_explicit_paths_that_match(root: Path) -> None:
    make(root, ".git/", "build/x.py", "gen_a.py", "venv2/pyvenv.cfg", "venv2/lib/y.py",
         "migrations/0001.py", "app/main.py", "app/build/z.py")
    (root / ".gitignore").write_text("gen_*.py\n")
    paths = [root / "build" / "x.py", root / "gen_a.py", root / "venv2" / "lib" / "y.py",
             root / "migrations" / "0001.py", root / "app" / "main.py", root / "app" / "build"]
    settings = {"force_exclude": True, "extend_exclude": ("migrations",)}
    assert found(root, paths, **settings) == ["app/main.py"]


def test_an_excluded_directory_named_explicitly_is_walked(root: Path) -> None:
    make(root, "build/a.py", "build/sub/b.py", "build/__pycache__/c.py", "build/dist/d.py",
         "tests/fixtures/app.py", "tests/fixtures/gen/x.py")
    assert found(root, [root / "build"]) == ["build/a.py", "build/sub/b.py"]
    assert found(root, [root / "tests" / "fixtures"], extend_exclude=("tests/fixtures", "gen")) == [
        "tests/fixtures/app.py",
    ]
    assert found(root, [root / "build"], force_exclude=True) == []


def test_a_gitignored_directory_named_explicitly_is_walked(root: Path) -> None:
    make(root, ".git/", "out/a.py", "out/a_gen.py")
    (root / ".gitignore").write_text("out/\n*_gen.py\n")
    assert found(root, [root / "out"]) == ["out/a.py"]


def test_paths_outside_the_project_root(tmp_path: Path, root: Path) -> None:
    """Anchored patterns cannot apply there, and `build` above the path must not hide it."""
    outside = tmp_path.resolve() / "build" / "lib"
    make(outside, "x.py", "dist/y.py")
    result = run(root, [outside], extend_exclude=("lib",))
    assert [p.relative_to(outside).as_posix() for p in result.files] == ["x.py"]


def test_symlink_loops_terminate(root: Path) -> None:
    make(root, "a/x.py", "a/b/y.py")
    (root / "a" / "b" / "loop").symlink_to(root / "a", target_is_directory=True)
    (root / "a" / "self").symlink_to(".", target_is_directory=True)
    (root / "up").symlink_to(root, target_is_directory=True)
    assert found(root) == ["a/b/y.py", "a/x.py"]


def test_symlinked_directories_are_followed_once(tmp_path: Path, root: Path) -> None:
    outside = tmp_path.resolve() / "outside"
    make(outside, "lib.py", "pkg/mod.py")
    make(root, "main.py", "real/r.py")
    (root / "ext").symlink_to(outside, target_is_directory=True)
    (root / "ext2").symlink_to(outside, target_is_directory=True)
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    (root / "dangling").symlink_to(root / "missing", target_is_directory=True)
    (root / "link.py").symlink_to(root / "main.py")
    assert found(root) == ["ext/lib.py", "ext/pkg/mod.py", "link.py", "main.py", "real/r.py"]


def test_missing_path_is_a_warning(root: Path) -> None:
    make(root, "a.py")
    missing = root / "nope.py"
    result = run(root, [missing, root])
    assert relative(root, result) == ["a.py"]
    assert result.warnings == [f"{missing}: path does not exist"]


def test_unreadable_directory_is_a_warning(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(root, "a.py", "locked/b.py", "open/c.py")
    real_scandir = os.scandir
    locked = (root / "locked").as_posix()

    def scandir(path: str):  # type: ignore[no-untyped-def]
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run(root)
    assert relative(root, result) == ["a.py", "open/c.py"]
    assert result.warnings == [f"{locked}: cannot read directory: Permission denied"]


def test_a_source_package_named_build_is_checked_and_build_output_is_not(root: Path) -> None:
    # A real service's ``app/build/`` package (70 files) was skipped whole by the old
    # default exclude ``build``; setuptools' ``build/lib`` output holds no ``__init__.py``.
    make(root, "app/__init__.py", "app/build/__init__.py", "app/build/steps.py",
         "build/lib/app/__init__.py", "build/lib/app/main.py", "tools/build/gen.py")
    assert found(root) == ["app/__init__.py", "app/build/__init__.py", "app/build/steps.py"]
    assert found(root, [root / "build" / "lib" / "app" / "main.py"], force_exclude=True) == []
    # A .gitignore'd package is skipped as any ignored directory; an explicit ``exclude`` replaces the rule.
    make(root, ".git/")
    (root / ".gitignore").write_text("app/build/\n")
    assert found(root) == ["app/__init__.py"]
    assert "build/lib/app/main.py" in found(root, exclude=())


# -- replaying the last walk (Session.discover) ------------------------------------------------


def _age(root: Path) -> None:
    """Set every path of the tree a minute back: a change made now shows in its stat."""
    old = os.stat(root).st_mtime_ns - 60_000_000_000
    for directory, folders, names in os.walk(root):
        for name in [*folders, *names]:
            os.utime(os.path.join(directory, name), ns=(old, old), follow_symlinks=False)
    os.utime(root, ns=(old, old))


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the real walks of the sessions below; their own changes are trusted at once."""
    import fastlint.run.discovery as discovery

    monkeypatch.setattr(discovery, "_RACY_NS", 0)  # the test's changes are seconds old at most
    walked = discovery.discover
    counted: list[int] = []

    def counting(paths: list[Path], settings: Settings) -> Discovery:
        counted.append(1)
        return walked(paths, settings)

    monkeypatch.setattr(discovery, "discover", counting)
    return counted


def _session_files(root: Path, **settings: object) -> list[str]:
    """The files a new command's session discovers under ``root``."""
    from fastlint.run.session import Session

    session = Session.from_settings(Settings(project_root=root, **settings))  # type: ignore[arg-type]
    return relative(root, session.discover([root]))


def test_an_unchanged_tree_is_replayed_and_any_change_walked_again(root: Path, walks: list[int]) -> None:
    make(root, "app/__init__.py", "app/main.py", "lib/util.py", "link_target/x.txt", ".gitignore")
    (root / "app" / "alias.py").symlink_to(root / "lib" / "util.py")
    _age(root)
    first = _session_files(root)
    assert first == ["app/__init__.py", "app/alias.py", "app/main.py", "lib/util.py"] and len(walks) == 1
    _age(root)  # the cache directory the first command made changed the root
    assert _session_files(root) == first and len(walks) == 2
    assert _session_files(root) == first and len(walks) == 2  # replayed: no walk

    make(root, "lib/deep/new.py")  # a new folder and file: lib/ changed
    assert "lib/deep/new.py" in _session_files(root) and len(walks) == 3
    _age(root)
    (root / ".gitignore").write_text("lib/\n", encoding="utf-8")  # only the .gitignore's own stat changes
    assert _session_files(root) == ["app/__init__.py", "app/alias.py", "app/main.py"] and len(walks) == 4
    _age(root)
    (root / "lib" / "util.py").unlink()  # the link in app/ dangles; app/ itself did not change
    assert _session_files(root) == ["app/__init__.py", "app/main.py"] and len(walks) == 5
    _age(root)
    assert _session_files(root) == ["app/__init__.py", "app/main.py"]
    assert _session_files(root) == ["app/__init__.py", "app/main.py"] and len(walks) == 6


def test_a_walk_is_not_replayed_under_other_settings_or_a_damaged_record(root: Path, walks: list[int]) -> None:
    import fastlint.run.cache as cache

    make(root, "app/main.py", "build/out.py")
    _age(root)
    assert _session_files(root) == ["app/main.py"]
    _age(root)
    _session_files(root)
    assert len(walks) == 2
    assert cache.recorded_walk(Settings(project_root=root, extend_exclude=("app",)), [str(root)]) is None
    record = next((root / cache.CACHE_DIR).glob("*.walk.json"))
    record.write_text('{"not": "a walk"}', encoding="utf-8")
    assert _session_files(root) == ["app/main.py"] and len(walks) == 3
    _age(root)
    make(root, "build/__init__.py")  # build/ becomes a package: checked, though excluded as output before
    assert _session_files(root) == ["app/main.py", "build/__init__.py", "build/out.py"]
