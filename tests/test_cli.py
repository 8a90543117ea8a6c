"""The ``fastlint`` command line: exit codes, options, output shapes and configuration."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fastlint.cli import main
from fastlint.run.registry import all_rules

APP = """\
import time
import requests
from fastapi import FastAPI

app = FastAPI(openapi_url=None)


@app.get("/a")
async def a():
    time.sleep(1)
    return requests.get("https://example.com", timeout=5).json()
"""
CLEAN = "def total(values):\n    return sum(values)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root (it holds ``.git``) with one app and the working directory in it."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def codes(result: Result) -> list[tuple[str, str]]:
    """``(file name, code)`` of every finding in a JSON report."""
    return [(Path(item["filename"]).name, item["code"]) for item in json.loads(result.stdout)]


def check_json(*args: str) -> list[tuple[str, str]]:
    result = run("check", *args, "--output-format", "json")
    assert result.exit_code in (0, 1), result.output
    return codes(result)


# -- exit codes ------------------------------------------------------------------------


def test_clean_code_exits_0(project: Path):
    write(project / "clean.py", CLEAN)
    result = run("check", "clean.py")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed!\n"


def test_findings_exit_1_in_ruffs_text_shape(project: Path):
    result = run("check", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "app.py:10:5: FL102 `time.sleep` blocks the event loop in async route handler GET /a; use `await asyncio.sleep(...)`",
        "app.py:11:12: FL101 `requests.get` blocks the event loop in async route handler GET /a; use `httpx.AsyncClient` (awaited)",
        "Found 2 errors.",
        "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option).",
    ]


def test_exit_zero_reports_but_exits_0(project: Path):
    result = run("check", ".", "--exit-zero")
    assert result.exit_code == 0
    assert "Found 2 errors." in result.stdout


def test_show_files_lists_what_a_check_reads_and_checks_nothing(project: Path):
    write(project / "app" / "build" / "__init__.py", CLEAN)  # a package named build is source
    write(project / "build" / "lib" / "app.py", APP)  # build output is not
    write(project / ".venv" / "x.py", APP)
    result = run("check", "--show-files", ".")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [str(project / "app" / "build" / "__init__.py"), str(project / "app.py")]


def test_configuration_error_exits_2_with_file_line_and_key(project: Path):
    write(project / "pyproject.toml", '[tool.fastlint]\nline-length = 88\nselectt = ["FL101"]\n')
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "fastlint: error: pyproject.toml:2: [tool.fastlint] unknown key 'line-length'\n"
    )


def test_unknown_key_is_named_with_its_line_and_a_suggestion(project: Path):
    write(project / "fastlint.toml", 'ignore = []\nselectt = ["FL101"]\n')
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stderr == "fastlint: error: fastlint.toml:2: unknown key 'selectt' (did you mean 'select'?)\n"


def test_wrong_type_names_key_file_line_and_types(project: Path):
    write(project / "pyproject.toml", '[project]\nname = "x"\n\n[tool.fastlint]\nselect = "FL101"\n')
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stderr == (
        "fastlint: error: pyproject.toml:5: [tool.fastlint] 'select' must be an array of strings, got string\n"
    )


def test_unknown_rule_code_is_a_configuration_error(project: Path):
    write(project / "fastlint.toml", 'extend-select = ["FL999"]\n')
    result = run("check", ".")
    assert result.exit_code == 2
    assert "'extend-select' has unknown rule selector 'FL999'" in result.stderr


def test_unknown_code_on_the_command_line_exits_2(project: Path):
    result = run("check", ".", "--select", "FL999")
    assert result.exit_code == 2
    # Blamed on the command line, not on a configuration the user did not write.
    assert result.stderr == "fastlint: error: command line: '--select' has unknown rule selector 'FL999' (did you mean 'FL109'?)\n"
    assert result.stdout == ""


def test_usage_error_exits_2(project: Path):
    result = run("check", "--no-such-option")
    assert result.exit_code == 2
    assert "No such option '--no-such-option'" in result.stderr


def test_internal_error_exits_2_with_a_message_not_a_traceback(project: Path, monkeypatch: pytest.MonkeyPatch):
    import fastlint.run.engine

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fastlint.run.engine, "check_files", explode)
    monkeypatch.delenv("FASTLINT_DEBUG", raising=False)
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("fastlint: error: internal error: RuntimeError: disk on fire")
    assert "Traceback" not in result.output


def test_configuration_error_in_a_real_process_has_no_traceback(project: Path):
    write(project / "pyproject.toml", "[tool.fastlint]\nselect = [\n")
    process = subprocess.run(
        [sys.executable, "-m", "fastlint", "check", "."], capture_output=True, text=True, cwd=project
    )
    assert process.returncode == 2
    assert process.stderr.startswith("fastlint: error: pyproject.toml:")
    assert "invalid TOML" in process.stderr
    assert "Traceback" not in process.stderr


# -- rule selection --------------------------------------------------------------------


def test_select_replaces_the_default_set(project: Path):
    assert check_json(".", "--select", "FL101") == [("app.py", "FL101")]


def test_select_accepts_prefixes_and_comma_lists(project: Path):
    assert check_json(".", "--select", "FL10") == [("app.py", "FL102"), ("app.py", "FL101")]
    assert check_json(".", "--select", "FL101,FL102") == [("app.py", "FL102"), ("app.py", "FL101")]


def test_ignore_removes_codes(project: Path):
    assert check_json(".", "--ignore", "FL102") == [("app.py", "FL101")]


def test_extend_select_adds_to_the_configured_select(project: Path):
    write(project / "fastlint.toml", 'select = ["FL101"]\n')
    assert check_json(".") == [("app.py", "FL101")]
    assert check_json(".", "--extend-select", "FL102") == [("app.py", "FL102"), ("app.py", "FL101")]


def test_ignore_on_the_command_line_adds_to_the_configured_ignore(project: Path):
    write(project / "fastlint.toml", 'ignore = ["FL101"]\n')
    assert check_json(".", "--ignore", "FL102") == []


def test_fl001_in_ignore_is_a_warning_and_has_no_effect(project: Path):
    write(project / "broken.py", "def broken(:\n")
    result = run("check", ".", "--ignore", "FL001", "--output-format", "json")
    assert result.exit_code == 1
    assert ("broken.py", "FL001") in codes(result)
    assert "FL001 cannot be disabled" in result.stderr


# -- output ----------------------------------------------------------------------------


def test_json_output_has_ruffs_keys(project: Path):
    result = run("check", ".", "--output-format", "json")
    assert result.exit_code == 1
    first, second = json.loads(result.stdout)
    assert first.pop("routes") == ["GET /a"]  # fastlint's one extra key (docs/routes.md), beside ruff's
    assert set(first) == {"cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url"}
    assert first == {
        "cell": None,
        "code": "FL102",
        "end_location": {"row": 10, "column": 15},
        "filename": str((project / "app.py").resolve()),
        # ruff's fix shape; unsafe: `--unsafe-fixes` applies it.
        "fix": {
            "applicability": "unsafe",
            "edits": [
                {"content": "import asyncio\n", "location": {"row": 1, "column": 1}, "end_location": {"row": 1, "column": 1}},
                # A codemod's edit covers only what differs: ``time`` of ``time.sleep(1)``.
                {"content": "await asyncio", "location": {"row": 10, "column": 5}, "end_location": {"row": 10, "column": 9}},
            ],
            "message": "Replace with `await asyncio.sleep(...)`",
        },
        "location": {"row": 10, "column": 5},
        "message": "`time.sleep` blocks the event loop in async route handler GET /a; use `await asyncio.sleep(...)`",
        "noqa_row": 10,
        "url": "https://github.com/fastlint/fastlint/blob/main/docs/rules/FL102.md",
    }
    assert (second["code"], second["location"], second["end_location"]) == ("FL101", {"row": 11, "column": 12}, {"row": 11, "column": 24})


def test_json_output_is_sorted_by_file_line_and_column(project: Path):
    write(project / "a_first.py", APP)
    write(project / "pkg" / "b.py", APP)
    findings = json.loads(run("check", ".", "--output-format", "json").stdout)
    keys = [(item["filename"], item["location"]["row"], item["location"]["column"]) for item in findings]
    assert len(keys) == 6
    assert keys == sorted(keys)


def test_json_output_of_a_clean_run_is_an_empty_list(project: Path):
    write(project / "clean.py", CLEAN)
    result = run("check", "clean.py", "--output-format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_statistics_counts_per_rule(project: Path):
    write(project / "more.py", APP.replace("time.sleep(1)", "time.sleep(1)\n    time.sleep(2)"))
    result = run("check", ".", "--statistics")
    assert result.exit_code == 1
    assert result.stdout == (
        "3 FL102 [-] blocking-sleep-in-async\n"
        "2 FL101 [-] blocking-http-call-in-async\n"
        "\n"
        "No fixes available (5 hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
    )
    # With --unsafe-fixes, --fix would apply them: [*], as `fastlint rules` marks nothing safe
    # by default, `extend-safe-fixes` moves a rule to [*] for --fix alone.
    unsafe = run("check", ".", "--statistics", "--unsafe-fixes")
    assert unsafe.stdout.splitlines() == [
        "3 FL102 [*] blocking-sleep-in-async",
        "2 FL101 [*] blocking-http-call-in-async",
        "",
        "5 unsafe fixes can be applied with `--fix --unsafe-fixes`.",
    ]
    write(project / "fastlint.toml", 'extend-safe-fixes = ["FL102"]\n')
    promoted = run("check", ".", "--statistics")
    assert promoted.stdout.splitlines() == [
        "3 FL102 [*] blocking-sleep-in-async",
        "2 FL101 [-] blocking-http-call-in-async",
        "",
        "[*] 3 fixable with the `--fix` option (2 hidden fixes can be enabled with the `--unsafe-fixes` option).",
    ]


def test_quiet_prints_findings_only(project: Path):
    write(project / "fastlint.toml", 'ignore = ["FL001"]\n')
    result = run("check", ".", "--quiet")
    assert result.exit_code == 1
    assert [line.split(":")[:3] for line in result.stdout.splitlines()] == [["app.py", "10", "5"], ["app.py", "11", "12"]]
    assert result.stderr == ""


def test_output_file(project: Path):
    result = run("check", ".", "--output-format", "json", "-o", "report.json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert [item["code"] for item in json.loads((project / "report.json").read_text())] == ["FL102", "FL101"]


# -- configuration ---------------------------------------------------------------------


def test_config_option_uses_that_file_only(project: Path):
    write(project / "pyproject.toml", '[tool.fastlint]\nselect = ["FL101"]\n')
    write(project / "ci" / "strict.toml", 'select = ["FL102"]\n')
    assert check_json(".") == [("app.py", "FL101")]
    assert check_json(".", "--config", "ci/strict.toml") == [("app.py", "FL102")]


def test_missing_config_file_exits_2(project: Path):
    result = run("check", ".", "--config", "nowhere.toml")
    assert result.exit_code == 2
    assert result.stderr == "fastlint: error: nowhere.toml: configuration file does not exist\n"


def test_configuration_is_found_walking_up_from_the_first_path(project: Path, monkeypatch: pytest.MonkeyPatch):
    write(project / "pyproject.toml", '[tool.fastlint]\nignore = ["FL102"]\n')
    write(project / "src" / "svc" / "api.py", APP)
    monkeypatch.chdir(project / "src")
    assert check_json("svc") == [("api.py", "FL101")]


def test_per_file_ignores(project: Path):
    write(project / "legacy" / "old.py", APP)
    write(project / "pyproject.toml", """\
        [tool.fastlint.per-file-ignores]
        "legacy/*.py" = ["FL102"]
        "app.py" = ["FL1"]
        """)
    assert check_json(".") == [("old.py", "FL101")]


def test_force_exclude_applies_excludes_to_files_named_on_the_command_line(project: Path):
    # pre-commit passes every staged file by name, generated ones included.
    write(project / "generated" / "client.py", APP)
    write(project / "pyproject.toml", '[tool.fastlint]\nextend-exclude = ["generated"]\n')
    assert check_json(".") == [("app.py", "FL102"), ("app.py", "FL101")]
    assert check_json("app.py", "generated/client.py") == [
        ("app.py", "FL102"), ("app.py", "FL101"), ("client.py", "FL102"), ("client.py", "FL101")
    ]
    assert check_json("app.py", "generated/client.py", "--force-exclude") == [("app.py", "FL102"), ("app.py", "FL101")]
    write(project / "pyproject.toml", '[tool.fastlint]\nextend-exclude = ["generated"]\nforce-exclude = true\n')
    result = run("check", "generated/client.py")
    assert (result.exit_code, result.stdout) == (0, "All checks passed!\n")


HELPERS = """\
import mylib
import requests
from contextlib import asynccontextmanager
from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.config = requests.get("https://config.internal", timeout=5).json()
    yield


app = FastAPI(lifespan=lifespan, openapi_url=None)


@app.get("/sync")
async def sync_all():
    mylib.fetch_all()
    requests.head("https://example.com", timeout=5)
"""


def test_knowledge_settings_change_the_results(project: Path):
    (project / "app.py").unlink()
    write(project / "helpers.py", HELPERS)
    assert check_json(".") == [("helpers.py", "FL101")]
    write(project / "fastlint.toml", """\
        allow-blocking-calls = ["requests.head"]
        check-startup = true

        [extend-blocking-calls]
        "mylib.fetch_all" = { code = "FL101", use-instead = "`mylib.afetch_all`" }
        """)
    findings = json.loads(run("check", ".", "--output-format", "json").stdout)
    assert [(item["location"]["row"], item["code"], item["message"]) for item in findings] == [
        (9, "FL101", "`requests.get` blocks the event loop in async lifespan `lifespan`; use `httpx.AsyncClient` (awaited)"),
        (18, "FL101", "`mylib.fetch_all` blocks the event loop in async route handler GET /sync; use `mylib.afetch_all`"),
    ]


def test_check_startup_flag_on_the_command_line(project: Path):
    (project / "app.py").unlink()
    write(project / "helpers.py", HELPERS)
    assert check_json(".", "--select", "FL101") == [("helpers.py", "FL101")]
    assert check_json(".", "--select", "FL101", "--check-startup") == [("helpers.py", "FL101")] * 2


def test_extend_offload_wrappers_stop_call_chains(project: Path):
    # An in-house decorator that runs the function in a worker thread.
    write(project / "svc" / "__init__.py", "")
    write(project / "svc" / "concurrency.py", """\
        import functools

        import anyio.to_thread


        def threaded(function):
            @functools.wraps(function)
            async def wrapper(*args, **kwargs):
                return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))
            return wrapper
        """)
    write(project / "svc" / "geo.py", """\
        import requests

        from svc.concurrency import threaded


        @threaded
        def geocode(city: str) -> dict:
            return requests.get("https://geo.example.com", params={"q": city}, timeout=5).json()


        def lookup(city: str) -> dict:
            return requests.get("https://geo.example.com", params={"q": city}, timeout=5).json()
        """)
    write(project / "svc" / "main.py", """\
        from fastapi import FastAPI

        from svc.geo import geocode, lookup

        app = FastAPI(openapi_url=None)


        @app.get("/geo")
        async def geo(city: str):
            return {"a": await geocode(city), "b": lookup(city)}
        """)
    # A chain is reported when the code of its final call (FL101) is enabled too.
    args = ("svc", "--select", "FL101,FL107", "--output-format", "json", "--no-cache")
    before = json.loads(run("check", *args).stdout)
    assert [(item["location"]["column"], item["message"].split(" ->")[0]) for item in before] == [(24, "geocode()"), (44, "lookup()")]
    write(project / "fastlint.toml", 'extend-offload-wrappers = ["svc.concurrency.threaded"]\n')
    after = json.loads(run("check", *args).stdout)
    assert [(item["location"]["column"], item["message"].split(" ->")[0]) for item in after] == [(44, "lookup()")]


# -- rule documentation ----------------------------------------------------------------


def test_rule_prints_the_documentation():
    result = run("rule", "FL101")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# blocking-http-call-in-async (FL101)"
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in lines
    assert run("rule", "blocking-http-call-in-async").stdout == result.stdout
    assert run("rule", "fl101").stdout == result.stdout


def test_rule_fl001_and_unknown_rules():
    fl001 = run("rule", "FL001")
    assert fl001.exit_code == 0
    assert fl001.stdout.startswith("# unparseable-file (FL001)")
    unknown = run("rule", "FL999")
    assert unknown.exit_code == 2
    assert unknown.stderr == "fastlint: error: unknown rule 'FL999'; `fastlint rules` lists them all\n"


def test_rules_lists_every_registered_rule():
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [[rule.code, rule.name] for rule in all_rules()]
    entries = json.loads(run("rules", "--output-format", "json").stdout)
    assert [(entry["code"], entry["preview"]) for entry in entries] == [(rule.code, rule.preview) for rule in all_rules()]
    assert set(entries[0]) == {"code", "name", "fixable", "fix", "preview", "summary"}


# -- entry points ----------------------------------------------------------------------


def test_python_dash_m_fastlint(project: Path):
    process = subprocess.run(
        [sys.executable, "-m", "fastlint", "check", ".", "--output-format", "json"],
        capture_output=True, text=True, cwd=project,
    )
    assert process.returncode == 1, process.stderr
    assert [item["code"] for item in json.loads(process.stdout)] == ["FL102", "FL101"]
    version = subprocess.run([sys.executable, "-m", "fastlint", "--version"], capture_output=True, text=True)
    assert version.returncode == 0
    assert version.stdout.startswith("fastlint, version ")


def test_the_program_leaves_after_a_check_with_its_whole_report_and_its_exit_code(project: Path):
    """After a check, the program exits without the interpreter's teardown: what it printed
    to a pipe (far more than the pipe holds) arrives whole, and the exit code is the check's."""
    blocking = "".join(f"\n\n@app.get('/r{i}')\nasync def r{i}():\n    time.sleep(1)\n" for i in range(400))
    (project / "many.py").write_text(f"import time\nfrom fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n{blocking}")
    for flags, exit_code in ((["--no-cache"], 1), (["--no-cache", "--exit-zero"], 0), ([], 1), ([], 1)):  # the last: the recorded answer
        process = subprocess.run([sys.executable, "-m", "fastlint", "check", ".", *flags], capture_output=True, text=True, cwd=project)
        assert process.returncode == exit_code, process.stderr
        lines = process.stdout.splitlines()
        assert len([line for line in lines if line.startswith("many.py:") and " FL102 " in line]) == 400
        assert lines[-2:] == ["Found 402 errors.", "No fixes available (402 hidden fixes can be enabled with the `--unsafe-fixes` option)."]


class _Left(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class _Streams:
    """Standard streams that record being flushed (set in the test itself: pytest's capture
    sets its own when a test starts)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.flushed: list[str] = []

    def __call__(self) -> list[str]:
        recorder = self

        class Stream:
            def __init__(self, name: str) -> None:
                self.name = name

            def flush(self) -> None:
                recorder.flushed.append(self.name)

        self.monkeypatch.setattr(sys, "stdout", Stream("stdout"))
        self.monkeypatch.setattr(sys, "stderr", Stream("stderr"))
        return self.flushed


@pytest.fixture
def leaving(monkeypatch: pytest.MonkeyPatch) -> _Streams:
    """``os._exit`` raises ``_Left`` (with the status) instead of ending the test run."""
    import os

    def exit_now(status: int) -> None:
        raise _Left(status)

    monkeypatch.setattr(os, "_exit", exit_now)
    return _Streams(monkeypatch)


def test_leaving_flushes_the_streams_then_exits_at_once(leaving: _Streams):
    from fastlint.__main__ import leave

    flushed = leaving()
    for code, status in ((1, 1), (None, 0), (0, 0), (2, 2)):
        with pytest.raises(_Left) as left:
            leave(code)
        assert left.value.status == status
    assert flushed == ["stdout", "stderr"] * 4


def test_leaving_is_an_ordinary_exit_while_a_thread_would_be_waited_for(leaving: _Streams):
    import threading

    from fastlint.__main__ import leave

    flushed = leaving()
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        with pytest.raises(SystemExit) as exited:
            leave(1)
    finally:
        release.set()
        worker.join()
    assert exited.value.code == 1 and flushed == []
    daemon = threading.Thread(target=threading.Event().wait, daemon=True)  # not waited for at exit
    daemon.start()
    with pytest.raises(_Left):
        leave(1)


def test_leaving_is_an_ordinary_exit_when_a_stream_cannot_be_flushed_or_the_code_is_a_message(leaving: _Streams, monkeypatch: pytest.MonkeyPatch):
    from fastlint.__main__ import leave

    leaving()
    with pytest.raises(SystemExit) as exited:
        leave("fastlint: a message")
    assert exited.value.code == "fastlint: a message"

    class ClosedPipe:
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    with pytest.raises(SystemExit) as exited:
        leave(1)
    assert exited.value.code == 1


def test_only_a_check_leaves_without_teardown_and_main_always_raises_system_exit(leaving: _Streams, monkeypatch: pytest.MonkeyPatch):
    """Callers in this process (the suite, a wrapper script) call ``main``, which ends with
    ``SystemExit`` as ever; ``run`` is the program's."""
    import fastlint.__main__
    from fastlint.run import answer

    monkeypatch.setattr(answer, "arguments", None)
    monkeypatch.setattr(fastlint.__main__, "main", lambda: sys.exit(1))
    monkeypatch.setattr(sys, "argv", ["fastlint", "rules"])
    leaving()
    with pytest.raises(SystemExit) as exited:
        fastlint.__main__.run()
    assert exited.value.code == 1
    monkeypatch.setattr(sys, "argv", ["fastlint", "check", "."])
    with pytest.raises(_Left) as left:
        fastlint.__main__.run()
    assert left.value.status == 1


# Run fastlint in a fresh interpreter and list, on stderr, where fastlint was imported from,
# then the modules it imported.
IMPORTS_PROBE = """
import sys
sys.argv = ["fastlint", *sys.argv[1:]]
from fastlint.__main__ import main  # what the program runs, which then leaves without teardown
try:
    main()
except SystemExit:
    pass
print(sys.modules["fastlint"].__file__, " ".join(sorted(sys.modules)), file=sys.stderr)
"""
# Needed only to build summaries, run rules or apply fixes: a run the cache answers whole
# pays for none of them (issue 6: startup).
ANALYSIS_MODULES = ("libcst", "fastlint.rules.", "fastlint.analysis.module_summary", "fastlint.analysis.summarizing", "fastlint.analysis.project_index",
                    "fastlint.analysis.inference",
                    "fastlint.analysis.fastapi_model", "fastlint.analysis.fastapi_roles", "fastlint.analysis.orm_models", "fastlint.analysis.context")


@pytest.fixture(scope="module")
def frozen_fastlint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of fastlint's source, laid out as the wheel installs it, for runs in other
    processes that must see the same code. The cache is keyed on a digest of that code
    (code_version.code_digest), so an edit of the checkout between a cold and a warm run (a merge
    fast-forwarding the checkout while the suite runs) rightly makes the warm run cold:
    that, not the machine's load, made the warm-run test below fail now and then."""
    import shutil

    site = tmp_path_factory.mktemp("frozen-fastlint")
    root = Path(__file__).resolve().parents[1]
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(root / "fastlint", site / "fastlint", ignore=ignore)
    shutil.copytree(root / "rules", site / "fastlint" / "rules", ignore=ignore)
    return site


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_a_warm_run_imports_no_rule_and_no_analysis_module(project: Path, output_format: str, frozen_fastlint: Path):
    import os

    argv = [sys.executable, "-c", IMPORTS_PROBE, "check", ".", "--output-format", output_format]
    env = {**os.environ, "PYTHONPATH": str(frozen_fastlint)}  # before the editable install's finder
    cold = subprocess.run(argv, capture_output=True, text=True, cwd=project, env=env)
    warm = subprocess.run(argv, capture_output=True, text=True, cwd=project, env=env)
    assert warm.stdout == cold.stdout and "FL101" in warm.stdout
    (cold_from, *cold_modules), (warm_from, *warm_modules) = cold.stderr.split(), warm.stderr.split()
    assert cold_from == warm_from == str(frozen_fastlint / "fastlint" / "__init__.py")
    assert any(name.startswith(ANALYSIS_MODULES) for name in cold_modules)  # the probe sees imports
    assert [name for name in warm_modules if name.startswith(ANALYSIS_MODULES)] == []


def test_missing_path_is_an_error_not_a_clean_run(project: Path):
    result = run("check", "app.py", "nowhere.py")
    assert result.exit_code == 2
    assert result.stderr == "fastlint: error: no such file or directory: nowhere.py\n"
    assert result.stdout == ""


def test_fastlint_checks_its_own_source_clean(monkeypatch: pytest.MonkeyPatch):
    """Dogfooding: the language server is async code, and nothing in it may block its loop."""
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    result = run("check", "fastlint", "rules", "--no-cache")
    assert result.exit_code == 0, result.output


def test_quiet_on_a_colour_terminal_prints_the_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-q once filtered the rendered report for ": FL", which colour codes break."""
    import fastlint.cli

    write(tmp_path / "pyproject.toml", "[tool.fastlint]\n")
    write(tmp_path / "app.py", """\
        import time
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/")
        async def root():
            time.sleep(1)
    """)
    monkeypatch.setattr(fastlint.cli, "_use_color", lambda: True)
    # color=True: click keeps the escape codes, as it does on a terminal.
    result = CliRunner().invoke(main, ["check", "-q", "--no-cache", "--select", "FL102", str(tmp_path / "app.py")], color=True)
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("\x1b[1m") and ":9:5: \x1b[1;31mFL102\x1b[0m " in line
