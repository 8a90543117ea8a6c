"""Which files a run checks: the paths given, walked, minus excludes and what git ignores.

Built for trees of tens of thousands of files: one ``os.scandir`` per directory (its
``d_type`` answers is-dir without a ``stat`` except for symlinks), patterns compiled once,
excluded directories pruned before they are read, and paths kept as strings until the end.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastlint.settings import Settings

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = ["DEFAULT_EXCLUDE", "PYTHON_SUFFIXES", "Discovery", "discover", "replay"]

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "dist", "__pycache__",
    ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".fastlint_cache",
    "site-packages", "*.egg-info",
)
PYTHON_SUFFIXES = (".py", ".pyi")
# Part of the default exclusion: a virtualenv under any name is recognised by this file.
VENV_MARKER = "pyvenv.cfg"
# Also part of it, unlike ruff: a directory of this name is build output (setuptools'
# ``build/lib``, ``build/bdist.*``) unless it is a package (holds an ``__init__.py``):
# real services name source packages ``build`` too. One listed in .gitignore is skipped
# as any ignored directory.
BUILD_OUTPUT = "build"


# A path's stat as the walk saw it (size, modification and change times, inode); None: absent.
Stat = tuple[int, int, int, int]
# A directory changed this recently may change again within the file system's timestamp
# granularity without its stat changing: such a walk is not recorded for replay.
_RACY_NS = 2_000_000_000


@dataclass(eq=False, repr=False)
class Discovery:
    """The files to check (absolute, sorted, unique) and what could not be looked at."""

    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Every path the walk's answer rests on, with its stat: the directories it listed, the
    # .gitignore files it read (or looked for), the files that are symbolic links; and the
    # ``.git`` entries whose presence it asked about. The same stats give the same files
    # (``replay``). None when the walk warned, or saw a change in the last 2 seconds.
    looked: dict[str, Stat | None] | None = field(default=None)
    present: dict[str, bool] = field(default_factory=dict)


def discover(paths: Sequence[Path], settings: Settings) -> Discovery:
    """Expand the command-line paths into the files to check."""
    walker = _Walker(settings)
    for path in paths:
        walker.add(Path(path))
    # Sorting strings by their parts gives Path order without building Paths to compare.
    keys = sorted(walker.files, key=lambda key: key.split("/"))
    return Discovery([Path(key) for key in keys], walker.warnings, walker.replayable(), walker.present)


def replay(files: Sequence[str], looked: Mapping[str, Stat | None], present: Mapping[str, bool]) -> Discovery | None:
    """The files an earlier walk found, when every path it looked at has the same stat
    (a directory's listing changes its modification time, as git's untracked cache relies
    on); None when one differs. An unchanged tree is stat'ed, not walked, and no pattern
    is compiled."""
    if not looked or any(_stat(path) != seen for path, seen in looked.items()):
        return None
    if any(os.path.lexists(path) != seen for path, seen in present.items()):
        return None
    return Discovery([Path(key) for key in files], [], dict(looked), dict(present))


def _stat(path: str) -> Stat | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def _posix(path: str) -> str:
    return path if os.sep == "/" else path.replace(os.sep, "/")


def _child(directory: str, name: str) -> str:
    return directory + name if directory.endswith("/") else f"{directory}/{name}"


def _folders(key: str, root: str) -> list[str]:
    """``key`` and its ancestors below ``root`` (all of them outside it)."""
    found = []
    while key and key != root and key != _parent(key):
        found.append(key)
        key = _parent(key)
    return found


def _parent(key: str) -> str:
    return _posix(os.path.dirname(key)) or key


class _Matcher:
    """A gitignore-style spec anchored at a directory (``base``, a posix absolute path).

    Patterns see the path relative to ``base``; a path outside it is seen whole, so
    unanchored patterns (``build``, ``*.egg-info``) still apply there.
    """

    __slots__ = ("base", "spec", "_prefix", "_any")

    def __init__(self, base: str, spec: GitIgnoreSpec) -> None:
        self.base = base
        self.spec = spec
        self._prefix = base if base.endswith("/") else base + "/"
        self._any = any_pattern(spec)

    def relative(self, key: str, is_dir: bool) -> str:
        rel = key[len(self._prefix):] if key.startswith(self._prefix) else key.lstrip("/")
        return rel + "/" if is_dir else rel

    def check(self, key: str, is_dir: bool) -> bool | None:
        """True: matched (excluded); False: re-included by ``!``; None: no pattern matched."""
        rel = self.relative(key, is_dir)
        if self._any is not None and not self._any.match(rel):
            return None
        return self.spec.check_file(rel).include

    def rebased(self, base: str) -> _Matcher:
        return _Matcher(base, self.spec)

    def without_matches_for(self, key: str) -> _Matcher:
        """Drop the patterns that exclude ``key`` itself.

        Gitignore patterns match everything below a matching directory, so for a directory
        named on the command line despite matching (``fastlint build/``) the patterns that
        match it would otherwise exclude its whole content.
        """
        from pathspec import GitIgnoreSpec

        rel = self.relative(key, is_dir=True)
        kept = [p for p in self.spec.patterns if not (p.include and p.match_file(rel))]
        return _Matcher(self.base, GitIgnoreSpec(kept))


def any_pattern(spec: GitIgnoreSpec) -> re.Pattern[str] | None:
    """All patterns as one regex: most paths match none, and pathspec tries them one by one.

    Only a hit goes on to pathspec, which knows the precedence rules. The "at any depth"
    prefix that unanchored patterns share is factored out (5x faster on deep paths).
    ``None`` (always ask pathspec) if a future pathspec's regexes cannot be combined.
    """
    sources = []
    for pattern in spec.patterns:
        regex = getattr(pattern, "regex", None)
        if pattern.include is None:
            continue
        if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str):
            return None
        sources.append(_NAMED_GROUP.sub("(?:", regex.pattern))
    anywhere = [s[len(_ANY_DEPTH):] for s in sources if s.startswith(_ANY_DEPTH)]
    anchored = [f"(?:{s})" for s in sources if not s.startswith(_ANY_DEPTH)]
    if anywhere:
        anchored.append(_ANY_DEPTH + "(?:" + "|".join(anywhere) + ")")
    try:
        return re.compile("|".join(anchored) or r"(?!)")
    except re.error:
        return None


def _compile_gitignore(lines: list[str]) -> GitIgnoreSpec:
    """Compile a .gitignore; like git, skip the lines that are not valid patterns."""
    from pathspec import GitIgnoreSpec

    try:
        return GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        return GitIgnoreSpec.from_lines([line for line in lines if _valid_pattern(line)])


def _valid_pattern(line: str) -> bool:
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_ANY_DEPTH = "^(?:.+/)?"


class _Walker:
    """State shared by all the roots of one run: caches, visited directories, results."""

    def __init__(self, settings: Settings) -> None:
        from pathspec import GitIgnoreSpec  # imported by walks only: a replayed one compiles nothing

        self.root = _posix(os.path.realpath(settings.project_root))
        self._root_prefix = self.root.rstrip("/") + "/"
        patterns = DEFAULT_EXCLUDE if settings.exclude is None else settings.exclude
        self.exclude = _Matcher(
            self.root, GitIgnoreSpec.from_lines([*patterns, *settings.extend_exclude])
        )
        self.detect_venvs = settings.exclude is None
        self.respect_gitignore = settings.respect_gitignore
        self.force_exclude = settings.force_exclude
        self.files: set[str] = set()
        self.warnings: list[str] = []
        self._visited: set[str] = set()
        self._gitignores: dict[str, _Matcher | None] = {}
        self._venvs: dict[str, bool] = {}
        self._looked: dict[str, Stat | None] = {}
        self.present: dict[str, bool] = {}
        self._trusted_before = time.time_ns() - _RACY_NS
        self._racy = False

    def _look(self, path: str) -> None:
        """Record the stat of a path the answer rests on (before looking at it)."""
        if path not in self._looked:
            seen = self._looked[path] = _stat(path)
            if seen is not None and max(seen[1], seen[2]) >= self._trusted_before:
                self._racy = True

    def replayable(self) -> dict[str, Stat | None] | None:
        return None if self.warnings or self._racy else self._looked

    # ----------------------------------------------------------------- command-line paths

    def add(self, path: Path) -> None:
        """A path from the command line: a directory is walked, a file is always checked."""
        self._look(os.path.abspath(path))
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            self.warnings.append(f"{path}: path does not exist")
            return
        except OSError as exc:
            self.warnings.append(f"{path}: cannot access: {exc.strerror}")
            return
        absolute = os.path.abspath(path)
        if stat.S_ISDIR(mode):
            self._add_dir(_posix(os.path.realpath(absolute)))
        else:
            # Keep the name as given: a symlinked file is reported under its own name.
            key = _child(_posix(os.path.realpath(os.path.dirname(absolute))),
                         os.path.basename(absolute))
            if not (self.force_exclude and self._explicitly_excluded(
                key, False, self._gitignore_chain(_parent(key), inclusive=True)
            )):
                self.files.add(key)

    def _add_dir(self, key: str) -> None:
        exclude = self._exclude_for(key)
        chain = self._gitignore_chain(key, inclusive=False)
        if self.force_exclude and self._explicitly_excluded(key, True, chain):
            return
        # Named explicitly: walk it even if it matches, but keep filtering its content.
        if exclude.check(key, True):
            exclude = exclude.without_matches_for(key)
        chain = tuple(m.without_matches_for(key) if m.check(key, True) else m for m in chain)
        self._walk(key, chain, exclude)

    def _explicitly_excluded(self, key: str, is_dir: bool, chain: tuple[_Matcher, ...]) -> bool:
        """For ``force-exclude``: does an exclude, a virtualenv or a .gitignore cover it?"""
        if self._exclude_for(key).check(key, is_dir):
            return True
        if any(self._is_build_output(folder) for folder in _folders(key if is_dir else _parent(key), self.root)):
            return True
        if self.detect_venvs and self._inside_venv(key if is_dir else _parent(key)):
            return True
        return self._ignored(key, is_dir, chain)

    def _exclude_for(self, key: str) -> _Matcher:
        """Excludes are relative to the project root; outside it, to the path's parent."""
        return self.exclude if self._under_root(key) else self.exclude.rebased(_parent(key))

    def _under_root(self, key: str) -> bool:
        return key == self.root or key.startswith(self._root_prefix)

    # ----------------------------------------------------------------- walking

    def _walk(self, top: str, chain: tuple[_Matcher, ...], exclude: _Matcher) -> None:
        """Depth-first over real directories first, then symlinked ones (sorted).

        ``_visited`` holds real paths, built by string concatenation for ordinary
        directories and resolved only for symlinks, so a loop or a second route to a
        directory already seen is cut without a ``stat`` per directory. ``chain`` holds
        the .gitignore files of a directory's ancestors.
        """
        if top in self._visited:
            return
        self._visited.add(top)
        stack = [(top, top, chain)]
        links: list[tuple[str, tuple[_Matcher, ...]]] = []
        while stack or links:
            if not stack:
                stack = self._follow(links)
                links = []
                continue
            directory, real, chain = stack.pop()
            entries = self._entries(directory, is_top=directory == top)
            chain = self._chain_for(directory, chain)
            for name, is_dir, is_link in entries:
                key = _child(directory, name)
                if self._excluded(key, is_dir, chain, exclude):
                    continue
                if not is_dir:
                    self.files.add(key)
                elif is_link:
                    links.append((key, chain))
                elif _child(real, name) not in self._visited:
                    self._visited.add(_child(real, name))
                    stack.append((key, _child(real, name), chain))

    def _follow(
        self, links: list[tuple[str, tuple[_Matcher, ...]]]
    ) -> list[tuple[str, str, tuple[_Matcher, ...]]]:
        """Symlinked directories not seen yet, in a stable order; loops end here."""
        todo = []
        for link, chain in sorted(links, key=lambda pair: pair[0]):
            real = _posix(os.path.realpath(link))
            if real not in self._visited:
                self._visited.add(real)
                todo.append((link, real, chain))
        return todo[::-1]

    def _entries(self, directory: str, *, is_top: bool) -> list[tuple[str, bool, bool]]:
        """``(name, is_dir, is_symlink)`` of the subdirectories and Python files.

        Also loads the directory's ``.gitignore`` and drops a virtualenv's content (its
        ``pyvenv.cfg`` shows in the listing we already have, so detection is free).
        """
        self._look(directory)
        try:
            with os.scandir(directory) as iterator:
                entries = list(iterator)
        except OSError as exc:
            self.warnings.append(f"{directory}: cannot read directory: {exc.strerror or exc}")
            return []
        names = {entry.name for entry in entries}
        if self.detect_venvs and VENV_MARKER in names and not is_top:
            return []
        if self.respect_gitignore and ".gitignore" in names:
            self._load_gitignore(directory)
        found = []
        for entry in entries:
            try:
                if entry.is_dir():
                    found.append((entry.name, True, entry.is_symlink()))
                elif entry.name.endswith(PYTHON_SUFFIXES) and entry.is_file():
                    found.append((entry.name, False, False))
                    if entry.is_symlink():  # its target may go without this directory changing
                        self._look(_child(directory, entry.name))
            except OSError:
                continue
        return found

    def _excluded(
        self, key: str, is_dir: bool, chain: tuple[_Matcher, ...], exclude: _Matcher
    ) -> bool:
        return (
            bool(exclude.check(key, is_dir))
            or (is_dir and self._is_build_output(key))
            or self._ignored(key, is_dir, chain)
        )

    def _is_build_output(self, key: str) -> bool:
        """A ``build`` directory that is no package, with the default excludes only."""
        if not (self.detect_venvs and key.rpartition("/")[2] == BUILD_OUTPUT):
            return False
        self._look(_child(key, "__init__.py"))
        return not os.path.exists(_child(key, "__init__.py"))

    def _ignored(self, key: str, is_dir: bool, chain: tuple[_Matcher, ...]) -> bool:
        """The deepest .gitignore with a matching pattern decides, as in git."""
        if not self.respect_gitignore:
            return False
        for matcher in reversed(chain):
            verdict = matcher.check(key, is_dir)
            if verdict is not None:
                return verdict
        return False

    # ----------------------------------------------------------------- .gitignore files

    def _chain_for(self, directory: str, chain: tuple[_Matcher, ...]) -> tuple[_Matcher, ...]:
        """The chain for entries of ``directory``: its parents' plus its own .gitignore."""
        own = self._gitignores.get(directory)
        return (*chain, own) if own is not None else chain

    def _load_gitignore(self, directory: str) -> _Matcher | None:
        if directory in self._gitignores:
            return self._gitignores[directory]
        self._look(_child(directory, ".gitignore"))
        matcher = None
        try:
            with open(_child(directory, ".gitignore"), encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
            matcher = _Matcher(directory, _compile_gitignore(lines))
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.warnings.append(f"{directory}/.gitignore: cannot read: {exc.strerror or exc}")
        self._gitignores[directory] = matcher
        return matcher

    def _gitignore_chain(self, directory: str, *, inclusive: bool) -> tuple[_Matcher, ...]:
        """The .gitignore files of ``directory`` (if ``inclusive``) and its ancestors.

        Outermost first, starting at the repository's top (the nearest ancestor holding
        ``.git``); outside a repository, at the project root; outside both, nowhere above.
        """
        if not self.respect_gitignore:
            return ()
        ancestors = [directory]
        while not self._is_git_top(ancestors[-1]) and _parent(ancestors[-1]) != ancestors[-1]:
            ancestors.append(_parent(ancestors[-1]))
        if not self._is_git_top(ancestors[-1]):
            ancestors = [d for d in ancestors if self._under_root(d)] or [directory]
        if not inclusive:
            ancestors = ancestors[1:]
        matchers = (self._load_gitignore(d) for d in reversed(ancestors))
        return tuple(m for m in matchers if m is not None)

    def _is_git_top(self, directory: str) -> bool:
        # ``present`` answers it again, and records the answer for the walk's replay.
        marker = _child(directory, ".git")
        if marker not in self.present:
            self.present[marker] = os.path.lexists(marker)
        return self.present[marker]

    def _inside_venv(self, directory: str) -> bool:
        """Whether ``directory`` or an ancestor up to the project root is a virtualenv."""
        while True:
            if directory not in self._venvs:
                self._look(_child(directory, VENV_MARKER))
                self._venvs[directory] = os.path.exists(_child(directory, VENV_MARKER))
            if self._venvs[directory]:
                return True
            parent = _parent(directory)
            if parent == directory or directory == self.root:
                return False
            directory = parent
