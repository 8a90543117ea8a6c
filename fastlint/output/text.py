"""Text for people, in ruff's concise shape so editors and terminals make it clickable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from fastlint.finding import Applicability, Finding
from fastlint.output._common import Context, display_path, rule_meta

_BOLD, _RED_BOLD, _RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[0m"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def _safe_fix(finding: Finding) -> bool:
    """``[*]`` promises that ``--fix`` applies it, which holds for safe fixes only."""
    return finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def _statistics(findings: Sequence[Finding], ctx: Context) -> str:
    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if _safe_fix(f)}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(n)) for n in counts.values())
    code_width = max(len(code) for code in counts)
    return "".join(
        f"{n:>{count_width}} {code:<{code_width}} {'[*]' if code in fixable else '[ ]'} "
        f"{rule_meta(code, ctx.rules).name}\n"
        for code, n in rows
    )


def render(findings: Sequence[Finding], ctx: Context) -> str:
    if not findings:
        return "All checks passed!\n"
    if ctx.statistics:
        return _statistics(findings, ctx)
    lines = []
    for f in findings:
        marker = "[*] " if _safe_fix(f) else ""
        # One line per finding, whatever the message holds, for editors' problem matchers.
        message = " ".join(f.message.splitlines())
        lines.append(
            f"{_paint(display_path(f.path), _BOLD, ctx.color)}:{f.start.line}:{f.start.column}: "
            f"{_paint(f.code, _RED_BOLD, ctx.color)} {marker}{message}"
        )
    n = len(findings)
    lines.append(f"Found {n} error{'' if n == 1 else 's'}.")
    fixable = sum(map(_safe_fix, findings))
    if fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option.")
    return "\n".join(lines) + "\n"
