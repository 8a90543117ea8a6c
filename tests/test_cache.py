"""The cache: warm runs parse only what changed, and never reuse a stale finding."""

from __future__ import annotations

import pickle
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import check_paths, write_files

import fastlint.run.engine
import fastlint.run.parsing
from fastlint.analysis.module_summary import FunctionSummary, ModuleSummary
from fastlint.cli import main
from fastlint.run.cache import CACHE_DIR, summary_digest
from fastlint.run.engine import RunResult

FILES = {
    "app/__init__.py": "",
    "app/other.py": "def unrelated():\n    return 1\n",
    "app/rates.py": """
        import requests

        def fetch_rates(base):
            return requests.get(f"https://rates.example.com/{base}", timeout=5).json()
        """,
    "app/routes.py": """
        from fastapi import APIRouter

        from app.rates import fetch_rates
        from app.vendor import quote

        router = APIRouter()

        @router.get("/rates")
        async def rates(base: str):
            return fetch_rates(base)

        @router.get("/quote")
        async def vendor_quote(symbol: str):
            return quote(symbol)
        """,
}


class Project:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.parsed: Counter[str] = Counter()
        for name, text in FILES.items():
            self.write(name, text)
        original = fastlint.run.parsing.parse_module

        def counting(source):  # type: ignore[no-untyped-def]
            self.parsed[Path(source.path).relative_to(root).as_posix()] += 1
            return original(source)

        monkeypatch.setattr(fastlint.run.parsing, "parse_module", counting)

    def write(self, name: str, text: str) -> None:
        write_files(self.root, {name: text})

    def check(self, paths: tuple[str, ...] = ("app/routes.py",), **options: object) -> RunResult:
        self.parsed.clear()
        return check_paths(self.root, paths, **options)


def lines(result: RunResult) -> list[tuple[int, str]]:
    return [(finding.start.line, finding.code) for finding in result.findings]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    return Project(tmp_path, monkeypatch)


def test_a_warm_run_parses_nothing_and_reports_the_same(project: Project):
    cold = project.check()
    assert lines(cold) == [(10, "FL107")]
    assert project.parsed == Counter({"app/__init__.py": 1, "app/other.py": 1, "app/rates.py": 1, "app/routes.py": 1})
    warm = project.check()
    assert project.parsed == Counter()
    assert warm.findings == cold.findings
    assert warm.sources == cold.sources


def test_pass_2_checks_the_trees_pass_1_kept(project: Project):
    # routes.py's finding comes from app.rates, which pass 1 summarised after or before
    # it: its tree waits for the whole index, and no file is parsed twice.
    assert lines(project.check(tuple(FILES), cache=False)) == [(10, "FL107")]
    assert project.parsed == Counter({"app/__init__.py": 1, "app/other.py": 1, "app/rates.py": 1, "app/routes.py": 1})
    assert not fastlint.run.engine._kept  # released, including those of files not checked


def test_when_the_files_to_check_are_few_pass_1_keeps_their_trees_without_checking_first(project: Project, monkeypatch: pytest.MonkeyPatch):
    checked: list[str] = []
    speculate = fastlint.run.engine._speculate

    def counting(checker, source, tree, summary, digest):  # type: ignore[no-untyped-def]
        checked.append(Path(source.path).name)
        return speculate(checker, source, tree, summary, digest)

    monkeypatch.setattr(fastlint.run.engine, "_speculate", counting)
    assert lines(project.check(tuple(FILES), cache=False)) == [(10, "FL107")]
    assert checked == []  # a check stopped half way would be work lost
    assert project.parsed == Counter({"app/__init__.py": 1, "app/other.py": 1, "app/rates.py": 1, "app/routes.py": 1})


def test_when_the_files_to_check_are_many_pass_1_keeps_the_trees_whose_check_stopped(project: Project, monkeypatch: pytest.MonkeyPatch):
    # Room for routes.py's tree alone, which other.py's (read first) would take if trees
    # were kept as they come: routes.py's check stops at app.rates, the others' checks stand.
    routes = (project.root / "app/routes.py").stat().st_size
    monkeypatch.setattr(fastlint.run.engine, "_KEEP_ALL_UP_TO", routes)
    monkeypatch.setattr(fastlint.run.engine, "_TREE_BUDGET", routes)
    assert lines(project.check(tuple(FILES), cache=False)) == [(10, "FL107")]
    assert project.parsed == Counter({"app/__init__.py": 1, "app/other.py": 1, "app/rates.py": 1, "app/routes.py": 1})


def test_beyond_the_tree_budget_pass_1_checks_the_files_that_rest_on_no_other_module(project: Project, monkeypatch: pytest.MonkeyPatch):
    # routes.py's finding comes from app.rates: checked against its own summary alone it
    # would be missing, so that file is parsed again and checked against the whole index.
    monkeypatch.setattr(fastlint.run.engine, "_TREE_BUDGET", 0)
    assert lines(project.check(tuple(FILES), cache=False)) == [(10, "FL107")]
    assert project.parsed == Counter({"app/__init__.py": 1, "app/other.py": 1, "app/rates.py": 1, "app/routes.py": 2})


def test_a_summary_unchanged_by_an_edit_is_written_with_the_next_write(project: Project):
    """Rewriting every summary for a comment is put off while few files are out of date."""
    project.check()
    (summaries,) = (project.root / CACHE_DIR).glob("*.summaries.jsonl")
    written = summaries.read_bytes()
    project.write("app/other.py", "def unrelated():\n    return 1  # a comment\n")
    assert lines(project.check()) == [(10, "FL107")]
    assert project.parsed == Counter({"app/other.py": 1}) and summaries.read_bytes() == written
    assert lines(project.check()) == [(10, "FL107")] and project.parsed == Counter()  # the findings record the edit
    project.write("app/rates.py", FILES["app/rates.py"] + "\n        # another comment\n")
    assert lines(project.check()) == [(10, "FL107")]
    assert project.parsed == Counter({"app/other.py": 1, "app/rates.py": 1}) and summaries.read_bytes() == written
    for number in range(4):
        project.write(f"app/extra_{number}.py", "")
    project.check()  # new files: written, with the two summaries put off
    project.write("app/routes.py", FILES["app/routes.py"] + "\n        # changes no fact either\n")
    assert lines(project.check()) == [(10, "FL107")]
    assert project.parsed == Counter({"app/routes.py": 1})  # summarised and checked on one tree


def test_one_changed_file_is_the_only_summary_recomputed(project: Project):
    project.check()
    project.write("app/other.py", "def unrelated():\n    return 2\n")
    assert lines(project.check()) == [(10, "FL107")]
    assert project.parsed == Counter({"app/other.py": 1})


def test_the_texts_of_files_whose_findings_the_cache_kept_are_there_after_an_edit(project: Project):
    """Read when asked for (the text report asks for none), as in a warm run."""
    cold = project.check()
    project.write("app/other.py", "def unrelated():\n    return 2\n")
    result = project.check()
    assert project.parsed == Counter({"app/other.py": 1}) and lines(result) == lines(cold)
    assert list(result.sources) == list(cold.sources) and dict(result.sources) == dict(cold.sources)


def test_a_change_in_a_consulted_module_rechecks_the_file_that_rests_on_it(project: Project):
    project.check()
    project.write("app/rates.py", "def fetch_rates(base):\n    return {}\n")
    assert lines(project.check()) == []
    assert project.parsed == Counter({"app/rates.py": 1, "app/routes.py": 1})


def test_a_change_that_keeps_the_summary_reuses_the_findings(project: Project):
    project.check()
    project.write("app/rates.py", "# Rates.\n" + textwrap.dedent(FILES["app/rates.py"]).lstrip("\n"))
    assert lines(project.check()) == [(10, "FL107")]
    assert project.parsed == Counter({"app/rates.py": 1})


def test_a_module_that_appears_rechecks_the_files_that_looked_for_it(project: Project):
    assert lines(project.check()) == [(10, "FL107")]
    project.write("app/vendor.py", "import time\n\ndef quote(symbol):\n    time.sleep(1)\n")
    assert lines(project.check()) == [(10, "FL107"), (14, "FL107")]
    assert project.parsed == Counter({"app/vendor.py": 1, "app/routes.py": 1})


def test_other_settings_recheck_findings_but_keep_summaries(project: Project):
    project.check()
    assert lines(project.check(ignore=("FL101",))) == []
    assert project.parsed == Counter({"app/routes.py": 1})


def test_extending_the_knowledge_recomputes_summaries(project: Project):
    project.check()
    project.check(extend_offload_wrappers=("app.rates.fetch_rates",))
    assert set(project.parsed) == {"app/__init__.py", "app/other.py", "app/rates.py", "app/routes.py"}


def test_the_cache_directory_ignores_itself_and_leaves_no_temporary_files(project: Project):
    project.check()
    directory = project.root / CACHE_DIR
    assert (directory / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    names = sorted(path.name.split(".", 1)[1] for path in directory.iterdir() if path.name != ".gitignore")
    assert names == ["consulted.jsonl", "findings.json", "summaries.jsonl"]


def cache_file(project: Project, kind: str) -> Path:
    [path] = (project.root / CACHE_DIR).glob(f"*.{kind}.json*")  # summaries: .jsonl
    return path


def test_a_corrupt_findings_cache_is_discarded_with_a_warning(project: Project):
    project.check()
    cache_file(project, "findings").write_bytes(b"\x80\x05not JSON")
    result = project.check()
    assert lines(result) == [(10, "FL107")]
    assert len(result.warnings) == 1 and "discarded the unreadable cache" in result.warnings[0]
    assert project.parsed == Counter({"app/routes.py": 1})  # the summaries were still good
    assert project.check().warnings == []


def _findings_file_variants() -> list:
    """Findings files that are JSON but not what fastlint writes (``_decode_findings_store``):
    each mangles one column of a real file."""

    def column(index: int, value: object):  # type: ignore[no-untyped-def]
        def change(data: list) -> object:
            data[index] = value(data[index]) if callable(value) else value
            return data
        return change

    return [
        pytest.param(lambda data: {"findings": data}, id="an-object"),
        pytest.param(lambda data: data[:7], id="a-column-missing"),
        pytest.param(column(0, 7), id="key-not-a-string"),
        pytest.param(column(2, lambda paths: paths[:-1]), id="a-path-missing"),
        pytest.param(column(2, lambda paths: [paths[0]] * len(paths)), id="a-path-twice"),
        pytest.param(column(3, lambda contents: [*contents[:-1], None]), id="a-digest-not-a-string"),
        pytest.param(column(5, lambda stats: stats[:-1]), id="a-stat-short"),
        pytest.param(column(5, lambda stats: [*stats[:-1], "0"]), id="a-stat-not-an-integer"),
        pytest.param(column(6, lambda found: [{"code": "FL101"} if item is not None else None for item in found]), id="findings-not-a-list"),
        pytest.param(column(6, lambda found: [[["FL101"]] if item is not None else None for item in found]), id="a-finding-of-another-shape"),
        pytest.param(column(7, lambda digests: dict.fromkeys(digests, 1)), id="a-summary-digest-not-a-string"),
    ]


@pytest.mark.parametrize("mangle", _findings_file_variants())
def test_a_findings_cache_of_another_shape_is_discarded_with_a_warning(project: Project, mangle):
    """The cache lives in the analysed tree: a planted or damaged findings file that is valid
    JSON is discarded like one that is not, and never crashes the run nor changes its result."""
    import json

    project.check()
    path = cache_file(project, "findings")
    path.write_text(json.dumps(mangle(json.loads(path.read_text()))))
    result = project.check()
    assert lines(result) == [(10, "FL107")]
    assert len(result.warnings) == 1 and "discarded the unreadable cache" in result.warnings[0] and "unexpected content" in result.warnings[0]
    assert project.check().warnings == []


def test_the_findings_cache_keeps_each_file_in_one_row(project: Project):
    """The warm path's file in columns: every file of the project once, its fingerprint, its
    stat, and its findings when they are cached (the routes module's FL107 here)."""
    import json

    project.check()
    key, generation, paths, contents, modules, stats, findings, digests = json.loads(cache_file(project, "findings").read_text())
    root = str(project.root.resolve())
    assert [Path(path).relative_to(root).as_posix() for path in paths] == sorted(FILES)
    assert modules == ["app", "app.other", "app.rates", "app.routes"]
    assert len(contents) == 4 and len(stats) == 16 and all(isinstance(value, int) for value in stats)
    assert [len(found) if found is not None else None for found in findings] == [None, None, None, 1]
    assert findings[3][0][0] == "FL107" and "app.routes" in digests


def test_a_corrupt_summaries_cache_is_discarded_with_a_warning(project: Project):
    project.check()
    cache_file(project, "summaries").write_bytes(b"\x80\x05not JSON")
    project.write("app/other.py", "def unrelated():\n    return 2\n")  # the index must be built
    result = project.check()
    assert lines(result) == [(10, "FL107")]
    assert len(result.warnings) == 1 and "discarded the unreadable cache" in result.warnings[0]
    assert project.parsed["app/rates.py"] == 1
    assert project.check().warnings == []


def test_a_warm_run_parses_nothing_with_test_code_in_the_project(project: Project):
    # Test code has no summary (the index leaves it out): its findings are cached all the same.
    project.write("tests/test_rates.py", "def test_rates():\n    assert True\n")
    project.write("tests/test_broken.py", "def broken(:\n")
    paths = ("app/routes.py", "tests/test_rates.py", "tests/test_broken.py")
    cold = project.check(paths)
    assert lines(cold) == [(10, "FL107"), (1, "FL001")]
    warm = project.check(paths)
    assert project.parsed == Counter() and warm.project_index is None
    assert warm.findings == cold.findings


def test_a_warm_run_of_an_unchanged_project_reads_no_summary(project: Project):
    cold = project.check()
    cache_file(project, "summaries").unlink()
    warm = project.check()
    assert warm.findings == cold.findings and warm.project_index is None
    assert project.parsed == Counter()
    assert not list((project.root / CACHE_DIR).glob("*.summaries.jsonl"))  # nothing rewritten
    assert warm.index() is not None and "app.rates" in warm.index().modules  # built on demand


def test_findings_checked_against_an_older_project_are_not_reused(project: Project):
    assert lines(project.check()) == [(10, "FL107")]
    project.write("app/rates.py", "def fetch_rates(base):\n    return {}\n")
    project.check(("app/other.py",))  # records the new project, leaves routes' findings as they were
    assert lines(project.check()) == []
    assert project.parsed == Counter({"app/routes.py": 1})


def test_a_file_that_appears_is_not_a_warm_run(project: Project):
    project.check()
    project.write("app/vendor.py", "import time\n\ndef quote(symbol):\n    time.sleep(1)\n")
    assert lines(project.check()) == [(10, "FL107"), (14, "FL107")]


def test_no_cache_reads_and_writes_nothing(project: Project):
    project.check(cache=False)
    assert not (project.root / CACHE_DIR).exists()
    project.check(cache=False)
    assert project.parsed["app/rates.py"] == 1


def test_only_a_run_with_a_cache_hashes_the_files(project: Project, monkeypatch: pytest.MonkeyPatch):
    """A file's digest keys the cache alone: without one, no file's bytes are hashed."""
    import fastlint.digests

    texts = {(project.root / name).read_bytes() for name in FILES}
    hashed: list[bytes] = []
    original = fastlint.digests.digest

    def counting(data: bytes) -> str:
        hashed.append(data)
        return original(data)

    monkeypatch.setattr(fastlint.digests, "digest", counting)
    assert lines(project.check(cache=False)) == [(10, "FL107")]
    assert not texts & set(hashed)
    assert lines(project.check()) == [(10, "FL107")]
    assert texts <= set(hashed)


MODELS = """
    from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        books: Mapped[list["Book"]] = relationship(lazy="{lazy}")

    class Book(Base):
        __tablename__ = "books"
    """
BOOK_ROUTES = """
    from fastapi import APIRouter
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import Author

    router = APIRouter()

    @router.get("/counts")
    def counts(session: Session):
        return [len(author.books) for author in session.scalars(select(Author))]
    """


def test_a_relationship_strategy_changed_in_models_rechecks_the_routes(project: Project):
    project.write("app/models.py", MODELS.replace("{lazy}", "select"))
    project.write("app/books.py", BOOK_ROUTES)
    assert lines(project.check(("app/books.py",))) == [(11, "FL401")]
    project.write("app/models.py", MODELS.replace("{lazy}", "selectin"))
    assert lines(project.check(("app/books.py",))) == []
    assert project.parsed == Counter({"app/models.py": 1, "app/books.py": 1})
    project.write("app/models.py", MODELS.replace("{lazy}", "dynamic"))
    assert lines(project.check(("app/books.py",))) == [(11, "FL401")]


def test_the_cache_of_another_version_is_left_alone(project: Project):
    directory = project.root / CACHE_DIR
    directory.mkdir()
    (directory / "v2-0123456789abcdef.pickle").write_bytes(b"another version's")
    project.check()
    assert (directory / "v2-0123456789abcdef.pickle").read_bytes() == b"another version's"


def test_clean_deletes_the_cache_directory(project: Project, monkeypatch: pytest.MonkeyPatch):
    (project.root / "pyproject.toml").write_text("")
    project.check()
    monkeypatch.chdir(project.root)
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 0
    assert result.stderr == f"Removed {project.root / CACHE_DIR}\n"
    assert not (project.root / CACHE_DIR).exists()
    again = CliRunner().invoke(main, ["clean"])
    assert (again.exit_code, again.stderr) == (0, "No cache to remove\n")


def test_clean_leaves_a_directory_fastlint_did_not_create(project: Project, monkeypatch: pytest.MonkeyPatch):
    (project.root / "pyproject.toml").write_text('[tool.fastlint]\ncache-dir = "app"\n')
    monkeypatch.chdir(project.root)
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 2
    assert "app was not created by fastlint; delete it by hand" in result.stderr
    assert (project.root / "app" / "routes.py").exists()


SCHEMAS = """
    from pydantic import BaseModel

    class AuthorOut(BaseModel):
        name: str
    """
PROFILE_ROUTES = """
    from fastapi import APIRouter
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import Author
    from app.schemas import AuthorOut

    router = APIRouter()

    @router.get("/profiles", response_model=list[AuthorOut])
    def profiles(session: Session):
        return session.scalars(select(Author)).all()
    """


def test_a_response_schema_changed_in_its_module_rechecks_the_routes(project: Project):
    project.write("app/models.py", MODELS.replace("{lazy}", "select"))
    project.write("app/schemas.py", SCHEMAS)
    project.write("app/profiles.py", PROFILE_ROUTES)
    assert lines(project.check(("app/profiles.py",))) == []
    project.write("app/schemas.py", SCHEMAS + "    books: list[str]\n")
    assert lines(project.check(("app/profiles.py",))) == [(12, "FL403")]
    assert project.parsed == Counter({"app/schemas.py": 1, "app/profiles.py": 1})


def test_equal_summaries_have_equal_digests_however_their_strings_are_shared():
    # A summary made in a pool worker shares strings differently from one made in the main
    # process; a digest that saw that would recheck every file resting on an edited module.
    shared = "app.rates.fetch_rates"
    once = FunctionSummary("quote", True, calls=(shared,), returns=shared)
    twice = FunctionSummary("quote", True, calls=("".join(["app.rates.", "fetch_rates"]),), returns=shared)
    a, b = ModuleSummary("app.routes", False, functions={"quote": once}), ModuleSummary("app.routes", False, functions={"quote": twice})
    assert a == b and pickle.dumps(a) != pickle.dumps(b)
    assert summary_digest(a) == summary_digest(b)


def test_the_cache_key_covers_every_source_file_of_fastlint_and_its_rules():
    from fastlint.run import code_version

    hashed = {path.relative_to(root).as_posix() for root, path in code_version.code_files()}
    for expected in ("run/cache.py", "analysis/module_summary.py", "analysis/project_index.py", "knowledge/blocking.py",
                     "knowledge/types.py", "blocking_sleep_in_async.py", "_blocking.py", "fixing/edits.py"):
        assert expected in hashed


def test_other_code_never_reuses_the_cache(project: Project, monkeypatch: pytest.MonkeyPatch):
    from fastlint.run import code_version

    project.check()
    monkeypatch.setattr(code_version, "_code_digest", "a checkout with an edited rule")
    assert lines(project.check()) == [(10, "FL107")]
    assert set(project.parsed) == {"app/__init__.py", "app/other.py", "app/rates.py", "app/routes.py"}


def test_the_libcst_version_is_part_of_the_key(monkeypatch: pytest.MonkeyPatch):
    import importlib.metadata

    from fastlint.run import code_version

    assert code_version.libcst_version() == importlib.metadata.version("libcst")  # read from its _version.py
    monkeypatch.setattr(code_version, "_code_digest", None)
    before = code_version.code_digest()
    monkeypatch.setattr(code_version, "_code_digest", None)
    monkeypatch.setattr(code_version, "libcst_version", lambda: "0.0.1")
    assert code_version.code_digest() != before


@pytest.fixture
def reads(project: Project, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The project files read, by relative path; files are trusted by their stat at once
    (not only 2 s after their last change)."""
    import fastlint.run.engine as engine

    monkeypatch.setattr(engine, "_RACY_NS", 0)
    counted: Counter[str] = Counter()
    original = Path.read_bytes

    def counting(path: Path) -> bytes:
        if path.is_relative_to(project.root) and path.suffix == ".py":
            counted[path.relative_to(project.root).as_posix()] += 1
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return counted


def test_a_file_whose_stat_is_unchanged_is_not_read_again(project: Project, reads: Counter[str]):
    cold = project.check()
    assert set(reads) == {"app/__init__.py", "app/other.py", "app/rates.py", "app/routes.py"}
    reads.clear()
    warm = project.check()
    assert warm.findings == cold.findings and warm.project_index is None
    assert reads == Counter()  # the text of a file with findings is read when asked for
    assert dict(warm.sources) == dict(cold.sources) and [Path(path).name for path in warm.sources] == ["routes.py"]
    assert reads == Counter({"app/routes.py": 1})


def test_content_changed_behind_an_unchanged_size_and_mtime_is_seen(project: Project, reads: Counter[str]):
    import os

    assert lines(project.check()) == [(10, "FL107")]
    rates = project.root / "app" / "rates.py"
    before = rates.stat()
    rates.write_bytes(rates.read_bytes().replace(b"requests.get(", b"requests.put("))  # same size
    os.utime(rates, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time still moves
    assert rates.stat().st_size == before.st_size
    reads.clear()
    assert lines(project.check()) == [(10, "FL107")]
    assert reads["app/rates.py"] == 1 and reads["app/other.py"] == 0
    assert "requests.put" in project.check().index().modules["app.rates"].functions["fetch_rates"].blocking[0][0]


BOOT = """
    async def load_config():
        with open("/etc/app/config.yaml") as f:
            return f.read()
    """
MAIN = """
    from fastapi import FastAPI

    from app.boot import load_config

    app = FastAPI()

    @app.on_event("startup")
    async def startup():
        await load_config()
    """
ADMIN = """
    from fastapi import APIRouter

    from app.boot import load_config

    router = APIRouter()

    @router.post("/reload")
    async def reload():
        return await load_config()
    """


def test_a_caller_added_in_another_module_rechecks_code_that_ran_only_at_startup(project: Project):
    project.write("app/boot.py", BOOT)
    project.write("app/main.py", MAIN)
    assert lines(project.check(("app/boot.py",))) == []
    project.write("app/admin.py", ADMIN)
    assert lines(project.check(("app/boot.py",))) == [(2, "FL103")]
    assert project.parsed == Counter({"app/admin.py": 1, "app/boot.py": 1})
    (project.root / "app/admin.py").unlink()
    assert lines(project.check(("app/boot.py",))) == []


def test_an_edit_that_changes_no_summary_reuses_the_recorded_fact_digests(project: Project):
    # Computing the facts walks every summary, and so decodes them all from the cache's
    # file; reused, those the checks do not ask about stay undecoded. (Observed through the
    # summaries: the compiled index's methods cannot be replaced to count calls.)
    assert lines(project.check()) == [(10, "FL107")]
    project.write("app/rates.py", textwrap.dedent(FILES["app/rates.py"]) + "\n# a comment changes no summary\n")
    edited = project.check()
    assert lines(edited) == [(10, "FL107")]
    assert edited.index().modules.deferred() > 0  # every summary digest as recorded: so are the facts'
    project.write("app/other.py", "def unrelated():\n    return 2\n\ndef more():\n    return 3\n")
    changed = project.check()
    assert lines(changed) == [(10, "FL107")]
    assert changed.index().modules.deferred() == 0  # a summary changed: computed again, over all of them


DEPS = """
    import requests

    def get_client():
        return requests.Session()
    """
DEPENDENT = """
    from fastapi import APIRouter, Depends

    from app import deps

    router = APIRouter()

    @router.get("/items")
    async def items(client=Depends(deps.get_client)):
        return client
    """


def _fresh_facts(index):  # type: ignore[no-untyped-def]
    from fastlint.analysis.project_index import ProjectIndex

    fresh = ProjectIndex(index.modules.made().values(), index.knowledge, index.max_depth, aliases=index.aliases)
    return fresh.facts()


def test_after_an_edit_the_index_reads_only_the_summaries_the_checks_ask_about(project: Project):
    """The project-wide answers come with the summaries they rest on; the summaries are
    decoded as the checks ask about them, and the answers are those of a cold run."""
    project.write("app/deps.py", DEPS)
    project.write("app/items.py", DEPENDENT)
    cold = project.check(("app/routes.py", "app/deps.py"))
    for name in ("app/routes.py", "app/deps.py"):  # the dependency's finding rests on roles given in items.py
        project.write(name, textwrap.dedent(FILES.get(name, DEPS)) + "\n# a comment changes no summary\n")
    edited = project.check(("app/routes.py", "app/deps.py"))
    assert lines(edited) == lines(cold) == [(4, "FL201"), (10, "FL107")]
    assert project.parsed == Counter({"app/routes.py": 1, "app/deps.py": 1})
    index = edited.index()
    # Neither reachability nor the registrations were computed: each walks every summary.
    assert 0 < index.modules.deferred() < len(index.modules)
    assert _fresh_facts(index) == index.facts()  # adopted: what a cold index computes
    assert index.modules.deferred() == 0


def test_facts_are_computed_again_when_a_summary_changes(project: Project):
    project.write("app/deps.py", DEPS)
    project.write("app/items.py", DEPENDENT)
    before = project.check().index()
    assert before.registered_roles("app.deps")
    project.write("app/items.py", DEPENDENT.replace("Depends(deps.get_client)", "None"))
    after = project.check().index()
    assert after.registered_roles("app.deps") == {}
    assert _fresh_facts(after) == after.facts()


def test_an_index_with_summaries_not_read_yet_is_sent_whole(project: Project):
    import pickle

    project.check()
    project.write("app/routes.py", textwrap.dedent(FILES["app/routes.py"]) + "\n# a comment\n")
    index = project.check().index()
    assert index.modules.deferred()
    sent = pickle.loads(pickle.dumps(index))
    # Every summary goes, made here from the cache first; there each is unpickled when first read.
    assert sent.modules.deferred() == len(sent.modules) == len(index.modules)
    assert dict(sent.modules) == dict(index.modules)


def _summary_lines(project: Project) -> tuple[Path, list[bytes]]:
    path = cache_file(project, "summaries")
    return path, path.read_bytes().split(b"\n")


def test_a_damaged_summary_is_made_again_from_its_file(project: Project):
    import json

    cold = project.check()
    path, lines_ = _summary_lines(project)
    paths = json.loads(lines_[0])[0]
    rates = next(number for number, name in enumerate(paths) if name.endswith("rates.py"))
    lines_[1 + rates] = b'["app.rates", 7]'
    path.write_bytes(b"\n".join(lines_))
    project.write("app/routes.py", textwrap.dedent(FILES["app/routes.py"]) + "\n# a comment\n")
    result = project.check()
    assert lines(result) == lines(cold)
    assert len(result.warnings) == 1 and "unexpected content" in result.warnings[0]
    assert project.parsed == Counter({"app/routes.py": 1, "app/rates.py": 1})
    project.write("app/routes.py", textwrap.dedent(FILES["app/routes.py"]) + "\n# another\n")
    assert project.check().warnings == [] and project.parsed == Counter({"app/routes.py": 1})  # written again


def test_damaged_facts_are_computed_again(project: Project):
    project.check()
    path, lines_ = _summary_lines(project)
    lines_[-2] = b'[{"x": 1}]'
    path.write_bytes(b"\n".join(lines_))
    project.write("app/routes.py", textwrap.dedent(FILES["app/routes.py"]) + "\n# a comment\n")
    result = project.check()
    assert lines(result) == [(10, "FL107")]
    assert len(result.warnings) == 1 and "unexpected content" in result.warnings[0]
    assert _fresh_facts(result.index()) == result.index().facts()
    project.write("app/routes.py", textwrap.dedent(FILES["app/routes.py"]) + "\n# another\n")
    assert project.check().warnings == []


def _consulted(project: Project) -> tuple[list[object], list[str], list[str], dict[str, list[int]]]:
    """The consulted file: its header, the names, the paths and the numbers of each path."""
    import json

    header, names, paths, *rows = [json.loads(line) for line in cache_file(project, "consulted").read_bytes().splitlines()]
    return header, names, paths, dict(zip(paths, rows))


def test_the_consulted_file_holds_each_name_once_and_numbers_per_file(project: Project):
    """The findings rest on the digests the findings file records: the consulted file needs
    the names alone, each written once."""
    project.check()
    (_, _, count), names, _, numbers = _consulted(project)
    assert count == len(names) == len(set(names)) and "app.rates" in names
    [routes] = [found for path, found in numbers.items() if path.endswith("routes.py")]
    assert {"app.rates", "app.vendor"} <= {names[number] for number in routes}  # app.vendor: looked for, absent
    project.write("app/other.py", "def unrelated():\n    return 2\n")
    project.check(("app/other.py",))  # routes' findings are kept, numbers and all
    _, after, _, after_numbers = _consulted(project)
    assert after[:len(names)] == names and [found for path, found in after_numbers.items() if path.endswith("routes.py")] == [routes]
    (project.root / "app/routes.py").unlink()
    project.check(("app/other.py",))
    _, names, _, numbers = _consulted(project)
    used = {number for found in numbers.values() for number in found}
    assert used == set(range(len(names))) and "app.vendor" not in names  # renumbered once most went unused


def test_an_edit_whose_check_consults_the_same_names_leaves_the_consulted_file(project: Project):
    """A comment changes no summary: the file's findings are checked again, against the same
    modules, and what the consulted file says of every file is still so."""
    project.check()
    consulted = cache_file(project, "consulted")
    written, inode = consulted.read_bytes(), consulted.stat().st_ino
    project.write("app/routes.py", textwrap.dedent(FILES["app/routes.py"]) + "\n# a comment\n")
    assert lines(project.check()) == [(10, "FL107")] and project.parsed == Counter({"app/routes.py": 1})
    assert consulted.read_bytes() == written and consulted.stat().st_ino == inode  # not written again
    assert lines(project.check()) == [(10, "FL107")] and project.parsed == Counter()  # valid with the findings written since
    project.write("app/rates.py", "def fetch_rates(base):\n    return {}\n")  # a digest changes: the lines are read
    assert lines(project.check()) == [] and project.parsed == Counter({"app/rates.py": 1, "app/routes.py": 1})
    assert consulted.read_bytes() != written


def _mangled(mangle):  # type: ignore[no-untyped-def]
    """Rewrites the consulted file: its lines, as JSON values, given to ``mangle``, and the values it returns written a line each."""
    def rewrite(path: Path) -> None:
        import json

        values = [json.loads(line) for line in path.read_bytes().splitlines()]
        path.write_bytes(b"".join(json.dumps(value).encode() + b"\n" for value in mangle(values)))
    return rewrite


@pytest.mark.parametrize("rewrite", [
    pytest.param(lambda path: path.write_bytes(b"\x80not JSON"), id="not-json"),
    pytest.param(_mangled(lambda lines: [{"consulted": lines}]), id="an-object"),
    pytest.param(_mangled(lambda lines: lines[:3]), id="a-part-missing"),
    pytest.param(_mangled(lambda lines: [lines[0][:2], *lines[1:]]), id="no-count-of-names"),
    pytest.param(_mangled(lambda lines: [*lines, [0]]), id="a-line-too-many"),
    pytest.param(_mangled(lambda lines: [lines[0], [7] * len(lines[1]), *lines[2:]]), id="a-name-not-a-string"),
    pytest.param(_mangled(lambda lines: [lines[0], [lines[1][0]] * len(lines[1]), *lines[2:]]), id="a-name-twice"),
    pytest.param(_mangled(lambda lines: [lines[0], lines[1][1:], *lines[2:]]), id="a-name-missing"),
    pytest.param(_mangled(lambda lines: [*lines[:3], *([len(lines[1])] for _ in lines[3:])]), id="a-number-beyond-the-names"),
    pytest.param(_mangled(lambda lines: [*lines[:3], *([-1] for _ in lines[3:])]), id="a-negative-number"),
    pytest.param(_mangled(lambda lines: [*lines[:3], *(["0"] for _ in lines[3:])]), id="a-number-as-a-string"),
])
def test_a_consulted_file_of_another_shape_is_discarded_with_a_warning(project: Project, rewrite):
    project.check()
    rewrite(cache_file(project, "consulted"))
    # A module that routes.py consulted gets another digest: what it consulted is read.
    project.write("app/rates.py", textwrap.dedent(FILES["app/rates.py"]) + "\ndef more():\n    return 1\n")
    result = project.check()
    assert lines(result) == [(10, "FL107")]
    assert len(result.warnings) == 1 and "discarded the unreadable cache" in result.warnings[0]
    assert project.parsed == Counter({"app/rates.py": 1, "app/routes.py": 1})
    project.write("app/other.py", "def unrelated():\n    return 3\n\ndef more():\n    return 1\n")  # written again, whole
    assert project.check().warnings == [] and project.parsed == Counter({"app/other.py": 1})
