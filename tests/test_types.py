"""The package type-checks under ``mypy --strict`` and passes ruff (both configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_package_passes_strict_mypy():
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_the_code_passes_ruff_with_the_projects_rule_set():
    """The rule set is in pyproject.toml; .ci/run runs the same check."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "fastlint", "rules", "tests", "scripts", "setup.py", "_build_backend"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
