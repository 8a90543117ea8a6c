"""The content-hash cache in ``.fastlint_cache/``: module summaries and findings.

Two pickles per fastlint version, Python version and knowledge configuration:
- ``*.summaries.pickle``: summaries, keyed by path and valid while the file's bytes and
  module name are the same;
- ``*.findings.pickle``: findings, valid while the file is the same, the run's settings
  and codes are the same, and every summary the check consulted (looked up, or looked for
  and missing) has the same digest. A finding that rests on another file is therefore
  never reused stale. Beside them, the project as the last check saw it: every file's
  digest and every summary digest.

When every file of the project is as that last check saw it, the summary digests are
the same too, so the findings are validated without loading a summary or building the
project index: the warm path reads only the small findings pickle (``unchanged_run``).
Writes go to a temporary file replaced atomically; a cache that cannot be read is
discarded with a warning, never trusted.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastlint import __version__
from fastlint.digests import digest, value_digest

if TYPE_CHECKING:
    from fastlint.analysis.module_summary import ModuleSummary
    from fastlint.finding import Finding
    from fastlint.settings import Settings

CACHE_DIR = ".fastlint_cache"
_MARKER = "# Created by fastlint."  # the first line of the cache directory's .gitignore
_FORMAT = 11  # 11: FL108 metadata calls apart from FL103; 10: once-only paths, keyed caches; 9: findings carry their root; 8: derived instances; 7: definitions inside module-level if/try; 6: type aliases; 5: identity-free digests; 4: schema classes; 3: findings apart
# The settings that change what a summary says; every other setting only changes findings.
_SUMMARY_SETTINGS = ("extend_blocking_calls", "allow_blocking_calls", "extend_offload_wrappers")

# path -> (digest of the file's bytes, module name)
Fingerprints = Mapping[str, tuple[str, str]]


def summary_digest(summary: ModuleSummary) -> str:
    return value_digest(summary)


@dataclass
class CachedSummary:
    content: str  # digest of the file's bytes
    module: str
    summary: ModuleSummary
    digest: str


@dataclass
class CachedFindings:
    content: str
    module: str
    consulted: dict[str, str | None]  # module -> summary digest (None: looked for, absent)
    findings: list[Finding]


@dataclass
class _FindingsStore:
    findings_key: str = ""
    findings: dict[str, CachedFindings] = field(default_factory=dict)
    # The project when these findings were last written: fingerprints of all its files,
    # and the summary digests they gave.
    project: dict[str, tuple[str, str]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


class Cache:
    def __init__(self, directory: Path, settings: Settings, codes: frozenset[str]) -> None:
        self.directory = directory
        stem = f"v{_FORMAT}-{_summary_key(settings)}"
        self.summaries_path = directory / f"{stem}.summaries.pickle"
        self.findings_path = directory / f"{stem}.findings.pickle"
        self.findings_key = _findings_key(settings, codes)
        self.warnings: list[str] = []
        store = self._load(self.findings_path, _FindingsStore)
        self._findings = store if store is not None and store.findings_key == self.findings_key else _FindingsStore(self.findings_key)
        self._summaries: dict[str, CachedSummary] | None = None  # loaded on first use
        self._seen: set[str] = set()
        self._summaries_dirty = False
        self._findings_dirty = False

    @classmethod
    def for_settings(cls, settings: Settings, codes: frozenset[str]) -> Cache | None:
        if not settings.cache:
            return None
        return cls(settings.cache_dir or settings.project_root / CACHE_DIR, settings, codes)

    def _load(self, path: Path, kind: type[Any]) -> Any:
        try:
            with path.open("rb") as handle:
                store = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as error:  # noqa: BLE001 - whatever a damaged pickle raises, it is not trusted
            self.warnings.append(f"discarded the unreadable cache {path} ({type(error).__name__})")
            return None
        if not isinstance(store, kind):
            self.warnings.append(f"discarded the unreadable cache {path} (unexpected content)")
            return None
        return store

    # -- the warm path -----------------------------------------------------------------

    def unchanged_run(self, project: Fingerprints, paths: Sequence[str]) -> list[list[Finding]] | None:
        """The findings of ``paths`` when the project is file for file as the last check
        saw it and every one of them is cached; otherwise None (build the index)."""
        if project != self._findings.project or not all(path in project for path in paths):
            return None
        found: list[list[Finding]] = []
        for path in paths:
            findings = self.findings(path, *project[path], self._findings.digests)
            if findings is None:
                return None
            found.append(findings)
        return found

    # -- summaries ---------------------------------------------------------------------

    def _summary_entries(self) -> dict[str, CachedSummary]:
        if self._summaries is None:
            loaded = self._load(self.summaries_path, dict)
            self._summaries = loaded if loaded is not None else {}
        return self._summaries

    def summary(self, path: str, content: str, module: str) -> CachedSummary | None:
        self._seen.add(path)
        entry = self._summary_entries().get(path)
        return entry if entry is not None and entry.content == content and entry.module == module else None

    def put_summary(self, path: str, entry: CachedSummary) -> None:
        self._seen.add(path)
        self._summary_entries()[path] = entry
        self._summaries_dirty = True

    # -- findings ----------------------------------------------------------------------

    def findings(self, path: str, content: str, module: str, digests: Mapping[str, str]) -> list[Finding] | None:
        entry = self._findings.findings.get(path)
        if entry is None or entry.content != content or entry.module != module:
            return None
        if any(digests.get(name) != expected for name, expected in entry.consulted.items()):
            return None
        return entry.findings

    def put_findings(self, path: str, entry: CachedFindings) -> None:
        self._findings.findings[path] = entry
        self._findings_dirty = True

    def record_project(self, project: Fingerprints, digests: Mapping[str, str]) -> None:
        """The project this check ran against; see ``unchanged_run``."""
        if project != self._findings.project or digests != self._findings.digests:
            self._findings.project = dict(project)
            self._findings.digests = dict(digests)
            self._findings_dirty = True

    # -- writing -----------------------------------------------------------------------

    def save(self) -> None:
        """Write what changed atomically, keeping only the files this run saw; a run that
        changed nothing writes nothing (the warm path)."""
        if self._summaries is not None:
            stale = not self._seen.issuperset(self._summaries)
            if self._summaries_dirty or stale or not self.summaries_path.exists():
                self._write(self.summaries_path, {path: entry for path, entry in self._summaries.items() if path in self._seen})
        if self._seen and not self._seen.issuperset(self._findings.findings):
            self._findings.findings = {path: entry for path, entry in self._findings.findings.items() if path in self._seen}
            self._findings_dirty = True
        if self._findings_dirty:
            self._write(self.findings_path, self._findings)

    def _write(self, path: Path, store: object) -> None:
        """Write atomically. Files of other fastlint versions are left alone: two versions
        used side by side (pre-commit's and the editor's) would otherwise delete each
        other's cache on every run. ``fastlint clean`` removes them."""
        import tempfile

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text(f"{_MARKER}\n*\n", encoding="utf-8")
            handle = tempfile.NamedTemporaryFile(dir=self.directory, prefix=".tmp-", delete=False)
            try:
                with handle:
                    pickle.dump(store, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(handle.name, path)
            except BaseException:
                os.unlink(handle.name)
                raise

        except OSError as error:
            self.warnings.append(f"could not write the cache {path}: {error.strerror or error}")


def _summary_key(settings: Settings) -> str:
    relevant = [repr(getattr(settings, name)) for name in _SUMMARY_SETTINGS]
    return digest(repr((__version__, sys.version_info[:2], relevant)).encode())[:16]


def _findings_key(settings: Settings, codes: frozenset[str]) -> str:
    neutral = replace(settings, cache=True, cache_dir=None)
    values = [repr(getattr(neutral, item.name)) for item in fields(neutral)]
    return digest(repr((__version__, sys.version_info[:2], values, sorted(codes))).encode())


def clear(settings: Settings) -> Path | None:
    """Delete the cache directory of ``settings``; return it, or None if there was none.

    Only a directory fastlint created (it holds fastlint's ``.gitignore``) is deleted, so a
    mistyped ``cache-dir`` never takes a user's folder with it.
    """
    import shutil

    directory = settings.cache_dir or settings.project_root / CACHE_DIR
    marker = directory / ".gitignore"
    if not directory.is_dir():
        return None
    if not (marker.is_file() and marker.read_text(encoding="utf-8", errors="replace").startswith(_MARKER)):
        raise OSError(f"{directory} was not created by fastlint; delete it by hand")
    shutil.rmtree(directory)
    return directory
