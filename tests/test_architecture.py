"""The package's import graph: no cycles, imports flow one way, rules use the rules' API.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a
cycle hidden in a function still makes the design one knot.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fastlint

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"fastlint": REPO / "fastlint", "fastlint.rules": REPO / "rules"}

# Lower layers never import higher ones (a layer may import itself and anything below).
LAYERS: list[tuple[str, ...]] = [
    # basic types and the knowledge tables
    ("fastlint.finding", "fastlint.settings", "fastlint.rule_meta", "fastlint.source", "fastlint.digests", "fastlint.knowledge"),
    ("fastlint.analysis",),
    # the rules' API: what ``fastlint`` exports, the Rule base class, the fix builders
    ("fastlint.__init__", "fastlint.rule", "fastlint.fixing.edits", "fastlint.fixing.imports", "fastlint.fixing.codemods", "fastlint.fixing.arguments"),
    ("fastlint.rules",),
    ("fastlint.run", "fastlint.fixing", "fastlint.output"),
    ("fastlint.cli", "fastlint.integrations", "fastlint.docs", "fastlint.testing", "fastlint.__main__"),
]


def module_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__" and parts[:-1]:
                parts = parts[:-1]
            found[".".join((package, *parts)) if parts != ("__init__",) else package] = path
    return found


MODULES = module_files()


def imports_of(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from package import submodule`` imports the submodule; other names come from ``module``.
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in MODULES)
    found.discard(name)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def layer(name: str) -> int:
    key = "fastlint.__init__" if name == "fastlint" else name
    best = [(len(prefix), index) for index, prefixes in enumerate(LAYERS) for prefix in prefixes if key == prefix or key.startswith(prefix + ".")]
    assert best, f"{name} is in no layer: add it to LAYERS"
    return max(best)[1]


def test_the_import_graph_has_no_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert cycles == []


def test_imports_flow_from_front_ends_down_to_knowledge() -> None:
    upward = sorted(f"{source} -> {target}" for source, targets in GRAPH.items() for target in targets if layer(target) > layer(source))
    assert upward == []


def test_rules_import_only_the_rules_api_the_knowledge_and_their_helpers() -> None:
    allowed = {"fastlint"}
    wrong = sorted(
        f"{source} -> {target}"
        for source, targets in GRAPH.items()
        if source.startswith("fastlint.rules.")
        for target in targets
        if not (target in allowed or target.startswith(("fastlint.knowledge", "fastlint.rules._")))
    )
    assert wrong == []


def test_every_exported_name_exists_where_the_export_table_says() -> None:
    import importlib

    for name, module in fastlint._EXPORTS.items():
        assert hasattr(importlib.import_module(module), name), f"fastlint.{name} is not in {module}"
    assert "ModuleContext" in fastlint.__all__


def test_the_graph_sees_function_level_type_checking_and_relative_imports() -> None:
    """The test above would pass on an empty graph: show that it sees every kind of import."""
    assert "fastlint.analysis.context" in GRAPH["fastlint.rule"]  # under TYPE_CHECKING
    assert "fastlint.rules._blocking" in GRAPH["fastlint.rules.blocking_http_call_in_async"]  # relative
    assert "fastlint.run.config" in GRAPH["fastlint.fixing.policy"]  # inside a function
    assert "fastlint" in GRAPH["fastlint.rules.blocking_http_call_in_async"]
