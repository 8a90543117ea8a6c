"""Which fixes may be applied (the fix policy), apart from applying them: every run
resolves the policy, and a run that fixes nothing imports none of the fixer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from fastlint.finding import Applicability, Finding
from fastlint.settings import Settings

__all__ = ["FixPolicy", "fixable_codes", "safety_overrides"]


@dataclass(frozen=True)
class FixPolicy:
    """Which fixes may be applied: safe ones, unsafe ones too, of the fixable codes only.

    ``promoted`` holds the codes whose unsafe fixes ``extend-safe-fixes`` makes safe,
    ``demoted`` those whose safe fixes ``extend-unsafe-fixes`` makes unsafe; display-only
    fixes stay display-only.
    """

    codes: frozenset[str]
    unsafe: bool = False
    promoted: frozenset[str] = frozenset()
    demoted: frozenset[str] = frozenset()

    def applicability(self, finding: Finding) -> Applicability | None:
        """The finding's fix applicability after ``extend-safe-fixes``/``extend-unsafe-fixes``."""
        if finding.fix is None:
            return None
        given = finding.fix.applicability
        if given is Applicability.UNSAFE and finding.code in self.promoted:
            return Applicability.SAFE
        if given is Applicability.SAFE and finding.code in self.demoted:
            return Applicability.UNSAFE
        return given

    def fixable(self, finding: Finding) -> bool:
        """The finding has a fix that is applied under this policy."""
        return self.offered(finding) and (self.applicability(finding) is Applicability.SAFE or self.unsafe)

    def offered(self, finding: Finding) -> bool:
        """The finding has an appliable fix, maybe only with ``--unsafe-fixes``."""
        return finding.code in self.codes and self.applicability(finding) not in (None, Applicability.DISPLAY_ONLY)

    def hidden(self, finding: Finding) -> bool:
        """An unsafe fix that ``--unsafe-fixes`` would apply."""
        return self.offered(finding) and not self.fixable(finding)

    def shown(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings as reported: the fixes of ``unfixable`` rules dropped (neither
        applied nor shown), the others with the applicability this policy gives them."""
        out = []
        for finding in findings:
            if finding.fix is not None and finding.code not in self.codes:
                finding = replace(finding, fix=None)
            elif finding.fix is not None:
                applicability = self.applicability(finding) or finding.fix.applicability
                if applicability is not finding.fix.applicability:
                    finding = replace(finding, fix=replace(finding.fix, applicability=applicability))
            out.append(finding)
        return out


def fixable_codes(settings: Settings, known: Mapping[str, bool]) -> frozenset[str]:
    """The codes whose fixes may be applied, from ``fixable``, ``extend-fixable`` and
    ``unfixable`` with the precedence of ``select``, ``extend-select`` and ``ignore``."""
    from fastlint.run.config import validate_codes

    for key, value in (("fixable", settings.fixable or ()), ("extend-fixable", settings.extend_fixable), ("unfixable", settings.unfixable)):
        validate_codes(value, known, key=key)
    return _resolve(settings.fixable if settings.fixable is not None else ("ALL",), settings.extend_fixable, settings.unfixable, settings, known)


def safety_overrides(settings: Settings, known: Mapping[str, bool]) -> tuple[frozenset[str], frozenset[str]]:
    """The codes ``extend-safe-fixes`` promotes and those ``extend-unsafe-fixes`` demotes.

    As in ruff, the more specific selector wins, and at equal specificity the unsafe one.
    """
    from fastlint.run.config import validate_codes

    validate_codes(settings.extend_safe_fixes, known, key="extend-safe-fixes")
    validate_codes(settings.extend_unsafe_fixes, known, key="extend-unsafe-fixes")
    if not settings.extend_safe_fixes and not settings.extend_unsafe_fixes:
        return frozenset(), frozenset()
    promoted = _resolve(settings.extend_safe_fixes, (), settings.extend_unsafe_fixes, settings, known)
    named = _resolve(settings.extend_unsafe_fixes, (), (), settings, known)
    return promoted, named - promoted


def _resolve(select: tuple[str, ...], extend: tuple[str, ...], ignore: tuple[str, ...], settings: Settings, known: Mapping[str, bool]) -> frozenset[str]:
    from fastlint.run.config import resolve_selection

    selection = replace(
        settings, select=select, extend_select=extend, ignore=ignore, per_file_ignores={}, extend_blocking_calls=()
    )
    # Preview rules are included unless excluded: selecting them is `select`'s job.
    every = dict.fromkeys(known, False)
    return resolve_selection(selection, every)[0]
