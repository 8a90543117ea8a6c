import ast
from collections.abc import Iterator

from fastlint import Applicability, Edit, Finding, Fix, Invalid, ModuleContext, Rule, Valid, add_argument, add_from_import, called_with, keyword, replace

from ._retries import RetrySite, retry_sites, unbounded

ATTEMPTS = 3


def _where(ctx: ModuleContext, function: object, word: str = "in") -> str:
    """`` in async route handler GET /items``, as FL1xx messages name a function; '' at module level."""
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f" {word} {ctx.model.describe(function)}"
    return ""


class UnboundedRetry(Rule):
    """
    ## What it does
    Checks for retry policies that never give up: tenacity's `@retry`, `Retrying` and
    `AsyncRetrying` without `stop` (tenacity's default is `stop_never`), backoff's
    `on_exception`/`on_predicate` without `max_tries` or `max_time`, and stamina's
    `retry`/`retry_context` with both `attempts=None` and `timeout=None` (stamina's own
    defaults, 10 attempts and 45 seconds, are bounded).

    ## Why is this bad?
    When the upstream is down, an unbounded retry keeps the request, its worker and its
    connections busy forever, and every instance of the service keeps hammering the
    failing upstream, which delays its recovery. The caller gave up long ago: the work
    has no one to answer to.

    ## Example
    ```python
    import httpx
    from tenacity import retry, wait_exponential


    @retry(wait=wait_exponential(max=10))
    async def fetch_rates(client: httpx.AsyncClient):
        return (await client.get("https://rates.example.com")).json()
    ```

    ## Use instead
    ```python
    import httpx
    from tenacity import retry, stop_after_attempt, stop_after_delay, wait_exponential


    @retry(wait=wait_exponential(max=10), stop=stop_after_attempt(3) | stop_after_delay(20))
    async def fetch_rates(client: httpx.AsyncClient):
        return (await client.get("https://rates.example.com")).json()
    ```

    ## Fix safety
    The fix bounds the retries at 3 attempts: tenacity gets
    `stop=stop_after_attempt(3)` (importing `stop_after_attempt` from `tenacity`, or
    `tenacity.stop_after_attempt` when the module uses `import tenacity`), backoff gets
    `max_tries=3`; an explicit `stop=None` or `max_tries=None` is replaced. It is unsafe:
    an operation that used to succeed after many attempts now raises the last error to
    its caller, and the right number depends on the upstream. stamina's unbounded
    `attempts=None, timeout=None` gets no fix (it was written on purpose).

    ## References
    - [tenacity: Stopping](https://tenacity.readthedocs.io/en/latest/#stopping)
    - [backoff: max_tries and max_time](https://github.com/litl/backoff#maximum-attempts-and-time)
    - [stamina: API](https://stamina.hynek.me/en/stable/api.html)
    """

    code = "FL303"
    name = "unbounded-retry"
    fixable = True
    triggers = (b"tenacity", b"backoff", b"stamina")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for site in retry_sites(ctx):
            missing = unbounded(site)
            if missing is None:
                continue
            first = next(iter(site.policy.bounds))
            decorated = isinstance(site.body, (ast.FunctionDef, ast.AsyncFunctionDef))
            where = _where(ctx, site.body, "on") if decorated else _where(ctx, site.owner)
            message = (
                f"`{site.policy.name}`{where} with {' and '.join(missing)} retries forever: "
                f"a failing upstream holds the worker and is hammered without end; set `{first}=`"
            )
            yield ctx.finding(self.code, site.node, message, fix_title=f"Bound the retries with `{first}=`", fix=_fix(ctx, site))

    VALID = (
        Valid(
            """
import backoff
import requests
import stamina
import tenacity

@tenacity.retry(stop=tenacity.stop_after_attempt(5))
def a():
    return requests.get("https://example.com", timeout=5)

@backoff.on_exception(backoff.expo, requests.RequestException, max_time=30)
def b():
    return requests.get("https://example.com", timeout=5)

@stamina.retry(on=requests.RequestException)
def c():
    return requests.get("https://example.com", timeout=5)
"""
        ),
        Valid(
            """
import stamina
from tenacity import Retrying, stop_after_delay

def poll(check):
    for attempt in Retrying(stop=stop_after_delay(10)):
        with attempt:
            check()
    for attempt in stamina.retry_context(on=ValueError, attempts=None):
        with attempt:
            check()
"""
        ),
        Valid(
            """
from tenacity import retry

RETRY = {"stop": None}

@retry(**RETRY)
def configured():
    pass

def retry_later(fn):
    return fn

@retry_later
def unrelated():
    pass
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import backoff
from tenacity import retry

@retry
def fetch():
    pass

@backoff.on_exception(backoff.expo, ValueError, max_tries=None)
def parse():
    pass
""",
            fixed="""
import backoff
from tenacity import retry, stop_after_attempt

@retry(stop=stop_after_attempt(3))
def fetch():
    pass

@backoff.on_exception(backoff.expo, ValueError, max_tries=3)
def parse():
    pass
""",
            expected=((5, 2, 5, 7), (9, 2, 9, 64)),
            message="`tenacity.retry` on function `fetch` with no `stop` retries forever: a failing upstream holds the worker and is "
            "hammered without end; set `stop=`",
        ),
        Invalid(
            """
import stamina
from tenacity import AsyncRetrying, wait_fixed

async def poll(check):
    async for attempt in AsyncRetrying(wait=wait_fixed(1)):
        with attempt:
            await check()

@stamina.retry(on=ValueError, attempts=None, timeout=None)
def stubborn():
    pass
""",
            fixed="""
import stamina
from tenacity import AsyncRetrying, stop_after_attempt, wait_fixed

async def poll(check):
    async for attempt in AsyncRetrying(wait=wait_fixed(1), stop=stop_after_attempt(3)):
        with attempt:
            await check()

@stamina.retry(on=ValueError, attempts=None, timeout=None)
def stubborn():
    pass
""",
            expected=((6, 26, 6, 59), (10, 2, 10, 59)),
            message="`tenacity.AsyncRetrying` in async function `poll` with no `stop` retries forever",
        ),
    )


def _fix(ctx: ModuleContext, site: RetrySite) -> Fix | None:
    call, library = site.call, site.policy.library
    import_edit = None
    if library == "tenacity":
        target = call.func if call is not None else site.node
        if isinstance(target, ast.Attribute):
            value = f"{ctx.text_of(target.value)}.stop_after_attempt({ATTEMPTS})"
        else:
            usable, import_edit = add_from_import(ctx, "tenacity", "stop_after_attempt")
            if not usable:
                return None
            value = f"stop_after_attempt({ATTEMPTS})"
        name = "stop"
    elif library == "backoff" and call is not None:
        name, value = "max_tries", str(ATTEMPTS)
    else:
        return None
    existing = keyword(call, name) if call is not None else None
    edit: Edit | None
    if existing is not None:
        edit = replace(ctx, existing, value)
    elif call is None:
        edit = called_with(ctx, site.node, f"{name}={value}")
    else:
        edit = add_argument(ctx, call, f"{name}={value}")
    if edit is None:
        return None
    edits = sorted([edit, *([import_edit] if import_edit else [])], key=lambda e: e.start)
    return Fix(tuple(edits), Applicability.UNSAFE, f"Pass `{name}={value}`")
