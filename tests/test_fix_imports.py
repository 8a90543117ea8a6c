"""Imports added and removed by fixes land where isort and ruff's ``I`` rules want them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastlint.cli import main
from fastlint.fixing.imports import orphaned_imports_removed
from fastlint.testing import fix_source

FIXTURES = Path(__file__).parent / "fixtures"
APPS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def _ruff(root: Path) -> set[tuple[str, str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "I,F401", "--output-format", "json", "--no-cache", "."],
        cwd=root, capture_output=True, text=True, check=False,
    )
    return {(Path(item["filename"]).name, item["code"], item["message"]) for item in json.loads(result.stdout)}


@pytest.mark.parametrize("app", APPS)
def test_fixing_a_fixture_app_adds_no_import_problem(app: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / app
    shutil.copytree(FIXTURES / app, root)
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    before = _ruff(root)
    CliRunner().invoke(main, ["check", "--no-cache", ".", "--fix", "--unsafe-fixes"])
    assert _ruff(root) - before == set()


@pytest.mark.parametrize(
    ("source", "fixed"),
    [
        pytest.param(
            "import os\nimport time\n\nimport requests\n\n\nasync def f():\n    time.sleep(1)\n    os.getcwd()\n",
            "import asyncio\nimport os\n\nimport requests\n\n\nasync def f():\n    await asyncio.sleep(1)\n    os.getcwd()\n",
            id="sorted-into-stdlib-and-time-removed",
        ),
        pytest.param(
            "import requests\n\n\nasync def f():\n    import time\n    time.sleep(1)\n    requests\n",
            "import asyncio\n\nimport requests\n\n\nasync def f():\n    await asyncio.sleep(1)\n    requests\n",
            id="new-section-before-third-party-local-import-removed",
        ),
        pytest.param(
            "import time\n\n\nasync def f():\n    time.sleep(1)\n    return time.monotonic()\n",
            "import asyncio\nimport time\n\n\nasync def f():\n    await asyncio.sleep(1)\n    return time.monotonic()\n",
            id="still-used-stays",
        ),
        pytest.param(
            "from time import sleep\n\nimport fastapi\n\n\nasync def f():\n    sleep(1)\n    fastapi\n",
            "import asyncio\n\nimport fastapi\n\n\nasync def f():\n    await asyncio.sleep(1)\n    fastapi\n",
            id="from-import-removed-with-its-section-gap",
        ),
        pytest.param(
            '"""Doc."""\n\n\nasync def f(time):\n    pass\n',
            '"""Doc."""\n\n\nasync def f(time):\n    pass\n',
            id="nothing-to-fix",
        ),
    ],
)
def test_fl102_imports(source: str, fixed: str):
    assert fix_source(source, ["FL102"]) == fixed


def test_an_import_unused_before_the_fix_is_not_touched():
    before = "import os\nimport time\n\ntime.sleep(1)\n"
    after = "import os\nimport time\n\nx = 1\n"
    assert orphaned_imports_removed(before, after) == "import os\n\nx = 1\n"
    # A name still mentioned in a string (an annotation, `__all__`) stays.
    assert orphaned_imports_removed(before, "import os\nimport time\n\nx: 'time.struct_time'\n") == "import os\nimport time\n\nx: 'time.struct_time'\n"


def test_one_alias_of_several_is_removed():
    before = "from time import monotonic, sleep\n\nsleep(1)\nmonotonic()\n"
    after = "from time import monotonic, sleep\n\nx = 1\nmonotonic()\n"
    assert orphaned_imports_removed(before, after) == "from time import monotonic\n\nx = 1\nmonotonic()\n"
