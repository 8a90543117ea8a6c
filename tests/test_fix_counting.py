"""A run that only counts fixes (the text report) decides every fix as a run that builds
them does, without libcst; a run that shows or applies fixes never takes its unbuilt ones."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import write_files

from fastlint.analysis.context import ModuleContext
from fastlint.cli import main
from fastlint.finding import Finding
from fastlint.fixing.arguments import add_argument, remove_argument
from fastlint.fixing.codemods import awaited, called_with, method_called, offload_to_threadpool, undecorated
from fastlint.knowledge.tables import Knowledge
from fastlint.rule import Invalid
from fastlint.run.parsing import parse_module
from fastlint.run.registry import all_rules
from fastlint.settings import Settings
from fastlint.source import decode_source
from fastlint.testing import lint_source


def _decided(finding: Finding) -> tuple[object, ...]:
    fix = finding.fix
    return (finding.code, finding.start, finding.end, finding.message, fix and (fix.applicability, fix.message))


def _invalid_cases():
    for rule in all_rules():
        for index, example in enumerate(rule.INVALID):
            yield pytest.param(rule.code, example, id=f"{rule.code}-invalid-{index + 1}")


@pytest.mark.parametrize(("code", "example"), list(_invalid_cases()))
def test_counted_fixes_are_the_built_ones_on_every_rule_example(code: str, example: Invalid):
    built = lint_source(example.source, [code], example.options)
    counted = lint_source(example.source, [code], example.options, fix_edits=False)
    assert [_decided(f) for f in counted] == [_decided(f) for f in built]
    assert all(f.fix.built and f.fix.edits for f in built if f.fix)
    assert all(not f.fix.built and f.fix.edits == () for f in counted if f.fix)


def _context(code: str, fix_edits: bool) -> ModuleContext:
    source = decode_source(Path.cwd() / "example.py", code.encode("utf-8"))
    settings = Settings(project_root=Path.cwd())
    return ModuleContext(source, parse_module(source), "example", False, settings, Knowledge.from_settings(settings), fix_edits=fix_edits)


def _node(ctx: ModuleContext, kind: type, text: str):  # type: ignore[no-untyped-def]
    return next(node for node in ast.walk(ctx.tree) if isinstance(node, kind) and ctx.text_of(node) == text)


BOTH = pytest.mark.parametrize("fix_edits", [True, False], ids=["built", "counted"])

# (builder, code, the node's text, whether a fix exists): the cases where a builder declines
# on what libcst's tree shows, each decided on the ``ast`` when fixes are only counted.
CASES = [
    ("add_argument", "f(x for x in y)\n", "f(x for x in y)", False),  # a bare generator takes no company
    ("add_argument", "f((x for x in y))\n", "f((x for x in y))", True),
    ("add_argument", "f(\n    x for x in y\n)\n", "f(\n    x for x in y\n)", False),
    ("add_argument, not arguments", "f(a)\n", "f(a)", False),
    ("offload", "async def h(k):\n    handlers[k](1)\n", "handlers[k](1)", False),  # only f(...) and obj.f(...)
    ("offload", "async def h():\n    (f)(1)\n", "(f)(1)", True),
    ("offload", "async def h():\n    client.get(1)\n", "client.get(1)", True),
    # The import it needs is placed only when built; whether the name is free is decided alike.
    ("offload", "import os\nfrom starlette import status\nasync def h():\n    client.get(1)\n", "client.get(1)", True),
    ("offload", "from app import run_in_threadpool\nasync def h():\n    client.get(1)\n", "client.get(1)", False),
    ("awaited, renamed receiver", "async def h(p):\n    p.read_text()\n", "p.read_text()", False),  # the receiver is no call
    ("awaited, renamed receiver", "async def h(p):\n    Path(p).read_text()\n", "Path(p).read_text()", True),
    ("called_with, not arguments", "x = retry\n", "retry", False),
    ("method_called", "q = select(A)\n", "select(A)", True),
    ("remove_argument", "f(a, debug=True)\n", "f(a, debug=True)", True),
    ("remove_argument", "f(\n    debug=True,  # keep\n    # note\n)\n", "f(\n    debug=True,  # keep\n    # note\n)", False),
    ("remove_argument", "f(a=1, debug=True,\n\n  b=2)\n", "f(a=1, debug=True,\n\n  b=2)", True),  # built: a blank line
    ("remove_argument", "f(\n    a=1,\n    debug=True,\n)\n", "f(\n    a=1,\n    debug=True,\n)", True),
    ("remove_argument", "f(a='#', debug=True)\n", "f(a='#', debug=True)", True),  # built: the text may hold a comment
]


def _build(builder: str, ctx: ModuleContext, text: str) -> object:
    if builder.startswith(("called_with", "method_called")):
        node = _node(ctx, ast.Name if builder.startswith("called_with") else ast.Call, text)
        if builder.startswith("called_with"):
            return called_with(ctx, node, "stop=")
        return method_called(ctx, node, "options", "selectinload(A.b)")
    call = _node(ctx, ast.Call, text)
    function = next((node for node in ast.walk(ctx.tree) if isinstance(node, ast.AsyncFunctionDef)), None)
    if builder == "add_argument":
        return add_argument(ctx, call, "timeout=10")
    if builder == "add_argument, not arguments":
        return add_argument(ctx, call, "timeout=")
    if builder == "offload":
        return offload_to_threadpool(ctx, call, function)
    if builder == "awaited, renamed receiver":
        return awaited(ctx, call, function, callee="anyio.Path")
    assert builder == "remove_argument"
    return remove_argument(ctx, call, call.keywords[0])


@BOTH
@pytest.mark.parametrize(("builder", "code", "text", "exists"), CASES)
def test_a_builder_declines_alike_whether_fixes_are_built_or_counted(builder: str, code: str, text: str, exists: bool, fix_edits: bool):
    made = _build(builder, _context(code, fix_edits), text)
    assert (made is not None) is exists


@BOTH
def test_removing_a_decorator_it_does_not_have_is_no_fix(fix_edits: bool):
    ctx = _context("@app.get('/')\ndef f():\n    pass\n", fix_edits)
    function = ctx.tree.body[0]
    assert undecorated(ctx, function, 1) is None
    assert undecorated(ctx, function, 0) is not None


PROJECT = {
    "app.py": """
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/")
        async def root():
            return requests.get("https://example.com", timeout=3)
        """,
}


DEBUG_APP = {"app.py": "from fastapi import FastAPI\n\napp = FastAPI(\n    title='x',\n    debug=True,\n)\n"}


@pytest.mark.parametrize("files", [PROJECT, DEBUG_APP], ids=["offload", "remove-argument"])
def test_the_text_report_counts_fixes_without_importing_libcst(tmp_path: Path, files: dict[str, str]):
    write_files(tmp_path, files)
    probe = (
        "import sys\nfrom fastlint.cli import main\n"
        "try:\n    main(['check', '--no-cache', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print('libcst' in sys.modules)\n"
    )
    process = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "app.py")], capture_output=True, text=True)
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option" in process.stdout
    assert process.stdout.splitlines()[-1] == "False"


def _json(root: Path, *options: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["check", "--output-format", "json", *options, str(root)])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def test_a_run_that_shows_fixes_checks_again_what_a_counting_run_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_files(tmp_path, PROJECT)
    monkeypatch.chdir(tmp_path)
    expected = _json(tmp_path, "--no-cache")
    assert expected[0]["fix"]["edits"]  # type: ignore[index]
    counted = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert "1 hidden fix" in counted.output
    assert _json(tmp_path) == expected
    fixed = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", str(tmp_path)])
    assert "Found 1 error (1 fixed, 0 remaining)." in fixed.output
    assert "await run_in_threadpool(requests.get" in (tmp_path / "app.py").read_text()
