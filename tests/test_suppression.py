"""``# noqa``, ``# fastlint: ignore[...]`` and ``# fastlint: skip-file``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.cli import main
from fastlint.run.suppression import line_suppressions
from fastlint.testing import lint_source

ENABLED = ("FL101", "FL102", "FL103")


def found(code: str) -> list[tuple[int, str]]:
    return [(finding.start.line, finding.code) for finding in lint_source(code, ENABLED)]


def handler(*body: str) -> str:
    return "import time\nimport requests\n\n\nasync def handler():\n" + "".join(f"    {line}\n" for line in body)


GET = 'requests.get("https://example.com", timeout=5)'


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        pytest.param("", [(7, "FL101")], id="no-comment"),
        pytest.param("# noqa", [], id="bare-noqa"),
        pytest.param("# NOQA", [], id="bare-noqa-upper-case"),
        pytest.param("# noqa: FL101", [], id="noqa-code"),
        pytest.param("# noqa:FL101", [], id="noqa-code-no-space"),
        pytest.param("# noqa: FL102, FL101", [], id="noqa-code-list"),
        pytest.param("# noqa: FL102", [(7, "FL101")], id="noqa-other-code"),
        pytest.param("# fastlint: ignore[FL101]", [], id="fastlint-ignore-code"),
        pytest.param("# fastlint: ignore[FL102,FL101]", [], id="fastlint-ignore-list"),
        pytest.param("# fastlint: ignore[FL102]", [(7, "FL101")], id="fastlint-ignore-other-code"),
        pytest.param("# fastlint: ignore", [], id="fastlint-ignore-all"),
        pytest.param("# keep this: noqa is not the first word  # noqa: FL101", [], id="second-comment"),
    ],
)
def test_line_comments(comment: str, reported: list[tuple[int, str]]):
    assert found(handler("time.sleep(1)", f"{GET}  {comment}".rstrip())) == [(6, "FL102"), *reported]


def test_a_code_only_silences_its_own_finding_on_a_shared_line():
    source = handler(f"time.sleep(1); {GET}  # noqa: FL102")
    assert found(source) == [(6, "FL101")]


def test_noqa_on_another_line_does_not_suppress():
    assert found(handler("# noqa: FL101", GET)) == [(7, "FL101")]


def test_noqa_on_a_later_statement_does_not_reach_back():
    # A later comment that would suppress: the statement's end is looked up, and is not it.
    assert found(handler(GET, "value = 1  # noqa: FL101")) == [(6, "FL101")]


def test_noqa_on_the_last_line_of_a_multi_line_call():
    # Where black leaves a trailing comment when it splits a long call.
    source = handler(
        "return requests.get(",
        '    "https://example.com",',
        "    timeout=5,",
        ")  # noqa: FL101",
        "time.sleep(",
        "    1",
        ")  # noqa: FL101",
    )
    assert found(source) == [(10, "FL102")]


def test_noqa_on_the_last_line_of_a_compound_statement_header():
    source = handler('with open(', '    "data.json"', ") as data:  # noqa: FL103", f"    {GET}")
    assert found(source) == [(9, "FL101")]


def test_noqa_on_the_first_line_of_a_multi_line_call():
    source = handler("return requests.get(  # noqa: FL101", '    "https://example.com",', "    timeout=5,", ")")
    assert found(source) == []


def test_skip_file_silences_the_whole_file():
    source = "# fastlint: skip-file\n" + handler("time.sleep(1)", GET)
    assert found(source) == []


def test_skip_file_must_be_a_comment_of_its_own():
    assert found(handler('note = "# fastlint: skip-file"', GET)) == [(7, "FL101")]


def test_skip_file_leaves_other_files_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "generated.py").write_text("# fastlint: skip-file\n" + handler(GET))
    (tmp_path / "app.py").write_text(handler(GET))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", ".", "--output-format", "json"])
    assert [Path(item["filename"]).name for item in json.loads(result.stdout)] == ["app.py"]


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("x = 1", None),
        ("x = '#'", None),
        ("x = 1  # noqa", set()),
        ("x = 1  # noqa: fl101", {"FL101"}),
        ("x = 1  # noqa: FL101 FL102", {"FL101", "FL102"}),
        ("x = 1  # fastlint: ignore[]", set()),
        ("x = 1  # fastlint: ignore[FL101, FL103]", {"FL101", "FL103"}),
    ],
)
def test_line_suppressions(line: str, codes: set[str] | None):
    assert line_suppressions(line) == codes
