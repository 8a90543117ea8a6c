"""reviewdog's rdjson and rdjsonl, which carry fixes as suggestions into review comments.

reviewdog counts columns in UTF-8 bytes (1-based, end exclusive), so character columns are
converted through the file's text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastlint.finding import Applicability, Finding, Position
from fastlint.output._common import (
    INFORMATION_URI,
    TOOL_NAME,
    Context,
    is_error,
    relative_path,
    rule_url,
)

_SOURCE = {"name": TOOL_NAME, "url": INFORMATION_URI}


def _range(path: str, start: Position, end: Position, ctx: Context) -> dict[str, Any]:
    def position(pos: Position) -> dict[str, int]:
        return {"line": pos.line, "column": ctx.sources.utf8_column(path, pos)}

    return {"start": position(start), "end": position(end)}


def _diagnostic(f: Finding, ctx: Context) -> dict[str, Any]:
    code: dict[str, str] = {"value": f.code}
    url = rule_url(f.code, ctx.rules)
    if url:
        code["url"] = url
    diagnostic: dict[str, Any] = {
        "message": f.message,
        "location": {"path": relative_path(f.path, ctx.root), "range": _range(f.path, f.start, f.end, ctx)},
        "severity": "ERROR" if is_error(f.code) else "WARNING",
        "source": _SOURCE,
        "code": code,
    }
    # reviewdog turns suggestions into one-click changes: a display-only fix is not one.
    if f.fix is not None and f.fix.applicability is not Applicability.DISPLAY_ONLY:
        diagnostic["suggestions"] = [
            {"range": _range(f.path, e.start, e.end, ctx), "text": e.content} for e in f.fix.edits
        ]
    return diagnostic


def render(findings: Sequence[Finding], ctx: Context) -> str:
    result = {
        "source": _SOURCE,
        "severity": "WARNING",
        "diagnostics": [_diagnostic(f, ctx) for f in findings],
    }
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def render_lines(findings: Sequence[Finding], ctx: Context) -> str:
    """``rdjsonl``: one Diagnostic per line, for ``reviewdog -f=rdjsonl``."""
    return "".join(json.dumps(_diagnostic(f, ctx), ensure_ascii=False) + "\n" for f in findings)
