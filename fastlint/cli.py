"""The ``fastlint`` command line, shaped like ruff's."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from fastlint import __version__

if TYPE_CHECKING:
    from fastlint.finding import Finding
    from fastlint.fixing.fixer import FixRun
    from fastlint.fixing.policy import FixPolicy
    from fastlint.run import answer
    from fastlint.run.engine import Checker, RunResult
    from fastlint.run.progress import ProgressLine
    from fastlint.run.session import Session
    from fastlint.settings import Settings
    from fastlint.source import SourceFile

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OUTPUT_FORMATS = ("text", "json", "json-lines", "sarif", "github", "gitlab", "junit", "rdjson", "rdjsonl")


def _split_codes(values: Sequence[str]) -> tuple[str, ...] | None:
    codes = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    return codes or None


def _fail(message: str) -> None:
    click.echo(f"fastlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _warn(message: str) -> None:
    click.echo(f"fastlint: warning: {message}", err=True)


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        """Ctrl-C exits 130 and says what was interrupted (click's Abort would exit 1,
        which means "findings")."""
        earlier = _abandoned_pools()
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            from fastlint.run.engine import activity

            click.echo(f"\nfastlint: interrupted while {activity[0]}; nothing was reported", err=True)
            if _abandoned_pools() > earlier:
                # Interpreter shutdown joins the process pool's manager thread, which can wait
                # forever on a worker terminated in the middle of a message (seen under load).
                # The workers are gone and nothing is left to write: leave at once.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(EXIT_INTERRUPTED)
            sys.exit(EXIT_INTERRUPTED)


def _abandoned_pools() -> int:
    """How many process pools this process gave up on (none before the engine is imported)."""
    engine = sys.modules.get("fastlint.run.engine")
    return len(engine.abandoned_pools) if engine is not None else 0


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="fastlint")
def main() -> None:
    """fastlint finds the performance anti-patterns that hurt FastAPI services."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the configuration's select).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (added to the configuration's ignore).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable on top of select.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even when findings are reported.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file.")
@click.option("--statistics", is_flag=True, help="Show the number of findings per rule instead of the findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary line, no warnings.")
@click.option("--no-cache", is_flag=True, help="Read and write no cache.")
@click.option("--force-exclude", is_flag=True, default=None, help="Apply excludes to paths named on the command line too.")
@click.option("--check-startup", is_flag=True, default=None, help="Also check lifespan and startup code.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to this file.")
@click.option("--fix", is_flag=True, help="Apply safe fixes; report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Also offer and apply unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print the changes --fix would make as a unified diff; write nothing.")
@click.option("--show-fixes", is_flag=True, help="Show each remaining finding's fix as a diff (display-only suggestions too); after --fix, list the fixes applied per file.")
@click.option("--show-files", is_flag=True, help="List the files a check would read, one per line, and check nothing.")
@click.option("--add-noqa", is_flag=True, help="Add a `# noqa: CODE` comment for every finding, and report nothing.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False), help="Write every finding to this baseline file, and report nothing.")
@click.option("--baseline", "baseline", type=click.Path(path_type=Path, dir_okay=False), help="Report only findings that this baseline file does not list.")
@click.option("--stdin-filename", type=click.Path(path_type=Path, dir_okay=False), help="With the path '-': read the source from standard input and report it under this path.")
def check(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    output_format: str,
    exit_zero: bool,
    config_path: Path | None,
    statistics: bool,
    quiet: bool,
    no_cache: bool,
    force_exclude: bool | None,
    check_startup: bool | None,
    output_file: Path | None,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
    show_files: bool,
    add_noqa: bool,
    write_baseline: Path | None,
    baseline: Path | None,
    stdin_filename: Path | None,
) -> None:
    """Check PATHS (default: the current directory) and report findings.

    `fastlint check --stdin-filename PATH -` checks the source on standard input as the
    file PATH of its project (with the project's index for cross-module facts)."""
    if sum((add_noqa, write_baseline is not None, baseline is not None)) > 1:
        _fail("--add-noqa, --write-baseline and --baseline cannot be combined")
    if (add_noqa or write_baseline is not None) and (fix or diff):
        _fail("--add-noqa and --write-baseline record the findings as they are: drop --fix/--diff")
    try:
        code = _check(
            list(paths) or [Path(".")],
            overrides={
                "select": _split_codes(select),
                "ignore": _split_codes(ignore),
                "extend_select": _split_codes(extend_select),
                "force_exclude": force_exclude,
                "check_startup": check_startup,
                "cache": False if no_cache else None,
            },
            config_path=config_path,
            output_format=output_format,
            statistics=statistics,
            quiet=quiet,
            output_file=output_file,
            fixing=_Fixing(fix, unsafe_fixes, diff, show_fixes),
            show_files=show_files,
            adoption=_Adoption(add_noqa, write_baseline, baseline),
            stdin_filename=stdin_filename,
            exit_zero=exit_zero,
        )
    except SystemExit:
        raise
    except Exception as error:
        if os.environ.get("FASTLINT_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set FASTLINT_DEBUG=1 for the traceback)")
        return
    sys.exit(EXIT_CLEAN if exit_zero else code)


def _check(
    paths: list[Path],
    *,
    overrides: dict[str, object],
    config_path: Path | None,
    output_format: str,
    statistics: bool,
    quiet: bool,
    output_file: Path | None,
    fixing: _Fixing | None = None,
    show_files: bool = False,
    adoption: _Adoption | None = None,
    stdin_filename: Path | None = None,
    exit_zero: bool = False,
) -> int:
    from fastlint.fixing.report import fix_counts, offered_fixes, show_fixes
    from fastlint.output import render
    from fastlint.run.config import ConfigError
    from fastlint.run.progress import no_progress
    from fastlint.run.session import Session

    fixing = fixing or _Fixing()
    adoption = adoption or _Adoption()
    stdin = [str(path) for path in paths] == ["-"]
    if stdin or stdin_filename is not None:
        if not stdin or stdin_filename is None:
            _fail("to check standard input, pass both: fastlint check --stdin-filename PATH -")
        if fixing.fix or fixing.diff or show_files or adoption.add_noqa or adoption.write_baseline or adoption.baseline:
            _fail("standard input is only checked: drop --fix, --diff, --show-files and the baseline options")
    _check_named_paths([] if stdin else paths)
    plain = not (stdin or stdin_filename or output_file or show_files or fixing.fix or fixing.diff or fixing.show_fixes
                 or adoption.add_noqa or adoption.write_baseline or adoption.baseline or overrides.get("cache") is False)
    # What the answer rests on is stat'ed before it is read: a change made meanwhile shows next time.
    record = _answer_record(paths, config_path) if plain and output_format in _REPLAYABLE_FORMATS else None
    said: list[str] = []  # the warnings printed, for the record

    def warn(message: str) -> None:
        said.append(f"fastlint: warning: {message}\n")
        _warn(message)

    try:
        session = Session.load([stdin_filename] if stdin and stdin_filename else paths, config_path, overrides, unsafe_fixes=fixing.unsafe)
    except ConfigError as error:
        _fail(str(error))
        return EXIT_ERROR
    settings, policy = session.settings, session.fix_policy
    if not quiet:
        newer = _requires_newer_python(settings.project_root)
        if newer is not None:
            warn(newer)
    if output_file is not None:
        problem = _output_problem(output_file)
        if problem is not None:  # found before any file is fixed
            _fail(f"cannot write the report to {output_file}: {problem}")
    if stdin and stdin_filename is not None:
        return _check_stdin(session, stdin_filename, output_format, statistics, quiet, output_file)
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        # A mistyped path in CI must not pass as "All checks passed!".
        _fail(f"no such file or directory: {', '.join(missing)}")
    found = session.discover(paths)
    if not found.files and not settings.force_exclude and not show_files:
        # (With force-exclude, pre-commit passing only excluded files is a clean run, as in ruff.)
        _fail(f"no Python files to check in {', '.join(map(str, paths))} (none there, or all excluded)")
    if not quiet:
        for warning in [*session.warnings, *found.warnings]:
            warn(warning)
    if show_files:  # as ruff's ``--show-files``: what the excludes leave, absolute and sorted
        click.echo("".join(f"{path}\n" for path in found.files), nl=False)
        return EXIT_CLEAN
    progress = _progress_line(output_format, quiet)
    try:
        shows_fixes = fixing.fix or fixing.diff or fixing.show_fixes or output_format in _FIX_FORMATS
        result = session.check(found.files, progress=progress or no_progress, named=paths, fix_edits=shows_fixes)
    finally:
        if progress is not None:
            progress.close()
    if not quiet:
        for warning in result.warnings:
            warn(warning)
        if result.partial_index is not None:
            warn(_partial_notice(*result.partial_index))
        newer_syntax = _newer_syntax_summary(result.findings)
        if newer_syntax is not None:
            warn(newer_syntax)
    findings, sources, fixes = _without_unfixable(result.findings, policy), result.sources, None
    if fixing.fix or fixing.diff:
        from fastlint.fixing.fixer import fix_run, write_atomically

        checkers: list[Checker] = []  # built on the first re-check: it may need the index

        def recheck(source: SourceFile) -> list[Finding]:
            if not checkers:
                checkers.append(session.checker(result.index()))
            return checkers[0].check_source(source).findings

        from fastlint.run.collector import collector_paused

        # Each round parses the fixed text with libcst and checks it again, next to the run's
        # index: with the collector on, its scans were a third of skyvern's fixing (36.9 s, 25.2 s paused).
        with collector_paused():
            fixes = fix_run(findings, sources, recheck, policy, writing=fixing.fix and not fixing.diff)
        for problem in fixes.problems if not quiet else ():
            _warn(problem)
        if fixing.diff:
            return _print_diff(fixes, quiet)
        for fixed in fixes.files:
            write_atomically(fixed.source.path, fixed.data())
        findings, sources = _without_unfixable(fixes.findings, policy), fixes.sources
    if adoption.add_noqa:
        return _add_noqa(findings, quiet)
    if adoption.write_baseline is not None:
        from fastlint.run.baseline import Baseline

        written = Baseline.from_findings(findings, sources, settings.project_root)
        written.write(adoption.write_baseline)
        if not quiet:
            click.echo(f"fastlint: wrote {sum(written.entries.values())} findings to the baseline {adoption.write_baseline}", err=True)
        return EXIT_CLEAN
    if adoption.baseline is not None:
        findings = _apply_baseline(adoption.baseline, findings, sources, found.files, session, fix=fixing.fix, quiet=quiet)
    report = render(
        findings,
        output_format,
        rules=session.rules,
        root=settings.project_root,
        sources=sources,
        color=output_file is None and output_format == "text" and _use_color(),
        statistics=statistics,
        files_checked=result.files_checked,
        quiet=quiet,
        fixes=fix_counts(findings, sum(fixes.fixed.values()) if fixes else 0, policy),
        routes=_finding_routes(session, found.files, result, findings) if output_format in ("json", "json-lines") else None,
    )
    if output_format == "text" and fixing.show_fixes and not (quiet or statistics):
        report += offered_fixes(findings, sources)
        if fixes is not None:
            report += show_fixes(fixes, session.rules)
    if output_file is not None:
        output_file.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False)
    code = EXIT_FINDINGS if findings else EXIT_CLEAN
    if record is not None:
        _record_answer(record, session, result, report, "".join(said), EXIT_CLEAN if exit_zero else code)
    return code


# Formats that carry each fix's edits; the others (and the text report unless fixes are
# shown or applied) only count fixes, which a run decides without building them.
_FIX_FORMATS = ("json", "json-lines", "sarif", "rdjson", "rdjsonl")

# Formats whose report is a function of the findings and the checked files alone (SARIF reads
# other files of the project; GitHub's also writes the step summary): a run in one of them
# may be answered again from the record of the last one (``run/answer.py``).
_REPLAYABLE_FORMATS = ("text", "json", "json-lines", "gitlab", "junit", "rdjson", "rdjsonl")


def _answer_record(paths: Sequence[Path], config_path: Path | None) -> answer.Record | None:
    """The start of the record of what this run's answer rests on; None when the program
    was not started from its command (a test calling it in-process), or the paths lie
    outside the working directory (the only place an answer is looked for)."""
    from fastlint.run import answer

    if answer.arguments is None:
        return None
    here = os.getcwd()
    within = here.rstrip(os.sep) + os.sep
    if not all(real == here or real.startswith(within) for real in map(os.path.realpath, paths)):
        return None
    first = os.path.realpath(paths[0])
    start = first if os.path.isdir(first) else os.path.dirname(first)
    record = answer.Record()
    configs, markers = answer.config_candidates(start)
    for path in configs:
        record.stat(path)
    for path in markers:
        record.presence(path, os.path.exists(path), lexical=False)
    if config_path is not None:
        record.stat(os.path.abspath(config_path))
    for named in paths:
        record.stat(os.path.abspath(named), follow=False)
    return record


def _record_answer(record: answer.Record, session: Session, result: RunResult, report: str, warnings: str, exit_code: int) -> None:
    """Record this run's answer when the cache gave all of it, in the default cache
    directory of a project rooted at the working directory, and nothing was walked afresh."""
    from fastlint.run import answer

    settings = session.settings
    discoveries = session.discoveries()
    if (result.rested_on is None or result.warnings or result.partial_index is not None or not settings.cache or settings.cache_dir is not None
            or os.path.realpath(settings.project_root) != os.getcwd() or any(found.looked is None or found.warnings for found in discoveries)):
        return
    if not all(_utf8(stream) for stream in (sys.stdout, sys.stderr)):
        return  # click may re-encode what it prints to other streams
    for found in discoveries:
        assert found.looked is not None
        record.seen(found.looked)
        for path, present in found.present.items():
            record.presence(path, present, lexical=True)
    record.seen(result.rested_on)
    assert answer.arguments is not None
    record.write(answer.arguments, report, warnings, exit_code)


def _utf8(stream: TextIO | None) -> bool:
    return stream is not None and str(getattr(stream, "encoding", "")).lower().replace("_", "-") in ("utf-8", "utf8")


def _partial_notice(indexed: int, project: int) -> str:
    return (f"partial result: no cached index, so only {indexed:,} of the project's {project:,} files were indexed; "
            f"run `fastlint check` on the whole project once for the full result")


def _running_python() -> tuple[int, int]:
    return sys.version_info.major, sys.version_info.minor


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _requires_newer_python(root: Path) -> str | None:
    """A warning when the project's ``requires-python`` excludes the running Python."""
    import re

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project")
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    required = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(required, str):
        return None
    floors = [(int(major), int(minor)) for major, minor in re.findall(r"(?:>=|~=|==|>)\s*(\d+)\.(\d+)", required)]
    if not floors or max(floors) <= _running_python():
        return None
    needed, running = _version(max(floors)), _version(_running_python())
    return (f"the project requires Python {required.strip()} but fastlint runs on Python {running}: files that use "
            f"newer syntax are reported as not analysed (FL001); run fastlint with Python {needed} or later")


def _newer_syntax_summary(findings: Sequence[Finding]) -> str | None:
    """One line per run naming the Python that the files with newer syntax need."""
    import re

    versions: list[tuple[int, int]] = []
    for finding in findings:
        match = re.search(r"uses syntax of Python (\d+)\.(\d+)", finding.message) if finding.code == "FL001" else None
        if match:
            versions.append((int(match.group(1)), int(match.group(2))))
    if not versions:
        return None
    count = len(versions)
    return (f"{count} file{'' if count == 1 else 's'} use{'s' if count == 1 else ''} syntax of Python "
            f"{_version(max(versions))} that Python {_version(_running_python())} cannot parse; "
            f"run fastlint with Python {_version(max(versions))} or later to analyse {'it' if count == 1 else 'them'}")


_PYTHON_SUFFIXES = (".py", ".pyi")


def _check_named_paths(paths: Sequence[Path]) -> None:
    """A symbolic link loop, or a file that is no Python source, named on the command line
    is an error: passing it silently would read as "All checks passed!"."""
    import errno

    for path in paths:
        try:
            is_file = path.is_file()
        except OSError as error:
            if error.errno == errno.ELOOP:
                _fail(f"{path} is a symbolic link loop")
            raise
        if path.is_symlink() and not path.exists():
            try:
                os.stat(path)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    _fail(f"{path} is a symbolic link loop")
                _fail(f"{path} is a broken symbolic link (to {os.readlink(path)})")
        if is_file and path.suffix not in _PYTHON_SUFFIXES:
            _fail(f"{path} is not a Python file (fastlint checks {' and '.join(_PYTHON_SUFFIXES)} files)")


def _check_stdin(session: Session, path: Path, output_format: str, statistics: bool, quiet: bool, output_file: Path | None) -> int:
    """The source on standard input, checked as the file ``path`` of its project."""
    from fastlint.fixing.report import fix_counts
    from fastlint.output import render

    data = sys.stdin.buffer.read()
    result = session.checker(session.index_project()).check_file(path, data)
    findings = _without_unfixable(result.findings, session.fix_policy)
    report = render(
        findings,
        output_format,
        rules=session.rules,
        root=session.settings.project_root,
        sources={result.path: result.text} if result.text is not None else {},
        color=output_file is None and output_format == "text" and _use_color(),
        statistics=statistics,
        files_checked=1,
        quiet=quiet,
        fixes=fix_counts(findings, 0, session.fix_policy),
    )
    if output_file is not None:
        output_file.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False)
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def _output_problem(path: Path) -> str | None:
    """Why the report cannot be written to ``path``, or None."""
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return "it is a directory"
    if not directory.is_dir():
        return f"the directory {directory} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if not path.exists() and not os.access(directory, os.W_OK | os.X_OK):
        return f"the directory {directory} is not writable"
    return None


def _add_noqa(findings: list[Finding], quiet: bool) -> int:
    from fastlint.fixing.fixer import encode, write_atomically
    from fastlint.run.baseline import add_noqa
    from fastlint.source import SourceError, read_source

    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    added = files = 0
    for path, found in sorted(by_file.items()):
        try:
            source = read_source(Path(path))
        except SourceError:
            continue
        text, changed = add_noqa(source, found)
        if changed:
            write_atomically(source.path, encode(source, text))
            added, files = added + changed, files + 1
    if not quiet:
        click.echo(f"Added {added} noqa directive{'' if added == 1 else 's'} to {files} file{'' if files == 1 else 's'}.", err=True)
    return EXIT_CLEAN


def _apply_baseline(path: Path, findings: list[Finding], sources: Mapping[str, str], checked: list[Path], session: Session, *, fix: bool, quiet: bool) -> list[Finding]:
    from fastlint.finding import Finding
    from fastlint.rule_meta import STALE_BASELINE
    from fastlint.run.baseline import Baseline, BaselineError, judged, stale_findings, without_stale

    root = session.settings.project_root
    try:
        baseline = Baseline.read(path)
    except BaselineError as error:
        _fail(str(error))
        raise  # unreachable: _fail exits
    kept, stale = baseline.apply(findings, sources, root)
    if STALE_BASELINE.code not in session.codes or not stale:
        return kept
    stale = judged(stale, [str(file) for file in checked], root)
    if fix and stale:
        without_stale(baseline, stale).write(path)
        if not quiet:
            click.echo(f"fastlint: removed {len(stale)} stale entr{'y' if len(stale) == 1 else 'ies'} from the baseline {path}", err=True)
        return kept
    return sorted([*kept, *stale_findings(stale, path, root)], key=Finding.sort_key)


def _finding_routes(session: Session, files: Sequence[Path], result: RunResult, findings: list[Finding]) -> dict[int, list[str]]:
    """The routes each finding is reachable from, for the JSON formats (see docs/routes.md)."""
    from fastlint.integrations.routes import finding_routes

    return finding_routes(session, files, result, findings)


def _progress_line(output_format: str, quiet: bool) -> ProgressLine | None:
    """A progress line for people watching a terminal; never for machines or pipes."""
    if quiet or output_format != "text" or not _stderr_is_terminal():
        return None
    from fastlint.run.progress import ProgressLine

    return ProgressLine(sys.stderr)


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


@dataclass(frozen=True, eq=False, repr=False)
class _Fixing:
    fix: bool = False
    unsafe: bool = False
    diff: bool = False
    show_fixes: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class _Adoption:
    add_noqa: bool = False
    write_baseline: Path | None = None
    baseline: Path | None = None


def _without_unfixable(findings: list[Finding], policy: FixPolicy) -> list[Finding]:
    """The findings as reported: no fix for ``unfixable`` rules (neither applied nor shown),
    the others with the applicability ``extend-safe-fixes``/``extend-unsafe-fixes`` give."""
    return policy.shown(findings)


def _print_diff(fixes: FixRun, quiet: bool) -> int:
    """ruff's ``--diff``: the diffs on stdout, the count on stderr, 1 when anything would change."""
    from fastlint.fixing.fixer import unified_diff
    from fastlint.output._common import display_path

    for fixed in fixes.files:
        click.echo(unified_diff(fixed, display_path(str(fixed.source.path))), nl=False)
    count = sum(fixes.fixed.values())
    if not quiet:
        click.echo(f"Would fix {count} error{'' if count == 1 else 's'}." if count else "No errors would be fixed.", err=True)
    return EXIT_FINDINGS if fixes.files else EXIT_CLEAN


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Show the documentation of the rule CODE (or its name)."""
    from fastlint.docs import rule_help

    text = rule_help(code)
    if text is None:
        _fail(f"unknown rule '{code}'; `fastlint rules` lists them all")
        return
    click.echo(text)


@main.command(name="rules")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule: code, name, fix availability, preview status and summary.

    The fix column is ``--statistics``' mark: ``[*]`` a safe fix (``--fix`` applies it),
    ``[-]`` an unsafe fix (applied with ``--unsafe-fixes``), ``[ ]`` no fix to apply (none,
    or a display-only suggestion). ``extend-safe-fixes``/``extend-unsafe-fixes`` can move a
    rule from one to the other.
    """
    import json

    from fastlint.run.registry import all_rules

    metas = [r.meta() for r in all_rules()]
    if output_format == "json":
        entries = [
            {"code": m.code, "name": m.name, "fixable": m.fixable, "fix": m.fix_safety, "preview": m.preview, "summary": m.summary}
            for m in metas
        ]
        click.echo(json.dumps(entries, indent=2))
        return
    marks = {"safe": "[*]", "unsafe": "[-]"}
    for m in metas:
        flags = marks.get(m.fix_safety or "", "[ ]") + (" preview" if m.preview else "")
        click.echo(f"{m.code}  {m.name:<40} {flags:<12} {m.summary}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--base", metavar="REV", help="Review the changes since the merge base of REV and HEAD (work tree included).")
@click.option("--diff", "diff_file", type=click.File("r", encoding="utf-8", errors="surrogateescape"), help="Read the unified diff from FILE ('-': stdin) instead.")
@click.option("--format", "output_format", type=click.Choice(("github-review", "rdjson", "text")), default="github-review", show_default=True)
@click.option("--fix-suggestions/--no-fix-suggestions", default=True, show_default=True, help="Offer fixes as suggestions.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=True, show_default=True, help="Suggest unsafe fixes too, labelled as unsafe.")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the configuration's select).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (added to the configuration's ignore).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file.")
@click.option("--no-cache", is_flag=True, help="Read and write no cache.")
@click.option("--post", is_flag=True, help="Post the review to the GitHub pull request (token in GITHUB_TOKEN).")
@click.option("--repo", "repository", metavar="OWNER/NAME", help="With --post: the repository (default: GITHUB_REPOSITORY).")
@click.option("--pr", "pull_number", type=int, metavar="NUMBER", help="With --post: the pull request (default: from GITHUB_EVENT_PATH).")
@click.option("--commit", metavar="SHA", help="With --post: the head commit to comment on (default: from GITHUB_EVENT_PATH).")
@click.option("--baseline", "baseline", type=click.Path(path_type=Path, dir_okay=False), help="Leave out the findings this baseline file lists, as check --baseline does.")
def review(
    paths: tuple[Path, ...],
    base: str | None,
    diff_file: TextIO | None,
    output_format: str,
    fix_suggestions: bool,
    unsafe_fixes: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    no_cache: bool,
    post: bool,
    repository: str | None,
    pull_number: int | None,
    commit: str | None,
    baseline: Path | None,
) -> None:
    """Report the findings on the changed lines of a pull request, as a review (see README)."""
    from fastlint.integrations.review import ReviewError, run_review
    from fastlint.run.config import ConfigError

    if (base is None) == (diff_file is None):
        _fail("give exactly one of --base REV and --diff FILE")
    posted = None
    try:
        target = None
        if post:
            from fastlint.integrations.review_post import pull_request

            target = pull_request(repository, pull_number, commit, os.environ)
        run = run_review(
            list(paths) or [Path(".")],
            diff_text=diff_file.read() if diff_file is not None else None,
            base=base,
            fmt=output_format,
            suggestions=fix_suggestions,
            unsafe=unsafe_fixes,
            overrides={"select": _split_codes(select), "ignore": _split_codes(ignore), "cache": False if no_cache else None},
            config_path=config_path,
            cwd=Path.cwd(),
            baseline=baseline,
        )
        if target is not None:
            from fastlint.integrations.review_post import post_review

            posted = post_review(run.review, target, os.environ.get("GITHUB_TOKEN")).describe()
    except (ReviewError, ConfigError) as error:
        _fail(str(error))
        return
    except Exception as error:  # exit 1 would read as "findings": an internal error is exit 2
        if os.environ.get("FASTLINT_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set FASTLINT_DEBUG=1 for the traceback)")
        return
    for warning in run.warnings:
        _warn(warning)
    if posted is not None:
        click.echo(f"fastlint: {posted}", err=True)
    click.echo(run.report, nl=False)
    sys.exit(EXIT_FINDINGS if run.findings else EXIT_CLEAN)


@main.command(name="routes")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output-format", type=click.Choice(("text", "json", "html")), default="text", show_default=True)
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the map to this file.")
@click.option("--select", multiple=True, help="Rule codes or prefixes whose findings to attach (replaces the configuration's select).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file.")
@click.option("--no-cache", is_flag=True, help="Read and write no cache.")
def routes_command(paths: tuple[Path, ...], output_format: str, output_file: Path | None, select: tuple[str, ...], config_path: Path | None, no_cache: bool) -> None:
    """Map every endpoint: full path, event loop or threadpool, dependency tree, middleware,
    background tasks, and the findings reachable from it (see docs/routes.md)."""
    from fastlint.integrations.routes import render_report
    from fastlint.run.config import ConfigError

    targets = list(paths) or [Path(".")]
    missing = [str(path) for path in targets if not path.exists()]
    if missing:
        _fail(f"no such file or directory: {', '.join(missing)}")
    try:
        report, warnings = render_report(targets, output_format, config_path, {"select": _split_codes(select), "cache": False if no_cache else None})
    except ConfigError as error:
        _fail(str(error))
        return
    except Exception as error:
        if os.environ.get("FASTLINT_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set FASTLINT_DEBUG=1 for the traceback)")
        return
    for warning in warnings:
        _warn(warning)
    if output_file is not None:
        output_file.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False)


@main.command(name="debug-config")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def debug_config(paths: tuple[Path, ...], config_path: Path | None) -> None:
    """Print the settings that a check of PATHS would use."""
    from fastlint.run.config import format_settings

    click.echo(format_settings(_settings_or_fail(paths, config_path)))


def _settings_or_fail(paths: tuple[Path, ...], config_path: Path | None) -> Settings:
    """The settings of PATHS (default: the current directory); a configuration error exits 2."""
    from fastlint.run.config import ConfigError, load_settings

    try:
        return load_settings(list(paths) or [Path(".")], config_path)
    except ConfigError as error:
        _fail(str(error))
        raise  # _fail exits; this line only tells type checkers so


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def clean(paths: tuple[Path, ...], config_path: Path | None) -> None:
    """Delete the cache of the project of PATHS (default: the current directory)."""
    from fastlint.run.cache import clear

    settings = _settings_or_fail(paths, config_path)
    try:
        removed = clear(settings)
    except OSError as error:
        _fail(f"could not delete the cache: {error}")
        return
    click.echo(f"Removed {removed}" if removed else "No cache to remove", err=True)


@main.command()
def server() -> None:
    """Run the language server over stdin and stdout (needs the `lsp` extra)."""
    try:
        from fastlint.integrations.lsp import serve
    except ImportError as error:
        _fail(f"the language server needs pygls: pip install 'fastlint[lsp]' ({error})")
        return
    serve()


if __name__ == "__main__":
    main()
