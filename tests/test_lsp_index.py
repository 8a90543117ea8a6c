"""The language server on a project it has not indexed (issue 15, item 6): the open file's
own findings at once, from a lazy index of what they rest on; the whole index built in the
background with ``$/progress``; then what needs the whole project. A real pygls client
speaks to ``fastlint server`` over pipes; every wait is bounded (``TIMEOUT``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from projects import write_files
from test_cross_module_facts import ROLES
from test_lsp import TIMEOUT, Editor, session

SLEEP = "; use `await asyncio.sleep(...)`"
PARTIAL = "`time.sleep` blocks the event loop in async function `get_user`" + SLEEP
WHOLE = "`time.sleep` blocks the event loop in async dependency `get_user`" + SLEEP


def roles_project(root: Path, modules: int = 0) -> Path:
    """app/deps.py, whose get_user only app/main.py makes a dependency; ``modules`` more
    small modules make the index large enough for a process pool."""
    filler = {f"app/filler/m{number}.py": f"def f{number}():\n    return {number}\n" for number in range(modules)}
    write_files(root, {**ROLES, **filler, "pyproject.toml": '[project]\nname = "demo"\n\n[tool.fastlint]\nselect = ["FL1"]\n'})
    return root


def with_progress(editor: Editor) -> asyncio.Queue[types.ProgressParams]:
    """Accept the server's progress tokens and record its ``$/progress`` notifications."""
    received: asyncio.Queue[types.ProgressParams] = asyncio.Queue()

    @editor.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @editor.client.feature(types.PROGRESS)
    def progress(params: types.ProgressParams) -> None:
        received.put_nowait(params)

    return received


async def until_end(received: asyncio.Queue[types.ProgressParams]) -> list[str]:
    """The kinds of one progress, begin to end."""
    kinds: list[str] = []
    while not kinds or kinds[-1] != "end":
        params = await asyncio.wait_for(received.get(), TIMEOUT)
        kinds.append(params.value["kind"] if isinstance(params.value, dict) else params.value.kind)
    return kinds


def messages(published: types.PublishDiagnosticsParams) -> list[str]:
    return sorted(diagnostic.message for diagnostic in published.diagnostics)


PROGRESS = types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True))


def run(root: Path, scenario, capabilities: types.ClientCapabilities = PROGRESS) -> int:  # type: ignore[no-untyped-def]
    progress: list[asyncio.Queue[types.ProgressParams]] = []

    async def wrapped(editor: Editor) -> None:
        await scenario(editor, progress[0])

    original = Editor.__init__

    def init(editor: Editor, client) -> None:  # type: ignore[no-untyped-def]
        original(editor, client)
        progress.append(with_progress(editor))

    Editor.__init__ = init  # type: ignore[method-assign]
    try:
        return session(root, wrapped, capabilities)
    finally:
        Editor.__init__ = original  # type: ignore[method-assign]


def test_own_findings_at_once_then_the_whole_projects_with_progress(tmp_path: Path):
    deps = roles_project(tmp_path) / "app" / "deps.py"

    async def scenario(editor: Editor, progress: asyncio.Queue[types.ProgressParams]) -> None:
        first = await editor.open(deps, deps.read_text(encoding="utf-8"))
        assert PARTIAL in messages(first) and WHOLE not in messages(first)  # app/main.py not read yet
        kinds = await until_end(progress)
        assert kinds[0] == "begin" and kinds[-1] == "end" and set(kinds[1:-1]) <= {"report"}
        second = await editor.published(deps.as_uri())
        assert WHOLE in messages(second) and PARTIAL not in messages(second)
        assert second.version == 1

    assert run(tmp_path, scenario) == 0


def test_a_project_large_enough_for_worker_processes_is_indexed_in_the_background(tmp_path: Path):
    deps = roles_project(tmp_path, modules=80) / "app" / "deps.py"

    async def scenario(editor: Editor, progress: asyncio.Queue[types.ProgressParams]) -> None:
        assert PARTIAL in messages(await editor.open(deps, deps.read_text(encoding="utf-8")))
        kinds = await until_end(progress)
        assert kinds.count("report") >= 2  # files counted as they are summarised
        assert WHOLE in messages(await editor.published(deps.as_uri()))
        # Typing goes on against the whole index.
        changed = await editor.change(deps, deps.read_text(encoding="utf-8").replace("async def helper", "def helper"))
        assert WHOLE in messages(changed)

    assert run(tmp_path, scenario) == 0


def test_the_server_exits_while_it_indexes(tmp_path: Path):
    deps = roles_project(tmp_path, modules=400) / "app" / "deps.py"

    async def scenario(editor: Editor, progress: asyncio.Queue[types.ProgressParams]) -> None:
        assert PARTIAL in messages(await editor.open(deps, deps.read_text(encoding="utf-8")))
        params = await asyncio.wait_for(progress.get(), TIMEOUT)
        assert (params.value["kind"] if isinstance(params.value, dict) else params.value.kind) == "begin"
        # shutdown and exit now, the index unfinished: the server must not wait for it

    assert run(tmp_path, scenario) == 0


def test_pull_clients_are_asked_to_pull_again_when_the_index_is_ready(tmp_path: Path):
    deps = roles_project(tmp_path) / "app" / "deps.py"
    refreshed: asyncio.Queue[None] = asyncio.Queue()

    async def scenario(editor: Editor, progress: asyncio.Queue[types.ProgressParams]) -> None:
        @editor.client.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)
        def refresh(params: None) -> None:
            refreshed.put_nowait(None)

        async def pull() -> list[str]:
            report = await asyncio.wait_for(
                editor.client.text_document_diagnostic_async(
                    types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=deps.as_uri()))
                ),
                TIMEOUT,
            )
            return sorted(item.message for item in report.items)

        editor.versions[deps.as_uri()] = 1
        editor.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=deps.as_uri(), language_id="python", version=1, text=deps.read_text(encoding="utf-8"))
            )
        )
        first = await pull()
        assert PARTIAL in first or WHOLE in first  # the index may be ready by now
        await asyncio.wait_for(refreshed.get(), TIMEOUT)
        assert WHOLE in await pull()
        assert all(queue.empty() for queue in editor.diagnostics.values())  # nothing pushed

    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities()),
        workspace=types.WorkspaceClientCapabilities(diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)),
    )
    assert run(tmp_path, scenario, capabilities) == 0
