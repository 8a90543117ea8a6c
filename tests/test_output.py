"""Reporters: exact values, schema validity, and columns in each format's own units."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from fastlint.finding import Applicability, Edit, Finding, Fix, Position
from fastlint.output import FORMATS, FixCounts, render
from fastlint.rule_meta import UNPARSEABLE, RuleMeta

SCHEMAS = Path(__file__).resolve().parent / "schemas"

RULES = {
    "FL101": RuleMeta(
        code="FL101",
        name="blocking-http-call-in-async",
        summary="A blocking HTTP call runs on the event loop.",
        fixable=True,
    )
}
# `é` is 1 UTF-16 unit and 2 UTF-8 bytes, the emoji 2 units and 4 bytes: the call starts at
# character 15, UTF-16 unit 16, UTF-8 byte 19, and ends (exclusive) at 30, 31 and 34.
CALL_LINE = 'x = "é😀"; r = requests.get(u)'
APP = f"import requests\n{CALL_LINE}\n{CALL_LINE}\n"
BAD = "def broken(:\n"
MESSAGE = "`requests.get` blocks the event loop in async handler `handler`"


def call_finding(path: Path, line: int, with_fix: bool = True) -> Finding:
    fix = Fix(
        edits=(Edit(Position(line, 15), Position(line, 30), "await client.get(u)"),),
        applicability=Applicability.UNSAFE,
        message="Use an `httpx.AsyncClient`",
    )
    return Finding(
        code="FL101",
        message=MESSAGE,
        path=str(path),
        start=Position(line, 15),
        end=Position(line, 30),
        fix=fix if with_fix else None,
        fix_title="Use an `httpx.AsyncClient`",
    )


@pytest.fixture
def project(tmp_path: Path) -> dict:
    """A project on disk with two findings on identical lines and one unparseable file."""
    app, bad = tmp_path / "app.py", tmp_path / "odd,name.py"
    app.write_text(APP, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    findings = [
        call_finding(app, 2),
        call_finding(app, 3, with_fix=False),
        Finding(
            code="FL001",
            message="invalid syntax: 100% sure,\r\nreally",
            path=str(bad),
            start=Position(1, 12),
            end=Position(1, 14),
        ),
    ]
    findings.sort(key=Finding.sort_key)
    sources = {str(app): APP, str(bad): BAD}
    return {"root": tmp_path, "findings": findings, "sources": sources, "app": app, "bad": bad}


def run(project: dict, fmt: str, **kwargs) -> str:
    kwargs.setdefault("sources", project["sources"])
    return render(project["findings"], fmt, rules=RULES, root=project["root"], **kwargs)


def schema(*parts: str) -> dict:
    return json.loads(SCHEMAS.joinpath(*parts).read_text(encoding="utf-8"))


def validate(instance: object, *parts: str) -> None:
    document = schema(*parts)
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    cls(document).validate(instance)


def test_formats_and_unknown_format(project: dict) -> None:
    assert {"text", "json", "sarif", "github", "gitlab", "junit", "rdjson"} <= set(FORMATS)
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        run(project, "xml")


def test_text(project: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project["root"])
    assert run(project, "text") == (
        f"app.py:2:15: FL101 {MESSAGE}\n"
        f"app.py:3:15: FL101 {MESSAGE}\n"
        "odd,name.py:1:12: FL001 invalid syntax: 100% sure, really\n"
        "Found 3 errors.\n"
    )
    assert render([], "text", rules=RULES, root=project["root"]) == "All checks passed!\n"


def test_text_marks_safe_fixes_colours_and_paths_outside_cwd(project: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project["root"])
    safe = Fix(edits=(), applicability=Applicability.SAFE, message="Fix it")
    outside = Finding("FL101", "m", "/elsewhere/x.py", Position(1, 1), Position(1, 2), fix=safe)
    inside = Finding("FL101", "m", str(project["app"]), Position(1, 1), Position(1, 2))
    out = render([outside, inside], "text", rules=RULES, root=project["root"], color=True)
    assert out == (
        "\x1b[1m/elsewhere/x.py\x1b[0m:1:1: \x1b[1;31mFL101\x1b[0m [*] m\n"
        "\x1b[1mapp.py\x1b[0m:1:1: \x1b[1;31mFL101\x1b[0m m\n"
        "Found 2 errors.\n"
        "[*] 1 fixable with the `--fix` option.\n"
    )
    one = render([inside], "text", rules=RULES, root=project["root"])
    assert one.splitlines()[-1] == "Found 1 error."


@pytest.mark.parametrize("color", [False, True])
def test_text_quiet_prints_the_findings_alone_in_colour_or_not(project: dict, monkeypatch: pytest.MonkeyPatch, color: bool) -> None:
    monkeypatch.chdir(project["root"])
    out = run(project, "text", color=color, quiet=True, fixes=FixCounts(fixed=2, hidden=1))
    plain = out.replace("\x1b[1m", "").replace("\x1b[1;31m", "").replace("\x1b[0m", "")
    assert ("\x1b[" in out) is color
    assert plain == (
        f"app.py:2:15: FL101 {MESSAGE}\n"
        f"app.py:3:15: FL101 {MESSAGE}\n"
        "odd,name.py:1:12: FL001 invalid syntax: 100% sure, really\n"
    )
    assert render([], "text", rules=RULES, root=project["root"], quiet=True, color=color) == ""


@pytest.mark.parametrize("color", [False, True])
def test_text_closing_lines_count_fixes_applied_and_held_back(project: dict, color: bool) -> None:
    safe = Fix(edits=(), applicability=Applicability.SAFE, message="Fix it")
    fixable = Finding("FL101", "m", str(project["app"]), Position(1, 1), Position(1, 2), fix=safe)
    tail = lambda out: out.splitlines()[-2:]  # noqa: E731
    assert tail(run(project, "text", color=color, fixes=FixCounts(fixed=2, hidden=1))) == [
        "Found 5 errors (2 fixed, 3 remaining).",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]
    out = render([fixable], "text", rules=RULES, root=project["root"], color=color, fixes=FixCounts(hidden=2))
    assert tail(out) == ["Found 1 error.", "[*] 1 fixable with the `--fix` option (2 hidden fixes can be enabled with the `--unsafe-fixes` option)."]
    out = render([fixable], "text", rules=RULES, root=project["root"], color=color, fixes=FixCounts(unsafe=1))
    assert out.splitlines()[-2:] == ["[*] 1 fixable with the `--fix` option.", "1 unsafe fix can be applied with `--fix --unsafe-fixes`."]
    assert render([], "text", rules=RULES, root=project["root"], color=color, fixes=FixCounts(fixed=3)) == "Found 3 errors (3 fixed, 0 remaining).\n"


def test_text_statistics(project: dict) -> None:
    many = project["findings"] * 5
    safe = Fix(edits=(), applicability=Applicability.SAFE, message="Fix it")
    many.append(Finding("FL101", "m", str(project["app"]), Position(1, 1), Position(1, 2), fix=safe))
    out = render(many, "text", rules=RULES, root=project["root"], statistics=True)
    assert out == "11 FL101 [*] blocking-http-call-in-async\n 5 FL001 [ ] unparseable-file\n\n[*] 1 fixable with the `--fix` option.\n"


def test_json_is_ruffs_shape(project: dict) -> None:
    out = run(project, "json")
    assert out.startswith('[\n  {\n    "cell": null,\n    "code": "FL101",\n')
    data = json.loads(out)
    assert data[0] == {
        "cell": None,
        "code": "FL101",
        "end_location": {"row": 2, "column": 30},
        "filename": str(project["app"]),
        "fix": {
            "applicability": "unsafe",
            "edits": [
                {
                    "content": "await client.get(u)",
                    "location": {"row": 2, "column": 15},
                    "end_location": {"row": 2, "column": 30},
                }
            ],
            "message": "Use an `httpx.AsyncClient`",
        },
        "location": {"row": 2, "column": 15},
        "message": MESSAGE,
        "noqa_row": 2,
        "url": RULES["FL101"].url,
    }
    assert data[1]["fix"] is None
    assert data[2]["code"] == "FL001" and data[2]["url"] == UNPARSEABLE.url
    assert render([], "json", rules=RULES, root=project["root"]) == "[]\n"
    lines = run(project, "json-lines").splitlines()
    assert [json.loads(line) for line in lines] == data


def test_json_display_only_applicability_as_ruff_spells_it(project: dict) -> None:
    fix = Fix(edits=(), applicability=Applicability.DISPLAY_ONLY, message="Consider it")
    finding = Finding("FL101", "m", str(project["app"]), Position(1, 1), Position(1, 2), fix=fix)
    data = json.loads(render([finding], "json", rules=RULES, root=project["root"]))
    assert data[0]["fix"]["applicability"] == "displayonly"


def test_sarif(project: dict) -> None:
    log = json.loads(run(project, "sarif"))
    validate(log, "sarif-schema-2.1.0.json")
    (sarif_run,) = log["runs"]
    assert sarif_run["columnKind"] == "utf16CodeUnits"
    assert sarif_run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": project["root"].as_uri() + "/"}}
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "fastlint" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == ["FL001", "FL101"]
    assert driver["rules"][1]["helpUri"] == RULES["FL101"].url
    assert driver["rules"][1]["shortDescription"] == {"text": RULES["FL101"].summary}
    results = sarif_run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("FL101", 1, "warning"),
        ("FL101", 1, "warning"),
        ("FL001", 0, "error"),
    ]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 16, "endLine": 2, "endColumn": 31}
    replacement = results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["deletedRegion"] == location["region"]
    assert replacement["insertedContent"] == {"text": "await client.get(u)"}
    assert "fixes" not in results[1]
    assert results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "odd%2Cname.py"
    prints = [r["partialFingerprints"]["fastlint/v1"] for r in results]
    assert len(set(prints)) == 3


def test_sarif_without_findings_is_valid(project: dict) -> None:
    log = json.loads(render([], "sarif", rules=RULES, root=project["root"]))
    validate(log, "sarif-schema-2.1.0.json")
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_columns_read_from_disk_when_sources_missing(project: dict) -> None:
    """Without ``sources`` the file is read; without a file the column stays as it is."""
    log = json.loads(run(project, "sarif", sources=None))
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (16, 31)
    gone = Finding("FL101", "m", str(project["root"] / "gone.py"), Position(3, 5), Position(4, 9))
    log = json.loads(render([gone], "sarif", rules=RULES, root=project["root"]))
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 5, "endLine": 4, "endColumn": 9}


def test_bom_on_disk_is_not_a_column(project: dict) -> None:
    project["app"].write_text("\ufeff" + CALL_LINE + "\n", encoding="utf-8")
    finding = Finding("FL101", "m", str(project["app"]), Position(1, 15), Position(1, 30))
    diag = json.loads(render([finding], "rdjsonl", rules=RULES, root=project["root"]))
    assert diag["location"]["range"] == {"start": {"line": 1, "column": 19}, "end": {"line": 1, "column": 34}}


def test_column_at_and_past_line_end(project: dict) -> None:
    """An end at the line break (column len+1) converts to the byte length plus one."""
    end = Position(2, len(CALL_LINE) + 1)
    finding = Finding("FL101", "m", str(project["app"]), Position(2, 1), end)
    diag = json.loads(render([finding], "rdjsonl", rules=RULES, root=project["root"]))
    assert diag["location"]["range"]["end"] == {"line": 2, "column": len(CALL_LINE.encode()) + 1}


def test_fingerprints_survive_a_line_shift(project: dict) -> None:
    """Adding lines above the findings changes their lines but not their fingerprints."""
    before_sarif = json.loads(run(project, "sarif"))["runs"][0]["results"]
    before_gitlab = json.loads(run(project, "gitlab"))
    shifted_app = "# a comment\n\n" + APP
    shifted = [
        call_finding(project["app"], 4),
        call_finding(project["app"], 5, with_fix=False),
        project["findings"][2],
    ]
    sources = {**project["sources"], str(project["app"]): shifted_app}
    after_sarif = json.loads(render(shifted, "sarif", rules=RULES, root=project["root"], sources=sources))
    after_gitlab = json.loads(render(shifted, "gitlab", rules=RULES, root=project["root"], sources=sources))
    assert [r["partialFingerprints"] for r in after_sarif["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in before_sarif
    ]
    assert [i["fingerprint"] for i in after_gitlab] == [i["fingerprint"] for i in before_gitlab]
    assert after_sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_github(project: dict) -> None:
    assert run(project, "github").splitlines() == [
        "::warning file=app.py,line=2,endLine=2,col=15,endColumn=30,"
        f"title=FL101 (blocking-http-call-in-async)::{MESSAGE}",
        "::warning file=app.py,line=3,endLine=3,col=15,endColumn=30,"
        f"title=FL101 (blocking-http-call-in-async)::{MESSAGE}",
        "::error file=odd%2Cname.py,line=1,endLine=1,col=12,endColumn=14,"
        "title=FL001 (unparseable-file)::invalid syntax: 100%25 sure,%0D%0Areally",
    ]
    assert render([], "github", rules=RULES, root=project["root"]) == ""


def test_github_escapes_colons_in_properties(project: dict) -> None:
    finding = Finding("FL101", "a: b", str(project["root"] / "c:d.py"), Position(1, 1), Position(1, 2))
    out = render([finding], "github", rules=RULES, root=project["root"])
    assert out == (
        "::warning file=c%3Ad.py,line=1,endLine=1,col=1,endColumn=2,"
        "title=FL101 (blocking-http-call-in-async)::a: b\n"
    )


def test_gitlab(project: dict) -> None:
    out = run(project, "gitlab")
    assert out.isascii() and not out.startswith("\ufeff")
    issues = json.loads(out)
    validate(issues, "gitlab_codequality.schema.json")
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("FL101", "major", {"path": "app.py", "lines": {"begin": 2, "end": 2}}),
        ("FL101", "major", {"path": "app.py", "lines": {"begin": 3, "end": 3}}),
        ("FL001", "blocker", {"path": "odd,name.py", "lines": {"begin": 1, "end": 1}}),
    ]
    assert issues[0]["description"] == f"FL101: {MESSAGE}"
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == 3 and all(len(p) == 32 and int(p, 16) >= 0 for p in prints)
    assert prints == [i["fingerprint"] for i in json.loads(run(project, "gitlab"))]


def test_gitlab_path_outside_root_stays_relative(project: dict) -> None:
    outside = project["root"].parent / "elsewhere.py"
    finding = Finding("FL101", "m", str(outside), Position(1, 1), Position(1, 2))
    issues = json.loads(render([finding], "gitlab", rules=RULES, root=project["root"]))
    validate(issues, "gitlab_codequality.schema.json")
    assert issues[0]["location"]["path"] == "../elsewhere.py"


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit" / "JUnit.xsd"))


def test_junit(project: dict, junit_schema: xmlschema.XMLSchema) -> None:
    dup = project["findings"][0]
    findings = [dup, dup, *project["findings"][1:]]
    findings[-1] = Finding("FL001", "bad \x00 byte", findings[-1].path, Position(1, 12), Position(1, 14))
    out = render(findings, "junit", rules=RULES, root=project["root"], files_checked=2)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>')
    junit_schema.validate(out)
    data = junit_schema.to_dict(out)
    (suite,) = data["testsuite"]
    assert (suite["@name"], suite["@tests"], suite["@failures"], suite["@errors"]) == ("fastlint", 4, 4, 0)
    names = [case["@name"] for case in suite["testcase"]]
    assert names == [
        "FL101 app.py:2:15",
        "FL101 app.py:2:15 (2)",
        "FL101 app.py:3:15",
        "FL001 odd,name.py:1:12",
    ]
    failure = suite["testcase"][0]["failure"]
    assert failure["@type"] == "FL101" and failure["@message"] == MESSAGE
    assert failure["$"] == (
        f"app.py:2:15: FL101 {MESSAGE}\nhelp: Use an `httpx.AsyncClient`\n{RULES['FL101'].url}"
    )
    assert suite["testcase"][3]["failure"]["@message"] == "bad \ufffd byte"
    assert {p["@name"]: p["@value"] for p in suite["properties"]["property"]}["files_checked"] == "2"


def test_junit_without_findings(project: dict, junit_schema: xmlschema.XMLSchema) -> None:
    out = render([], "junit", rules=RULES, root=project["root"], files_checked=5)
    junit_schema.validate(out)
    assert 'tests="0"' in out and 'failures="0"' in out


def test_rdjson(project: dict) -> None:
    result = json.loads(run(project, "rdjson"))
    validate(result, "reviewdog_rdf", "DiagnosticResult.json")
    assert result["source"] == {"name": "fastlint", "url": "https://github.com/fastlint/fastlint"}
    first, second, bad = result["diagnostics"]
    utf8_range = {"start": {"line": 2, "column": 19}, "end": {"line": 2, "column": 34}}
    assert first == {
        "message": MESSAGE,
        "location": {"path": "app.py", "range": utf8_range},
        "severity": "WARNING",
        "source": result["source"],
        "code": {"value": "FL101", "url": RULES["FL101"].url},
        "suggestions": [{"range": utf8_range, "text": "await client.get(u)"}],
    }
    assert "suggestions" not in second
    assert bad["severity"] == "ERROR" and bad["code"]["value"] == "FL001"
    lines = run(project, "rdjsonl").splitlines()
    assert [json.loads(line) for line in lines] == result["diagnostics"]
    for line in lines:
        validate(json.loads(line), "reviewdog_rdf", "Diagnostic.json")


def test_conversions_match_the_encodings() -> None:
    """The hand-computed columns above, checked against the encoders themselves."""
    prefix = CALL_LINE[:14]
    assert CALL_LINE[14:29] == "requests.get(u)"
    assert len(prefix.encode("utf-16-le")) // 2 + 1 == 16
    assert len(prefix.encode("utf-8")) + 1 == 19
    assert len(CALL_LINE[:29].encode("utf-8")) + 1 == 34


def test_every_format_renders_nothing_cleanly(project: dict, junit_schema: xmlschema.XMLSchema) -> None:
    for fmt in FORMATS:
        out = render([], fmt, rules=RULES, root=project["root"])
        if fmt in {"json", "gitlab"}:
            assert json.loads(out) == []
        elif fmt == "rdjson":
            validate(json.loads(out), "reviewdog_rdf", "DiagnosticResult.json")
        elif fmt == "junit":
            junit_schema.validate(out)
        elif fmt in {"json-lines", "rdjsonl", "github"}:
            assert out == ""
