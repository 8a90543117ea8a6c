"""Files that cannot be analysed become one FL001 each; the run goes on with the others."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fastlint.cli import main

LATIN1 = (
    "# -*- coding: latin-1 -*-\n"
    '"""Café über alles."""\n'
    "import time\n"
    "\n"
    "\n"
    "async def pause():\n"
    '    délai = "été"; time.sleep(len(délai))\n'
).encode("latin-1")
BOM = codecs.BOM_UTF8 + (
    "import time\n"
    "\n"
    "\n"
    "async def attente():\n"
    '    nom = "été"; time.sleep(1)\n'
).encode()

# file name -> (bytes, the findings expected as (line, column, code))
FILES: dict[str, tuple[bytes, list[tuple[int, int, str]]]] = {
    # No `async def` in it, so no rule is triggered: it must be parsed all the same.
    "syntax_error.py": (b"import os\n\ndef broken(:\n    pass\n", [(3, 12, "FL001")]),
    "async_syntax_error.py": (b"async def broken(:\n    pass\n", [(1, 18, "FL001")]),
    "nul_byte.py": (b'x = 1\ny = "a\0b"\n', [(2, 7, "FL001")]),
    "undecodable.py": (b"x = 1\n\ny = '\xff'\n", [(3, 1, "FL001")]),
    "unknown_cookie.py": (b"# coding: klingon\nx = 1\n", [(1, 1, "FL001")]),
    "latin1.py": (LATIN1, [(7, 20, "FL102")]),
    "bom.py": (BOM, [(5, 18, "FL102")]),
    "empty.py": (b"", []),
}
BROKEN = sorted(name for name, (_, expected) in FILES.items() if any(code == "FL001" for *_, code in expected))


@pytest.fixture
def bad_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for name, (data, _) in FILES.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", ".", "--output-format", "json", *args])


def findings(result: Result) -> list[tuple[str, int, int, str]]:
    assert result.exit_code == 1, result.output
    return [
        (Path(item["filename"]).name, item["location"]["row"], item["location"]["column"], item["code"])
        for item in json.loads(result.stdout)
    ]


def test_every_file_is_checked_without_a_crash(bad_dir: Path):
    expected = sorted((name, *finding) for name, (_, found) in FILES.items() for finding in found)
    assert sorted(findings(check())) == expected


def test_fl001_messages_say_why(bad_dir: Path):
    messages = {Path(item["filename"]).name: item["message"] for item in json.loads(check().stdout) if item["code"] == "FL001"}
    assert sorted(messages) == BROKEN
    assert messages["syntax_error.py"].startswith("Failed to analyse file: SyntaxError: ")
    assert messages["nul_byte.py"] == "Failed to analyse file: SyntaxError: source code cannot contain null bytes"
    assert messages["unknown_cookie.py"] == "Failed to analyse file: invalid encoding declaration: unknown encoding: klingon"
    assert messages["undecodable.py"].startswith("Failed to analyse file: cannot decode file as utf-8: ")
    assert "newer than Python" not in "".join(messages.values())


def test_the_text_report_is_complete(bad_dir: Path):
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "Found 7 errors.",
        "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option).",
    ]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--select", "FL101"), id="select-another-rule"),
        pytest.param(("--ignore", "FL001"), id="ignore-fl001"),
        pytest.param(("--ignore", "FL"), id="ignore-everything"),
        pytest.param(("--select", "FL102", "--ignore", "FL1"), id="select-and-ignore"),
    ],
)
def test_fl001_cannot_be_disabled_by_selection(bad_dir: Path, args: tuple[str, ...]):
    assert sorted(name for name, *_, code in findings(check(*args)) if code == "FL001") == BROKEN


def test_fl001_cannot_be_disabled_by_configuration(bad_dir: Path):
    (bad_dir / "fastlint.toml").write_text('ignore = ["FL001"]\n[per-file-ignores]\n"*.py" = ["FL001", "FL1"]\n')
    result = check()
    assert sorted(name for name, *_ in findings(result)) == BROKEN
    assert "FL001 cannot be disabled" in result.stderr


@pytest.mark.parametrize("comment", ["# noqa", "# noqa: FL001", "# fastlint: ignore[FL001]", "# fastlint: ignore"])
def test_fl001_cannot_be_disabled_by_a_comment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, comment: str):
    (tmp_path / ".git").mkdir()
    (tmp_path / "broken.py").write_text(f"import os\n\ndef broken(:  {comment}\n    pass\n")
    monkeypatch.chdir(tmp_path)
    assert findings(check()) == [("broken.py", 3, 12, "FL001")]
