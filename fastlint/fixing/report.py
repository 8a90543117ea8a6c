"""The lines the text report gains when fixes are applied or held back, in ruff's words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastlint.finding import Applicability, Finding
from fastlint.fixing.fixer import FixPolicy, FixRun
from fastlint.output._common import display_path
from fastlint.rule_meta import RuleMeta


def _errors(n: int) -> str:
    return f"{n} error{'' if n == 1 else 's'}"


def _fixes(n: int) -> str:
    return f"{n} hidden fix{'' if n == 1 else 'es'}"


def amend(report: str, remaining: Sequence[Finding], fixed: int, policy: FixPolicy) -> str:
    """``report`` (the text format) with the fixed count and the hidden unsafe fixes."""
    lines = report.splitlines()
    if fixed:
        if lines == ["All checks passed!"]:
            lines = [f"Found {_errors(fixed)} ({fixed} fixed, 0 remaining)."]
        else:
            index = next(i for i, line in enumerate(lines) if line.startswith("Found "))
            lines[index] = f"Found {_errors(fixed + len(remaining))} ({fixed} fixed, {len(remaining)} remaining)."
    hidden = sum(map(policy.hidden, remaining))
    # The text reporter's ``[*]`` counts safe fixes only; --unsafe-fixes offers these too.
    unsafe = sum(policy.fixable(f) and f.fix.applicability is Applicability.UNSAFE for f in remaining)  # type: ignore[union-attr]
    if hidden:
        note = f"{_fixes(hidden)} can be enabled with the `--unsafe-fixes` option"
        if lines and lines[-1].startswith("[*] "):
            lines[-1] = f"{lines[-1][:-1]} ({note})."
        else:
            lines.append(f"No fixes available ({note}).")
    elif unsafe:
        lines.append(f"{unsafe} unsafe fix{'' if unsafe == 1 else 'es'} can be applied with `--fix --unsafe-fixes`.")
    return "\n".join(lines) + "\n"


def show_fixes(run: FixRun, rules: Mapping[str, RuleMeta]) -> str:
    """ruff's ``--show-fixes`` enumeration of what ``--fix`` changed."""
    total = sum(run.fixed.values())
    if not total:
        return ""
    lines = [f"Fixed {_errors(total)}:"]
    for file in sorted(run.files, key=lambda file: str(file.source.path)):
        lines.append(f"- {display_path(str(file.source.path))}:")
        for code, count in sorted(file.fixed.items()):
            name = rules[code].name if code in rules else code.lower()
            lines.append(f"    {count} × {code} ({name})")
    return "\n".join(lines) + "\n"
