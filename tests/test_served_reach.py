"""Async code that none of what a project serves reaches: FL103 leaves its file I/O to
FL111 (preview) when the whole project is indexed, and the call graph's reach through
objects of unknown type, generic bases and proxies."""

from __future__ import annotations

from pathlib import Path

from projects import check_paths, write_files

from fastlint.run.engine import CheckPlan, check_files

SERVER_AND_CLIENT = {
    "pkg/__init__.py": "",
    "pkg/server.py": """
        from fastapi import FastAPI

        from pkg.storage import get_storage

        app = FastAPI()

        @app.get("/artifacts/{name}")
        async def artifact(name: str):
            return await get_storage().load(name)
        """,
    "pkg/storage.py": """
        class Storage:
            async def load(self, name: str):
                with open(f"/data/{name}") as f:
                    return f.read()

        def get_storage() -> Storage:
            return Storage()
        """,
    "pkg/client.py": """
        import shutil

        class Client:
            async def upload(self, path: str):
                with open(path, "rb") as bundle:
                    return bundle.read()

            async def copy(self, source: str, target: str):
                shutil.copytree(source, target)
        """,
}


def findings(root: Path, paths: list[str], **options: object) -> list[tuple[str, int, int, str]]:
    result = check_paths(root, paths, cache=False, **options)
    return [(Path(f.path).relative_to(root).as_posix(), f.start.line, f.start.column, f.code) for f in result.findings]


def test_file_io_that_no_served_code_reaches_is_fl111s(tmp_path: Path):
    write_files(tmp_path, SERVER_AND_CLIENT)
    files = ["pkg/client.py", "pkg/server.py", "pkg/storage.py"]
    assert findings(tmp_path, files) == [("pkg/storage.py", 3, 14, "FL103")]
    assert findings(tmp_path, files, extend_select=("FL111",)) == [
        ("pkg/client.py", 5, 14, "FL111"),
        ("pkg/client.py", 9, 9, "FL111"),
        ("pkg/storage.py", 3, 14, "FL103"),
    ]


def test_a_project_that_serves_nothing_keeps_fl103(tmp_path: Path):
    files = {name: text for name, text in SERVER_AND_CLIENT.items() if name != "pkg/server.py"}
    write_files(tmp_path, files)
    assert findings(tmp_path, ["pkg/client.py", "pkg/storage.py"], extend_select=("FL111",)) == [
        ("pkg/client.py", 5, 14, "FL103"),
        ("pkg/client.py", 9, 9, "FL103"),
        ("pkg/storage.py", 3, 14, "FL103"),
    ]


def test_a_partial_index_cannot_tell_and_keeps_fl103(tmp_path: Path):
    # Files named one by one with no cache (a pre-commit run): only their import closure
    # is indexed, which does not show what the project serves.
    write_files(tmp_path, SERVER_AND_CLIENT)
    result = check_files([tmp_path / "pkg/client.py"], _plan(tmp_path), jobs=1, closure=True)
    assert [(f.start.line, f.code) for f in result.findings] == [(5, "FL103"), (9, "FL103")]


def _plan(root: Path) -> CheckPlan:
    import dataclasses

    from fastlint.run.config import resolve_selection
    from fastlint.run.registry import known_codes
    from fastlint.settings import Settings

    settings = dataclasses.replace(Settings(project_root=root), cache=False, extend_select=("FL111",))
    return CheckPlan(settings, resolve_selection(settings, known_codes())[0])


def test_methods_of_a_generic_base_are_the_subclass_s(tmp_path: Path):
    # ``UserRepository(BaseRepository[User])``: the inherited method runs, and its chain is
    # followed (FL107), through a factory in another module.
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/repositories.py": """
                from typing import Generic, TypeVar

                import requests

                T = TypeVar("T")

                class BaseRepository(Generic[T]):
                    def fetch(self, key: str):
                        return requests.get(f"https://store.internal/{key}", timeout=5)

                class User: ...

                class UserRepository(BaseRepository[User]): ...

                def users() -> UserRepository:
                    return UserRepository()
                """,
            "app/main.py": """
                from fastapi import FastAPI

                from app.repositories import users

                app = FastAPI()

                @app.get("/users/{key}")
                async def user(key: str):
                    return users().fetch(key)
                """,
        },
    )
    assert [(line, code, message.split(" blocks")[0]) for line, code, message in _messages(tmp_path, "app/main.py")] == [
        (9, "FL107", "BaseRepository.fetch() -> requests.get (FL101)"),
    ]


def test_a_method_reached_through_a_module_level_proxy_is_served(tmp_path: Path):
    # Reduced from skyvern: ``app.STORAGE`` is an attribute of a holder whose type the index
    # cannot tell; the storage method of that name runs per request.
    write_files(
        tmp_path,
        {
            "forge/__init__.py": """
                class AppHolder:
                    def __getattr__(self, name):
                        return getattr(self._inst, name)

                app = AppHolder()
                """,
            "forge/storage.py": """
                import shutil

                class LocalStorage:
                    async def delete_browser_profile(self, profile_id: str):
                        shutil.rmtree(f"/data/profiles/{profile_id}")
                """,
            "forge/routes.py": """
                from fastapi import FastAPI

                from forge import app as forge

                api = FastAPI()

                @api.delete("/profiles/{profile_id}")
                async def delete_profile(profile_id: str):
                    await forge.STORAGE.delete_browser_profile(profile_id)
                """,
        },
    )
    assert findings(tmp_path, ["forge/__init__.py", "forge/routes.py", "forge/storage.py"], extend_select=("FL111",)) == [
        ("forge/storage.py", 5, 9, "FL103"),
    ]


def test_a_method_name_many_classes_define_does_not_make_them_served(tmp_path: Path):
    # Reduced from prefect: a server's ``process.wait()`` on an object of unknown type
    # linked every ``wait`` of the project (its workers and runners) to serving.
    classes = "\n".join(f"class Waiter{i}:\n    async def wait(self): ...\n" for i in range(4))
    write_files(
        tmp_path,
        {
            "srv/__init__.py": "",
            "srv/waiters.py": classes,
            "srv/worker.py": """
                class Worker:
                    async def wait(self):
                        with open("/var/lib/worker/state.json") as state:
                            return state.read()
                """,
            "srv/main.py": """
                from fastapi import FastAPI

                app = FastAPI()

                @app.post("/stop")
                async def stop(request):
                    await request.app.state.process.wait()
                """,
        },
    )
    files = ["srv/main.py", "srv/waiters.py", "srv/worker.py"]
    assert findings(tmp_path, files, extend_select=("FL111",)) == [("srv/worker.py", 3, 14, "FL111")]
    # With one class fewer the name still picks out a few methods: all count as served.
    (tmp_path / "srv/waiters.py").write_text("\n".join(f"class Waiter{i}:\n    async def wait(self): ...\n" for i in range(3)))
    assert findings(tmp_path, files, extend_select=("FL111",)) == [("srv/worker.py", 3, 14, "FL103")]


def _messages(root: Path, path: str) -> list[tuple[int, str, str]]:
    result = check_paths(root, [path], cache=False)
    return [(f.start.line, f.code, f.message) for f in result.findings]
