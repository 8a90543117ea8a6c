"""Finds the rules: every public module of ``fastlint.rules`` holds exactly one."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fastlint.rule_meta import UNPARSEABLE, RuleMeta

if TYPE_CHECKING:
    from fastlint.rule import Rule

_CODE = re.compile(r'^    code = "(FL\d{3})"$', re.M)
_PREVIEW = re.compile(r"^    preview = True$", re.M)


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
    from fastlint.rule import Rule

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


@lru_cache(maxsize=1)
def known_codes() -> dict[str, bool]:
    """Every rule code and whether it is in preview, read from the rule modules' source.

    Selecting rules must not import them: a run that the cache answers needs the codes
    but none of the rules (a test checks this table against the imported classes).
    """
    import fastlint.rules as package

    codes: dict[str, bool] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        text = (Path(package.__path__[0]) / f"{info.name}.py").read_text(encoding="utf-8")
        for code in _CODE.findall(text):
            codes[code] = _PREVIEW.search(text) is not None
    return dict(sorted(codes.items()))


def metadata() -> Mapping[str, RuleMeta]:
    """Every rule's metadata, FL001 included; the rules are imported on first access."""
    return _LazyMetadata()


class _LazyMetadata(Mapping[str, RuleMeta]):
    def _load(self) -> dict[str, RuleMeta]:
        return _all_metadata()

    def __getitem__(self, code: str) -> RuleMeta:
        return self._load()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


@lru_cache(maxsize=1)
def _all_metadata() -> dict[str, RuleMeta]:
    metas = {rule.code: rule.meta() for rule in all_rules()}
    metas[UNPARSEABLE.code] = UNPARSEABLE
    return metas
