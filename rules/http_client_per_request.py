import ast
from collections.abc import Iterator

from fastlint import Finding, Invalid, ModuleContext, Valid, callee_name, constant_arguments, dotted_text, keyword, local_calls, once_nodes, walk_local

from ._request_scope import Construction, PerRequestClientRule, per_request_advice, request_scoped_functions


class HttpClientPerRequest(PerRequestClientRule):
    """
    ## What it does
    Checks for HTTP clients (`httpx.Client`/`AsyncClient`, `aiohttp.ClientSession`,
    `requests.Session`, `urllib3.PoolManager`) created in code that runs once per request:
    route handlers, dependencies (including `yield` dependencies) and middleware.

    ## Why is this bad?
    A client owns a connection pool. Built per request, it opens a new TCP connection
    and TLS handshake for every call, then throws the pool away: latency grows by a round
    trip or three, sockets pile up in `TIME_WAIT` until the host runs out of ports, and
    keep-alive never helps. One client shared by the whole process reuses connections.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather")
    async def weather(city: str):
        async with httpx.AsyncClient() as client:
            response = await client.get(f"https://api.example.com/{city}")
        return response.json()
    ```

    ## Use instead
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request


    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as client:
            app.state.http = client
            yield


    app = FastAPI(lifespan=lifespan)


    @app.get("/weather")
    async def weather(city: str, request: Request):
        response = await request.app.state.http.get(f"https://api.example.com/{city}")
        return response.json()
    ```
    A module-level client, or a dependency cached with `functools.lru_cache`, is fine too.

    A client built per request on a shared transport (`httpx.AsyncClient(transport=T)`
    with `T` made once, at module level or on `app.state`) shares `T`'s pool and is not
    reported, as long as it is not closed. Closing it (`async with`, `aclose()`) closes
    `T` and its pool on every request, dropping the connections of other requests: that
    is reported, and the message says so.

    ## Known problems
    A project function that builds a client as a `with` item (`async with
    aiohttp.ClientSession() as s:`) is followed one call deep from a handler, dependency or
    middleware (the finding is at the call); a helper that returns its client, or builds
    it deeper in a chain, is not followed.

    ## Fix safety
    The suggestion shows the corrected pattern: the client read from `request.app.state`
    where a `lifespan` put it, in place of the one built here (`with X() as x:` becomes
    `x = request.app.state.x` with its block one level out, since the shared client must not
    be closed per request; `x = X()` becomes `x = request.app.state.x`). It is display-only:
    the lifespan that creates the client, a `Request` parameter and any per-request settings
    the constructor was given are for a person to write, so `--fix` never applies it, the
    review bot shows it as a plain block and not as a one-click suggestion, and
    `--show-fixes` prints it under the findings. A client built by a project function that
    request-scoped code calls (the finding at the call) gets no suggestion: the change
    belongs in that function.

    ## References
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    - [HTTPX: Why use a Client?](https://www.python-httpx.org/advanced/clients/)
    - [aiohttp: Client session](https://docs.aiohttp.org/en/stable/client_advanced.html#client-session)
    """

    code = "FL201"
    name = "http-client-per-request"
    fixable = True
    triggers = (b"fastapi", b"starlette")
    role_triggered = True

    VALID = (
        Valid(
            """
import httpx
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.http = httpx.AsyncClient()
    yield
    await app.state.http.aclose()

app = FastAPI(lifespan=lifespan)
"""
        ),
        Valid(
            """
import requests
from functools import lru_cache
from fastapi import Depends, FastAPI

app = FastAPI()
session = requests.Session()

@lru_cache
def get_session() -> requests.Session:
    return requests.Session()

@app.get("/items")
def items(http: requests.Session = Depends(get_session)):
    return session.get("https://example.com", timeout=5).json()
"""
        ),
        Valid(
            """
import aiohttp
from fastapi import FastAPI, Request

app = FastAPI()
_session = None

@app.get("/lazy")
async def lazy(request: Request):
    global _session
    if _session is None:
        _session = aiohttp.ClientSession()
    if not hasattr(request.app.state, "http"):
        request.app.state.http = aiohttp.ClientSession()
    return {}
"""
        ),
        Valid(
            """
import httpx
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()

async def notify(order_id: int):
    async with httpx.AsyncClient() as client:
        await client.post("https://hooks.example.com", json={"id": order_id})

@app.post("/orders")
async def create(tasks: BackgroundTasks):
    tasks.add_task(notify, 1)
"""
        ),
        Valid(
            """
import httpx
from fastapi import Depends, FastAPI

class Geocoder:
    def __init__(self):
        self.client = httpx.Client()

    def __call__(self):
        return self.client

app = FastAPI()

@app.get("/geo")
def geo(client=Depends(Geocoder())):
    return client.get("https://geo.example.com").json()
"""
        ),
        Valid(
            """
import asyncio

import httpx
from fastapi import FastAPI

app = FastAPI()
_clients = {}
_lock = asyncio.Lock()

@app.get("/feed")
async def feed():
    async with _lock:
        if "feeds" not in _clients:
            _clients["feeds"] = httpx.AsyncClient(base_url="https://feeds.example.com")
    return (await _clients["feeds"].get("/latest")).json()
"""
        ),
        # A per-request client on the module's transport, never closed: the pool is shared.
        Valid(
            """
import httpx
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

app = FastAPI()
_proxy_transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100))

@app.get("/proxy={url_path:path}")
async def reverse_proxy(url_path: str):
    proxy_client = httpx.AsyncClient(transport=_proxy_transport, timeout=httpx.Timeout(10.0))
    request = proxy_client.build_request("GET", url_path)
    response = await proxy_client.send(request, stream=True)
    return StreamingResponse(response.aiter_raw(), background=BackgroundTask(response.aclose))
"""
        ),
        # Reduced from a search proxy: the helper's client is shared, or made once.
        Valid(
            """
import aiohttp
from fastapi import FastAPI

app = FastAPI()
session: aiohttp.ClientSession | None = None

async def fetch(url: str) -> dict:
    async with session.get(url) as response:
        return await response.json()

@app.get("/search")
async def search(q: str):
    return await fetch(f"https://search.example.com/?q={q}")
"""
        ),
        # Reduced from an orchestration server's registry view: the helper returns a cached
        # view first, so its client is made on a cache miss (once per view and TTL).
        Valid(
            """
import httpx
from cachetools import TTLCache
from fastapi import FastAPI

app = FastAPI()
VIEW_CACHE: TTLCache = TTLCache(maxsize=200, ttl=600)

async def get_collection_view(view: str) -> dict:
    try:
        return VIEW_CACHE[view]
    except KeyError:
        pass
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"https://registry.example.com/views/{view}.json")
        VIEW_CACHE[view] = data = resp.json()
        return data

@app.get("/views/{view}")
async def read_view_content(view: str):
    return await get_collection_view(view)
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import httpx
from fastapi import FastAPI, Request

app = FastAPI()
transport = httpx.AsyncHTTPTransport(retries=2)

@app.get("/a")
async def a():
    async with httpx.AsyncClient(transport=transport) as client:
        return (await client.get("https://example.com/a")).json()

@app.get("/b")
async def b(request: Request):
    client = httpx.AsyncClient(transport=request.app.state.transport)
    try:
        return (await client.get("https://example.com/b")).json()
    finally:
        await client.aclose()
""",
            expected=((10, 16, 10, 33), (15, 14, 15, 31)),
            message="`httpx.AsyncClient` creates a new HTTP client per request in async route handler GET /a "
            "on the shared transport `transport`, and closing it closes `transport` and its pool, dropping other requests' connections;",
        ),
        Invalid(
            """
import asyncio

import httpx
from fastapi import FastAPI

app = FastAPI()
_clients = {}
_lock = asyncio.Lock()

@app.get("/users/{user_id}/feed")
async def feed(user_id: str):
    async with _lock:
        if user_id not in _clients:
            _clients[user_id] = httpx.AsyncClient(base_url=f"https://feeds.example.com/{user_id}")
    return (await _clients[user_id].get("/latest")).json()
""",
            expected=((15, 33, 15, 50),),
            message="`httpx.AsyncClient` creates a new HTTP client per request in async route handler GET /users/{user_id}/feed",
        ),
        Invalid(
            """
import httpx
from fastapi import FastAPI

app = FastAPI()

@app.get("/weather")
async def weather(city: str):
    async with httpx.AsyncClient() as client:
        return (await client.get(f"https://api.example.com/{city}")).json()
""",
            expected=((9, 16, 9, 33),),
            message="`httpx.AsyncClient` creates a new HTTP client per request in async route handler GET /weather; "
            "create the HTTP client once in `lifespan`, keep it on `app.state` and hand it out through a dependency",
            # Display-only: the suggested pattern, never applied by --fix.
            fixed="""
import httpx
from fastapi import FastAPI

app = FastAPI()

@app.get("/weather")
async def weather(city: str):
    client = request.app.state.client  # created once in lifespan
    return (await client.get(f"https://api.example.com/{city}")).json()
""",
        ),
        Invalid(
            """
import aiohttp
from fastapi import Depends, FastAPI

app = FastAPI()

async def get_session():
    async with aiohttp.ClientSession() as session:
        yield session

@app.get("/items")
async def items(session=Depends(get_session)):
    return {}
""",
            expected=((8, 16, 8, 37),),
            message="`aiohttp.ClientSession` creates a new HTTP client per request in async dependency `get_session`",
        ),
        Invalid(
            """
from requests import Session
import urllib3
from fastapi import FastAPI, Request

app = FastAPI()

@app.middleware("http")
async def audit(request: Request, call_next):
    pool = urllib3.PoolManager()
    with Session() as http:
        pass
    return await call_next(request)
""",
            expected=((10, 12, 10, 31), (11, 10, 11, 17)),
            message="`urllib3.PoolManager` creates a new HTTP client per request in async middleware `audit`",
        ),
        Invalid(
            """
import httpx
from fastapi import Depends, FastAPI

class Geocoder:
    def __init__(self):
        self.client = httpx.Client()

app = FastAPI()

@app.get("/geo")
def geo(geocoder: Geocoder = Depends(Geocoder)):
    return {}
""",
            expected=((7, 23, 7, 35),),
            message="`httpx.Client` creates a new HTTP client per request in dependency `Geocoder.__init__`",
        ),
        Invalid(
            """
import aiohttp
from fastapi import FastAPI

app = FastAPI()

async def fetch(url: str) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

@app.get("/search")
async def search(q: str):
    return await fetch(f"https://search.example.com/?q={q}")
""",
            expected=((14, 18, 14, 23),),
            message="`fetch()` creates a new `aiohttp.ClientSession` on every call, here once per request in async route handler GET /search",
        ),
        # A cache written on every call and read after the client: no cache hit skips it.
        Invalid(
            """
import httpx
from fastapi import FastAPI

app = FastAPI()
VIEWS: dict = {}

async def refresh_view(view: str) -> dict:
    async with httpx.AsyncClient() as client:
        VIEWS[view] = (await client.get(f"https://registry.example.com/views/{view}.json")).json()
    return VIEWS[view]

@app.get("/views/{view}")
async def read_view_content(view: str):
    return await refresh_view(view)
""",
            expected=((15, 18, 15, 30),),
            message="`refresh_view()` creates a new `httpx.AsyncClient` on every call",
        ),
    )

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        yield from super().check(ctx)
        project = ctx.project
        if project is None:
            return
        for function in request_scoped_functions(ctx):
            scope = ctx.inference.scope(function)
            owner = ctx.model.owners.get(function)
            once = once_nodes(function)
            for node in local_calls(function):
                if id(node) in once:
                    continue
                name = callee_name(node.func, scope, ctx.inference, f"{ctx.module}.{owner.name}" if owner else None)
                canonical = project.resolve(name) if name and name not in ctx.knowledge.clients else None
                found = project.function(canonical) if canonical else None
                if found is None or not found[1].clients:
                    continue
                if project.runs_once_when_called(found[0]) and constant_arguments(node, function):
                    continue
                helper, client = found[1].name, found[1].clients[0]
                yield ctx.finding(
                    self.code,
                    node.func,
                    f"`{helper}()` creates a new `{client}` on every call, here once per request in "
                    f"{ctx.model.describe(function)}; {per_request_advice('HTTP client')}",
                    fix_title="Create the HTTP client in `lifespan`",
                )

    def why(self, ctx: ModuleContext, site: Construction) -> str | None:
        transport = keyword(site.call, "transport")
        if transport is None or not _shared(transport, site.function):
            return ""
        if not _closed(site.call, site.function):
            return None  # a thin wrapper over a shared pool
        shared = dotted_text(transport) or "transport"
        return f" on the shared transport `{shared}`, and closing it closes `{shared}` and its pool, dropping other requests' connections"


def _shared(transport: ast.expr, function: ast.AST) -> bool:
    """A transport made outside this function: a module-level name, or an attribute
    (``app.state.transport``)."""
    if isinstance(transport, ast.Attribute):
        return isinstance(transport.value, (ast.Name, ast.Attribute))
    if not isinstance(transport, ast.Name):
        return False
    for node in walk_local(function):
        if isinstance(node, ast.Name) and node.id == transport.id and isinstance(node.ctx, ast.Store):
            return False
        if isinstance(node, ast.arg) and node.arg == transport.id:
            return False
    return True


def _closed(call: ast.Call, function: ast.AST) -> bool:
    """The client is a ``with`` item, or the name it is bound to is closed or entered."""
    names: set[str] = set()
    for node in walk_local(function):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(item.context_expr is call for item in node.items):
            return True
        if isinstance(node, ast.Assign) and node.value is call:
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    for node in walk_local(function):
        if isinstance(node, ast.Attribute) and node.attr in ("aclose", "close") and isinstance(node.value, ast.Name) and node.value.id in names:
            return True
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(isinstance(item.context_expr, ast.Name) and item.context_expr.id in names for item in node.items):
            return True
    return False
