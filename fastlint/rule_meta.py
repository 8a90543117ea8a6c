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
    # What its `## Fix safety` says: "safe", "unsafe" or "display-only" (None: no fix).
    fix_safety: str | None = None

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

# The engine's adoption codes: like FL001 they are not rule modules, but they can be selected,
# ignored and fixed like rules.
UNUSED_NOQA = RuleMeta(
    code="FL002",
    name="unused-noqa",
    summary="A `# noqa` or `# fastlint: ignore` comment names a fastlint code that suppresses nothing on its line, or a code that does not exist.",
    fixable=True,
)
STALE_BASELINE = RuleMeta(
    code="FL003",
    name="stale-baseline-entry",
    summary="An entry of the baseline file (`--baseline`) matches no current finding: the problem was fixed, or its line changed.",
    fixable=True,
)
ENGINE_CODES = (UNPARSEABLE, UNUSED_NOQA, STALE_BASELINE)

ENGINE_DOCUMENTATION = {
    UNPARSEABLE.code: f"""## What it does
{UNPARSEABLE.summary}

A file that cannot be read, decoded or parsed is reported, never skipped silently. It cannot
be disabled.""",
    UNUSED_NOQA.code: f"""## What it does
{UNUSED_NOQA.summary}

## Why is this bad?
A suppression that no longer suppresses anything hides the next real finding on that line,
and `# noqa: FL999` (a typo, or a code that does not exist) suppresses nothing at all.

## Example
```python
async def home():
    return await client.get(url)  # noqa: FL101
```

## Use instead
```python
async def home():
    return await client.get(url)
```

## Fix safety
The fix removes the unused codes (the whole comment when none is left) and is safe. Codes of
other tools (`# noqa: E501`) and a bare `# noqa` are left alone; codes of rules that are not
enabled for the file are not judged.""",
    STALE_BASELINE.code: f"""## What it does
{STALE_BASELINE.summary}

## Why is this bad?
A baseline only shrinks when it is kept tidy: a stale entry would silently accept the same
problem if it came back on a line with the same content.

## Fix safety
`fastlint check --baseline FILE --fix` removes the stale entries from the baseline file; it
touches no source file, so the fix is safe.""",
}


def doc_section(documentation: str, title: str) -> str | None:
    """The text under ``## title`` in a rule's (cleaned) docstring, or None: from that
    heading's line to the next line that opens with ``## `` (string searches: every run
    reads the summaries of all rules from their source)."""
    header = f"## {title}\n"
    if documentation.startswith(header):
        start = 0
    else:
        start = documentation.find("\n" + header) + 1
        if start == 0:
            return None
    body = start + len(header)
    if documentation.startswith("## ", body):
        return ""
    end = documentation.find("\n## ", body)
    return documentation[body:end + 1 if end >= 0 else len(documentation)].strip()


def summary_of(documentation: str) -> str:
    """The first sentence of "What it does": the one-line summary of listings and reports."""
    what = doc_section(documentation, "What it does") or ""
    first = re.split(r"(?<=[.:])\s", what.replace("\n", " "), maxsplit=1)[0].strip()
    return first[:-1] + "." if first.endswith(":") else first


def fix_safety_of(documentation: str) -> str | None:
    """The applicability a rule's ``## Fix safety`` states ("The fix is unsafe: ...",
    "It is display-only..."), or None when it has no such section."""
    section = doc_section(documentation, "Fix safety")
    if section is None:
        return None
    text = " ".join(section.split())
    for word in ("display-only", "unsafe", "safe"):
        if f"It is {word}" in text or f"is {word}:" in text:
            return word
    return None
