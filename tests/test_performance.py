"""The fast paths of the analysis give the same answers as the plain ones they replace
(issue 16). No test here is timed: each checks behaviour."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastlint.analysis import syntax
from fastlint.analysis.context import ModuleContext
from fastlint.knowledge.tables import Knowledge
from fastlint.settings import Settings
from fastlint.source import decode_source

TRICKY = (
    "import os\r\n"
    "x = (1,\r\n    2)  # CRLF\r\n"
    "y = f(a,\r  b)\r"  # CR only
    's = "\u00e9t\u00e9" + g(\n    "\u4e2d",\n)\n'
    "class C(Base, metaclass=M):\n"
    "    @dec(lambda q=1: q)\n"
    "    def m(self, a=[i for i in range(3)], *, b=lambda: 0):\n"
    "        def inner(c=h()):\n"
    "            return [k async for k in c]\n"
    "        return inner\n"
    "\f\n"
    "z = {**d, 'k': [v for v in w if v]}\n"
)


def _context(text: str) -> tuple[ModuleContext, ast.Module]:
    source = decode_source(Path("m.py"), text.encode("utf-8"))
    tree = ast.parse(source.data)
    settings = Settings()
    return ModuleContext(source, tree, "m", False, settings, Knowledge.from_settings(settings)), tree


def test_text_of_is_the_source_segment_of_every_node():
    ctx, tree = _context(TRICKY)
    nodes = [node for node in ast.walk(tree) if getattr(node, "end_lineno", None) is not None]
    assert len(nodes) > 50
    for node in nodes:
        assert ctx.text_of(node) == ast.get_source_segment(ctx.source.text, node), ast.dump(node)
    assert ctx.text_of(ast.Name("x")) == ""  # no position: no text


def _plain_walk_local(node: ast.AST) -> list[ast.AST]:
    return list(syntax._walk_local(node))


def _by_type(nodes: list[ast.AST]) -> dict[type, list[int]]:
    found: dict[type, list[int]] = {}
    for node in nodes:
        found.setdefault(type(node), []).append(id(node))
    return found


def _preorder(node: ast.AST) -> list[ast.AST]:
    return [node, *(inner for child in syntax.children(node) for inner in _preorder(child))]


def test_one_traversal_lists_what_walking_each_scope_lists():
    tree = ast.parse(TRICKY.replace("\r\n", "\n").replace("\r", "\n"))
    buckets = syntax._index_tree(tree)  # every node, and each scope's walk_local list and buckets kept on it
    order = buckets[None]
    assert [id(node) for node in order] == [id(node) for node in _preorder(tree)]
    expected = [node for node in ast.walk(tree) if not isinstance(node, ast.expr_context)]
    assert {id(node) for node in order} == {id(node) for node in expected}
    assert {kind: [id(node) for node in nodes] for kind, nodes in buckets.items() if kind is not None} == _by_type(order)
    scopes = [tree, *(node for node in ast.walk(tree) if isinstance(node, syntax.SCOPE_NODES))]
    assert len(scopes) == 6  # the module, C, m, inner and two lambdas
    for scope in scopes:
        plain = _plain_walk_local(scope)
        assert [id(node) for node in scope._fastlint_local] == [id(node) for node in plain], ast.dump(scope)[:60]
        assert {kind: [id(node) for node in nodes] for kind, nodes in scope._fastlint_kinds.items()} == _by_type(plain), ast.dump(scope)[:60]


def test_children_skip_fields_that_hold_no_node():
    call = ast.parse("obj.attr(a, *b, key=c)").body[0].value
    assert [type(node).__name__ for node in syntax.children(call)] == ["Attribute", "Name", "Starred", "keyword"]
    assert syntax.children(ast.parse("1").body[0].value) == []


OFFLOAD_APP = """\
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root():
    return requests.get("https://example.com", timeout=3)
"""

PROBE = """
import sys
from pathlib import Path
from fastlint.run.engine import Checker, CheckPlan
from fastlint.settings import Settings
root = Path(sys.argv[1])
result = Checker(CheckPlan(Settings(project_root=root), frozenset({"FL101"}))).check_file(root / "app.py")
print([(f.code, f.fix is not None) for f in result.findings])
print(sorted(name for name in sys.modules if name.startswith("libcst")))
"""


def test_building_an_offload_fix_does_not_import_libcst_matchers(tmp_path: Path):
    """``libcst.matchers`` costs each worker 0.2 s to import; the codemod does without it."""
    (tmp_path / "app.py").write_text(OFFLOAD_APP)
    process = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    findings, modules = process.stdout.splitlines()
    assert findings == "[('FL101', True)]"
    assert "'libcst'" in modules and "libcst.matchers" not in modules


@pytest.mark.parametrize("debug", ["True", "False"])
def test_debug_branches_are_only_looked_for_when_a_call_sets_debug(debug: str):
    """FL502 unparses every ``if`` test looking for a debug switch: only when needed."""
    from fastlint.rules import debug_mode_enabled

    calls = []
    original = debug_mode_enabled._debug_branches

    def counted(tree: ast.Module) -> set[int]:
        calls.append(tree)
        return original(tree)

    text = textwrap.dedent(f"""\
        from fastapi import FastAPI

        if settings.debug:
            pass
        app = FastAPI(debug={debug})
    """)
    ctx, _ = _context(text)
    rule = debug_mode_enabled.DebugModeEnabled(ctx.settings)
    mp = pytest.MonkeyPatch()
    mp.setattr(debug_mode_enabled, "_debug_branches", counted)
    try:
        found = list(rule.check(ctx))
    finally:
        mp.undo()
    assert [finding.code for finding in found] == (["FL502"] if debug == "True" else [])
    assert len(calls) == (1 if debug == "True" else 0)


CACHED_HELPER = """\
import requests
from fastapi import FastAPI

app = FastAPI()
_PROFILES = {}


def profile(user):
    hit = _PROFILES.get(user)
    if hit is not None:
        return hit
    _PROFILES[user] = requests.get(f"https://example.com/{user}", timeout=3).json()
    return _PROFILES[user]


@app.get("/{user}")
async def read(user: str):
    return requests.get(f"https://example.com/{user}", timeout=3).json() | profile(user)
"""


def _fixture_or_written(app: str, tmp_path: Path) -> Path:
    if app == "cached_helper":
        (tmp_path / "app.py").write_text(CACHED_HELPER)
        return tmp_path
    return Path(__file__).parent / "fixtures" / app


@pytest.mark.parametrize("app", ["orm_app", "async_sqlalchemy_app", "service_app", "resilience_app", "response_model_app", "chains", "cached_helper"])
def test_a_check_leaves_no_cycles_behind(app: str, tmp_path: Path):
    """Workers never run the cyclic collector (a collection scans every object made since
    the last one): each file's trees, contexts and rule facts must be freed by reference
    counts alone once it is checked."""
    import gc

    from fastlint.analysis.context import ModuleContext
    from tests.projects import check_paths

    root = _fixture_or_written(app, tmp_path)
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*.py"))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = check_paths(root, files, cache=False)
        gc.collect()
        left = [type(found).__name__ for found in gc.garbage if isinstance(found, (ast.AST, ModuleContext)) or type(found).__module__.startswith(("fastlint", "rules"))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert result.findings, "the fixture exercises the rules"
    assert left == []


def _closure_cycles(tree: ast.Module) -> list[str]:
    """Functions nested in a function that reach themselves through the names of the
    functions nested beside them (a reference cycle: function, closure cell, function)."""
    found = []
    for outer in ast.walk(tree):
        if not isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nested = {node.name: node for node in ast.walk(outer) if node is not outer and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        calls = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in nested} for name, node in nested.items()}
        for name in nested:
            seen: set[str] = set()
            pending = list(calls[name])
            while pending:
                callee = pending.pop()
                if callee == name:
                    found.append(f"{outer.name}.<locals>.{name}")
                    break
                if callee not in seen:
                    seen.add(callee)
                    pending.extend(calls[callee])
    return found


def _made_once(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated with ``functools.cache``: its body runs once (a class made there, once)."""
    return any(ast.unparse(decorator) in ("functools.cache", "cache") for decorator in function.decorator_list)


def test_no_function_of_the_analysis_makes_a_reference_cycle_each_call():
    """A nested function that calls itself (or a class defined in a function body, unless
    that body runs once) is a cycle made on every call, which keeps what it refers to (a file's tree) alive in a
    worker that never collects: such helpers live at module level."""
    root = Path(__file__).parent.parent
    offenders = []
    for path in sorted([*(root / "fastlint").rglob("*.py"), *(root / "rules").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(root)}: {name}" for name in _closure_cycles(tree)]
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _made_once(function):
                offenders += [f"{path.relative_to(root)}: class {node.name} in {function.name}" for node in ast.walk(function) if isinstance(node, ast.ClassDef)]
    assert offenders == []
