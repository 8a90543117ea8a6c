"""ruff's JSON shape, field for field, so tools already written for ruff read fastlint too."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastlint.finding import Finding, Position
from fastlint.output._common import Context, rule_url


def _location(pos: Position) -> dict[str, int]:
    return {"row": pos.line, "column": pos.column}


def _message(finding: Finding, ctx: Context) -> dict[str, Any]:
    fix = None
    if finding.fix is not None:
        fix = {
            # ruff serialises its enum lowercased: "safe", "unsafe", "displayonly".
            "applicability": finding.fix.applicability.value.replace("-", ""),
            "edits": [
                {"content": e.content, "location": _location(e.start), "end_location": _location(e.end)}
                for e in finding.fix.edits
            ],
            "message": finding.fix.message or finding.fix_title,
        }
    message: dict[str, Any] = {
        "cell": None,
        "code": finding.code,
        "end_location": _location(finding.end),
        "filename": finding.path,
        "fix": fix,
        "location": _location(finding.start),
        "message": finding.message,
        "noqa_row": finding.noqa_row,
        "url": rule_url(finding.code, ctx.rules),
    }
    if ctx.routes and ctx.routes.get(id(finding)):
        # Not in ruff's shape: present when endpoints' code reaches the finding ("GET /items").
        message["routes"] = list(ctx.routes[id(finding)])
    if finding.root is not None:
        # Not in ruff's shape: present on call-chain findings only (the chain's last project
        # function and the blocking call it makes), for tools that group findings by cause.
        message["root"] = {"function": finding.root.function, "call": finding.root.call}
    return message


def render(findings: Sequence[Finding], ctx: Context) -> str:
    messages = [_message(f, ctx) for f in findings]
    return json.dumps(messages, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_lines(findings: Sequence[Finding], ctx: Context) -> str:
    """ruff's ``json-lines``: one compact object per line, for streaming consumers."""
    return "".join(
        json.dumps(_message(f, ctx), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
        for f in findings
    )
