import ast
import re
from collections.abc import Iterator

from fastlint import (
    Applicability,
    Edit,
    Finding,
    Fix,
    FunctionNode,
    Invalid,
    ModuleContext,
    Position,
    Rule,
    Scope,
    Settings,
    Valid,
    add_argument,
    keyword,
    local_calls,
    nodes_of,
    remove_argument,
    replace,
    string_value,
    walk_local,
)
from fastlint.knowledge.resilience import (
    IDEMPOTENCY_LIKE_HEADER,
    KEY_GENERATORS,
    NON_IDEMPOTENT_METHODS,
    RETRY_CLIENTS,
    URLLIB3_METHOD_KEYWORDS,
    URLLIB3_RETRY,
)

from ._outbound import HttpRequest, calls_through, http_request, value_of
from ._retries import RetrySite, retries_only_before_sending, retry_sites

_IDEMPOTENCY_LIKE = re.compile(IDEMPOTENCY_LIKE_HEADER, re.I)

_ADVICE = "a retry after a timeout repeats the side effect (a second charge, a duplicate order)"


def _where(ctx: ModuleContext, function: object, word: str = "in") -> str:
    """`` in async route handler GET /items``, as FL1xx messages name a function; '' at module level."""
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f" {word} {ctx.model.describe(function)}"
    return ""


class RetriedNonIdempotentRequest(Rule):
    """
    ## What it does
    Checks for POST and PATCH requests that are retried without an idempotency key:
    requests sent inside a function retried by tenacity, backoff or stamina (decorators
    and retry loops) without an `Idempotency-Key` header, or with a key generated inside
    the retried code; urllib3 `Retry` policies that retry POST or PATCH
    (`allowed_methods=None`/`False`, or a set containing them; `method_whitelist` in
    urllib3 1.x); and aiohttp-retry `RetryClient`s, whose retry options retry every method
    unless restricted, when a POST or PATCH can go through them.

    A policy that retries only errors raised before the request is sent
    (`retry_if_exception_type(httpx.ConnectError)`) is safe and not reported.

    ## Why is this bad?
    A timeout does not tell whether the server processed the request: the response may
    have been lost on the way back. Retrying a POST then charges the card twice or creates
    the order twice. An idempotency key, created once per operation and sent with every
    attempt, lets the server recognise the repeat. A key generated inside the retried
    function is new on every attempt, so it protects nothing.

    ## Example
    ```python
    import httpx
    from tenacity import retry, stop_after_attempt


    @retry(stop=stop_after_attempt(3))
    async def charge(client: httpx.AsyncClient, order_id: int, amount: int):
        response = await client.post("https://pay.example.com/charges", json={"order": order_id, "amount": amount})
        return response.json()
    ```

    ## Use instead
    ```python
    import uuid

    import httpx
    from tenacity import retry, stop_after_attempt


    @retry(stop=stop_after_attempt(3))
    async def charge(client: httpx.AsyncClient, order_id: int, amount: int, key: str):
        response = await client.post(
            "https://pay.example.com/charges",
            json={"order": order_id, "amount": amount},
            headers={"Idempotency-Key": key},
        )
        return response.json()


    async def checkout(client: httpx.AsyncClient, order_id: int, amount: int):
        return await charge(client, order_id, amount, key=str(uuid.uuid4()))
    ```

    ## Known problems
    A hand-written retry is a loop over `range(...)` whose `try` catches a network error (or
    any exception) around the request without using the loop's counter in it, and goes on
    instead of raising, returning or breaking. Only requests made directly in the retried function are checked, not requests made
    by helpers it calls. Headers built by a function are trusted, and so is a header that
    names the delivery or event (`X-Webhook-Delivery-Id`, `X-GitHub-Delivery`, `X-Event-Id`)
    made outside the retried code. Not reported: a policy that retries only on the result
    (`retry_if_result`), or only on an exception class of the module raised by its own
    status check (`retry_if_exception_type(UploadFailed)`) or on the error that
    `raise_for_status()` raises (`requests.HTTPError`, `httpx.HTTPStatusError`,
    `aiohttp.ClientResponseError`), because the server answered and no timeout is retried;
    and a urllib3 `Retry` mounted on a session that only sends GET, HEAD or OPTIONS.

    ## Options
    - `extend-idempotency-key-headers`: header names accepted besides `Idempotency-Key`
      and `X-Idempotency-Key` (compared case-insensitively).
    - `extend-retry-decorators`: qualified names of project retry decorators whose
      functions are checked like tenacity's.

    ## Fix safety
    The suggestion shows the corrected pattern: `headers={"Idempotency-Key":
    idempotency_key}` on a retried POST or PATCH (into its `headers` dict, or in place of a
    key generated inside the retried code), and a urllib3 `Retry` without its
    `allowed_methods`/`method_whitelist`, whose default retries only idempotent methods. It
    is display-only: the key has to be created once per operation, before the first
    attempt, and passed in, and the server has to honour it, which the fix cannot write or
    know; a POST retried on purpose needs its own decision. `--fix` never applies it, the
    review bot shows it as a plain block and not as a one-click suggestion, and
    `--show-fixes` prints it under the findings.

    ## References
    - [Stripe: Idempotent requests](https://docs.stripe.com/api/idempotent_requests)
    - [IETF draft: The Idempotency-Key HTTP header](https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/)
    - [urllib3: Retry.allowed_methods](https://urllib3.readthedocs.io/en/stable/reference/urllib3.util.html#urllib3.util.Retry)
    """

    code = "FL302"
    name = "retried-non-idempotent-request"
    fixable = True
    triggers = (b"range(", b"retry", b"Retry", b"tenacity", b"backoff", b"stamina")

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        extra = tuple(name.rpartition(".")[2].encode() for name in settings.extend_retry_decorators)
        self.triggers = type(self).triggers + extra  # type: ignore[misc,assignment]

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for site in retry_sites(ctx):
            if not retries_only_before_sending(ctx, site):
                yield from self._retried_requests(ctx, site)
        yield from self._transport_retries(ctx)

    def _retried_requests(self, ctx: ModuleContext, site: RetrySite) -> Iterator[Finding]:
        scope = ctx.inference.scope(site.owner)
        body = {id(node) for node in walk_local(site.body)}
        for node in walk_local(site.body):
            if not isinstance(node, ast.Call):
                continue
            request = http_request(ctx, node, scope)
            if request is None or request.method not in NON_IDEMPOTENT_METHODS:
                continue
            problem = self._key_problem(ctx, request, scope, body)
            if problem:
                function = site.body if isinstance(site.body, (ast.FunctionDef, ast.AsyncFunctionDef)) else site.owner
                message = f"{_describe(ctx, request)}{_where(ctx, function)} retried by `{site.policy.name}` {problem}: {_ADVICE}"
                fix = _key_suggestion(ctx, request.call)
                yield ctx.finding(self.code, node.func, message, fix_title="Send an `Idempotency-Key` created once per operation", fix=fix)

    def _key_problem(self, ctx: ModuleContext, request: HttpRequest, scope: Scope, body: set[int]) -> str | None:
        headers = keyword(request.call, "headers")
        if headers is None:
            has_kwargs = any(item.arg is None for item in request.call.keywords)
            return None if has_kwargs else "without an `Idempotency-Key` header"
        if isinstance(headers, ast.Name) and _changed(headers.id, scope.node, ctx):
            return None  # ``headers["Idempotency-Key"] = ...``, ``headers.update(...)``: keys added later
        headers = value_of(headers, scope, ctx.inference.module_scope)
        if not isinstance(headers, ast.Dict) or any(key is None for key in headers.keys):
            return None  # built elsewhere: trusted
        for key, value in zip(headers.keys, headers.values):
            name = string_value(key)
            if name is not None and (name.lower() in ctx.knowledge.idempotency_headers or _IDEMPOTENCY_LIKE.search(name)):
                value = value_of(value, scope, ctx.inference.module_scope)
                generated = id(value) in body and any(
                    isinstance(call, ast.Call) and ctx.names.qualified_name(call.func) in KEY_GENERATORS for call in ast.walk(value)
                )
                return f"with an `{name}` generated inside the retried code (a new key on every attempt)" if generated else None
        return "without an `Idempotency-Key` header"

    def _transport_retries(self, ctx: ModuleContext) -> Iterator[Finding]:
        # Every name of URLLIB3_RETRY and RETRY_CLIENTS ends in ``Retry`` or ``RetryClient``,
        # and a call resolves to one only through a name or attribute the module spells.
        if b"Retry" not in ctx.source.data:
            return
        owners: list[FunctionNode | ast.Module] = [ctx.tree]
        owners += nodes_of(ctx.tree, ast.FunctionDef, ast.AsyncFunctionDef)
        for owner in owners:
            scope = ctx.inference.scope(owner)
            for node in local_calls(owner):
                callee = ctx.inference.callee(node.func, scope)
                if callee in URLLIB3_RETRY:
                    problem = None if _mounted_on_reading_session(ctx, node, owner) else _urllib3_problem(node)
                elif callee in RETRY_CLIENTS:
                    problem = _retry_client_problem(ctx, node, scope, owner)
                else:
                    continue
                if problem:
                    message = f"`{callee}`{_where(ctx, owner)} {problem}: {_ADVICE}"
                    fix = _idempotent_methods_suggestion(ctx, node) if callee in URLLIB3_RETRY else None
                    yield ctx.finding(self.code, node.func, message, fix_title="Retry only idempotent methods", fix=fix)

    VALID = (
        Valid(
            """
import httpx
import stamina

@stamina.retry(on=httpx.HTTPError)
def fetch(client: httpx.Client, key: str):
    client.get("https://example.com/items")
    client.put("https://example.com/items/1", json={})
    client.post("https://example.com/charges", headers={"Idempotency-Key": key})
"""
        ),
        Valid(
            """
import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt

@retry(retry=retry_if_exception_type((httpx.ConnectError, httpx.ConnectTimeout)), stop=stop_after_attempt(3))
async def create(client: httpx.AsyncClient):
    await client.post("https://example.com/orders", json={})
"""
        ),
        Valid(
            """
import requests
from urllib3.util.retry import Retry
from requests.adapters import HTTPAdapter

session = requests.Session()
session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))
transport = Retry(total=3, allowed_methods=frozenset({"GET", "PUT"}))

def create():
    return session.post("https://example.com/orders", json={}, timeout=5)
"""
        ),
        Valid(
            """
import uuid
import backoff
import requests

@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=3)
def submit(payload, headers):
    return requests.post("https://example.com/orders", json=payload, headers=headers, timeout=5)

def place(payload):
    key = str(uuid.uuid4())
    return submit(payload, {"Idempotency-Key": key})
"""
        ),
        Valid(
            """
import httpx

transport = httpx.AsyncHTTPTransport(retries=3)

async def create(payload):
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.post("https://example.com/orders", json=payload)
"""
        ),
        # A delivery id made once per delivery, outside the retried function: the receiver drops repeats.
        Valid(
            """
import uuid
import httpx
from tenacity import retry, stop_after_attempt

@retry(stop=stop_after_attempt(5))
async def deliver(client: httpx.AsyncClient, url: str, payload: dict, delivery_id: str):
    await client.post(url, json=payload, headers={"X-Webhook-Delivery-Id": delivery_id})

async def send_webhook(client: httpx.AsyncClient, url: str, payload: dict):
    await deliver(client, url, payload, str(uuid.uuid4()))
"""
        ),
        # The retried session only ever reads.
        Valid(
            """
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

def fetch_catalog(url: str):
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, allowed_methods=None, status_forcelist=[502, 503])))
    return session.get(url, timeout=10).json()
"""
        ),
        # A command that retries only when the server answered with an error status.
        Valid(
            """
import httpx
import tenacity

class FileIoException(Exception):
    pass

@tenacity.retry(stop=tenacity.stop_after_attempt(5), retry=tenacity.retry_if_exception_type(FileIoException))
def upload_report(content: str):
    response = httpx.post("https://file.io", content=content)
    if response.status_code not in (200, 201):
        raise FileIoException("upload failed")
    return response.json()["link"]

@tenacity.retry(stop=tenacity.stop_after_attempt(3), retry=tenacity.retry_if_result(lambda r: r.status_code >= 500))
def submit(content: str):
    return httpx.post("https://example.com/reports", content=content)
"""
        ),
        # Retries only when the server answered with an error status (reduced from khoj's embeddings).
        Valid(
            """
import requests
from tenacity import retry, retry_if_exception_type, stop_after_attempt

@retry(retry=retry_if_exception_type(requests.exceptions.HTTPError), stop=stop_after_attempt(5))
def embed_with_hf(endpoint: str, docs: list[str]):
    response = requests.post(endpoint, json={"inputs": docs}, timeout=30)
    response.raise_for_status()
    return response.json()
"""
        ),
        # Reduced from a payments proxy: hand-written retry loops that are safe.
        Valid(
            """
import httpx

client = httpx.AsyncClient(timeout=10)

async def charge(order_id: int, key: str):
    headers = {"Idempotency-Key": key}
    for attempt in range(3):
        try:
            return await client.post("https://payments.example.com/charges", json={"order": order_id}, headers=headers)
        except httpx.TransportError:
            continue

async def refund(order_id: int, key: str):
    headers = {"Authorization": "Bearer token"}
    headers["Idempotency-Key"] = key
    for attempt in range(3):
        try:
            return await client.post("https://payments.example.com/refunds", json={"order": order_id}, headers=headers)
        except httpx.TransportError:
            continue

async def charge_once_connected(order_id: int):
    for attempt in range(3):
        try:
            return await client.post("https://payments.example.com/charges", json={"order": order_id})
        except httpx.ConnectError:
            continue

async def notify_all(urls: list[str]):
    for i in range(len(urls)):
        try:
            await client.post(urls[i], json={})
        except Exception:
            continue

async def browse(payload: dict):
    for attempt in range(4):
        response = await client.post("https://browse.example.com/browse", json=payload)
        if response.status_code in (429, 503) and attempt < 3:
            try:
                delay = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                delay = 1.0
            continue
        return response.json()
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import requests
from tenacity import retry, retry_if_exception_type, stop_after_attempt

@retry(retry=retry_if_exception_type(requests.exceptions.RequestException), stop=stop_after_attempt(5))
def embed_with_hf(endpoint: str, docs: list[str]):
    response = requests.post(endpoint, json={"inputs": docs}, timeout=30)
    response.raise_for_status()
    return response.json()
""",
            expected=((7, 16, 7, 29),),
            message="POST to endpoint (`requests.post`) in function `embed_with_hf` retried by `tenacity.retry`",
            # Display-only: the suggested pattern, never applied by --fix.
            fixed="""
import requests
from tenacity import retry, retry_if_exception_type, stop_after_attempt

@retry(retry=retry_if_exception_type(requests.exceptions.RequestException), stop=stop_after_attempt(5))
def embed_with_hf(endpoint: str, docs: list[str]):
    response = requests.post(endpoint, json={"inputs": docs}, timeout=30, headers={"Idempotency-Key": idempotency_key})
    response.raise_for_status()
    return response.json()
""",
        ),
        Invalid(
            """
import uuid
import httpx
import requests
from requests.adapters import HTTPAdapter
from tenacity import retry, retry_if_exception_type, stop_after_attempt
from urllib3.util.retry import Retry

@retry(stop=stop_after_attempt(5))
async def deliver(client: httpx.AsyncClient, url: str, payload: dict):
    await client.post(url, json=payload, headers={"X-Webhook-Delivery-Id": str(uuid.uuid4())})

class UploadError(httpx.HTTPError):
    pass

@retry(stop=stop_after_attempt(3), retry=retry_if_exception_type(UploadError))
def upload(content: str):
    return httpx.post("https://file.io", content=content)

def publish(url: str, event: dict):
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, allowed_methods=None)))
    session.get(url, timeout=10)
    return session.post(url, json=event, timeout=10)
""",
            expected=((11, 11, 11, 22), (18, 12, 18, 22), (22, 55, 22, 60)),
            message="retried by `tenacity.retry` with an `X-Webhook-Delivery-Id` generated inside the retried code",
        ),
        Invalid(
            """
import httpx
import tenacity

@tenacity.retry(stop=tenacity.stop_after_attempt(3))
async def charge(client: httpx.AsyncClient, amount: int):
    response = await client.post("https://pay.example.com/charges", json={"amount": amount})
    return response.json()
""",
            expected=((7, 22, 7, 33),),
            message='POST to "https://pay.example.com/charges" (`httpx.AsyncClient.post`) in async function `charge` retried by `tenacity.retry` '
            "without an `Idempotency-Key` header: a retry after a timeout repeats the side effect",
        ),
        Invalid(
            """
import uuid
import backoff
import requests

@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)
def update(order_id: int, patch: dict):
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    return requests.patch(f"https://api.example.com/orders/{order_id}", json=patch, headers=headers, timeout=5)
""",
            expected=((10, 12, 10, 26),),
            message="retried by `backoff.on_exception` with an `Idempotency-Key` generated inside the retried code",
        ),
        Invalid(
            """
import requests
from tenacity import Retrying, stop_after_attempt

def notify(session: requests.Session, event: dict):
    for attempt in Retrying(stop=stop_after_attempt(3)):
        with attempt:
            session.request("POST", "https://hooks.example.com", json=event, timeout=5)
""",
            expected=((8, 13, 8, 28),),
            message='POST to "https://hooks.example.com" (`requests.Session.request`) in function `notify` retried by `tenacity.Retrying`',
        ),
        Invalid(
            """
from urllib3 import Retry
from aiohttp_retry import ExponentialRetry, RetryClient

everything = Retry(total=5, allowed_methods=None)
legacy = Retry(total=5, method_whitelist=frozenset(["GET", "POST"]))

async def send(payload):
    async with RetryClient(retry_options=ExponentialRetry(attempts=3)) as client:
        await client.post("https://example.com/events", json=payload)
""",
            expected=((5, 14, 5, 19), (6, 10, 6, 15), (9, 16, 9, 27)),
            message="`urllib3.Retry` retries POST and PATCH (`allowed_methods=None`)",
        ),
        Invalid(
            """
import httpx
from acme.resilience import with_retries

@with_retries
async def create(client: httpx.AsyncClient, payload: dict):
    await client.post("https://example.com/orders", json=payload, headers={"X-Request-Id": "1"})
""",
            expected=((7, 11, 7, 22),),
            message="retried by `acme.resilience.with_retries` without an `Idempotency-Key` header",
            options={"extend_retry_decorators": ("acme.resilience.with_retries",)},
        ),
        Invalid(
            """
import asyncio

import httpx

client = httpx.AsyncClient(timeout=10)

async def charge(order_id: int, amount: int):
    headers = {"Authorization": "Bearer token"}
    headers["X-Request-Source"] = "checkout"
    for attempt in range(3):
        try:
            response = await client.post("https://payments.example.com/charges", json={"amount": amount}, headers=headers)
            return response.json()
        except httpx.TransportError:
            await asyncio.sleep(2 ** attempt)
    raise RuntimeError("payment service unreachable")
""",
            expected=((13, 30, 13, 41),),
            message="POST to \"https://payments.example.com/charges\" (`httpx.AsyncClient.post`) in async function `charge` "
            "retried by `for ... in range(...)` without an `Idempotency-Key` header",
        ),
    )


def _describe(ctx: ModuleContext, request: HttpRequest) -> str:
    url = ctx.text_of(request.url) if request.url is not None else ""
    target = f" to {url if len(url) <= 60 else url[:57] + '...'}" if url else ""
    return f"{request.method}{target} (`{request.callee}`)"


def _mounted_on_reading_session(ctx: ModuleContext, retry: ast.Call, owner: FunctionNode | ast.Module) -> bool:
    """``session.mount(prefix, HTTPAdapter(max_retries=Retry(...)))`` on a session of this
    function (or module) that only ever sends GET, HEAD or OPTIONS: nothing to repeat."""
    nodes = list(walk_local(owner)) if not isinstance(owner, ast.Module) else list(ast.walk(owner))
    bound = {node.value: target.id for node in nodes if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) for target in node.targets if isinstance(target, ast.Name)}
    by_name = {name: call for call, name in bound.items()}

    def called(node: ast.expr | None) -> ast.Call | None:
        return by_name.get(node.id) if isinstance(node, ast.Name) else node if isinstance(node, ast.Call) else None

    for node in nodes:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "mount" and len(node.args) == 2):
            continue
        adapter = called(node.args[1])
        if adapter is None or called(keyword(adapter, "max_retries")) is not retry:
            continue
        session = called(node.func.value)
        requests = calls_through(ctx, session, owner) if session is not None else None
        if requests is None:
            return False
        verbs = {_verb(request) for request in requests}
        return not verbs & (NON_IDEMPOTENT_METHODS | {None, "PUT", "DELETE"}) and any(verbs)
    return False


def _urllib3_problem(call: ast.Call) -> str | None:
    for name in URLLIB3_METHOD_KEYWORDS:
        value = keyword(call, name)
        if value is None:
            continue
        if isinstance(value, ast.Constant) and value.value in (None, False):
            return f"retries POST and PATCH (`{name}={value.value}`)"
        methods = _methods_in(value)
        if methods:
            return f"retries {' and '.join(sorted(methods))} (`{name}`)"
    return None


def _retry_client_problem(ctx: ModuleContext, call: ast.Call, scope: Scope, owner: FunctionNode | ast.Module) -> str | None:
    options = keyword(call, "retry_options")
    if options is not None:
        options = value_of(options, scope, ctx.inference.module_scope)
        if not isinstance(options, ast.Call) or any(item.arg is None for item in options.keywords):
            return None
        methods = keyword(options, "methods")
        if methods is not None:
            found = _methods_in(methods)
            return f"retries {' and '.join(sorted(found))} (`methods`)" if found else None
    requests = calls_through(ctx, call, owner)
    if requests is not None:
        verbs = {_verb(request) for request in requests}
        if not verbs & (NON_IDEMPOTENT_METHODS | {None}):
            return None
    return "retries every method, POST and PATCH included, unless its retry options set `methods`"


def _verb(call: ast.Call) -> str | None:
    """The HTTP method a client call sends, "" for other methods (``close``), None when unknown."""
    name = call.func.attr.upper() if isinstance(call.func, ast.Attribute) else ""
    if name == "REQUEST":
        method = string_value(call.args[0] if call.args else keyword(call, "method"))
        return method.upper() if method else None
    return name if name in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} else ""


def _methods_in(node: ast.expr) -> set[str]:
    return {
        value.upper()
        for child in ast.walk(node)
        if (value := string_value(child)) is not None and value.upper() in NON_IDEMPOTENT_METHODS
    }


def _changed(name: str, owner: ast.AST, ctx: ModuleContext) -> bool:
    """The dict ``name`` holds gets keys after it is built: a subscript store of a key that
    names an idempotency key or that cannot be read, or ``update``/``setdefault``/``|=``."""
    for node in walk_local(owner):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == name:
                    key = string_value(target.slice)
                    if key is None or key.lower() in ctx.knowledge.idempotency_headers or _IDEMPOTENCY_LIKE.search(key):
                        return True
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return True
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("update", "setdefault", "__setitem__")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            return True
    return False


# -- display-only suggestions: the corrected pattern, to adapt by hand ------------------------------

_KEY = '"Idempotency-Key": idempotency_key'


def _key_suggestion(ctx: ModuleContext, call: ast.Call) -> Fix | None:
    """``headers={"Idempotency-Key": idempotency_key}`` on the request (into its ``headers``
    dict when it has one written there). Display-only: the key must be created once per
    operation, outside the retried code, and handed in; the fix cannot write that."""
    headers = keyword(call, "headers")
    edit: Edit | None
    if headers is None:
        edit = add_argument(ctx, call, f"headers={{{_KEY}}}")
    elif isinstance(headers, ast.Dict) and all(key is not None for key in headers.keys):
        named = [
            value for key, value in zip(headers.keys, headers.values)
            if (name := string_value(key)) is not None and (name.lower() in ctx.knowledge.idempotency_headers or _IDEMPOTENCY_LIKE.search(name))
        ]
        if named:  # a key generated on every attempt: the one created once goes in its place
            message = "Send the key created once per operation (`idempotency_key = str(uuid.uuid4())` before the first attempt, passed in)"
            return Fix((replace(ctx, named[0], "idempotency_key"),), Applicability.DISPLAY_ONLY, message)
        start = ctx.position(headers.lineno, headers.col_offset)
        after_brace = Position(start.line, start.column + 1)
        edit = Edit(after_brace, after_brace, _KEY + (", " if headers.keys else ""))
    else:
        return None
    if edit is None:
        return None
    message = "Send an `Idempotency-Key` created once per operation (`idempotency_key = str(uuid.uuid4())` before the first attempt, passed in)"
    return Fix((edit,), Applicability.DISPLAY_ONLY, message)


def _idempotent_methods_suggestion(ctx: ModuleContext, call: ast.Call) -> Fix | None:
    """The urllib3 ``Retry`` without its ``allowed_methods``/``method_whitelist``: the default
    retries only idempotent methods. Display-only: a POST that the code did retry on purpose
    (with a key the server checks) needs its own decision."""
    for name in URLLIB3_METHOD_KEYWORDS:
        item = next((item for item in call.keywords if item.arg == name), None)
        if item is not None:
            edit = remove_argument(ctx, call, item)
            if edit is None:
                return None
            return Fix((edit,), Applicability.DISPLAY_ONLY, f"Drop `{name}=`: urllib3's default retries only idempotent methods")
    return None
