"""Applying fixes: choose, apply, re-parse, re-check, repeat; write only what parses.

Each round applies every allowed fix whose edits do not conflict with a fix already
chosen in that round (the others wait for the next round, re-computed on the new text),
then re-parses the result with ``ast`` and checks it again; libcst reads the fixed text
once at the end (``fix_file``). A round whose result does not parse or cannot be encoded in
the file's encoding is discarded, and fixing that file stops there.
"""

from __future__ import annotations

import ast
import codecs
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastlint.finding import Edit, Finding, Position
from fastlint.fixing.edits import Offsets
from fastlint.fixing.policy import FixPolicy
from fastlint.rule_meta import UNPARSEABLE
from fastlint.source import SourceError, SourceFile, decode_source

MAX_ROUNDS = 10

Relint = Callable[[SourceFile], list[Finding]]


@dataclass
class FileFix:
    """The outcome of fixing one file."""

    source: SourceFile
    text: str
    fixed: Counter[str] = field(default_factory=Counter)
    remaining: list[Finding] = field(default_factory=list)
    # Why fixing stopped before every fix was applied, when it did.
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.text != self.source.text

    def data(self) -> bytes:
        return encode(self.source, self.text)


def encode(source: SourceFile, text: str) -> bytes:
    """``text`` in the file's encoding, with its BOM if it had one (raises UnicodeEncodeError)."""
    if source.bom:
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(source.encoding)


def fix_file(source: SourceFile, findings: Sequence[Finding], relint: Relint, policy: FixPolicy) -> FileFix:
    """Fix ``source`` until no allowed fix is left, at most ``MAX_ROUNDS`` rounds.

    Each round's result, and the text without the imports the fixes left unused, must parse
    with ``ast``; libcst reads the fixed text once, at the end (reading each round's result
    with it was half of a ``--fix`` run on a large project). Only when it cannot are the
    rounds replayed, each read by libcst too, so that fixing stops at the round that broke it."""
    result = _fixed(source, findings, relint, policy, _ast_problem)
    if result.changed and _libcst_problem(result.text) is not None:
        result = _fixed(source, findings, relint, policy, _unparseable)
    return result


def _fixed(source: SourceFile, findings: Sequence[Finding], relint: Relint, policy: FixPolicy, problem_of: Callable[[str], str | None]) -> FileFix:
    """The rounds, then the imports they left unused removed; each result checked by ``problem_of``."""
    result = _rounds(source, findings, relint, policy, problem_of)
    if result.changed:
        _drop_orphaned_imports(result, relint, problem_of)
    return result


def _rounds(source: SourceFile, findings: Sequence[Finding], relint: Relint, policy: FixPolicy, problem_of: Callable[[str], str | None]) -> FileFix:
    result = FileFix(source, source.text, remaining=list(findings))
    current = source
    for _ in range(MAX_ROUNDS):
        chosen = choose(result.remaining, policy)
        if not chosen:
            break
        text = apply_edits(current.text, [edit for finding in chosen for edit in finding.fix.edits])  # type: ignore[union-attr]
        fixed, problem = _reread(source, text, problem_of)
        if fixed is None:
            codes = ", ".join(sorted({finding.code for finding in chosen}))
            result.problem = f"fixes of {codes} were not applied: {problem}"
            break
        current = fixed
        result.text = current.text
        result.fixed.update(finding.code for finding in chosen)
        result.remaining = relint(current)
    return result


def _drop_orphaned_imports(result: FileFix, relint: Relint, problem_of: Callable[[str], str | None]) -> None:
    """Remove the imports whose every use the fixes removed (`import time` after FL102)."""
    from fastlint.fixing.imports import orphaned_imports_removed

    text = orphaned_imports_removed(result.source.text, result.text)
    current = _reread(result.source, text, problem_of)[0] if text != result.text else None
    if current is None:
        return
    result.text = current.text
    result.remaining = relint(current)


def _reread(source: SourceFile, text: str, problem_of: Callable[[str], str | None]) -> tuple[SourceFile | None, str | None]:
    """``text`` as ``source``'s new content; or None and why not: it does not parse
    (``problem_of``), or cannot be written in the file's encoding."""
    problem = problem_of(text)
    if problem is not None:
        return None, problem
    try:
        return decode_source(source.path, encode(source, text)), None
    except (UnicodeEncodeError, SourceError) as error:
        return None, f"the fixed text cannot be written as {source.encoding}: {error}"


def choose(findings: Iterable[Finding], policy: FixPolicy) -> list[Finding]:
    """The allowed fixes of one round, in order, none conflicting with one chosen before.

    The narrowest fixes are chosen first: `timeout=10` added inside a call goes before the
    offload that rewrites the whole call, which takes it along in the next round.
    """
    findings = list(findings)
    chosen: list[Finding] = []
    taken: list[Edit] = []
    for finding in sorted(findings, key=_widest_edit):
        if not policy.fixable(finding):
            continue
        edits = finding.fix.edits  # type: ignore[union-attr]
        if any(_conflict(edit, other) for edit in edits for other in taken):
            continue
        chosen.append(finding)
        taken.extend(edits)
    order = {id(finding): n for n, finding in enumerate(findings)}
    return sorted(chosen, key=lambda finding: order[id(finding)])


def _widest_edit(finding: Finding) -> tuple[int, int]:
    edits = finding.fix.edits if finding.fix is not None else ()
    return max(((e.end.line - e.start.line, e.end.column - e.start.column if e.end.line == e.start.line else e.end.column) for e in edits), default=(0, 0))


def _conflict(a: Edit, b: Edit) -> bool:
    """Overlapping ranges, two different insertions at one place, or an insertion at the
    edge of another edit's span; equal edits (the same import needed by two fixes) are shared."""
    if a == b:
        return False
    if a.start == b.start:
        return True
    # An insertion inside another edit's span, or touching a span it replaces or deletes
    # (`, openapi_url=None` after the `debug=True` another fix removes), waits a round.
    return a.start < b.end and b.start < a.end or any(
        x.start == x.end and y.start < y.end and y.start <= x.start <= y.end for x, y in ((a, b), (b, a))
    )


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with non-conflicting ``edits`` applied (equal edits once)."""
    offsets = Offsets(text)
    # From the end backwards; at one start the longer span first, so an insertion there
    # ("await ") lands before the text that replaced it ("asyncio.sleep").
    spans = sorted({(offsets.offset(e.start), offsets.offset(e.end), e.content) for e in edits}, reverse=True)
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _unparseable(text: str) -> str | None:
    """Why ``text`` does not parse with ``ast`` or libcst, or None."""
    return _ast_problem(text) or _libcst_problem(text)


def _ast_problem(text: str) -> str | None:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as error:
        return _does_not_parse(error)
    return None


def _libcst_problem(text: str) -> str | None:
    import libcst

    try:
        libcst.parse_module(text)
    except (ValueError, libcst.ParserSyntaxError) as error:
        return _does_not_parse(error)
    return None


def _does_not_parse(error: Exception) -> str:
    return f"the result does not parse ({type(error).__name__}: {error})".splitlines()[0]


def unwritable(path: Path) -> str | None:
    """Why the fixes of ``path`` cannot be written (checked before any file is), or None.

    A symbolic link is fixed at its target, so the target and its directory count.
    """
    target = Path(os.path.realpath(path))
    if not os.access(target, os.W_OK):
        return f"{target} is not writable"
    if not os.access(target.parent, os.W_OK | os.X_OK):
        return f"its directory {target.parent} is not writable"
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path``'s content in one step, keeping its permissions. A symbolic link is
    followed: its target is rewritten and the link stays a link."""
    import tempfile  # only a run that writes pays for it

    path = Path(os.path.realpath(path))

    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".fastlint", delete=False)
    try:
        with handle:
            handle.write(data)
        os.chmod(handle.name, path.stat().st_mode & 0o7777)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@dataclass
class FixRun:
    """The fixes of a whole run: the files changed, the findings left."""

    files: list[FileFix]
    findings: list[Finding]
    sources: dict[str, str]
    problems: list[str]

    @property
    def fixed(self) -> Counter[str]:
        return sum((file.fixed for file in self.files), Counter())


def fix_run(findings: Sequence[Finding], sources: Mapping[str, str], relint: Relint, policy: FixPolicy, writing: bool = False) -> FixRun:
    """Fix every file with an allowed fix; the other files' findings pass through.

    ``writing``: the fixes will be written, so a file that cannot be is left unfixed and
    reported (FL001) before anything is written, never found out half-way through."""
    from fastlint.source import read_source

    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    run = FixRun([], [], dict(sources), [])
    for path, found in by_path.items():
        if not any(policy.fixable(finding) for finding in found):
            run.findings.extend(found)
            continue
        problem = unwritable(Path(path)) if writing else None
        if problem is not None:
            position = Position(1, 1)
            message = f"Cannot write the fixes of this file: {problem}; its findings are reported unfixed"
            run.findings.extend([*found, Finding(UNPARSEABLE.code, message, path, position, position)])
            continue
        try:
            source = read_source(Path(path))
        except SourceError as error:
            run.findings.extend(found)
            run.problems.append(f"{path}: {error}")
            continue
        result = fix_file(source, found, relint, policy)
        run.findings.extend(result.remaining)
        if result.problem:
            run.problems.append(f"{path}: {result.problem}")
        if result.changed:
            run.files.append(result)
            run.sources[path] = result.text
    run.findings.sort(key=Finding.sort_key)
    return run


def unified_diff(result: FileFix, name: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        result.source.text.splitlines(keepends=True), result.text.splitlines(keepends=True), name, name
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)
