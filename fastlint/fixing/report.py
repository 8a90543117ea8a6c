"""What the text report says of fixes: the counts it prints, and ``--show-fixes``' list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from fastlint.finding import Applicability, Finding
from fastlint.fixing.policy import FixPolicy
from fastlint.output._common import FixCounts, display_path
from fastlint.rule_meta import RuleMeta

if TYPE_CHECKING:
    from fastlint.fixing.fixer import FixRun


def _errors(n: int) -> str:
    return f"{n} error{'' if n == 1 else 's'}"


def fix_counts(remaining: Sequence[Finding], fixed: int, policy: FixPolicy) -> FixCounts:
    """What the text report says of fixes: applied, hidden (unsafe, not offered), unsafe offered."""
    hidden = sum(map(policy.hidden, remaining))
    unsafe = sum(policy.fixable(f) and f.fix.applicability is Applicability.UNSAFE for f in remaining)  # type: ignore[union-attr]
    return FixCounts(fixed=fixed, hidden=hidden, unsafe=unsafe, unsafe_enabled=policy.unsafe)


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


_LABELS = {
    Applicability.SAFE: "Safe fix",
    Applicability.UNSAFE: "Unsafe fix (--unsafe-fixes)",
    Applicability.DISPLAY_ONLY: "Display-only fix (never applied: adapt it by hand)",
}


def offered_fixes(findings: Sequence[Finding], sources: Mapping[str, str]) -> str:
    """``--show-fixes`` on the findings that remain: each fix on offer as a diff, headed by
    its applicability, as ruff's full output shows them. Display-only suggestions, which
    ``--fix`` never applies, are shown only here (and in the review bot's comments)."""
    import difflib
    import re

    from fastlint.fixing.fixer import apply_edits

    blocks = []
    for finding in findings:
        text = sources.get(finding.path)
        if finding.fix is None or text is None:
            continue
        try:
            fixed = apply_edits(text, finding.fix.edits)
        except ValueError:
            continue
        before, after = re.sub(r"\r\n?", "\n", text), re.sub(r"\r\n?", "\n", fixed)
        diff = list(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), n=1))[2:]
        if not diff:
            continue
        where = f"{display_path(finding.path)}:{finding.start.line}:{finding.start.column}: {finding.code}"
        body = "".join(f"    {line if line.endswith(chr(10)) else line + chr(10)}" for line in diff)
        blocks.append(f"{where} {_LABELS[finding.fix.applicability]}: {finding.fix.message}\n{body}")
    return "\nFixes on offer:\n" + "".join(blocks) if blocks else ""
