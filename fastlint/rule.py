"""The base class of every rule, and the examples a rule carries for the test suite."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from fastlint.rule_meta import RuleMeta, doc_section, fix_safety_of, summary_of
from fastlint.settings import Settings

if TYPE_CHECKING:
    from fastlint.analysis.context import ModuleContext
    from fastlint.finding import Finding

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
OPTIONAL_SECTIONS = ("Known problems", "Fix safety", "Options", "References")


@dataclass(frozen=True)
class Valid:
    """Code that must stay quiet; ``options`` are settings fields to override."""

    source: str
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code that must produce exactly the ``expected`` findings of the rule.

    Each expected finding is ``(line, column, end_line, end_column)``, 1-based, end
    exclusive. ``message`` must appear in the first finding's message when given.
    ``fixed`` is the source after every fix, unsafe ones included, when given; for a rule
    whose fixes are display-only (never applied), the text its suggestions show.
    """

    source: str
    expected: tuple[tuple[int, int, int, int], ...]
    message: str | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    fixed: str | None = None


class Rule:
    """A rule: a stable code, a kebab-case name, documentation and a check.

    Subclasses set the class attributes and implement ``check``. The docstring is the
    user documentation, in ruff's shape (see ``DOC_SECTIONS``).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    preview: ClassVar[bool] = False
    fixable: ClassVar[bool] = False
    # A file is analysed for this rule only if its bytes contain one of these (searched in
    # order, the likeliest first: one that is absent costs a search of the whole file)...
    triggers: ClassVar[tuple[bytes, ...]] = ()
    # ...or, for a rule about request-scoped code, if another module gives its functions a role.
    role_triggered: ClassVar[bool] = False
    VALID: ClassVar[tuple[Valid | str, ...]] = ()
    INVALID: ClassVar[tuple[Invalid, ...]] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def doc_section(cls, title: str) -> str | None:
        """The text under ``## title`` in the docstring, or None."""
        return doc_section(cls.documentation(), title)

    @classmethod
    def summary(cls) -> str:
        return summary_of(cls.documentation())

    @classmethod
    def meta(cls) -> RuleMeta:
        return RuleMeta(
            code=cls.code, name=cls.name, summary=cls.summary(), fixable=cls.fixable, preview=cls.preview,
            fix_safety=fix_safety_of(cls.documentation()) if cls.fixable else None,
        )
