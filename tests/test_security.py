"""The threat model of docs/security.md: nothing in the analysed tree is run or trusted."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import check_paths, write_files

from fastlint.cli import main
from fastlint.run.cache import CACHE_DIR

ROUTES = """
    import time

    from fastapi import APIRouter

    app = APIRouter()

    @app.get("/")
    async def index():
        time.sleep(1)
    """


class Payload:
    """Unpickling this touches ``marker``: what a planted pickle could do with a CI token."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write_files(root, {"app/__init__.py": "", "app/main.py": ROUTES})
    return root


def codes(root: Path) -> list[tuple[int, str]]:
    return [(finding.start.line, finding.code) for finding in check_paths(root, ["app/main.py"]).findings]


def test_a_planted_pickle_in_the_cache_runs_nothing(repo: Path, tmp_path: Path):
    assert codes(repo) == [(9, "FL102")]
    marker = tmp_path / "pwned"
    directory = repo / CACHE_DIR
    planted = [path for path in directory.iterdir() if path.name != ".gitignore"]
    # Every cache file, and the names older versions read, hold a pickle that touches a file.
    names = {path.name for path in planted} | {path.name.rsplit(".", 1)[0] + ".pickle" for path in planted}
    for name in names:
        (directory / name).write_bytes(pickle.dumps(Payload(marker)))
    result = check_paths(repo, ["app/main.py"])
    assert [(finding.start.line, finding.code) for finding in result.findings] == [(9, "FL102")]
    assert not marker.exists()
    assert any("discarded the unreadable cache" in warning for warning in result.warnings)


def test_valid_json_with_junk_entries_is_discarded_with_one_warning_and_rebuilt(repo: Path):
    codes(repo)
    directory = repo / CACHE_DIR
    [findings] = directory.glob("*.findings.json")
    store = json.loads(findings.read_text(encoding="utf-8"))
    store[2] = {str(repo / "app/main.py"): ["digest", "app.main", [["FL102", 1, None, 9, 5]]]}
    findings.write_text(json.dumps(store), encoding="utf-8")
    result = check_paths(repo, ["app/main.py"])
    assert [(finding.start.line, finding.code) for finding in result.findings] == [(9, "FL102")]
    assert len(result.warnings) == 1 and "discarded the unreadable cache" in result.warnings[0], result.warnings
    assert check_paths(repo, ["app/main.py"]).warnings == []  # rebuilt


def test_junk_summaries_are_discarded_and_rebuilt(repo: Path):
    codes(repo)
    [summaries] = (repo / CACHE_DIR).glob("*.summaries.jsonl")
    summaries.write_text(json.dumps({str(repo / "app/main.py"): ["x", "app.main", [1, 2, 3], "d"]}), encoding="utf-8")
    write_files(repo, {"app/other.py": "x = 1\n"})  # not a warm run: the summaries are read
    result = check_paths(repo, ["app/main.py"])
    assert [(finding.start.line, finding.code) for finding in result.findings] == [(9, "FL102")]
    assert len(result.warnings) == 1 and "unexpected content" in result.warnings[0]


def test_the_cache_directory_is_never_used_through_a_symbolic_link(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)
    assert codes(repo) == [(9, "FL102")]
    assert list(elsewhere.iterdir()) == []
    assert "is a symbolic link" in capsys.readouterr().err


@pytest.mark.parametrize("cache_dir", ["../outside", "{outside}"])
def test_a_cache_dir_outside_the_repository_is_never_written(repo: Path, tmp_path: Path, cache_dir: str, monkeypatch: pytest.MonkeyPatch):
    outside = tmp_path / "outside"
    (repo / "pyproject.toml").write_text(f'[tool.fastlint]\ncache-dir = "{cache_dir.format(outside=outside)}"\n', encoding="utf-8")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["check", "app/main.py"])
    assert result.exit_code == 1
    assert "FL102" in result.stdout
    assert not outside.exists()
    assert "outside the project" in result.stderr


def test_clean_never_deletes_outside_the_repository(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A directory that looks like a fastlint cache, outside the repository under review.
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / ".gitignore").write_text("# Created by fastlint.\n*\n", encoding="utf-8")
    (victim / "precious.txt").write_text("keep me", encoding="utf-8")
    (repo / "pyproject.toml").write_text('[tool.fastlint]\ncache-dir = "../victim"\n', encoding="utf-8")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 2
    assert "outside the project" in result.stderr
    assert (victim / "precious.txt").exists()


def test_clean_never_follows_a_symbolic_link(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / ".gitignore").write_text("# Created by fastlint.\n*\n", encoding="utf-8")
    (repo / CACHE_DIR).symlink_to(victim, target_is_directory=True)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["clean"])
    assert result.exit_code == 2
    assert "symbolic link" in result.stderr
    assert (victim / ".gitignore").exists()


SIDE_EFFECTS = """
    import os, pathlib, sys
    pathlib.Path({marker!r}).touch()
    os._exit(3)
    """


def test_analysed_modules_are_never_imported_or_run(repo: Path, tmp_path: Path):
    """Modules whose import would leave a trace (and kill the process) are checked, fixed and
    reviewed; none leaves a trace."""
    marker = tmp_path / "imported"
    hostile = SIDE_EFFECTS.format(marker=str(marker))
    write_files(repo, {
        "app/__init__.py": hostile,
        "app/hostile.py": hostile,
        "conftest.py": hostile,
        "setup.py": hostile,
        "app/deps.py": hostile + "\ndef get_db():\n    pass\n",
        "app/main.py": ROUTES + "\nimport httpx\n\n@app.get('/x')\nasync def x():\n    return httpx.get('https://example.com')\n",
    })
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for args in (["check", "."], ["check", "--fix", "--unsafe-fixes", "."], ["check", "--no-cache", "app/main.py"]):
        process = subprocess.run([sys.executable, "-m", "fastlint", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=120)
        assert process.returncode in (0, 1), process.stderr
        assert not marker.exists(), args
