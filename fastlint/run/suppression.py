"""``# noqa``, ``# fastlint: ignore[...]`` and ``# fastlint: skip-file`` comments."""

from __future__ import annotations

import io
import re
import tokenize
from functools import lru_cache

from fastlint.finding import Finding
from fastlint.source import SourceFile

UNSUPPRESSIBLE = "FL001"
_CODE = r"[A-Z]+[0-9]+"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*))?", re.I)
_IGNORE = re.compile(r"#\s*fastlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")
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
    """A finding is silenced by a comment on its first or its last line, or on the last
    line of the statement it ends in (where black leaves a comment when it splits a call)."""
    if finding.code == UNSUPPRESSIBLE or not _has_suppression_comment(source.text):
        return False
    codes = {finding.code, *finding.suppressed_by}
    for line in (finding.start.line, finding.end.line, _statement_end(source.text, finding.end.line)):
        suppressed = line_suppressions(source.line(line))
        if suppressed is not None and (not suppressed or suppressed & codes):
            return True
    return False


def _has_suppression_comment(text: str) -> bool:
    """Most files have none: then no line needs reading, nor the file tokenizing."""
    return "fastlint:" in text or "noqa" in text or re.search("noqa", text, re.I) is not None


def _statement_end(text: str, line: int) -> int:
    return _logical_line_ends(text).get(line, line)


@lru_cache(maxsize=4)
def _logical_line_ends(text: str) -> dict[int, int]:
    """Each physical line of a multi-line logical line, mapped to the logical line's last."""
    ends: dict[int, int] = {}
    first: int | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NL, tokenize.COMMENT) and first is None:
                continue
            if first is None:
                first = token.start[0]
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                last = token.start[0]
                ends.update(dict.fromkeys(range(first, last), last))
                first = None
    except (tokenize.TokenError, SyntaxError):
        pass
    return ends
