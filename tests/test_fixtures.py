"""The sample apps under ``tests/fixtures/`` report exactly what their markers say.

A marker is a comment on the line where findings start: ``# error: FL101@12`` (the
1-based column), several separated by ``, ``. Each app is copied to a directory of its
own and checked there through the CLI's JSON output, so the project root, the
configuration and the project index are the app's own, as when a user checks their app.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.cli import main
from fastlint.rule_meta import UNPARSEABLE
from fastlint.run.registry import known_codes

FIXTURES = Path(__file__).parent / "fixtures"
# The apps of the foundation issue; other issues add theirs next to them.
FOUNDATION_APPS = {"async_sqlalchemy_app", "sync_sqlalchemy_app", "split_routers_app"}

_MARKER = re.compile(r"#\s*error:\s*(?P<items>.*)$")
_ITEM = re.compile(r"(?P<code>[A-Z]+[0-9]+)@(?P<column>[0-9]+)")

Expected = set[tuple[str, int, int, str]]


def markers(app: Path) -> Expected:
    """Every ``(relative path, line, column, code)`` that the app's comments announce."""
    found: Expected = set()
    for path in sorted(p for p in app.rglob("*") if p.suffix in (".py", ".pyi")):
        text = path.read_bytes().decode("utf-8", errors="replace")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for number, line in enumerate(lines, start=1):
            match = _MARKER.search(line)
            if match is None:
                continue
            for item in match.group("items").split(", "):
                parsed = _ITEM.fullmatch(item.strip())
                assert parsed, f"{path}:{number}: malformed marker item {item!r}"
                relative = path.relative_to(app).as_posix()
                found.add((relative, number, int(parsed.group("column")), parsed.group("code")))
    return found


def _registered(code: str) -> bool:
    return code in known_codes() or code == UNPARSEABLE.code


def fixture_apps() -> list[Path]:
    """The apps whose markers name rules that exist (an app for a rule not yet written waits)."""
    return [
        app
        for app in sorted(path for path in FIXTURES.iterdir() if path.is_dir())
        if any(_registered(code) for *_, code in markers(app))
    ]


def check_app(app: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...] = ()) -> Expected:
    """Run ``fastlint check`` on a copy of ``app`` with every non-preview rule enabled."""
    copy = workdir / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(copy)
    result = CliRunner().invoke(main, ["check", ".", "--output-format", "json", "--no-cache", "--select", "ALL", *extra])
    assert result.exit_code in (0, 1), result.output
    root = copy.resolve()
    return {
        (Path(item["filename"]).resolve().relative_to(root).as_posix(), item["location"]["row"], item["location"]["column"], item["code"])
        for item in json.loads(result.stdout)
    }


def test_the_foundation_apps_are_collected():
    assert FOUNDATION_APPS <= {app.name for app in fixture_apps()}


@pytest.mark.parametrize("app", fixture_apps(), ids=lambda app: app.name)
def test_fixture_app_reports_exactly_its_markers(app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    expected = {marker for marker in markers(app) if _registered(marker[3])}
    preview = sorted({code for *_, code in expected if known_codes().get(code)})
    extra = ("--extend-select", ",".join(preview)) if preview else ()
    assert check_app(app, tmp_path, monkeypatch, extra) == expected


def test_markers_are_read_with_their_columns(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("x = 1\ny()  # error: FL101@1, FL102@7\n")
    assert markers(tmp_path) == {("pkg/m.py", 2, 1, "FL101"), ("pkg/m.py", 2, 7, "FL102")}
    (tmp_path / "pkg" / "m.py").write_text("y()  # error: FL101 at 1\n")
    with pytest.raises(AssertionError, match="malformed marker"):
        markers(tmp_path)
