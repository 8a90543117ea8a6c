"""GitHub Actions workflow commands, which annotate the pull request's diff in place.

GitHub shows at most 10 annotations of each type per step and 50 per job. Every finding
is still printed (the log keeps them all), and in GitHub Actions (``GITHUB_STEP_SUMMARY``
set) the findings past those limits are listed in the job summary, a Markdown table kept
under GitHub's 1 MiB limit. SARIF upload is the route for large lists.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

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


# What GitHub displays (docs: "Workflow commands", annotation limits).
PER_TYPE_PER_STEP = 10
PER_JOB = 50
SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub rejects a larger step summary


def render(findings: Sequence[Finding], ctx: Context) -> str:
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        hidden = not_displayed(findings)
        if hidden:
            append_summary(Path(summary_path), findings, hidden, ctx)
    return "".join(_command(f, ctx) + "\n" for f in findings)


def not_displayed(findings: Sequence[Finding]) -> list[Finding]:
    """The findings GitHub will not show as annotations: past the 10th of their type in
    this step, or past the 50th of the job (assuming this step is the job's only annotator)."""
    seen = {"error": 0, "warning": 0}
    shown = 0
    hidden = []
    for finding in findings:
        kind = "error" if is_error(finding.code) else "warning"
        if seen[kind] < PER_TYPE_PER_STEP and shown < PER_JOB:
            seen[kind] += 1
            shown += 1
        else:
            hidden.append(finding)
    return hidden


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def summary(findings: Sequence[Finding], hidden: Sequence[Finding], ctx: Context, limit: int = SUMMARY_LIMIT) -> str:
    """A Markdown section listing ``hidden``, at most ``limit`` bytes (UTF-8)."""
    head = (
        f"## fastlint: {len(findings)} finding{'s' if len(findings) != 1 else ''}\n\n"
        f"GitHub shows {PER_TYPE_PER_STEP} annotations of each type per step, so {len(hidden)} "
        f"finding{'s are' if len(hidden) != 1 else ' is'} listed here instead.\n\n"
        "| Location | Code | Message |\n|---|---|---|\n"
    )
    rows = []
    used = len(head.encode("utf-8"))
    reserve = 200  # for the closing line
    for number, finding in enumerate(hidden):
        name = rule_meta(finding.code, ctx.rules).name
        row = f"| `{_cell(relative_path(finding.path, ctx.root))}:{finding.start.line}:{finding.start.column}` | {finding.code} ({name}) | {_cell(finding.message)} |\n"
        size = len(row.encode("utf-8"))
        if used + size + reserve > limit:
            rows.append(f"\n… and {len(hidden) - number} more: the step's log lists every finding.\n")
            break
        rows.append(row)
        used += size
    return head + "".join(rows) + "\n"


def append_summary(path: Path, findings: Sequence[Finding], hidden: Sequence[Finding], ctx: Context) -> None:
    """Append the summary to the step's, within what is left of its 1 MiB."""
    try:
        budget = SUMMARY_LIMIT - path.stat().st_size
    except OSError:
        budget = SUMMARY_LIMIT
    if budget < 1024:
        return  # nothing useful fits: the log still has every finding
    with path.open("ab") as handle:
        handle.write(summary(findings, hidden, ctx, limit=budget).encode("utf-8"))
