"""``fastlint server``: a language server (pygls) that checks the editor's unsaved text.

Each project root (found from a document's path, as the CLI finds it) gets its settings
and the index of its files' summaries once, from the same pass 1 and cache as a run;
a file saved, or changed on disk, refreshes its summary. A document is checked with that index, its own
summary taken from the unsaved text. Checks run one at a time on a worker thread, so the
event loop keeps reading the client's messages; only the newest version is published.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import itertools
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from fastlint import __version__
from fastlint.analysis.module_summary import ModuleSummary
from fastlint.analysis.project_index import ProjectIndex
from fastlint.finding import Applicability, Edit, Finding, Position
from fastlint.fixing.edits import Offsets
from fastlint.fixing.fixer import apply_edits
from fastlint.fixing.policy import FixPolicy
from fastlint.rule_meta import UNPARSEABLE, RuleMeta
from fastlint.run.config import (
    PROJECT_MARKERS,
    ConfigError,
    find_config_file,
    find_project_root,
    load_settings,
)
from fastlint.run.engine import Checker
from fastlint.run.progress import ProgressCallback, no_progress
from fastlint.run.registry import metadata
from fastlint.run.session import Session
from fastlint.settings import Settings
from fastlint.source import SourceFile

T = TypeVar("T")
SOURCE = "fastlint"
# Typing pauses this long (seconds) before the text is checked.
DEBOUNCE = 0.1
CONFIG_FILES = ("pyproject.toml", "fastlint.toml")
_NOQA_CODES = re.compile(r"#\s*noqa:\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*", re.IGNORECASE)


class OpenProject:
    """One project root: settings, enabled codes and the index of its files' summaries.

    The index is built once and kept: a document is checked with its unsaved text's
    summary put in place of its module's (``ProjectIndex.replace_module`` forgets only the
    answers resting on it), and the saved summary is put back before another document is
    checked (unsaved edits reach no other document). Built with ``index=False`` (the
    server), the project starts with a lazy index that summarises a module when a check
    first names it, until ``adopt`` receives the whole project's summaries (``index_all``,
    run in the background)."""

    def __init__(self, settings: Settings, *, index: bool = True) -> None:
        from fastlint.knowledge.tables import Knowledge

        # The editor offers unsafe fixes too: applying one is a deliberate action.
        self.session = Session.from_settings(settings, unsafe_fixes=True)
        self.settings = settings
        self.policy = self.session.fix_policy
        self.rules = self.session.rules
        self.knowledge = Knowledge.from_settings(settings)
        # The summaries of the files as saved (all of them once indexed; before, those
        # refreshed since the project opened).
        self.summaries: dict[str, ModuleSummary] = {}
        self._excluded: dict[Path, bool] = {}
        self._overlay: str | None = None  # the module whose unsaved text the index holds
        self._checker: Checker | None = None
        # Without a project marker the root is the server's working directory (maybe the
        # home directory): each file is then its own project, as for a snippet.
        self.indexable = any((settings.project_root / marker).exists() for marker in PROJECT_MARKERS)
        self.indexed = not self.indexable
        self.index = ProjectIndex([], self.knowledge, settings.max_call_depth)
        if self.indexable and index:
            self.adopt(*self.index_all())
        elif self.indexable:
            self.index = self.session.lazy_index()

    def index_all(self, progress: ProgressCallback = no_progress) -> tuple[dict[str, ModuleSummary], Mapping[str, str]]:
        """Pass 1 over the whole project, through the cache: safe on another thread than
        the checks (it reads files and the cache, and touches nothing of this object).
        Returns the summaries and the modules' aliases."""
        index = self.session.index_project(progress)
        return dict(index.modules), index.aliases

    def adopt(self, summaries: dict[str, ModuleSummary], aliases: Mapping[str, str]) -> None:
        """The whole project's summaries (and the other names of its modules) replace the
        lazy index; files saved meanwhile keep the summary of their saved text."""
        merged = {**summaries, **self.summaries}
        for module in self._gone:
            merged.pop(module, None)
        self.summaries = merged
        self.index = ProjectIndex(self.summaries.values(), self.knowledge, self.settings.max_call_depth, aliases=aliases)
        self.indexed = True
        self._overlay = None
        self._checker = None

    _gone: frozenset[str] = frozenset()  # modules deleted or unparseable since the project opened

    def excluded(self, path: Path) -> bool:
        """Excludes apply to open documents as with ``force-exclude`` (as in ruff's server)."""
        from fastlint.run.discovery import PYTHON_SUFFIXES, discover

        if path not in self._excluded:
            forced = dataclasses.replace(self.settings, force_exclude=True)
            self._excluded[path] = path.suffix not in PYTHON_SUFFIXES or (
                path.exists() and not discover([path], forced).files
            )
        return self._excluded[path]

    def holds(self, path: Path) -> bool:
        """``path`` is one of the files the project's index covers."""
        return path.is_relative_to(self.settings.project_root) and not self.excluded(path)

    def refresh(self, path: Path) -> None:
        """A saved (created, deleted) file's summary replaces the one in the index; a file
        that cannot be read or parsed leaves the index, as in a run."""
        from fastlint.analysis.module_names import module_name_for
        from fastlint.run.engine import summarize_file
        from fastlint.run.test_code import is_test_code

        module, is_package = module_name_for(path, self.settings.project_root)
        if module not in self.index.modules and is_test_code(self.settings, path):
            return  # test code the index leaves out stays out (``fastlint.run.test_code``)
        try:
            summary = summarize_file(path, path.read_bytes(), module, is_package, self.knowledge)
        except OSError:
            summary = None
        if summary is None:
            self.summaries.pop(module, None)
            self._gone = self._gone | {module}
        else:
            self.summaries[module] = summary
            self._gone = self._gone - {module}
        if self._overlay == module:
            self._overlay = None
        self.index.replace_module(module, summary)

    def check(self, path: Path, text: str) -> list[Finding]:
        """Findings of the unsaved ``text`` of ``path`` against the project's index.

        The cyclic collector is off meanwhile, as in a run (``collector_paused``): a parse
        makes a tree of objects that the collector would traverse again and again, with the
        index, while the check holds it (LARGE, a 136 KB router: 60 ms of a 130 ms
        re-check went to collections). The tree is released after the check, so reference
        counting frees it."""
        from fastlint.run.collector import collector_paused

        with collector_paused():
            return self._check(path, text)

    def _check(self, path: Path, text: str) -> list[Finding]:
        from fastlint.analysis.module_names import module_name_for
        from fastlint.analysis.summarizing import summarize
        from fastlint.analysis.syntax import release
        from fastlint.run.parsing import ParseError, parse_module

        source = SourceFile(path=path, data=text.encode("utf-8", "surrogatepass"), text=text, encoding="utf-8", bom=False)
        module, is_package = module_name_for(path, self.settings.project_root)
        if self._overlay is not None and self._overlay != module:
            # Another document's unsaved text leaves the index: its saved summary (or, in a
            # lazy index, none: the file is summarised again when named) comes back.
            self.index.replace_module(self._overlay, self.summaries.get(self._overlay))
            self._overlay = None
        tree = None
        try:
            try:
                tree = parse_module(source)  # parsed once: for the summary and for the check
                self.index.replace_module(module, summarize(tree, module, is_package, self.knowledge))
                self._overlay = module
            except ParseError:
                pass  # the check reports it as FL001; the index keeps the saved summary
            if self._checker is None or self._checker.index is not self.index:
                self._checker = self.session.checker(self.index)
            findings = self._checker.check_source(source, tree).findings
        finally:
            if tree is not None:
                release(tree)  # the check is done with it (check_source leaves a tree it was given)
        return sorted(findings, key=Finding.sort_key)

    def fix_all(self, path: Path, text: str) -> str | None:
        """``text`` with every fix ``--fix`` would apply (safe ones only, as ruff's "fix all":
        ``extend-safe-fixes`` promotes a rule), or None when nothing changes."""
        from fastlint.fixing.fixer import fix_file
        from fastlint.run.collector import collector_paused

        policy = dataclasses.replace(self.policy, unsafe=False)
        findings = self.check(path, text)
        if not any(policy.fixable(finding) for finding in findings):
            return None
        source = SourceFile(path=path, data=text.encode("utf-8", "surrogatepass"), text=text, encoding="utf-8", bom=False)
        with collector_paused():  # libcst's trees next to the project's index, as ``--fix`` does
            result = fix_file(source, findings, lambda fixed: self.check(path, fixed.text), policy)
        return result.text if result.changed else None


# --------------------------------------------------------------------------- positions


class Lines:
    """fastlint positions (1-based lines, 1-based code-point columns) as LSP positions
    (0-based lines, columns in the negotiated code units: UTF-16 by default)."""

    def __init__(self, text: str, units: object) -> None:
        self.text = text
        self.offsets = Offsets(text)
        self._units = units  # a pygls PositionCodec

    def line(self, number: int) -> str:
        """Line ``number`` (1-based) without its line break."""
        starts = self.offsets.starts
        if not 1 <= number <= len(starts):
            return ""
        end = starts[number] if number < len(starts) else len(self.text)
        return self.text[starts[number - 1] : end].rstrip("\r\n")

    def position(self, position: Position) -> types.Position:
        line = min(max(position.line, 1), len(self.offsets.starts))
        prefix = self.line(line)[: max(position.column - 1, 0)]
        return types.Position(line=line - 1, character=self._units.client_num_units(prefix))  # type: ignore[attr-defined]

    def range(self, start: Position, end: Position) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def edit(self, edit: Edit) -> types.TextEdit:
        return types.TextEdit(range=self.range(edit.start, edit.end), new_text=edit.content)


# Read once, before the event loop runs: the table comes from the rule files on disk.
RULES = metadata()


def diagnostic(finding: Finding, lines: Lines, rules: Mapping[str, RuleMeta] = RULES) -> types.Diagnostic:
    meta = rules.get(finding.code)
    return types.Diagnostic(
        range=lines.range(finding.start, finding.end),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error if finding.code == UNPARSEABLE.code else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=meta.url) if meta else None,
        source=SOURCE,
    )


# --------------------------------------------------------------------------- code actions


def code_actions(uri: str, findings: list[Finding], lines: Lines, wanted: types.Range, policy: FixPolicy) -> list[types.CodeAction]:
    """A quick fix per fixable finding in ``wanted``, then a ``noqa`` action per finding."""
    found = [(finding, diagnostic(finding, lines)) for finding in findings]
    found = [(finding, diag) for finding, diag in found if _overlaps(diag.range, wanted)]
    actions = []
    for finding, diag in found:
        if policy.offered(finding):
            fix = finding.fix
            assert fix is not None
            unsafe = " (unsafe)" if policy.applicability(finding) is Applicability.UNSAFE else ""
            edits = [lines.edit(edit) for edit in fix.edits]
            actions.append(_action(f"Fix {finding.code}: {fix.message}{unsafe}", uri, edits, diag, preferred=not unsafe))
    for finding, diag in found:
        edit = noqa_edit(finding, lines)
        if edit is not None:
            actions.append(_action(f"Disable {finding.code} for this line", uri, [lines.edit(edit)], diag))
    return actions


# ruff's kind for its fix-all source action, under our name: editors run it on save
# (``"editor.codeActionsOnSave": {"source.fixAll.fastlint": "explicit"}``).
FIX_ALL = "source.fixAll.fastlint"


def fix_all_action(uri: str, lines: Lines, fixed: str) -> types.CodeAction:
    """One edit replacing the document with its fixed text."""
    end = Offsets(lines.text).position(len(lines.text))
    whole = types.Range(start=types.Position(line=0, character=0), end=lines.position(end))
    return types.CodeAction(
        title="fastlint: Fix all auto-fixable problems",
        kind=FIX_ALL,
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=fixed)]}),
    )


def _action(title: str, uri: str, edits: list[types.TextEdit], diag: types.Diagnostic, preferred: bool = False) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diag],
        edit=types.WorkspaceEdit(changes={uri: edits}),
        is_preferred=preferred or None,
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return (position.line, position.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def noqa_edit(finding: Finding, lines: Lines) -> Edit | None:
    """``# noqa: CODE`` at the end of the finding's first line (or its last, when the first
    ends inside a string or after a backslash), added to a ``noqa`` list already there.
    A comment is only placed where the code's syntax tree stays the same."""
    if finding.code == UNPARSEABLE.code:
        return None
    try:
        before = ast.dump(ast.parse(lines.text))
    except SyntaxError:
        return None
    for number in dict.fromkeys((finding.start.line, finding.end.line)):
        text = lines.line(number)
        existing = _NOQA_CODES.search(text)
        if existing:
            at = Position(number, existing.end() + 1)
            edit = Edit(at, at, f", {finding.code}")
        else:
            code_end = len(text.rstrip())
            edit = Edit(Position(number, code_end + 1), Position(number, len(text) + 1), f"  # noqa: {finding.code}")
        try:
            if ast.dump(ast.parse(apply_edits(lines.text, [edit]))) == before:
                return edit
        except SyntaxError:
            continue
    return None


# --------------------------------------------------------------------------- the server


@dataclasses.dataclass(frozen=True)
class EditorSettings:
    """What the editor may set, as ruff's server takes it (``initializationOptions`` or
    ``workspace/didChangeConfiguration``, under ``settings`` or ``fastlint`` or flat):
    ``configuration`` (a config file, like ``--config``), ``select``, ``extendSelect``,
    ``ignore`` and ``checkStartup`` (like the command-line options they are named after)."""

    configuration: Path | None = None
    overrides: tuple[tuple[str, object], ...] = ()

    @classmethod
    def parse(cls, raw: object) -> tuple[EditorSettings, list[str]]:
        """The settings and the problems with ``raw`` (each shown to the user, once)."""
        if isinstance(raw, dict):
            raw = raw.get("settings", raw.get("fastlint", raw))
        if raw is None:
            return cls(), []
        if not isinstance(raw, dict):
            return cls(), [f"fastlint: editor settings must be an object, not {type(raw).__name__}"]
        problems: list[str] = []
        overrides: dict[str, object] = {}
        configuration = None
        for key, value in raw.items():
            if value is None or key in CLIENT_SETTINGS:
                continue  # unset (VS Code sends null), or the client's own (the executable's path)
            if key == "configuration" and isinstance(value, str) and value:
                configuration = Path(value).expanduser()
            elif key in _LIST_SETTINGS and isinstance(value, list) and all(isinstance(v, str) for v in value):
                if value:  # an empty list leaves the configuration's choice, as an absent option does
                    overrides[_LIST_SETTINGS[key]] = tuple(v.strip().upper() for v in value)
            elif key == "checkStartup" and isinstance(value, bool):
                overrides["check_startup"] = value
            elif key in ("configuration", "checkStartup", *_LIST_SETTINGS):
                problems.append(f"fastlint: editor setting `{key}` has the wrong type ({type(value).__name__})")
            else:
                problems.append(f"fastlint: unknown editor setting `{key}` (known: {', '.join(SERVER_SETTINGS)})")
        return cls(configuration, tuple(sorted(overrides.items()))), problems


_LIST_SETTINGS = {"select": "select", "extendSelect": "extend_select", "ignore": "ignore"}
# What editors may set (editors/vscode/package.json mirrors these), and what clients keep
# for themselves (the VS Code extension's ``fastlint.path``).
SERVER_SETTINGS = ("configuration", "select", "extendSelect", "ignore", "checkStartup")
CLIENT_SETTINGS = frozenset({"path"})


class FastlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.projects: dict[tuple[Path, Path | None], OpenProject | ConfigError] = {}
        # uri -> (document version, findings, project) of the last check published.
        self.results: dict[str, tuple[int | None, list[Finding], OpenProject | None]] = {}
        self._pending: dict[str, asyncio.Future[None]] = {}
        self._reported: set[str] = set()
        self.editor_settings = EditorSettings()
        self.pending_problems: list[str] = []
        # The client pulls diagnostics (textDocument/diagnostic) instead of receiving them.
        self.pull = False
        # One worker: the engine's state (index memos, summaries) is touched by one check at a time.
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="fastlint-check")
        # Projects whose whole index is being built (or failed to build) in the background.
        self._indexing: set[int] = set()
        self._background: set[asyncio.Future[None]] = set()
        self._progress_tokens = itertools.count(1)
        # Set by the shutdown request: an index under way stops at its next file.
        self.stopping = threading.Event()
        # Bumped when the settings change: a check begun under older settings publishes
        # nothing (the one the change schedules does), or the editor would see stale findings.
        self.generation = 0

    # -- projects ----------------------------------------------------------------------

    def project(self, path: Path) -> OpenProject:
        """The project of ``path``, built on first use (raises ConfigError)."""
        editor = self.editor_settings
        key = (find_project_root(path), editor.configuration or find_config_file(path))
        if key not in self.projects:
            try:
                # Not indexed yet: the first check answers from a lazy index at once, and the
                # whole index is built in the background (``index_in_background``).
                self.projects[key] = OpenProject(load_settings([path], editor.configuration, dict(editor.overrides)), index=False)
            except ConfigError as error:
                self.projects[key] = error
        found = self.projects[key]
        if isinstance(found, ConfigError):
            raise found
        return found

    def _run(self, path: Path, text: str) -> tuple[list[Finding], OpenProject | None]:
        """On the worker thread: the findings of one document."""
        path = path.resolve()
        project = self.project(path)
        if project.excluded(path):
            return [], project
        return project.check(path, text), project

    def _changed(self, paths: list[Path]) -> None:
        """On the worker thread: a changed configuration rebuilds every project, a changed
        module refreshes its summary in the projects that hold it."""
        if any(path.name in CONFIG_FILES for path in paths):
            self.projects.clear()
            return
        for path in (path.resolve() for path in paths):
            for project in self.projects.values():
                if isinstance(project, OpenProject) and project.holds(path):
                    project.refresh(path)

    # -- checking ----------------------------------------------------------------------

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Check ``uri`` after ``delay``; a newer request replaces a waiting one."""
        waiting = self._pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self._pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        await self.check(uri)

    async def check(self, uri: str, only_changes: bool = False, generation: int | None = None) -> None:
        """Check a document and publish its findings (``only_changes``: only when they
        differ from those last published for that version; ``generation``: only under the
        settings of that generation, by default the current one)."""
        generation = self.generation if generation is None else generation
        document = self.workspace.get_text_document(uri)
        if document.path is None or generation != self.generation:
            return
        text, version = document.source, document.version
        loop = asyncio.get_running_loop()
        try:
            findings, project = await loop.run_in_executor(self._worker, self._run, Path(document.path), text)
        except ConfigError as error:
            self._report(f"fastlint: {error}", types.MessageType.Error)
            findings, project = [], None
        except Exception as error:  # noqa: BLE001 - a bug in a check must not stop the server
            self._report(f"fastlint: internal error: {type(error).__name__}: {error}", types.MessageType.Error)
            findings, project = [], None
        if uri not in self.workspace.text_documents or self.workspace.get_text_document(uri).version != version:
            return  # closed, or changed meanwhile: a newer check publishes
        if self.stopping.is_set():
            return  # shutting down: the stream may be closed
        if generation != self.generation:
            return  # checked under settings changed meanwhile: the check the change scheduled publishes
        previous = self.results.get(uri)
        self.results[uri] = (version, findings, project)
        if project is not None and not project.indexed:
            self.index_in_background(project, generation)
        if only_changes and previous is not None and previous[0] == version and previous[1] == findings:
            return
        if not self.pull:
            lines = Lines(text, self.workspace.position_codec)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[diagnostic(f, lines, project.rules if project else RULES) for f in findings], version=version)
            )

    # -- the whole index, in the background ----------------------------------------------

    def index_in_background(self, project: OpenProject, generation: int) -> None:
        """Build ``project``'s whole index on a thread of its own, once: checks go on
        meanwhile against the lazy index, on the check worker; the event loop only waits.
        ``generation``: the settings ``project`` was built with."""
        if id(project) in self._indexing:
            return
        self._indexing.add(id(project))
        task = asyncio.ensure_future(self._index(project, generation))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _index(self, project: OpenProject, generation: int) -> None:
        loop = asyncio.get_running_loop()
        token = await self._begin_progress(f"indexing {project.settings.project_root}")
        shown = [-1]

        def progress(phase: str, done: int, total: int) -> None:  # on the indexing thread
            if self.stopping.is_set():
                raise IndexingStopped
            percentage = done * 100 // total if total else 100
            if token is not None and percentage != shown[0]:
                shown[0] = percentage
                message = f"{done:,} of {total:,} files"
                _call_soon(loop, self._progress, token, types.WorkDoneProgressReport(message=message, percentage=percentage))

        try:
            summaries, aliases = await _on_thread(loop, project.index_all, progress)
            await loop.run_in_executor(self._worker, project.adopt, summaries, aliases)
        except IndexingStopped:
            return
        except Exception as error:  # noqa: BLE001 - the lazy index goes on answering
            self._report(f"fastlint: indexing {project.settings.project_root} failed: {type(error).__name__}: {error}", types.MessageType.Error)
            return
        finally:
            if token is not None:
                self._progress(token, types.WorkDoneProgressEnd(message="indexed"))
        if generation != self.generation or project not in self.projects.values() or self.stopping.is_set():
            return  # the configuration changed meanwhile: its replacement indexes itself
        # What needed the whole project (roles given by other modules...) is published now.
        checks = []
        for uri in list(self.workspace.text_documents):
            if self.results.get(uri, (None, None, None))[2] is project:
                task = asyncio.ensure_future(self.check(uri, only_changes=True, generation=generation))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                checks.append(task)
        workspace = self.client_capabilities.workspace
        if self.pull and workspace and workspace.diagnostics and workspace.diagnostics.refresh_support:
            # Pulled again only once the checks against the whole index are done: a pull
            # answered before them would still hold the lazy index's findings.
            await asyncio.gather(*checks, return_exceptions=True)
            if not self.stopping.is_set():
                self.workspace_diagnostic_refresh(None)

    def _progress(self, token: str, value: types.WorkDoneProgressReport | types.WorkDoneProgressEnd) -> None:
        """A ``$/progress`` report or end; nothing once the client asked to shut down (the
        stream may be closed: pygls reports a failed send by sending again)."""
        if self.stopping.is_set():
            return
        if isinstance(value, types.WorkDoneProgressEnd):
            self.work_done_progress.end(token, value)
        else:
            self.work_done_progress.report(token, value)

    async def _begin_progress(self, title: str) -> str | None:
        """A work done progress the client shows (``window/workDoneProgress/create``, then
        ``$/progress`` begin); None when the client does not support it or declines."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = f"fastlint-index-{next(self._progress_tokens)}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 10)
        except Exception:  # noqa: BLE001 - declined, or no answer: index without progress
            return None
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="fastlint", message=title, percentage=0))
        return token

    async def checked(self, uri: str) -> tuple[int | None, list[Finding], OpenProject | None] | None:
        """The last check of the document, checked now if it is stale (again when the
        settings change meanwhile)."""
        document = self.workspace.get_text_document(uri)
        result = self.results.get(uri)
        while result is None or result[0] != document.version:
            generation = self.generation
            await self.check(uri)
            result = self.results.get(uri)
            if generation == self.generation:
                break
        return result

    async def pulled(self, uri: str) -> types.RelatedFullDocumentDiagnosticReport:
        """``textDocument/diagnostic``: the document's findings, checked now if stale."""
        document = self.workspace.get_text_document(uri)
        result = await self.checked(uri)
        if result is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        lines = Lines(document.source, self.workspace.position_codec)
        rules = result[2].rules if result[2] is not None else RULES
        return types.RelatedFullDocumentDiagnosticReport(items=[diagnostic(f, lines, rules) for f in result[1]])

    def warn(self, message: str) -> None:
        self._report(message, types.MessageType.Warning)

    def _report(self, message: str, kind: types.MessageType) -> None:
        """Show a message once (until a configuration file is saved); none after shutdown."""
        if message not in self._reported and not self.stopping.is_set():
            self._reported.add(message)
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    async def files_changed(self, uris: list[str]) -> None:
        """Files saved in the editor or changed on disk (``workspace/didChangeWatchedFiles``)."""
        paths = [Path(path) for path in map(to_fs_path, uris) if path is not None]
        if any(path.name in CONFIG_FILES for path in paths):
            self._settings_changed()
        await asyncio.get_running_loop().run_in_executor(self._worker, self._changed, paths)
        if any(path.name in CONFIG_FILES for path in paths):
            self._reported.clear()
        # A changed file may change what other open documents of its project report.
        for open_uri in list(self.workspace.text_documents):
            self.schedule(open_uri)

    async def configure(self, raw: object) -> None:
        """New editor settings: every project is rebuilt and every open document rechecked."""
        settings, problems = EditorSettings.parse(raw)
        for problem in problems:
            self.warn(problem)
        if settings == self.editor_settings:
            return
        self.editor_settings = settings
        self._settings_changed()
        await asyncio.get_running_loop().run_in_executor(self._worker, self.projects.clear)
        self._reported.clear()
        for open_uri in list(self.workspace.text_documents):
            self.schedule(open_uri)

    def _settings_changed(self) -> None:
        """What was checked under the old settings is void: checks under way publish
        nothing, and pulls and code actions check again."""
        self.generation += 1
        self.results.clear()

    def closed(self, uri: str) -> None:
        waiting = self._pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.results.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = self.workspace.get_text_document(uri)
        result = await self.checked(uri)
        if result is None or result[2] is None:
            return []
        only = params.context.only
        lines = Lines(document.source, self.workspace.position_codec)
        actions = []
        if not only or any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            actions = code_actions(uri, result[1], lines, params.range, result[2].policy)
        if (not only or any(FIX_ALL.startswith(kind) for kind in only)) and document.path is not None:
            project, text = result[2], document.source
            fixed = await asyncio.get_running_loop().run_in_executor(self._worker, project.fix_all, Path(document.path).resolve(), text)
            if fixed is not None and self.workspace.get_text_document(uri).version == result[0]:
                actions.append(fix_all_action(uri, lines, fixed))
        return actions


class IndexingStopped(Exception):
    """The server shuts down: the background index is abandoned (its worker processes
    are terminated by the engine's pool)."""


def _call_soon(loop: asyncio.AbstractEventLoop, function: Callable[..., object], *args: object) -> None:
    """Run ``function`` on the event loop's thread; nothing once the loop is closed."""
    try:
        loop.call_soon_threadsafe(function, *args)
    except RuntimeError:
        pass


async def _on_thread(loop: asyncio.AbstractEventLoop, function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` on a daemon thread of its own: the server exits without waiting
    for an index of a large project to finish."""
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def run() -> None:
        try:
            result = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting task
            failure = error
            _call_soon(loop, settle, lambda: future.set_exception(failure))
        else:
            _call_soon(loop, settle, lambda: future.set_result(result))

    threading.Thread(target=run, name="fastlint-index", daemon=True).start()
    return await future


def create_server() -> FastlintServer:
    server = FastlintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FastlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FastlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: FastlintServer, params: types.DidSaveTextDocumentParams) -> None:
        await ls.files_changed([params.text_document.uri])

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files_changed(ls: FastlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        await ls.files_changed([change.uri for change in params.changes])

    @server.feature(types.INITIALIZE)
    def initialize(ls: FastlintServer, params: types.InitializeParams) -> None:
        settings, problems = EditorSettings.parse(params.initialization_options)
        ls.editor_settings = settings
        document = params.capabilities.text_document
        ls.pull = bool(document and document.diagnostic)
        ls.pending_problems = problems  # shown once the client is initialized (it may not listen before)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration_changed(ls: FastlintServer, params: types.DidChangeConfigurationParams) -> None:
        await ls.configure(params.settings)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: FastlintServer, params: types.InitializedParams) -> None:
        """Ask the editor to report files changed outside it (a checkout, a deletion)."""
        for problem in ls.pending_problems:
            ls.warn(problem)
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched and watched.dynamic_registration:
            patterns = ["**/*.py", "**/*.pyi", *(f"**/{name}" for name in CONFIG_FILES)]
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in patterns]
            )
            registration = types.Registration(id="fastlint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=False),
    )
    async def pull_diagnostics(ls: FastlintServer, params: types.DocumentDiagnosticParams) -> types.RelatedFullDocumentDiagnosticReport:
        return await ls.pulled(params.text_document.uri)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: FastlintServer, params: None) -> None:
        ls.stopping.set()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FastlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    async def code_action(ls: FastlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await ls.actions(params)

    return server


def serve() -> None:
    """Speak LSP over stdin and stdout until the client says exit."""
    create_server().start_io()
