"""What the text report says of fixes: the counts it prints, and ``--show-fixes``' list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastlint.finding import Applicability, Finding
from fastlint.fixing.fixer import FixPolicy, FixRun
from fastlint.output._common import FixCounts, display_path
from fastlint.rule_meta import RuleMeta


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
