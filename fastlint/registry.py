"""Finds the rules: every public module of ``fastlint.rules`` holds exactly one."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from fastlint.rule import Rule
from fastlint.rule_meta import UNPARSEABLE, RuleMeta


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    import fastlint.rules as package

    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.extend(rules_in_module(module))
    return tuple(sorted(found, key=lambda rule: rule.code))


def rules_in_module(module: object) -> list[type[Rule]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == getattr(module, "__name__", None) and hasattr(value, "code")
    ]


def rule_by_code(code: str) -> type[Rule] | None:
    return next((rule for rule in all_rules() if rule.code == code.upper()), None)


def rule_by_selector(selector: str) -> type[Rule] | None:
    """A rule named by its code (``FL101``) or its name (``blocking-http-call-in-async``)."""
    return next((rule for rule in all_rules() if selector.upper() == rule.code or selector == rule.name), None)


def known_codes() -> dict[str, bool]:
    """Every rule code and whether it is in preview."""
    return {rule.code: rule.preview for rule in all_rules()}


def metadata() -> dict[str, RuleMeta]:
    metas = {rule.code: rule.meta() for rule in all_rules()}
    metas[UNPARSEABLE.code] = UNPARSEABLE
    return metas
