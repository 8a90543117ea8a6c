"""Finds the rules: every public module of ``fastlint.rules`` holds exactly one."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from fastlint.rule_meta import ENGINE_CODES, UNPARSEABLE, RuleMeta, fix_safety_of, summary_of

if TYPE_CHECKING:
    from fastlint.rule import Rule

# A rule module's class attributes, as the rules are written (one rule per module).
# Each line start is a "\n": the patterns are searched in "\n" + source, and opening with
# a literal the regex engine skips ahead to it (a pattern opening with "^" is tried at
# every position: reading the 30 rules' metadata was 8% of a run the cache answered).
_CODE = re.compile(r'\n    code = "(FL\d{3})"$', re.M)
_ATTRIBUTE = re.compile(r'\n    (?:(name) = "([^"]+)"|(fixable|preview) = True)$', re.M)
_DOCSTRING = re.compile(r'\nclass \w+\(.*?\):\n    """(.*?)"""', re.M | re.S)


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


def rule_by_selector(selector: str) -> type[Rule] | None:
    """A rule named by its code (``FL101``) or its name (``blocking-http-call-in-async``)."""
    return next((rule for rule in all_rules() if selector.upper() == rule.code or selector == rule.name), None)


def known_codes() -> dict[str, bool]:
    """Every rule code and whether it is in preview (see ``metadata``)."""
    return {code: meta.preview for code, meta in _all_metadata().items() if code != UNPARSEABLE.code}


def metadata(docs_base_url: str | None = None) -> Mapping[str, RuleMeta]:
    """Every rule's metadata, FL001 included, read from the rule modules' source; their
    documentation links under ``docs_base_url`` when given (the ``docs-base-url`` setting).

    Selecting rules and reporting must not import them: a run that the cache answers
    needs the codes, names and summaries but none of the rules (a test checks this table
    against the imported classes).
    """
    if docs_base_url:
        return MappingProxyType({code: replace(meta, docs_base_url=docs_base_url) for code, meta in _all_metadata().items()})
    return MappingProxyType(_all_metadata())


@lru_cache(maxsize=1)
def _all_metadata() -> dict[str, RuleMeta]:
    import fastlint.rules as package

    metas: dict[str, RuleMeta] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        meta = _read_meta((Path(package.__path__[0]) / f"{info.name}.py").read_text(encoding="utf-8"))
        if meta is not None:
            metas[meta.code] = meta
    metas.update({meta.code: meta for meta in ENGINE_CODES})
    return dict(sorted(metas.items()))


def _read_meta(source: str) -> RuleMeta | None:
    import inspect

    text = "\n" + source  # a position in text is one past the same place in source
    code = _CODE.search(text)
    if code is None:
        return None
    # The rule class is the last class opened before its code.
    docstring = next(reversed(list(_DOCSTRING.finditer(text, 0, code.start() + 1))), None)
    found: dict[str, str] = {}
    # The class attributes come before its first method.
    start = docstring.end() - 1 if docstring else 0
    methods = source.find("\n    def ", max(start, code.end() - 1))
    for match in _ATTRIBUTE.finditer(text, start + 1, (methods if methods >= 0 else len(source)) + 1):
        found.setdefault(match[1] or match[3], match[2] or "True")
    if "name" not in found:
        return None
    documentation = inspect.cleandoc(docstring[1]) if docstring else ""
    return RuleMeta(
        code=code[1],
        name=found["name"],
        summary=summary_of(documentation) if docstring else "",
        fixable="fixable" in found,
        preview="preview" in found,
        fix_safety=fix_safety_of(documentation) if docstring and "fixable" in found else None,
    )
