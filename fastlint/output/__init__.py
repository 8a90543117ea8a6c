"""Reporters: one rendering of the same findings per consumer, selected by name.

Every reporter returns the whole document as text ending in a newline; the caller writes it
to stdout or a file and decides the exit code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from fastlint.finding import Finding
from fastlint.output._common import Context, FixCounts, Sources
from fastlint.rule_meta import RuleMeta

__all__ = ["FORMATS", "FixCounts", "render"]

# Format name -> (module, function): a run imports only the reporter it uses (startup time).
_RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("text", "render"),
    "json": ("json_format", "render"),
    "json-lines": ("json_format", "render_lines"),
    "sarif": ("sarif", "render"),
    "github": ("github", "render"),
    "gitlab": ("gitlab", "render"),
    "junit": ("junit", "render"),
    "rdjson": ("rdjson", "render"),
    "rdjsonl": ("rdjson", "render_lines"),
}

FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(
    findings: Sequence[Finding],
    fmt: str,
    *,
    rules: Mapping[str, RuleMeta],
    root: Path,
    sources: Mapping[str, str] | None = None,
    color: bool = False,
    statistics: bool = False,
    files_checked: int = 0,
    quiet: bool = False,
    fixes: FixCounts | None = None,
    routes: Mapping[int, Sequence[str]] | None = None,
) -> str:
    """Render ``findings`` (sorted by path, line, column, code) in format ``fmt``.

    ``sources`` maps a finding's path to its text, to convert character columns into the
    units a format counts in; a path missing from it is read from disk.
    ``color``, ``statistics``, ``quiet`` (findings only) and ``fixes`` (what ``--fix`` did
    and held back) apply to ``text`` only.
    """
    try:
        module, function = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    renderer: Callable[[Sequence[Finding], Context], str] = getattr(importlib.import_module(f"fastlint.output.{module}"), function)
    ctx = Context(
        rules=rules,
        root=root,
        sources=Sources(sources if sources is not None else {}),  # not bool(): it would read them all
        color=color,
        statistics=statistics,
        files_checked=files_checked,
        quiet=quiet,
        fixes=fixes or FixCounts(),
        routes=routes,
    )
    return renderer(findings, ctx)
