"""The README and docs/rules.md say what the code does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from fastlint.cli import main
from fastlint.docs import PAGE_HEADER, readme_with_table, rule_pages, rules_document
from fastlint.rule_meta import REPOSITORY_URL, UNPARSEABLE, docs_url
from fastlint.run.registry import all_rules, metadata
from fastlint.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
STALE = "stale: run `python -m fastlint.docs` and commit the result"


def test_readme_rule_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, STALE
    for rule in all_rules():
        assert f"`{rule.name}`" in readme


def test_rules_document_is_current():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_document(), STALE


def test_every_configuration_key_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    internal = {"project_root", "config_path"}
    keys = [f.name.replace("_", "-") for f in dataclasses.fields(Settings) if f.name not in internal]
    missing = [key for key in keys if f"| `{key}` |" not in readme]
    assert not missing, f"README configuration table lacks {missing}"


def test_rule_urls_point_at_generated_anchors():
    document = rules_document()
    for rule in all_rules():
        assert f"## {rule.code}: {rule.name}" in document


def test_every_rule_has_a_current_documentation_page():
    pages = ROOT / "docs" / "rules"
    wanted = rule_pages()
    assert set(wanted) == {f"{code}.md" for code in metadata()}
    assert {path.name for path in pages.glob("*.md")} == set(wanted), STALE
    for name, content in wanted.items():
        assert (pages / name).read_text(encoding="utf-8") == content, f"docs/rules/{name} {STALE}"


def test_findings_link_to_the_rule_page_in_the_repository():
    for code, meta in metadata().items():
        assert meta.url == f"{REPOSITORY_URL}/blob/main/docs/rules/{code}.md"
        assert (ROOT / "docs" / "rules" / f"{code}.md").is_file()
    assert docs_url("FL101", "https://docs.example.com/fastlint/rules/") == "https://docs.example.com/fastlint/rules/FL101.md"


def test_fastlint_rule_prints_the_page_offline(monkeypatch):
    """The page is exactly what `fastlint rule` prints; nothing is fetched."""
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("fastlint rule must work offline")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for code in [UNPARSEABLE.code, "FL101", "FL107", "FL502"]:
        result = CliRunner().invoke(main, ["rule", code])
        assert result.exit_code == 0, result.output
        page = (ROOT / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")
        assert page == f"{PAGE_HEADER}\n\n{result.output}".rstrip() + "\n"
