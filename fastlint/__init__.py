"""fastlint: a linter for the performance anti-patterns that hurt FastAPI services."""

from fastlint.finding import Applicability, Edit, Finding, Fix, Position
from fastlint.rule import Invalid, Rule, Valid

__version__ = "0.1.0"

__all__ = ["Applicability", "Edit", "Finding", "Fix", "Invalid", "Position", "Rule", "Valid", "__version__"]
