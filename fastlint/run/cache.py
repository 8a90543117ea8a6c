"""The content-hash cache in ``.fastlint_cache/``: module summaries and findings.

Files per fastlint code, libcst version, Python version and knowledge configuration:
- ``*.summaries.jsonl``: summaries, keyed by path and valid while the file's bytes and
  module name are the same, one JSON line each, decoded when first used (a run after an
  edit asks about a few modules); and the answers about the whole project they give
  (``ProjectFacts``);
- ``*.findings.json`` (and ``*.consulted.jsonl``): findings, valid while the file is the same, the run's settings
  and codes are the same, and every summary the check consulted (looked up, or looked for
  and missing) has the same digest. A finding that rests on another file is therefore
  never reused stale. Beside them, the project as the last check saw it: every file's
  digest and every summary digest.

When every file of the project is as that last check saw it, the summary digests are
the same too, so the findings are validated without loading a summary or building the
project index: the warm path reads only the findings file (``unchanged_run``).

The cache lives in the analysed tree, which fastlint does not trust (docs/security.md):
it is data, never code (JSON, each value checked against its type by ``datacodec``; a
file that fails is discarded with one warning and rebuilt); the directory is never used
through a symbolic link; and it must lie inside the project or the directory of the
configuration file that names it. Writes go to a temporary file replaced atomically.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastlint.digests import digest, value_digest
from fastlint.finding import Finding
from fastlint.run.code_version import code_digest
from fastlint.run.datacodec import InvalidData, decode, encode

if TYPE_CHECKING:
    from fastlint.analysis.module_summary import ModuleSummary
    from fastlint.analysis.summaries import ProjectFacts
    from fastlint.settings import Settings

CACHE_DIR = ".fastlint_cache"
_MARKER = "# Created by fastlint."  # the first line of the cache directory's .gitignore
_FORMAT = 17  # the layout of the files (12: JSON; 13: file stats; 14: the findings file in columns; 15: summaries in lines; 16: consulted names without digests; 17: consulted names in lines); what they mean is keyed on the code itself (code_digest)
_MAX_BYTES = 1 << 30  # a larger cache file is not read: it was not written by fastlint
# Files whose summary came out the same after an edit that changed no fact (a comment, a
# function's body) are not worth rewriting the whole summaries file for (8 MB on LARGE, 40%
# of that re-check) while this few are out of date: each costs a run that misses it one parse.
_DEFERRED_SUMMARIES = 4
# The settings that change what a summary says; every other setting only changes findings.
_SUMMARY_SETTINGS = ("extend_blocking_calls", "allow_blocking_calls", "extend_offload_wrappers")

# path -> (digest of the file's bytes, module name)
Fingerprints = Mapping[str, tuple[str, str]]


def summary_digest(summary: ModuleSummary) -> str:
    return value_digest(summary)


class CachedSummary:
    """A module's summary with what keys it (the digest of the file's bytes, the module
    name) and its own digest. One read from the cache is decoded when first used
    (``summary`` raises InvalidData when its line does not fit)."""

    __slots__ = ("content", "module", "digest", "maps_classes", "_summary", "line")

    def __init__(self, content: str, module: str, summary: ModuleSummary | None, digest: str,
                 line: bytes | memoryview | None = None, maps_classes: bool | None = None) -> None:
        self.content = content
        self.module = module
        self.digest = digest
        self._summary = summary
        self.line = line  # the JSON line it was read from (a view of the file's bytes): written back as it is
        # Whether the module maps classes (ORM models), known without decoding it.
        self.maps_classes = bool(summary.models) if summary is not None else bool(maps_classes)

    @property
    def decoded(self) -> bool:
        return self._summary is not None

    @property
    def summary(self) -> ModuleSummary:
        if self._summary is None:
            from fastlint.analysis.module_summary import ModuleSummary

            assert self.line is not None
            try:
                self._summary = decode(ModuleSummary, json.loads(bytes(self.line)))
            except (ValueError, RecursionError) as error:  # InvalidData is a ValueError
                raise InvalidData(str(error)) from None
            if self._summary.module != self.module:
                self._summary = None
                raise InvalidData("a summary of another module")
        return self._summary

    def encoded(self) -> bytes | memoryview:
        if self.line is None:
            self.line = json.dumps(encode(self.summary), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self.line


@dataclass(eq=False, repr=False)
class CachedFindings:
    content: str
    module: str
    consulted: dict[str, str | None]  # module -> summary digest (None: looked for, absent)
    findings: list[Finding]


@dataclass(eq=False, repr=False)
class _StoredFindings:
    content: str
    module: str
    findings: list[Finding]


@dataclass(eq=False, repr=False)
class _FindingsStore:
    """The findings file: what the warm path reads. Every entry is valid against
    ``digests`` (``save`` drops the others), so the warm path checks no consulted summary."""

    findings_key: str = ""
    generation: str = ""  # the same in the consulted file written with it
    findings: dict[str, _StoredFindings] = field(default_factory=dict)
    # The project when these findings were last written: fingerprints of all its files,
    # and the summary digests they gave.
    project: dict[str, tuple[str, str]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    # Each file's stat when its digest was taken (size, mtime, ctime, inode): a file with
    # the same stat is not read and hashed again (``known_files``).
    stats: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


# The findings file is one JSON list in columns, one row per file of the project:
#   [findings_key, generation, paths, contents, modules, stats, findings, digests]
# ``contents`` and ``modules`` are the fingerprint of each path; ``stats`` holds four
# integers per path (a size of -1: no stat recorded); ``findings`` holds each path's
# findings, or null when none are cached; ``digests`` maps module names to summary digests.
# Every file of the project is a warm run's question, and columns of strings and integers
# are checked in bulk: a file of objects keyed by path, with a record per file, cost
# prefect's warm run 15-25 ms to read; these columns cost 2.
_NO_STAT = (-1, 0, 0, 0)


def _strings(values: object, count: int | None = None) -> list[str]:
    if type(values) is not list or (count is not None and len(values) != count) or not {str}.issuperset(map(type, values)):
        raise InvalidData("expected a list of strings")
    return values


def _decode_findings_store(data: object, plain: dict[str, Any]) -> _FindingsStore:
    """The findings file's data as a store; the JSON data of each file's findings goes into
    ``plain`` (written back as it is while the file is unchanged). Raises InvalidData."""
    if type(data) is not list or len(data) != 8:
        raise InvalidData("expected the 8 columns of a findings file")
    key, generation, paths, contents, modules, stats, findings, digests = data
    if type(key) is not str or type(generation) is not str:
        raise InvalidData("expected the key and generation as strings")
    count = len(_strings(paths))
    _strings(contents, count)
    _strings(modules, count)
    if type(stats) is not list or len(stats) != 4 * count or not {int}.issuperset(map(type, stats)):
        raise InvalidData("expected four integers per file")
    if type(findings) is not list or len(findings) != count:
        raise InvalidData("expected the findings of each file")
    if type(digests) is not dict or not {str}.issuperset(map(type, digests.values())):
        raise InvalidData("expected a summary digest per module")
    project = dict(zip(paths, zip(contents, modules)))
    if len(project) != count:
        raise InvalidData("a path appears twice")
    quads = iter(stats)
    recorded = {path: stat for path, stat in zip(paths, zip(quads, quads, quads, quads)) if stat[0] >= 0}
    stored: dict[str, _StoredFindings] = {}
    for path, content, module, found in zip(paths, contents, modules, findings):
        if found is None:
            continue
        if type(found) is not list:
            raise InvalidData("expected a list of findings")
        stored[path] = _StoredFindings(content, module, decode(list[Finding], found) if found else [])
        plain[path] = found
    return _FindingsStore(key, generation, stored, project, digests, recorded)


def _encode_findings_store(store: _FindingsStore, plain: Mapping[str, Any]) -> list[object]:
    """The columns of the findings file (see ``_decode_findings_store``); the findings of
    ``store`` must all be of files of its project, with the fingerprints recorded there."""
    paths = sorted(store.project)
    fingerprints = [store.project[path] for path in paths]
    stats = [value for path in paths for value in store.stats.get(path, _NO_STAT)]
    findings = [(plain[path] if path in plain else encode(store.findings[path].findings)) if path in store.findings else None for path in paths]
    return [store.findings_key, store.generation, paths, [content for content, _ in fingerprints], [module for _, module in fingerprints],
            stats, findings, dict(store.digests)]


class _Consulted:
    """What each cached finding rests on: the names its check consulted, read only when the
    index is built. Every finding the findings file keeps is valid against the digests it
    records (``save`` drops the others), so the file holds the names alone, as numbers into
    one list of them: the digest each had is the recorded one (None: no such module). On
    LARGE the file of names and digests was 2.3 MB, read and written again after any edit.

    The file is JSON lines: ``[findings_key, generation, number of names]``, the names, the
    paths, then a line per path (in that order) of the numbers of the names it consulted.
    A line is decoded when first needed: while the digests are the recorded ones, a finding
    is valid if its path has a line, and a run whose checks consulted what their paths' lines
    say (an edit that changed no summary) leaves the file as it is (on LARGE, decoding and
    writing the names of every path was 10% of such a run). A line that does not decode
    leaves its path without a line (its findings are checked again), with a warning."""

    def __init__(self, against: Mapping[str, str], lines: Sequence[bytes | memoryview] = (), paths: Sequence[str] = (), count: int = 0,
                 warn: Callable[[Exception], None] | None = None) -> None:
        self.against = against  # the digests recorded when they were written
        self._lines = lines  # the file's lines, as read; none for a file to write from scratch
        self._count = count  # how many names the file holds
        self._rows = {path: 3 + index for index, path in enumerate(paths)}  # path -> its line of numbers
        self._names: list[str] | None = None if lines else []
        self._numbers: dict[str, list[int]] = {}  # the lines decoded, by path
        self._warn = warn
        self._intact = bool(lines)  # the file read, every line decoded so far
        self.put: dict[str, dict[str, str | None]] = {}  # path -> name -> digest, checked this run
        self._changed: tuple[Mapping[str, str], set[int]] | None = None

    @classmethod
    def read(cls, lines: Sequence[memoryview], findings_key: str, generation: str, against: Mapping[str, str],
             warn: Callable[[Exception], None] | None = None) -> _Consulted | None:
        """The consulted file's lines; None when written with another findings file. Raises InvalidData."""
        if len(lines) < 4 or lines[-1]:
            raise InvalidData("expected a header, the names, the paths and a line per path")
        header = json.loads(bytes(lines[0]))
        if type(header) is not list or len(header) != 3 or type(header[0]) is not str or type(header[1]) is not str or type(header[2]) is not int:
            raise InvalidData("expected the key, the generation and the number of names")
        key, written_with, count = header
        if (key, written_with) != (findings_key, generation):
            return None
        paths = _strings(json.loads(bytes(lines[2])))
        if len(lines) != 4 + len(paths) or len(set(paths)) != len(paths):
            raise InvalidData("expected a line of numbers per path")
        return cls(against, lines, paths, count, warn)

    def _damaged(self, error: Exception) -> None:
        self._intact = False  # written again, without what did not decode
        if self._warn is not None:
            self._warn(error)

    def names(self) -> list[str]:
        """The names, by number; none when their line does not decode (no path has a valid line then)."""
        if self._names is None:
            try:
                names = _strings(json.loads(bytes(self._lines[1])), self._count)
                if len(set(names)) != len(names):
                    raise InvalidData("a name appears twice")
            except (ValueError, RecursionError) as error:  # InvalidData is a ValueError
                self._damaged(error)
                self._rows = {}
                names = []
            self._names = names
        return self._names

    def numbers(self, path: str) -> list[int] | None:
        """The numbers of the names ``path``'s findings consulted; None when it has no line (or
        one that does not decode)."""
        found = self._numbers.get(path)
        if found is None:
            row = self._rows.get(path)
            if row is None:
                return None
            try:
                found = json.loads(bytes(self._lines[row]))
                if type(found) is not list or not {int}.issuperset(map(type, found)) or (found and not 0 <= min(found) <= max(found) < self._count):
                    raise InvalidData("expected numbers of names")
            except (ValueError, RecursionError) as error:
                self._damaged(error)
                del self._rows[path]
                return None
            self._numbers[path] = found
        return found

    def changed(self, digests: Mapping[str, str]) -> set[int]:
        """The numbers of the names whose digest in ``digests`` is not the recorded one."""
        if self._changed is None or self._changed[0] is not digests:
            against = self.against
            changed = set() if digests == against else {number for number, name in enumerate(self.names()) if digests.get(name) != against.get(name)}
            self._changed = (digests, changed)
        return self._changed[1]

    def valid(self, path: str, digests: Mapping[str, str]) -> bool:
        """Whether ``path``'s findings rest only on names that have the same digest in ``digests``."""
        put = self.put.get(path)
        if put is not None:
            return all(digests.get(name) == expected for name, expected in put.items())
        if path not in self._rows:
            return False
        changed = self.changed(digests)
        if not changed:
            # Its line is decoded only when some digest differs. Asked again: ``changed`` may
            # have read the names and found them damaged, which leaves no path a line.
            return path in self._rows
        numbers = self.numbers(path)
        return numbers is not None and changed.isdisjoint(numbers)

    def unchanged(self, paths: Collection[str]) -> bool:
        """Whether the file read holds the lines of exactly ``paths``, with what each path's
        check consulted this run: then it is written as it is, the same."""
        if not self._intact or len(paths) != len(self._rows) or not all(path in self._rows for path in paths):
            return False
        names = self.names() if self.put else []
        for path, consulted in self.put.items():
            numbers = self.numbers(path)
            if numbers is None or len(numbers) != len(consulted) or not all(names[number] in consulted for number in numbers):
                return False
        return self._intact  # no line failed to decode meanwhile

    def data(self, paths: Iterable[str], findings_key: str, generation: str) -> bytes:
        """The file for ``paths`` (each valid against the digests recorded with it). The names
        read keep their numbers (the lines of unchanged paths are written as they were read),
        unless most of them are no longer used."""
        names = self.names()
        numbering = {name: number for number, name in enumerate(names)}
        by_path: dict[str, list[int]] = {}
        for path in paths:
            if path in self.put:
                by_path[path] = [numbering.setdefault(name, len(numbering)) for name in self.put[path]]
            elif (numbers := self.numbers(path)) is not None:
                by_path[path] = numbers
            # else: its line did not decode; its findings are checked again next time
        used: set[int] = set()
        for numbers in by_path.values():
            used.update(numbers)
        renumbered: dict[int, int] | None = None
        if 2 * len(used) < len(numbering):
            renumbered = {}
            by_path = {path: [renumbered.setdefault(number, len(renumbered)) for number in numbers] for path, numbers in by_path.items()}
            every = list(numbering)
            numbering = {every[number]: new for number, new in renumbered.items()}

        def dumped(value: object) -> bytes:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

        same_names = renumbered is None and len(numbering) == len(names) and self._intact
        rows = [self._lines[self._rows[path]] if renumbered is None and path not in self.put and path in self._rows else dumped(numbers)
                for path, numbers in by_path.items()]
        lines = [dumped([findings_key, generation, len(numbering)]), self._lines[1] if same_names else dumped(list(numbering)),
                 dumped(list(by_path)), *rows]
        return b"\n".join(lines) + b"\n"


@dataclass(eq=False, repr=False)
class _Walk:
    """The last walk of the project (``discovery.replay``): the files it found and the stat
    of every path they rest on, for the roots and settings of ``key``."""

    key: str
    files: list[str]
    looked: dict[str, tuple[int, int, int, int] | None]
    present: dict[str, bool]


def _walk_path(settings: Settings) -> Path | None:
    """Where the walk is recorded; None when the cache is off or its directory unsafe."""
    if not settings.cache:
        return None
    directory = cache_directory(settings)
    return None if unsafe_directory(directory, settings) is not None else directory / f"v{_FORMAT}.walk.json"


def _walk_key(settings: Settings, roots: Sequence[str]) -> str:
    return _findings_key(settings, frozenset(roots))


def recorded_walk(
    settings: Settings, roots: Sequence[str]
) -> tuple[list[str], dict[str, tuple[int, int, int, int] | None], dict[str, bool]] | None:
    """The files and stats the last walk of ``roots`` recorded under these settings and this
    code, if any. A file that does not decode is ignored: the tree is walked again."""
    path = _walk_path(settings)
    if path is None:
        return None
    try:
        walk = decode(_Walk, json.loads(_read_no_follow(path)))
    except (OSError, InvalidData, ValueError, RecursionError):
        return None
    return (walk.files, walk.looked, walk.present) if walk.key == _walk_key(settings, roots) else None


def record_walk(
    settings: Settings, roots: Sequence[str], files: Sequence[str], looked: Mapping[str, tuple[int, int, int, int] | None], present: Mapping[str, bool]
) -> None:
    path = _walk_path(settings)
    if path is not None:
        try:
            _write_file(path.parent, path, encode(_Walk(_walk_key(settings, roots), list(files), dict(looked), dict(present))))
        except OSError:
            pass  # a walk not recorded is only walked again


class Cache:
    def __init__(self, directory: Path, settings: Settings, codes: frozenset[str], fix_edits: bool = True) -> None:
        self.directory = directory
        # A run that shows or applies fixes takes no findings whose fixes a run that only
        # counted them left unbuilt (``Fix.built``): it checks those files again.
        self.fix_edits = fix_edits
        stem = f"v{_FORMAT}-{_summary_key(settings)}"
        self.summaries_path = directory / f"{stem}.summaries.jsonl"
        self.findings_path = directory / f"{stem}.findings.json"
        self.consulted_path = directory / f"{stem}.consulted.jsonl"
        self.findings_key = _findings_key(settings, codes)
        self.warnings: list[str] = []
        # The JSON data of each file's findings as loaded: what is unchanged is written back as it is.
        plain: dict[str, Any] = {}
        store = self._load(self.findings_path, lambda data: _decode_findings_store(data, plain))
        fits = store is not None and store.findings_key == self.findings_key
        self._findings = store if store is not None and fits else _FindingsStore(self.findings_key)
        self._findings_plain = plain if fits else {}
        self._summaries: dict[str, CachedSummary] | None = None  # loaded on first use
        self._loaded: set[str] = set()  # the paths whose entry is the one in the file
        # The project-wide answers the summaries give, under a key of them (``facts``).
        self._facts: tuple[str, bytes | ProjectFacts] | None = None
        self._consulted: _Consulted | None = None  # likewise
        self._seen: set[str] = set()
        self._outdated: set[str] = set()  # files whose recorded summary is of other bytes
        self._deferred: set[str] = set()  # ... and came out the same, up to those bytes' digest
        self._summaries_dirty = False
        self._findings_dirty = False

    @classmethod
    def for_settings(cls, settings: Settings, codes: frozenset[str], fix_edits: bool = True) -> Cache | None:
        """The run's cache; None when disabled, or (with a warning on stderr) when its
        directory is unsafe to use: a symbolic link, or outside the project."""
        if not settings.cache:
            return None
        directory = cache_directory(settings)
        problem = unsafe_directory(directory, settings)
        if problem is not None:
            _warn_once(f"warning: the cache is off: {problem}")
            return None
        return cls(directory, settings, codes, fix_edits)

    def _load(self, path: Path, read: Callable[[Any], Any], parse: Callable[[bytes], Any] = json.loads) -> Any:
        """The file at ``path`` as ``read`` decodes what ``parse`` makes of its bytes (JSON
        data), raising InvalidData when it does not fit; None (with a warning) when it
        cannot be read or does not fit."""
        try:
            data = _read_no_follow(path)
        except FileNotFoundError:
            return None
        except OSError as error:
            self.warnings.append(f"discarded the unreadable cache {path} ({error.strerror or error})")
            return None
        try:
            return read(parse(data))
        except (InvalidData, ValueError, RecursionError) as error:
            self._discarded(path, error)
            return None

    def _discarded(self, path: Path, error: Exception) -> None:
        reason = "not JSON" if isinstance(error, json.JSONDecodeError) or not isinstance(error, InvalidData) else "unexpected content"
        warning = f"discarded the unreadable cache {path} ({reason})"
        if warning not in self.warnings:
            self.warnings.append(warning)

    # -- the warm path -----------------------------------------------------------------

    def unchanged_run(self, project: Fingerprints, paths: Sequence[str]) -> list[list[Finding]] | None:
        """The findings of ``paths`` when the project is file for file as the last check
        saw it and every one of them is cached; otherwise None (build the index)."""
        if project != self._findings.project or not all(path in project for path in paths):
            return None
        found: list[list[Finding]] = []
        for path in paths:
            entry = self._findings.findings.get(path)
            if entry is None or (entry.content, entry.module) != project[path] or not self._usable(entry.findings):
                return None
            found.append(entry.findings)
        return found

    def _usable(self, findings: list[Finding]) -> bool:
        return not self.fix_edits or all(finding.fix is None or finding.fix.built for finding in findings)

    def known_files(self) -> dict[str, tuple[tuple[int, int, int, int], str]]:
        """path -> (its stat, the digest of its bytes) as the last check recorded them."""
        project, stats = self._findings.project, self._findings.stats
        return {path: (stat, project[path][0]) for path, stat in stats.items() if path in project}

    def known_stats(self) -> Mapping[str, tuple[int, int, int, int]]:
        return self._findings.stats

    def recorded_digests(self) -> Mapping[str, str]:
        return self._findings.digests

    # -- summaries ---------------------------------------------------------------------

    def _summary_entries(self) -> dict[str, CachedSummary]:
        if self._summaries is None:
            loaded = self._load(self.summaries_path, self._read_summaries, _lines)
            self._summaries = loaded if loaded is not None else {}
            self._loaded = set(self._summaries)
        return self._summaries

    def _read_summaries(self, lines: list[memoryview]) -> dict[str, CachedSummary]:
        """The summaries file (see ``_write_summaries``), its summaries and facts left undecoded."""
        if len(lines) < 3 or lines[-1]:
            raise InvalidData("expected a header, a line per summary and the facts")
        header = json.loads(bytes(lines[0]))
        if type(header) is not list or len(header) != 6:
            raise InvalidData("expected the 6 columns of a summaries file")
        paths, contents, modules, digests, models, facts_key = header
        count = len(_strings(paths))
        _strings(contents, count)
        _strings(modules, count)
        _strings(digests, count)
        if type(models) is not list or len(models) != count or not {bool}.issuperset(map(type, models)):
            raise InvalidData("expected whether each module maps classes")
        if type(facts_key) is not str:
            raise InvalidData("expected the key of the facts")
        if len(lines) != count + 3 or len(set(paths)) != count:
            raise InvalidData("expected one line per path")
        if facts_key:
            self._facts = (facts_key, bytes(lines[count + 1]))
        return {path: CachedSummary(content, module, None, digest, line, flag)
                for path, content, module, digest, flag, line in zip(paths, contents, modules, digests, models, lines[1:])}

    def _write_summaries(self, entries: Mapping[str, CachedSummary]) -> None:
        """One JSON line of columns (paths, contents, modules, digests, whether each module
        maps classes, the key of the facts), one line per summary in that order, then the
        facts (or null). A line read is written back as it is."""
        paths = list(entries)
        chosen = [entries[path] for path in paths]
        facts_key, facts = self._facts if self._facts is not None else ("", b"null")
        if not isinstance(facts, bytes):
            facts = json.dumps(encode(facts), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        header = [paths, [entry.content for entry in chosen], [entry.module for entry in chosen], [entry.digest for entry in chosen],
                  [entry.maps_classes for entry in chosen], facts_key]
        lines = [json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), *(entry.encoded() for entry in chosen), facts]
        try:
            _write_file(self.directory, self.summaries_path, b"\n".join(lines) + b"\n")
        except OSError as error:
            self.warnings.append(f"could not write the cache {self.summaries_path}: {error.strerror or error}")

    def facts(self, key: str) -> ProjectFacts | None:
        """The project-wide answers recorded with the summaries, when recorded under ``key``
        (a digest of every module's summary digest and alias: see ``ProjectFacts``)."""
        self._summary_entries()
        if self._facts is None or self._facts[0] != key:
            return None
        found = self._facts[1]
        if isinstance(found, bytes):
            from fastlint.analysis.summaries import ProjectFacts

            try:
                found = decode(ProjectFacts, json.loads(found))
            except (InvalidData, ValueError, RecursionError) as error:
                self._discarded(self.summaries_path, error)
                self._facts = None
                self._summaries_dirty = True
                return None
            self._facts = (key, found)
        return found

    def put_facts(self, key: str, facts: ProjectFacts) -> None:
        self._summary_entries()
        if self._facts is None or self._facts[0] != key:
            self._facts = (key, facts)
            self._summaries_dirty = True

    def summary(self, path: str, content: str, module: str) -> CachedSummary | None:
        self._seen.add(path)
        entry = self._summary_entries().get(path)
        if entry is not None and entry.content == content and entry.module == module:
            return entry
        if entry is not None:
            self._outdated.add(path)
        return None

    def saw(self, path: str) -> None:
        """``path`` is a file of the project that has no summary to look up (test code the
        index leaves out): the run saw it, and its findings are kept (``save``)."""
        self._seen.add(path)

    def discard_summary(self, path: str, error: Exception) -> None:
        """The entry of ``path`` did not decode: it is written again (``put_summary``)."""
        self._discarded(self.summaries_path, error)
        self._loaded.discard(path)
        self._summaries_dirty = True

    def put_summary(self, path: str, entry: CachedSummary) -> None:
        self._seen.add(path)
        entries = self._summary_entries()
        old = entries.get(path)
        entries[path] = entry
        if old is not None and (old.module, old.digest) == (entry.module, entry.digest) and path in self._loaded:
            self._deferred.add(path)  # written with the next write, or summarised again
            return
        self._loaded.discard(path)
        self._summaries_dirty = True

    # -- findings ----------------------------------------------------------------------

    def _consulted_entries(self) -> _Consulted:
        if self._consulted is None:
            store, against = self._findings, self._findings.digests

            def damaged(error: Exception) -> None:
                self._discarded(self.consulted_path, error)
                self._findings_dirty = True  # written again without the line

            loaded = self._load(self.consulted_path, lambda lines: _Consulted.read(lines, self.findings_key, store.generation, against, damaged), _lines)
            self._consulted = loaded if loaded is not None else _Consulted(against)
        return self._consulted

    def findings(self, path: str, content: str, module: str, digests: Mapping[str, str]) -> list[Finding] | None:
        entry = self._findings.findings.get(path)
        if entry is None or entry.content != content or entry.module != module or not self._usable(entry.findings):
            return None
        return entry.findings if self._consulted_entries().valid(path, digests) else None

    def put_findings(self, path: str, entry: CachedFindings) -> None:
        self._findings.findings[path] = _StoredFindings(entry.content, entry.module, entry.findings)
        self._findings_plain.pop(path, None)
        self._consulted_entries().put[path] = entry.consulted
        self._findings_dirty = True

    def record_project(self, project: Fingerprints, digests: Mapping[str, str], stats: Mapping[str, tuple[int, int, int, int]] | None = None) -> None:
        """The project this check ran against; see ``unchanged_run`` and ``known_files``."""
        stats = dict(stats or {})
        if project != self._findings.project or digests != self._findings.digests or stats != self._findings.stats:
            self._findings.project = dict(project)
            self._findings.digests = dict(digests)
            self._findings.stats = stats
            self._findings_dirty = True

    # -- writing -----------------------------------------------------------------------

    def has_summaries(self) -> bool:
        """Whether a summaries file is there to load (the project was indexed before)."""
        return self._summaries is not None or os.path.isfile(self.summaries_path)

    def save(self, prune: bool = True) -> None:
        """Write what changed atomically, keeping only the files this run saw (all of them
        when not ``prune``: a run that saw part of the project) and the findings valid
        against the recorded project; a run that changed nothing writes nothing (the warm path)."""
        if self._summaries is not None:
            stale = prune and not self._seen.issuperset(self._summaries)
            outdated = bool(self._deferred) and len(self._outdated | self._deferred) > _DEFERRED_SUMMARIES
            if self._summaries_dirty or stale or outdated or not self.summaries_path.exists():
                self._write_summaries({path: entry for path, entry in self._summaries.items() if not prune or path in self._seen})
        if not prune:
            return
        if self._seen and not self._seen.issuperset(self._findings.findings):
            self._findings_dirty = True
        if not self._findings_dirty:
            return
        store, consulted, digests = self._findings, self._consulted_entries(), self._findings.digests
        kept = {
            path: entry
            for path, entry in store.findings.items()
            if (not self._seen or path in self._seen)
            and store.project.get(path) == (entry.content, entry.module)
            and consulted.valid(path, digests)
        }
        store.findings = kept
        if not consulted.unchanged(kept):
            # The consulted file first: a findings file always has its consulted file beside it.
            store.generation = os.urandom(8).hex()
            self._write(self.consulted_path, consulted.data(kept, self.findings_key, store.generation), encoded=True)
        self._consulted = None  # read again (from what was written) if asked again
        # The findings of unchanged files are written from the JSON data they were loaded from.
        self._write(self.findings_path, _encode_findings_store(store, self._findings_plain), encoded=True)

    def _write(self, path: Path, store: object, encoded: bool = False) -> None:
        """Write atomically. Files of other fastlint versions are left alone: two versions
        used side by side (pre-commit's and the editor's) would otherwise delete each
        other's cache on every run. ``fastlint clean`` removes them."""
        try:
            _write_file(self.directory, path, store if encoded else encode(store))
        except OSError as error:
            self.warnings.append(f"could not write the cache {path}: {error.strerror or error}")


def _lines(data: bytes) -> list[memoryview]:
    """The lines of ``data`` (split at each ``\\n``; the last one is what follows the last
    break), as views of it: a run after an edit decodes a few lines of the summaries file
    (13 MB on LARGE), and copying every line out of it cost more than reading it."""
    view = memoryview(data)
    lines = []
    start = 0
    find = data.find
    while (end := find(b"\n", start)) >= 0:
        lines.append(view[start:end])
        start = end + 1
    lines.append(view[start:])
    return lines


def _write_file(directory: Path, path: Path, plain: object) -> None:
    """Write ``plain`` as JSON (bytes as they are) to ``path`` in the cache ``directory``, atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    if directory.is_symlink():  # made a link since the run started
        raise OSError(f"{directory} is a symbolic link")
    ignore = directory / ".gitignore"
    if not os.path.lexists(ignore):
        descriptor = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as marker:
            marker.write(f"{_MARKER}\n*\n")
    # A new file of a random name, as tempfile makes one (importing tempfile, with shutil,
    # bz2, lzma and random, was 2% of a re-check after an edit).
    temporary = directory / f".tmp-{os.urandom(8).hex()}.json"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(plain if isinstance(plain, bytes) else json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        os.replace(temporary, path)  # replaces a link at ``path``, never its target
    except BaseException:
        os.unlink(temporary)
        raise


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_no_follow(path: Path) -> bytes:
    """The bytes of a regular file, never read through a symbolic link."""
    descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        import stat

        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(f"{path} is not a regular file")
        if status.st_size > _MAX_BYTES:
            raise OSError(f"{path} is larger than any cache fastlint writes")
        return handle.read()


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr)


def cache_directory(settings: Settings) -> Path:
    return settings.cache_dir or settings.project_root / CACHE_DIR


def unsafe_directory(directory: Path, settings: Settings) -> str | None:
    """Why fastlint must not write to (or delete) ``directory``, or None.

    The analysed repository chooses ``cache-dir`` through its own configuration: the
    directory must lie inside the project or beside that configuration file, and neither it
    nor a folder on the way to it may be a symbolic link leading elsewhere.
    """
    if os.path.islink(directory):
        return f"the cache directory {directory} is a symbolic link"
    bases = [settings.project_root]
    if settings.config_path is not None:
        bases.append(settings.config_path.parent)
    resolved = Path(os.path.realpath(directory))
    lexical = Path(os.path.normpath(os.path.abspath(directory)))
    for base in bases:
        real_base = Path(os.path.realpath(base))
        inside_lexically = _is_within(lexical, Path(os.path.normpath(os.path.abspath(base))))
        if inside_lexically and _is_within(resolved, real_base):
            break
    else:
        return f"the cache directory {directory} is outside the project {settings.project_root}"
    return None


def _is_within(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def _summary_key(settings: Settings) -> str:
    relevant = [repr(getattr(settings, name)) for name in _SUMMARY_SETTINGS]
    return digest(repr((code_digest(), sys.version_info[:2], relevant)).encode())[:16]


def _findings_key(settings: Settings, codes: frozenset[str]) -> str:
    neutral = replace(settings, cache=True, cache_dir=None)
    values = [repr(getattr(neutral, item.name)) for item in fields(neutral)]
    return digest(repr((code_digest(), sys.version_info[:2], values, sorted(codes))).encode())


def clear(settings: Settings) -> Path | None:
    """Delete the cache directory of ``settings``; return it, or None if there was none.

    Only a directory fastlint created (it holds fastlint's ``.gitignore``) is deleted, so a
    mistyped ``cache-dir`` never takes a user's folder with it; and only inside the project
    (``unsafe_directory``), never through a symbolic link.
    """
    import shutil

    directory = cache_directory(settings)
    if not os.path.lexists(directory):
        return None
    problem = unsafe_directory(directory, settings)
    if problem is not None:
        raise OSError(f"{problem}; delete it by hand")
    marker = directory / ".gitignore"
    if not directory.is_dir():
        return None
    if not (marker.is_file() and not marker.is_symlink() and _read_no_follow(marker).decode("utf-8", "replace").startswith(_MARKER)):
        raise OSError(f"{directory} was not created by fastlint; delete it by hand")
    shutil.rmtree(directory)
    return directory
