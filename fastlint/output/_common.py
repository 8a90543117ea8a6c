"""Helpers every reporter shares, so paths, columns and fingerprints agree across formats."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastlint.finding import Finding, Position
from fastlint.rule_meta import REPOSITORY_URL, UNPARSEABLE, RuleMeta

TOOL_NAME = "fastlint"
INFORMATION_URI = REPOSITORY_URL

# Python's parsers number lines by these breaks only; str.splitlines() would also split on
# form feeds and U+2028, shifting every line after them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def tool_version() -> str:
    """The installed version; a source checkout that was never installed reports 0.0.0."""
    from importlib import metadata  # 20 ms: only the formats that name the version pay it

    try:
        return metadata.version(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def relative_path(path: str, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form, as CI services key their annotations.

    A path outside the root keeps ``..`` segments rather than going absolute, because every
    consumer rejects or misplaces absolute paths; another drive on Windows has no relative form.
    """
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:
        return Path(path).as_posix()
    return Path(rel).as_posix()


def display_path(path: str) -> str:
    """Relative to the working directory when below it (short and clickable), else absolute."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return path


def is_error(code: str) -> bool:
    """An unanalysed file is an error; every rule finding is a warning about performance."""
    return code == UNPARSEABLE.code


def known_rule(code: str, rules: Mapping[str, RuleMeta]) -> RuleMeta | None:
    """The rule's metadata; FL001 is the engine's and callers need not list it."""
    return rules.get(code) or (UNPARSEABLE if code == UNPARSEABLE.code else None)


def rule_meta(code: str, rules: Mapping[str, RuleMeta]) -> RuleMeta:
    """Like ``known_rule`` but never missing: a report must not crash on an unlisted code."""
    return known_rule(code, rules) or RuleMeta(code=code, name=code.lower(), summary=code)


def rule_url(code: str, rules: Mapping[str, RuleMeta]) -> str | None:
    """The documentation URL, or None rather than a link to a section that does not exist."""
    meta = known_rule(code, rules)
    return meta.url if meta else None


@dataclass(eq=False, repr=False)
class Sources:
    """Lines of the reported files, read at most once, to convert character columns.

    A file that cannot be read leaves columns unconverted rather than failing the report; a
    BOM is dropped as the decoder drops it, so it does not count as a column.
    """

    given: Mapping[str, str] = field(default_factory=dict)
    _lines: dict[str, list[str] | None] = field(default_factory=dict)

    def line(self, path: str, number: int) -> str | None:
        if path not in self._lines:
            text = self.given.get(path)
            if text is None:
                try:
                    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
                except OSError:
                    text = None
            self._lines[path] = None if text is None else _LINE_BREAK.split(text)
        lines = self._lines[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _column(self, path: str, pos: Position, encoding: str, unit: int) -> int:
        text = self.line(path, pos.line)
        if text is None:
            return pos.column
        prefix = text[: pos.column - 1]
        # A column past the end of the line (an end at the line break) counts one unit per
        # missing character, all of which are ASCII line-break characters.
        beyond = max(0, pos.column - 1 - len(text))
        return 1 + len(prefix.encode(encoding, "surrogatepass")) // unit + beyond

    def utf16_column(self, path: str, pos: Position) -> int:
        """1-based column in UTF-16 code units (SARIF's default, LSP's)."""
        return self._column(path, pos, "utf-16-le", 2)

    def utf8_column(self, path: str, pos: Position) -> int:
        """1-based column in UTF-8 bytes (reviewdog's)."""
        return self._column(path, pos, "utf-8", 1)


def fingerprints(findings: Sequence[Finding], root: Path, sources: Sources) -> list[str]:
    """One stable, unique hash per finding, in order.

    It covers the code, the relative path, the stripped text of the flagged line and the
    occurrence index of that triple, not the line number, so a finding keeps its identity when
    lines are added above it (code scanning and GitLab then track it instead of reopening it),
    and two identical findings still differ (GitLab merges equal fingerprints).
    """
    from hashlib import md5  # loads OpenSSL: only the formats with fingerprints pay for it

    seen: dict[tuple[str, str, str], int] = {}
    result = []
    for finding in findings:
        rel = relative_path(finding.path, root)
        text = (sources.line(finding.path, finding.start.line) or "").strip()
        key = (finding.code, rel, text)
        index = seen.get(key, 0)
        seen[key] = index + 1
        payload = "\0".join((*key, str(index))).encode("utf-8", "surrogatepass")
        result.append(md5(payload, usedforsecurity=False).hexdigest())
    return result


@dataclass(frozen=True)
class FixCounts:
    """What ``--fix`` applied and what it held back, for the text report's closing lines."""

    fixed: int = 0  # fixes applied
    hidden: int = 0  # unsafe fixes that ``--unsafe-fixes`` would apply
    unsafe: int = 0  # unsafe fixes offered (``--unsafe-fixes``) and not applied: no ``--fix``
    unsafe_enabled: bool = False  # ``--unsafe-fixes``: ``--fix`` applies unsafe fixes too


@dataclass(frozen=True, eq=False, repr=False)
class Context:
    """What a reporter may need besides the findings."""

    rules: Mapping[str, RuleMeta]
    root: Path
    sources: Sources
    color: bool = False
    statistics: bool = False
    files_checked: int = 0
    quiet: bool = False
    fixes: FixCounts = FixCounts()
    # JSON formats: by id of a finding, the routes it is reachable from (``fastlint routes``).
    routes: Mapping[int, Sequence[str]] | None = None
