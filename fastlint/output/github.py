"""GitHub Actions workflow commands, which annotate the pull request's diff in place.

GitHub shows at most 10 warnings and 10 errors per step, so this suits a short list; SARIF
upload is the route for large ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastlint.finding import Finding
from fastlint.output._common import Context, is_error, relative_path, rule_meta


def escape_data(text: str) -> str:
    """Escape the message: a raw newline would end the command, ``%`` starts an escape."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: ``:`` and ``,`` would also end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(finding: Finding, ctx: Context) -> str:
    properties = {
        "file": relative_path(finding.path, ctx.root),
        "line": finding.start.line,
        "endLine": finding.end.line,
        "col": finding.start.column,
        "endColumn": finding.end.column,
        "title": f"{finding.code} ({rule_meta(finding.code, ctx.rules).name})",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    kind = "error" if is_error(finding.code) else "warning"
    return f"::{kind} {joined}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], ctx: Context) -> str:
    return "".join(_command(f, ctx) + "\n" for f in findings)
