"""Qualified names from syntax alone: imports, aliases and the module's own definitions."""

from __future__ import annotations

import ast
import builtins
import os
from collections.abc import Container
from functools import cache
from pathlib import Path

from fastlint.analysis.syntax import descendants, module_statements, nodes_of, walk_local
from fastlint.knowledge.types import canonical_name

_BUILTINS = frozenset(dir(builtins))
_UNKNOWN = object()


def module_name_for(path: Path, root: Path) -> tuple[str, bool]:
    """The dotted module name of ``path`` and whether it is a package ``__init__``.

    Packages are found by walking up through ``__init__.py`` files, so a ``src/``
    layout and scripts outside packages both get the name they are imported by.
    """
    # String operations: a warm run names every file of the project, and Paths cost 3x.
    directory, filename = os.path.split(os.path.abspath(path))
    stem = os.path.splitext(filename)[0]
    is_package = stem == "__init__"
    parts = [*_package_parts(directory, str(root)), *([] if is_package else [stem])]
    if not parts:
        parts.append(os.path.basename(directory) or "__main__")
    return ".".join(parts), is_package


def package_parts_cache_clear() -> None:
    _package_parts.cache_clear()
    _top_package.cache_clear()


@cache
def _package_parts(directory: str, root: str) -> tuple[str, ...]:
    """The package names from the top package down to ``directory``.

    The top package is the highest folder, up to ``root``, that holds an ``__init__.py``.
    Folders below it without one are namespace portions that Python imports all the same
    (``open_webui/retrieval/web/utils.py`` is ``open_webui.retrieval.web.utils`` when only
    ``open_webui/`` has an ``__init__.py``).
    """
    top = _top_package(directory, root)
    if top is None:
        return ()
    return tuple(os.path.relpath(directory, os.path.dirname(top)).split(os.sep))


@cache
def _top_package(directory: str, root: str) -> str | None:
    """The highest folder from ``directory`` up to ``root`` with an ``__init__.py`` (one
    stat per folder, each folder asked once)."""
    parent = os.path.dirname(directory)
    above = _top_package(parent, root) if directory != root and parent != directory else None
    if above is not None:
        return above
    return directory if os.path.exists(os.path.join(directory, "__init__.py")) else None


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Resolve ``from ..x import y``'s module part against the importing module."""
    if level == 0:
        return target or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        parts.append(target)
    return ".".join(parts)


class NameTable:
    """Maps the names bound in one module to qualified names.

    Module-level imports bind for the whole module. An import inside a function binds
    only there (and in functions nested in it): ``from anyio import Path`` in one
    function leaves ``pathlib.Path`` in the others. A function-level import of a name
    the module binds nowhere else also counts module-wide, as a fallback (a
    function-level ``import requests`` is as common as a module-level one). Shadowing by
    a later local assignment is left to the type inference's scopes.
    """

    @classmethod
    def of(cls, tree: ast.Module, module: str, is_package: bool) -> NameTable:
        """The table of ``tree``, built once per tree (pass 1's summary and pass 2's
        context of one parse share it: the editor does both on each keystroke)."""
        table: NameTable | None = getattr(tree, "_fastlint_names", None)
        if table is None or table.module != module or table.is_package != is_package:
            table = cls(tree, module, is_package)
            tree._fastlint_names = table  # type: ignore[attr-defined]
        return table

    def __init__(self, tree: ast.Module, module: str, is_package: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.imports: dict[str, str] = {}
        self.definitions: dict[str, ast.AST] = {}
        self.assigned: set[str] = set()
        # id(Name node) -> qualified name, for names a function-level import binds
        self._scoped: dict[int, str] = {}
        self._attributes: dict[ast.AST, str | None] = {}
        for node in module_statements(tree):
            self._collect_top_level(node)
        functions = nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef)
        owned: dict[int, dict[str, str]] = {}
        local_ids: set[int] = set()
        for function in functions:
            for child in walk_local(function):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    local_ids.add(id(child))
                    self._bind_import(child, owned.setdefault(id(function), {}))
        for node in nodes_of(tree, ast.Import, ast.ImportFrom):
            if id(node) not in local_ids:
                self._bind_import(node, self.imports)
        fallback: dict[str, set[str]] = {}
        for function in functions:  # parents first: an inner function's import wins inside it
            bound = owned.get(id(function))
            if not bound:
                continue
            for name, target in bound.items():
                fallback.setdefault(name, set()).add(target)
            for child in descendants(function.body):
                if child.__class__ is ast.Name and child.id in bound:
                    self._scoped[id(child)] = bound[child.id]
        for name, targets in fallback.items():
            if len(targets) == 1 and name not in self.imports and name not in self.definitions and name not in self.assigned:
                self.imports[name] = targets.pop()

    def _collect_top_level(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.definitions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        self.assigned.add(name.id)

    def _bind_import(self, node: ast.Import | ast.ImportFrom, into: dict[str, str]) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    into[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    into.setdefault(head, head)
            return
        base = resolve_relative(self.module, self.is_package, node.level, node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            into[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    def is_imported(self, node: ast.Name) -> bool:
        """``node`` names an import, at module level or in its function."""
        return id(node) in self._scoped or node.id in self.imports

    def resolve_name(self, name: str) -> str | None:
        if name in self.imports:
            return canonical_name(self.imports[name])
        if name in self.definitions:
            return f"{self.module}.{name}"
        if name in _BUILTINS and name not in self.assigned:
            return f"builtins.{name}"
        return None

    def qualified_name(self, node: ast.AST) -> str | None:
        """``a.b.c`` with ``a`` resolved through imports; None for anything dynamic."""
        if isinstance(node, ast.Name):
            scoped = self._scoped.get(id(node))
            return canonical_name(scoped) if scoped is not None else self.resolve_name(node.id)
        if isinstance(node, ast.Attribute):
            # Asked again and again of the same calls (the summary, then each rule): kept
            # by node, which the entry keeps alive.
            known = self._attributes.get(node, _UNKNOWN)
            if known is not _UNKNOWN:
                return known  # type: ignore[return-value]
            base = self.qualified_name(node.value)
            found = canonical_name(f"{base}.{node.attr}") if base else None
            self._attributes[node] = found
            return found
        return None


def dotted_text(node: ast.AST) -> str | None:
    """``a.b.c`` as written, for names and attribute chains only."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_text(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def may_resolve_to(func: ast.expr, names: NameTable, methods: frozenset[str], table: Container[str]) -> bool:
    """A cheap test, before any type inference, that a call can name an entry of ``table``.

    ``methods`` holds the last segment of every entry: ``client.fetch()`` cannot be
    ``requests.Session.get``. A bare name must resolve through the imports or builtins.
    """
    if isinstance(func, ast.Attribute):
        if func.attr in methods:
            return True
        # A re-exported alias (``http.client.HTTPSConnection`` is ``http.client.HTTPConnection``).
        resolved = names.qualified_name(func)
        return resolved is not None and resolved in table
    if isinstance(func, ast.Name):
        resolved = names.qualified_name(func)
        return resolved is not None and resolved in table
    return True
