"""Generates the README's rule table and ``docs/rules.md`` from the registry.

Run ``python -m fastlint.docs`` after changing a rule; the test suite fails while
either file is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fastlint.run.registry import all_rules
from fastlint.rule import Rule

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"
ROOT = Path(__file__).resolve().parents[1]
# Said once for every rule (in docs/rules.md and by ``fastlint rule CODE``).
TEST_PATHS_NOTE = (
    "No rule reports in test and tooling code (`test-paths`: `tests/`, `test/`, `test_*.py`, "
    "`*_test.py`, `conftest.py`; `tooling-paths`: `scripts/`, `examples/`, `benchmarks/`, "
    "`loadtest/`, `loadtests/`) unless `check-test-paths = true`; that code is still indexed, "
    "so chains through it are followed. FL001 is reported everywhere."
)


def anchor(rule: type[Rule]) -> str:
    return f"{rule.code.lower()}-{rule.name}"


def rule_table() -> str:
    rows = ["| Code | Name | Fix | Summary |", "|---|---|---|---|"]
    for rule in all_rules():
        flags = ("🛠️" if rule.fixable else "") + (" 🧪 preview" if rule.preview else "")
        rows.append(f"| [{rule.code}](docs/rules.md#{anchor(rule)}) | `{rule.name}` | {flags.strip()} | {rule.summary()} |")
    return "\n".join(rows)


def rules_document() -> str:
    parts = [
        "# fastlint rules",
        "",
        "Generated from the rule modules by `python -m fastlint.docs`; do not edit by hand.",
        "",
        TEST_PATHS_NOTE,
        "",
    ]
    for rule in all_rules():
        status = " (preview)" if rule.preview else ""
        body = re.sub(r"^## ", "### ", rule.documentation(), flags=re.M)
        parts += [f"## {rule.code}: {rule.name}{status}", "", body, ""]
    return "\n".join(parts).rstrip() + "\n"


def readme_with_table(readme: str) -> str:
    pattern = re.compile(rf"{re.escape(TABLE_START)}.*?{re.escape(TABLE_END)}", re.S)
    return pattern.sub(f"{TABLE_START}\n{rule_table()}\n{TABLE_END}", readme)


def main() -> int:
    readme = ROOT / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "rules.md").write_text(rules_document(), encoding="utf-8")
    print("updated README.md and docs/rules.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
