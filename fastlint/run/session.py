"""The run object: what every front end (``check``, ``review``, the language server) needs
before it looks at a file, built once: the settings, the rules selected, the fix policy.

A front end loads a ``Session`` and asks it to discover files, check them, or build the
checker for one document; nothing else resolves the selection or the fix policy again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastlint.run.progress import ProgressCallback, no_progress
from fastlint.settings import Settings

if TYPE_CHECKING:
    from fastlint.analysis.project_index import ProjectIndex
    from fastlint.fixing.policy import FixPolicy
    from fastlint.rule_meta import RuleMeta
    from fastlint.run.discovery import Discovery
    from fastlint.run.engine import Checker, CheckPlan, RunResult


@dataclass(frozen=True)
class Session:
    settings: Settings
    plan: CheckPlan
    fix_policy: FixPolicy
    # What resolving the selection had to say (a preview rule selected by prefix...).
    warnings: tuple[str, ...] = field(default=())
    # Discovery's answers, by the absolute paths asked: one command walks the tree once
    # (the files to check, the project for the index and the route map are often the same).
    _discovered: dict[tuple[str, ...], Discovery] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(
        cls,
        paths: Sequence[Path],
        config_path: Path | None = None,
        overrides: Mapping[str, object] | None = None,
        *,
        unsafe_fixes: bool = False,
    ) -> Session:
        """Settings from the configuration of ``paths`` (or ``config_path``) and the
        command line's ``overrides`` (None values are left out). Raises ConfigError."""
        from fastlint.run.config import load_settings, validate_codes
        from fastlint.run.registry import known_codes

        given = {key: value for key, value in (overrides or {}).items() if value is not None}
        for key in ("select", "extend_select", "ignore"):
            value = given.get(key)
            if isinstance(value, (tuple, list)):  # blamed on the command line, not the configuration
                validate_codes([str(item) for item in value], known_codes(), key=f"--{key.replace('_', '-')}", source="command line")
        return cls.from_settings(load_settings(list(paths), config_path, given), unsafe_fixes=unsafe_fixes)

    @classmethod
    def from_settings(cls, settings: Settings, *, unsafe_fixes: bool = False) -> Session:
        from fastlint.fixing.policy import FixPolicy, fixable_codes, safety_overrides
        from fastlint.run.config import resolve_selection
        from fastlint.run.engine import CheckPlan
        from fastlint.run.registry import known_codes

        known = known_codes()
        codes, warnings = resolve_selection(settings, known)
        plan = CheckPlan(settings, codes, configured=codes)
        promoted, demoted = safety_overrides(settings, known)
        policy = FixPolicy(fixable_codes(settings, known), unsafe_fixes, promoted, demoted)
        return cls(settings, plan, policy, tuple(warnings))

    @property
    def rules(self) -> Mapping[str, RuleMeta]:
        """Every rule's metadata, linking to the documentation under ``docs-base-url``."""
        from fastlint.run.registry import metadata

        return metadata(self.settings.docs_base_url)

    @property
    def codes(self) -> frozenset[str]:
        return self.plan.codes

    def discover(self, paths: Sequence[Path]) -> Discovery:
        """The files to check under ``paths``, walked once per session (a front end that
        lives longer than one command, the language server, walks with ``fresh_discovery``)."""
        key = tuple(os.path.abspath(path) for path in paths)
        if key not in self._discovered:
            self._discovered[key] = self._replay_or_walk(paths, key)
        return self._discovered[key]

    def _replay_or_walk(self, paths: Sequence[Path], roots: tuple[str, ...]) -> Discovery:
        """The last walk's files when nothing it looked at changed, else a walk (recorded
        in the cache for the next command)."""
        from fastlint.run.cache import record_walk, recorded_walk
        from fastlint.run.discovery import discover, replay

        recorded = recorded_walk(self.settings, roots)
        replayed = replay(*recorded) if recorded is not None else None
        if replayed is not None:
            return replayed
        found = discover(paths, self.settings)
        if found.looked is not None:
            record_walk(self.settings, roots, [str(path) for path in found.files], found.looked, found.present)
        return found

    def discoveries(self) -> list[Discovery]:
        """Every walk (or replayed walk) this session made."""
        return list(self._discovered.values())

    def fresh_discovery(self, paths: Sequence[Path]) -> Discovery:
        from fastlint.run.discovery import discover

        return discover(paths, self.settings)

    def check(
        self, files: Sequence[Path], progress: ProgressCallback = no_progress, *, named: Sequence[Path] = (), fix_edits: bool = True
    ) -> RunResult:
        """Pass 1 over the project, pass 2 over ``files``, with the cache. When ``named``
        (the paths a user gave) are all files and the cache holds no summary of the project,
        only their import closure is indexed: see ``RunResult.partial_index``. ``fix_edits``
        False: the report only counts fixes, whose edits are not built (``Fix.built``)."""
        from dataclasses import replace

        from fastlint.run.engine import check_files

        project = self.discover([self.settings.project_root]).files
        closure = bool(named) and all(os.path.isfile(path) for path in named)
        plan = self.plan if fix_edits else replace(self.plan, fix_edits=False)
        return check_files(files, plan, progress=progress, project_files=project, closure=closure)

    def checker(self, index: ProjectIndex | None = None) -> Checker:
        """A checker for single documents (a re-check after a fix, an editor's buffer)."""
        from fastlint.run.engine import Checker

        return Checker(self.plan, index)

    def index_project(self, progress: ProgressCallback = no_progress) -> ProjectIndex:
        """Pass 1 over every file of the project, through the cache (the language server,
        ``check --stdin-filename``)."""
        from fastlint.run.cache import Cache
        from fastlint.run.engine import index_project

        cache = Cache.for_settings(self.settings, self.codes)
        index, _ = index_project(self.fresh_discovery([self.settings.project_root]).files, self.settings, cache, progress)
        if cache is not None:
            cache.save()
        return index

    def lazy_index(self) -> ProjectIndex:
        """An index of the project that reads nothing until a question names a module, then
        summarises it: what one file's findings rest on, answered before the project is
        indexed (the language server's first answer)."""
        from fastlint.run.engine import lazy_index

        return lazy_index(self.fresh_discovery([self.settings.project_root]).files, self.settings)
