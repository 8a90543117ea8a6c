"""The README and docs/rules.md say what the code does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from fastlint.docs import readme_with_table, rules_document
from fastlint.run.registry import all_rules
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
        assert rule.meta().url.endswith(f"#{rule.code.lower()}-{rule.name}")
