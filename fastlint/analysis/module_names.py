"""A module's dotted name from its path and the ``__init__.py`` files above it.

Apart from ``names.py``: a run answered from the cache names every file of the project
and imports nothing else of the analysis.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path


def module_name_for(path: Path | str, root: Path) -> tuple[str, bool]:
    """The dotted module name of ``path`` and whether it is a package ``__init__``.

    Packages are found by walking up through ``__init__.py`` files, so a ``src/``
    layout and scripts outside packages both get the name they are imported by.
    """
    # String operations: a warm run names every file of the project, and Paths cost 3x.
    directory, filename = os.path.split(absolute(path))
    stem = os.path.splitext(filename)[0]
    is_package = stem == "__init__"
    parts = [*_package_parts(directory, str(root)), *([] if is_package else [stem])]
    if not parts:
        parts.append(os.path.basename(directory) or "__main__")
    return ".".join(parts), is_package


def absolute(path: Path | str) -> str:
    """``path`` absolute and normalised; a string that is so already (discovery yields
    such paths) is returned as it is, without the cost of ``os.path.abspath``."""
    text = os.fspath(path)
    if os.sep == "/" and text.startswith("/") and not _ABNORMAL.search(text):
        return text
    return os.path.abspath(text)


# What normalising would change: an empty, "." or ".." segment, or a trailing separator.
_ABNORMAL = re.compile(r"//|/\.\.?(?:/|$)|./$")


def package_parts_cache_clear() -> None:
    _package_parts.cache_clear()
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
def _top_package(directory: str, root: str) -> str | None:
    """The highest folder from ``directory`` up to ``root`` with an ``__init__.py`` (one
    stat per folder, each folder asked once)."""
    parent = os.path.dirname(directory)
    above = _top_package(parent, root) if directory != root and parent != directory else None
    if above is not None:
        return above
    return directory if os.path.exists(os.path.join(directory, "__init__.py")) else None
