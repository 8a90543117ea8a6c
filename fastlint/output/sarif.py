"""SARIF 2.1.0, shaped for GitHub code scanning (the consumer that matters most).

GitHub wants repository-relative URIs, a rule for every ``ruleId`` and
``partialFingerprints`` (required when uploading through the API); columns are UTF-16 code
units, SARIF's default, which GitHub assumes whatever ``columnKind`` says.
"""

from __future__ import annotations

import ast
import json
import os
import re
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


# FL107's message starts with its chain, as ``Chain.describe`` writes it.
_CHAIN = re.compile(r"^((?:[\w.]+\(\) -> )+)([\w. ]+?) \((FL\d+)\)")


def _code_flow(finding: Finding, artifact: dict[str, str], ctx: Context) -> dict[str, Any] | None:
    """A call chain (FL107) as a SARIF code flow: the call in the handler, each project
    function it goes through (the last one at its ``def``, found from the finding's root),
    then the blocking call, so code scanning shows the path hop by hop."""
    match = _CHAIN.match(finding.message) if finding.root is not None else None
    if match is None or finding.root is None:
        return None
    functions = [name[:-2] for name in match.group(1).split(" -> ") if name]
    blocking, code = match.group(2), match.group(3)
    # The chain's functions are named for display; the root's module is where the last one
    # lives, and usually the others too (a helper module): each is looked up there.
    root_module = finding.root.function.rsplit(".", len(functions[-1].split(".")))[0]
    hops: list[dict[str, Any]] = [{"location": {
        "message": {"text": f"calls `{functions[0]}()`"},
        "physicalLocation": {"artifactLocation": artifact, "region": _region(finding.path, finding.start, finding.end, ctx)},
    }}]
    last: tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None = None
    for number, name in enumerate(functions):
        qualified = finding.root.function if number == len(functions) - 1 else f"{root_module}.{name}"
        location: dict[str, Any] = {"message": {"text": f"`{name}()`"}}
        found = _definition(qualified, ctx)
        if found is not None:
            path, node = found
            location["physicalLocation"] = {"artifactLocation": _artifact(path, ctx), "region": {"startLine": node.lineno}}
            last = found if number == len(functions) - 1 else last
        location["logicalLocations"] = [{"fullyQualifiedName": qualified if found else name, "kind": "function"}]
        hops.append({"location": location})
    final: dict[str, Any] = {
        "message": {"text": f"{blocking if ' ' in blocking else f'`{blocking}`'} blocks the event loop ({code})"},
        "logicalLocations": [{"fullyQualifiedName": finding.root.call, "kind": "function"}],
    }
    call = _call_in(last[1], blocking) if last is not None and " " not in blocking else None
    if last is not None and call is not None:
        final["physicalLocation"] = {"artifactLocation": _artifact(last[0], ctx), "region": {"startLine": call.lineno}}
    hops.append({"location": final})
    return {"threadFlows": [{"locations": hops}]}


def _call_in(function: ast.AST, blocking: str) -> ast.Call | None:
    """The first call in ``function`` whose name ends as ``blocking`` does (``requests.get``: ``.get``)."""
    tail = blocking.rsplit(".", 1)[-1]
    calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name == tail:
            return node
    return None


def _definition(qualified: str, ctx: Context) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
    """The file and ``def`` of a project function named ``package.module.[Class.]name``."""
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        base = Path(ctx.root, *parts[:cut])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                try:
                    tree = ast.parse(candidate.read_bytes())
                except (SyntaxError, ValueError, OSError):
                    return None
                body: list[ast.stmt] = tree.body
                node: ast.AST | None = None
                for name in parts[cut:]:
                    node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name), None)
                    if node is None:
                        return None
                    body = getattr(node, "body", [])
                if isinstance(node, ast.ClassDef):  # ``Client()`` in a chain: its ``__init__``
                    node = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    return None
                return str(candidate), node
    return None


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
    flow = _code_flow(finding, artifact, ctx)
    if flow is not None:
        result["codeFlows"] = [flow]
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
