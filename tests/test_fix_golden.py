"""Golden files of the fixes: every fixable rule's ``tests/fixes/FLxxx*.py`` is fixed (unsafe
fixes too) into its ``.fixed.py``, where the fixed rules no longer report a fixable finding;
a second run changes nothing. ``several_fixes_meet.py`` is where fixes of several rules meet
in one statement and one file. Regenerate with ``FASTLINT_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from fastlint.run.registry import all_rules, known_codes
from fastlint.testing import fix_source, lint_source

GOLDEN = Path(__file__).parent / "fixes"
INPUTS = sorted(path for path in GOLDEN.glob("*.py") if not path.name.endswith(".fixed.py"))


def _codes(path: Path) -> list[str]:
    named = re.findall(r"FL\d{3}", path.stem)
    return named or sorted(known_codes())


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: path.stem)
def test_golden_fix(path: Path):
    codes = _codes(path)
    source = path.read_text(encoding="utf-8")
    before = [finding for finding in lint_source(source, codes) if finding.fix is not None]
    assert before, f"{path.name} has nothing to fix"
    fixed = fix_source(source, codes)
    golden = path.with_suffix(".fixed.py")
    if os.environ.get("FASTLINT_UPDATE_GOLDEN") == "1":
        golden.write_text(fixed, encoding="utf-8")
    assert fixed == golden.read_text(encoding="utf-8")
    ast.parse(fixed)
    assert [finding for finding in lint_source(fixed, codes) if finding.fix is not None] == []
    assert fix_source(fixed, codes) == fixed  # idempotent


def test_every_fixable_rule_has_a_golden_file():
    named = {code for path in INPUTS for code in re.findall(r"FL\d{3}", path.stem)}
    assert {rule.code for rule in all_rules() if rule.fixable and rule.meta().fix_safety != "display-only"} <= named
