"""The route map as a text tree, one block per route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from fastlint.analysis.routes import Callee, Dependency, Route
from fastlint.finding import Finding
from fastlint.output._common import relative_path


def _where(path: str | None, line: int | None, root: Path) -> str:
    if not path:
        return ""
    return f"  {relative_path(path, root)}" + (f":{line}" if line else "")


def _dependency_lines(dependency: Dependency, root: Path, depth: int) -> list[str]:
    notes = [dependency.source] if dependency.source != "parameter" else []
    if dependency.kind not in ("function",):
        notes.append(dependency.kind)
    if dependency.teardown:
        notes.append("yield: tears down after the response")
    if dependency.scope:
        notes.append(f"scope={dependency.scope}")
    if dependency.scopes:
        notes.append("scopes=" + ",".join(dependency.scopes))
    note = f" ({'; '.join(notes)})" if notes else ""
    lines = ["    " + "  " * depth + f"{dependency.name} [{dependency.runs_on}]{note}{_where(dependency.filename, dependency.line, root)}"]
    for child in dependency.dependencies:
        lines.extend(_dependency_lines(child, root, depth + 1))
    return lines


def _callee_line(callee: Callee, root: Path) -> str:
    kind = f" ({callee.kind})" if "(" in callee.kind else ""
    return f"    {callee.name} [{callee.runs_on}]{kind}{_where(callee.filename, callee.line, root)}"


def render_route(route: Route, findings: Sequence[Finding], root: Path) -> list[str]:
    lines = [f"{route.label}  {route.name} [{route.runs_on}]  {relative_path(route.filename, root)}:{route.line}"]
    if route.response_model:
        lines.append(f"  response model: {route.response_model}")
    if route.dependencies:
        lines.append("  dependencies:")
        for dependency in route.dependencies:
            lines.extend(_dependency_lines(dependency, root, 0))
    for title, callees in (
        ("middleware (outermost first)", route.middleware),
        ("background tasks", route.background_tasks),
        ("streams", route.streams),
        ("exception handlers", route.exception_handlers),
    ):
        if callees:
            lines.append(f"  {title}:")
            lines.extend(_callee_line(callee, root) for callee in callees)
    if findings:
        counts: dict[str, int] = {}
        for finding in findings:
            family = finding.code[:3] + "xx"
            counts[family] = counts.get(family, 0) + 1
        summary = ", ".join(f"{family}: {count}" for family, count in sorted(counts.items()))
        lines.append(f"  findings: {len(findings)} ({summary})")
        for finding in findings:
            location = f"{relative_path(finding.path, root)}:{finding.start.line}:{finding.start.column}"
            lines.append(f"    {finding.code} {location} {finding.message}")
    return lines


def render(routes: Sequence[Route], findings_of: Callable[[Route], Sequence[Finding]], root: Path) -> str:
    blocks = ["\n".join(render_route(route, findings_of(route), root)) for route in routes]
    loop = sum(route.runs_on == "loop" for route in routes)
    threadpool = sum(route.runs_on == "threadpool" for route in routes)
    reaching = [route for route in routes if findings_of(route)]
    distinct = {id(finding) for route in routes for finding in findings_of(route)}
    summary = (
        f"{len(routes)} route{'' if len(routes) == 1 else 's'}: {loop} on the event loop, {threadpool} in the threadpool"
        + (f", {len(routes) - loop - threadpool} unknown" if len(routes) - loop - threadpool else "")
        + f"; {len(reaching)} reach {len(distinct)} finding{'' if len(distinct) == 1 else 's'}"
    )
    return "\n\n".join([*blocks, summary]) + "\n"
