"""FL107 across modules: the chains fixture, one file passed, suppression and configuration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import check_paths, write_files
from test_fixtures import check_app, markers

from fastlint.cli import main
from fastlint.settings import BlockingCallEntry

CHAINS = Path(__file__).parent / "fixtures" / "chains"


def run(root: Path, paths: list[str], **options: object) -> list[tuple[str, int, int, str, str]]:
    result = check_paths(root, paths, cache=False, **options)
    return [
        (Path(f.path).relative_to(root).as_posix(), f.start.line, f.start.column, f.code, f.message)
        for f in result.findings
    ]


SERVICES = {
    "app/__init__.py": "",
    "app/services/__init__.py": "from .rates import convert\n",
    "app/services/rates.py": """
        import requests

        def fetch_rates(base):
            return requests.get(f"https://rates.example.com/{base}", timeout=5).json()

        def convert(amount, base, target):
            return amount * fetch_rates(base)[target]
        """,
    "app/routes.py": """
        from fastapi import APIRouter

        from app.services import convert

        router = APIRouter()

        @router.get("/convert")
        async def convert_endpoint(amount: float, base: str, target: str):
            return {"result": convert(amount, base, target)}
        """,
}


def test_the_chains_fixture_reports_exactly_its_markers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    expected = markers(CHAINS)
    assert {code for *_, code in expected} == {"FL101", "FL105", "FL107"}
    assert len([m for m in expected if m[3] == "FL107"]) == 10
    assert check_app(CHAINS, tmp_path, monkeypatch) == expected


def test_one_file_passed_is_checked_against_the_whole_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy = tmp_path / "chains"
    shutil.copytree(CHAINS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(copy)
    result = CliRunner().invoke(main, ["check", "app/routes/orders.py", "--output-format", "json", "--no-cache"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)
    assert {Path(item["filename"]).name for item in findings} == {"orders.py"}
    messages = {item["location"]["row"]: item["message"] for item in findings}
    assert messages[62] == (
        "convert() -> fetch_rates() -> _download() -> requests.get (FL101) blocks the event loop "
        "(async route handler GET /orders/convert): call `convert` through `run_in_threadpool`, or make the chain async"
    )
    assert messages[26].startswith("geocode() -> requests.get (FL101)")


def test_by_default_chains_end_after_two_project_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy = tmp_path / "chains"
    shutil.copytree(CHAINS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "fastlint.toml").unlink()
    monkeypatch.chdir(copy)
    result = CliRunner().invoke(main, ["check", "app/routes/orders.py", "--output-format", "json", "--no-cache"])
    rows = {item["location"]["row"]: item["message"] for item in json.loads(result.stdout)}
    assert 62 not in rows  # convert() -> fetch_rates() -> _download() -> requests.get
    assert rows[26].startswith("geocode() -> requests.get (FL101)")
    (copy / "fastlint.toml").write_text("max-call-depth = 3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "app/routes/orders.py", "--output-format", "json", "--no-cache"])
    rows = {item["location"]["row"]: item["message"] for item in json.loads(result.stdout)}
    assert rows[62].startswith("convert() -> fetch_rates() -> _download() -> requests.get (FL101)")


def test_the_message_names_the_chain_and_the_role(tmp_path: Path):
    write_files(tmp_path, SERVICES)
    assert run(tmp_path, ["app/routes.py"]) == [
        (
            "app/routes.py", 9, 23, "FL107",
            "convert() -> fetch_rates() -> requests.get (FL101) blocks the event loop (async route handler GET /convert)"
            ": call `convert` through `run_in_threadpool`, or make the chain async",
        )
    ]


@pytest.mark.parametrize("comment", ["# noqa: FL107", "# noqa: FL101", "# fastlint: ignore[FL101]", "# noqa"])
def test_a_noqa_for_either_code_suppresses_the_chain(tmp_path: Path, comment: str):
    files = dict(SERVICES)
    files["app/routes.py"] = files["app/routes.py"].replace("target)}", f"target)}}  {comment}")
    write_files(tmp_path, files)
    assert run(tmp_path, ["app/routes.py"]) == []


def test_a_noqa_for_another_code_does_not(tmp_path: Path):
    files = dict(SERVICES)
    files["app/routes.py"] = files["app/routes.py"].replace("target)}", "target)}  # noqa: FL103")
    write_files(tmp_path, files)
    assert [f[3] for f in run(tmp_path, ["app/routes.py"])] == ["FL107", "FL002"]  # and the unused noqa


def test_a_chain_is_reported_only_if_its_final_code_is_enabled(tmp_path: Path):
    write_files(tmp_path, SERVICES)
    assert run(tmp_path, ["app/routes.py"], ignore=("FL101",)) == []
    assert run(tmp_path, ["app/routes.py"], per_file_ignores={"routes.py": ("FL101",)}) == []
    assert [f[3] for f in run(tmp_path, ["app/routes.py"], per_file_ignores={"rates.py": ("FL101",)})] == ["FL107"]


def test_max_call_depth_bounds_the_chain(tmp_path: Path):
    write_files(tmp_path, SERVICES)
    assert run(tmp_path, ["app/routes.py"], max_call_depth=1) == []
    assert [f[3] for f in run(tmp_path, ["app/routes.py"], max_call_depth=2)] == ["FL107"]


def test_extend_blocking_calls_end_chains(tmp_path: Path):
    files = dict(SERVICES)
    files["app/services/rates.py"] = """
        import vendor_sdk

        def fetch_rates(base):
            return vendor_sdk.rates(base)

        def convert(amount, base, target):
            return amount * fetch_rates(base)[target]
        """
    write_files(tmp_path, files)
    assert run(tmp_path, ["app/routes.py"]) == []
    extra = (BlockingCallEntry("vendor_sdk.rates", "FL101"),)
    [finding] = run(tmp_path, ["app/routes.py"], extend_blocking_calls=extra)
    assert finding[4].startswith("convert() -> fetch_rates() -> vendor_sdk.rates (FL101)")


def test_offload_wrappers_stop_the_chain(tmp_path: Path):
    files = dict(SERVICES)
    files["app/offload.py"] = """
        import asyncio
        import functools

        def in_thread(function):
            @functools.wraps(function)
            async def wrapper(*args):
                return await asyncio.to_thread(function, *args)
            return wrapper
        """
    files["app/services/rates.py"] = files["app/services/rates.py"].replace(
        "def convert", "from app.offload import in_thread\n\n        @in_thread\n        def convert"
    )
    files["app/routes.py"] = files["app/routes.py"].replace("convert(amount", "await convert(amount")
    write_files(tmp_path, files)
    assert [f[3] for f in run(tmp_path, ["app/routes.py"])] == ["FL107"]
    assert run(tmp_path, ["app/routes.py"], extend_offload_wrappers=("app.offload.in_thread",)) == []


def test_a_chain_through_namespace_portions_of_a_package(tmp_path: Path):
    # Only the top package has an __init__.py, as in open_webui's wheel: Python imports
    # ``shop.search.web.utils`` all the same, and so must the index.
    write_files(tmp_path, {
        "shop/__init__.py": "",
        "shop/search/web/utils.py": """
            import socket

            def resolve(host):
                return socket.getaddrinfo(host, None)
            """,
        "shop/search/web/main.py": """
            from shop.search.web.utils import resolve

            def filtered(results):
                return [r for r in results if resolve(r)]
            """,
        "shop/search/web/brave.py": """
            from .main import filtered

            async def search(results):
                return filtered(results)
            """,
        "scripts/tool.py": "def helper():\n    pass\n",
    })
    [(path, line, column, code, message)] = run(tmp_path, ["shop/search/web/brave.py"])
    assert (path, line, column, code) == ("shop/search/web/brave.py", 4, 12, "FL107")
    assert message.startswith("filtered() -> resolve() -> socket.getaddrinfo (FL101) blocks the event loop")


def test_module_names_of_packages_namespace_portions_and_scripts(tmp_path: Path):
    from fastlint.analysis.module_names import module_name_for, package_parts_cache_clear

    for name in ("shop/__init__.py", "shop/search/web/utils.py", "shop/api/__init__.py", "scripts/tool.py", "top.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    package_parts_cache_clear()
    assert module_name_for(tmp_path / "shop/search/web/utils.py", tmp_path) == ("shop.search.web.utils", False)
    assert module_name_for(tmp_path / "shop/api/__init__.py", tmp_path) == ("shop.api", True)
    assert module_name_for(tmp_path / "scripts/tool.py", tmp_path) == ("scripts.tool", False)
    assert module_name_for(tmp_path / "top.py", tmp_path) == ("top", False)


@pytest.mark.parametrize("path", ["/srv/app/main.py", "/srv/.venvs/app/main.py", "/srv/app/..main.py", "/srv/./app/main.py", "/srv/x/../app/main.py",
                                  "/srv//app/main.py", "/srv/app/", "/srv/app/.", "/srv/app/..", "/", "app/main.py", "../app/main.py",
                                  "/srv/.../main.py", "/srv/..app/main.py", "/.", "/..", "/srv/.x/./main.py", "/srv/.x/../main.py"])
def test_a_path_is_made_absolute_as_os_path_abspath_makes_it(path: str):
    """Discovery's paths skip normalising (most are normal already), a dot-folder too."""
    import os

    from fastlint.analysis.module_names import absolute

    assert absolute(path) == os.path.abspath(path)


def test_a_path_under_a_dot_folder_is_taken_as_it_is():
    from fastlint.analysis.module_names import absolute

    path = "/home/dev/.worktrees/app/main.py"
    assert absolute(path) is path  # not normalised again: a project under a dot-folder asks for every file


def test_a_chain_between_functions_defined_inside_a_module_level_if(tmp_path: Path):
    write_files(tmp_path, {
        "registry.py": """
            import json

            try:
                import yaml
            except ImportError:
                yaml = None

            if yaml is None:
                def load_registry():
                    with open("registry.json") as handle:
                        return json.load(handle)

                async def discover():
                    return load_registry()
            """,
    })
    assert [(line, code) for _, line, _, code, _ in run(tmp_path, ["registry.py"])] == [(14, "FL107")]


SECRETS = {
    "app/__init__.py": "",
    "app/secrets.py": """
        import os

        def get_secret(name):
            if name.startswith("file:"):
                with open(name[5:]) as f:
                    return f.read()
            return os.environ[name]
        """,
    "app/routes.py": """
        from fastapi import APIRouter

        from app.secrets import get_secret

        router = APIRouter()

        def api_key():
            return get_secret("API_KEY")

        @router.get("/a")
        async def a():
            return get_secret("A"), api_key(), get_secret("B")

        @router.get("/b")
        async def b():
            return api_key()
        """,
    "app/jobs.py": """
        from fastapi import BackgroundTasks

        from app.secrets import get_secret

        async def job():
            return get_secret("JOB")

        def schedule(tasks: BackgroundTasks):
            tasks.add_task(job)
        """,
}


ADVICE = ": call `{}` through `run_in_threadpool`, or make the chain async"


def test_one_finding_per_root_and_caller_and_the_roots_in_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_files(tmp_path, SECRETS)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "app", "--no-cache"])
    assert result.exit_code == 1, result.output
    assert result.output == (
        "app/jobs.py:6:12: FL107 get_secret() -> builtins.open (FL103) blocks the event loop (async background task `job`)"
        f"{ADVICE.format('get_secret')}\n"
        "app/routes.py:12:12: FL107 get_secret() -> builtins.open (FL103) blocks the event loop "
        f"(async route handler GET /a); 2 other calls here reach it too{ADVICE.format('get_secret')}\n"
        "app/routes.py:16:12: FL107 api_key() -> get_secret() -> builtins.open (FL103) blocks the event loop "
        f"(async route handler GET /b){ADVICE.format('api_key')}\n"
        "Blocking calls behind the most findings (fix one to fix them all):\n"
        "  `app.secrets.get_secret` -> `builtins.open`: 3 findings in 2 files\n"
        "Found 3 errors.\n"
        "No fixes available (3 hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
    )
    statistics = CliRunner().invoke(main, ["check", "app", "--no-cache", "--statistics"])
    assert statistics.output == (
        "3 FL107 [-] blocking-call-chain-in-async\n"
        "\n"
        "Blocking calls behind the most findings (fix one to fix them all):\n"
        "  `app.secrets.get_secret` -> `builtins.open`: 3 findings in 2 files\n"
        "\n"
        "No fixes available (3 hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
    )
    as_json = json.loads(CliRunner().invoke(main, ["check", "app", "--no-cache", "--output-format", "json"]).stdout)
    assert [item["root"] for item in as_json] == [{"function": "app.secrets.get_secret", "call": "builtins.open"}] * 3
    assert [(item["location"], item["end_location"]) for item in as_json][1] == ({"row": 12, "column": 12}, {"row": 12, "column": 22})


def test_work_that_needs_an_optional_argument_left_out_along_the_chain_is_not_followed():
    # Reduced from litellm: the route leaves ``config_file_path`` out, the helper passes its
    # own (None) on, and only with it given does ``get_instance_fn`` load remote code.
    source = '''
import requests
from fastapi import FastAPI

app = FastAPI()

def get_instance_fn(value: str, config_file_path: str | None = None):
    if value.startswith("s3://"):
        if config_file_path is None:
            raise ValueError("remote loading needs a config file")
        return requests.get(value, timeout=5)
    return value

def create_route(target: str, config_file_path: str | None = None):
    return get_instance_fn(value=target, config_file_path=config_file_path)

@app.post("/passthrough")
async def passthrough(target: str):
    return create_route(target)

@app.post("/configured")
async def configured(target: str):
    return create_route(target, config_file_path="/etc/proxy.yaml")
'''
    from fastlint.testing import lint_source

    assert [(f.code, f.start.line, f.start.column) for f in lint_source(source, ["FL107"])] == [("FL107", 23, 12)]


def test_an_optional_parameter_the_body_assigns_guards_nothing():
    # Reduced from khoj's commit_conversation_trace: the parameter is replaced by an
    # environment variable before the test, so leaving it out says nothing.
    source = '''
import os
from fastapi import FastAPI

app = FastAPI()

def commit_trace(text: str, repo_path: str | None = None):
    repo_path = repo_path or os.getenv("TRACE_DIR")
    if not repo_path:
        return None
    with open(os.path.join(repo_path, "trace.txt"), "a") as trace:
        trace.write(text)

@app.post("/chat")
async def chat(text: str):
    commit_trace(text)
'''
    from fastlint.testing import lint_source

    assert [(f.code, f.start.line, f.start.column) for f in lint_source(source, ["FL107"])] == [("FL107", 16, 5)]
