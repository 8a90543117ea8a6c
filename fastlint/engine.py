"""One run: discover, read, parse, analyse with every enabled rule, suppress, sort."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fastlint.finding import Finding, Position
from fastlint.rule_meta import UNPARSEABLE
from fastlint.settings import Settings
from fastlint.source import SourceError, SourceFile, read_source

# Below this many files a process pool costs more to start than it saves.
_PARALLEL_THRESHOLD = 48


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    text: str | None = None
    parsed: bool = False


@dataclass
class RunResult:
    findings: list[Finding]
    files_checked: int
    sources: dict[str, str]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckPlan:
    """What every worker needs to check a file: picklable, rules built on arrival."""

    settings: Settings
    codes: frozenset[str]


class Checker:
    def __init__(self, plan: CheckPlan) -> None:
        from fastlint.config import per_file_ignored_codes
        from fastlint.knowledge.tables import Knowledge
        from fastlint.registry import all_rules, known_codes

        self.plan = plan
        self.settings = plan.settings
        self.knowledge = Knowledge.from_settings(plan.settings)
        self.rules = [rule(plan.settings) for rule in all_rules() if rule.code in plan.codes]
        self._known = known_codes()
        self._per_file_ignored = per_file_ignored_codes

    def check_path(self, path: Path) -> FileResult:
        try:
            source = read_source(path)
        except SourceError as error:
            return FileResult(str(path), [unparseable(path, str(error), error.line, error.column)])
        return self.check_source(source)

    def check_source(self, source: SourceFile) -> FileResult:
        from fastlint.suppression import is_suppressed, skips_file

        result = FileResult(str(source.path), text=source.text)
        if skips_file(source):
            return result
        ignored = self._per_file_ignored(self.settings, source.path, self._known) if self.settings.per_file_ignores else frozenset()
        rules = [rule for rule in self.rules if rule.code not in ignored and _triggered(rule.triggers, source.data)]
        from fastlint.parsing import ParseError, parse_module

        # Parsed even when no rule is triggered: a broken file is never silent.
        try:
            tree = parse_module(source)
        except ParseError as error:
            result.findings.append(unparseable(source.path, str(error), error.line, error.column))
            return result
        result.parsed = True
        if not rules:
            return result
        ctx = self._context(source, tree)
        for rule in rules:
            result.findings.extend(finding for finding in rule.check(ctx) if not is_suppressed(finding, source))
        return result

    def _context(self, source: SourceFile, tree):  # type: ignore[no-untyped-def]
        from fastlint.context import ModuleContext
        from fastlint.names import module_name_for

        module, is_package = module_name_for(source.path, self.settings.project_root)
        return ModuleContext(source, tree, module, is_package, self.settings, self.knowledge)


def _triggered(triggers: tuple[bytes, ...], data: bytes) -> bool:
    return not triggers or any(trigger in data for trigger in triggers)


def unparseable(path: Path, message: str, line: int = 1, column: int = 1) -> Finding:
    position = Position(max(line, 1), max(column, 1))
    return Finding(code=UNPARSEABLE.code, message=f"Failed to analyse file: {message}", path=str(path), start=position, end=position)


_worker: Checker | None = None


def _init_worker(plan: CheckPlan) -> None:
    global _worker
    _worker = Checker(plan)


def _check_in_worker(path: Path) -> FileResult:
    assert _worker is not None
    return _worker.check_path(path)


def check_files(paths: Sequence[Path], plan: CheckPlan, jobs: int | None = None) -> RunResult:
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(paths) >= _PARALLEL_THRESHOLD:
        ordered = sorted(paths, key=_size, reverse=True)
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(plan,)) as pool:
            results: Iterable[FileResult] = list(pool.map(_check_in_worker, ordered, chunksize=8))
    else:
        checker = Checker(plan)
        results = [checker.check_path(path) for path in paths]
    return collect(results, len(paths))


def collect(results: Iterable[FileResult], files_checked: int) -> RunResult:
    findings: list[Finding] = []
    sources: dict[str, str] = {}
    for result in results:
        if result.findings:
            findings.extend(result.findings)
            if result.text is not None:
                sources[result.path] = result.text
    findings.sort(key=Finding.sort_key)
    return RunResult(findings, files_checked, sources)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
