"""Test code in the project index: left out, unless the rest of the project imports it
(``fastlint.run.test_code``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from projects import check_paths, write_files

from fastlint.analysis.module_summary import ModuleSummary
from fastlint.run import config
from fastlint.run.engine import index_project
from fastlint.run.test_code import imported_modules, in_test_code
from fastlint.settings import Settings

SLEEP = "; use `await asyncio.sleep(...)`"

# ``init_db`` is registered as a startup hook by test code only: in production it is an
# async function like any other.
STARTUP_IN_TESTS = {
    "pyproject.toml": "[project]\nname = 'svc'\n",
    "app/__init__.py": "",
    "app/deps.py": """
        import time

        async def init_db():
            time.sleep(1)
        """,
    "app/main.py": """
        from fastapi import FastAPI

        app = FastAPI()
        """,
    "tests/__init__.py": "",
    "tests/conftest.py": """
        from fastapi import FastAPI

        from app.deps import init_db

        test_app = FastAPI(on_startup=[init_db])
        """,
}

# A module under test-paths that production code imports from (airflow's
# ``models/connection_test.py``): it is indexed, and the chain through it is followed.
IMPORTED_TEST_MODULE = {
    "pyproject.toml": "[project]\nname = 'svc'\n",
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    "app/models/connection_test.py": """
        import time

        from app.models.probe_test import wait

        def probe():
            wait()
        """,
    "app/models/probe_test.py": """
        import time

        def wait():
            time.sleep(1)
        """,
    "app/main.py": """
        from fastapi import FastAPI

        from app.models.connection_test import probe

        app = FastAPI()

        @app.get("/check")
        async def check():
            probe()
        """,
    "tests/test_main.py": """
        def test_check():
            assert True
        """,
}

CHAIN = ("FL107", "probe() -> wait() -> time.sleep (FL102) blocks the event loop (async route handler GET /check): "
         "call `probe` through `run_in_threadpool`, or make the chain async")


def findings(root: Path, path: str, **options: object) -> list[tuple[int, str, str]]:
    result = check_paths(root, [path], **options)
    return [(finding.start.line, finding.code, finding.message) for finding in result.findings]


def summary(module: str, *imports: str, other: tuple[str, ...] = ()) -> ModuleSummary:
    return ModuleSummary(module, False, imports={name.rsplit(".", 1)[-1]: name for name in imports}, other_imports=other)


def test_the_tests_are_the_files_under_test_paths_unless_they_are_checked(tmp_path: Path):
    settings = Settings(project_root=tmp_path)
    paths = [str(tmp_path / name) for name in
             ("app/main.py", "tests/test_main.py", "app/conftest.py", "app/models/connection_test.py", "scripts/seed.py", "app/test/x.py")]
    assert in_test_code(settings, paths) == {paths[1], paths[2], paths[3], paths[5]}  # tooling (scripts/) is indexed
    assert in_test_code(dataclasses.replace(settings, check_test_paths=True), paths) == set()
    assert in_test_code(dataclasses.replace(settings, test_paths=()), paths) == set()


def test_an_imported_name_lies_in_the_module_its_longest_prefix_names():
    modules = {"app", "app.models", "app.models.connection_test", "tests", "tests.helpers", "app.main"}
    wanted = {"app.models.connection_test", "tests", "tests.helpers"}
    assert imported_modules([summary("app.main", "app.models.connection_test.probe")], wanted, modules, {}) == {"app.models.connection_test"}
    # ``tests.helpers.make`` lies in tests.helpers, not in the package above it.
    assert imported_modules([summary("app.main", "tests.helpers.make")], wanted, modules, {}) == {"tests.helpers"}
    # A name in a module that is not test code names no test module (``app`` is not wanted).
    assert imported_modules([summary("app.main", "app.settings", "fastapi.FastAPI")], wanted, modules, {}) == set()
    # By an alias, and through an import inside a function.
    assert imported_modules([summary("app.main", "helpers.make")], wanted, modules, {"helpers": "tests.helpers"}) == {"tests.helpers"}
    assert imported_modules([summary("app.main", other=("tests.helpers.make",))], wanted, modules, {}) == {"tests.helpers"}


def test_what_test_code_registers_does_not_count(tmp_path: Path):
    write_files(tmp_path, STARTUP_IN_TESTS)
    # Registered by the test app only, ``init_db`` is not a startup hook of the service.
    assert findings(tmp_path, "app/deps.py", cache=False) == [
        (4, "FL102", "`time.sleep` blocks the event loop in async function `init_db`" + SLEEP),
    ]
    # With test code checked, it is part of the project like any other code.
    assert findings(tmp_path, "app/deps.py", cache=False, check_test_paths=True) == []


def test_the_index_leaves_test_code_out(tmp_path: Path):
    write_files(tmp_path, STARTUP_IN_TESTS)
    settings = Settings(project_root=tmp_path, cache=False)
    files = sorted(tmp_path.rglob("*.py"))
    index, _ = index_project(files, settings, None)
    assert sorted(index.modules) == ["app", "app.deps", "app.main"]
    assert index.digests["tests.conftest"] == index.digests["tests"] == "-"
    index, _ = index_project(files, dataclasses.replace(settings, check_test_paths=True), None)
    assert sorted(index.modules) == ["app", "app.deps", "app.main", "tests", "tests.conftest"]


def test_test_code_that_production_code_imports_is_indexed(tmp_path: Path):
    write_files(tmp_path, IMPORTED_TEST_MODULE)
    assert findings(tmp_path, "app/main.py", cache=False) == [(9, *CHAIN)]
    index, _ = index_project(sorted(tmp_path.rglob("*.py")), Settings(project_root=tmp_path, cache=False), None)
    # The module production code imports, and the one that module imports in turn.
    assert sorted(index.modules) == ["app", "app.main", "app.models", "app.models.connection_test", "app.models.probe_test"]


def test_test_code_imported_inside_a_function_is_indexed(tmp_path: Path):
    # ``probe`` is bound at module level too: the inner import is not in the module's table.
    main = """
        from fastapi import FastAPI

        app = FastAPI()
        probe = None

        @app.get("/check")
        async def check():
            from app.models.connection_test import probe
            probe()
        """
    write_files(tmp_path, {**IMPORTED_TEST_MODULE, "app/main.py": main})
    assert findings(tmp_path, "app/main.py", cache=False) == [(9, *CHAIN)]


def test_test_code_imported_by_its_whole_dotted_name_is_indexed(tmp_path: Path):
    main = """
        import app.models.connection_test
        from fastapi import FastAPI

        api = FastAPI()

        @api.get("/check")
        async def check():
            app.models.connection_test.probe()
        """
    write_files(tmp_path, {**IMPORTED_TEST_MODULE, "app/main.py": main})
    assert findings(tmp_path, "app/main.py", cache=False) == [(8, *CHAIN)]
    index, _ = index_project(sorted(tmp_path.rglob("*.py")), Settings(project_root=tmp_path, cache=False), None)
    assert "app.models.connection_test" in index.modules and "app.models.probe_test" in index.modules


def test_a_run_after_an_edit_indexes_test_code_newly_imported_and_drops_it_once_not(tmp_path: Path):
    files = dict(IMPORTED_TEST_MODULE)
    imported = files["app/main.py"]
    files["app/main.py"] = imported.replace("from app.models.connection_test import probe", "from app.probes import probe")
    files["app/probes.py"] = """
        def probe():
            pass
        """
    write_files(tmp_path, files)
    assert findings(tmp_path, "app/main.py") == []
    write_files(tmp_path, {"app/main.py": imported})
    assert findings(tmp_path, "app/main.py") == [(9, *CHAIN)]
    # After an edit that changes no summary, the test modules the last run indexed are
    # taken from the cache without reading every summary for its imports.
    write_files(tmp_path, {"app/probes.py": files["app/probes.py"] + "# a comment\n"})
    assert findings(tmp_path, "app/main.py") == [(9, *CHAIN)]
    write_files(tmp_path, {"app/main.py": files["app/main.py"]})
    assert findings(tmp_path, "app/main.py") == []
    assert findings(tmp_path, "app/main.py", cache=False) == []


def test_a_broken_test_file_is_still_reported(tmp_path: Path):
    write_files(tmp_path, {**STARTUP_IN_TESTS, "tests/test_broken.py": "def broken(:\n"})
    result = check_paths(tmp_path, ["tests/test_broken.py"], cache=False)
    assert [(finding.code, finding.start.line) for finding in result.findings] == [("FL001", 1)]


@pytest.mark.parametrize("relative", [
    "tests/test_a.py", "app/tests/x.py", "tests", "app/test_x.py", "app/x_test.py", "app/conftest.py", "a/b/conftest.py",
    "app/main.py", "app/testing/x.py", "contest.py", "test.py", "app/test_dir/x.py", "scripts/seed.py", "a/scripts/b.py",
    "app/cli/main.py", "app/client.py", "examples/x.py", "app/example.py",
])
def test_the_one_regex_of_all_patterns_matches_as_pathspec_does(relative: str):
    from pathspec import GitIgnoreSpec

    for patterns in (Settings().test_paths, Settings().tooling_paths, ("src/*.py", "!src/keep.py", "**/gen_*.py")):
        expected = GitIgnoreSpec.from_lines(list(patterns)).match_file(relative)
        assert config._path_matches(tuple(patterns), relative) == expected


def test_the_editor_keeps_saved_test_code_out_of_the_index(tmp_path: Path):
    from fastlint.integrations.lsp import OpenProject
    from fastlint.run.config import load_settings

    write_files(tmp_path, STARTUP_IN_TESTS)
    project = OpenProject(load_settings([tmp_path / "app/deps.py"]))
    deps = tmp_path / "app/deps.py"
    expected = [("FL102", 4)]
    assert [(finding.code, finding.start.line) for finding in project.check(deps, deps.read_text())] == expected
    # A test file saved in the editor stays out, as in a run: its startup hook still does not count.
    conftest = tmp_path / "tests/conftest.py"
    conftest.write_text(conftest.read_text() + "# saved\n", encoding="utf-8")
    project.refresh(conftest)
    assert "tests.conftest" not in project.index.modules
    assert [(finding.code, finding.start.line) for finding in project.check(deps, deps.read_text())] == expected
