"""Async code that none of what a project serves reaches: FL103 leaves its file I/O to
FL111 (preview) and FL107 its blocking chains to FL112 (preview) when the whole project is
indexed, and the call graph's reach through objects of unknown type, generic bases,
proxies, reflection and decorators."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

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
    result = check_files([tmp_path / "pkg/client.py"], _plan(tmp_path, "FL111"), jobs=1, closure=True)
    assert [(f.start.line, f.code) for f in result.findings] == [(5, "FL103"), (9, "FL103")]


def _plan(root: Path, preview: str) -> CheckPlan:
    import dataclasses

    from fastlint.run.config import resolve_selection
    from fastlint.run.registry import known_codes
    from fastlint.settings import Settings

    settings = dataclasses.replace(Settings(project_root=root), cache=False, extend_select=(preview,))
    return CheckPlan(settings, resolve_selection(settings, known_codes())[0])


CHAINS = {
    "pkg/__init__.py": "",
    "pkg/results.py": """
        import requests

        def read_result(key: str) -> bytes:
            return requests.get(f"https://results.example.com/{key}", timeout=5).content
        """,
    "pkg/server.py": """
        from fastapi import FastAPI

        from pkg.results import read_result

        app = FastAPI()

        @app.get("/results/{key}")
        async def result(key: str):
            return read_result(key)
        """,
    "pkg/client.py": """
        from pkg.results import read_result

        class ResultStore:
            async def aread(self, key: str) -> bytes:
                return read_result(key)
        """,
}


def test_chains_that_no_served_code_reaches_are_fl112s(tmp_path: Path):
    write_files(tmp_path, CHAINS)
    files = ["pkg/client.py", "pkg/results.py", "pkg/server.py"]
    assert findings(tmp_path, files) == [("pkg/server.py", 9, 12, "FL107")]
    assert findings(tmp_path, files, extend_select=("FL112",)) == [
        ("pkg/client.py", 5, 16, "FL112"),
        ("pkg/server.py", 9, 12, "FL107"),
    ]
    # A project that serves nothing, and a partial index, cannot tell: FL107's.
    (tmp_path / "pkg/server.py").unlink()
    assert findings(tmp_path, ["pkg/client.py", "pkg/results.py"], extend_select=("FL112",)) == [("pkg/client.py", 5, 16, "FL107")]
    write_files(tmp_path, CHAINS)
    result = check_files([tmp_path / "pkg/client.py"], _plan(tmp_path, "FL112"), jobs=1, closure=True)
    assert [(f.start.line, f.code) for f in result.findings] == [(5, "FL107")]


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


_STARTS = "\n".join(f"class Runner{i}:\n    async def start(self): ...\n" for i in range(5))

# Reduced from prefect's ``Service.running``: it starts ``service.start()`` on each enabled
# service class (each subclass), from the app's lifespan.
_SERVICE = """
import asyncio

class Service:
    @classmethod
    def enabled(cls):
        return cls.__subclasses__()

    @classmethod
    async def running(cls):
        for service_class in cls.enabled():
            service = service_class()
            asyncio.create_task(service.start())

    async def start(self): ...
"""
_SERVICES_APP = """
from contextlib import asynccontextmanager

from fastapi import FastAPI

from srv.services import Service

def create_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app):
        await Service.running()
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health():
        return {"ok": True}

    return app
"""


def service_findings(root: Path, subclasses: str, more: dict[str, str] | None = None) -> list[tuple[str, int, int, str]]:
    """The findings (FL111 on) of the reduced services project: ``_SERVICE`` followed by
    ``subclasses`` in ``srv/services.py``, five unrelated ``start`` methods (``_STARTS``),
    the app whose lifespan runs the services (``_SERVICES_APP``), and ``more`` files."""
    files = {"srv/__init__.py": "", "srv/runners.py": _STARTS, "srv/services.py": _SERVICE + dedent(subclasses),
             "srv/main.py": _SERVICES_APP, **(more or {})}
    write_files(root, files)
    return findings(root, sorted(name for name in files if name != "srv/__init__.py"), extend_select=("FL111",))


def test_a_common_method_name_called_in_a_class_means_that_class_s_own(tmp_path: Path):
    # Five unrelated classes define ``start`` (``_STARTS``), so the name alone says nothing;
    # called in ``Service`` (``_SERVICE``), it is ``Service.start`` and its overrides.
    subclasses = """
        class Actions(Service):
            async def start(self):
                with open("/var/lib/actions/queue.json") as queue:
                    return queue.read()

        class Agent:
            async def start(self):
                with open("/var/lib/agent/state.json") as state:
                    return state.read()
        """
    assert service_findings(tmp_path, subclasses) == [
        ("srv/services.py", 18, 14, "FL103"),
        ("srv/services.py", 23, 14, "FL111"),
    ]


def test_an_override_further_down_the_class_tree_counts_as_the_base_s(tmp_path: Path):
    # ``Service.start``'s overrides are looked for in every subclass, also below one that
    # does not define it (``Middle``), in another module.
    subclasses = """
        class Middle(Service):
            def describe(self):
                return "middle"
        """
    leaf = """
        from srv.services import Middle

        class Leaf(Middle):
            async def start(self):
                with open("/var/lib/leaf/state.json") as state:
                    return state.read()

        class Quiet(Middle):
            async def stop(self):
                with open("/var/lib/quiet/state.json") as state:
                    return state.read()
        """
    assert service_findings(tmp_path, subclasses, {"srv/leaf/__init__.py": leaf}) == [
        ("srv/leaf/__init__.py", 5, 14, "FL103"),
        ("srv/leaf/__init__.py", 10, 14, "FL111"),
    ]


def test_methods_only_reflection_calls_on_an_object_served_code_builds_are_served(tmp_path: Path):
    # Reduced from lnbits's WASM extensions: a route builds the host API and dispatches a
    # method picked by name with ``getattr``; no call in the project names the method
    # (a test's does not count). Built only in what a CLI command passes on (a thread's
    # target), such an object's methods stay unserved.
    write_files(
        tmp_path,
        {
            "ext/__init__.py": "",
            "ext/host.py": """
                class HostAPI:
                    def __init__(self, ext_id: str):
                        self.ext_id = ext_id

                    async def storage_get(self, table: str):
                        with open(f"/data/{self.ext_id}/{table}.json") as schema:
                            return schema.read()

                class Exporter:
                    async def export_all(self, target: str):
                        with open(target, "w") as out:
                            out.write("{}")

                def resolve(api, name: str):
                    return getattr(api, name)
                """,
            "ext/routes.py": """
                from fastapi import FastAPI

                from ext.host import HostAPI, resolve

                app = FastAPI()

                @app.post("/ext/{ext_id}/{method}")
                async def invoke(ext_id: str, method: str, table: str):
                    api = HostAPI(ext_id)
                    return await resolve(api, method)(table)
                """,
            "ext/cli.py": """
                import asyncio
                import threading

                import typer

                from ext.host import Exporter, resolve

                cli = typer.Typer()

                def export_to(target: str):
                    asyncio.run(resolve(Exporter(), "export_all")(target))

                @cli.command()
                def export(target: str):
                    threading.Thread(target=export_to, args=(target,)).start()
                """,
            "tests/test_host.py": """
                from ext.host import HostAPI

                async def test_storage_get():
                    assert await HostAPI("demo").storage_get("rows")
                """,
        },
    )
    files = ["ext/cli.py", "ext/host.py", "ext/routes.py", "tests/test_host.py"]
    assert findings(tmp_path, files, extend_select=("FL111",)) == [
        ("ext/host.py", 6, 14, "FL103"),
        ("ext/host.py", 11, 14, "FL111"),
    ]


def test_a_cast_receiver_and_the_functions_a_decorator_is_given_are_followed(tmp_path: Path):
    # Reduced from prefect's automations: the server casts the block it loads to
    # ``NotificationBlock`` and calls ``notify``, whose ``@async_dispatch(anotify)`` runs the
    # subclass's ``anotify`` on the loop.
    write_files(
        tmp_path,
        {
            "flow/__init__.py": "",
            "flow/dispatch.py": """
                def async_dispatch(async_impl):
                    def decorator(sync_fn):
                        def wrapper(*args, **kwargs):
                            return async_impl(*args, **kwargs)
                        return wrapper
                    return decorator
                """,
            "flow/blocks.py": """
                from flow.dispatch import async_dispatch

                class NotificationBlock:
                    def notify(self, body: str): ...

                class CustomWebhook(NotificationBlock):
                    async def anotify(self, body: str):
                        with open("/etc/flow/webhook-allowlist") as allowed:
                            return allowed.read()

                    @async_dispatch(anotify)
                    def notify(self, body: str): ...
                """,
            "flow/server.py": """
                from typing import cast

                from fastapi import FastAPI

                from flow.blocks import NotificationBlock

                app = FastAPI()

                @app.post("/automations/{name}/fire")
                async def fire(name: str, request):
                    block = cast(NotificationBlock, await request.app.state.blocks.load(name))
                    await block.notify(f"{name} fired")
                """,
        },
    )
    files = ["flow/blocks.py", "flow/dispatch.py", "flow/server.py"]
    assert findings(tmp_path, files, extend_select=("FL111",)) == [("flow/blocks.py", 8, 14, "FL103")]


def test_a_function_a_decorator_puts_in_a_registry_is_served(tmp_path: Path):
    # Reduced from prefect's perpetual services: ``@perpetual_service(...)`` appends the
    # function to a module-level list that a task queue runs while the server serves. A
    # decorator that only wraps the function registers nothing.
    write_files(
        tmp_path,
        {
            "srv/__init__.py": "",
            "srv/registry.py": """
                import functools

                _PERPETUAL_SERVICES: list = []

                class ServiceConfig:
                    def __init__(self, function, enabled):
                        self.function = function
                        self.enabled = enabled

                def perpetual_service(enabled=True):
                    def decorator(func):
                        _PERPETUAL_SERVICES.append(ServiceConfig(function=func, enabled=enabled))
                        return func
                    return decorator

                def traced(func):
                    @functools.wraps(func)
                    async def wrapper(*args, **kwargs):
                        return await func(*args, **kwargs)
                    return wrapper
                """,
            "srv/leases.py": """
                from srv.registry import perpetual_service, traced

                @perpetual_service(enabled=True)
                async def monitor_expired_leases():
                    with open("/var/lib/leases/index.json") as index:
                        return index.read()

                @traced
                async def export_leases(target: str):
                    with open(target) as out:
                        return out.read()
                """,
            "srv/main.py": """
                from fastapi import FastAPI

                app = FastAPI()

                @app.get("/health")
                async def health():
                    return {"ok": True}
                """,
        },
    )
    files = ["srv/leases.py", "srv/main.py", "srv/registry.py"]
    assert findings(tmp_path, files, extend_select=("FL111",)) == [
        ("srv/leases.py", 5, 10, "FL103"),
        ("srv/leases.py", 10, 10, "FL111"),
    ]


def _messages(root: Path, path: str) -> list[tuple[int, str, str]]:
    result = check_paths(root, [path], cache=False)
    return [(f.start.line, f.code, f.message) for f in result.findings]
