"""Adopting fastlint on existing code: --add-noqa, baselines (FL003), unused noqa (FL002)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.cli import main

APP = '''\
import time
from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/")
async def home():
    time.sleep(1)
    time.sleep(1)
    label = (
        "x",
        time.sleep(2),
    )
    return label
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.fastlint]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, list[tuple[str, int, str]]]:
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    found = json.loads(result.stdout) if result.stdout.strip() else []
    return result.exit_code, [(item["code"], item["location"]["row"], item["message"]) for item in found]


def test_add_noqa_suppresses_every_current_finding(project: Path):
    result = CliRunner().invoke(main, ["check", "--no-cache", "--add-noqa", "app.py"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "Added 3 noqa directives to 1 file.\n"
    text = (project / "app.py").read_text(encoding="utf-8")
    assert "    time.sleep(1)  # noqa: FL102\n    time.sleep(1)  # noqa: FL102\n" in text
    # A finding inside a bracketed expression gets the comment where the statement ends.
    assert '        time.sleep(2),\n    )  # noqa: FL102\n' in text
    assert check("app.py") == (0, [])
    # An existing noqa list is extended, not duplicated.
    (project / "app.py").write_text(APP.replace("    time.sleep(1)\n    time.sleep(1)\n", "    time.sleep(1)  # noqa: E501\n"), encoding="utf-8")
    CliRunner().invoke(main, ["check", "--no-cache", "--add-noqa", "app.py"])
    assert "    time.sleep(1)  # noqa: E501, FL102\n" in (project / "app.py").read_text(encoding="utf-8")


def test_baseline_reports_only_new_findings_and_moved_lines_still_match(project: Path):
    result = CliRunner().invoke(main, ["check", "--no-cache", "--write-baseline", "fastlint-baseline.json", "app.py"])
    assert result.exit_code == 0 and "wrote 3 findings" in result.stderr
    document = json.loads((project / "fastlint-baseline.json").read_text(encoding="utf-8"))
    assert document["fastlint-baseline"] == 1
    counts = sorted((entry["code"], entry["path"], entry["count"]) for entry in document["entries"])
    assert counts == [("FL102", "app.py", 1), ("FL102", "app.py", 2)]  # two equal lines: one entry, counted twice
    assert check("--baseline", "fastlint-baseline.json", "app.py") == (0, [])
    # Lines move (a new import above), the same problems stay accepted; a third copy is new.
    moved = APP.replace("import time\n", "import os\nimport time\n").replace("    time.sleep(1)\n    time.sleep(1)\n", "    time.sleep(1)\n    time.sleep(1)\n    time.sleep(1)\n")
    (project / "app.py").write_text(moved, encoding="utf-8")
    code, found = check("--baseline", "fastlint-baseline.json", "app.py")
    assert code == 1 and [(c, row) for c, row, _ in found] == [("FL102", 12)]


def test_stale_baseline_entries_are_fl003_and_fix_removes_them(project: Path):
    CliRunner().invoke(main, ["check", "--no-cache", "--write-baseline", "base.json", "app.py"])
    (project / "app.py").write_text(APP.replace("    time.sleep(1)\n    time.sleep(1)\n", "    time.sleep(1)\n"), encoding="utf-8")
    code, found = check("--baseline", "base.json", "app.py")
    assert code == 1
    [(rule, row, message)] = found
    lines = (project / "base.json").read_text(encoding="utf-8").splitlines()
    assert rule == "FL003" and '"count": 2' in lines[row - 1]
    assert message == "Stale baseline entry: 1 FL102 finding in app.py no longer found; `--baseline base.json --fix` removes it"
    result = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "base.json", "--fix", "app.py"])
    assert result.exit_code == 0 and "removed 1 stale entry" in result.stderr
    counts = sorted(entry["count"] for entry in json.loads((project / "base.json").read_text())["entries"])
    assert counts == [1, 1]
    assert check("--baseline", "base.json", "app.py") == (0, [])
    assert check("--baseline", "base.json", "--ignore", "FL003", "app.py")[0] == 0


THREE = "import time\nfrom fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n\n\n@app.get('/')\nasync def home():\n" + "".join(
    f"    time.sleep({n})\n" for n in (1, 1, 2, 3)
) + "    return None\n"


@pytest.mark.parametrize(
    "removed",
    [
        pytest.param(["    time.sleep(1)\n"], id="count-lowered"),
        pytest.param(["    time.sleep(2)\n"], id="one-entry"),
        pytest.param(["    time.sleep(3)\n"], id="another-entry"),
        pytest.param(["    time.sleep(1)\n", "    time.sleep(1)\n"], id="the-twice-counted-entry"),
        pytest.param(["    time.sleep(2)\n", "    time.sleep(3)\n"], id="two-entries"),
        pytest.param(["    time.sleep(1)\n", "    time.sleep(1)\n", "    time.sleep(2)\n", "    time.sleep(3)\n"], id="every-entry"),
    ],
)
def test_the_fl003_fix_is_the_edit_fix_makes(project: Path, removed: list[str]):
    """FL003 carries the edit of the baseline file that --fix makes (reporters and editors
    show it, and the summary counts it as fixable); applied, it gives the file --fix writes."""
    from fastlint.finding import Edit, Position
    from fastlint.fixing.fixer import apply_edits

    (project / "app.py").write_text(THREE, encoding="utf-8")
    CliRunner().invoke(main, ["check", "--no-cache", "--write-baseline", "base.json", "app.py"])
    recorded = (project / "base.json").read_text(encoding="utf-8")
    assert len(json.loads(recorded)["entries"]) == 3
    changed = THREE
    for line in removed:
        changed = changed.replace(line, "", 1)
    (project / "app.py").write_text(changed, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "base.json", "--output-format", "json", "app.py"])
    stale = [item for item in json.loads(result.stdout) if item["code"] == "FL003"]
    assert stale and all(item["fix"]["applicability"] == "safe" for item in stale)
    edits = [
        Edit(Position(e["location"]["row"], e["location"]["column"]), Position(e["end_location"]["row"], e["end_location"]["column"]), e["content"])
        for item in stale for e in item["fix"]["edits"]
    ]
    shown = apply_edits(recorded, edits)
    text = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "base.json", "app.py"])
    assert f"[*] {len(stale)} fixable with the `--fix` option" in text.stdout
    fixed = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "base.json", "--fix", "app.py"])
    assert fixed.exit_code == 0, fixed.output
    written = (project / "base.json").read_text(encoding="utf-8")
    assert shown == written
    json.loads(written)


def test_equal_lines_in_two_files_are_two_entries_each_reported_at_its_own_line(project: Path):
    (project / "other.py").write_text(THREE, encoding="utf-8")
    (project / "app.py").write_text(THREE, encoding="utf-8")
    CliRunner().invoke(main, ["check", "--no-cache", "--write-baseline", "base.json", "app.py", "other.py"])
    for name in ("app.py", "other.py"):
        (project / name).write_text(THREE.replace("    time.sleep(3)\n", ""), encoding="utf-8")
    code, found = check("--baseline", "base.json", "app.py", "other.py")
    lines = (project / "base.json").read_text(encoding="utf-8").splitlines()
    assert code == 1 and [(rule, json.loads(lines[row - 1].rstrip(","))["path"]) for rule, row, _ in found] == [("FL003", "app.py"), ("FL003", "other.py")]


def test_a_missing_baseline_is_an_error(project: Path):
    result = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "nope.json", "app.py"])
    assert result.exit_code == 2
    assert result.stderr == "fastlint: error: no such baseline file: nope.json (write one with --write-baseline)\n"


UNUSED = '''\
import time
from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)  # noqa: FL501


@app.get("/")
async def home():
    time.sleep(1)  # noqa: FL102
    a = 1  # noqa: FL101, E501
    b = 2  # noqa: FL999
    c = "# noqa: FL101"
    d = 3  # fastlint: ignore[FL103]
    e = 4  # noqa
    return a, b, c, d, e
'''


def test_unused_and_unknown_noqa_codes_are_fl002_and_fixable(project: Path):
    (project / "app.py").write_text(UNUSED, encoding="utf-8")
    code, found = check("app.py")
    assert found == [
        ("FL002", 10, "Unused `noqa` directive: unused code FL101 (nothing reported here)"),
        ("FL002", 11, "Unused `noqa` directive: unknown code FL999 (`fastlint rules` lists them)"),
        ("FL002", 13, "Unused `fastlint: ignore` directive: unused code FL103 (nothing reported here)"),
    ]
    result = CliRunner().invoke(main, ["check", "--no-cache", "--fix", "app.py"])
    assert result.exit_code == 0, result.output
    fixed = (project / "app.py").read_text(encoding="utf-8")
    assert fixed == (
        UNUSED.replace("# noqa: FL101, E501", "# noqa: E501")
        .replace("b = 2  # noqa: FL999", "b = 2")
        .replace("d = 3  # fastlint: ignore[FL103]", "d = 3")
    )
    # A rule that is not enabled (FL501 is a preview rule) is not judged; FL002 can be ignored like any rule.
    (project / "app.py").write_text(UNUSED, encoding="utf-8")
    assert [row for _, row, _ in check("--ignore", "FL501", "app.py")[1]] == [10, 11, 13]
    assert check("--ignore", "FL002", "app.py") == (0, [])


def test_adoption_codes_have_pages_and_rule_help():
    for code, name in (("FL002", "unused-noqa"), ("FL003", "stale-baseline-entry")):
        result = CliRunner().invoke(main, ["rule", code])
        assert result.exit_code == 0 and result.output.startswith(f"# {name} ({code})\n\nFix is always available.")
        assert (Path(__file__).resolve().parents[1] / "docs" / "rules" / f"{code}.md").is_file()


def test_a_noqa_in_any_case_naming_an_fl_code_is_judged(project: Path):
    # Found by case-blind searches of the whole file (in its lower-case copy): no line
    # here spells ``noqa`` in lower case, and no ``fastlint:`` directive is left.
    text = UNUSED.replace("# noqa", "# NOQA").replace("FL101, E501", "fl101, E501").replace("  # fastlint: ignore[FL103]", "")
    (project / "app.py").write_text(text, encoding="utf-8")
    assert check("app.py")[1] == [
        ("FL002", 10, "Unused `noqa` directive: unused code FL101 (nothing reported here)"),
        ("FL002", 11, "Unused `noqa` directive: unknown code FL999 (`fastlint rules` lists them)"),
    ]
