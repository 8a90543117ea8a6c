"""Qualified names from syntax alone: imports, aliases and the module's own definitions."""

from __future__ import annotations

import ast
import builtins
from ast import AST, AnnAssign, Assign, AsyncFunctionDef, Attribute, AugAssign, ClassDef, FunctionDef, Import, ImportFrom, Module, Name
from collections.abc import Container

# Re-exported: a module's name from its path lives apart, so that a run answered from the
# cache names its files without importing the analysis.
from fastlint.analysis.module_names import module_name_for as module_name_for, package_parts_cache_clear as package_parts_cache_clear
from fastlint.analysis.syntax import descendants, local_nodes_of, module_statements, nodes_of
from fastlint.knowledge.types import canonical_name

_BUILTINS = frozenset(dir(builtins))
_UNKNOWN = object()


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
    def of(cls, tree: Module, module: str, is_package: bool) -> NameTable:
        """The table of ``tree``, built once per tree (pass 1's summary and pass 2's
        context of one parse share it: the editor does both on each keystroke)."""
        table: NameTable | None = tree.__dict__.get("_fastlint_names")
        if table is None or table.module != module or table.is_package != is_package:
            table = cls(tree, module, is_package)
            tree._fastlint_names = table  # type: ignore[attr-defined]
        return table

    def __init__(self, tree: Module, module: str, is_package: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.imports: dict[str, str] = {}
        self.definitions: dict[str, AST] = {}
        self.assigned: set[str] = set()
        # id(Name node) -> qualified name, for names a function-level import binds
        self._scoped: dict[int, str] = {}
        self._dotted: set[str] = set()  # ``import a.b.c``: the whole name (``imports`` maps ``a``)
        self._attributes: dict[AST, str | None] = {}
        self._packages: dict[tuple[str, ...], bool] = {}
        self._resolved: dict[str, str | None] = {}
        top_imports = 0
        for node in module_statements(tree):
            self._collect_top_level(node)
            if type(node) is Import or type(node) is ImportFrom:
                top_imports += 1
        imports = nodes_of(tree, Import, ImportFrom)
        # Only a module with imports below its top level (function-level ones) has
        # functions worth scanning for them.
        functions = nodes_of(tree, FunctionDef, AsyncFunctionDef) if len(imports) > top_imports else []
        owned: dict[int, dict[str, str]] = {}
        local_ids: set[int] = set()
        for function in functions:
            for child in local_nodes_of(function, Import, ImportFrom):
                local_ids.add(id(child))
                self._bind_import(child, owned.setdefault(id(function), {}))
        for node in imports:
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
                if type(child) is Name and child.id in bound:
                    self._scoped[id(child)] = bound[child.id]
        for name, targets in fallback.items():
            if len(targets) == 1 and name not in self.imports and name not in self.definitions and name not in self.assigned:
                self.imports[name] = targets.pop()

    def _collect_top_level(self, node: ast.stmt) -> None:
        if isinstance(node, (FunctionDef, AsyncFunctionDef, ClassDef)):
            self.definitions[node.name] = node
        elif isinstance(node, (Assign, AnnAssign, AugAssign)):
            targets = node.targets if isinstance(node, Assign) else [node.target]
            for target in targets:
                if type(target) is Name:  # most are: no walk
                    self.assigned.add(target.id)
                    continue
                for name in ast.walk(target):
                    if isinstance(name, Name):
                        self.assigned.add(name.id)

    def _bind_import(self, node: Import | ImportFrom, into: dict[str, str]) -> None:
        if isinstance(node, Import):
            for alias in node.names:
                if alias.asname:
                    into[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    into.setdefault(head, head)
                    if head != alias.name:
                        self._dotted.add(alias.name)
            return
        base = resolve_relative(self.module, self.is_package, node.level, node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            into[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name

    def may_name(self, packages: tuple[str, ...]) -> bool:
        """Whether a name of this module can resolve into one of ``packages`` (``("sqlalchemy",
        "sqlmodel")``): the module is in one, or imports from one. A quick test before asking
        every call of a module whether it is one of their functions."""
        known = self._packages.get(packages)
        if known is None:
            prefixes = tuple(package + "." for package in packages)
            known = self._packages[packages] = any(
                name in packages or name.startswith(prefixes)
                for name in (self.module, *self.imports.values(), *self._scoped.values())
            )
        return known

    def other_imports(self) -> tuple[str, ...]:
        """The imported names that ``imports`` does not map (see ``ModuleSummary.other_imports``)."""
        return tuple(sorted({*self._scoped.values(), *self._dotted}.difference(self.imports.values())))

    def is_imported(self, node: Name) -> bool:
        """``node`` names an import, at module level or in its function."""
        return id(node) in self._scoped or node.id in self.imports

    def resolve_name(self, name: str) -> str | None:
        """What a module-level ``name`` stands for (asked of every name of every call: kept)."""
        known = self._resolved.get(name, _UNKNOWN)
        if known is _UNKNOWN:
            known = self._resolved[name] = self._resolve(name)
        return known  # type: ignore[return-value]

    def _resolve(self, name: str) -> str | None:
        if name in self.imports:
            return canonical_name(self.imports[name])
        if name in self.definitions:
            return f"{self.module}.{name}"
        if name in _BUILTINS and name not in self.assigned:
            return f"builtins.{name}"
        return None

    def qualified_name(self, node: AST) -> str | None:
        """``a.b.c`` with ``a`` resolved through imports; None for anything dynamic."""
        if type(node) is Name:
            if self._scoped:
                scoped = self._scoped.get(id(node))
                if scoped is not None:
                    return canonical_name(scoped)
            resolved = self._resolved.get(node.id, _UNKNOWN)  # ``resolve_name`` without its call
            return self.resolve_name(node.id) if resolved is _UNKNOWN else resolved  # type: ignore[return-value]
        if isinstance(node, Attribute):
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


def dotted_text(node: AST) -> str | None:
    """``a.b.c`` as written, for names and attribute chains only."""
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Attribute):
        base = dotted_text(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def may_resolve_to(func: ast.expr, names: NameTable, methods: frozenset[str], table: Container[str]) -> bool:
    """A cheap test, before any type inference, that a call can name an entry of ``table``.

    ``methods`` holds the last segment of every entry: ``client.fetch()`` cannot be
    ``requests.Session.get``. A bare name must resolve through the imports or builtins.
    """
    if isinstance(func, Attribute):
        if func.attr in methods:
            return True
        # A re-exported alias (``http.client.HTTPSConnection`` is ``http.client.HTTPConnection``).
        resolved = names.qualified_name(func)
        return resolved is not None and resolved in table
    if isinstance(func, Name):
        resolved = names.qualified_name(func)
        return resolved is not None and resolved in table
    return True
