"""A module's dotted name from its path and the ``__init__.py`` files above it, and the
other names Python imports it by.

Apart from ``names.py``: a run answered from the cache names every file of the project
and imports nothing else of the analysis.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path


def module_name_for(path: Path | str, root: Path) -> tuple[str, bool]:
    """The dotted module name of ``path`` and whether it is a package ``__init__``.

    Packages are found by walking up through ``__init__.py`` files, so a ``src/``
    layout gets the name its package is imported by. A file in no package is named from
    the project root (``app/routers/users.py`` is ``app.routers.users`` when no folder has
    an ``__init__.py``): its stem alone would name ``app/models/users.py`` the same.
    """
    # String operations: a warm run names every file of the project, and Paths cost 3x.
    directory, filename = os.path.split(absolute(path))
    stem = os.path.splitext(filename)[0]
    is_package = stem == "__init__"
    root_text = str(root)
    parts = [*(_package_parts(directory, root_text) or _folder_parts(directory, root_text)), *([] if is_package else [stem])]
    if not parts:
        parts.append(os.path.basename(directory) or "__main__")
    return ".".join(parts), is_package


def dotted_prefixes(name: str) -> list[str]:
    """``a.b.c``, ``a.b``, ``a``: the prefixes of a dotted name, longest first (a name lies
    in the module its longest prefix names)."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]


def dotted_rest(name: str, prefix: str) -> list[str]:
    """The parts of ``name`` after ``prefix``, one of its ``dotted_prefixes``: ``["C", "m"]``
    for ``a.b.C.m`` after ``a.b``, ``[]`` after ``name`` itself."""
    return name[len(prefix) + 1 :].split(".") if len(prefix) < len(name) else []


def absolute(path: Path | str) -> str:
    """``path`` absolute and normalised; a string that is plainly so already (discovery yields
    such paths) is returned as it is. Substring tests cost less than a regular expression and
    than ``os.path.abspath``, which only a ``.`` or ``..`` segment needs: a dot-folder
    (``~/.cache``, a project under ``.worktrees/``) is normalised already."""
    text = os.fspath(path)
    if (
        os.sep == "/" and text.startswith("/") and "//" not in text and not text.endswith(("/", "/.", "/.."))
        and ("/." not in text or ("/./" not in text and "/../" not in text))
    ):
        return text
    return os.path.abspath(text)


def module_aliases(files: Iterable[tuple[str, str, bool]], root: Path) -> dict[str, str]:
    """The other names of the project's modules, each to its module's own name, from the
    files' ``(path, module name, is package)``.

    Python imports a module by a name that starts at any folder on ``sys.path``. With the
    project root (or its ``src/``) there, the folders above a file's top package are
    namespace portions: ``litellm/proxy/utils.py`` is ``proxy.utils`` (only ``proxy/``
    has an ``__init__.py``) and ``litellm.proxy.utils`` as well. A file in no package is
    imported from its own folder too (``uvicorn main:app`` run inside ``app/``):
    ``app/routers/users.py`` is ``routers.users`` and ``users`` as well. A name that two
    modules could have, or that is a module's own name, is nobody's alias: fastlint does
    not guess which one the import means.
    """
    root_text = str(root)
    own: set[str] = set()
    claimed: dict[str, str | None] = {}
    for path, module, is_package in files:
        own.add(module)
        for alias in _other_names(path, root_text, module, is_package):
            claimed[alias] = module if claimed.get(alias, module) == module else None
    return {alias: module for alias, module in claimed.items() if module is not None and alias not in own}


def _other_names(path: str, root: str, module: str, is_package: bool) -> list[str]:
    """The dotted names of ``path`` from each folder between it and ``root`` (identifiers
    only), but ``module``: those longer than ``module`` for a file in a package (a name
    cannot start inside a package), those shorter for a file in none."""
    directory, filename = os.path.split(absolute(path))
    found = _folder_names(directory, root)
    if found is None:
        return []
    prefixes, in_package = found
    if is_package:
        names = list(prefixes)
    else:
        stem = os.path.splitext(filename)[0]
        if not stem.isidentifier():
            return []
        names = [*(f"{prefix}.{stem}" for prefix in prefixes), stem]
    return [name for name in names if name != module and (len(name) > len(module)) == in_package]


@cache
def _folder_names(directory: str, root: str) -> tuple[tuple[str, ...], bool] | None:
    """The dotted names of ``directory`` from each folder between it and ``root`` from which
    every folder down to it is an identifier, longest first, and whether it is in a package;
    None outside ``root``. Asked once per folder: an index names every file."""
    if directory != root and not directory.startswith(_below(root)):
        return None
    folders = directory[len(_below(root)):].split(os.sep) if directory != root else []
    start = len(folders)
    while start > 0 and folders[start - 1].isidentifier():
        start -= 1
    return tuple(".".join(folders[index:]) for index in range(start, len(folders))), _top_package(directory, root) is not None


def _below(root: str) -> str:
    return root if root.endswith(os.sep) else root + os.sep


def package_parts_cache_clear() -> None:
    _package_parts.cache_clear()
    _folder_parts.cache_clear()
    _folder_names.cache_clear()
    _top_package.cache_clear()


@cache
def _package_parts(directory: str, root: str) -> tuple[str, ...]:
    """The package names from the top package down to ``directory``.

    The top package is the highest folder, up to ``root``, that holds an ``__init__.py``.
    Folders below it without one are namespace portions that Python imports all the same
    (``open_webui/retrieval/web/utils.py`` is ``open_webui.retrieval.web.utils`` when only
    ``open_webui/`` has an ``__init__.py``).
    """
    top = _top_package(directory, root)
    if top is None:
        return ()
    return tuple(os.path.relpath(directory, os.path.dirname(top)).split(os.sep))


@cache
def _folder_parts(directory: str, root: str) -> tuple[str, ...]:
    """The folders from ``root`` (excluded) down to ``directory`` for a file in no package,
    from the highest one from which Python could import it (its name and those below are
    identifiers); none outside ``root``."""
    if directory == root or not directory.startswith(_below(root)):
        return ()
    name = os.path.basename(directory)
    return (*_folder_parts(os.path.dirname(directory), root), name) if name.isidentifier() else ()


@cache
def _top_package(directory: str, root: str) -> str | None:
    """The highest folder from ``directory`` up to ``root`` with an ``__init__.py`` (one
    stat per folder, each folder asked once)."""
    parent = os.path.dirname(directory)
    above = _top_package(parent, root) if directory != root and parent != directory else None
    if above is not None:
        return above
    return directory if os.path.exists(os.path.join(directory, "__init__.py")) else None
