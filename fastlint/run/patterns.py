"""Gitignore-style patterns (excludes, ``test-paths``, ``tooling-paths``), compiled by
pathspec, or as one regex when every pattern is a plain name: the defaults are, and a cold
run that meets no ``.gitignore`` then never imports pathspec (8 ms and 28 regexes).

A plain name (``.git``, ``*.egg-info``, ``tests/``) has no slash but an optional last one
(a directory only), no negation, no escape, no ``?``, ``[`` or ``**``. It matches a path when
one of the path's parts matches the name, ``*`` standing for any characters but ``/``: the
regex pathspec's ``GitIgnoreSpec`` builds for it, ``^(?:.+/)?NAME(?:/|$)`` (``^(?:.+/)?NAME/``
for a directory), and with no negation a path is matched when any pattern matches it.
"""

from __future__ import annotations

import re

# Not typing.TYPE_CHECKING: importing typing costs every run (type checkers know this name).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pathspec import GitIgnoreSpec

_PLAIN = re.compile(r"(?!\**\.*\**/?$)(?!.*\*\*)[A-Za-z0-9_.*-]+/?")


class NameSpec:
    """Plain names (see the module's docstring), matched as pathspec would match them."""

    __slots__ = ("names", "regex")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        alternatives = [_name_regex(name) for name in self.names]
        # (?!) matches nothing: a spec without names.
        self.regex = re.compile(r"^(?:.+/)?(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)")

    def match_file(self, path: str) -> bool:
        """Whether a pattern matches ``path`` (relative, ``/``-separated; a directory ends with ``/``)."""
        return self.regex.match(path) is not None

    def without_matches_for(self, path: str) -> NameSpec:
        """The names that do not match ``path`` themselves."""
        return NameSpec([name for name in self.names if not NameSpec([name]).match_file(path)])


def _name_regex(name: str) -> str:
    directory = name.endswith("/")
    glob = "[^/]*".join(re.escape(part) for part in name.rstrip("/").split("*"))
    return f"{glob}/" if directory else f"{glob}(?:/|$)"


def is_plain(pattern: str) -> bool:
    return _PLAIN.fullmatch(pattern) is not None


def compile_patterns(patterns: Sequence[str]) -> NameSpec | GitIgnoreSpec:
    """``patterns`` as a ``NameSpec`` when they are all plain names, else pathspec's spec."""
    if all(map(is_plain, patterns)):
        return NameSpec(patterns)
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(list(patterns))
