"""Autofix: the fixer's rounds and guarantees, the bytes it writes, the command line.

The golden file ``tests/fixtures/fixes/app.fixed.py`` is regenerated only with
``FASTLINT_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fastlint.cli import main
from fastlint.finding import Applicability, Edit, Finding, Fix, Position
from fastlint.fixing.fixer import MAX_ROUNDS, apply_edits, choose, fix_file
from fastlint.fixing.policy import FixPolicy
from fastlint.source import decode_source
from fastlint.testing import fix_source, lint_source

FIXES = Path(__file__).parent / "fixtures" / "fixes"
SLEEPY = "import time\n\n\nasync def poll():\n    time.sleep(1)\n"
SLEEPY_FIXED = "import asyncio\n\n\nasync def poll():\n    await asyncio.sleep(1)\n"
DEBUG = "from fastapi import FastAPI\n\napp = FastAPI(openapi_url=None, debug=True)\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--no-cache", *args])


# -- golden output ---------------------------------------------------------------------


def test_fixture_is_fixed_as_the_golden_file(project: Path):
    shutil.copy(FIXES / "app.py", project / "app.py")
    result = run("app.py", "--fix", "--unsafe-fixes")
    fixed = (project / "app.py").read_text(encoding="utf-8")
    golden = FIXES / "app.fixed.py"
    if os.environ.get("FASTLINT_UPDATE_GOLDEN") == "1":
        golden.write_text(fixed, encoding="utf-8")
    assert fixed == golden.read_text(encoding="utf-8")
    ast.parse(fixed)
    # The sleep used as a value has no fix and remains.
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "app.py:18:13: FL102 `time.sleep` blocks the event loop in async route handler POST /orders; use `await asyncio.sleep(...)`",
        "Found 6 errors (5 fixed, 1 remaining).",
    ]


def test_fixing_again_changes_nothing(project: Path):
    shutil.copy(FIXES / "app.fixed.py", project / "app.py")
    before = (project / "app.py").read_bytes()
    result = run("app.py", "--fix", "--unsafe-fixes")
    assert result.exit_code == 1
    assert (project / "app.py").read_bytes() == before
    assert "Found 1 error." in result.stdout


# -- safe only, unsafe, configuration ---------------------------------------------------


def test_fix_without_unsafe_fixes_writes_nothing_and_counts_hidden_fixes(project: Path):
    (project / "app.py").write_text(SLEEPY)
    result = run("app.py", "--fix")
    assert (project / "app.py").read_text() == SLEEPY
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "Found 1 error.",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]


def test_unsafe_fixes_without_fix_says_how_to_apply_them(project: Path):
    (project / "app.py").write_text(SLEEPY)
    result = run("app.py", "--unsafe-fixes")
    assert (project / "app.py").read_text() == SLEEPY
    assert result.stdout.splitlines()[-1] == "1 unsafe fix can be applied with `--fix --unsafe-fixes`."


def test_everything_fixed_exits_0(project: Path):
    (project / "app.py").write_text(DEBUG)
    result = run("app.py", "--fix", "--unsafe-fixes", "--show-fixes")
    assert (project / "app.py").read_text() == "from fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n"
    assert result.exit_code == 0
    assert result.stdout == (
        "Found 1 error (1 fixed, 0 remaining).\n"
        "Fixed 1 error:\n"
        "- app.py:\n"
        "    1 × FL502 (debug-mode-enabled)\n"
    )


def test_unfixable_rules_are_neither_fixed_nor_shown(project: Path):
    (project / "app.py").write_text(DEBUG + "\n\nasync def poll():\n    import time\n    time.sleep(1)\n")
    (project / "fastlint.toml").write_text('unfixable = ["FL502"]\n')
    report = json.loads(run("app.py", "--output-format", "json").stdout)
    assert [(item["code"], item["fix"] is None) for item in report] == [("FL502", True), ("FL102", False)]
    result = run("app.py", "--fix", "--unsafe-fixes")
    assert "debug=True" in (project / "app.py").read_text()
    assert "await asyncio.sleep(1)" in (project / "app.py").read_text()
    assert result.exit_code == 1


def test_fixable_limits_the_fixed_rules(project: Path):
    (project / "app.py").write_text(DEBUG + "\n\nasync def poll():\n    import time\n    time.sleep(1)\n")
    (project / "fastlint.toml").write_text('fixable = ["FL1"]\n')
    run("app.py", "--fix", "--unsafe-fixes")
    text = (project / "app.py").read_text()
    assert "debug=True" in text and "await asyncio.sleep(1)" in text


def test_an_unknown_fixable_selector_is_a_configuration_error(project: Path):
    (project / "app.py").write_text(DEBUG)
    (project / "fastlint.toml").write_text('extend-fixable = ["FL999"]\n')
    result = run("app.py")
    assert result.exit_code == 2
    assert "'extend-fixable' has unknown rule selector 'FL999'" in result.stderr


@pytest.mark.parametrize(
    ("config", "safety"),
    [
        pytest.param("", {"FL502": "unsafe", "FL102": "unsafe"}, id="default"),
        pytest.param('extend-safe-fixes = ["FL502"]\n', {"FL502": "safe", "FL102": "unsafe"}, id="one-code"),
        pytest.param('extend-safe-fixes = ["FL"]\n', {"FL502": "safe", "FL102": "safe"}, id="prefix"),
        pytest.param('extend-safe-fixes = ["FL"]\nextend-unsafe-fixes = ["FL5"]\n', {"FL502": "unsafe", "FL102": "safe"}, id="more-specific-unsafe-wins"),
        pytest.param('extend-safe-fixes = ["FL502"]\nextend-unsafe-fixes = ["FL5"]\n', {"FL502": "safe", "FL102": "unsafe"}, id="more-specific-safe-wins"),
        pytest.param('extend-safe-fixes = ["FL1"]\nextend-unsafe-fixes = ["FL1"]\n', {"FL502": "unsafe", "FL102": "unsafe"}, id="unsafe-wins-a-tie"),
    ],
)
def test_extend_safe_and_unsafe_fixes_set_the_applicability(project: Path, config: str, safety: dict[str, str]):
    (project / "app.py").write_text(DEBUG + "\n\nasync def poll():\n    import time\n    time.sleep(1)\n")
    (project / "fastlint.toml").write_text(config)
    report = json.loads(run("app.py", "--output-format", "json").stdout)
    assert {item["code"]: item["fix"]["applicability"] for item in report} == safety
    # --fix alone applies exactly the fixes that are now safe.
    run("app.py", "--fix")
    text = (project / "app.py").read_text()
    assert ("debug=True" not in text) == (safety["FL502"] == "safe")
    assert ("await asyncio.sleep(1)" in text) == (safety["FL102"] == "safe")


def test_extend_unsafe_fixes_demotes_a_safe_fix():
    finding = Finding("FL502", "m", "a.py", Position(1, 1), Position(1, 2), fix=Fix((), Applicability.SAFE, "m"))
    policy = FixPolicy(frozenset({"FL502"}), demoted=frozenset({"FL502"}))
    assert not policy.fixable(finding) and policy.hidden(finding)
    assert policy.shown([finding])[0].fix.applicability is Applicability.UNSAFE  # type: ignore[union-attr]
    display = replace(finding, fix=Fix((), Applicability.DISPLAY_ONLY, "m"))
    promoted = FixPolicy(frozenset({"FL502"}), promoted=frozenset({"FL502"}))
    assert promoted.shown([display]) == [display] and not promoted.offered(display)


def test_an_unknown_safety_selector_is_a_configuration_error(project: Path):
    (project / "app.py").write_text(DEBUG)
    (project / "fastlint.toml").write_text('extend-unsafe-fixes = ["FL999"]\n')
    result = run("app.py")
    assert result.exit_code == 2
    assert "'extend-unsafe-fixes' has unknown rule selector 'FL999'" in result.stderr


def test_rules_and_statistics_mark_a_rule_alike(project: Path):
    """`fastlint rules` marks the fix each rule documents; --statistics the fixes found."""
    (project / "app.py").write_text(DEBUG + "\n\nasync def poll():\n    import time\n    time.sleep(1)\n")
    listed = {line.split()[0]: line.split()[2] for line in CliRunner().invoke(main, ["rules"]).stdout.splitlines()}
    stats = {line.split()[1]: line.split()[2] for line in run("app.py", "--statistics").stdout.splitlines() if line[:1].isdigit()}
    assert stats == {"FL502": listed["FL502"], "FL102": listed["FL102"]} == {"FL502": "[-]", "FL102": "[-]"}


def test_json_carries_the_timeout_fix_with_the_configured_seconds(project: Path):
    (project / "app.py").write_text('import requests\n\ndef f():\n    requests.get("https://example.com")\n')
    (project / "fastlint.toml").write_text("default-timeout = 3\n")
    (item,) = json.loads(run("app.py", "--output-format", "json").stdout)
    assert item["fix"] == {
        "applicability": "unsafe",
        "edits": [{"content": ", timeout=3", "location": {"row": 4, "column": 39}, "end_location": {"row": 4, "column": 39}}],
        "message": "Pass `timeout=3`",
    }


# -- --diff ---------------------------------------------------------------------------


def test_diff_prints_the_changes_and_writes_nothing(project: Path):
    (project / "app.py").write_text(SLEEPY)
    result = run("app.py", "--diff", "--unsafe-fixes")
    assert result.exit_code == 1
    assert (project / "app.py").read_text() == SLEEPY
    assert result.stdout == (
        "--- app.py\n"
        "+++ app.py\n"
        "@@ -1,5 +1,5 @@\n"
        "-import time\n"
        "+import asyncio\n"
        " \n"
        " \n"
        " async def poll():\n"
        "-    time.sleep(1)\n"
        "+    await asyncio.sleep(1)\n"
    )
    assert result.stderr == "Would fix 1 error.\n"


def test_diff_with_nothing_to_fix_exits_0(project: Path):
    (project / "app.py").write_text(SLEEPY)
    result = run("app.py", "--diff")
    assert (result.exit_code, result.stdout) == (0, "")


# -- bytes ----------------------------------------------------------------------------


def test_crlf_line_endings_are_kept(project: Path):
    (project / "app.py").write_bytes(SLEEPY.replace("\n", "\r\n").encode())
    run("app.py", "--fix", "--unsafe-fixes")
    assert (project / "app.py").read_bytes() == SLEEPY_FIXED.replace("\n", "\r\n").encode()


def test_a_bom_is_kept(project: Path):
    (project / "app.py").write_bytes(b"\xef\xbb\xbf" + SLEEPY.encode())
    run("app.py", "--fix", "--unsafe-fixes")
    assert (project / "app.py").read_bytes() == b"\xef\xbb\xbf" + SLEEPY_FIXED.encode()


def test_a_latin1_file_stays_latin1(project: Path):
    header = "# -*- coding: latin-1 -*-\n# Café\n"
    (project / "app.py").write_bytes((header + SLEEPY).encode("latin-1"))
    run("app.py", "--fix", "--unsafe-fixes")
    assert (project / "app.py").read_bytes() == (header + SLEEPY_FIXED).encode("latin-1")


def test_a_fix_that_breaks_the_code_is_not_written(project: Path, monkeypatch: pytest.MonkeyPatch):
    import fastlint.rules.debug_mode_enabled as rule

    def broken(ctx, call, argument):  # type: ignore[no-untyped-def]
        return Fix((Edit(Position(3, 7), Position(3, 14), "FastAPI(("),), Applicability.SAFE, "break it")

    monkeypatch.setattr(rule, "_fix", broken)
    (project / "app.py").write_text(DEBUG)
    result = run("app.py", "--fix")
    assert (project / "app.py").read_text() == DEBUG
    assert "fixes of FL502 were not applied: the result does not parse" in result.stderr
    assert result.exit_code == 1


# -- the fixer ------------------------------------------------------------------------


def _finding(line: int, column: int, end_column: int, content: str, code: str = "FL502") -> Finding:
    start, end = Position(line, column), Position(line, end_column)
    return Finding(code, "m", "example.py", start, end, fix=Fix((Edit(start, end, content),), Applicability.SAFE, "f"))


def test_conflicting_fixes_wait_for_the_next_round():
    first, overlapping, later = _finding(1, 1, 4, "abc"), _finding(1, 3, 6, "x"), _finding(1, 7, 8, "y")
    assert choose([first, overlapping, later], FixPolicy(frozenset({"FL502"}))) == [first, later]
    shared = Fix((Edit(Position(1, 1), Position(1, 1), "import asyncio\n"),), Applicability.SAFE, "f")
    twice = [Finding("FL502", "m", "p", Position(1, 1), Position(1, 1), fix=shared)] * 2
    assert len(choose(twice, FixPolicy(frozenset({"FL502"})))) == 2
    assert apply_edits("x\n", [edit for f in twice for edit in f.fix.edits]) == "import asyncio\nx\n"  # type: ignore[union-attr]


def test_rounds_are_bounded():
    source = decode_source(Path("example.py"), b"x = 1\n")
    grows = _finding(1, 1, 1, "y = 2\n")
    result = fix_file(source, [grows], lambda current: [grows], FixPolicy(frozenset({"FL502"})))
    assert result.text == "y = 2\n" * MAX_ROUNDS + "x = 1\n"
    assert result.fixed["FL502"] == MAX_ROUNDS


def test_libcst_reads_the_fixed_text_once_and_the_rounds_are_replayed_when_it_cannot(monkeypatch: pytest.MonkeyPatch):
    """Each round's result must parse with ast; libcst reads the final text. When it cannot,
    the rounds are replayed with libcst reading each, and fixing stops at the round that broke it."""
    import fastlint.fixing.fixer as fixer

    read: list[str] = []
    real = fixer._libcst_problem

    def libcst_problem(text: str) -> str | None:
        read.append(text)
        return "the result does not parse (ParserSyntaxError: z)" if "z = 3" in text else real(text)

    monkeypatch.setattr(fixer, "_libcst_problem", libcst_problem)
    source = decode_source(Path("example.py"), b"x = 1\n")
    pending = [_finding(1, 1, 1, "y = 2\n")]

    def relint(current):  # type: ignore[no-untyped-def]
        return [] if "z = 3" in current.text else [_finding(1, 1, 1, "z = 3\n")]

    clean = fix_file(source, [_finding(1, 1, 1, "w = 0\n")], lambda current: [], FixPolicy(frozenset({"FL502"})))
    assert clean.text == "w = 0\nx = 1\n" and read == ["w = 0\nx = 1\n"]  # once, not per round
    read.clear()
    result = fix_file(source, pending, relint, FixPolicy(frozenset({"FL502"})))
    assert result.text == "y = 2\nx = 1\n"
    assert result.fixed["FL502"] == 1
    assert result.problem == "fixes of FL502 were not applied: the result does not parse (ParserSyntaxError: z)"
    assert read[0] == "z = 3\ny = 2\nx = 1\n"  # the final text first, then the replay's rounds


def test_display_only_fixes_are_never_applied():
    source = decode_source(Path("example.py"), b"x = 1\n")
    shown = Finding("FL502", "m", "p", Position(1, 1), Position(1, 1), fix=Fix((Edit(Position(1, 1), Position(1, 1), "y"),), Applicability.DISPLAY_ONLY, "f"))
    policy = FixPolicy(frozenset({"FL502"}), unsafe=True)
    assert not fix_file(source, [shown], lambda current: [shown], policy).changed


# -- no fix where it cannot be exact ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "source"),
    [
        pytest.param("FL102", "import time\nasyncio = None\n\nasync def f():\n    time.sleep(1)\n", id="asyncio-bound-otherwise"),
        pytest.param("FL102", "import time\n\nasync def f():\n    return time.sleep(1)\n", id="sleep-as-value"),
        pytest.param("FL102", "from time import sleep\n\nasync def f(*a):\n    sleep(*a)\n", id="sleep-starred"),
        pytest.param("FL301", "import requests\n\ndef f():\n    requests.get(u for u in 'ab')\n", id="generator-argument"),
        pytest.param("FL301", "import aiohttp\n\nasync def f(**kw):\n    async with aiohttp.ClientSession(**kw) as s:\n        await s.get('u', timeout=None)\n", id="aiohttp-explicit-none-on-a-request"),
        pytest.param("FL502", "from fastapi import FastAPI\n\napp = FastAPI(  # dev only\n    debug=True,\n)\n", id="comment-in-removed-text"),
    ],
)
def test_no_fix_is_offered(code: str, source: str):
    findings = lint_source(source, [code])
    assert [f.code for f in findings] == [code]
    assert findings[0].fix is None


@pytest.mark.parametrize(
    ("code", "source", "fixed"),
    [
        pytest.param(
            "FL502", "from fastapi import FastAPI\n\napp = FastAPI(\n    debug=True,\n)\n",
            "from fastapi import FastAPI\n\napp = FastAPI()\n", id="only-argument-multiline",
        ),
        pytest.param(
            "FL502", "from fastapi import FastAPI\n\napp = FastAPI(debug=True, title='x')\n",
            "from fastapi import FastAPI\n\napp = FastAPI(title='x')\n", id="first-argument",
        ),
        pytest.param(
            "FL301", "import aiohttp\n\n\nasync def f():\n    async with aiohttp.ClientSession(\n        headers={},  # auth\n    ) as s:\n        pass\n",
            "import aiohttp\n\n\nasync def f():\n    async with aiohttp.ClientSession(\n        headers={},  # auth\n        timeout=aiohttp.ClientTimeout(total=10),\n    ) as s:\n        pass\n",
            id="aiohttp-session-module",
        ),
        pytest.param(
            "FL301", "import urllib.request\n\n\ndef f(u):\n    return urllib.request.urlopen(u).read()\n",
            "import urllib.request\n\n\ndef f(u):\n    return urllib.request.urlopen(u, timeout=10).read()\n",
            id="urlopen",
        ),
        pytest.param(
            "FL301", "import requests\n\ndef f():\n    requests.get()\n    requests.get('u',)\n",
            "import requests\n\ndef f():\n    requests.get(timeout=10)\n    requests.get('u', timeout=10,)\n", id="no-arguments-trailing-comma",
        ),
        pytest.param(
            "FL102", '"""Doc."""\nfrom __future__ import annotations\n\nimport time\n\nasync def f():\n    (time.sleep)(1)\n',
            '"""Doc."""\nfrom __future__ import annotations\n\nimport asyncio\n\nasync def f():\n    await (asyncio.sleep)(1)\n',
            id="docstring-future-parenthesized",
        ),
        pytest.param(
            "FL102", "import asyncio\nimport time\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)\n",
            "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n    await asyncio.sleep(2)\n",
            id="import-present",
        ),
    ],
)
def test_fixed_code_is_exact_and_parses(code: str, source: str, fixed: str):
    assert fix_source(source, [code]) == fixed
    ast.parse(fixed)
