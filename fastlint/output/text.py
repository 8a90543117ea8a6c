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


_ROOTS_SHOWN = 10


def roots_summary(findings: Sequence[Finding]) -> list[str]:
    """The blocking calls behind two or more findings, most first: fixing one fixes them all."""
    counts = Counter(f.root for f in findings if f.root is not None)
    files: dict[object, set[str]] = {}
    for f in findings:
        if f.root is not None:
            files.setdefault(f.root, set()).add(f.path)
    rows = sorted(((n, root) for root, n in counts.items() if n > 1), key=lambda row: (-row[0], row[1].function, row[1].call))
    if not rows:
        return []
    lines = ["Blocking calls behind the most findings (fix one to fix them all):"]
    for n, root in rows[:_ROOTS_SHOWN]:
        k = len(files[root])
        lines.append(f"  {root.describe()}: {n} findings in {k} file{'' if k == 1 else 's'}")
    if len(rows) > _ROOTS_SHOWN:
        lines.append(f"  ... and {len(rows) - _ROOTS_SHOWN} more")
    return lines


def _statistics(findings: Sequence[Finding], ctx: Context) -> str:
    """ruff's ``--statistics``: a count per rule, ``[*]`` when ``--fix`` would fix some of
    them (``--unsafe-fixes`` given, unsafe fixes count), ``[-]`` when only ``--unsafe-fixes``
    would, ``[ ]`` otherwise; then the fix summary of the normal report."""
    counts = Counter(f.code for f in findings)
    applied = {f.code for f in findings if _applies(f, ctx)}
    hidden = {f.code for f in findings if _unsafe_fix(f)} - applied
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(n)) for n in counts.values())
    code_width = max(len(code) for code in counts)
    table = "".join(
        f"{n:>{count_width}} {code:<{code_width}} {'[*]' if code in applied else '[-]' if code in hidden else '[ ]'} "
        f"{rule_meta(code, ctx.rules).name}\n"
        for code, n in rows
    )
    roots = roots_summary(findings)
    table += "\n" + "".join(f"{line}\n" for line in roots) if roots else ""
    summary = _fix_summary(findings, ctx)
    return table + ("\n" + "".join(f"{line}\n" for line in summary) if summary else "")


def _unsafe_fix(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def _applies(finding: Finding, ctx: Context) -> bool:
    """``--fix`` applies the finding's fix (the findings carry the policy's applicability)."""
    return _safe_fix(finding) or (ctx.fixes.unsafe_enabled and _unsafe_fix(finding))


def render(findings: Sequence[Finding], ctx: Context) -> str:
    """The findings, one line each, then (unless quiet) ruff's summary lines."""
    if ctx.statistics:
        return _statistics(findings, ctx) if findings else "All checks passed!\n"
    lines = [_line(f, ctx) for f in findings]
    if not ctx.quiet:
        lines.extend(roots_summary(findings))
        lines.extend(_closing(findings, ctx).splitlines())
    return "".join(f"{line}\n" for line in lines)


def _line(f: Finding, ctx: Context) -> str:
    marker = "[*] " if _safe_fix(f) else ""
    # One line per finding, whatever the message holds, for editors' problem matchers.
    message = " ".join(f.message.splitlines())
    return f"{_paint(display_path(f.path), _BOLD, ctx.color)}:{f.start.line}:{f.start.column}: {_paint(f.code, _RED_BOLD, ctx.color)} {marker}{message}"


def _closing(findings: Sequence[Finding], ctx: Context) -> str:
    """"Found N errors." or "All checks passed!", what was fixed, and the fixes on offer."""
    n, fixed = len(findings), ctx.fixes.fixed
    if fixed:
        lines = [f"Found {_errors(fixed + n)} ({fixed} fixed, {n} remaining)."]
    else:
        lines = [f"Found {_errors(n)}." if n else "All checks passed!"]
    lines.extend(_fix_summary(findings, ctx))
    return "".join(f"{line}\n" for line in lines)


def _fix_summary(findings: Sequence[Finding], ctx: Context) -> list[str]:
    """What ``--fix`` would fix, and the fixes that need ``--unsafe-fixes``."""
    lines = []
    fixable = sum(map(_safe_fix, findings))
    hidden = ctx.fixes.hidden
    # ``[*]`` counts safe fixes only; the unsafe ones are named apart.
    note = f"{hidden} hidden fix{'' if hidden == 1 else 'es'} can be enabled with the `--unsafe-fixes` option" if hidden else ""
    if fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option" + (f" ({note})." if note else "."))
    elif note:
        lines.append(f"No fixes available ({note}).")
    if not hidden and ctx.fixes.unsafe:
        unsafe = ctx.fixes.unsafe
        lines.append(f"{unsafe} unsafe fix{'' if unsafe == 1 else 'es'} can be applied with `--fix --unsafe-fixes`.")
    return lines


def _errors(n: int) -> str:
    return f"{n} error{'' if n == 1 else 's'}"
