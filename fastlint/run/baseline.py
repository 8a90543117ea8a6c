"""Adopting fastlint on an existing code base: ``--write-baseline``/``--baseline`` and
``--add-noqa``.

A baseline entry is a finding's rule, its file (relative to the project root) and a hash
of the content of its line, with a count: findings on moved lines still match, and two
equal findings on two equal lines need two entries. Entries left over after matching are
stale (FL003): the problem was fixed or its line changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastlint.finding import Applicability, Edit, Finding, Fix, Position
from fastlint.rule_meta import STALE_BASELINE, UNPARSEABLE, UNUSED_NOQA
from fastlint.source import SourceFile

FORMAT_KEY = "fastlint-baseline"
VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read (exit 2)."""


Key = tuple[str, str, str]  # code, path relative to the root, line hash


def line_hash(line: str) -> str:
    """The content of a line, whitespace-insensitive at its ends (re-indenting moves nothing)."""
    return hashlib.sha256(line.strip().encode("utf-8", "surrogatepass")).hexdigest()[:16]


def relative(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def _line_of(finding: Finding, sources: Mapping[str, SourceFile | str]) -> str:
    source = sources.get(finding.path)
    if source is None:
        try:
            text = Path(finding.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    else:
        text = source if isinstance(source, str) else source.text
    lines = text.splitlines()
    return lines[finding.start.line - 1] if 0 < finding.start.line <= len(lines) else ""


def key_of(finding: Finding, sources: Mapping[str, SourceFile | str], root: Path) -> Key:
    return (finding.code, relative(finding.path, root), line_hash(_line_of(finding, sources)))


@dataclass
class Baseline:
    entries: Counter[Key]

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], sources: Mapping[str, SourceFile | str], root: Path) -> Baseline:
        return cls(Counter(key_of(finding, sources, root) for finding in findings if finding.code not in _NEVER_BASELINED))

    @classmethod
    def read(cls, path: Path) -> Baseline:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"no such baseline file: {path} (write one with --write-baseline)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BaselineError(f"cannot read the baseline {path}: {error}") from None
        if not isinstance(document, dict) or document.get(FORMAT_KEY) != VERSION or not isinstance(document.get("entries"), list):
            raise BaselineError(f"{path} is not a fastlint baseline (version {VERSION})")
        entries: Counter[Key] = Counter()
        for entry in document["entries"]:
            try:
                entries[(str(entry["code"]), str(entry["path"]), str(entry["hash"]))] += int(entry.get("count", 1))
            except (KeyError, TypeError, ValueError):
                raise BaselineError(f"{path}: malformed entry {json.dumps(entry)}") from None
        return cls(entries)

    def render(self) -> str:
        """One entry per line, sorted: reviewable diffs, and a line to point FL003 at."""
        lines = [
            "    " + json.dumps({"code": code, "path": path, "hash": digest, "count": count})
            for (code, path, digest), count in sorted(self.entries.items(), key=lambda item: (item[0][1], item[0][0], item[0][2]))
            if count > 0
        ]
        body = "".join(f"{line},\n" for line in lines[:-1]) + "".join(f"{line}\n" for line in lines[-1:])
        return f'{{\n  "{FORMAT_KEY}": {VERSION},\n  "entries": [\n{body}  ]\n}}\n'

    def write(self, path: Path) -> None:
        path.write_text(self.render(), encoding="utf-8")

    def apply(self, findings: Sequence[Finding], sources: Mapping[str, SourceFile | str], root: Path) -> tuple[list[Finding], Counter[Key]]:
        """The findings the baseline does not account for, and its unmatched (stale) entries."""
        left = Counter(self.entries)
        kept = []
        for finding in findings:
            key = key_of(finding, sources, root)
            if finding.code not in _NEVER_BASELINED and left[key] > 0:
                left[key] -= 1
            else:
                kept.append(finding)
        return kept, +left


# FL001 is never accepted (a file that is not analysed is always reported); FL002 and FL003
# are about suppressions and the baseline themselves.
_NEVER_BASELINED = frozenset({UNPARSEABLE.code, UNUSED_NOQA.code, STALE_BASELINE.code})


def judged(stale: Counter[Key], checked: Iterable[str], root: Path) -> Counter[Key]:
    """The stale entries of files this run checked, or that are gone: an entry of a file not
    checked now (a run on part of the project) is not judged."""
    paths = {relative(path, root) for path in checked}
    return Counter({key: count for key, count in stale.items() if key[1] in paths or not Path(root, key[1]).exists()})


def stale_findings(stale: Counter[Key], baseline_path: Path, root: Path) -> list[Finding]:
    """FL003 at each stale entry's line of the baseline file, with the edit ``--fix`` makes
    there (reporters show it, and the summary counts it as fixable)."""
    try:
        lines = baseline_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    where = {key: _line_of_entry(lines, key) for key in stale}
    edits = _removals(lines, {number: count for key, count in stale.items() if (number := where[key]) is not None})
    findings = []
    for key, count in sorted(stale.items()):
        code, path, _ = key
        number = where[key] or 1
        width = len(lines[number - 1]) if lines else 1
        gone = "" if Path(root, path).exists() else " (the file is gone)"
        fix = Fix(edits[number], Applicability.SAFE, "Remove the stale entry from the baseline") if number in edits else None
        findings.append(Finding(
            code=STALE_BASELINE.code,
            message=f"Stale baseline entry: {count} {code} finding{'s' if count > 1 else ''} in {path}{gone} no longer found; `--baseline {baseline_path} --fix` removes it",
            path=str(baseline_path),
            start=Position(number, 1),
            end=Position(number, max(width, 1) + 1),
            fix=fix,
        ))
    return findings


def _line_of_entry(lines: Sequence[str], key: Key) -> int | None:
    code, path, digest = key
    needles = (f'"code": {json.dumps(code)}', f'"path": {json.dumps(path)}', f'"hash": {json.dumps(digest)}')
    return next((number for number, line in enumerate(lines, 1) if all(needle in line for needle in needles)), None)


def _removals(lines: Sequence[str], stale: Mapping[int, int]) -> dict[int, tuple[Edit, ...]]:
    """By line of a stale entry, the edits that together turn the file (as ``render`` wrote
    it) into what ``--fix`` writes: a count lowered, or the entry's line removed, and the
    comma after the last entry kept removed with the first line removed below it."""
    entries = [number for number, line in enumerate(lines, 1) if line.startswith("    {")]
    parsed: dict[int, dict[str, object]] = {}
    for number in stale:
        try:
            value = json.loads(lines[number - 1].strip().rstrip(","))
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("count", 1), int):
            parsed[number] = value
    if len(parsed) != len(stale):  # not the file render() writes: no edit rather than a wrong one
        return {}
    edits: dict[int, list[Edit]] = {}
    removed = set()
    for number, count in stale.items():
        entry, line = parsed[number], lines[number - 1]
        left = int(entry.get("count", 1)) - count  # type: ignore[call-overload]
        if left > 0:
            start = line.index("{") + 1
            edits[number] = [Edit(Position(number, start), Position(number, len(line.rstrip(",")) + 1), json.dumps({**entry, "count": left}))]
        else:
            edits[number] = [Edit(Position(number, 1), Position(number + 1, 1), "")]
            removed.add(number)
    kept = [number for number in entries if number not in removed]
    if kept and lines[kept[-1] - 1].endswith(",") and removed and max(removed) > kept[-1]:
        first_below = min(number for number in removed if number > kept[-1])
        comma = len(lines[kept[-1] - 1])
        edits[first_below].insert(0, Edit(Position(kept[-1], comma), Position(kept[-1], comma + 1), ""))
    return {number: tuple(found) for number, found in edits.items()}


def without_stale(baseline: Baseline, stale: Counter[Key]) -> Baseline:
    return Baseline(baseline.entries - stale)


# --------------------------------------------------------------------------- --add-noqa

_NOQA_CODES = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.I)
_BARE_NOQA = re.compile(r"#\s*noqa(?!:)", re.I)


def add_noqa(source: SourceFile, findings: Iterable[Finding]) -> tuple[str, int]:
    """``source``'s text with a ``# noqa: CODE`` for every finding, at the end of the
    statement it ends in (outside any string), and the number of lines changed."""
    from fastlint.run.suppression import _comments, _statement_end

    wanted: dict[int, list[str]] = {}
    for finding in findings:
        if finding.code in _NEVER_BASELINED:
            continue
        line = _statement_end(source.text, finding.end.line)
        codes = wanted.setdefault(line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    if not wanted:
        return source.text, 0
    comments = {line: (column, text) for line, column, text in _comments(source.text)}
    lines = source.text.splitlines(keepends=True)
    changed = 0
    for number, codes in wanted.items():
        if not 0 < number <= len(lines):
            continue
        raw = lines[number - 1]
        body = raw.rstrip("\r\n")
        ending = raw[len(body):]
        comment = comments.get(number)
        if comment is not None and _BARE_NOQA.search(comment[1]):
            continue  # a bare noqa suppresses everything already
        match = _NOQA_CODES.search(comment[1]) if comment else None
        if comment is not None and match is not None:
            present = [code.upper() for code in re.findall(r"[A-Z]+[0-9]+", match.group("codes"), re.I)]
            new = [code for code in codes if code not in present]
            if not new:
                continue
            start = comment[0] + match.start()
            end = comment[0] + match.end()
            body = body[:start] + "# noqa: " + ", ".join(present + sorted(new)) + body[end:]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        lines[number - 1] = body + ending
        changed += 1
    return "".join(lines), changed
