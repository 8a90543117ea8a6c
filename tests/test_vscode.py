"""The VS Code extension (editors/vscode): its settings mirror the server's, and it compiles
and packages to a .vsix. node_modules is installed once per package-lock.json into the
repository's git-ignored .cache/ and reused.

Node.js 20 and npm are on every machine of this project and in CI, and ``npm ci`` from the
registry takes about 25 s with an empty npm cache, so the packaging test always runs: a
machine without npm fails it, saying so, rather than skipping it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from fastlint.integrations.lsp import CLIENT_SETTINGS, SERVER_SETTINGS, EditorSettings

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "editors" / "vscode"


def manifest() -> dict:
    return json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))


def test_settings_mirror_the_servers():
    properties = manifest()["contributes"]["configuration"]["properties"]
    names = {key.removeprefix("fastlint.") for key in properties}
    assert names == set(SERVER_SETTINGS) | CLIENT_SETTINGS
    # What the extension sends (unset settings as null, its own `path`) raises no warning.
    sent = {name: properties[f"fastlint.{name}"]["default"] for name in names}
    assert EditorSettings.parse({"fastlint": sent}) == (EditorSettings(), [])
    source = (EXTENSION / "src" / "extension.ts").read_text(encoding="utf-8")
    assert f"const SERVER_SETTINGS = {json.dumps(list(SERVER_SETTINGS))} as const;".replace('","', '", "') in source
    assert 'args: ["server"]' in source


def test_manifest_pins_its_tools_and_ships_the_licence():
    data = manifest()
    pinned = {**data["dependencies"], **data["devDependencies"]}
    assert all(version[0].isdigit() for version in pinned.values()), pinned  # exact versions
    assert data["license"] == "MIT"
    assert (EXTENSION / "LICENSE").read_text(encoding="utf-8") == (ROOT / "LICENSE").read_text(encoding="utf-8")
    lock = json.loads((EXTENSION / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["devDependencies"] == data["devDependencies"]


def node_major() -> int:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "packaging the VS Code extension needs Node.js 20 or newer with npm (on this project's machines and in CI)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return int(version.lstrip("v").split(".")[0])


def cached_node_modules() -> Path:
    """``npm ci`` into .cache/vscode/<hash of the lock file>/, once."""
    lock = (EXTENSION / "package-lock.json").read_bytes()
    cache = ROOT / ".cache" / "vscode" / hashlib.sha256(lock).hexdigest()[:16]
    if not (cache / "node_modules" / ".bin" / "vsce").exists():
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(EXTENSION / name, cache / name)
        process = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=cache, capture_output=True, text=True, timeout=600
        )
        assert process.returncode == 0, process.stdout + process.stderr
    return cache / "node_modules"


ENV = {**os.environ, "CI": "1", "npm_config_update_notifier": "false"}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the extension with its node_modules, compiled by its pinned TypeScript."""
    # The pinned vsce supports the Node.js that runs it (vsce 3 needs 20 or newer).
    node = node_major()
    modules = cached_node_modules()
    vsce = json.loads((modules / "@vscode" / "vsce" / "package.json").read_text(encoding="utf-8"))
    assert vsce["version"] == manifest()["devDependencies"]["@vscode/vsce"]
    assert vsce["engines"]["node"] == ">= 20" and node >= 20
    work = tmp_path_factory.mktemp("extension") / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))
    (work / "node_modules").symlink_to(modules, target_is_directory=True)
    tsc = work / "node_modules" / ".bin" / "tsc"
    done = subprocess.run([str(tsc), "-p", "."], cwd=work, capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "require(\"vscode-languageclient/node\")" in (work / "out" / "extension.js").read_text(encoding="utf-8")
    return work


def test_the_extension_compiles_and_packages_to_a_vsix(compiled: Path):
    work = compiled
    packaged = subprocess.run(
        [str(work / "node_modules" / ".bin" / "vsce"), "package", "--out", "fastlint.vsix"],
        cwd=work, capture_output=True, text=True, env=ENV, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert packaged.returncode == 0, packaged.stdout + packaged.stderr
    with zipfile.ZipFile(work / "fastlint.vsix") as vsix:
        names = set(vsix.namelist())
        shipped = json.loads(vsix.read("extension/package.json"))
    assert {"extension/out/extension.js", "extension/package.json", "extension.vsixmanifest"} <= names
    assert any(name.startswith("extension/node_modules/vscode-languageclient/") for name in names)
    assert any(name.lower().startswith("extension/license") for name in names)
    assert not any(name.startswith(("extension/src/", "extension/node_modules/typescript/")) for name in names)
    assert shipped["version"] == manifest()["version"]


def drive(compiled: Path, tmp_path: Path, initial: dict[str, object], changes: list[dict[str, object]]) -> dict:
    """Run the compiled extension against stand-ins for VS Code (tests/js/vscode_extension.js)."""
    spec = tmp_path / "settings.json"
    spec.write_text(json.dumps({"initial": initial, "changes": changes}), encoding="utf-8")
    harness = ROOT / "tests" / "js" / "vscode_extension.js"
    done = subprocess.run(
        ["node", str(harness), str(compiled / "out" / "extension.js"), str(spec)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_the_extension_starts_fastlint_server_with_the_settings_it_has(compiled: Path, tmp_path: Path):
    run = drive(compiled, tmp_path, {"select": ["FL1"], "checkStartup": True}, [])
    created, started, stopped = run["events"]
    assert created == {
        "event": "created", "client": 1, "id": "fastlint", "name": "fastlint",
        "serverOptions": {"command": "fastlint", "args": ["server"]},
        "documentSelector": [{"scheme": "file", "language": "python"}],
        # Unset settings (null) are left out: the server's configuration decides them.
        "initializationOptions": {"settings": {"select": ["FL1"], "checkStartup": True}},
        "configurationSection": "fastlint",
        "fileEvents": "**/{*.py,pyproject.toml,fastlint.toml}",
    }
    assert started == {"event": "started", "client": 1} and stopped == {"event": "stopped", "client": 1}
    # What the server reads from those options raises no warning.
    assert EditorSettings.parse({"fastlint": created["initializationOptions"]["settings"]})[1] == []


def test_a_new_path_restarts_the_server_and_other_settings_do_not(compiled: Path, tmp_path: Path):
    changes = [
        {"setting": "ignore", "value": ["FL103"]},  # sent to the running server by the client
        {"setting": "path", "value": "/opt/fastlint/bin/fastlint"},
        {"setting": "path", "value": "/usr/local/bin/fastlint"},
    ]
    run = drive(compiled, tmp_path, {}, changes)
    what = [(event["event"], event["client"], event.get("serverOptions", {}).get("command")) for event in run["events"]]
    assert what == [
        ("created", 1, "fastlint"), ("started", 1, None),
        ("stopped", 1, None), ("created", 2, "/opt/fastlint/bin/fastlint"), ("started", 2, None),
        ("stopped", 2, None), ("created", 3, "/usr/local/bin/fastlint"), ("started", 3, None),
        ("stopped", 3, None),
    ]
    assert run["events"][-3]["initializationOptions"] == {"settings": {"ignore": ["FL103"]}}
    # One watcher and one listener however often the server restarts, all given to VS Code to dispose.
    assert (run["watchers"], run["listeners"], run["subscriptions"]) == (1, 1, 2)
