"""Everything the rules may ask about one module, computed once and shared by all rules."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from fastlint.analysis.fastapi_model import FastAPIModel
from fastlint.analysis.fastapi_roles import own_model
from fastlint.analysis.inference import TypeInference
from fastlint.analysis.names import NameTable
from fastlint.analysis.reachability import ONCE
from fastlint.analysis.syntax import FunctionNode, module_statements, nodes_of
from fastlint.finding import Finding, Fix, Position, Root
from fastlint.knowledge.tables import Knowledge
from fastlint.settings import Settings
from fastlint.source import SourceFile

T = TypeVar("T")

if TYPE_CHECKING:
    from fastlint.analysis.project_index import ProjectIndex


class ModuleContext:
    """What a rule may ask about the module it checks: the rules' API.

    - ``source``, ``tree`` (CPython ``ast``), ``module`` (its dotted name), ``path``, ``settings``;
    - ``names``: imports and aliases to qualified names (``names.qualified_name(node)``);
    - ``model``: the FastAPI model (routes, dependencies, middleware, lifespan, and the role
      of each function), with ``runs_on_loop(function)`` for "does this run on the event loop";
    - ``inference``: receiver types (``inference.callee(call.func, scope)``);
    - ``knowledge``: the tables of ``fastlint.knowledge`` with the configuration applied;
    - ``project``: the project index, for questions across modules (None for a snippet);
    - ``fact(key, compute)``: a value several rules share, computed once per module;
    - ``finding(code, node, message, ...)``: a finding with the node's exact range.

    Rules never parse, read files, walk the project or print: they ask this object.
    """

    def __init__(
        self,
        source: SourceFile,
        tree: ast.Module,
        module: str,
        is_package: bool,
        settings: Settings,
        knowledge: Knowledge,
        project: ProjectIndex | None = None,
        enabled_codes: frozenset[str] | None = None,
        *,
        fix_edits: bool = True,
    ) -> None:
        self.source = source
        self.tree = tree
        self.module = module
        self.settings = settings
        self.knowledge = knowledge
        self.project = project
        # The codes enabled for this file (None: all); a call chain is reported only if
        # the code of its final blocking call is among them.
        self.enabled_codes = enabled_codes
        # False: the run only counts fixes; the fix builders decide without libcst (``Fix.built``).
        self.fix_edits = fix_edits
        self.names = NameTable.of(tree, module, is_package)
        self._facts: dict[str, object] = {}

    @property
    def path(self) -> Path:
        return self.source.path

    @cached_property
    def model(self) -> FastAPIModel:
        model = own_model(self.tree, self.names)
        if self.project is not None:  # a function registered by another module has that role here
            model.add_registered(self.project.registered_roles(self.module), self.names.definitions)
        return model

    @cached_property
    def inference(self) -> TypeInference:
        external = self.project.call_result if self.project is not None else None
        aliases = self.project.type_alias if self.project is not None else None
        instances = self.project.instance_type if self.project is not None else None
        state = self.project.state_type if self.project is not None else None
        owners = self.model.owners
        return TypeInference(
            self.names,
            self.tree,
            lambda node: owners.get(node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None,
            external,
            aliases,
            instances,
            state,
        )

    @cached_property
    def async_functions(self) -> list[ast.AsyncFunctionDef]:
        return nodes_of(self.tree, ast.AsyncFunctionDef)

    def runs_on_loop(self, function: FunctionNode) -> bool:
        """Async code that may run while the server serves (startup only with
        ``check-startup``), as this module shows it: ask ``reached_only_once`` too before
        reporting, which rests on the whole project."""
        if not isinstance(function, ast.AsyncFunctionDef):
            return False
        return self.settings.check_startup or not self.model.runs_only_once(function)

    def runs_only_once(self, function: FunctionNode) -> bool:
        """Lifespan, startup and shutdown code, and code that only they (or CLI commands, or
        import-time code) reach, through any module (``fastlint.analysis.reachability``).
        A function FastAPI runs per request is never once-only, wherever it is defined."""
        return self.model.runs_only_once(function) or self.reached_only_once(function)

    def reached_only_once(self, function: FunctionNode) -> bool:
        """Whether only once-only code reaches ``function`` (never with ``check-startup``).
        The answer rests on every module of the project: rules ask it of a function they
        have something to report in, so that the other files settle without it."""
        if self.settings.check_startup or self.project is None or any(not role.once for role in self.model.roles_of(function)):
            return False
        local = self._top_level_names.get(function) or self._caller_top_level(function)
        return local is not None and self.project.reach(self.module).get(local) == ONCE

    def unserved(self, function: FunctionNode) -> bool:
        """Whether the whole project is indexed, serves something, and none of what it
        serves reaches ``function`` (``ProjectIndex.unserved``): never for a function
        FastAPI runs per request, nor without a project index."""
        if self.project is None or any(not role.once for role in self.model.roles_of(function)):
            return False
        local = self._top_level_names.get(function) or self._caller_top_level(function)
        return local is not None and self.project.unserved(self.module, local)

    @cached_property
    def _top_level_names(self) -> dict[ast.AST, str]:
        """Module-level functions and methods by the local name summaries give them."""
        found: dict[ast.AST, str] = {}
        for node in module_statements(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[node] = node.name
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        found[item] = f"{node.name}.{item.name}"
        return found

    def _caller_top_level(self, function: FunctionNode) -> str | None:
        """The module-level function or method around a nested function that calls it by
        name: the nested one runs when that one runs. One it only defines (a route or a
        callback it registers) may run at any later time."""
        line = function.lineno
        enclosing = [(node.lineno, node) for node in self._top_level_names if node.lineno <= line <= (node.end_lineno or node.lineno)]  # type: ignore[attr-defined]
        if not enclosing:
            return None
        top = max(enclosing, key=lambda item: item[0])[1]
        calls = (node for node in ast.walk(top) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name))
        return self._top_level_names[top] if any(call.func.id == function.name for call in calls) else None  # type: ignore[attr-defined]

    def fact(self, key: str, compute: Callable[[ModuleContext], T]) -> T:
        """A value several rules share (the blocking calls, say), computed on first use.

        ``key`` names the fact; every rule asking for it must pass the same ``compute``.
        """
        if key not in self._facts:
            self._facts[key] = compute(self)
        return cast(T, self._facts[key])

    # -- reporting ---------------------------------------------------------------------

    def position(self, line: int, utf8_column: int) -> Position:
        return Position(line, self.source.char_column(line, utf8_column))

    def finding(
        self,
        code: str,
        node: ast.AST,
        message: str,
        *,
        fix_title: str | None = None,
        suppressed_by: tuple[str, ...] = (),
        confidence: str = "high",
        fix: Fix | None = None,
        root: Root | None = None,
    ) -> Finding:
        start = self.position(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end_line = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        end = self.position(end_line, node.end_col_offset if node.end_col_offset is not None else node.col_offset)  # type: ignore[attr-defined]
        return Finding(
            code=code,
            message=message,
            path=str(self.path),
            start=start,
            end=end,
            fix_title=fix_title,
            suppressed_by=suppressed_by,
            confidence=confidence,
            fix=fix if fix is None or self.fix_edits else Fix((), fix.applicability, fix.message, built=False),
            root=root,
        )

    def text_of(self, node: ast.AST) -> str:
        """The source text of ``node`` (``ast.get_source_segment``, which splits the whole
        file again at each call: slicing the file's lines instead)."""
        try:
            line, end_line = node.lineno - 1, node.end_lineno  # type: ignore[attr-defined]
            column, end_column = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return ""
        if end_line is None or end_column is None:
            return ""
        lines = self._lines_with_ends
        if not 0 <= line < end_line <= len(lines):
            return ""
        if end_line - 1 == line:
            segment: str = lines[line].encode()[column:end_column].decode()
            return segment
        first = lines[line].encode()[column:].decode()
        last = lines[end_line - 1].encode()[:end_column].decode()
        return "".join([first, *lines[line + 1 : end_line - 1], last])

    @cached_property
    def _lines_with_ends(self) -> list[str]:
        """The lines with their endings, split on ``\r\n``, ``\r`` and ``\n`` as ``ast`` does."""
        parts = _LINE_ENDS.split(self.source.text)
        lines = ["".join(parts[index : index + 2]) for index in range(0, len(parts), 2)]
        if lines and lines[-1] == "":
            lines.pop()
        return lines


_LINE_ENDS = re.compile(r"(\r\n|\r|\n)")
