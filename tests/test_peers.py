"""fastlint finds what ruff's event-loop rules find, where it matters, on the same code.

ruff's ASYNC rules and S113 are the peers every FastAPI team already runs. On the fixture
apps, every one of their findings must have a fastlint finding on the same line, except
the deliberate differences listed below with their reason; and fastlint must find more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastlint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
APPS = ["async_sqlalchemy_app", "sync_sqlalchemy_app", "split_routers_app", "chains", "resilience_app"]

# (app-relative path, line): why fastlint stays quiet where ruff reports.
DELIBERATE = {
    ("async_sqlalchemy_app/main.py", 36): "the read is in the lifespan: it runs once, before the server takes traffic",
}


def _ruff() -> str:
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    assert Path(found).exists(), "ruff is part of the test extra"
    return found


def _ruff_lines(app: Path) -> set[tuple[str, int, str]]:
    result = subprocess.run(
        [_ruff(), "check", "--no-cache", "--isolated", "--select", "ASYNC,S113", "--output-format", "json", str(app)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return {
        (Path(item["filename"]).relative_to(FIXTURES).as_posix(), item["location"]["row"], item["code"])
        for item in json.loads(result.stdout)
    }


def _fastlint_lines(app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, int, str]]:
    from click.testing import CliRunner

    copy = tmp_path / app.name
    shutil.copytree(app, copy)
    monkeypatch.chdir(copy)
    result = CliRunner().invoke(main, ["check", ".", "--no-cache", "--output-format", "json", "--select", "ALL"])
    assert result.exit_code in (0, 1), result.output
    return {
        (f"{app.name}/{Path(item['filename']).relative_to(copy).as_posix()}", item["location"]["row"], item["code"])
        for item in json.loads(result.stdout)
    }


@pytest.mark.parametrize("name", APPS)
def test_fastlint_finds_what_ruff_finds_on_the_event_loop(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    app = FIXTURES / name
    ruff = _ruff_lines(app)
    ours = {(path, line) for path, line, _ in _fastlint_lines(app, tmp_path, monkeypatch)}
    missed = {(path, line, code) for path, line, code in ruff if (path, line) not in ours and (path, line) not in DELIBERATE}
    assert not missed, f"ruff finds these and fastlint does not: {sorted(missed)}"


def test_fastlint_finds_more_than_ruff_on_the_fixture_apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ruff_total = ours_total = 0
    for name in APPS:
        ruff_total += len(_ruff_lines(FIXTURES / name))
        ours_total += len(_fastlint_lines(FIXTURES / name, tmp_path / name, monkeypatch))
    assert ruff_total > 0
    assert ours_total > 2 * ruff_total


def test_every_deliberate_difference_is_still_reported_by_ruff():
    """The list above must not outlive the code it explains."""
    ruff = {(path, line) for name in APPS for path, line, _ in _ruff_lines(FIXTURES / name)}
    assert set(DELIBERATE) <= ruff
