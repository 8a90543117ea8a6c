"""Makes `python -m fastlint` import this checkout, for scripts/ecosystem.py.

With PYTHONPATH set to this folder and the repository root, `fastlint` comes from the
checkout, but `fastlint.rules` lives in `rules/` (pyproject's package-dir), which an
editable install of another checkout would otherwise supply. This finder maps every
package-dir entry of this checkout's pyproject.toml to its folder here.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import PathFinder
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _package_dirs() -> dict[str, Path]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return {"fastlint": REPO / "fastlint", "fastlint.rules": REPO / "rules"}
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    dirs = data.get("tool", {}).get("setuptools", {}).get("package-dir", {})
    return {name: REPO / folder for name, folder in dirs.items() if name}


class _CheckoutFinder:
    dirs = _package_dirs()

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        folder = cls.dirs.get(fullname)
        if folder is not None and (folder / "__init__.py").exists():
            return importlib.util.spec_from_file_location(
                fullname, folder / "__init__.py", submodule_search_locations=[str(folder)]
            )
        parent, _, leaf = fullname.rpartition(".")
        if parent in cls.dirs:
            return PathFinder.find_spec(fullname, [str(cls.dirs[parent])])
        return None


sys.meta_path.insert(0, _CheckoutFinder)
