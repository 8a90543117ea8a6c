"""``fastlint review``: the findings on a pull request's changed lines, as a review.

GitHub rejects a whole review (422) when one comment points outside the diff, so a comment
is placed only on lines of one hunk's new side, and a finding is kept only when its range
touches an added or modified line. A ``suggestion`` block replaces every line the comment
spans, so a fix is suggested only when all its edits lie within those lines; otherwise the
comment says how to apply it locally.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastlint.finding import Applicability, Finding
from fastlint.fixing.edits import Offsets
from fastlint.fixing.fixer import apply_edits
from fastlint.fixing.policy import FixPolicy
from fastlint.integrations.diff import FileDiff, Hunk, parse_unified_diff
from fastlint.rule_meta import RuleMeta

if TYPE_CHECKING:
    from fastlint.run.baseline import Baseline

__all__ = ["REVIEW_FORMATS", "ReviewError", "git_diff", "on_changed_lines", "render_review", "repository_root"]

REVIEW_FORMATS = ("github-review", "rdjson", "text")


class ReviewError(Exception):
    """A problem with the diff or the repository, reported as exit 2."""


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], check=False, cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        raise ReviewError(f"cannot run git: {error}") from None


def repository_root(cwd: Path) -> Path | None:
    """The top of the git work tree holding ``cwd``, or None outside one."""
    done = _git(["rev-parse", "--show-toplevel"], cwd)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def git_diff(base: str, cwd: Path) -> tuple[Path, str]:
    """The repository root and the diff from the merge base of ``base`` and HEAD to the work tree.

    The merge base is what a pull request's diff starts from: diffing against ``base`` itself
    would count the base branch's own new commits as changes, outside the pull request.
    Prefixes, context and rename detection are pinned, whatever the user's git configuration.
    """
    root = repository_root(cwd)
    if root is None:
        raise ReviewError(f"--base needs a git repository; {cwd} is not inside one")
    if _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], root).returncode != 0:
        raise ReviewError(f"--base {base!r} is not a git revision (fetch it first, e.g. `git fetch origin {base}`)")
    merge_base = _git(["merge-base", base, "HEAD"], root)
    if merge_base.returncode != 0:
        raise ReviewError(
            f"{base!r} and HEAD have no merge base (in a shallow clone, fetch more history, e.g. fetch-depth: 0)"
        )
    done = _git(
        [
            "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--find-renames", "--unified=3",
            "--diff-algorithm=myers", "--src-prefix=a/", "--dst-prefix=b/", merge_base.stdout.strip(), "--",
        ],
        root,
    )
    if done.returncode != 0:
        raise ReviewError(f"git diff failed: {done.stderr.strip()}")
    return root, done.stdout


def changed_files(diff_text: str, root: Path) -> dict[str, FileDiff]:
    """The diff's files with a new side, keyed by their real absolute path."""
    return {os.path.realpath(root / path): file for path, file in parse_unified_diff(diff_text).items()}


@dataclass(frozen=True)
class Placement:
    """Where a finding's comment goes: new-file lines ``first`` .. ``last`` of one hunk."""

    path: str
    first: int
    last: int
    # The finding's whole range lies in that hunk, so a suggestion may replace it.
    whole: bool


def _last_line(finding: Finding) -> int:
    """The range's last line; an end at column 1 stops at the previous line's break."""
    if finding.end.line > finding.start.line and finding.end.column == 1:
        return finding.end.line - 1
    return max(finding.start.line, finding.end.line)


def placement(finding: Finding, file: FileDiff) -> Placement | None:
    """The comment's lines when the finding touches an added line, else None."""
    first, last = finding.start.line, _last_line(finding)
    touched = sorted(line for line in file.added if first <= line <= last)
    if not touched:
        return None
    hunk: Hunk = file.hunk_at(touched[0])  # type: ignore[assignment]  # an added line is in a hunk
    low, high = max(first, hunk.start), min(last, hunk.end)
    return Placement(file.path, low, high, whole=(low, high) == (first, last))


def on_changed_lines(findings: Sequence[Finding], changed: Mapping[str, FileDiff]) -> list[tuple[Finding, Placement]]:
    """The findings whose range touches an added or modified line, with their placement."""
    kept = []
    for finding in findings:
        file = changed.get(os.path.realpath(finding.path))
        where = placement(finding, file) if file is not None else None
        if where is not None:
            kept.append((finding, where))
    return kept


def suggestion(finding: Finding, where: Placement, text: str) -> str | None:
    """The new text of lines ``first`` .. ``last`` once the fix is applied, or None when the
    fix reaches outside them (a suggestion replaces exactly those lines)."""
    fix = finding.fix
    if fix is None or not where.whole:
        return None
    offsets = Offsets(text)
    if where.last > len(offsets.starts):
        return None
    begin = offsets.starts[where.first - 1]
    end = offsets.starts[where.last] if where.last < len(offsets.starts) else len(text)
    segment = re.sub(r"(\r\n|\r|\n)$", "", text[begin:end])
    try:
        spans = [(offsets.offset(edit.start), offsets.offset(edit.end)) for edit in fix.edits]
    except ValueError:
        return None
    if not all(begin <= start <= stop <= begin + len(segment) for start, stop in spans):
        return None
    local = Offsets(segment)
    shifted = [
        replace(edit, start=local.position(start - begin), end=local.position(stop - begin))
        for edit, (start, stop) in zip(fix.edits, spans)
    ]
    fixed = apply_edits(segment, shifted)
    return None if fixed == segment else re.sub(r"\r\n|\r", "\n", fixed)


@dataclass(frozen=True)
class SuggestionPolicy:
    """Which fixes become suggestions: none, safe ones, or unsafe ones too (of fixable codes)."""

    enabled: bool
    fix: FixPolicy

    def allows(self, finding: Finding) -> bool:
        return self.enabled and self.fix.fixable(finding)


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _comment_body(finding: Finding, where: Placement, text: str | None, rules: Mapping[str, RuleMeta], policy: SuggestionPolicy) -> tuple[str, bool]:
    """The comment's Markdown, and whether it carries a suggestion."""
    meta = rules.get(finding.code)
    code = f"[{finding.code}]({meta.url})" if meta else finding.code
    name = f" ({meta.name})" if meta else ""
    parts = [f"**{code}**{name}: {finding.message}"]
    fix = finding.fix
    if fix is not None and policy.enabled and fix.applicability is Applicability.DISPLAY_ONLY and finding.code in policy.fix.codes:
        # Shown, never a one-click ```suggestion```: it is the pattern to adapt by hand.
        shown = suggestion(finding, where, text) if text is not None else None
        parts.append(f"Suggested change (display-only, to adapt by hand): {fix.message}")
        if shown is not None:
            fence = _fence(shown)
            parts[-1] += f"\n{fence}python\n{shown}\n{fence}"
        return "\n\n".join(parts), False
    if fix is None or not policy.allows(finding):
        return parts[0], False
    unsafe = policy.fix.applicability(finding) is Applicability.UNSAFE
    label = "Suggested fix (unsafe: it may change behaviour, read the rule's Fix safety)" if unsafe else "Suggested fix"
    fixed = suggestion(finding, where, text) if text is not None else None
    if fixed is None:
        flags = "--fix --unsafe-fixes" if unsafe else "--fix"
        parts.append(f"{label}: {fix.message}. It edits lines outside this comment; apply it with `fastlint check {flags}`.")
        return "\n\n".join(parts), False
    fence = _fence(fixed)
    parts.append(f"{label}: {fix.message}\n{fence}suggestion\n{fixed}\n{fence}")
    return "\n\n".join(parts), True


def github_review(
    kept: Sequence[tuple[Finding, Placement]],
    sources: Mapping[str, str | None],
    rules: Mapping[str, RuleMeta],
    policy: SuggestionPolicy,
) -> dict[str, Any]:
    """The body of ``POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews``."""
    comments = []
    suggested = 0
    for finding, where in kept:
        body, has_suggestion = _comment_body(finding, where, sources.get(finding.path), rules, policy)
        suggested += has_suggestion
        comment: dict[str, Any] = {"path": where.path, "line": where.last, "side": "RIGHT", "body": body}
        if where.first != where.last:
            comment.update(start_line=where.first, start_side="RIGHT")
        comments.append(comment)
    return {"event": "COMMENT", "body": _summary(kept, suggested), "comments": comments}


def _summary(kept: Sequence[tuple[Finding, Placement]], suggested: int) -> str:
    if not kept:
        return "fastlint found no problems on the changed lines."
    counts = Counter(finding.code for finding, _ in kept)
    n = len(kept)
    per_code = ", ".join(f"{code} ×{count}" for code, count in sorted(counts.items()))
    files = len({where.path for _, where in kept})
    text = f"fastlint found {n} problem{'' if n == 1 else 's'} on the changed lines of {files} file{'' if files == 1 else 's'} ({per_code})."
    if suggested:
        text += f" {suggested} with a suggested fix."
    return text


def render_review(
    kept: Sequence[tuple[Finding, Placement]],
    fmt: str,
    *,
    rules: Mapping[str, RuleMeta],
    root: Path,
    sources: Mapping[str, str | None],
    policy: SuggestionPolicy,
) -> str:
    """The report in ``fmt``: ``github-review`` JSON, or a reporter's rendering of the kept findings."""
    if fmt == "github-review":
        return review_json(github_review(kept, sources, rules, policy))
    from fastlint.output import render

    findings = [finding if policy.allows(finding) else replace(finding, fix=None) for finding, _ in kept]
    given = {path: text for path, text in sources.items() if text is not None}
    return render(findings, fmt, rules=rules, root=root, sources=given)


def review_json(review: Mapping[str, Any]) -> str:
    return json.dumps(review, indent=2, ensure_ascii=False) + "\n"


@dataclass
class ReviewRun:
    report: str
    findings: int
    warnings: list[str]
    review: dict[str, Any]  # the GitHub review body, whatever the report's format


def run_review(
    paths: Sequence[Path],
    *,
    diff_text: str | None,
    base: str | None,
    fmt: str,
    suggestions: bool,
    unsafe: bool,
    overrides: Mapping[str, object],
    config_path: Path | None,
    cwd: Path,
    baseline: Path | None = None,
) -> ReviewRun:
    """Check the changed files among ``paths`` (the index still covers the whole project) and
    report the findings on changed lines that ``baseline`` (when given) does not list, as
    ``check --baseline`` would. Raises ReviewError (and ConfigError) for exit 2."""
    from fastlint.run.baseline import Baseline, BaselineError
    from fastlint.run.session import Session

    try:
        recorded = Baseline.read(baseline) if baseline is not None else None  # before the work: a typo fails at once
    except BaselineError as error:
        raise ReviewError(str(error)) from None
    if base is not None:
        root, diff_text = git_diff(base, cwd)
    else:
        root = repository_root(cwd) or cwd
    assert diff_text is not None
    changed = changed_files(diff_text, root)
    session = Session.load(paths, config_path, overrides, unsafe_fixes=unsafe)
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise ReviewError(f"no such file or directory: {', '.join(missing)}")
    found = session.discover(paths)
    files = [path for path in found.files if os.path.realpath(path) in changed]
    result = session.check(files) if files else None
    findings = result.findings if result else []
    given = result.sources if result else {}
    if recorded is not None:
        findings = not_in_baseline(findings, recorded, given, session.settings.project_root, changed)
    kept = on_changed_lines(findings, changed)
    sources = {finding.path: _source_text(finding.path, given) for finding, _ in kept}
    policy = SuggestionPolicy(suggestions, session.fix_policy)
    rules = session.rules
    review = github_review(kept, sources, rules, policy)
    report = review_json(review) if fmt == "github-review" else render_review(kept, fmt, rules=rules, root=root, sources=sources, policy=policy)
    return ReviewRun(report, len(kept), [*session.warnings, *found.warnings, *(result.warnings if result else [])], review)


def not_in_baseline(findings: Sequence[Finding], recorded: Baseline, sources: Mapping[str, str], root: Path, changed: Mapping[str, FileDiff]) -> list[Finding]:
    """The findings ``recorded`` does not account for, matched as ``check --baseline``
    matches them (rule, file, line content, counted). When a file holds more equal findings
    than the baseline counts, the ones on unchanged lines use up its entries first: the pull
    request added the others, so those are the new ones to report. Stale entries are
    ``check``'s to report (FL003), not a review's."""
    touched = {id(finding) for finding, _ in on_changed_lines(findings, changed)}
    unchanged_first = sorted(findings, key=lambda finding: id(finding) in touched)  # stable
    kept, _ = recorded.apply(unchanged_first, sources, root)
    order = {id(finding): number for number, finding in enumerate(findings)}
    return sorted(kept, key=lambda finding: order[id(finding)])


def _source_text(path: str, given: Mapping[str, str]) -> str | None:
    from fastlint.source import SourceError, read_source

    if path in given:
        return given[path]
    try:
        return read_source(Path(path)).text
    except SourceError:
        return None
