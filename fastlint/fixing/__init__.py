"""Fixes: the edits rules build, the fixer that applies them, and the report of what it did."""
