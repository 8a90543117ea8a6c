"""setuptools' build backend, asking for mypy (mypyc) when ``FASTLINT_COMPILE=1``.

Build requirements in pyproject.toml cannot depend on the environment; setuptools
documents this wrapper for requirements that do. mypy is pinned to the version the test
suite type-checks with, so the compiled build checks the annotations the suite keeps true.
mypy reads the types of the runtime dependencies the analysis imports (through the package's
``__init__``), so they are build requirements of a compiled build too.
"""

from __future__ import annotations

import os

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403  (the backend's other hooks, unchanged)

_COMPILER = ["mypy==2.4.1", "libcst>=1.1", "click>=8.1", "pathspec>=0.12.1", "tomli>=2.0; python_version < '3.11'"]  # a test keeps them equal to pyproject's


def _compiler() -> list[str]:
    return _COMPILER if os.environ.get("FASTLINT_COMPILE", "") == "1" else []


def get_requires_for_build_wheel(config_settings: dict[str, object] | None = None) -> list[str]:
    return build_meta.get_requires_for_build_wheel(config_settings) + _compiler()


def get_requires_for_build_editable(config_settings: dict[str, object] | None = None) -> list[str]:
    return build_meta.get_requires_for_build_editable(config_settings) + _compiler()
