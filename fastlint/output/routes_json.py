"""The route map as JSON: a list of routes, described by ``docs/routes.schema.json``.

Paths are relative to the project root, in POSIX form, as in the other machine formats
that CI services read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastlint.analysis.routes import Callee, Dependency, Route
from fastlint.finding import Finding
from fastlint.output._common import relative_path

SCHEMA_VERSION = 1


def _family(code: str) -> str:
    return code[:3] + "xx" if len(code) == 5 else code


def _path(path: str | None, root: Path) -> str | None:
    return relative_path(path, root) if path else None


def dependency_dict(dependency: Dependency, root: Path) -> dict[str, Any]:
    return {
        "name": dependency.name,
        "qualified_name": dependency.qualified,
        "runs_on": dependency.runs_on,
        "kind": dependency.kind,
        "source": dependency.source,
        "scope": dependency.scope,
        "scopes": list(dependency.scopes),
        "teardown": dependency.teardown,
        "filename": _path(dependency.filename, root),
        "line": dependency.line,
        "dependencies": [dependency_dict(child, root) for child in dependency.dependencies],
    }


def callee_dict(callee: Callee, root: Path) -> dict[str, Any]:
    return {
        "name": callee.name,
        "qualified_name": callee.qualified,
        "runs_on": callee.runs_on,
        "kind": callee.kind,
        "filename": _path(callee.filename, root),
        "line": callee.line,
    }


def finding_dict(finding: Finding, root: Path) -> dict[str, Any]:
    return {
        "code": finding.code,
        "filename": relative_path(finding.path, root),
        "line": finding.start.line,
        "column": finding.start.column,
        "message": finding.message,
    }


def route_dict(route: Route, findings: Sequence[Finding], root: Path) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[_family(finding.code)] = counts.get(_family(finding.code), 0) + 1
    return {
        "method": route.methods[0] if route.methods else "WEBSOCKET",
        "methods": list(route.methods),
        "path": route.path,
        "name": route.name,
        "kind": route.kind,
        "function": route.function,
        "filename": relative_path(route.filename, root),
        "line": route.line,
        "runs_on": route.runs_on,
        "app": route.app,
        "response_model": route.response_model,
        "dependencies": [dependency_dict(dependency, root) for dependency in route.dependencies],
        "middleware": [callee_dict(callee, root) for callee in route.middleware],
        "exception_handlers": [callee_dict(callee, root) for callee in route.exception_handlers],
        "background_tasks": [callee_dict(callee, root) for callee in route.background_tasks],
        "streams": [callee_dict(callee, root) for callee in route.streams],
        "findings": [finding_dict(finding, root) for finding in findings],
        "finding_counts": dict(sorted(counts.items())),
    }


def route_dicts(routes: Sequence[Route], findings_of: Callable[[Route], Sequence[Finding]], root: Path) -> list[dict[str, Any]]:
    return [route_dict(route, findings_of(route), root) for route in routes]


def render(routes: Sequence[Route], findings_of: Callable[[Route], Sequence[Finding]], root: Path) -> str:
    return json.dumps(route_dicts(routes, findings_of, root), indent=2, ensure_ascii=False) + "\n"
