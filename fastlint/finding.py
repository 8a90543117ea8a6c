"""The result of a check: one finding, with an exact range and an optional fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Applicability(str, enum.Enum):
    """How safe a fix is, in ruff's three levels."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and a 1-based column counted in characters (code points)."""

    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (end exclusive) with ``content``."""

    start: Position
    end: Position
    content: str


# What a fix builder gets instead of an edit in a run that only counts fixes (``Fix.built``
# False): every condition under which the builder returns no fix is decided on the ``ast``
# before a codemod runs or an import is placed, so that the edit exists (libcst reads the
# expressions CPython reads: a counting and a building run agree on every rule example and
# on all 17 ecosystem members), and ``ModuleContext.finding`` keeps no edits.
COUNTED = Edit(Position(1, 1), Position(1, 1), "")


@dataclass(frozen=True)
class Fix:
    """A fix of a finding. ``built`` is False in a run that only counts fixes (the text
    report, which says how many are on offer): such a run decides that the fix exists and
    how safe it is, but keeps no edits, so it neither imports libcst nor runs its codemods
    (a fifth of a cold check of khoj or mlflow). A run that shows or applies fixes builds them."""

    edits: tuple[Edit, ...]
    applicability: Applicability
    message: str
    built: bool = True


@dataclass(frozen=True)
class Root:
    """What a call-chain finding comes down to: the chain's last project function and the
    blocking call it makes. Fixing that one call fixes every finding with the same root."""

    function: str  # qualified: ``app.secrets.get_secret``, ``app.clients.GeoClient.lookup``
    call: str  # qualified: ``builtins.open``

    def describe(self) -> str:
        call = shown_call(self.call)
        return f"`{self.function}` -> {call if call != self.call else f'`{call}`'}"


# ``for line in f`` is recorded as a call of the file's ``__iter__`` (``typing.IO.__iter__``).
_ITERATION = ".__iter__"


def shown_call(name: str) -> str:
    """A blocking call as a message names it: iteration in the user's words, not ``typing.IO.__iter__``."""
    return "iterating a file object" if name.endswith(_ITERATION) else name


def shown_function(name: str) -> str:
    """A project function as a message names it: the class (``Client``) for its constructor
    ``Client.__init__``, as the call is written."""
    return name.removesuffix(".__init__")


@dataclass(frozen=True)
class Finding:
    """One reported problem.

    ``suppressed_by`` lists further codes whose ``noqa`` also silences this finding
    (a call-chain finding is silenced by the code of its final blocking call too).
    ``root`` is set on call-chain findings (see ``Root``).
    """

    code: str
    message: str
    path: str
    start: Position
    end: Position
    fix: Fix | None = None
    fix_title: str | None = None
    confidence: str = "high"
    suppressed_by: tuple[str, ...] = field(default=())
    root: Root | None = None

    @property
    def noqa_row(self) -> int:
        return self.start.line

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.line, self.start.column, self.code)
