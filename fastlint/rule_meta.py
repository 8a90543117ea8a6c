"""What reporters need to know about a rule, without importing the rule modules."""

from __future__ import annotations

from dataclasses import dataclass

DOCS_BASE_URL = "https://github.com/fastlint/fastlint/blob/main/docs/rules.md"


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    summary: str
    fixable: bool = False
    preview: bool = False

    @property
    def url(self) -> str:
        return f"{DOCS_BASE_URL}#{self.code.lower()}-{self.name}"


# FL001 is the engine's own code: it is not a rule module and cannot be disabled.
UNPARSEABLE = RuleMeta(
    code="FL001",
    name="unparseable-file",
    summary="A file could not be read, decoded or parsed, so it was not analysed.",
)
