"""``# noqa``, ``# fastlint: ignore[...]`` and ``# fastlint: skip-file`` comments."""

from __future__ import annotations

import io
import re
import tokenize
from functools import lru_cache

from fastlint.finding import Finding
from fastlint.source import SourceFile, tokenizer_lines

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
    if _suppresses(source.line(finding.start.line), codes) or _suppresses(source.line(finding.end.line), codes):
        return True
    # The statement ends on the finding's last line or after it. Finding where means
    # tokenizing the file: only when a later line has a comment that would suppress it.
    if not any(_suppresses(source.line(line), codes) for line in _comment_lines(source.text) if line > finding.end.line):
        return False
    return _suppresses(source.line(_statement_end(source.text, finding.end.line)), codes)


def _suppresses(line: str, codes: set[str]) -> bool:
    suppressed = line_suppressions(line)
    return suppressed is not None and (not suppressed or bool(suppressed & codes))


_MAY_SUPPRESS = re.compile("noqa|fastlint:", re.I)


@lru_cache(maxsize=4)
def _comment_lines(text: str) -> tuple[int, ...]:
    """The numbers of the lines that may hold a suppression comment (a superset)."""
    return tuple(number for number, line in enumerate(tokenizer_lines(text), 1) if "#" in line and _MAY_SUPPRESS.search(line))


@lru_cache(maxsize=4)
def _has_suppression_comment(text: str) -> bool:
    """Most files have none: then no line needs reading, nor the file tokenizing. Asked for
    each finding of a file, answered once (a case-blind search of the whole text: 0.1 s of
    open-webui's check, 442 findings, before it was kept)."""
    return "fastlint:" in text or "noqa" in text or "noqa" in _lowered(text)


@lru_cache(maxsize=4)
def _lowered(text: str) -> str:
    """``text`` in lower case, for the case-blind searches of the whole text: a plain search
    in it takes half the time of a case-blind pattern (which cannot skip ahead to a literal;
    no character outside ASCII lowers to a letter of ``noqa`` or ``fl``)."""
    return text.lower()


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


# --------------------------------------------------------------------------- adoption


def suppressing_lines(finding: Finding, source: SourceFile) -> list[int]:
    """The lines whose comments suppress ``finding`` (see ``is_suppressed``)."""
    if finding.code == UNSUPPRESSIBLE or not _has_suppression_comment(source.text):
        return []
    codes = {finding.code, *finding.suppressed_by}
    found = []
    for line in dict.fromkeys((finding.start.line, finding.end.line, _statement_end(source.text, finding.end.line))):
        suppressed = line_suppressions(source.line(line))
        if suppressed is not None and (not suppressed or suppressed & codes):
            found.append(line)
    return found


_FL_CODE = re.compile(r"FL[0-9]+", re.I)
# A noqa comment whose codes include an FL code: other tools' codes (E501 and the like) are
# common, and finding the comments means tokenizing the whole file. Searched in the text in
# lower case (``_lowered``).
_FL_NOQA = re.compile(r"noqa:[^\n]*fl[0-9]")


def unused_suppressions(
    source: SourceFile, suppressed: list[Finding], enabled: frozenset[str], known: frozenset[str]
) -> list[Finding]:
    """FL002 findings: fastlint codes in ``noqa``/``fastlint: ignore`` comments that suppress
    nothing on their line (of the ``enabled`` codes), and codes that are not ``known``."""
    from fastlint.finding import Applicability, Edit, Fix, Position
    from fastlint.rule_meta import UNUSED_NOQA

    if not _has_suppression_comment(source.text) or ("fastlint:" not in source.text and _FL_NOQA.search(_lowered(source.text)) is None):
        return []  # only a fastlint directive or a noqa naming an FL code can be reported
    used: dict[int, set[str]] = {}
    for finding in suppressed:
        for line in suppressing_lines(finding, source):
            used.setdefault(line, set()).update({finding.code, *finding.suppressed_by})
    findings = []
    for line, start, comment in _comments(source.text):
        for pattern, kind in ((_NOQA, "noqa"), (_IGNORE, "fastlint: ignore")):
            for match in pattern.finditer(comment):
                codes_text = match.group("codes")
                if not codes_text or not codes_text.strip():
                    if kind == "noqa" or used.get(line):
                        continue  # a bare noqa comment may be another tool's
                    codes: list[str] = []
                else:
                    codes = [code.upper() for code in re.findall(_CODE, codes_text, re.I)]
                fl_codes = [code for code in codes if _FL_CODE.fullmatch(code)]
                unknown = [code for code in fl_codes if code not in known and code != UNSUPPRESSIBLE]
                unused = [code for code in fl_codes if code in enabled and code not in unknown and code not in used.get(line, set())]
                if codes and not unknown and not unused:
                    continue
                drop = set(unknown) | set(unused)
                kept = [code for code in codes if code not in drop]
                begin = Position(line, start + match.start() + 1)
                end = Position(line, start + match.end() + 1)
                if kept:
                    joined = ", ".join(kept)
                    edit = Edit(begin, end, f"# noqa: {joined}" if kind == "noqa" else f"# fastlint: ignore[{joined}]")
                else:
                    # The whole directive goes, with the spaces before it when nothing follows.
                    text_line = source.line(line)
                    tail = text_line[start + match.end():].strip()
                    first = start + match.start()
                    if not tail:
                        while first > 0 and text_line[first - 1] in " \t":
                            first -= 1
                    edit = Edit(Position(line, first + 1), end, "")
                parts = []
                if unused:
                    parts.append(f"unused code{'s' if len(unused) > 1 else ''} {', '.join(unused)} (nothing reported here)")
                if unknown:
                    parts.append(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (`fastlint rules` lists them)")
                if not codes:
                    parts.append("nothing reported here")
                findings.append(Finding(
                    code=UNUSED_NOQA.code,
                    message=f"Unused `{kind}` directive: {'; '.join(parts)}",
                    path=str(source.path),
                    start=begin,
                    end=end,
                    fix=Fix((edit,), Applicability.SAFE, "Remove the unused suppression"),
                    fix_title="Remove the unused suppression",
                ))
    return findings


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(line, 0-based column, text) of every comment: never a ``# noqa`` inside a string."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.start[1], token.string))
    except (tokenize.TokenError, SyntaxError):
        pass
    return found
