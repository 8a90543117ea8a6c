"""The language server: cross-module findings in the first diagnostics; pull diagnostics
(``textDocument/diagnostic``) for clients that ask for them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from test_lsp import API, APP, TIMEOUT, Editor, project, session

# Own finding (FL102, time.sleep) and a cross-module one (FL107 through pkg.services).
MIXED = API.replace("import APIRouter\n", "import APIRouter\nimport time\n").replace(
    "    return fetch_rates()", "    time.sleep(1)\n    return fetch_rates()"
)


def test_cross_module_findings_in_the_first_diagnostics(tmp_path: Path):
    root = project(tmp_path)
    api = root / "pkg" / "api.py"

    async def scenario(editor: Editor) -> None:
        first = await editor.open(api, MIXED)
        assert sorted(d.code for d in first.diagnostics) == ["FL102", "FL107"]

    assert session(root, scenario) == 0


def test_pull_diagnostics(tmp_path: Path):
    root = project(tmp_path)
    api = root / "pkg" / "api.py"
    app = root / "app.py"

    async def scenario(editor: Editor) -> None:
        async def pull(path: Path) -> list[str]:
            report = await asyncio.wait_for(
                editor.client.text_document_diagnostic_async(
                    types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri()))
                ),
                TIMEOUT,
            )
            assert report.kind == "full"
            return sorted(item.code for item in report.items)

        uri = api.as_uri()
        editor.versions[uri] = 1
        editor.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=MIXED))
        )
        assert await pull(api) == ["FL102", "FL107"]
        assert await pull(api) == ["FL102", "FL107"]  # unchanged: the last check answers
        editor.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=app.as_uri(), language_id="python", version=1, text=APP))
        )
        assert await pull(app) == ["FL101", "FL102"]
        editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"fastlint": {"ignore": ["FL107"]}}))
        assert await pull(api) == ["FL102"]  # the next pull is answered under the new settings
        assert all(queue.empty() for queue in editor.diagnostics.values())  # nothing pushed

    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(diagnostic=types.DiagnosticClientCapabilities()),
        workspace=types.WorkspaceClientCapabilities(diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)),
    )
    assert session(root, scenario, capabilities) == 0
