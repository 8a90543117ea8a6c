"""``# noqa``, ``# fastlint: ignore[...]`` and ``# fastlint: skip-file`` comments."""

from __future__ import annotations

import re

from fastlint.finding import Finding
from fastlint.source import SourceFile

UNSUPPRESSIBLE = "FL001"
_CODE = r"[A-Z]+[0-9]+"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*))?", re.I)
_IGNORE = re.compile(rf"#\s*fastlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")
_SKIP_FILE = re.compile(r"^\s*#\s*fastlint:\s*skip-file\b", re.M)


def skips_file(source: SourceFile) -> bool:
    return b"skip-file" in source.data and _SKIP_FILE.search(source.text) is not None


def line_suppressions(line: str) -> set[str] | None:
    """The codes a line's comments suppress; an empty set means every code; None, none."""
    if "#" not in line:
        return None
    found: set[str] | None = None
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(line):
            codes = match.group("codes")
            if codes is None or not codes.strip():
                return set()
            found = (found or set()) | {code.upper() for code in re.findall(_CODE, codes, re.I)}
    return found


def is_suppressed(finding: Finding, source: SourceFile) -> bool:
    """A finding is silenced by a comment on its first or its last line."""
    if finding.code == UNSUPPRESSIBLE:
        return False
    codes = {finding.code, *finding.suppressed_by}
    for line in {finding.start.line, finding.end.line}:
        suppressed = line_suppressions(source.line(line))
        if suppressed is not None and (not suppressed or suppressed & codes):
            return True
    return False
