"""The optional compiled build. pyproject.toml holds everything else about the package.

By default fastlint installs as pure Python. With ``FASTLINT_COMPILE=1`` in the environment,
building a wheel compiles the analysis modules below to C extensions with mypyc (black
ships the same way); the wheel still holds every ``.py`` file, and the findings are the
same. The in-tree build backend (``_build_backend/``) asks for mypy only then.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The analysis that pass 1 and pass 2 spend their time in: name tables, inference, the
# blocking-call search, reachability, the project index. Compiled, a cold check takes
# about 10% less time (2-16%) on large code bases (docs/performance.md).
# Left as Python on purpose:
# - module_summary, orm_models, fastapi_model, schemas: the summaries cache stores their
#   dataclasses, and its codec reads their field annotations, which mypyc replaces by
#   runtime classes (``dict[str, X]`` becomes ``dict``). What builds a summary is in
#   ``summarizing``, and what builds a module's FastAPI model in ``fastapi_roles``,
#   compiled apart from the classes;
# - context: the engine clears a rule context through its ``__dict__``, which compiled
#   classes do not have;
# - summaries: the index's ``Summaries`` (a ``Mapping`` subclass) and the ``ProjectFacts``
#   the cache stores. The index itself is compiled (it names the state it sends the
#   workers, ``_SENT``): the project's facts, computed while the workers wait, take 30-40%
#   less time, and a cold check 3-4% less on langflow and airflow (7 alternated rounds);
# - routes: the route map, not the check;
# - the rules: they import ``Rule`` through the package's lazy exports, which mypyc does
#   not follow.
# Their code names ast's classes directly (``from ast import Call``) and asks ``type(node)``:
# mypyc compiles ``ast.Call`` to a lookup of the module's attribute at each use, and
# ``node.__class__`` to a generic attribute lookup (5.6% of a worker's instructions on dstack).
COMPILED = (
    "blocking_calls",
    "capacity",
    "debug_only",
    "fastapi_roles",
    "inference",
    "loop_blocking",
    "loop_free",
    "module_names",
    "names",
    "off_path",
    "once",
    "queries",
    "project_index",
    "reachability",
    "summarizing",
    "syntax",
    "unset_arguments",
)


def compiled_modules() -> list[object]:
    if os.environ.get("FASTLINT_COMPILE", "") != "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        if "egg_info" in sys.argv:  # the backend asking what the build needs: mypy is not installed yet
            return []
        raise SystemExit("FASTLINT_COMPILE=1 compiles with mypyc: build with pip or python -m build, or install mypy==2.4.1 first") from None

    return mypycify([f"fastlint/analysis/{name}.py" for name in COMPILED], opt_level="3", group_name="fastlint_compiled")


class BuildExtensions(build_ext):
    """build_ext, then removes the compiled modules an earlier build left in ``build/``: the
    wheel takes every file there, and a module that is no longer compiled would otherwise
    ship compiled from old code, and fail to load."""

    def run(self) -> None:
        super().run()
        built = {Path(output).resolve() for output in self.get_outputs()}
        for stale in Path(self.build_lib).rglob("*"):
            if stale.name.endswith(tuple(EXTENSION_SUFFIXES)) and stale.resolve() not in built:
                stale.unlink()


setup(ext_modules=compiled_modules(), cmdclass={"build_ext": BuildExtensions})
