"""Which fastlint computed a cached answer: a digest of the installed code's files.

Apart from ``cache.py``: the replay of a whole answer (``answer.py``) keys on it too, and
must not import what the cache imports.
"""

from __future__ import annotations

import os

from fastlint.digests import digest

# Not typing.TYPE_CHECKING: importing typing costs every run, the replayed answer's too (type checkers know this name).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from pathlib import Path

_code_digest: str | None = None

# Python sources, and the extension modules of a compiled build (setup.py), which
# Python imports in place of the source beside them.
_CODE_SUFFIXES = (".py", ".so", ".pyd")


def code_files() -> list[tuple[Path, Path]]:
    """(root, file) for every source file of the installed fastlint package, and every
    compiled module: ``fastlint/`` and ``fastlint.rules`` (installed from ``rules/``)."""
    from pathlib import Path

    return [(Path(root), Path(path)) for root, path in _code_files()]


def _code_files() -> list[tuple[str, str]]:
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # fastlint/
    roots = {package}
    # A wheel installs the rules in fastlint/rules/; an editable install maps ``fastlint.rules``
    # to the checkout's rules/ through an import hook, which only importlib.util asks (its
    # import costs a run the cache answers more than the rest of this digest).
    if not os.path.isfile(os.path.join(package, "rules", "__init__.py")):
        import importlib.util

        rules = importlib.util.find_spec("fastlint.rules")  # finds it without running it
        if rules is not None and rules.submodule_search_locations:
            roots.update(os.path.realpath(location) for location in rules.submodule_search_locations)
    found: list[tuple[str, str]] = []
    for root in sorted(roots):
        for directory, folders, names in os.walk(root):
            folders.sort()
            found.extend((root, os.path.join(directory, name)) for name in sorted(names) if name.endswith(_CODE_SUFFIXES))
    return sorted(found)


def code_digest() -> str:
    """A digest of the code that computes summaries and findings: every source file of the
    installed fastlint package (analysis, rules, knowledge...) and the libcst version, so a
    changed checkout never serves what older code computed. Imports none of the files and
    reads none: their names and stats (size, modification and change times, inode) stand
    for their content, as a project file's do. Any write or reinstall changes a file's
    change time, which no tool can set back; hashing the ~150 files cost a warm run 6 ms."""
    global _code_digest
    if _code_digest is None:
        parts = []
        for root, path in _code_files():
            info = os.stat(path)
            parts.append(f"{path[len(root) + 1:]}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}")
        parts.append(f"libcst {libcst_version()}")
        _code_digest = digest("\0\0".join(parts).encode("utf-8", "surrogateescape"))
    return _code_digest


def libcst_version() -> str:
    """The installed libcst's version, read from its ``_version.py`` (importing
    ``importlib.metadata`` costs a warm run 10 ms); the metadata when that file is missing."""
    import re
    from importlib.machinery import PathFinder  # what importlib.util.find_spec asks for a top-level package, lighter to import

    spec = PathFinder.find_spec("libcst")
    if spec is None or spec.origin is None:
        return "none"
    try:
        with open(os.path.join(os.path.dirname(spec.origin), "_version.py"), encoding="utf-8") as handle:
            text = handle.read()
        found = re.search(r"^__version__\s*=\s*(?:version\s*=\s*)?['\"]([^'\"]+)['\"]", text, re.MULTILINE)
    except OSError:
        found = None
    if found is not None:
        return found.group(1)
    from importlib import metadata

    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "none"
