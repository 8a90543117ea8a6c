"""``fastlint review``: findings on a pull request's changed lines, as a GitHub review."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from fastlint.cli import main
from fastlint.finding import Applicability, Edit, Finding, Fix, Position
from fastlint.fixing.policy import FixPolicy
from fastlint.integrations.diff import parse_unified_diff
from fastlint.integrations.review import (
    Placement,
    SuggestionPolicy,
    github_review,
    on_changed_lines,
    suggestion,
)
from fastlint.rule_meta import RuleMeta
from fastlint.run.baseline import line_hash

SCHEMAS = Path(__file__).resolve().parent / "schemas"
FL102_URL = "https://github.com/fastlint/fastlint/blob/main/docs/rules/FL102.md"
UNSAFE = "Suggested fix (unsafe: it may change behaviour, read the rule's Fix safety)"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text).lstrip("\n"))


BASE_APP = """
    import asyncio
    import time
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/old")
    async def old():
        time.sleep(1)
        return {}
"""
NEW_ROUTE = """

    @app.get("/new")
    async def new():
        time.sleep(2)
        return {}
"""
SLEEPY = """
    import time


    async def sleepy():
        time.sleep(1)
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return feature_branch_repo(tmp_path, monkeypatch)


def feature_branch_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A base commit on ``main`` and a ``feature`` branch that adds, modifies, renames and
    deletes files (the last change left uncommitted); ``main`` then moves on by itself."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    write(tmp_path / "app.py", BASE_APP)
    write(tmp_path / "jobs.py", """
        import time


        async def poll():
            return 1
    """)
    write(tmp_path / "old_name.py", """
        import asyncio
        import time


        async def first():
            time.sleep(1)


        async def second():
            await asyncio.sleep(1)
            return 2
    """)
    write(tmp_path / "deleted.py", SLEEPY)
    write(tmp_path / "untouched.py", SLEEPY)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "feature")
    (tmp_path / "app.py").write_text(textwrap.dedent(BASE_APP).lstrip("\n") + textwrap.dedent(NEW_ROUTE))
    git(tmp_path, "mv", "old_name.py", "tasks.py")
    tasks = (tmp_path / "tasks.py").read_text().replace("await asyncio.sleep(1)", "time.sleep(5)")
    (tmp_path / "tasks.py").write_text(tasks)
    git(tmp_path, "rm", "-q", "deleted.py")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "feature")
    # main fixes untouched.py after the branch point: a diff against main itself would show
    # the old sleep as added on the branch, although the pull request never touched it.
    git(tmp_path, "checkout", "-q", "main")
    write(tmp_path / "untouched.py", "import time\n")
    git(tmp_path, "commit", "-qam", "main moves on")
    git(tmp_path, "checkout", "-q", "feature")
    # Left in the work tree: the review covers it (CI checks out the head, which equals it).
    (tmp_path / "jobs.py").write_text((tmp_path / "jobs.py").read_text().replace("return 1", "time.sleep(3)"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def review(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["review", "--no-cache", *args], input=stdin)


def fl102(handler: str) -> str:
    return f"**[FL102]({FL102_URL})** (blocking-sleep-in-async): `time.sleep` blocks the event loop in {handler}; use `await asyncio.sleep(...)`"


OUTSIDE = (
    f"{UNSAFE}: Replace with `await asyncio.sleep(...)`. It edits lines outside this comment; "
    "apply it with `fastlint check --fix --unsafe-fixes`."
)
EXPECTED_COMMENTS = [
    {
        "path": "app.py",
        "line": 16,
        "side": "RIGHT",
        "body": fl102("async route handler GET /new")
        + f"\n\n{UNSAFE}: Replace with `await asyncio.sleep(...)`\n```suggestion\n    await asyncio.sleep(2)\n```",
    },
    # No `import asyncio` in jobs.py: the fix adds it at the top, outside the commented line.
    {"path": "jobs.py", "line": 5, "side": "RIGHT", "body": fl102("async function `poll`") + "\n\n" + OUTSIDE},
    {
        "path": "tasks.py",
        "line": 10,
        "side": "RIGHT",
        "body": fl102("async function `second`")
        + f"\n\n{UNSAFE}: Replace with `await asyncio.sleep(...)`\n```suggestion\n    await asyncio.sleep(5)\n```",
    },
]


def validate_review(body: object) -> None:
    document = json.loads((SCHEMAS / "gh_create_review.request.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    cls(document).validate(body)


def test_review_comments_on_changed_lines_only(repo: Path) -> None:
    result = review("--base", "main")
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    validate_review(body)
    # Not: old() (unchanged), first() in the renamed file (unchanged), deleted.py, untouched.py.
    assert body["comments"] == EXPECTED_COMMENTS
    assert body["event"] == "COMMENT"
    assert body["body"] == "fastlint found 3 problems on the changed lines of 3 files (FL102 ×3). 2 with a suggested fix."


def test_a_suggestion_is_the_whole_fixed_line_and_applies_cleanly(repo: Path) -> None:
    comment = json.loads(review("--base", "main").stdout)["comments"][0]
    suggested = comment["body"].split("```suggestion\n")[1].split("\n```")[0]
    lines = (repo / "app.py").read_text().splitlines()
    lines[comment["line"] - 1] = suggested
    assert lines[-3:] == ["async def new():", "    await asyncio.sleep(2)", "    return {}"]


def test_diff_from_stdin_and_from_a_file(repo: Path) -> None:
    diff = git(repo, "diff", "main...feature")  # committed changes only: jobs.py is not in it
    from_stdin = review("--diff", "-", stdin=diff)
    assert from_stdin.exit_code == 1, from_stdin.output
    assert json.loads(from_stdin.stdout)["comments"] == [EXPECTED_COMMENTS[0], EXPECTED_COMMENTS[2]]
    (repo / "pr.diff").write_text(diff)
    assert review("--diff", "pr.diff").stdout == from_stdin.stdout


def test_text_and_rdjson_formats(repo: Path) -> None:
    text = review("--base", "main", "--format", "text")
    assert text.exit_code == 1
    assert [line.split(" ")[0] for line in text.stdout.splitlines()] == ["app.py:16:5:", "jobs.py:5:5:", "tasks.py:10:5:", "Found"]
    rdjson = review("--base", "main", "--format", "rdjson")
    diagnostics = json.loads(rdjson.stdout)["diagnostics"]
    assert [(d["location"]["path"], d["location"]["range"]["start"]["line"]) for d in diagnostics] == [
        ("app.py", 16), ("jobs.py", 5), ("tasks.py", 10)
    ]
    assert all("suggestions" in d for d in diagnostics)
    safe_only = json.loads(review("--base", "main", "--format", "rdjson", "--no-unsafe-fixes").stdout)
    assert not any("suggestions" in d for d in safe_only["diagnostics"])


def test_no_suggestions_when_disabled(repo: Path) -> None:
    for flag in ("--no-fix-suggestions", "--no-unsafe-fixes"):
        comments = json.loads(review("--base", "main", flag).stdout)["comments"]
        assert [c["body"] for c in comments] == [
            fl102("async route handler GET /new"), fl102("async function `poll`"), fl102("async function `second`")
        ]


def test_exit_codes(repo: Path) -> None:
    clean = review("--base", "main", "untouched.py")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout) == {"event": "COMMENT", "body": "fastlint found no problems on the changed lines.", "comments": []}
    bad = review("--base", "no-such-branch")
    assert bad.exit_code == 2
    assert "--base 'no-such-branch' is not a git revision" in bad.stderr
    assert review().exit_code == 2
    both = review("--base", "main", "--diff", "-", stdin="")
    assert both.exit_code == 2
    assert "give exactly one of --base REV and --diff FILE" in both.stderr


def test_base_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = review("--base", "main")
    assert result.exit_code == 2
    assert "--base needs a git repository" in result.stderr


# Multi-line ranges, built directly: hunk 1 covers new lines 1-6 (3 and 4 added), hunk 2 lines 20-23.
MULTI_DIFF = """\
diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,4 +1,6 @@
 a
 b
+c
+d
 e
 f
@@ -18,3 +20,4 @@ def g():
 x
 y
+z
 w
"""
TEXT = "".join(f"line{n}\n" for n in range(1, 25))
RULES = {"FL999": RuleMeta(code="FL999", name="demo-rule", summary="Demo.")}
POLICY = SuggestionPolicy(True, FixPolicy(frozenset({"FL999"}), unsafe=False))


def finding(path: Path, start: tuple[int, int], end: tuple[int, int], *edits: Edit) -> Finding:
    fix = Fix(edits, Applicability.SAFE, "Rename") if edits else None
    return Finding("FL999", "Demo problem", str(path), Position(*start), Position(*end), fix=fix)


def test_multi_line_findings(tmp_path: Path) -> None:
    changed = {str(tmp_path / "m.py"): parse_unified_diff(MULTI_DIFF)["m.py"]}
    path = tmp_path / "m.py"
    inside = finding(path, (2, 1), (4, 6), Edit(Position(2, 1), Position(2, 5), "LINE"), Edit(Position(4, 6), Position(4, 6), "!"))
    # Lines 5-21 reach from hunk 1 over unchanged lines into hunk 2: the comment is clamped to
    # the hunk of the first changed line it touches, and no suggestion could replace the range.
    across = finding(path, (3, 1), (21, 2), Edit(Position(3, 1), Position(3, 5), "X"))
    context_only = finding(path, (5, 1), (6, 3))  # touches context lines only
    ends_at_line_break = finding(path, (7, 1), (8, 1))  # line 7 only, outside both hunks
    kept = on_changed_lines([inside, across, context_only, ends_at_line_break], changed)
    assert [where for _, where in kept] == [Placement("m.py", 2, 4, whole=True), Placement("m.py", 3, 6, whole=False)]
    body = github_review(kept, {str(path): TEXT}, RULES, POLICY)
    validate_review(body)
    url = "https://github.com/fastlint/fastlint/blob/main/docs/rules/FL999.md"
    assert body["comments"] == [
        {
            "path": "m.py", "line": 4, "side": "RIGHT", "start_line": 2, "start_side": "RIGHT",
            "body": f"**[FL999]({url})** (demo-rule): Demo problem\n\nSuggested fix: Rename\n```suggestion\nLINE2\nline3\nline4!\n```",
        },
        {
            "path": "m.py", "line": 6, "side": "RIGHT", "start_line": 3, "start_side": "RIGHT",
            "body": f"**[FL999]({url})** (demo-rule): Demo problem\n\nSuggested fix: Rename. It edits lines outside this comment; "
            "apply it with `fastlint check --fix`.",
        },
    ]


def test_suggestion_edges(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    where = Placement("m.py", 3, 3, whole=True)
    # An edit consuming line 3's line break joins line 4: it reaches outside the line.
    assert suggestion(finding(path, (3, 1), (3, 6), Edit(Position(3, 6), Position(4, 1), "")), where, TEXT) is None
    assert suggestion(finding(path, (3, 1), (3, 6), Edit(Position(3, 1), Position(3, 1), "")), where, TEXT) is None  # no change
    assert suggestion(finding(path, (3, 1), (3, 6), Edit(Position(3, 1), Position(3, 5), "L")), where, "a\r\nb\r\nline3\r\n") == "L3"
    code = finding(path, (3, 1), (3, 6), Edit(Position(3, 1), Position(3, 6), "x = ```y```"))
    assert suggestion(code, where, TEXT) == "x = ```y```"
    body = github_review([(code, where)], {str(path): TEXT}, RULES, POLICY)["comments"][0]["body"]
    assert body.endswith("\n````suggestion\nx = ```y```\n````")  # the fence outgrows the content's


def test_parse_unified_diff() -> None:
    diff = textwrap.dedent("""\
        diff --git "a/sp ace\\303\\251.py" "b/sp ace\\303\\251.py"
        --- "a/sp ace\\303\\251.py"
        +++ "b/sp ace\\303\\251.py"
        @@ -1,2 +1,2 @@
        --- not a header: a removed line
        +++ not a header: an added line
         kept
        \\ No newline at end of file
        diff --git a/gone.py b/gone.py
        deleted file mode 100644
        --- a/gone.py
        +++ /dev/null
        @@ -1 +0,0 @@
        -x
        --- plain.py\t2024-01-01 00:00:00
        +++ plain.py\t2024-01-01 00:00:01
        @@ -3 +3 @@
        -old
        +new
        Binary files a/logo.png and b/logo.png differ
    """)
    files = parse_unified_diff(diff)
    assert sorted(files) == ["plain.py", "sp aceé.py"]
    assert [(h.start, h.count, h.added) for h in files["sp aceé.py"].hunks] == [(1, 2, {1})]
    assert [(h.start, h.count, h.added) for h in files["plain.py"].hunks] == [(3, 1, {3})]


def test_a_display_only_fix_is_shown_never_suggested(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    where = Placement("m.py", 3, 3, whole=True)
    shown = finding(path, (3, 1), (3, 6), Edit(Position(3, 1), Position(3, 6), "shared_client"))
    shown = Finding(shown.code, shown.message, shown.path, shown.start, shown.end, fix=Fix(shown.fix.edits, Applicability.DISPLAY_ONLY, "Reuse one client"))  # type: ignore[union-attr]
    review = github_review([(shown, where)], {str(path): TEXT}, RULES, POLICY)
    body = review["comments"][0]["body"]
    assert "suggestion" not in body.replace("Suggested", "")
    assert body.endswith("Suggested change (display-only, to adapt by hand): Reuse one client\n```python\nshared_client\n```")
    assert "with a suggested fix" not in review["body"]
    # With suggestions off, nothing of the fix is shown.
    off = github_review([(shown, where)], {str(path): TEXT}, RULES, SuggestionPolicy(False, POLICY.fix))
    assert "display-only" not in off["comments"][0]["body"]


# -- the baseline of check --------------------------------------------------------------


def test_the_baseline_that_check_honours_is_honoured(repo: Path) -> None:
    written = CliRunner().invoke(main, ["check", "--no-cache", "--write-baseline", "fastlint-baseline.json", "."])
    assert written.exit_code == 0, written.output
    clean = review("--base", "main", "--baseline", "fastlint-baseline.json")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["comments"] == []
    # Without the entry of the new route's sleep, that one finding is new again.
    baseline = json.loads((repo / "fastlint-baseline.json").read_text())
    new_sleep = {"code": "FL102", "path": "app.py", "hash": line_hash("    time.sleep(2)"), "count": 1}
    assert new_sleep in baseline["entries"]
    baseline["entries"].remove(new_sleep)
    (repo / "fastlint-baseline.json").write_text(json.dumps(baseline))
    one = review("--base", "main", "--baseline", "fastlint-baseline.json")
    assert one.exit_code == 1, one.output
    assert json.loads(one.stdout)["comments"] == [EXPECTED_COMMENTS[0]]


def test_an_equal_finding_added_above_a_baselined_one_is_the_new_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The baseline counts one `time.sleep(1)` in app.py; the pull request adds a second,
    above it. The entry belongs to the old line, so the review comments on the added one."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "config", "user.name", "dev")
    write(tmp_path / "app.py", BASE_APP)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["check", "--no-cache", "--write-baseline", "baseline.json", "."]).exit_code == 0
    git(tmp_path, "checkout", "-qb", "feature")
    source = (tmp_path / "app.py").read_text()
    added = '@app.get("/first")\nasync def first():\n    time.sleep(1)\n\n\n'
    (tmp_path / "app.py").write_text(source.replace('@app.get("/old")', added + '@app.get("/old")'))
    result = review("--base", "main", "--baseline", "baseline.json", "--format", "text")
    assert result.exit_code == 1, result.output
    assert [line.split(" ")[:2] for line in result.stdout.splitlines()[:-1]] == [["app.py:10:5:", "FL102"]]
    assert "async route handler GET /first" in result.stdout
    # check --baseline reports one finding too; which of the two equal lines it names is not
    # known to a run without a diff.
    check = CliRunner().invoke(main, ["check", "--no-cache", "--baseline", "baseline.json", "--output-format", "json", "."])
    assert [item["code"] for item in json.loads(check.stdout)] == ["FL102"]


def test_a_missing_baseline_is_an_error(repo: Path) -> None:
    result = review("--base", "main", "--baseline", "nowhere.json")
    assert result.exit_code == 2
    assert "no such baseline file: nowhere.json (write one with --write-baseline)" in result.stderr
