"""Module names and the other names Python imports a module by: folders without an
``__init__.py`` (namespace portions) above a package or around files in no package."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from projects import check_paths, write_files

from fastlint.analysis.module_names import module_aliases, module_name_for, package_parts_cache_clear
from fastlint.integrations.lsp import OpenProject
from fastlint.run.config import resolve_selection
from fastlint.run.engine import CheckPlan, check_files
from fastlint.run.registry import known_codes
from fastlint.settings import Settings

# litellm's shape: ``litellm/`` has no __init__.py, ``litellm/proxy/`` has one, and the
# proxy imports itself as ``litellm.proxy...`` (the project root on sys.path).
NAMESPACE = {
    "svc/api/__init__.py": "",
    "svc/api/keys.py": """
        import hashlib

        def hash_password(password):
            return hashlib.pbkdf2_hmac("sha256", password.encode(), b"salt", 100_000)
        """,
    "svc/api/routes.py": """
        from fastapi import APIRouter

        from svc.api.keys import hash_password

        router = APIRouter()

        @router.post("/users")
        async def create_user(password: str):
            return {"hash": hash_password(password)}
        """,
    "svc/api/admin.py": """
        from fastapi import APIRouter

        from .keys import hash_password

        router = APIRouter()

        @router.post("/admins")
        async def create_admin(password: str):
            return {"hash": hash_password(password)}
        """,
}
HASH_CHAIN = "hash_password() -> hashlib.pbkdf2_hmac (FL106) blocks the event loop"

# A FastAPI app with no __init__.py at all: ``app/main.py`` does ``from app.routers import users``.
PLAIN_APP = {
    "app/main.py": """
        from fastapi import FastAPI

        from app.routers import users

        app = FastAPI()
        app.include_router(users.router)
        """,
    "app/routers/users.py": """
        from fastapi import APIRouter

        from app.models.users import load_user

        router = APIRouter()

        def audit(user):
            return user

        @router.get("/users/{user_id}")
        async def get_user(user_id: int):
            return audit(load_user(user_id))
        """,
    "app/models/users.py": """
        import json

        def load_user(user_id):
            with open(f"users/{user_id}.json") as handle:
                return json.load(handle)

        def audit(user):
            with open("audit.log", "a") as log:
                log.write(str(user))
        """,
}
LOAD_CHAIN = "load_user() -> builtins.open (FL103) blocks the event loop (async route handler GET /users/{user_id})"


def run(root: Path, paths: list[str], **options: object) -> list[tuple[str, int, int, int, str, str]]:
    result = check_paths(root, paths, **{"cache": False, **options})
    return [
        (Path(f.path).relative_to(root).as_posix(), f.start.line, f.start.column, f.end.column, f.code, f.message)
        for f in result.findings
    ]


def test_names_of_packages_namespace_portions_and_files_in_no_package(tmp_path: Path):
    write_files(tmp_path, {**NAMESPACE, **PLAIN_APP, "top.py": "", "my-tools/run.py": "", "src/shop/__init__.py": "", "src/shop/db.py": ""})
    package_parts_cache_clear()
    named = {}
    for path in sorted(tmp_path.rglob("*.py")):
        module, is_package = module_name_for(path, tmp_path)
        named[path.relative_to(tmp_path).as_posix()] = (module, is_package)
    assert named == {
        "app/main.py": ("app.main", False),
        "app/models/users.py": ("app.models.users", False),
        "app/routers/users.py": ("app.routers.users", False),
        "my-tools/run.py": ("run", False),  # a folder Python cannot import from is left out
        "src/shop/__init__.py": ("shop", True),
        "src/shop/db.py": ("shop.db", False),
        "svc/api/__init__.py": ("api", True),
        "svc/api/admin.py": ("api.admin", False),
        "svc/api/keys.py": ("api.keys", False),
        "svc/api/routes.py": ("api.routes", False),
        "top.py": ("top", False),
    }
    aliases = module_aliases([(str(tmp_path / path), *name) for path, name in named.items()], tmp_path)
    assert aliases == {
        # the root on sys.path: the folders above a top package are namespace portions
        "svc.api": "api", "svc.api.admin": "api.admin", "svc.api.keys": "api.keys", "svc.api.routes": "api.routes",
        "src.shop": "shop", "src.shop.db": "shop.db",
        # a file in no package, imported from a folder below the root (``main`` from app/)
        "main": "app.main", "routers.users": "app.routers.users", "models.users": "app.models.users",
        # ``users`` could be either file: nobody's alias. ``run`` and ``top`` are module names already.
    }


def test_a_chain_through_a_namespace_top_folder_is_reported_with_its_exact_range(tmp_path: Path):
    write_files(tmp_path, NAMESPACE)
    found = run(tmp_path, ["svc/api/routes.py", "svc/api/admin.py"])
    assert [finding[:5] for finding in found] == [
        ("svc/api/admin.py", 9, 21, 34, "FL107"),  # the relative import, as before
        ("svc/api/routes.py", 9, 21, 34, "FL107"),  # the absolute one, through ``svc`` (no __init__.py)
    ]
    assert all(message.startswith(f"{HASH_CHAIN} (async route handler POST /") for *_, message in found)


def test_an_app_without_init_files_resolves_its_absolute_imports_and_keeps_same_named_modules_apart(tmp_path: Path):
    write_files(tmp_path, PLAIN_APP)
    # ``audit`` is the router's own harmless function: the blocking ``audit`` of the other
    # users.py (the same stem) is not taken for it.
    [(path, line, column, end, code, message)] = run(tmp_path, ["app/routers/users.py"])
    assert (path, line, column, end, code) == ("app/routers/users.py", 12, 18, 27, "FL107")
    assert message.startswith(LOAD_CHAIN)


def test_a_stem_two_files_share_resolves_to_neither(tmp_path: Path):
    write_files(tmp_path, {
        **PLAIN_APP,
        "worker.py": """
            from users import load_user

            async def refresh(user_id):
                return load_user(user_id)
            """,
    })
    assert run(tmp_path, ["worker.py"]) == []


def test_a_sibling_import_of_a_script_folder_still_resolves(tmp_path: Path):
    write_files(tmp_path, {
        "backend/services.py": "import time\n\ndef slow():\n    time.sleep(1)\n",
        "backend/main.py": "from services import slow\n\nasync def handler():\n    slow()\n",
    })
    assert [finding[1:5] for finding in run(tmp_path, ["backend/main.py"])] == [(4, 5, 9, "FL107")]


def test_a_cached_finding_through_an_alias_is_recomputed_when_the_alias_changes(tmp_path: Path):
    write_files(tmp_path, {
        "backend/services.py": "import time\n\ndef slow():\n    time.sleep(1)\n",
        "backend/main.py": "from services import slow\n\nasync def handler():\n    slow()\n",
    })
    assert [finding[4] for finding in run(tmp_path, ["backend/main.py"], cache=True)] == ["FL107"]
    # Another services.py: ``services`` could now be either, so the import resolves to neither.
    write_files(tmp_path, {"tools/services.py": "def slow():\n    pass\n"})
    assert run(tmp_path, ["backend/main.py"], cache=True) == []


def test_a_cached_finding_through_an_alias_is_recomputed_when_the_module_changes(tmp_path: Path):
    write_files(tmp_path, NAMESPACE)
    assert [finding[4] for finding in run(tmp_path, ["svc/api/routes.py"], cache=True)] == ["FL107"]
    write_files(tmp_path, {"svc/api/keys.py": "def hash_password(password):\n    return password\n"})
    assert run(tmp_path, ["svc/api/routes.py"], cache=True) == []


def test_one_file_named_loads_the_aliased_module_into_its_partial_index(tmp_path: Path):
    write_files(tmp_path, NAMESPACE)
    settings = dataclasses.replace(Settings(project_root=tmp_path), cache=False)
    plan = CheckPlan(settings, resolve_selection(settings, known_codes())[0])
    result = check_files([tmp_path / "svc/api/routes.py"], plan, jobs=1, closure=True)
    assert result.partial_index == (2, 4)  # api.routes, and api.keys through its alias
    assert [(f.start.line, f.code) for f in result.findings] == [(9, "FL107")]


@pytest.mark.parametrize("indexed", [True, False], ids=["whole-index", "lazy-index"])
def test_the_editor_resolves_aliases_in_both_of_its_indexes(tmp_path: Path, indexed: bool):
    from fastlint.run.config import load_settings

    write_files(tmp_path, {**NAMESPACE, "pyproject.toml": "[tool.fastlint]\n"})
    routes = tmp_path / "svc/api/routes.py"
    project = OpenProject(load_settings([routes]), index=indexed)
    assert project.indexed is indexed
    findings = project.check(routes, routes.read_text(encoding="utf-8"))
    assert [(f.start.line, f.code, f.message.startswith(HASH_CHAIN)) for f in findings] == [(9, "FL107", True)]


def test_route_spans_are_kept_only_in_the_files_that_hold_findings(tmp_path: Path):
    from fastlint.integrations.routes import route_map
    from fastlint.run.session import Session

    write_files(tmp_path, {
        **NAMESPACE,
        "svc/api/audit.py": "def record(password):\n    return len(password)\n",
        "svc/api/users.py": """
            from fastapi import APIRouter

            from svc.api.audit import record
            from svc.api.keys import hash_password

            router = APIRouter()

            @router.post("/users")
            async def create_user(password: str):
                record(password)
                return {"hash": hash_password(password)}
            """,
    })
    session = Session.from_settings(dataclasses.replace(Settings(project_root=tmp_path), cache=False))
    files = session.discover([tmp_path]).files
    result = session.check(files)
    users, keys, audit = (str(tmp_path / "svc/api" / name) for name in ("users.py", "keys.py", "audit.py"))

    def spans_of(routes: list) -> list[tuple[str, int, int]]:  # type: ignore[type-arg]
        [route] = [route for route in routes if route.function and route.function.endswith("users.create_user")]
        return sorted((Path(path).name, start, end) for path, start, end in route.spans)

    everything = spans_of(route_map(session, files, result.index(), result.sources))
    assert everything == [("audit.py", 1, 2), ("keys.py", 3, 4), ("users.py", 8, 8), ("users.py", 8, 11)]
    # A route still holds its own code (the handler), and what it reaches only in the files asked for.
    assert spans_of(route_map(session, files, result.index(), result.sources, span_files=[keys])) == [("keys.py", 3, 4), ("users.py", 8, 8), ("users.py", 8, 11)]
    assert spans_of(route_map(session, files, result.index(), result.sources, span_files=[users, audit])) == [("audit.py", 1, 2), ("users.py", 8, 8), ("users.py", 8, 11)]
