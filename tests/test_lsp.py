"""``fastlint server`` spoken to over stdio by pygls's language client, as an editor would."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from fastlint.finding import Finding, Position
from fastlint.integrations.lsp import Lines, OpenProject, noqa_edit
from fastlint.run.config import load_settings
from fastlint.run.registry import metadata

APP = '''\
import time

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index():
    label = "😀"; reply = requests.get("https://example.com", timeout=5)
    time.sleep(1)
    return reply.json()
'''
FIXED = APP.replace("async def index", "def index")
SERVICES = '''\
import requests


def fetch_rates():
    return requests.get("https://rates.example.com", timeout=5).json()
'''
API = '''\
from fastapi import APIRouter

from pkg.services import fetch_rates

router = APIRouter()


@router.get("/rates")
async def rates():
    return fetch_rates()
'''
# Long enough for a cold start on a loaded CI machine; the tests wait for messages, not time.
TIMEOUT = 60


class Editor:
    """A client that records what the server publishes and lets a test wait for it."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.diagnostics: dict[str, asyncio.Queue[types.PublishDiagnosticsParams]] = defaultdict(asyncio.Queue)
        self.messages: asyncio.Queue[types.ShowMessageParams] = asyncio.Queue()
        self.registrations: asyncio.Queue[types.Registration] = asyncio.Queue()
        self.versions: dict[str, int] = {}

    async def published(self, uri: str) -> types.PublishDiagnosticsParams:
        return await asyncio.wait_for(self.diagnostics[uri].get(), TIMEOUT)

    async def open(self, path: Path, text: str) -> types.PublishDiagnosticsParams:
        uri = path.as_uri()
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
        )
        return await self.published(uri)

    async def change(self, path: Path, text: str) -> types.PublishDiagnosticsParams:
        """Replace the unsaved text; wait for the diagnostics of this version (a debounced
        check may be replaced by a newer one, never published for an older version)."""
        uri = path.as_uri()
        self.versions[uri] += 1
        version = self.versions[uri]
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        published = await self.published(uri)
        assert published.version == version
        return published

    async def code_actions(self, path: Path, line: int, character: int) -> list[types.CodeAction]:
        at = types.Position(line=line, character=character)
        result = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
                    range=types.Range(start=at, end=at),
                    context=types.CodeActionContext(diagnostics=[]),
                )
            ),
            TIMEOUT,
        )
        return list(result or [])


def session(
    root: Path,
    scenario: Callable[[Editor], Awaitable[None]],
    capabilities: types.ClientCapabilities | None = None,
    options: object = None,
) -> int:
    """Start the server, initialize with ``root`` as the workspace, run ``scenario``, then
    shut down and exit; returns the server's exit status."""

    async def run() -> int:
        client = LanguageClient("fastlint-tests", "1")
        editor = Editor(client)

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            editor.diagnostics[params.uri].put_nowait(params)

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            editor.messages.put_nowait(params)

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: types.RegistrationParams) -> None:
            for registration in params.registrations:
                editor.registrations.put_nowait(registration)

        await client.start_io(sys.executable, "-m", "fastlint", "server", cwd=str(root))
        try:
            result = await asyncio.wait_for(
                client.initialize_async(
                    types.InitializeParams(
                        capabilities=capabilities or types.ClientCapabilities(),
                        root_uri=root.as_uri(),
                        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="root")],
                        initialization_options=options,
                    )
                ),
                TIMEOUT,
            )
            assert result.server_info is not None and result.server_info.name == "fastlint"
            client.initialized(types.InitializedParams())
            await scenario(editor)
            await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
            client.exit(None)
            assert client._server is not None
            return await asyncio.wait_for(client._server.wait(), TIMEOUT)
        finally:
            if client._server is not None and client._server.returncode is None:
                client._server.kill()  # a failed scenario must not leave the server behind
            await client.stop()

    return asyncio.run(run())


def project(root: Path, config: str = 'select = ["FL1", "FL3"]') -> Path:
    (root / "pyproject.toml").write_text(f'[project]\nname = "demo"\n\n[tool.fastlint]\n{config}\n', encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "services.py").write_text(SERVICES, encoding="utf-8")
    return root


def _range(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(start=types.Position(*start), end=types.Position(*end))


def test_diagnostics_of_unsaved_text_with_utf16_ranges_until_fixed_and_closed(tmp_path: Path):
    root = project(tmp_path)
    app = root / "app.py"
    app.write_text("", encoding="utf-8")  # the server checks the editor's text, not the file

    async def scenario(editor: Editor) -> None:
        published = await editor.open(app, APP)
        assert published.version == 1
        blocking, sleeping = published.diagnostics
        # `requests.get` is at code-point column 26 (1-based); the emoji before it counts
        # as two UTF-16 code units.
        assert blocking.range == _range((10, 26), (10, 38))
        assert (blocking.code, blocking.source, blocking.severity) == ("FL101", "fastlint", types.DiagnosticSeverity.Warning)
        assert blocking.code_description is not None
        assert blocking.code_description.href == metadata()["FL101"].url
        assert blocking.message.startswith("`requests.get` blocks the event loop in async route handler GET /")
        assert (sleeping.code, sleeping.range) == ("FL102", _range((11, 4), (11, 14)))

        assert list((await editor.change(app, FIXED)).diagnostics) == []
        broken = await editor.change(app, FIXED + "def (:\n")
        assert [(d.code, d.severity) for d in broken.diagnostics] == [("FL001", types.DiagnosticSeverity.Error)]

        editor.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(app.as_uri())))
        assert list((await editor.published(app.as_uri())).diagnostics) == []

    assert session(root, scenario) == 0


def test_code_actions_offer_the_labelled_fix_and_a_noqa_comment(tmp_path: Path):
    root = project(tmp_path)
    app = root / "app.py"

    async def scenario(editor: Editor) -> None:
        await editor.open(app, APP)
        fix, disable = await editor.code_actions(app, 11, 6)
        assert fix.title == "Fix FL102: Replace with `await asyncio.sleep(...)` (unsafe)"
        assert fix.kind == types.CodeActionKind.QuickFix
        assert [d.code for d in fix.diagnostics or ()] == ["FL102"]
        assert fix.edit is not None and fix.edit.changes is not None
        assert list(fix.edit.changes[app.as_uri()]) == [
            types.TextEdit(_range((0, 0), (0, 0)), "import asyncio\n"),
            types.TextEdit(_range((11, 4), (11, 8)), "await asyncio"),
        ]
        assert disable.title == "Disable FL102 for this line"
        assert disable.edit is not None and disable.edit.changes is not None
        assert list(disable.edit.changes[app.as_uri()]) == [types.TextEdit(_range((11, 17), (11, 17)), "  # noqa: FL102")]

        # FL101's fix offloads the call; the noqa action goes at the line's end in UTF-16 units (71 code points).
        offload, only = await editor.code_actions(app, 10, 30)
        assert offload.title == "Fix FL101: Offload with `await run_in_threadpool(...)` (unsafe)"
        assert only.title == "Disable FL101 for this line"
        assert only.edit is not None and only.edit.changes is not None
        assert list(only.edit.changes[app.as_uri()]) == [types.TextEdit(_range((10, 72), (10, 72)), "  # noqa: FL101")]

        # Applying the noqa action silences the finding.
        suppressed = await editor.change(app, APP.replace("timeout=5)\n", "timeout=5)  # noqa: FL101\n"))
        assert [d.code for d in suppressed.diagnostics] == ["FL102"]

    assert session(root, scenario) == 0


def test_fix_all_source_action_applies_the_safe_fixes_only(tmp_path: Path):
    """`source.fixAll.fastlint` does what `--fix` does: unsafe fixes stay quick fixes, and
    a rule that `extend-safe-fixes` promotes is fixed in one whole-document edit."""
    root = project(tmp_path, 'select = ["FL1", "FL3"]\nextend-safe-fixes = ["FL102"]')
    app = root / "app.py"

    async def fix_all(editor: Editor, only: list[str] | None) -> list[types.CodeAction]:
        at = types.Position(line=0, character=0)
        result = await asyncio.wait_for(
            editor.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=app.as_uri()),
                    range=types.Range(start=at, end=at),
                    context=types.CodeActionContext(diagnostics=[], only=only),
                )
            ),
            TIMEOUT,
        )
        return list(result or [])

    async def scenario(editor: Editor) -> None:
        await editor.open(app, APP)
        (action,) = await fix_all(editor, ["source.fixAll"])
        assert action.kind == "source.fixAll.fastlint"
        assert action.edit is not None and action.edit.changes is not None
        (edit,) = action.edit.changes[app.as_uri()]
        assert edit.range == _range((0, 0), (len(APP.splitlines()), 0))
        # FL102 (promoted) is fixed and its import added; FL101's unsafe offload is not applied.
        assert edit.new_text == "import asyncio\n" + APP.replace("    time.sleep(1)", "    await asyncio.sleep(1)").replace("import time\n", "")
        assert all(a.kind == types.CodeActionKind.QuickFix for a in await fix_all(editor, ["quickfix"]))
        # Nothing safe left to fix: no fix-all action.
        await editor.change(app, edit.new_text)
        assert await fix_all(editor, ["source.fixAll.fastlint"]) == []

    assert session(root, scenario) == 0


def test_a_call_chain_through_another_module_follows_its_saved_summary(tmp_path: Path):
    root = project(tmp_path)
    api = root / "pkg" / "api.py"
    services = root / "pkg" / "services.py"

    async def scenario(editor: Editor) -> None:
        chain = await editor.open(api, API)
        (finding,) = chain.diagnostics
        assert finding.code == "FL107"
        assert finding.range == _range((9, 11), (9, 22))
        assert finding.message.startswith("fetch_rates() -> requests.get (FL101) blocks the event loop")

        # Unsaved edits of services.py do not reach api.py; saving them does.
        quiet = SERVICES.replace('requests.get("https://rates.example.com", timeout=5).json()', "{}")
        await editor.open(services, SERVICES)
        await editor.change(services, quiet)
        services.write_text(quiet, encoding="utf-8")
        editor.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(services.as_uri())))
        assert list((await editor.published(api.as_uri())).diagnostics) == []

    assert session(root, scenario) == 0


def test_files_changed_outside_the_editor_refresh_the_index(tmp_path: Path):
    root = project(tmp_path)
    api = root / "pkg" / "api.py"
    services = root / "pkg" / "services.py"
    watching = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)
        )
    )

    async def scenario(editor: Editor) -> None:
        registration = await asyncio.wait_for(editor.registrations.get(), TIMEOUT)
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        patterns = ["**/*.py", "**/*.pyi", "**/pyproject.toml", "**/fastlint.toml"]
        assert registration.register_options == {"watchers": [{"globPattern": pattern} for pattern in patterns]}

        assert [d.code for d in (await editor.open(api, API)).diagnostics] == ["FL107"]
        services.unlink()  # a checkout removed it
        editor.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(uri=services.as_uri(), type=types.FileChangeType.Deleted)])
        )
        assert list((await editor.published(api.as_uri())).diagnostics) == []

    assert session(root, scenario, watching) == 0


def test_a_configuration_error_is_shown_not_fatal(tmp_path: Path):
    root = project(tmp_path, config='selectt = ["FL1"]')
    app = root / "app.py"

    async def scenario(editor: Editor) -> None:
        assert list((await editor.open(app, APP)).diagnostics) == []
        message = await asyncio.wait_for(editor.messages.get(), TIMEOUT)
        assert message.type == types.MessageType.Error
        assert "unknown key 'selectt'" in message.message
        assert "pyproject.toml" in message.message

        # Fixing the configuration and saving it brings the diagnostics.
        (root / "pyproject.toml").write_text('[tool.fastlint]\nselect = ["FL101"]\n', encoding="utf-8")
        editor.client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier((root / "pyproject.toml").as_uri()))
        )
        assert [d.code for d in (await editor.published(app.as_uri())).diagnostics] == ["FL101"]

    assert session(root, scenario) == 0


def _finding(code: str, start: tuple[int, int], end: tuple[int, int]) -> Finding:
    return Finding(code, "message", "example.py", Position(*start), Position(*end))


class Units:
    """pygls's position codec, reduced to what ``Lines`` asks of it."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding

    def client_num_units(self, text: str) -> int:
        return len(text.encode(self.encoding)) // (2 if self.encoding == "utf-16-le" else 1)


@pytest.mark.parametrize(
    ("encoding", "character"), [pytest.param("utf-16-le", 8, id="utf-16"), pytest.param("utf-8", 10, id="utf-8")]
)
def test_positions_count_the_negotiated_code_units(encoding: str, character: int):
    lines = Lines('x = "😀"; y\r\nz\n', Units(encoding))
    assert lines.position(Position(1, 8)) == types.Position(0, character)
    assert lines.position(Position(2, 2)) == types.Position(1, 1)


def test_noqa_extends_an_existing_list_and_avoids_the_inside_of_strings():
    text = 'call()  # noqa: FL301\nquery(x, """\ny""")\n'
    lines = Lines(text, Units("utf-8"))
    extended = noqa_edit(_finding("FL101", (1, 1), (1, 5)), lines)
    assert extended is not None and (extended.start, extended.content) == (Position(1, 22), ", FL101")
    # The first line ends inside the string: the comment goes after the string's end.
    after = noqa_edit(_finding("FL101", (2, 1), (3, 5)), lines)
    assert after is not None and (after.start, after.content) == (Position(3, 6), "  # noqa: FL101")
    assert noqa_edit(_finding("FL001", (1, 1), (1, 1)), lines) is None


def test_the_command_line_starts_without_pygls():
    probe = "import sys, fastlint.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_excluded_files_and_other_suffixes_get_no_check(tmp_path: Path):
    root = project(tmp_path, config='extend-exclude = ["generated"]')
    (root / "generated").mkdir()
    (root / "generated" / "app.py").write_text(APP, encoding="utf-8")
    (root / "app.py").write_text(APP, encoding="utf-8")
    checked = OpenProject(load_settings([root / "app.py"]))
    assert checked.excluded(root / "generated" / "app.py")
    assert checked.excluded(root / "notes.txt")
    assert not checked.excluded(root / "app.py")
    assert not checked.excluded(root / "unsaved.py")  # a new file, not on disk yet
    assert sorted(checked.summaries) == ["app", "pkg", "pkg.services"]
    # A saved file joins the index; an excluded one, or one of another project, does not.
    (root / "pkg" / "late.py").write_text(SERVICES, encoding="utf-8")
    assert checked.holds(root / "pkg" / "late.py")
    assert not checked.holds(root / "generated" / "app.py")
    assert not checked.holds(tmp_path.parent / "elsewhere.py")
    checked.refresh(root / "pkg" / "late.py")
    assert sorted(checked.summaries) == ["app", "pkg", "pkg.late", "pkg.services"]


def test_a_check_of_unsaved_text_leaves_no_cycles_and_the_collector_on(tmp_path: Path):
    """The collector is off while a document is checked (its tree would be traversed, with
    the index, again and again) and on again after; the tree and what the check kept on it
    are freed by reference counts, as in a run."""
    import ast
    import gc

    root = project(tmp_path)
    (root / "app.py").write_text(APP, encoding="utf-8")
    checked = OpenProject(load_settings([root / "app.py"]))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        findings = checked.check(root / "app.py", APP + "\n# typed\n")
        enabled = gc.isenabled()
        gc.collect()
        left = [type(found).__name__ for found in gc.garbage if isinstance(found, ast.AST) or type(found).__module__.startswith(("fastlint", "rules"))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert findings and enabled, "the document exercises the rules"
    assert left == []


def test_without_a_project_marker_nothing_is_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The root falls back to the working directory, which may be a home directory."""
    (tmp_path / "other.py").write_text(SERVICES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    scratch = tmp_path / "scratch.py"
    alone = OpenProject(load_settings([scratch]))
    assert alone.summaries == {}
    text = SERVICES + "\n\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/')\nasync def rates():\n    return fetch_rates()\n"
    assert [finding.code for finding in alone.check(scratch, text)] == ["FL107"]


def test_editor_settings_select_rules_and_a_change_rechecks_open_documents(tmp_path: Path):
    root = project(tmp_path)
    app = root / "app.py"
    app.write_text(APP, encoding="utf-8")
    (root / "strict.toml").write_text('select = ["FL1"]\nextend-select = ["FL501"]\n', encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        assert [d.code for d in (await editor.open(app, APP)).diagnostics] == ["FL102"]
        warning = await asyncio.wait_for(editor.messages.get(), TIMEOUT)
        assert warning.message == (
            "fastlint: unknown editor setting `lint` (known: configuration, select, extendSelect, ignore, checkStartup)"
        )
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"fastlint": {"configuration": str(root / "strict.toml")}})
        )
        assert [d.code for d in (await editor.published(app.as_uri())).diagnostics] == ["FL501", "FL101", "FL102"]
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"fastlint": {"ignore": "FL102"}})
        )
        assert [d.code for d in (await editor.published(app.as_uri())).diagnostics] == ["FL101", "FL102"]
        warning = await asyncio.wait_for(editor.messages.get(), TIMEOUT)
        assert warning.message == "fastlint: editor setting `ignore` has the wrong type (str)"

    options = {"settings": {"select": ["FL102"], "checkStartup": False, "lint": {}}}
    assert session(root, scenario, options=options) == 0


def test_editor_settings_are_parsed_like_ruffs():
    from fastlint.integrations.lsp import EditorSettings

    flat, problems = EditorSettings.parse({"select": ["fl1"], "extendSelect": [], "checkStartup": True})
    assert problems == [] and flat.overrides == (("check_startup", True), ("select", ("FL1",)))
    nested, _ = EditorSettings.parse({"settings": {"configuration": "~/lint.toml"}})
    assert nested.configuration == Path("~/lint.toml").expanduser()
    assert EditorSettings.parse(None) == (EditorSettings(), [])
    assert EditorSettings.parse(["select"])[1] == ["fastlint: editor settings must be an object, not list"]


def test_a_check_begun_before_a_settings_change_publishes_nothing(tmp_path: Path):
    """The whole index's recheck of a document (begun under the old settings) ran after
    the editor's settings changed: it published the new findings, then the recheck the
    change scheduled published them again, and an editor waiting for the next change read
    that stale copy (the race of test_editor_settings_select_rules_..., forced here)."""
    import threading

    from pygls.workspace import Workspace

    from fastlint.integrations.lsp import create_server

    root = project(tmp_path)
    app = root / "app.py"
    app.write_text(APP, encoding="utf-8")
    (root / "strict.toml").write_text('select = ["FL1"]\nextend-select = ["FL501"]\n', encoding="utf-8")
    server = create_server()
    server.protocol._workspace = Workspace(root.as_uri(), types.TextDocumentSyncKind.Full)
    server.protocol.client_capabilities = types.ClientCapabilities()
    server.workspace.put_text_document(types.TextDocumentItem(uri=app.as_uri(), language_id="python", version=1, text=APP))
    server.editor_settings, _ = server.editor_settings.parse({"select": ["FL102"]})
    published: list[list[str]] = []
    server.text_document_publish_diagnostics = lambda params: published.append([d.code for d in params.diagnostics])  # type: ignore[method-assign]
    entered, release = threading.Event(), threading.Event()
    run = server._run

    def held_run(path: Path, text: str):  # type: ignore[no-untyped-def]
        if server.results:  # every check after the first (the recheck) waits for the test
            entered.set()
            assert release.wait(TIMEOUT)
        return run(path, text)

    server._run = held_run  # type: ignore[method-assign]

    async def scenario() -> None:
        await server.check(app.as_uri())
        assert await asyncio.to_thread(entered.wait, TIMEOUT)  # the recheck holds the worker
        configured = asyncio.ensure_future(server.configure({"configuration": str(root / "strict.toml")}))
        while server.editor_settings.configuration is None:
            await asyncio.sleep(0)  # until the change is taken (its first step)
        release.set()
        await asyncio.wait_for(configured, TIMEOUT)
        await asyncio.wait_for(server._pending[app.as_uri()], TIMEOUT)
        while server._background:
            await asyncio.wait_for(asyncio.gather(*server._background), TIMEOUT)

    asyncio.run(scenario())
    server.stopping.set()
    assert published == [["FL102"], ["FL501", "FL101", "FL102"]]
