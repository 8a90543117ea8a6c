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


def test_the_extension_compiles_and_packages_to_a_vsix(tmp_path: Path):
    # The pinned vsce supports the Node.js that runs it (vsce 3 needs 20 or newer).
    node = node_major()
    modules = cached_node_modules()
    vsce = json.loads((modules / "@vscode" / "vsce" / "package.json").read_text(encoding="utf-8"))
    assert vsce["version"] == manifest()["devDependencies"]["@vscode/vsce"]
    assert vsce["engines"]["node"] == ">= 20" and node >= 20
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))
    (work / "node_modules").symlink_to(modules, target_is_directory=True)
    env = {**os.environ, "CI": "1", "npm_config_update_notifier": "false"}
    bin_dir = work / "node_modules" / ".bin"
    compiled = subprocess.run([str(bin_dir / "tsc"), "-p", "."], cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert "require(\"vscode-languageclient/node\")" in (work / "out" / "extension.js").read_text(encoding="utf-8")
    packaged = subprocess.run(
        [str(bin_dir / "vsce"), "package", "--out", "fastlint.vsix"],
        cwd=work, capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL,
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
