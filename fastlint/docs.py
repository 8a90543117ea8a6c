"""Generates the README's rule table, ``docs/rules.md`` and one page per rule,
``docs/rules/FLxxx.md``, from the registry.

Run ``python -m fastlint.docs`` after changing a rule; the test suite fails while any of
them is stale. A rule's page is what ``fastlint rule FLxxx`` prints (offline), under a
one-line "generated" comment; findings, SARIF ``helpUri`` and the language server link to it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fastlint.rule import Rule
from fastlint.rule_meta import ENGINE_CODES, ENGINE_DOCUMENTATION, UNPARSEABLE
from fastlint.run.registry import all_rules

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"
ROOT = Path(__file__).resolve().parents[1]
# Said once for every rule (in docs/rules.md and by ``fastlint rule CODE``).
TEST_PATHS_NOTE = (
    "No rule reports in test and tooling code (`test-paths`: `tests/`, `test/`, `test_*.py`, "
    "`*_test.py`, `conftest.py`; `tooling-paths`: `scripts/`, `examples/`, `example_dags/`, "
    "`benchmarks/`, `loadtest/`, `loadtests/`, `cli/`) unless `check-test-paths = true`; tooling code is still indexed, "
    "so chains through it are followed; test code is indexed only where the rest of the project imports from it "
    "(what a test app registers does not count). FL001 is reported everywhere."
)
PAGE_HEADER = "<!-- Generated from the rule's docstring by `python -m fastlint.docs`; do not edit by hand. -->"


def anchor(rule: type[Rule]) -> str:
    return f"{rule.code.lower()}-{rule.name}"


def rule_table() -> str:
    rows = ["| Code | Name | Fix | Summary |", "|---|---|---|---|"]
    for rule in all_rules():
        flags = ("🛠️" if rule.fixable else "") + (" 🧪 preview" if rule.preview else "")
        rows.append(f"| [{rule.code}](docs/rules/{rule.code}.md) | `{rule.name}` | {flags.strip()} | {rule.summary()} |")
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


def rule_help(code: str) -> str | None:
    """The documentation of one rule (code or name) as ``fastlint rule`` prints it, or None."""
    from fastlint.run.registry import rule_by_selector

    if code.upper() == UNPARSEABLE.code:
        return f"# {UNPARSEABLE.name} ({UNPARSEABLE.code})\n\n{UNPARSEABLE.summary}\nIt cannot be disabled."
    engine = next((meta for meta in ENGINE_CODES if code.upper() == meta.code or code == meta.name), None)
    if engine is not None:
        fix = "Fix is always available." if engine.fixable else "Fix is not available."
        return f"# {engine.name} ({engine.code})\n\n{fix}\n\n{ENGINE_DOCUMENTATION[engine.code]}"
    found = rule_by_selector(code)
    if found is None:
        return None
    status = " (preview)" if found.preview else ""
    fix = "Fix is sometimes available." if found.fixable else "Fix is not available."
    return f"# {found.name} ({found.code}){status}\n\n{fix}\n\n{found.documentation()}\n\n{TEST_PATHS_NOTE}"


def rule_pages() -> dict[str, str]:
    """``docs/rules/FLxxx.md`` for FL001 and every rule: file name -> content."""
    codes = [meta.code for meta in ENGINE_CODES] + [rule.code for rule in all_rules()]
    return {f"{code}.md": f"{PAGE_HEADER}\n\n{rule_help(code)}".rstrip() + "\n" for code in codes}


def readme_with_table(readme: str) -> str:
    pattern = re.compile(rf"{re.escape(TABLE_START)}.*?{re.escape(TABLE_END)}", re.S)
    return pattern.sub(f"{TABLE_START}\n{rule_table()}\n{TABLE_END}", readme)


def main() -> int:
    readme = ROOT / "README.md"
    readme.write_text(readme_with_table(readme.read_text(encoding="utf-8")), encoding="utf-8")
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "rules.md").write_text(rules_document(), encoding="utf-8")
    pages = ROOT / "docs" / "rules"
    pages.mkdir(exist_ok=True)
    wanted = rule_pages()
    for stale in pages.glob("FL*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, content in wanted.items():
        (pages / name).write_text(content, encoding="utf-8")
    print(f"updated README.md, docs/rules.md and {len(wanted)} pages in docs/rules/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
