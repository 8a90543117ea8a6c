"""What reporters need to know about a rule, without importing the rule modules."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The one place that names the repository: documentation links, SARIF and the docs pages use it.
REPOSITORY_URL = "https://github.com/fastlint/fastlint"
# Where docs/rules/FLxxx.md are served; the `docs-base-url` setting replaces it (a fork, a mirror).
DOCS_BASE_URL = f"{REPOSITORY_URL}/blob/main/docs/rules"


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    summary: str
    fixable: bool = False
    preview: bool = False
    docs_base_url: str | None = None

    @property
    def url(self) -> str:
        """The rule's documentation page: ``docs/rules/FLxxx.md`` under the docs base URL."""
        return docs_url(self.code, self.docs_base_url)


def docs_url(code: str, base: str | None = None) -> str:
    return f"{(base or DOCS_BASE_URL).rstrip('/')}/{code}.md"


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
