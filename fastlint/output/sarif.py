"""SARIF 2.1.0, shaped for GitHub code scanning (the consumer that matters most).

GitHub wants repository-relative URIs, a rule for every ``ruleId`` and
``partialFingerprints`` (required when uploading through the API); columns are UTF-16 code
units, SARIF's default, which GitHub assumes whatever ``columnKind`` says.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastlint.finding import Edit, Finding, Position
from fastlint.output._common import (
    INFORMATION_URI,
    TOOL_NAME,
    Context,
    fingerprints,
    is_error,
    known_rule,
    relative_path,
    rule_meta,
    tool_version,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "fastlint/v1"


def _level(code: str) -> str:
    return "error" if is_error(code) else "warning"


def _rule(code: str, ctx: Context) -> dict[str, Any]:
    meta = rule_meta(code, ctx.rules)
    rule: dict[str, Any] = {
        "id": code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "defaultConfiguration": {"level": _level(code)},
        "properties": {
            "tags": ["correctness"] if is_error(code) else ["performance", "fastapi"],
            "fixable": meta.fixable,
            "preview": meta.preview,
        },
    }
    if known_rule(code, ctx.rules):
        rule["helpUri"] = meta.url
    return rule


def _artifact(path: str, ctx: Context) -> dict[str, str]:
    rel = relative_path(path, ctx.root)
    if rel.startswith("../") or Path(rel).is_absolute():
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(rel), "uriBaseId": SRCROOT}


def _region(path: str, start: Position, end: Position, ctx: Context) -> dict[str, int]:
    return {
        "startLine": start.line,
        "startColumn": ctx.sources.utf16_column(path, start),
        "endLine": end.line,
        "endColumn": ctx.sources.utf16_column(path, end),
    }


def _replacement(path: str, edit: Edit, ctx: Context) -> dict[str, Any]:
    return {
        "deletedRegion": _region(path, edit.start, edit.end, ctx),
        "insertedContent": {"text": edit.content},
    }


def _result(finding: Finding, rule_index: int, fingerprint: str, ctx: Context) -> dict[str, Any]:
    artifact = _artifact(finding.path, ctx)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _level(finding.code),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(finding.path, finding.start, finding.end, ctx),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.fix is not None:
        result["fixes"] = [
            {
                "description": {"text": finding.fix.message or finding.fix_title or ""},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact,
                        "replacements": [_replacement(finding.path, e, ctx) for e in finding.fix.edits],
                    }
                ],
            }
        ]
    return result


def render(findings: Sequence[Finding], ctx: Context) -> str:
    codes = sorted({f.code for f in findings})
    index = {code: i for i, code in enumerate(codes)}
    prints = fingerprints(findings, ctx.root, ctx.sources)
    root_uri = Path(os.path.abspath(ctx.root)).as_uri()
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": [_rule(code, ctx) for code in codes],
            }
        },
        # SARIF requires a base URI to end with a slash, or the last segment is dropped.
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri.rstrip("/") + "/"}},
        "columnKind": "utf16CodeUnits",
        "results": [_result(f, index[f.code], fp, ctx) for f, fp in zip(findings, prints)],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
