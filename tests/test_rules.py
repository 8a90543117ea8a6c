"""Every rule's own examples, its documentation and the registry's invariants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastlint.fixing.fixer import apply_edits
from fastlint.rule import DOC_SECTIONS, Invalid, Valid
from fastlint.run.registry import all_rules
from fastlint.testing import fix_source, lint_source

RULES = all_rules()


def _valid_cases():
    for rule in RULES:
        for index, example in enumerate(rule.VALID):
            example = example if isinstance(example, Valid) else Valid(example)
            yield pytest.param(rule, example, id=f"{rule.code}-valid-{index + 1}")


def _invalid_cases():
    for rule in RULES:
        for index, example in enumerate(rule.INVALID):
            yield pytest.param(rule, example, id=f"{rule.code}-invalid-{index + 1}")


def test_rules_are_registered():
    assert len(RULES) >= 6
    assert {"FL101", "FL102", "FL103", "FL104", "FL105", "FL106"} <= {rule.code for rule in RULES}


@pytest.mark.parametrize(("rule", "example"), list(_valid_cases()))
def test_valid_example_stays_quiet(rule, example: Valid):
    assert lint_source(example.source, [rule.code], example.options) == []


@pytest.mark.parametrize(("rule", "example"), list(_invalid_cases()))
def test_invalid_example_fires(rule, example: Invalid):
    findings = lint_source(example.source, [rule.code], example.options)
    ranges = tuple((f.start.line, f.start.column, f.end.line, f.end.column) for f in findings)
    assert ranges == example.expected
    assert {f.code for f in findings} == {rule.code}
    if example.message is not None:
        assert example.message in findings[0].message


def _fixed_cases():
    for rule in RULES:
        for index, example in enumerate(rule.INVALID):
            if example.fixed is not None:
                yield pytest.param(rule, example, id=f"{rule.code}-invalid-{index + 1}")


@pytest.mark.parametrize(("rule", "example"), list(_fixed_cases()))
def test_invalid_example_is_fixed_as_pinned(rule, example: Invalid):
    assert rule.fixable
    if rule.meta().fix_safety == "display-only":
        # Never applied; the pinned text is what the suggestions show.
        assert fix_source(example.source, [rule.code], example.options) == example.source
        findings = lint_source(example.source, [rule.code], example.options)
        shown = apply_edits(example.source, [edit for finding in findings if finding.fix for edit in finding.fix.edits])
        assert shown == example.fixed
        return
    assert fix_source(example.source, [rule.code], example.options) == example.fixed


def test_every_fixable_rule_pins_a_fixed_example():
    fixable = {rule.code for rule in RULES if rule.fixable}
    pinned = {rule.code for rule in RULES for example in rule.INVALID if example.fixed is not None}
    assert fixable and fixable == pinned


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_has_as_many_quiet_examples_as_firing_ones(rule):
    assert rule.INVALID, "a rule needs examples that fire"
    assert len(rule.VALID) >= len(rule.INVALID)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_documentation_has_every_section(rule):
    for section in DOC_SECTIONS:
        assert rule.doc_section(section), f"{rule.code} lacks '## {section}'"
    if rule.fixable:
        assert rule.doc_section("Fix safety")
    assert rule.summary().endswith(".")


def _code_block(text: str) -> str:
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "the section needs a python code block"
    return match.group(1).replace("\\\\", "\\")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_documented_example_fires_and_its_fix_stays_quiet(rule):
    example = _code_block(rule.doc_section("Example"))
    use_instead = _code_block(rule.doc_section("Use instead"))
    assert [f.code for f in lint_source(example, [rule.code])], "the documented Example must fire"
    assert lint_source(use_instead, [rule.code]) == []


def test_codes_names_and_modules_are_unique_and_consistent():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in RULES:
        assert re.fullmatch(r"FL[1-9][0-9]{2}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", rule.name)
        module_file = rule.__module__.rpartition(".")[2]
        assert module_file == rule.name.replace("-", "_"), "the file name matches the rule name"


def test_one_rule_class_per_module():
    import importlib

    from fastlint.run.registry import rules_in_module

    modules = {rule.__module__ for rule in RULES}
    for name in modules:
        assert len(rules_in_module(importlib.import_module(name))) == 1
    rule_files = [p for p in (Path(__file__).parents[1] / "rules").glob("*.py") if not p.name.startswith("_")]
    assert len(rule_files) == len(RULES)


def test_codes_read_without_importing_the_rules_match_the_rules():
    from fastlint.rule_meta import STALE_BASELINE, UNUSED_NOQA
    from fastlint.run.registry import known_codes

    engine = {UNUSED_NOQA.code: False, STALE_BASELINE.code: False}
    assert known_codes() == {**engine, **{rule.code: rule.preview for rule in RULES}}


def test_metadata_read_without_importing_the_rules_matches_the_rules():
    from fastlint.rule_meta import ENGINE_CODES
    from fastlint.run.registry import metadata

    assert dict(metadata()) == {**{meta.code: meta for meta in ENGINE_CODES}, **{rule.code: rule.meta() for rule in RULES}}
