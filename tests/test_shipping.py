"""What a team adopting fastlint gets: a self-contained suite, a licence, links that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def test_no_test_reads_outside_the_repository():
    """A fresh clone with nothing beside it runs the whole suite."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if "fixtures" in path.relative_to(TESTS).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"parents\[[2-9]\]|\.\./shared|[\"']shared[\"']\s*/", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_schemas_the_tests_read_are_in_the_repository_with_their_source():
    readme = (TESTS / "schemas" / "README.md").read_text(encoding="utf-8")
    files = sorted(p for p in (TESTS / "schemas").rglob("*") if p.is_file() and p.name != "README.md")
    assert files
    for path in files:
        name = path.relative_to(TESTS / "schemas").as_posix()
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"tests/schemas/README.md does not describe {name}"
        assert row.count("|") >= 5 and row.split("|")[4].strip(), f"{name}: no licence noted"
