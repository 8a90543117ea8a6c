"""What reporters need to know about a rule, without importing the rule modules."""

from __future__ import annotations

import re
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


def doc_section(documentation: str, title: str) -> str | None:
    """The text under ``## title`` in a rule's (cleaned) docstring, or None."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", documentation, re.M | re.S)
    return match.group(1).strip() if match else None


def summary_of(documentation: str) -> str:
    """The first sentence of "What it does": the one-line summary of listings and reports."""
    what = doc_section(documentation, "What it does") or ""
    first = re.split(r"(?<=[.:])\s", what.replace("\n", " "), maxsplit=1)[0].strip()
    return first[:-1] + "." if first.endswith(":") else first
