"""One run: discover, read, parse, analyse with every enabled rule, suppress, sort."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from fastlint.analysis.module_names import absolute
from fastlint.finding import Finding, Position
from fastlint.rule_meta import UNPARSEABLE, UNUSED_NOQA
from fastlint.run.collector import collector_paused
from fastlint.run.progress import ProgressCallback, no_progress
from fastlint.settings import Settings
from fastlint.source import SourceError, SourceFile, decode_source, read_source

if TYPE_CHECKING:
    import ast
    import threading
    from concurrent.futures import Executor, Future

    from fastlint.analysis.module_summary import ModuleSummary
    from fastlint.analysis.project_index import ProjectIndex
    from fastlint.analysis.summaries import Summaries
    from fastlint.knowledge.tables import Knowledge
    from fastlint.rule import Rule
    from fastlint.run.cache import Cache, CachedSummary

_T = TypeVar("_T")
_A = TypeVar("_A")

# Below this many files a process pool costs more to start than it saves, unless they
# are large: the few files pass 2 checks are often a project's largest (gradio: 40 files,
# 1.4 MB, 0.8 s of work).
_PARALLEL_THRESHOLD = 48
_PARALLEL_BYTES = 200_000
# Work goes to the workers in chunks of about this many bytes (at most _CHUNK_FILES files):
# with a fixed number of files per chunk, largest first, one worker took the 8 largest
# files of a project while the other finished the rest and waited.
_CHUNK_BYTES = 64_000
_CHUNK_FILES = 8
# A worker of pass 2 forked with the index is replaced after checking a file this large:
# its tree (about 30 times the source) leaves arenas that a few survivors keep from the system.
_RENEW_AFTER = 256_000


@dataclass(eq=False, repr=False)
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    text: str | None = None
    parsed: bool = False
    # The modules whose summaries the check consulted (for the findings cache).
    consulted: frozenset[str] = frozenset()


@dataclass(eq=False, repr=False)
class RunResult:
    findings: list[Finding]
    files_checked: int
    sources: Mapping[str, str]
    warnings: list[str] = field(default_factory=list)
    # The index the run checked against: the fixer re-checks fixed files with it. A run
    # the cache answered whole built none; ``index()`` builds it on demand.
    project_index: ProjectIndex | None = None
    index_loader: Callable[[], ProjectIndex] | None = None
    # (modules indexed, files in the project) when only the checked files' import closure
    # was indexed: findings that rest on the rest of the project may be missing.
    partial_index: tuple[int, int] | None = None
    # When the cache answered the run whole, wrote nothing and trusted every file's stat:
    # those stats, the files the answer rests on (``answer.py`` may record it); else None.
    rested_on: dict[str, tuple[int, int, int, int]] | None = None

    def index(self) -> ProjectIndex | None:
        if self.project_index is None and self.index_loader is not None:
            self.project_index = self.index_loader()
        return self.project_index


@dataclass(frozen=True)
class CheckPlan:
    """What every worker needs to check a file: picklable, rules built on arrival.

    ``codes`` are the rules to run; ``configured`` what the configuration enables (a call
    chain is reported only if its final code is). The run object resolves both once; a
    plan made without ``configured`` (a test checking one rule) resolves it from settings.
    ``fix_edits`` False: the run only counts fixes, whose edits are not built (``Fix.built``).
    """

    settings: Settings
    codes: frozenset[str]
    configured: frozenset[str] | None = None
    fix_edits: bool = True


class Checker:
    """Pass 2 for one file at a time. Without a project index (a snippet, a test), each
    file is its own project: chains through its own helpers are still followed."""

    def __init__(self, plan: CheckPlan, index: ProjectIndex | None = None) -> None:
        from fastlint.knowledge.tables import Knowledge
        from fastlint.run.config import per_file_ignored_codes, resolve_selection, unreported_path
        from fastlint.run.registry import all_rules, known_codes

        self.plan = plan
        self.settings = plan.settings
        self.knowledge = index.knowledge if index is not None else Knowledge.from_settings(plan.settings)
        self.index = index
        self.rules = [rule(plan.settings) for rule in all_rules() if rule.code in plan.codes]
        self._known = known_codes()
        self._per_file_ignored = per_file_ignored_codes
        self._unreported = unreported_path
        configured = plan.configured if plan.configured is not None else resolve_selection(plan.settings, self._known)[0]
        self._configured = configured | plan.codes

    def check_file(self, path: Path, data: bytes | None = None) -> FileResult:
        """Check ``path`` from the bytes the run read already, or from disk when None."""
        too_big = oversized(path, self.settings, len(data) if data is not None else None)
        if too_big is not None:
            return FileResult(str(path), [unparseable(path, too_big)])
        try:
            source = decode_source(path, data) if data is not None else read_source(path)
        except SourceError as error:
            return FileResult(str(path), [unparseable(path, str(error), error.line, error.column)])
        return self.check_source(source)

    def check_source(self, source: SourceFile, tree: ast.Module | None = None) -> FileResult:
        """The findings of one file, with the modules of the index they rest on. ``tree``:
        the source parsed already (the editor summarised it for the index)."""
        from fastlint.run.suppression import skips_file

        result = FileResult(str(source.path), text=source.text)
        too_big = oversized(source.path, self.settings, len(source.data))
        if too_big is not None:
            result.findings.append(unparseable(source.path, too_big))
            return result
        if skips_file(source):
            return result
        if self.index is None:
            self._check_source(source, result, tree)
            return result
        with self.index.recording() as consulted:
            self._check_source(source, result, tree)
        result.consulted = frozenset(consulted)
        return result

    def _check_source(self, source: SourceFile, result: FileResult, parsed: ast.Module | None = None) -> None:
        from fastlint.analysis.module_names import module_name_for
        from fastlint.analysis.syntax import release
        from fastlint.run.parsing import ParseError, parse_module

        if self._unreported(self.settings, source.path) is not None:
            # Test and tooling code: only parsed, because a broken file is never silent.
            if parsed is None:
                self._parse_only(source, result)
            else:
                result.parsed = True
            return
        module, is_package = module_name_for(source.path, self.settings.project_root)
        ignored = self._per_file_ignored(self.settings, source.path, self._known) if self.settings.per_file_ignores else frozenset()
        candidates = [rule for rule in self.rules if rule.code not in ignored]
        # A module that never mentions FastAPI still has request-scoped code when another
        # module registers its functions (``Depends(deps.get_client)``).
        registered = self.index is not None and any(rule.role_triggered for rule in candidates) and bool(self.index.registered_roles(module))
        searched: dict[bytes, bool] = {}
        rules = [rule for rule in candidates if _triggered(rule.triggers, source.data, searched) or (registered and rule.role_triggered)]
        # Parsed even when no rule is triggered, a broken file is never silent, unless pass 1
        # parsed these bytes already.
        tree = parsed
        if tree is None and (rules or self.index is None or _key(source.path) not in self.index.parsed_files):
            try:
                tree = parse_module(source)
            except ParseError as error:
                result.findings.append(unparseable(source.path, str(error), error.line, error.column))
                return
        result.parsed = True
        try:
            self._run_rules(source, result, tree, rules, candidates, module, is_package, ignored)
        finally:
            if tree is not None and parsed is None:  # whoever parsed the tree releases it
                release(tree)

    def _run_rules(self, source: SourceFile, result: FileResult, tree: ast.Module | None, rules: list[Rule], candidates: list[Rule],
                   module: str, is_package: bool, ignored: frozenset[str]) -> None:
        from fastlint.run.suppression import is_suppressed

        suppressed: list[Finding] = []
        if rules:
            try:
                ctx = self._context(source, tree, module, is_package, self._configured - ignored)
            except Exception as error:  # noqa: BLE001 - contained() re-raises what is no input problem
                result.findings.append(unparseable(source.path, contained(error, "analysis")))
                rules, ctx = [], None
            try:
                for rule in rules:
                    try:
                        found = list(rule.check(ctx))
                    except Exception as error:  # noqa: BLE001 - contained() re-raises what is no input problem
                        # The file is too deep or too big for one rule (or its fix): the other
                        # rules' findings stand, and the file is reported as not fully analysed.
                        result.findings.append(unparseable(source.path, contained(error, f"{rule.code}'s analysis")))
                        continue
                    for finding in found:
                        (suppressed if is_suppressed(finding, source) else result.findings).append(finding)
            finally:
                # The rules' shared facts can refer back to the context (a cycle that would
                # keep the tree alive until the next collection): the file is done with it.
                if ctx is not None:
                    vars(ctx).clear()
        if UNUSED_NOQA.code in self.plan.codes and UNUSED_NOQA.code not in ignored:
            from fastlint.run.suppression import unused_suppressions

            enabled = frozenset(rule.code for rule in candidates)
            unused = unused_suppressions(source, suppressed, enabled, frozenset(self._known) | {UNPARSEABLE.code})
            result.findings.extend(finding for finding in unused if not is_suppressed(finding, source))

    def _parse_only(self, source: SourceFile, result: FileResult) -> None:
        from fastlint.run.parsing import ParseError, parse_module

        try:
            parse_module(source)
        except ParseError as error:
            result.findings.append(unparseable(source.path, str(error), error.line, error.column))
            return
        result.parsed = True

    def _context(self, source: SourceFile, tree, module: str, is_package: bool, enabled: frozenset[str]):  # type: ignore[no-untyped-def]
        from fastlint.analysis.context import ModuleContext

        project = self.index
        if project is None:
            from fastlint.analysis.project_index import ProjectIndex
            from fastlint.analysis.summarizing import summarize

            project = ProjectIndex([summarize(tree, module, is_package, self.knowledge)], self.knowledge, self.settings.max_call_depth)
        return ModuleContext(source, tree, module, is_package, self.settings, self.knowledge, project, enabled, fix_edits=self.plan.fix_edits)


def contained(error: Exception, what: str) -> str:
    """The FL001 message for an error that one hostile file causes (too deep for Python's
    recursion limit, too big for memory, a libcst parser or codemod failure); any other
    error is a bug in fastlint and is raised again."""
    if isinstance(error, RecursionError):
        return f"{what} exceeded Python's recursion limit (the file nests too deeply); findings of this file may be missing"
    if isinstance(error, MemoryError):
        return f"{what} ran out of memory; findings of this file may be missing"
    if type(error).__module__.split(".")[0] == "libcst":
        return f"{what} failed in libcst ({type(error).__name__}); findings of this file may be missing"
    raise error


def oversized(path: Path, settings: Settings, size: int | None = None) -> str | None:
    """Why ``path`` is not analysed because of its size, or None (``max-file-size``)."""
    limit = settings.max_file_size
    if limit <= 0:
        return None
    if size is None:
        try:
            size = path.stat().st_size
        except OSError:
            return None  # reading it will say why
    if size <= limit:
        return None
    return (f"the file is {size / 1_000_000:.1f} MB ({size:,} bytes), above max-file-size = {limit:,} bytes; "
            f"raise max-file-size in the configuration to analyse it")


def _triggered(triggers: tuple[bytes, ...], data: bytes, searched: dict[bytes, bool]) -> bool:
    """Whether ``data`` holds one of ``triggers``; ``searched`` keeps each answer for the
    file's other rules (ten rules share ``async def``, and a miss reads the whole file)."""
    if not triggers:
        return True
    for trigger in triggers:  # a loop, not any(): asked for every rule of every file
        found = searched.get(trigger)
        if found is None:
            found = searched[trigger] = _has_bytes(data, trigger)
        if found:
            return True
    return False


def unparseable(path: Path, message: str, line: int = 1, column: int = 1) -> Finding:
    position = Position(max(line, 1), max(column, 1))
    return Finding(code=UNPARSEABLE.code, message=f"Failed to analyse file: {message}", path=str(path), start=position, end=position)


_worker: Checker | None = None


def _init_worker(plan: CheckPlan, project: ProjectIndex | None = None) -> None:
    global _worker
    _worker = Checker(plan, project)


def _adopt_index(plan: CheckPlan, index: bytes) -> None:
    """Pass 2 in a worker of pass 1: the index the parent built, pickled."""
    import pickle

    _init_worker(plan, pickle.loads(index))
    gc.freeze()


def _sendable(result: FileResult) -> FileResult:
    """What goes back to the parent: the text only where findings need it."""
    if not result.findings:
        result.text = None
    return result


def check_files(
    paths: Sequence[Path],
    plan: CheckPlan,
    jobs: int | None = None,
    progress: ProgressCallback = no_progress,
    project_files: Sequence[Path] | None = None,
    closure: bool = False,
) -> RunResult:
    """Pass 1 over the whole project (the index), pass 2 over ``paths`` only.
    ``project_files``: what discovery found under the project root, when known already.
    ``closure``: the files were named one by one; when the cache holds no summary of the
    project, index only their import closure (a fast, possibly partial answer).

    Findings of ``paths`` whose file and consulted summaries are unchanged come from the
    cache; then neither libcst nor the rules are imported.

    The cyclic garbage collector is off for the run (``collector_paused`` says why; a check
    also clears its context's facts, which refer back to it). Forked workers inherit that,
    and no worker ever collects: a collection every 32 files found next to nothing and
    scanned every object made since the last one (1.0-1.8 s of CPU on langflow and
    open-webui).
    """
    with collector_paused():
        try:
            return _check_files(paths, plan, jobs, progress, project_files, closure)
        finally:
            _drop_kept()


def _check_files(
    paths: Sequence[Path], plan: CheckPlan, jobs: int | None, progress: ProgressCallback, project_files: Sequence[Path] | None, closure: bool
) -> RunResult:
    from fastlint.run.cache import Cache, CachedFindings

    cache = Cache.for_settings(plan.settings, plan.codes, plan.fix_edits)
    files = read_files(_project_files(paths, plan.settings, project_files), plan.settings, cache)
    keys = [_key(path) for path in paths]  # each path's, once: a run after an edit asks about every path
    reused = cache.unchanged_run(_fingerprints(files), keys) if cache is not None else None
    if cache is not None and reused is not None:
        return _warm_run(paths, plan, reused, cache, files)
    closure_of = keys if closure and (cache is None or not cache.has_summaries()) else None
    to_check = _ToCheck(dict(zip(keys, paths)), plan.settings, closure_of is None)
    with contextlib.ExitStack() as stack:
        # One set of workers for both passes: pass 1 keeps trees of the files to check in
        # them, or checks those files against their own summary alone (a result that stands
        # when the whole index has the same digest for every name it consulted).
        ahead = Ahead(plan, to_check, _Workers(jobs or os.cpu_count() or 1, stack))
        project = build_index(files, plan.settings, cache, progress, closure_of, ahead)
        parsed = ahead.parsed()
        if not project.complete:
            return _partial_run(paths, plan, jobs, progress, project, cache, files)
        results: list[FileResult] = []
        settled: list[FileResult] = []
        quiet: list[FileResult] = []
        pending: list[tuple[Path, bytes | None]] = []
        speculated = ahead.speculated
        texts: dict[str, tuple[Path, ReadFile | None]] = {}  # of the files with cached findings, read when asked for
        for path, key in zip(paths, keys):
            file = files.get(key)
            cached = cache.findings(key, file.content, file.module, project.digests) if cache and file else None
            if cached is not None:
                results.append(FileResult(str(path), list(cached)))
                if cached:
                    texts[str(path)] = (path, file)
            elif key in project.parsed_files and to_check.unreported(key):
                # Test and tooling code that pass 1 parsed has nothing to report: not even parsed again.
                quiet.append(FileResult(str(path), parsed=True))
            elif key in speculated and speculated[key].holds(project):
                settled.append(speculated[key].result)
            elif file is not None and (too_big := oversized(path, plan.settings, file.size)) is not None:
                # Reported here, as a worker would: its bytes were not kept, nor are they sent.
                quiet.append(FileResult(str(path), [unparseable(path, too_big)]))
            elif key in parsed:
                settled.append(parsed[key])  # test code, parsed while the facts were computed
            else:
                # Each file is read once: pass 2 checks the bytes that pass 1 summarised and the cache keys.
                pending.append((path, file.data if file is not None else None))
        # A file read only now may have changed since its stat. Without a cache no digest is asked for.
        fingerprints = _fingerprints(files) if cache is not None else {}
        stats = {key: file.stat for key, file in files.items() if file.stat is not None}
        del files, speculated  # what pass 2 does not need is freed before it
        ahead.speculated = {}
        fresh = [*quiet, *_check(pending, plan, project, jobs, progress, settled, ahead)]
        if ahead.workers is not None:
            ahead.workers.stop()  # all at once (the stack would end them one after the other)
    for result in fresh:
        module = fingerprints.get(_key(Path(result.path)))
        if cache is not None and module is not None:
            consulted = {name: project.digests.get(name) for name in result.consulted}
            cache.put_findings(_key(Path(result.path)), CachedFindings(*module, consulted, result.findings))
    run = collect([*results, *fresh], len(paths))
    run.sources = _Texts(texts, run.sources)
    run.project_index = project
    if cache is not None:
        cache.record_project(fingerprints, project.digests, stats)
        cache.save()
        run.warnings.extend(cache.warnings)
    return run


def _partial_run(
    paths: Sequence[Path], plan: CheckPlan, jobs: int | None, progress: ProgressCallback, project: ProjectIndex, cache: Cache | None, files: Mapping[str, ReadFile]
) -> RunResult:
    """Pass 2 against the index of the import closure. The summaries are cached (a later
    run indexes the rest); the findings are not, nor is the project recorded: both
    belong to a run that saw the whole project."""
    tasks = [(path, files[_key(path)].analysed(plan.settings.max_file_size) if _key(path) in files else None) for path in paths]
    # One process: the modules that the checks load are summarised once, for all of them.
    run = collect(_check(tasks, plan, project, 1, progress), len(paths))
    run.project_index = project
    project.parsed_files = frozenset(key for key, file in files.items() if file.module in project.modules)
    run.partial_index = (len(project.parsed_files), len(files))
    if cache is not None:
        cache.save(prune=False)
        run.warnings.extend(cache.warnings)
    return run


def _content_key(file: ReadFile, cache: Cache | None) -> str:
    """What keys a new summary entry: the digest of the file's bytes, which only the cache
    reads (left unhashed without one)."""
    return file.content if cache is not None else ""


def _fingerprints(files: Mapping[str, ReadFile]) -> dict[str, tuple[str, str]]:
    return {key: (file.content, file.module) for key, file in files.items()}


def _warm_run(paths: Sequence[Path], plan: CheckPlan, reused: list[list[Finding]], cache: Cache, files: Mapping[str, ReadFile]) -> RunResult:
    """Every finding from the cache: no summary loaded, no index built (until a fix asks)."""
    from fastlint.run.cache import Cache

    run = collect((FileResult(str(path), list(found)) for path, found in zip(paths, reused)), len(paths))
    run.sources = _Texts({str(path): (path, files.get(_key(path))) for path, found in zip(paths, reused) if found})
    stats = {key: file.stat for key, file in files.items() if file.stat is not None}
    if stats != cache.known_stats():  # files hashed this time (edited lately) are stat'ed next time
        cache.record_project(_fingerprints(files), cache.recorded_digests(), stats)
        cache.save()
    elif len(stats) == len(files):
        run.rested_on = stats
    run.warnings.extend(cache.warnings)
    run.index_loader = lambda: index_project(list(files.values()), plan.settings, Cache.for_settings(plan.settings, plan.codes))[0]
    return run


def _check(
    tasks: Sequence[tuple[Path, bytes | None]], plan: CheckPlan, project: ProjectIndex, jobs: int | None, progress: ProgressCallback,
    settled: Sequence[FileResult] = (), ahead: Ahead | None = None,
) -> list[FileResult]:
    """Pass 2 over ``tasks``; ``settled`` are the files pass 1 checked (counted as done).
    A file whose tree pass 1 kept is checked by the process that holds it."""
    total = len(tasks) + len(settled)
    sizes = [len(task[1]) if task[1] is not None else 0 for task in tasks]
    holders = [ahead.held.get(_key(task[0]), -1) for task in tasks] if ahead is not None else [-1] * len(tasks)
    with contextlib.ExitStack() as stack:
        workers: _Workers | None = ahead.workers if ahead is not None else None
        if workers is None:
            workers = _Workers(jobs or os.cpu_count() or 1, stack)
        prelude = None
        renewed = False
        if workers.started and any(holder >= 0 for holder in holders):
            # The workers of pass 1 hold trees: they get the index (its summaries and the
            # answers about the whole project), each summary unpickled there when a check
            # first reads it (a worker reads 20-45% of them). The answers that go through
            # every summary are computed here first, once, rather than in each worker.
            import pickle

            project.facts()
            prelude = functools.partial(_adopt_index, plan, pickle.dumps(project, protocol=pickle.HIGHEST_PROTOCOL))
        elif workers.jobs > 1 and _pays_for_pool(sizes):
            # Fresh workers share the index with this process (forked with it) instead of
            # each holding a copy, and pass 1's workers give their memory back first.
            project.forget_asked()
            workers.stop()
            _give_back_freed()
            workers.start(_init_worker, (plan, project))
            renewed = True
        else:
            workers = None
        if workers is not None:
            _begin("checking", total)
            groups: dict[int | None, list[int]] = {}
            for i, holder in enumerate(holders):
                groups.setdefault(holder if holder >= 0 else None, []).append(i)
            chunks = [(holder, [indices[j] for j in chunk]) for holder, indices in groups.items() for chunk in _chunks([sizes[i] for i in indices])]
            # A worker that checked large files is replaced (forked again with the index)
            # before it checks the others: what the checks left behind stays with the old
            # process (on litellm, 30 MB of syntax-node arenas pinned by a few survivors
            # after its 970 KB proxy_server.py). Large files come first, one after the
            # other, and a worker goes on from one to the next, whose tree takes the
            # arenas the last one freed: replaced after each, skyvern's workers were forked
            # 8 times.
            large = {c for c, (_, chunk) in enumerate(chunks) if renewed and max(sizes[i] for i in chunk) >= _RENEW_AFTER}
            checked = workers.run(_each_checked, [(holder, [tasks[i] for i in chunk]) for holder, chunk in chunks], prelude, large)
            stream = ((i, result) for c, _, found in checked for i, result in zip(chunks[c][1], found))
            done = _counted(stream, "checking", total, progress, [(-1, result) for result in settled])
            results: list[FileResult | None] = [None] * len(tasks)
            for i, result in done:
                if i >= 0:
                    results[i] = result
            return [*settled, *(result for result in results if result is not None)]
    if not tasks:
        return _counted((), "checking", total, progress, settled)
    checker = Checker(plan, project)
    return _counted((_check_task(checker, task) for task in tasks), "checking", total, progress, settled)


def _check_task(checker: Checker, task: tuple[Path, bytes | None]) -> FileResult:
    """Pass 2 for one file, on the tree pass 1 kept when this process holds it."""
    from fastlint.analysis.syntax import release

    path, data = task
    kept = _kept.pop(_key(path), None)
    if kept is None:
        return checker.check_file(path, data)
    try:
        return checker.check_source(*kept)
    finally:
        release(kept[1])


def _pays_for_pool(sizes: Sequence[int]) -> bool:
    """Whether files of these sizes are work enough for a process pool."""
    return len(sizes) >= _PARALLEL_THRESHOLD or (len(sizes) > 1 and sum(sizes) >= _PARALLEL_BYTES)


def _chunks(sizes: Sequence[int]) -> list[list[int]]:
    """Indices into ``sizes``, in chunks: the largest files go first, alone or in small
    chunks, so that the last chunks are small and the workers end together."""
    order = sorted(range(len(sizes)), key=sizes.__getitem__, reverse=True)
    chunks: list[list[int]] = [[]] if order else []
    weight = 0
    for i in order:
        if len(chunks[-1]) >= _CHUNK_FILES or weight >= _CHUNK_BYTES:
            chunks.append([])
            weight = 0
        chunks[-1].append(i)
        weight += sizes[i]
    return chunks


class _Workers:
    """The worker processes of one run, each a pool of one process, so that work can go to
    a given worker: pass 1 hands each chunk to whichever worker is free, and pass 2 checks a
    file whose tree pass 1 kept in the worker that holds it. They are forked when a pass
    first pays for them, and both passes use them."""

    # Chunks submitted to a worker ahead of its results, so that it never waits for the next.
    _AHEAD = 2
    # A worker with nothing left takes another's last chunk when that one has this many
    # left (the tree is parsed again, rather than a core waiting for a slower worker).
    steal_from = 2

    def __init__(self, jobs: int, stack: contextlib.ExitStack) -> None:
        self.jobs = jobs
        self._stack = stack.enter_context(contextlib.ExitStack())
        self.pools: list[Executor] = []
        self._init: tuple[Callable[..., None], tuple[object, ...]] = (_init_worker, ())
        self._ending: list[threading.Thread | None] = []  # the managers of pools told to end

    @property
    def started(self) -> bool:
        return bool(self.pools)

    def start(self, initializer: Callable[..., None], initargs: tuple[object, ...]) -> None:
        self._init = (initializer, initargs)
        self.pools = [self._stack.enter_context(_pool(1, initializer, initargs)) for _ in range(self.jobs)]

    def _renew(self, worker: int) -> None:
        """A fresh process in place of ``worker`` (idle), started as the others were, while
        the old one exits (giving a large heap back took it 30 to 70 ms)."""
        self._ending.append(getattr(self.pools[worker], "_executor_manager_thread", None))
        self.pools[worker].shutdown(wait=False)
        self.pools[worker] = self._stack.enter_context(_pool(1, *self._init))

    def stop(self) -> None:
        """End the workers (they finish what they were given), all at once: each exits
        while the others do (one after the other, each took 30 ms). They are gone when this
        returns, with the threads that managed them (the program then leaves at once)."""
        for pool in self.pools:
            self._ending.append(getattr(pool, "_executor_manager_thread", None))  # None: never used
            pool.shutdown(wait=False)
        for manager in self._ending:
            if manager is not None:
                manager.join()  # it joins its worker process, then ends
        self._ending = []
        self._stack.close()
        self.pools = []

    def run(
        self, function: Callable[[_A], _T], chunks: Sequence[tuple[int | None, _A]], prelude: Callable[[], None] | None = None,
        renew_after: Collection[int] = (),
    ) -> Iterator[tuple[int, int, _T]]:
        """(index in ``chunks``, worker, ``function(chunk)``) for each chunk, as they come.
        A chunk routed to a worker (an int) goes to it, the others (None) to whichever is
        free; a worker with nothing left takes the last chunk routed to another (whose
        tree it then parses again) rather than wait. ``prelude`` runs first on each (not
        on a renewed worker). A worker given a chunk of ``renew_after`` goes on with the
        next such chunk, if that is the one its turn comes to; before any other chunk it is
        given nothing more, and is replaced by a fresh process once its chunks are done
        (unless nothing is left to give it)."""
        from collections import deque
        from concurrent.futures import FIRST_COMPLETED, wait

        own: list[deque[int]] = [deque() for _ in self.pools]
        shared: deque[int] = deque()
        for i, (worker, _) in enumerate(chunks):
            (shared if worker is None else own[worker]).append(i)
        in_flight: dict[Future[object], tuple[int | None, int]] = {}
        queued = [0] * len(self.pools)
        after_large: set[int] = set()  # the workers given a chunk of ``renew_after``
        renewing: set[int] = set()

        def next_for(worker: int) -> tuple[deque[int], bool] | None:
            """Where the worker's next chunk is, and whether it is that queue's last; None: nothing left for it."""
            if own[worker]:
                return own[worker], False
            if shared:
                return shared, False
            longest = max(own, key=len)
            return (longest, True) if len(longest) >= self.steal_from else None

        def feed(worker: int) -> None:
            while queued[worker] < self._AHEAD and worker not in renewing:
                found = next_for(worker)
                if found is None:
                    return
                source, last = found
                i = source[-1] if last else source[0]
                if worker in after_large and i not in renew_after:
                    renewing.add(worker)  # replaced once its large chunks are done
                    return
                if last:
                    source.pop()
                else:
                    source.popleft()
                in_flight[self.pools[worker].submit(function, chunks[i][1])] = (i, worker)
                queued[worker] += 1
                if i in renew_after:
                    after_large.add(worker)

        with _interrupts_deferred():  # the workers are forked on their first task
            for worker, pool in enumerate(self.pools):
                if prelude is not None:
                    in_flight[pool.submit(prelude)] = (None, worker)
                feed(worker)
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in done:
                index, worker = in_flight.pop(future)
                result = future.result()
                if index is None:
                    continue
                queued[worker] -= 1
                if worker in renewing and not queued[worker]:
                    if next_for(worker) is not None:  # else it is left idle, not forked again for nothing
                        self._renew(worker)
                        renewing.discard(worker)
                        after_large.discard(worker)
                        with _interrupts_deferred():  # forked on its first task
                            feed(worker)
                else:
                    feed(worker)
                yield index, worker, result  # type: ignore[misc]  # a chunk's future holds function's result


def _each_checked(chunk: list[tuple[Path, bytes | None]]) -> list[FileResult]:
    assert _worker is not None
    return [_sendable(_check_task(_worker, task)) for task in chunk]


# What the run is doing, for the message of an interrupted run (``fastlint: interrupted ...``).
activity = ["starting"]


def _begin(phase: str, total: int) -> None:
    activity[0] = f"{phase} (0 of {total:,} files done)"


def _counted(results: Iterable[_T], phase: str, total: int, progress: ProgressCallback, before: Sequence[_T] = ()) -> list[_T]:
    """``before`` (done already: the files pass 1 checked) counts first."""
    done: list[_T] = []
    _begin(phase, total)
    for result in [*before, *results]:
        done.append(result)
        activity[0] = f"{phase} ({len(done):,} of {total:,} files done)"
        progress(phase, len(done), total)
    return done


# Pools whose workers were terminated (an interrupt, an error): their manager thread may
# never end, so the command line does not wait for it at exit.
abandoned_pools: list[Executor] = []


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C back while the pool forks its workers, and deliver it right after.

    CPython runs a signal's handler between bytecodes, also inside os.fork's at-fork hooks,
    and swallows what they raise ("Exception ignored in: <function _releaseLock>"): the
    KeyboardInterrupt is lost, logging's lock stays held, and the run neither stops nor
    ends (seen under load: 1 run in 15 hung past 60 s after Ctrl-C).
    """
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: no fork either
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _pool(jobs: int, initializer: Callable[..., None], initargs: tuple[object, ...]) -> Iterator[Executor]:
    """A process pool whose workers never outlive the run: each dies with its parent (even
    one killed by SIGKILL), ignores SIGINT (the parent handles it), and is terminated when
    the parent stops early (an interrupt, an error).

    Off the main thread (the language server indexes in the background) the workers come
    from a fork server: forking a process whose other threads may hold a lock (an import,
    a stream) can leave the child waiting on it forever."""
    import threading
    from concurrent.futures import ProcessPoolExecutor

    context = None
    if threading.current_thread() is not threading.main_thread() and sys.platform.startswith("linux"):
        import multiprocessing

        context = multiprocessing.get_context("forkserver")
    parent = os.getpid() if context is None else None
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(parent, initializer, initargs))
    try:
        yield pool
    except BaseException:
        abandoned_pools.append(pool)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
        raise
    else:
        pool.shutdown(wait=True)


def _start_worker(parent: int | None, initializer: Callable[..., None], initargs: tuple[object, ...]) -> None:
    """``parent``: the pid of the process that forked this worker; None when a fork server
    did (it exits with the run's process, and this worker with it)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # a worker never collects (see ``check_files``); one a fork server started has it on
    _die_with_parent()
    if parent is None:
        parent = os.getppid()

    def watch() -> None:  # where prctl is missing, and for a parent that died before it ran
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="fastlint-parent-watch", daemon=True).start()
    initializer(*initargs)
    gc.freeze()  # what the worker set up (imports, the checker, an index) is never scanned


def _give_back_freed() -> None:
    """glibc: return the free pages of the heap to the system before workers are forked
    with it (what pass 1 read and received and no longer holds: 7 MB on litellm)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # another C library
        pass


def _die_with_parent() -> None:
    """Linux: ask the kernel to send SIGKILL to this worker when its parent exits."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# A file whose modification or change time is this recent may change again within the
# file system's timestamp granularity without its stat changing: it is hashed next time too.
_RACY_NS = 2_000_000_000


class ReadFile:
    """One project file: its digest and module name, and its bytes, read on first use when
    its stat (size, modification and change times, inode) is the one recorded with that
    digest by the last run: an unchanged project is stat'ed, not read and hashed. The bytes
    of a file above max-file-size are not kept once hashed: nothing analyses them."""

    __slots__ = ("path", "_content", "module", "is_package", "stat", "_data", "_size")

    def __init__(self, path: Path, content: str | None, module: str, is_package: bool, stat: tuple[int, int, int, int] | None,
                 data: bytes | None = None, size: int | None = None) -> None:
        self.path = path
        self._content = content  # None: the digest of ``data``, computed when first asked
        self.module = module
        self.is_package = is_package
        self.stat = stat  # recorded for the next run; None when too recent to trust
        self._data = data
        self._size = size  # the size of the bytes hashed and not kept

    @property
    def content(self) -> str:
        """The digest of the bytes. Of bytes read, it is computed when first asked: only
        the cache asks (a run without one hashed litellm's 18 MB for nothing, 40 ms)."""
        if self._content is None:
            from fastlint.digests import digest

            self._content = digest(self.data)
        return self._content

    @property
    def size(self) -> int:
        """The size in bytes, without reading the file when its stat is known."""
        if self._data is None and self._size is not None:
            return self._size
        if self._data is None and self.stat is not None:
            return self.stat[0]
        return len(self.data)

    def analysed(self, limit: int) -> bytes | None:
        """The bytes to analyse: None above ``limit`` (max-file-size; 0: none), unread."""
        if limit > 0 and self.size > limit:
            return None
        data = self.data
        return data if limit <= 0 or len(data) <= limit else None

    @property
    def data(self) -> bytes:
        if self._data is None:
            from fastlint.digests import digest

            try:
                self._data = self.path.read_bytes()
            except OSError:
                self._data = b""  # gone since its stat: checked as empty, and not trusted next time
            self._size = None
            content = digest(self._data)
            if content != self._content:  # changed since its stat: never cached under the old digest
                self._content, self.stat = content, None
        return self._data


def file_stat(info: os.stat_result) -> tuple[int, int, int, int]:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def read_files(files: Iterable[Path | ReadFile], settings: Settings, cache: Cache | None = None) -> dict[str, ReadFile]:
    """Every readable file's digest and module name, keyed by absolute path. A file whose
    stat is the one the cache recorded keeps the digest recorded with it, unread."""
    import time

    from fastlint.analysis.module_names import module_name_for, package_parts_cache_clear
    from fastlint.digests import file_digest

    package_parts_cache_clear()  # a long-lived server sees packages created since its last index
    known = cache.known_files() if cache is not None else {}
    trusted_before = time.time_ns() - _RACY_NS
    limit = settings.max_file_size
    read: dict[str, ReadFile] = {}
    for item in files:
        path = item.path if isinstance(item, ReadFile) else item
        key = _key(path)
        try:
            stat = file_stat(os.stat(key))
        except OSError:
            continue
        module, is_package = module_name_for(key, settings.project_root)  # the key: a str, normalised
        seen = known.get(key)
        if seen is not None and seen[0] == stat:
            read[key] = ReadFile(path, seen[1], module, is_package, stat)
            continue
        recent = max(stat[1], stat[2]) >= trusted_before
        try:
            if 0 < limit < stat[0]:  # not analysed: hashed, not kept (nor sent to a worker)
                content, size = file_digest(key)
                if size > limit:
                    read[key] = ReadFile(path, content, module, is_package, None if recent else stat, size=size)
                    continue
            data = path.read_bytes()
        except OSError:
            continue
        read[key] = ReadFile(path, None, module, is_package, None if recent else stat, data)
    return read


def index_project(
    files: Iterable[Path | ReadFile], settings: Settings, cache: Cache | None, progress: ProgressCallback = no_progress
) -> tuple[ProjectIndex, dict[str, tuple[str, str]]]:
    """Pass 1 over ``files``; returns the index and, per file, its digest and module name."""
    with collector_paused():  # as in a run (``check_files``)
        read = read_files(files, settings, cache)
        return build_index(read, settings, cache, progress), _fingerprints(read)


def build_index(
    files: Mapping[str, ReadFile],
    settings: Settings,
    cache: Cache | None,
    progress: ProgressCallback = no_progress,
    closure_of: Sequence[str] | None = None,
    ahead: Ahead | None = None,
) -> ProjectIndex:
    """Pass 1: a summary of every file (from the cache when its bytes are unchanged).

    With ``closure_of`` (keys of ``files``), only those files are summarised at first, and
    any other module when a question of the check first names it: what the findings of
    those files rest on (their import closure, as far as the checks follow it), not the
    whole project. The index is then partial (``complete`` is False): facts that any
    module may add (roles given elsewhere, the ORM registry, ``request.state``, capacity)
    may be missing.

    With ``ahead``, pass 1 keeps the trees of the files pass 2 checks, or checks them
    against their own summary (see ``Ahead``)."""
    from fastlint.analysis.module_names import module_aliases
    from fastlint.analysis.project_index import ProjectIndex
    from fastlint.knowledge.tables import Knowledge

    knowledge = Knowledge.from_settings(settings)
    aliases = module_aliases(((key, file.module, file.is_package) for key, file in files.items()), settings.project_root)
    if closure_of is None:
        from fastlint.run.test_code import in_test_code

        left_out = {key: files[key].module for key in in_test_code(settings, files)}  # keys are absolute paths
        if cache is not None:
            for key in left_out:
                cache.saw(key)
        entries = _summary_entries([key for key in files if key not in left_out], files, settings, cache, progress, ahead, aliases)
        if left_out:
            entries.update(_imported_test_code(entries, left_out, files, settings, cache, knowledge, aliases))
        loader = None
    else:
        left_out = {}
        entries = _summary_entries([key for key in dict.fromkeys(closure_of) if key in files], files, settings, cache, progress)
        loader = _module_loader(files, entries, knowledge, cache, settings.max_file_size)
    index = ProjectIndex(_index_summaries(entries, files, knowledge, cache, settings.max_file_size), knowledge, settings.max_call_depth, loader, aliases)
    if ahead is not None and ahead.pickled:
        summarized = {entry.module: key for key, entry in entries.items()}  # the file of each module's summary, as above
        index.modules.keep_pickled({module: ahead.pickled[key] for module, key in summarized.items() if key in ahead.pickled})
        ahead.pickled = {}
    still_out = {key: module for key, module in left_out.items() if key not in entries}  # test code none of the rest imports
    index.digests = _project_digests(entries.values(), aliases, still_out.values())
    index.parsed_files = frozenset(entries)
    index.complete = loader is None or len(entries) == len(files)
    if index.complete:
        if ahead is not None and still_out:
            _parse_meanwhile(ahead, files, list(still_out), cache, index.digests)
        index.digests.update(_fact_digests(index, cache))  # roles from other modules, the ORM registry
    return index


def _imported_test_code(
    entries: Mapping[str, CachedSummary],
    left_out: Mapping[str, str],
    files: Mapping[str, ReadFile],
    settings: Settings,
    cache: Cache | None,
    knowledge: Knowledge,
    aliases: Mapping[str, str],
) -> dict[str, CachedSummary]:
    """The summaries of the test modules (``left_out``: key -> module) that the modules of
    ``entries`` import from, and of those these import from in turn (``fastlint.run.test_code``)."""
    from fastlint.run.test_code import imported_modules

    if cache is not None:
        indexed = _indexed_last_time(entries, left_out, files, cache, aliases)
        if indexed is not None:
            return indexed
    keys = {module: key for key, module in left_out.items()}
    modules = frozenset(file.module for file in files.values())
    added: dict[str, CachedSummary] = {}
    asked: set[str] = set()
    importing = entries
    while True:
        summaries = (_decoded(key, entry, files[key], knowledge, cache, settings.max_file_size) for key, entry in importing.items())
        wanted = [keys[module] for module in imported_modules(summaries, keys.keys() - asked, modules, aliases)]
        if not wanted:
            return added
        asked.update(left_out[key] for key in wanted)
        importing = _summary_entries(sorted(wanted), files, settings, cache, no_progress)
        added.update(importing)


def _indexed_last_time(
    entries: Mapping[str, CachedSummary], left_out: Mapping[str, str], files: Mapping[str, ReadFile], cache: Cache, aliases: Mapping[str, str]
) -> dict[str, CachedSummary] | None:
    """The cached summaries of the test modules the last check indexed, when what that
    choice rests on is unchanged: the project's digests would be those it recorded (the
    same modules, the same summaries, the same test modules left out). Otherwise None, and
    every summary is read for its imports (on LARGE, 0.3 s after an edit of a comment)."""
    from fastlint.run.test_code import LEFT_OUT

    recorded = cache.recorded_digests()
    if not recorded:
        return None
    indexed: dict[str, CachedSummary] = {}
    for key, module in left_out.items():
        if recorded.get(module, LEFT_OUT) != LEFT_OUT:
            entry = cache.summary(key, files[key].content, module)
            if entry is None:
                return None
            indexed[key] = entry
    digests = _project_digests([*entries.values(), *indexed.values()], aliases, [module for key, module in left_out.items() if key not in indexed])
    return indexed if _as_recorded(digests, recorded) else None


def _project_digests(entries: Iterable[CachedSummary], aliases: Mapping[str, str], left_out: Iterable[str]) -> dict[str, str]:
    """The index's digests but for the project-wide facts: each module's summary, each
    alias, and each test module it leaves out (``fastlint.run.test_code``)."""
    from fastlint.analysis.project_index import alias_digests
    from fastlint.run.test_code import LEFT_OUT

    digests = {entry.module: entry.digest for entry in entries}
    digests.update(alias_digests(aliases))
    for module in left_out:
        digests.setdefault(module, LEFT_OUT)
    return digests


def _index_summaries(
    entries: Mapping[str, CachedSummary], files: Mapping[str, ReadFile], knowledge: Knowledge, cache: Cache | None, size_limit: int
) -> Summaries:
    """The summaries of ``entries`` by module, those read from the cache decoded when the
    index first asks for them; one that does not decode is made again from its file."""
    from fastlint.analysis.summaries import Deferred, Summaries

    def deferred(key: str, entry: CachedSummary) -> Deferred:
        return Deferred(lambda: _decoded(key, entry, files[key], knowledge, cache, size_limit))

    return Summaries({entry.module: entry.summary if entry.decoded else deferred(key, entry) for key, entry in entries.items()})


def _decoded(key: str, entry: CachedSummary, file: ReadFile, knowledge: Knowledge, cache: Cache | None, size_limit: int) -> ModuleSummary:
    """The summary of a cache entry; one whose line does not decode is made again from the
    file's bytes (the same bytes as the entry's, by their digest: the same summary)."""
    from fastlint.analysis.module_summary import ModuleSummary
    from fastlint.run.cache import CachedSummary, summary_digest
    from fastlint.run.datacodec import InvalidData

    try:
        return entry.summary
    except InvalidData as error:
        summary = summarize_file(file.path, file.analysed(size_limit), file.module, file.is_package, knowledge)
        summary = summary or ModuleSummary(file.module, file.is_package)
        if cache is not None:
            cache.discard_summary(key, error)
            if file.content == entry.content:  # not edited since its stat: these are the bytes the entry is of
                cache.put_summary(key, CachedSummary(entry.content, entry.module, summary, summary_digest(summary)))
        return summary


def _as_recorded(digests: Mapping[str, str], recorded: Mapping[str, str]) -> bool:
    """``digests`` (of modules, aliases and left-out test modules) are those the last check
    recorded, which holds the facts' digests besides: nothing the facts rest on changed."""
    from fastlint.analysis.project_index import is_pseudo_module

    return len(digests) == sum(not is_pseudo_module(name) for name in recorded) and all(recorded.get(name) == value for name, value in digests.items())


def _facts_key(digests: Mapping[str, str]) -> str:
    """What the project-wide answers rest on: every module's summary digest and alias."""
    from fastlint.digests import value_digest

    return value_digest(sorted(digests.items()))


def _fact_digests(index: ProjectIndex, cache: Cache | None) -> dict[str, str]:
    """The digests of the facts every module may give (roles, the ORM registry,
    ``request.state``, reachability...). They are a function of the summaries alone: when
    every module's summary digest is the one the last check recorded (an edit that changed
    no summary: a comment, a function's body), the recorded fact digests are reused, and
    the project-wide answers (reachability costs a second on prefect) are not computed but
    read from the cache, which keeps them with the summaries (``ProjectFacts``): the index
    then reads only the summaries the checks ask about."""
    from fastlint.analysis.project_index import is_pseudo_module

    key = _facts_key(index.digests) if cache is not None else ""
    known = cache.facts(key) if cache is not None else None
    if known is not None:
        index.adopt_facts(known)
    recorded = cache.recorded_digests() if cache is not None else {}
    facts = {name: value for name, value in recorded.items() if is_pseudo_module(name)}
    if facts and _as_recorded(index.digests, recorded):
        return facts
    digests = index.fact_digests()
    if cache is not None and known is None:
        cache.put_facts(key, index.facts())
    return digests


def lazy_index(files: Iterable[Path], settings: Settings) -> ProjectIndex:
    """An index of ``files`` that summarises a module (from disk, without the cache) when a
    question first names it; partial (``complete`` is False) since nothing else is read."""
    from fastlint.analysis.module_names import module_aliases, module_name_for
    from fastlint.analysis.project_index import ProjectIndex
    from fastlint.knowledge.tables import Knowledge

    knowledge = Knowledge.from_settings(settings)
    by_module = {}
    for path in files:
        module, is_package = module_name_for(path, settings.project_root)
        by_module[module] = (path, is_package)
    aliases = module_aliases(((str(path), module, is_package) for module, (path, is_package) in by_module.items()), settings.project_root)

    def load(module: str) -> ModuleSummary | None:
        found = by_module.get(module)
        if found is None:
            return None
        path, is_package = found
        limit = settings.max_file_size
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return summarize_file(path, data if limit <= 0 or len(data) <= limit else None, module, is_package, knowledge)

    index = ProjectIndex([], knowledge, settings.max_call_depth, load, aliases)
    index.complete = False
    return index


def _module_loader(
    files: Mapping[str, ReadFile], entries: dict[str, CachedSummary], knowledge: Knowledge, cache: Cache | None, size_limit: int
) -> Callable[[str], ModuleSummary | None]:
    """Summaries of a partial index's modules on first use (``entries`` records them)."""
    from fastlint.run.cache import CachedSummary, summary_digest

    by_module = {file.module: key for key, file in files.items()}

    def load(module: str) -> ModuleSummary | None:
        key = by_module.get(module)
        if key is None:
            return None
        file = files[key]
        entry = cache.summary(key, file.content, file.module) if cache is not None else None
        if entry is None:
            summary = summarize_file(file.path, file.analysed(size_limit), file.module, file.is_package, knowledge)  # as pass 1 does
            if summary is None:
                return None
            entry = CachedSummary(_content_key(file, cache), file.module, summary, summary_digest(summary))
            if cache is not None:
                cache.put_summary(key, entry)
        entries[key] = entry
        return _decoded(key, entry, file, knowledge, cache, size_limit)

    return load


def _summary_entries(
    keys: Sequence[str],
    files: Mapping[str, ReadFile],
    settings: Settings,
    cache: Cache | None,
    progress: ProgressCallback,
    ahead: Ahead | None = None,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, CachedSummary]:
    """The summaries of ``keys`` (a file that does not parse has none); ``aliases``: the
    modules' other names, which a pass-1 check must not take for names outside the project."""
    from fastlint.run.cache import CachedSummary

    entries: dict[str, CachedSummary] = {}
    missing: list[ReadFile] = []
    for key in keys:
        file = files[key]
        entry = cache.summary(key, file.content, file.module) if cache is not None else None
        if entry is None:
            missing.append(file)
        else:
            entries[key] = entry
    if ahead is not None and ahead.to_check:
        ahead.modules = frozenset([*(file.module for file in files.values()), *(aliases or ())])
        ahead.project_bytes = sum(file.size for file in files.values())
        ahead.orm = any(entry.maps_classes for entry in entries.values()) or any(_maps_classes(file.analysed(settings.max_file_size) or b"") for file in missing)
    for file, (summary, digest, speculation, holder) in zip(missing, _summaries(missing, settings, progress, ahead)):
        if summary is None:
            continue
        entry = CachedSummary(_content_key(file, cache), file.module, summary, digest)
        if cache is not None:
            cache.put_summary(_key(file.path), entry)
        entries[_key(file.path)] = entry
        if ahead is None:
            continue
        if speculation is not None:
            ahead.speculated[_key(file.path)] = speculation
        if holder is not None:
            ahead.held[_key(file.path)] = holder
    return entries


class Speculation(NamedTuple):
    """A file checked in pass 1 against an index of its own summary alone (``OwnIndex``),
    and the digest each name the check consulted had there (None: not in that index)."""

    result: FileResult
    rests_on: dict[str, str | None]

    def holds(self, index: ProjectIndex) -> bool:
        """The whole index has the same digest for every consulted name, so the check would
        run the same against it (the rule the findings cache relies on)."""
        return all(index.digests.get(name) == digest for name, digest in self.rests_on.items())


# A summary, its digest, the check made on the way (``Speculation``), and which process
# kept the tree for pass 2 (the worker's number, -1 for this process; None: not kept).
_Summarized = tuple["ModuleSummary | None", str, "Speculation | None", "int | None"]


class _ToCheck(Container[str]):
    """The keys of the files pass 2 checks: ``paths`` but test and tooling code (only
    parsed); none when ``checking`` is False. Each path is matched against those patterns
    when first asked about: a run after an edit asks about the files the cache does not
    answer (matching every file of LARGE was 40 ms of a one-file re-check)."""

    def __init__(self, paths: Mapping[str, Path], settings: Settings, checking: bool = True) -> None:
        self._paths = paths  # by key
        self._settings = settings
        self._checking = checking
        self._unreported: dict[str, bool] = {}

    def unreported(self, key: str) -> bool:
        """Whether the file of ``key`` (one of the paths) is test or tooling code."""
        found = self._unreported.get(key)
        if found is None:
            from fastlint.run.config import unreported_path

            found = self._unreported[key] = unreported_path(self._settings, self._paths[key]) is not None
        return found

    def __contains__(self, key: object) -> bool:
        return self._checking and isinstance(key, str) and key in self._paths and not self.unreported(key)

    def parsed_only(self, key: str) -> bool:
        """Whether the file of ``key`` is one of the paths that pass 2 only parses (test or tooling code)."""
        return self._checking and key in self._paths and self.unreported(key)

    def __bool__(self) -> bool:
        return self._checking and any(not self.unreported(key) for key in self._paths)


@dataclass(eq=False, repr=False)
class Ahead:
    """What pass 1 does for pass 2 on the way, for the files pass 2 will check (``to_check``,
    keys): it keeps their trees, within ``_TREE_BUDGET``, in the process that parsed them
    (``held``: key -> worker, -1 for this process), and checks files against their own
    summary alone (``speculated``): those whose tree it does not keep, or, when the files to
    check are many, each file first (``_summaries`` says why). ``workers`` serve both passes."""

    plan: CheckPlan
    to_check: _ToCheck
    workers: _Workers | None = None
    modules: frozenset[str] = frozenset()  # every module of the project (see ``OwnIndex``)
    project_bytes: int = 0
    orm: bool = False  # whether other modules likely map classes (see ``OwnIndex``)
    speculated: dict[str, Speculation] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    pickled: dict[str, bytes] = field(default_factory=dict)  # summaries as workers pickled them, by file key
    parsing: list[tuple[list[str], Future[list[FileResult]]]] = field(default_factory=list)  # see ``_parse_meanwhile``

    def parsed(self) -> dict[str, FileResult]:
        """The results of the test code ``_parse_meanwhile`` gave the workers, by file key."""
        found = {key: result for keys, future in self.parsing for key, result in zip(keys, future.result())}
        self.parsing = []
        return found


def _summaries(missing: list[ReadFile], settings: Settings, progress: ProgressCallback, ahead: Ahead | None = None) -> list[_Summarized]:
    """Summaries (and their digests) of the files the cache could not answer, over all
    cores when they are many; with ``ahead``, what pass 1 does for pass 2 on the way.

    Workers get the bytes that were hashed, so a file edited meanwhile is never cached
    under the digest of its old content.
    """
    to_check = ahead.to_check if ahead is not None else frozenset()
    # A file above max-file-size gets no summary (pass 2 reports it as not analysed).
    tasks = [(file.path, file.analysed(settings.max_file_size), file.module, file.is_package, _key(file.path) in to_check) for file in missing]
    sizes = [len(task[1] or b"") for task in tasks]
    plan = ahead.plan if ahead is not None and to_check else None
    budget = _tree_budget(ahead.project_bytes) if plan is not None and ahead is not None else 0
    with contextlib.ExitStack() as stack:
        workers = ahead.workers if ahead is not None and ahead.workers is not None else _Workers(os.cpu_count() or 1, stack)
        parallel = workers.jobs > 1 and _pays_for_pool(sizes)
        # When the files to check are few (_KEEP_ALL_UP_TO per process), each tree is kept as
        # it comes: a check stopped half way is work lost. Otherwise a file is checked first
        # and its tree kept only if the check stopped, so that the budget holds the trees
        # pass 2 needs (airflow, dstack: none parsed again in pass 2, 14-33 MiB less).
        keep_first = sum(size for task, size in zip(tasks, sizes) if task[4]) <= _KEEP_ALL_UP_TO * (workers.jobs if parallel else 1)
        initargs = (settings, plan, ahead.modules, ahead.orm, budget, keep_first) if plan is not None and ahead is not None else (settings,)
        if parallel:
            if plan is not None:
                from fastlint.run.registry import all_rules

                all_rules()  # imported once, here: the workers of both passes are forked from this process
                if not budget and plan.fix_edits:
                    _load_fix_library()
            _begin("indexing", len(tasks))
            # Forked now, once the files are read. Forked before, to import the rules
            # while this process read, they gained next to nothing on 2 cores: their
            # imports took the CPU the reading needed (12 members, 5 alternated rounds:
            # the median member 0.6% faster, from 4% faster to 2% slower).
            workers.start(_init_summarizer, initargs)
            order = _chunks(sizes)
            chunks = [(None, [tasks[i] for i in chunk]) for chunk in order]
            summarized = ((i, worker, result) for c, worker, found in workers.run(_each_summarized, chunks) for i, result in zip(order[c], found))
            # With trees kept, the index goes to the workers in pass 2: the pickles they sent are kept.
            pickled = ahead.pickled if budget and ahead is not None else None
            received = ((i, _received(result, worker, _key(tasks[i][0]), pickled)) for i, worker, result in summarized)
            done = _counted(received, "indexing", len(tasks), progress)
            results: list[_Summarized] = [(None, "", None, None)] * len(tasks)
            for i, result in done:
                results[i] = result
            return results
    _init_summarizer(*initargs)
    return _counted((_summarize_in_worker(task) for task in tasks), "indexing", len(tasks), progress)


def _received(result: _Sent, worker: int, key: str, pickled: dict[str, bytes] | None) -> _Summarized:
    """``result`` from ``worker``: its summary unpickled (its pickle kept in ``pickled``, by
    the file's key), and a tree kept there held by that worker."""
    import pickle

    data, digest, speculation, holder = result
    if data is None:
        return None, digest, speculation, None
    if pickled is not None:
        pickled[key] = data
    return pickle.loads(data), digest, speculation, None if holder is None else worker


# ``_Summarized`` as a worker sends it: the summary pickled on its own (see ``_received``).
_Sent = tuple["bytes | None", str, "Speculation | None", "int | None"]


def _each_summarized(chunk: list[tuple[Path, bytes | None, str, bool, bool]]) -> list[_Sent]:
    """Pass 1 for a chunk, in a worker. Each summary is pickled here on its own: the whole
    result is pickled to go back anyway, and the parent keeps those bytes to send the index
    on to pass 2 (``Summaries.keep_pickled``) instead of pickling every summary again."""
    import pickle

    sent: list[_Sent] = []
    for task in chunk:
        summary, digest, speculation, holder = _summarize_in_worker(task)
        sent.append((None if summary is None else pickle.dumps(summary, pickle.HIGHEST_PROTOCOL), digest, speculation, holder))
    return sent


_summary_knowledge: Knowledge | None = None
_speculator: Checker | None = None
_project_modules: frozenset[str] = frozenset()
_orm_elsewhere = False
# Bytes of a module that maps classes (declarative models, SQLModel tables): a guess for
# the pass-1 checks, which ask whether the project has any model (see ``OwnIndex``).
_ORM_MARKERS = (b"__tablename__", b"DeclarativeBase", b"declarative_base", b"Mapped[", b"relationship(")


def _maps_classes(data: bytes) -> bool:
    return any(_has_bytes(data, marker) for marker in _ORM_MARKERS) or (_has_bytes(data, b"table=True") and _has_bytes(data, b"SQLModel"))


def _has_bytes(data: bytes, part: bytes) -> bool:
    """``part in data``, which first tries ``part`` as a byte value and makes and formats a
    TypeError for every search (a quarter of a search of a 2 KB file)."""
    return data.find(part) >= 0


def _init_summarizer(
    settings: Settings, plan: CheckPlan | None = None, modules: frozenset[str] = frozenset(), orm: bool = False, budget: int = 0, keep_first: bool = False
) -> None:
    from fastlint.knowledge.tables import Knowledge

    global _summary_knowledge, _speculator, _project_modules, _orm_elsewhere, _kept_budget, _keep_first
    _summary_knowledge = Knowledge.from_settings(settings)
    _speculator = Checker(plan) if plan is not None else None
    _project_modules, _orm_elsewhere, _kept_budget, _keep_first = modules, orm, budget, keep_first


def _summarize_in_worker(task: tuple[Path, bytes | None, str, bool, bool]) -> _Summarized:
    from fastlint.analysis.summarizing import summarize
    from fastlint.analysis.syntax import release
    from fastlint.run.cache import summary_digest
    from fastlint.run.parsing import ParseError, parse_module

    path, data, module, is_package, to_check = task
    assert _summary_knowledge is not None
    if data is None:
        return None, "", None, None
    try:
        source = decode_source(path, data)
        tree = parse_module(source)
        summary = summarize(tree, module, is_package, _summary_knowledge)
    except (SourceError, ParseError, RecursionError, MemoryError):
        return None, "", None, None  # pass 2 reports the file
    kept = False
    try:
        digest = summary_digest(summary)
        if not to_check or _speculator is None:
            return summary, digest, None, None
        if _keep_first:
            kept = _keep(source, tree)
            speculation = None if kept else _speculate(_speculator, source, tree, summary, digest)
        else:  # checked first: the tree is kept only for pass 2 to check again
            speculation = _speculate(_speculator, source, tree, summary, digest)
            kept = speculation is None and _keep(source, tree)
        return summary, digest, speculation, -1 if kept else None
    finally:
        if not kept:
            release(tree)


# Pass 1 keeps the trees of the files pass 2 checks, up to this many bytes of their source
# per process, so that pass 2 neither parses them again nor redoes what the analysis keeps
# on them (names, walks): on airflow and prefect that was a quarter of the work. A tree
# with those caches takes about 30 times its source's bytes, and each worker that holds
# trees gets a copy of the index (1.5 to 2 times the project's source): in a project of
# more than _KEEP_UP_TO bytes no tree is kept, and pass 2's workers are forked with the
# index instead, sharing it (litellm, 18 MB: 285 MiB against 220). While each tree was
# kept as it came, 1.8 and 2 MB against 1.5 came within the run-to-run spread (8 members,
# 6 alternated rounds: from 7% faster to 7% slower) for 20 to 50 MiB more. Spent only on
# the trees of checks that stopped (``keep_first`` in ``_summaries``), 2 MB made prefect,
# langflow, phoenix and open-webui 2-5% faster, for 24 to 52 MiB more (at most 271 MiB).
_TREE_BUDGET = 2_000_000
_KEEP_ALL_UP_TO = 1_500_000
_KEEP_UP_TO = 10_000_000
_kept: dict[str, tuple[SourceFile, ast.Module]] = {}
_kept_bytes = 0
_kept_budget = 0
_keep_first = False


def _tree_budget(project_bytes: int) -> int:
    return _TREE_BUDGET if project_bytes <= _KEEP_UP_TO else 0


def _keep(source: SourceFile, tree: ast.Module) -> bool:
    global _kept_bytes
    if not _kept_budget or _kept_bytes + len(source.data) > _kept_budget:
        return False
    _kept[_key(source.path)] = (source, tree)
    _kept_bytes += len(source.data)
    return True


def _drop_kept() -> None:
    """Release the trees pass 2 did not take (findings from the cache, an error)."""
    from fastlint.analysis.syntax import release

    global _kept_bytes, _kept_budget
    for _, tree in _kept.values():
        release(tree)
    _kept.clear()
    _kept_bytes = _kept_budget = 0


def _load_fix_library() -> None:
    """libcst, which the rules' fixes build on, imported before the workers are forked when
    they do not keep trees (a large project): a process takes 0.13 s and 10 MB to import
    it, and each worker of both passes did on any project with a fixable finding. Workers
    that keep trees serve both passes and import it, each once, if a fix needs it. A run
    that only counts fixes (text output) builds no edit and never needs it: on litellm its
    import was 0.17 s of the run before the workers started."""
    with contextlib.suppress(ImportError):
        import libcst  # noqa: F401


def _speculate(checker: Checker, source: SourceFile, tree: ast.Module, summary: ModuleSummary, digest: str) -> Speculation | None:
    """Check ``source`` (whose ``tree`` pass 1 just summarised) against its own summary;
    None as soon as the check asks about another module of the project."""
    from fastlint.analysis.project_index import ConsultsOthers, OwnIndex

    own = OwnIndex([summary], checker.knowledge, checker.settings.max_call_depth)
    own.orm_elsewhere = _orm_elsewhere
    own.digests = {summary.module: digest}
    own.parsed_files = frozenset({_key(source.path)})
    own.others = _project_modules - {summary.module}
    checker.index = own
    try:
        result = checker.check_source(source, tree)
    except ConsultsOthers:
        return None
    finally:
        checker.index = None
    # The digests of the facts it consulted only (airflow: computing them all before each
    # check, reachability mostly, was a third of the checks that then stopped).
    own.digests.update(own.fact_digests(result.consulted))
    return Speculation(_sendable(result), {name: own.digests.get(name) for name in result.consulted})


def _parse_meanwhile(ahead: Ahead, files: Mapping[str, ReadFile], keys: Sequence[str], cache: Cache | None, digests: Mapping[str, str]) -> None:
    """Give the workers of pass 1 the test code among ``keys`` that pass 2 would only parse
    (for FL001), to parse while this process computes the project's facts, when they would
    be idle (lnbits: 0.16 s, with a third of its code in tests). Pass 2 takes their results
    (``Ahead.parsed``) for the files it would have parsed: the same check of the same bytes,
    which consults no module."""
    workers = ahead.workers
    if workers is None or not workers.started or not ahead.to_check:
        return  # pass 1 ran here, or its workers have no checker (nothing but test code to check)
    tasks: list[tuple[Path, bytes | None]] = []
    for key in keys:
        file = files[key]
        if not ahead.to_check.parsed_only(key) or oversized(file.path, ahead.plan.settings, file.size) is not None:
            continue
        if cache is None or cache.findings(key, file.content, file.module, digests) is None:
            tasks.append((file.path, file.data))
    shares: list[list[tuple[Path, bytes | None]]] = [[] for _ in workers.pools]
    weights = [0] * len(shares)
    for task in sorted(tasks, key=lambda task: len(task[1] or b""), reverse=True):
        lightest = weights.index(min(weights))
        shares[lightest].append(task)
        weights[lightest] += len(task[1] or b"")
    for pool, share in zip(workers.pools, shares):
        if share:
            ahead.parsing.append(([_key(path) for path, _ in share], pool.submit(_each_parsed, share)))


def _each_parsed(chunk: list[tuple[Path, bytes | None]]) -> list[FileResult]:
    """Pass 2 of test code (parsed only), in a worker of pass 1 (see ``_parse_meanwhile``)."""
    assert _speculator is not None and _speculator.index is None
    return [_sendable(_speculator.check_file(path, data)) for path, data in chunk]


def summarize_file(path: Path, data: bytes | None, module: str, is_package: bool, knowledge: Knowledge) -> ModuleSummary | None:
    """One file's summary; None when it cannot be read or parsed (pass 2 reports that)."""
    from fastlint.analysis.summarizing import summarize
    from fastlint.analysis.syntax import release
    from fastlint.run.parsing import ParseError, parse_module
    from fastlint.source import decode_source

    if data is None:
        return None
    try:
        tree = parse_module(decode_source(path, data))
    except (SourceError, ParseError, RecursionError, MemoryError):
        return None  # pass 2 reports the file
    try:
        return summarize(tree, module, is_package, knowledge)
    except (RecursionError, MemoryError):
        return None
    finally:
        release(tree)


def _project_files(paths: Sequence[Path], settings: Settings, discovered: Sequence[Path] | None = None) -> list[Path]:
    """Every file discovery yields under the project root, and the files to check."""
    from fastlint.run.discovery import discover

    if discovered is None:
        discovered = discover([settings.project_root], settings).files
    found = {_key(path): path for path in discovered}
    for path in paths:
        found.setdefault(_key(path), path)
    return list(found.values())


def _key(path: Path) -> str:
    return absolute(path)  # discovery yields normalised absolute paths: only others pay for normalising


def _text(path: Path, data: bytes | None) -> str | None:
    """The text of a file with findings (for columns in other units), from the bytes read."""
    try:
        return (decode_source(path, data) if data is not None else read_source(path)).text
    except SourceError:
        return None


class _Texts(Mapping[str, str]):
    """The texts of the files with findings, each read and decoded when first asked for:
    the text report asks for none (a warm run of prefect read 27 files for nothing; LARGE
    after an edit, 64), other formats convert columns with them, a fix edits them.
    ``known``: the texts at hand already (of the files checked)."""

    def __init__(self, files: dict[str, tuple[Path, ReadFile | None]], known: Mapping[str, str] | None = None) -> None:
        self._files = files
        self._texts: dict[str, str | None] = dict(known or {})

    def _text(self, key: str) -> str | None:
        if key not in self._texts:
            path, file = self._files[key]
            self._texts[key] = _text(path, file.data if file is not None else None)
        return self._texts[key]

    def __getitem__(self, key: str) -> str:
        text = self._text(key) if key in self._files or key in self._texts else None
        if text is None:
            raise KeyError(key)
        return text

    def __iter__(self) -> Iterator[str]:
        keys = [*self._files, *(key for key in self._texts if key not in self._files)]  # as the results come
        return (key for key in keys if self._text(key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


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
