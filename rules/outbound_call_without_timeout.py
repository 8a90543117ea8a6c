import ast
from collections.abc import Iterator

from fastlint import (
    Applicability,
    Finding,
    Fix,
    FunctionNode,
    Invalid,
    ModuleContext,
    Rule,
    Scope,
    Valid,
    add_argument,
    add_from_import,
    describe_call,
    dotted_text,
    keyword,
    local_calls,
    may_resolve_to,
    nodes_of,
    replace,
)
from fastlint.knowledge.resilience import (
    DEFAULT_TIMEOUT_SETTERS,
    HTTP_ADAPTERS,
    SESSION_REQUESTS,
    SOCKET_BASED,
    TIMEOUT_CALLS,
    UNBOUNDED_TIMEOUT_OBJECTS,
    TimeoutCall,
)

from ._outbound import callee_of, calls_through, value_of

_MISSING = object()


def _where(ctx: ModuleContext, function: object, word: str = "in") -> str:
    """`` in async route handler GET /items``, as FL1xx messages name a function; '' at module level."""
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f" {word} {ctx.model.describe(function)}"
    return ""


def _runs_once(ctx: ModuleContext, owner: FunctionNode | ast.Module) -> bool:
    """Import-time code, and code only startup, lifespan, CLI or import-time code reaches."""
    if ctx.settings.check_startup:
        return False
    return isinstance(owner, ast.Module) or ctx.runs_only_once(owner)


def _builds_client(name: str) -> bool:
    """``aiohttp.ClientSession``, ``httpx.AsyncClient``: an object built once serves later requests."""
    return name.rpartition(".")[2][:1].isupper()


class OutboundCallWithoutTimeout(Rule):
    """
    ## What it does
    Checks for outbound network calls that can wait forever: `requests` calls and
    `Session` methods, `urllib.request.urlopen`, `urllib3`, `http.client`,
    `socket.create_connection`, `smtplib`, `ftplib`, `imaplib` and `poplib` without a
    timeout; `httpx` calls and clients with an explicit `timeout=None` (httpx's own
    default is 5 seconds); `aiohttp.ClientSession` without `timeout=` (aiohttp's default
    is 300 seconds in total) unless every request made through it sets one; and timeout
    objects whose every field is `None`.

    Requests made once, at import time or in code that only startup, lifespan, CLI or
    import-time code reaches, are left alone: no worker waits on them per request. A client
    or session built there is still checked, since it serves later requests. A session
    that leaves the function that builds it (stored, returned) is judged by the requests
    this module sends through sessions of its type.

    ## Why is this bad?
    A request handler that waits on an upstream without a deadline holds a worker, a
    threadpool slot or a connection for as long as the upstream stalls. A few stuck
    calls exhaust the threadpool (40 threads in Starlette) and every other request queues
    behind them. Clients give up after seconds: a timeout near that budget frees the
    worker and lets the handler answer with an error instead.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates():
        return requests.get("https://rates.example.com/latest").json()
    ```

    ## Use instead
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/rates")
    def rates():
        return requests.get("https://rates.example.com/latest", timeout=(3.05, 10)).json()
    ```

    ## Known problems
    A `requests.Session` that mounts an `HTTPAdapter` subclass setting a default timeout
    is recognised when the adapter class is defined in the same module. Receivers created
    in another module are typed through the project index.

    ## Fix safety
    For `requests` calls and `urllib.request` openers (`urlopen`) without a timeout, the
    fix adds `timeout=<default-timeout>` (10 seconds unless configured); for `requests`,
    `urllib.request` and `httpx` calls with `timeout=None` it puts that number in place of
    `None`; an `aiohttp.ClientSession()` without `timeout=` gets
    `timeout=aiohttp.ClientTimeout(total=<default-timeout>)` (importing `ClientTimeout`
    when the session class was imported by name). It is unsafe: a call that used to succeed
    after a longer wait now raises a timeout error, which the code around it may not handle
    (for aiohttp, the whole request including reading the body must fit in that total).
    Other libraries get no fix because their timeouts are objects or positional arguments
    whose right value depends on the call.

    ## Options
    - `default-timeout`: the seconds the fix inserts.

    ## References
    - [requests: Timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - [HTTPX: Timeouts](https://www.python-httpx.org/advanced/timeouts/)
    - [aiohttp: Timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
    """

    code = "FL301"
    name = "outbound-call-without-timeout"
    fixable = True
    # "http" also matches URLs, "session"/"client" receivers imported from other modules.
    triggers = (b"http", b"client", b"session", b"requests", b"urllib", b"socket", b"smtplib", b"ftplib", b"imaplib", b"poplib")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        socket_default = _sets_default_timeout(ctx)
        mounted = _sessions_with_timeout_adapter(ctx)
        owners: list[FunctionNode | ast.Module] = [ctx.tree, *_functions(ctx.tree)]
        for owner in owners:
            candidates = [node for node in local_calls(owner) if may_resolve_to(node.func, ctx.names, _METHODS, TIMEOUT_CALLS)]
            if not candidates:
                continue
            scope = ctx.inference.scope(owner)
            for node in candidates:
                callee = callee_of(ctx, node.func, scope)
                entry = TIMEOUT_CALLS.get(callee or "")
                if entry is None or (socket_default and entry.name.startswith(SOCKET_BASED)):
                    continue
                if entry.name.startswith("requests.Session.") and dotted_text(_receiver(node)) in mounted:
                    continue
                problem = self._problem(ctx, node, entry, scope, owner)
                if problem and not _builds_client(entry.name) and _runs_once(ctx, owner):
                    continue  # a request made once, at import or startup, holds no worker per request
                if problem:
                    message = f"{describe_call(ctx, node.func, entry.name)}{_where(ctx, owner)} {problem}"
                    fix = self._fix(ctx, node, entry)
                    yield ctx.finding(self.code, node.func, message, fix_title="Pass an explicit `timeout=`", fix=fix)

    def _fix(self, ctx: ModuleContext, call: ast.Call, entry: TimeoutCall) -> Fix | None:
        seconds = self.settings.default_timeout
        value = _timeout_argument(call, entry)
        text, import_edit = f"{seconds}", None
        if value is _MISSING and entry.policy == "required" and entry.name.startswith(_ADDS_TIMEOUT):
            edit = add_argument(ctx, call, f"timeout={seconds}")
        elif isinstance(value, ast.Constant) and value.value is None and entry.name.startswith(_NUMERIC_TIMEOUT):
            edit = replace(ctx, value, str(seconds))
        elif value is _MISSING and entry.name == "aiohttp.ClientSession":
            if isinstance(call.func, ast.Attribute):  # ``aiohttp.ClientSession()``: the module is bound
                text = f"{ctx.text_of(call.func.value)}.ClientTimeout(total={seconds})"
            else:
                usable, import_edit = add_from_import(ctx, "aiohttp", "ClientTimeout")
                if not usable:
                    return None
                text = f"ClientTimeout(total={seconds})"
            edit = add_argument(ctx, call, f"timeout={text}")
        else:
            return None
        if edit is None:
            return None
        edits = (edit,) if import_edit is None else (edit, import_edit)
        return Fix(edits, Applicability.UNSAFE, f"Pass `timeout={text}`")

    def _problem(self, ctx: ModuleContext, call: ast.Call, entry: TimeoutCall, scope: Scope, owner: ast.AST) -> str | None:
        library = "http.client" if entry.name.startswith("http.client.") else entry.name.split(".")[0]
        value = _timeout_argument(call, entry)
        if value is None:
            return None  # hidden in ``**kwargs``
        if value is _MISSING:
            if entry.policy == "required":
                return f"has no timeout and {library} has no default: a stalled server holds the worker forever"
            if entry.policy == "session" and not _every_request_sets_timeout(ctx, call, entry, owner):
                if entry.default.startswith("no default"):
                    return f"is created without `timeout=`: {library} has no default, so its requests can wait forever"
                return f"is created without `timeout=`: every request through it may wait {library}'s default of {entry.default}"
            return None
        assert isinstance(value, ast.expr)
        if isinstance(value, ast.Constant) and value.value is None:
            return "is called with `timeout=None`: it waits forever for a stalled server"
        if _unbounded_timeout_object(ctx, value_of(value, scope, ctx.inference.module_scope), scope):
            return "gets a timeout whose every field is `None`: it waits forever for a stalled server"
        return None

    VALID = (
        # Requests made once, at import (reduced from open-webui's branding fetch in config.py)
        # or by code only startup reaches: no worker waits on them per request.
        Valid(
            """
import os
import requests
from fastapi import FastAPI

CUSTOM_NAME = os.getenv("CUSTOM_NAME", "")
if CUSTOM_NAME:
    data = requests.get(f"https://api.example.com/custom/{CUSTOM_NAME}").json()

def fetch_release_notes():
    return requests.get("https://api.example.com/releases/latest").json()

app = FastAPI()

@app.on_event("startup")
def load_release_notes():
    app.state.notes = fetch_release_notes()
"""
        ),
        # A shared session that leaves the function that builds it: every request this module
        # sends through a session passes a timeout (reduced from litellm's Presidio guardrail),
        # or a transport of another package sends them (reduced from litellm's shared session).
        Valid(
            """
import aiohttp
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

class PresidioMasking:
    def __init__(self):
        self._http_session = None

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[aiohttp.ClientSession]:
        if self._http_session is None:
            self._http_session = aiohttp.ClientSession()
        yield self._http_session

    async def analyze(self, text: str):
        async with self._session() as session:
            async with session.post("http://presidio/analyze", json={"text": text}, timeout=aiohttp.ClientTimeout(total=10)) as response:
                return await response.json()
"""
        ),
        Valid(
            """
from aiohttp import ClientSession, TCPConnector
from fastapi import FastAPI

app = FastAPI()

async def initialize_shared_session() -> ClientSession:
    return ClientSession(connector=TCPConnector(limit=1000))

@app.on_event("startup")
async def startup():
    app.state.http = await initialize_shared_session()
"""
        ),
        Valid(
            """
from aiohttp import ClientSession, ClientTimeout

async def fetch(url: str):
    async with ClientSession(timeout=ClientTimeout(total=10)) as session:
        async with session.get(url) as response:
            return await response.text()
""",
        ),
        Valid(
            """
import httpx
import requests

requests.get("https://example.com", timeout=5)
requests.post("https://example.com", json={}, timeout=(3.05, 27))
httpx.get("https://example.com")
client = httpx.Client(base_url="https://example.com")

def forward(**kwargs):
    return requests.get("https://example.com", **kwargs)
"""
        ),
        Valid(
            """
import aiohttp

async def fetch(url: str):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(url) as response:
            return await response.text()

async def fetch_each(url: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
            return await response.text()
"""
        ),
        Valid(
            """
import socket
import urllib.request

socket.setdefaulttimeout(10)

def fetch(url):
    return urllib.request.urlopen(url).read()
"""
        ),
        Valid(
            """
import requests
from requests.adapters import HTTPAdapter

class TimeoutAdapter(HTTPAdapter):
    def send(self, request, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or 5
        return super().send(request, **kwargs)

session = requests.Session()
session.mount("https://", TimeoutAdapter())

def fetch(url):
    return session.get(url)
"""
        ),
        Valid(
            """
import smtplib
import urllib.request
from http.client import HTTPSConnection

def send(message):
    with smtplib.SMTP("mail.example.com", 25, None, 10) as smtp:
        smtp.send_message(message)
    urllib.request.urlopen("https://example.com", None, 5)
    HTTPSConnection("example.com", timeout=5)
"""
        ),
        # Every request through the unnamed session passes ``timeout=``.
        Valid(
            """
import aiohttp

async def stop_sandbox(sandbox_url: str):
    await aiohttp.ClientSession().get(f"{sandbox_url}/stop", timeout=5)
"""
        ),
    )
    INVALID = (
        # The shared session's requests in this module pass no timeout.
        Invalid(
            """
import aiohttp

class Pipelines:
    def __init__(self):
        self.session = aiohttp.ClientSession()

    async def run(self, url: str):
        async with self.session.post(url, json={}) as response:
            return await response.json()
""",
            expected=((6, 24, 6, 45),),
            message="`aiohttp.ClientSession` in function `Pipelines.__init__` is created without `timeout=`",
        ),
        Invalid(
            """
import aiohttp

async def stop_sandbox(sandbox_url: str):
    await aiohttp.ClientSession().get(f"{sandbox_url}/stop")
""",
            expected=((5, 11, 5, 32),),
            message="`aiohttp.ClientSession` in async function `stop_sandbox` is created without `timeout=`: every request through it may wait aiohttp's default of",
        ),
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()
session = requests.Session()

@app.get("/users/{user_id}")
def user(user_id: int):
    profile = session.get(f"https://users.example.com/{user_id}")
    return requests.get("https://avatars.example.com", timeout=None).json()
""",
            expected=((10, 15, 10, 26), (11, 12, 11, 24)),
            message="`session.get` (`requests.Session.get`) in route handler GET /users/{user_id} has no timeout and requests has no default: "
            "a stalled server holds the worker forever",
            fixed="""
import requests
from fastapi import FastAPI

app = FastAPI()
session = requests.Session()

@app.get("/users/{user_id}")
def user(user_id: int):
    profile = session.get(f"https://users.example.com/{user_id}", timeout=10)
    return requests.get("https://avatars.example.com", timeout=10).json()
""",
        ),
        Invalid(
            """
import aiohttp

async def fetch(url: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.text()

async def forever(url: str):
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
    await session.get(url)
""",
            expected=((5, 16, 5, 37), (10, 15, 10, 36)),
            message="`aiohttp.ClientSession` in async function `fetch` is created without `timeout=`: every request through it may wait "
            "aiohttp's default of 300 s total",
        ),
        Invalid(
            """
from aiohttp import ClientSession

async def fetch(url: str):
    async with ClientSession(raise_for_status=True) as session:
        async with session.get(url) as response:
            return await response.text()
""",
            expected=((5, 16, 5, 29),),
            fixed="""
from aiohttp import ClientSession, ClientTimeout

async def fetch(url: str):
    async with ClientSession(raise_for_status=True, timeout=ClientTimeout(total=10)) as session:
        async with session.get(url) as response:
            return await response.text()
""",
        ),
        Invalid(
            """
import httpx

NO_TIMEOUT = httpx.Timeout(None)

async def call(url: str):
    async with httpx.AsyncClient(timeout=NO_TIMEOUT) as client:
        return await client.post(url, timeout=None)
""",
            expected=((7, 16, 7, 33), (8, 22, 8, 33)),
            message="`httpx.AsyncClient` in async function `call` gets a timeout whose every field is `None`",
        ),
        Invalid(
            # Reduced from a webhook relay: HTTPS is the same class as HTTP to http.client.
            """
import http.client

def relay(host: str, body: bytes):
    connection = http.client.HTTPSConnection(host)
    connection.request("POST", "/hooks", body)
    return connection.getresponse().status
""",
            expected=((5, 18, 5, 45),),
            message="`http.client.HTTPSConnection` (`http.client.HTTPConnection`) in function `relay` has no timeout and http.client has no default",
        ),
        Invalid(
            """
import ftplib
import smtplib
import socket
import urllib.request
import urllib3

def legacy(host):
    socket.create_connection((host, 80))
    smtplib.SMTP(host)
    ftplib.FTP(host, "user", "secret")
    urllib.request.urlopen(f"https://{host}")
    urllib3.PoolManager().request("GET", f"https://{host}")
""",
            expected=((9, 5, 9, 29), (10, 5, 10, 17), (11, 5, 11, 15), (12, 5, 12, 27), (13, 5, 13, 24)),
            message="`socket.create_connection` in function `legacy` has no timeout and socket has no default",
            fixed="""
import ftplib
import smtplib
import socket
import urllib.request
import urllib3

def legacy(host):
    socket.create_connection((host, 80))
    smtplib.SMTP(host)
    ftplib.FTP(host, "user", "secret")
    urllib.request.urlopen(f"https://{host}", timeout=10)
    urllib3.PoolManager().request("GET", f"https://{host}")
""",
        ),
    )


# Calls whose `timeout=` keyword takes seconds: the ones the fix may add it to, or set.
_ADDS_TIMEOUT = ("requests.", "urllib.request.")
_NUMERIC_TIMEOUT = (*_ADDS_TIMEOUT, "httpx.")

# A method call named otherwise cannot be in the table: it needs no type inference.
_METHODS = frozenset(name.rpartition(".")[2] for name in TIMEOUT_CALLS)


def _functions(tree: ast.Module) -> Iterator[FunctionNode]:
    return iter(nodes_of(tree, ast.FunctionDef, ast.AsyncFunctionDef))


def _receiver(call: ast.Call) -> ast.expr:
    return call.func.value if isinstance(call.func, ast.Attribute) else call.func


def _timeout_argument(call: ast.Call, entry: TimeoutCall) -> object:
    """The timeout given to ``call``, ``_MISSING``, or None when ``**kwargs`` may hold it."""
    given = keyword(call, "timeout")
    if given is not None:
        return given
    if entry.position is not None and len(call.args) > entry.position:
        return call.args[entry.position]
    if any(item.arg is None for item in call.keywords) or any(isinstance(arg, ast.Starred) for arg in call.args):
        return None
    return _MISSING


def _unbounded_timeout_object(ctx: ModuleContext, node: ast.expr, scope: Scope) -> bool:
    if not isinstance(node, ast.Call):
        return False
    fields = UNBOUNDED_TIMEOUT_OBJECTS.get(ctx.inference.callee(node.func, scope) or "")
    if fields is None or (not node.args and not node.keywords and fields[0] == "timeout"):
        return False
    given = [*node.args, *(item.value for item in node.keywords if item.arg in fields)]
    return all(isinstance(value, ast.Constant) and value.value is None for value in given)


def _every_request_sets_timeout(ctx: ModuleContext, construction: ast.Call, entry: TimeoutCall, owner: ast.AST) -> bool:
    methods = SESSION_REQUESTS.get(entry.name.replace("ProxyManager", "PoolManager"), frozenset())
    calls = calls_through(ctx, construction, owner)  # type: ignore[arg-type]
    if calls is None:
        return _shared_requests_set_timeout(ctx, entry, owner)
    requests = [call for call in calls if isinstance(call.func, ast.Attribute) and call.func.attr in methods]
    return bool(requests) and all(keyword(call, "timeout") is not None for call in requests)


def _shared_requests_set_timeout(ctx: ModuleContext, entry: TimeoutCall, owner: ast.AST) -> bool:
    """A session that leaves the function that builds it (stored, returned, yielded) is
    judged by the requests this module sends through sessions of its type: all of them
    pass ``timeout=``. A shared session built once, at startup, whose requests this
    module does not show (a transport of another package sends them) is left alone too."""
    methods = SESSION_REQUESTS.get(entry.name.replace("ProxyManager", "PoolManager"), frozenset())
    prefix = entry.name.replace("ProxyManager", "PoolManager") + "."
    requests = []
    for function in [ctx.tree, *_functions(ctx.tree)]:
        candidates = [call for call in local_calls(function) if isinstance(call.func, ast.Attribute) and call.func.attr in methods]
        if not candidates:
            continue
        scope = ctx.inference.scope(function)
        requests += [call for call in candidates if (callee_of(ctx, call.func, scope) or "").startswith(prefix)]
    if requests:
        return all(keyword(call, "timeout") is not None for call in requests)
    return isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and not ctx.settings.check_startup and ctx.runs_only_once(owner)


def _sets_default_timeout(ctx: ModuleContext) -> bool:
    """``socket.setdefaulttimeout(10)`` at module level: socket-based clients honour it."""
    for statement in ctx.tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if ctx.names.qualified_name(call.func) in DEFAULT_TIMEOUT_SETTERS and call.args:
                if not (isinstance(call.args[0], ast.Constant) and call.args[0].value is None):
                    return True
    return False


def _sessions_with_timeout_adapter(ctx: ModuleContext) -> set[str]:
    """Receivers (as written) on which an ``HTTPAdapter`` subclass that sets a timeout is mounted."""
    adapters = {
        f"{ctx.names.module}.{name}"
        for name, node in ctx.names.definitions.items()
        if isinstance(node, ast.ClassDef)
        and any(ctx.names.qualified_name(base) in HTTP_ADAPTERS for base in node.bases)
        and _mentions_timeout(node)
    }
    mounted: set[str] = set()
    if not adapters:
        return mounted
    module_scope = ctx.inference.module_scope
    for node in nodes_of(ctx.tree, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "mount" and len(node.args) == 2:
            adapter = value_of(node.args[1], module_scope, module_scope)
            if isinstance(adapter, ast.Call) and ctx.names.qualified_name(adapter.func) in adapters:
                mounted.add(dotted_text(node.func.value) or "")
    return mounted


def _mentions_timeout(node: ast.ClassDef) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and child.value == "timeout":
            return True
        if isinstance(child, (ast.arg, ast.keyword)) and child.arg == "timeout":
            return True
    return False
