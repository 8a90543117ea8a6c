"""fastlint: a linter for the performance anti-patterns that hurt FastAPI services.

What a rule author needs is exported here, imported on first use so that the command
line starts without loading the rule API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "Applicability": "fastlint.finding",
    "Edit": "fastlint.finding",
    "Finding": "fastlint.finding",
    "Fix": "fastlint.finding",
    "Position": "fastlint.finding",
    "Invalid": "fastlint.rule",
    "Rule": "fastlint.rule",
    "Valid": "fastlint.rule",
}

__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:
    from fastlint.finding import Applicability, Edit, Finding, Fix, Position
    from fastlint.rule import Invalid, Rule, Valid


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'fastlint' has no attribute {name!r}")
