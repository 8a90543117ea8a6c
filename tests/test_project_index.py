"""Pass-1 summaries and the project index: name resolution across modules, results, chains."""

from __future__ import annotations

import ast
import pickle
import textwrap
from dataclasses import replace

import pytest

from fastlint.analysis.module_summary import ModuleSummary
from fastlint.analysis.project_index import Chain, ProjectIndex
from fastlint.analysis.summarizing import summarize
from fastlint.knowledge.tables import Knowledge
from fastlint.settings import Settings

KNOWLEDGE = Knowledge.from_settings(Settings())

PROJECT = {
    "app": ("from .services import geocode\n", True),
    "app.services": ("from .geo import geocode\nfrom . import geo\n", True),
    "app.services.geo": (
        """
        import requests

        def geocode(address):
            return requests.get("https://maps.example.com", params={"q": address}, timeout=5).json()
        """,
        False,
    ),
    "app.clients": (
        """
        import requests

        class BaseClient:
            def __init__(self):
                self.session = requests.Session()

            def fetch(self, path):
                return self.session.get(path, timeout=5)

        class GeoClient(BaseClient):
            def lookup(self, city):
                return self.fetch(f"/cities/{city}")

        def make_client():
            return GeoClient()

        geo_client = GeoClient()
        """,
        False,
    ),
    "app.db": (
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("sqlite://"))

        def get_db():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()
        """,
        False,
    ),
    "app.routes.orders": (
        """
        import app.services.geo as geo_module
        from ..clients import make_client, geo_client
        from ..services import geo

        def via_factory(city):
            client = make_client()
            return client.lookup(city)

        def through_parameter(client, city):
            return client.lookup(city)

        def through_a_dict(kind, city):
            handlers = {"geo": geo.geocode}
            return handlers[kind](city)

        def ping(n):
            return pong(n)

        def pong(n):
            return ping(n)
        """,
        False,
    ),
}


def summary_of(module: str, source: str, is_package: bool = False) -> ModuleSummary:
    return summarize(ast.parse(textwrap.dedent(source)), module, is_package, KNOWLEDGE)


@pytest.fixture
def index() -> ProjectIndex:
    return ProjectIndex([summary_of(name, text, package) for name, (text, package) in PROJECT.items()], KNOWLEDGE)


def test_summaries_are_plain_picklable_data():
    summary = summary_of("app.clients", PROJECT["app.clients"][0])
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert summary.classes == {"BaseClient": (), "GeoClient": ("app.clients.BaseClient",)}
    assert summary.instances == {"geo_client": "app.clients.GeoClient()"}
    assert summary.functions["BaseClient.fetch"].blocking == (("requests.Session.get", "FL101"),)
    assert summary.functions["GeoClient.lookup"].calls == ("app.clients.GeoClient.fetch",)


def test_an_async_function_summary_leaves_out_its_blocking_calls_but_not_as_project_calls():
    """Chains go through sync functions only, and FL101-FL106 find an async function's own
    blocking calls where it is: its summary lists none. A call of a blocking name is still
    no project call, unless awaited (``await session.execute()`` returns an awaitable)."""
    summary = summary_of(
        "app.routes",
        """
        import requests
        from sqlalchemy.orm import Session
        from app.db import refresh

        async def handler(url, db: Session):
            requests.get(url, timeout=5)
            db.execute("select 1")
            await db.execute("select 2")
            refresh()

        def helper(url):
            requests.get(url, timeout=5)
            refresh()
        """,
    )
    handler, helper = summary.functions["handler"], summary.functions["helper"]
    assert handler.blocking == ()
    assert handler.calls == ("sqlalchemy.orm.Session.execute", "app.db.refresh")  # the awaited call's
    assert helper.blocking == (("requests.get", "FL101"),)
    assert helper.calls == ("app.db.refresh",)


def test_an_index_sent_to_another_process_unpickles_a_summary_when_first_asked_for(index: ProjectIndex):
    """A worker of pass 2 reads a part of the project's summaries: the others stay bytes."""
    facts = index.facts()
    copy = pickle.loads(pickle.dumps(index))
    assert copy.modules.deferred() == len(index.modules) == 6
    assert copy.resolve("app.clients.make_client().lookup") == "app.clients.GeoClient.lookup"
    assert copy.modules.deferred() == 5  # app.clients alone
    assert copy.facts() == facts  # the answers about the whole project came with it
    assert copy.modules.deferred() == 5
    assert copy.modules.made() == index.modules.made()
    assert copy.modules.deferred() == 0


def test_an_index_sent_to_another_process_keeps_every_attribute_but_the_answers_by_name(index: ProjectIndex):
    """The compiled index has no ``__dict__``: it names what it sends (``_SENT``), and a new
    attribute left out of both lists would be lost on the way to pass 2's workers."""
    from fastlint.analysis.project_index import _PER_PROCESS, _SENT

    if hasattr(index, "__dict__"):  # the pure build: what ``__init__`` set
        assert set(vars(index)) == set(_SENT) | set(_PER_PROCESS) and not set(_SENT) & set(_PER_PROCESS)
    index.resolve("app.clients.make_client().lookup")
    index.digests = {"app.db": "d"}
    copy = pickle.loads(pickle.dumps(index))
    assert type(copy) is ProjectIndex and copy.digests == {"app.db": "d"} and copy.complete
    for name in _SENT:
        assert type(getattr(copy, name)) is type(getattr(index, name)), name
    assert (copy._splits, copy._memo, copy._heads) == ({}, {}, None)  # filled again as this process asks


def test_summaries_pickled_by_the_process_that_made_them_are_sent_as_they_are(index: ProjectIndex):
    summaries, db = index.modules, index.modules["app.db"]
    other = summary_of("app.db", "LIMIT = 1\n")
    summaries.keep_pickled({"app.db": pickle.dumps(other), "app.missing": pickle.dumps(other)})
    sent = pickle.loads(pickle.dumps(summaries))
    assert sent["app.db"] == other != db  # the bytes as they were given, not pickled again
    assert sent["app.clients"] == summaries["app.clients"] and "app.missing" not in sent
    summaries["app.db"] = db  # a summary put in place drops the pickle of the one before
    assert pickle.loads(pickle.dumps(summaries))["app.db"] == db


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        pytest.param("app.services.geo.geocode", "app.services.geo.geocode", id="absolute"),
        pytest.param("app.services.geocode", "app.services.geo.geocode", id="re-export"),
        pytest.param("app.geocode", "app.services.geo.geocode", id="re-export-of-a-re-export"),
        pytest.param("app.clients.geo_client.lookup", "app.clients.GeoClient.lookup", id="module-level-instance"),
        pytest.param("app.clients.make_client().lookup", "app.clients.GeoClient.lookup", id="factory-result"),
        pytest.param("requests.get", "requests.get", id="outside-the-project"),
        pytest.param("app.services.missing", None, id="unknown-name"),
    ],
)
def test_resolve(index: ProjectIndex, name: str, canonical: str | None):
    assert index.resolve(name) == canonical


def test_imports_are_qualified_relative_and_aliased():
    summary = summary_of("app.routes.orders", PROJECT["app.routes.orders"][0])
    assert summary.imports["geo_module"] == "app.services.geo"
    assert summary.imports["geo"] == "app.services.geo"
    assert summary.imports["make_client"] == "app.clients.make_client"
    calls = summary.functions["via_factory"].calls
    assert calls == ("app.clients.make_client", "app.clients.make_client().lookup")


def test_calls_through_untyped_parameters_and_dicts_are_not_followed():
    summary = summary_of("app.routes.orders", PROJECT["app.routes.orders"][0])
    assert summary.functions["through_parameter"].calls == ()
    assert summary.functions["through_a_dict"].calls == ()


def test_methods_come_from_project_base_classes(index: ProjectIndex):
    found = index.function("app.clients.GeoClient.fetch")
    assert found is not None and found[0] == "app.clients.BaseClient.fetch"
    assert index.function("app.clients.GeoClient.missing") is None


def test_a_method_of_a_shared_base_is_found_by_its_shortest_path():
    # ``Settings`` derives from ``Shared`` through a chain so long that the index stops
    # (after 16 steps) just before ``Shared``'s own base, which defines ``fetch``, and
    # directly through ``Near``: a base searched in vain already is searched again when
    # reached by a shorter path, and ``Settings.fetch`` is ``Top.fetch``.
    chain = "\n".join(f"class Step{i}(Step{i + 1}):\n    pass\n" for i in range(14))
    source = f"""
class Top:
    def fetch(self):
        return 1

class Shared(Top):
    pass

{chain}
class Step14(Shared):
    pass

class Near(Shared):
    pass

class Deep(Step0):
    pass

class Settings(Step0, Near):
    pass
"""
    index = ProjectIndex([summary_of("app.settings", source)], KNOWLEDGE)
    assert index.function("app.settings.Deep.fetch") is None  # too many steps away
    found = index.function("app.settings.Settings.fetch")
    assert found is not None and found[0] == "app.settings.Top.fetch"
    assert index.function("app.settings.Near.fetch") == found
    assert index.function("app.settings.Settings.missing") is None


def test_call_results(index: ProjectIndex):
    assert index.call_result("app.clients.GeoClient") == "app.clients.GeoClient"
    assert index.call_result("app.clients.make_client") == "app.clients.GeoClient"
    assert index.call_result("app.db.SessionLocal") == "sqlalchemy.orm.Session"
    assert index.call_result("app.db.get_db") == "sqlalchemy.orm.Session"
    assert index.call_result("app.services.geo.geocode") is None


def test_chains(index: ProjectIndex):
    assert index.blocking_chain("app.clients.GeoClient.lookup") == Chain(
        ("GeoClient.lookup", "BaseClient.fetch"), "requests.Session.get", "FL101", "app.clients.BaseClient.fetch"
    )
    assert index.blocking_chain("app.routes.orders.via_factory").describe() == (
        "via_factory() -> GeoClient.lookup() -> BaseClient.fetch() -> requests.Session.get (FL101)"
    )
    assert index.blocking_chain("app.routes.orders.ping") is None
    assert index.blocking_chain("app.routes.orders.through_parameter") is None
    assert index.blocking_chain("app.clients.GeoClient.lookup", frozenset({"FL102"})) is None


def test_consulted_modules_are_noted_even_from_memoized_answers(index: ProjectIndex):
    with index.recording() as consulted:
        index.resolve("app.services.geocode")
    assert {"app.services", "app.services.geo"} <= consulted
    with index.recording() as first:
        index.blocking_chain("app.routes.orders.via_factory")
    assert {"app.routes.orders", "app.clients"} <= first
    with index.recording() as second:
        index.blocking_chain("app.routes.orders.via_factory")
    assert second == first


def test_a_module_looked_for_and_missing_is_noted(index: ProjectIndex):
    with index.recording() as consulted:
        index.resolve("vendor.sdk.call")
    assert {"vendor.sdk.call", "vendor.sdk", "vendor"} <= consulted


def test_a_name_outside_every_package_of_the_index_still_stops_a_check_of_one_module():
    """``vendor.sdk`` starts as no module of this index does, so no module is looked up for
    it; the names it would have tried are noted all the same, and one of them is another
    module of the project: a check of one module alone stops there."""
    from fastlint.analysis.project_index import ConsultsOthers, OwnIndex

    own = OwnIndex([summary_of("app.main", "import vendor.sdk\n")], KNOWLEDGE)
    own.others = frozenset({"vendor.sdk"})
    with own.recording(), pytest.raises(ConsultsOthers):
        own.resolve("vendor.sdk.call")
    alone = OwnIndex([summary_of("app.main", "import vendor.sdk\n")], KNOWLEDGE)
    with alone.recording() as consulted:
        assert alone.resolve("vendor.sdk.call") == "vendor.sdk.call"  # a library's name, as it is
    assert {"vendor.sdk.call", "vendor.sdk", "vendor"} <= consulted


def test_a_module_added_under_a_new_package_is_found(index: ProjectIndex):
    assert index.function("vendor.sdk.call") is None
    index.replace_module("vendor.sdk", summary_of("vendor.sdk", "def call():\n    pass\n"))
    found = index.function("vendor.sdk.call")
    assert found is not None and found[0] == "vendor.sdk.call"


# -- ORM models, settings classes and roles across modules ------------------------------

SHOP = {
    "shop": ("", True),
    "shop.models": ("from .author import Author\nfrom .book import Book\n", True),
    "shop.models.base": ("from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n", False),
    "shop.models.author": (
        """
        from sqlalchemy.orm import relationship
        from .base import Base

        class Author(Base):
            __tablename__ = "authors"
            books = relationship("Book", lazy="dynamic")
            prizes = relationship("Prize")
        """,
        False,
    ),
    "shop.models.book": (
        """
        from typing import TYPE_CHECKING
        from sqlalchemy.orm import Mapped, relationship
        from .base import Base
        if TYPE_CHECKING:
            from .author import Author

        class Book(Base):
            __tablename__ = "books"
            author: Mapped["Author"] = relationship(back_populates="books")
        """,
        False,
    ),
    "shop.config": (
        """
        from pydantic_settings import BaseSettings

        class CommonSettings(BaseSettings):
            pass
        """,
        False,
    ),
    "shop.settings": ("from shop.config import CommonSettings\n\nclass Settings(CommonSettings):\n    pass\n\nclass Plain:\n    pass\n", False),
    "shop.deps": (
        """
        async def get_user():
            pass

        async def unused():
            pass

        class Checker:
            def __init__(self):
                pass

        class Page:
            def __init__(self):
                pass
        """,
        False,
    ),
    "shop.main": (
        """
        from fastapi import Depends, FastAPI
        from shop import deps
        from shop.deps import get_user as current_user

        app = FastAPI(dependencies=[Depends(deps.get_user)])
        app.add_api_route("/me", current_user, methods=["POST"])
        app.add_api_route("/page", deps.Page, dependencies=[Depends(deps.Checker)])  # a class is no route
        """,
        False,
    ),
}


@pytest.fixture
def shop() -> ProjectIndex:
    return ProjectIndex([summary_of(name, text, package) for name, (text, package) in SHOP.items()], KNOWLEDGE)


def test_orm_models_are_found_through_re_exports_with_their_targets_qualified(shop: ProjectIndex):
    with shop.recording() as consulted:
        author = shop.orm_model("shop.models.Author")
        assert author is not None and author.name == "shop.models.author.Author"
        assert [(rel.name, rel.target, rel.lazy) for rel in author.relationships] == [
            ("books", "shop.models.book.Book", "dynamic"),  # the string names a class of the registry
            ("prizes", "Prize", "select"),  # no such model: left as written
        ]
        book = shop.orm_model("shop.models.book.Book")
        assert book is not None and book.relationships[0].target == "shop.models.author.Author"  # through the import
        assert shop.orm_model("Book") == book
        assert shop.orm_model("shop.models.base.Base") is None
    assert {"shop.models", "shop.models.author", "<orm-registry>"} <= consulted


def test_settings_classes_are_recognised_through_project_bases(shop: ProjectIndex):
    with shop.recording() as consulted:
        bases = frozenset({"pydantic_settings.BaseSettings"})
        assert shop.is_subclass("shop.settings.Settings", bases)
        assert shop.is_subclass("shop.config.CommonSettings", bases)
        assert not shop.is_subclass("shop.settings.Plain", bases)
        assert not shop.is_subclass("shop.missing.Settings", bases)
    assert "shop.config" in consulted


def test_roles_registered_in_another_module_reach_the_function(shop: ProjectIndex):
    with shop.recording() as consulted:
        roles = shop.registered_roles("shop.deps")
        assert {local: [role.kind.value for role in found] for local, found in roles.items()} == {
            "get_user": ["route handler", "dependency"],
            "Checker.__init__": ["dependency"],  # built per request
        }
        assert roles["get_user"][0].endpoint == "POST /me"
    assert consulted == {"<roles>:shop.deps"}
    digests = shop.fact_digests()
    assert set(digests) == {"<orm-registry>", "<orm-any>", "<request-state>", "<modules>", *(f"<{fact}>:{module}" for module in SHOP for fact in ("roles", "reach"))}


def test_the_digests_of_some_facts_are_those_of_all_facts(shop: ProjectIndex):
    whole = dict(shop.fact_digests())
    fresh = ProjectIndex(shop.modules.values(), shop.knowledge)
    for only in (["<roles>:shop.deps"], ["<reach>:shop.deps", "<orm-any>"], ["<request-state>", "<modules>", "shop.deps"], ["<orm-registry>"], []):
        assert fresh.fact_digests(only) == {name: whole[name] for name in only if name in whole}
    roles_only = ProjectIndex(shop.modules.values(), shop.knowledge)
    roles_only.fact_digests(["<roles>:shop.deps", "<modules>"])
    assert roles_only._reach is None  # the call graph is walked only when asked about


def test_a_module_checked_alone_computes_the_facts_it_consults_without_stopping():
    """Served code walks into other modules (through what their functions return, here):
    a check against one module's index that asks about it is not stopped, since it rests
    on the digest of the answer, which the whole index's must match."""
    from fastlint.analysis.project_index import ConsultsOthers, OwnIndex

    routes = summary_of("svc.routes", """
        from fastapi import FastAPI
        from svc import clients

        app = FastAPI()

        @app.get("/")
        async def root():
            return clients.make().run()
        """)
    own = OwnIndex([routes], KNOWLEDGE)
    own.others = frozenset({"svc", "svc.clients"})
    with own.recording():
        with pytest.raises(ConsultsOthers):
            own.call_result("svc.clients.make")  # a question about another module stops the check
        reach = own.reach("svc.routes")
    alone = OwnIndex([routes], KNOWLEDGE)
    assert reach == alone.reach("svc.routes") == {"root": "served"}
    names = ["<reach>:svc.routes", "<roles>:svc.routes"]
    assert own.fact_digests(names) == {name: digest for name, digest in alone.fact_digests().items() if name in names}


def test_replacing_a_module_forgets_exactly_the_answers_resting_on_it(index: ProjectIndex):
    assert index.blocking_chain("app.routes.orders.via_factory") is not None
    assert index.resolve("app.services.geocode") == "app.services.geo.geocode"
    resolved = {key for key in index._memo if key[0] == "chain"}
    quiet = PROJECT["app.clients"][0].replace("self.session.get(path, timeout=5)", "path")
    index.replace_module("app.clients", summary_of("app.clients", quiet))
    assert not {key for key in index._memo if key[0] == "chain"} & resolved  # the chain rested on app.clients
    assert index.blocking_chain("app.routes.orders.via_factory") is None
    assert index.resolve("app.services.geocode") == "app.services.geo.geocode"
    index.replace_module("app.clients", summary_of("app.clients", PROJECT["app.clients"][0]))
    assert index.blocking_chain("app.routes.orders.via_factory") is not None
    index.replace_module("app.services.geo", None)  # deleted
    assert index.resolve("app.services.geocode") is None


def test_replacing_a_module_renews_the_facts_every_module_gives():
    deps = summary_of("app.deps", "async def get_user():\n    pass\n")
    main = "from fastapi import Depends, FastAPI\nfrom app import deps\napp = FastAPI()\n\n@app.get('/')\nasync def me(user=Depends(deps.get_user)):\n    pass\n"
    index = ProjectIndex([deps, summary_of("app.main", main)], KNOWLEDGE)
    assert list(index.registered_roles("app.deps")) == ["get_user"]
    index.replace_module("app.main", summary_of("app.main", main.replace("Depends(deps.get_user)", "None")))
    assert index.registered_roles("app.deps") == {}
    index.replace_module("app.other", summary_of("app.other", main))  # a new module registers it again
    assert list(index.registered_roles("app.deps")) == ["get_user"]
    models = "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\nclass Book(Base):\n    __tablename__ = 'b'\n"
    assert index.orm_model("Book") is None
    index.replace_module("app.models", summary_of("app.models", models))
    assert index.orm_model("Book") is not None


def test_going_through_every_module_rests_on_which_modules_exist(shop: ProjectIndex):
    with shop.recording() as consulted:
        assert "shop.deps" in shop.module_names()
    assert consulted == {"<modules>"}
    with shop.recording() as consulted:
        shop.capacity("workers")
    assert "<modules>" in consulted
    grown = ProjectIndex([*shop.modules.values(), ModuleSummary("shop.extra", False)], shop.knowledge)
    assert grown.fact_digests()["<modules>"] != shop.fact_digests()["<modules>"]


SERVING = {
    "svc.main": (
        """
        import asyncio
        from contextlib import asynccontextmanager
        from fastapi import FastAPI
        from svc import boot, listen, wallets

        @asynccontextmanager
        async def lifespan(app):
            await boot.load_config()
            asyncio.create_task(listen.invoices(wallets.get_wallet()))
            yield

        app = FastAPI(lifespan=lifespan)

        @app.get("/status")
        async def status():
            return await boot.status_config()
        """,
        False,
    ),
    "svc.boot": (
        """
        async def load_config():
            return read_file()

        async def status_config():
            return read_file()

        def read_file():
            return open("/etc/app.yaml").read()

        def unused():
            return 1
        """,
        False,
    ),
    "svc.listen": (
        """
        async def invoices(wallet):
            async for payment in wallet.stream():
                print(payment)
        """,
        False,
    ),
    "svc.wallets": (
        """
        class Wallet:
            async def stream(self):
                yield None

        class Strike(Wallet):
            async def stream(self):
                yield 1

        def get_wallet() -> Wallet:
            return Strike()
        """,
        False,
    ),
    "svc.cli": (
        """
        import typer
        from svc import boot

        app = typer.Typer()

        @app.command()
        def config():
            boot.read_file()
        """,
        False,
    ),
}


def test_served_and_once_only_functions_are_told_apart():
    index = ProjectIndex([summary_of(name, text, package) for name, (text, package) in SERVING.items()], KNOWLEDGE)
    with index.recording() as consulted:
        boot = index.reach("svc.boot")
    assert consulted == {"<reach>:svc.boot"}
    # Awaited by the lifespan only; called from a route too; reached from nothing.
    assert boot == {"load_config": "once", "status_config": "served", "read_file": "served"}
    # A task the lifespan starts runs while serving, and so do the methods it calls on an
    # untyped parameter (by name: every project method called `stream`).
    assert index.reach("svc.listen") == {"invoices": "served"}
    assert index.reach("svc.wallets") == {"Wallet.stream": "served", "Strike.stream": "served", "get_wallet": "once"}
    assert index.reach("svc.main") == {"lifespan": "once", "status": "served"}
    assert index.reach("svc.cli") == {"config": "once"}


def test_whether_the_project_maps_any_class_rests_on_that_alone(shop: ProjectIndex):
    with shop.recording() as consulted:
        assert shop.has_orm_models()
    assert consulted == {"<orm-any>"}  # not the registry: a model renamed elsewhere changes nothing here
    renamed = [replace(summary, models={f"{name}2": model for name, model in summary.models.items()}) for summary in shop.modules.values()]
    assert ProjectIndex(renamed, shop.knowledge).fact_digests()["<orm-any>"] == shop.fact_digests()["<orm-any>"]
    bare = [replace(summary, models={}) for summary in shop.modules.values()]
    assert ProjectIndex(bare, shop.knowledge).fact_digests()["<orm-any>"] != shop.fact_digests()["<orm-any>"]
