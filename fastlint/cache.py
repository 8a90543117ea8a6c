"""The content-hash cache in ``.fastlint_cache/``: module summaries and findings.

One pickle per fastlint version, Python version and knowledge configuration holds:
- summaries, keyed by path and valid while the file's bytes and module name are the same;
- findings, valid while the file is the same, the run's settings and codes are the same,
  and every summary the check consulted (looked up, or looked for and missing) has the
  same digest. A finding that rests on another file is therefore never reused stale.
Writes go to a temporary file replaced atomically; a cache that cannot be read is
discarded with a warning, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from fastlint import __version__
from fastlint.finding import Finding
from fastlint.settings import Settings
from fastlint.summary import ModuleSummary

CACHE_DIR = ".fastlint_cache"
_FORMAT = 2  # 2: summaries carry ORM models and the roles a module registers
# The settings that change what a summary says; every other setting only changes findings.
_SUMMARY_SETTINGS = ("extend_blocking_calls", "allow_blocking_calls", "extend_offload_wrappers")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def summary_digest(summary: ModuleSummary) -> str:
    return digest(pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL))


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
class _Store:
    findings_key: str = ""
    summaries: dict[str, CachedSummary] = field(default_factory=dict)
    findings: dict[str, CachedFindings] = field(default_factory=dict)


class Cache:
    def __init__(self, directory: Path, settings: Settings, codes: frozenset[str]) -> None:
        self.directory = directory
        self.path = directory / f"v{_FORMAT}-{_summary_key(settings)}.pickle"
        self.findings_key = _findings_key(settings, codes)
        self.warnings: list[str] = []
        self._store = self._load()
        if self._store.findings_key != self.findings_key:
            self._store = _Store(self.findings_key, self._store.summaries)
        self._seen: set[str] = set()
        self._dirty = False

    @classmethod
    def for_settings(cls, settings: Settings, codes: frozenset[str]) -> Cache | None:
        if not settings.cache:
            return None
        return cls(settings.cache_dir or settings.project_root / CACHE_DIR, settings, codes)

    def _load(self) -> _Store:
        try:
            with self.path.open("rb") as handle:
                store = pickle.load(handle)
        except FileNotFoundError:
            return _Store()
        except Exception as error:  # noqa: BLE001 - whatever a damaged pickle raises, it is not trusted
            self.warnings.append(f"discarded the unreadable cache {self.path} ({type(error).__name__})")
            return _Store()
        if not isinstance(store, _Store):
            self.warnings.append(f"discarded the unreadable cache {self.path} (unexpected content)")
            return _Store()
        return store

    # -- summaries ---------------------------------------------------------------------

    def summary(self, path: str, content: str, module: str) -> CachedSummary | None:
        self._seen.add(path)
        entry = self._store.summaries.get(path)
        return entry if entry is not None and entry.content == content and entry.module == module else None

    def put_summary(self, path: str, entry: CachedSummary) -> None:
        self._seen.add(path)
        self._store.summaries[path] = entry
        self._dirty = True

    # -- findings ----------------------------------------------------------------------

    def findings(self, path: str, content: str, module: str, digests: Mapping[str, str]) -> list[Finding] | None:
        entry = self._store.findings.get(path)
        if entry is None or entry.content != content or entry.module != module:
            return None
        if any(digests.get(name) != expected for name, expected in entry.consulted.items()):
            return None
        return entry.findings

    def put_findings(self, path: str, entry: CachedFindings) -> None:
        self._store.findings[path] = entry
        self._dirty = True

    # -- writing -----------------------------------------------------------------------

    def save(self) -> None:
        """Write atomically, keeping only the files this run saw; a run that changed
        nothing writes nothing (the warm path)."""
        stale = any(path not in self._seen for path in (*self._store.summaries, *self._store.findings))
        if not (self._dirty or stale) and self.path.exists():
            return
        store = _Store(
            self.findings_key,
            {path: entry for path, entry in self._store.summaries.items() if path in self._seen},
            {path: entry for path, entry in self._store.findings.items() if path in self._seen},
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by fastlint.\n*\n", encoding="utf-8")
            handle = tempfile.NamedTemporaryFile(dir=self.directory, prefix=".tmp-", delete=False)
            try:
                with handle:
                    pickle.dump(store, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(handle.name, self.path)
            except BaseException:
                os.unlink(handle.name)
                raise
        except OSError as error:
            self.warnings.append(f"could not write the cache {self.path}: {error.strerror or error}")


def _summary_key(settings: Settings) -> str:
    relevant = [repr(getattr(settings, name)) for name in _SUMMARY_SETTINGS]
    return digest(repr((__version__, sys.version_info[:2], relevant)).encode())[:16]


def _findings_key(settings: Settings, codes: frozenset[str]) -> str:
    neutral = replace(settings, cache=True, cache_dir=None)
    values = [repr(getattr(neutral, item.name)) for item in fields(neutral)]
    return digest(repr((__version__, sys.version_info[:2], values, sorted(codes))).encode())
