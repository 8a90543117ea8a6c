"""``fastlint routes``: the route map of a project, with the findings each route reaches.

The run object loads the settings, discovers the files and checks them; the project's
modules are parsed once more to build the map (``fastlint.analysis.routes``) on the
project index the check built. A finding is reachable from a route when it lies in code
FastAPI runs for that route: the handler, its dependencies, middleware, background tasks,
streamed generators, and every project function they call (through the index's chains).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastlint.analysis.module_names import dotted_prefixes

if TYPE_CHECKING:
    from fastlint.analysis.project_index import ProjectIndex
    from fastlint.analysis.routes import ModuleSource, Route
    from fastlint.finding import Finding
    from fastlint.run.engine import RunResult
    from fastlint.run.session import Session


@dataclass
class RoutedFinding:
    finding: Finding
    routes: list[Route] = field(default_factory=list)


@dataclass
class RouteReport:
    routes: list[Route]
    findings: dict[int, list[Finding]]  # id(route) -> findings reachable from it
    sources: dict[str, str]
    root: Path
    files_checked: int = 0
    warnings: list[str] = field(default_factory=list)

    def findings_of(self, route: Route) -> list[Finding]:
        return self.findings.get(id(route), [])


def family(code: str) -> str:
    """``FL103`` -> ``FL1xx``."""
    return code[:3] + "xx" if len(code) == 5 else code


def family_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[family(finding.code)] = counts.get(family(finding.code), 0) + 1
    return dict(sorted(counts.items()))


def parse_modules(
    files: Iterable[Path], root: Path, sources: Mapping[str, str] | None = None, index: ProjectIndex | None = None
) -> list[ModuleSource]:
    """Every file that can be read, as a module of the project, parsed when first needed
    (a file that does not read or parse is FL001's), with the imports the index's summary
    of it recorded when that summary is its own."""
    from fastlint.analysis.module_names import module_name_for
    from fastlint.analysis.routes import ModuleSource
    from fastlint.source import SourceError, read_source

    modules: list[ModuleSource] = []
    for path in files:
        text = (sources or {}).get(str(path))
        try:
            modules.append(ModuleSource(str(path), *module_name_for(path, root), text if text is not None else read_source(path).text))
        except (SourceError, OSError):
            continue
    if index is not None:
        _give_summary_imports(modules, index)
    return modules


def _give_summary_imports(modules: list[ModuleSource], index: ProjectIndex) -> None:
    """Give each module the imports pass 1's summary of its text recorded (the run read the
    same file), unless another file has its name (the index holds one summary a name)."""
    named: dict[str, int] = {}
    for source in modules:
        named[source.module] = named.get(source.module, 0) + 1
    for source in modules:
        summary = index.modules.get(source.module) if named[source.module] == 1 else None
        if summary is not None and summary.is_package == source.is_package:
            source.imports = summary.imports


def route_map(
    session: Session,
    files: Sequence[Path],
    index: ProjectIndex | None,
    sources: Mapping[str, str] | None = None,
    within: Iterable[str] | None = None,
    span_files: Iterable[str] | None = None,
    unordered: bool = False,
) -> list[Route]:
    """The routes of the project ``files`` belong to, limited to those whose endpoint or
    application lies in ``files``, outside test and tooling code. ``within``: the only
    files of the project to look at (a partial index's); ``unordered``: the routes are
    wanted as a set (``RouteMap``'s)."""
    root = session.settings.project_root
    if within is None:
        project = {str(path): path for path in session.discover([root]).files}
    else:
        project = {path: Path(path) for path in sorted(within)}
    named = {str(path) for path in files}
    for path in files:
        project.setdefault(str(path), path)
    from fastlint.analysis.routes import RouteMap

    modules = parse_modules(project.values(), root, sources, index)
    from fastlint.run.collector import collector_paused
    from fastlint.run.config import unreported_path

    # The map parses modules next to the run's index, as the check does: with the
    # collector on, its scans took half of the map's time (langflow: 3.8 s, 1.8 s without).
    with collector_paused():
        routes = RouteMap(modules, index, None if span_files is None else set(span_files), unordered).routes()
    by_module = {module.module: module.path for module in modules}
    # Test and tooling code (``test-paths``, ``tooling-paths``) serves no one: left out
    # unless ``check-test-paths``, as for findings.
    served = [route for route in routes if unreported_path(session.settings, Path(route.filename)) is None]
    return [route for route in served if route.filename in named or _app_file(route, by_module) in named]


def _app_file(route: Route, by_module: Mapping[str, str]) -> str | None:
    if route.app is None:
        return None
    return next((by_module[prefix] for prefix in dotted_prefixes(route.app) if by_module.get(prefix)), None)


def attach(routes: Sequence[Route], findings: Iterable[Finding]) -> dict[int, list[Finding]]:
    """The findings reachable from each route (by id of the route)."""
    attached: dict[int, list[Finding]] = {id(route): [] for route in routes}
    for finding in findings:
        for route in routes:
            if route.reaches(finding.path, finding.start.line):
                attached[id(route)].append(finding)
    return attached


_SPANS_FILE = "route-spans.json"


def finding_routes(session: Session, files: Sequence[Path], result: RunResult, findings: Sequence[Finding]) -> dict[int, list[str]]:
    """For ``check --output-format json``: by id of each finding, the routes it is reachable
    from. The routes' spans are cached under the key of every project file's size and
    modification time, so a warm run maps no route and imports no analysis."""
    if not findings:
        return {}
    settings = session.settings
    if result.partial_index is not None:  # the routes the import closure holds, never cached
        index = result.index()
        if index is not None:
            index.stop_loading()  # the routes of the modules the check loaded, not more
        within = index.parsed_files if index is not None else ()
        closure = route_map(session, files, index, result.sources, within=within, span_files=[finding.path for finding in findings], unordered=True)
        return _routes_by_finding([(route.label, list(route.spans)) for route in closure], findings)
    project = sorted({str(path) for path in session.discover([settings.project_root]).files} | {str(path) for path in files})
    cache_file = (settings.cache_dir or settings.project_root / ".fastlint_cache") / _SPANS_FILE if settings.cache else None
    # Only the spans in the files that hold findings are mapped (and cached, under their names too).
    span_files = sorted({finding.path for finding in findings})
    key = _spans_key(project, files, span_files)
    spans = _read_spans(cache_file, key) if cache_file is not None else None
    if spans is None:
        routes = route_map(session, files, result.index(), result.sources, span_files=span_files, unordered=True)
        spans = [(route.label, list(route.spans)) for route in routes]
        if cache_file is not None:
            _write_spans(cache_file, key, spans)
    return _routes_by_finding(spans, findings)


def _routes_by_finding(spans: list[tuple[str, list[tuple[str, int, int]]]], findings: Sequence[Finding]) -> dict[int, list[str]]:
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for label, route_spans in spans:
        for path, start, end in route_spans:
            by_file.setdefault(path, []).append((int(start), int(end), label))
    return {
        id(finding): sorted({label for start, end, label in by_file.get(finding.path, ()) if start <= finding.start.line <= end})
        for finding in findings
    }


def _spans_key(project: Sequence[str], files: Sequence[Path], span_files: Sequence[str] = ()) -> str:
    from fastlint import __version__
    from fastlint.digests import value_digest

    stats = []
    for path in project:
        try:
            info = os.stat(path)
        except OSError:
            continue
        stats.append((path, info.st_size, info.st_mtime_ns))
    return value_digest([__version__, stats, sorted(str(path) for path in files), list(span_files)])


def _read_spans(cache_file: Path, key: str) -> list[tuple[str, list[tuple[str, int, int]]]] | None:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    return [(label, [(str(path), int(start), int(end)) for path, start, end in spans]) for label, spans in data["routes"]]


def _write_spans(cache_file: Path, key: str, spans: list[tuple[str, list[tuple[str, int, int]]]]) -> None:
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"key": key, "routes": spans}), encoding="utf-8")
        os.replace(temporary, cache_file)
    except OSError:
        pass  # a cache that cannot be written is only slower


def build_report(session: Session, paths: Sequence[Path]) -> RouteReport:
    found = session.discover(paths)
    result = session.check(found.files)
    routes = route_map(session, found.files, result.index(), result.sources, span_files=[finding.path for finding in result.findings])
    return RouteReport(
        routes,
        attach(routes, result.findings),
        dict(result.sources),
        session.settings.project_root,
        result.files_checked,
        [*session.warnings, *found.warnings, *result.warnings],
    )


def render_report(paths: Sequence[Path], fmt: str, config_path: Path | None, overrides: Mapping[str, object]) -> tuple[str, list[str]]:
    """The route map of ``paths`` in ``fmt`` (text, json, html), and the warnings of the run."""
    from fastlint.run.session import Session

    session = Session.load(paths, config_path, overrides)
    report = build_report(session, paths)
    if fmt == "json":
        from fastlint.output.routes_json import render
    elif fmt == "html":
        from fastlint.output.routes_html import render as render_html

        return render_html(report.routes, report.findings_of, report.root, report.sources), report.warnings
    else:
        from fastlint.output.routes_text import render
    return render(report.routes, report.findings_of, report.root), report.warnings
