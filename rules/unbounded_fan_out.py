import ast

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, walk_local

from ._capacity import parameters, request_functions

_GATHER = frozenset({"asyncio.gather"})
_CREATE_TASK = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_BOUNDS = ("Semaphore", "CapacityLimiter", "BoundedSemaphore", "Limiter", "semaphore", "limiter")


class UnboundedFanOut(Rule):
    """
    ## What it does
    Checks for request handlers and dependencies that start one coroutine per element of
    request-sized input with nothing bounding how many run at once: `asyncio.gather` over
    a comprehension (or a list built in a loop) over a parameter, and tasks created in a
    loop over a parameter (`asyncio.create_task`, `TaskGroup.create_task`,
    `task_group.start_soon`).

    ## Why is this bad?
    The client decides the fan-out. The arithmetic:

        outbound calls at once = concurrent requests x items per request
                               = 50 requests x 1,000 URLs = 50,000

    Each call takes a socket, a connection from the HTTP client's pool (which then
    queues or fails: httpx's default pool holds 100), or a database connection. One
    large request exhausts them for every other request, and the upstream service sees a
    burst it may answer with rate limiting. A semaphore (or a bounded pool of workers)
    turns the burst into a steady stream.

    ## Example
    ```python
    import asyncio

    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    client = httpx.AsyncClient(timeout=10)


    @app.post("/check")
    async def check(urls: list[str]):
        responses = await asyncio.gather(*[client.get(url) for url in urls])
        return [r.status_code for r in responses]
    ```

    ## Use instead
    ```python
    import asyncio

    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    client = httpx.AsyncClient(timeout=10)
    LIMIT = asyncio.Semaphore(10)


    async def fetch(url: str) -> int:
        async with LIMIT:
            return (await client.get(url)).status_code


    @app.post("/check")
    async def check(urls: list[str]):
        return await asyncio.gather(*[fetch(url) for url in urls])
    ```

    ## Known problems
    Preview. Any semaphore or capacity limiter in the module counts as a bound, and input
    sliced or checked for length before the fan-out is not recognised. An unkept
    `asyncio.create_task` is ruff's RUF006 and not reported here.

    ## References
    - [Python: asyncio.Semaphore](https://docs.python.org/3/library/asyncio-sync.html#asyncio.Semaphore)
    - [AnyIO: CapacityLimiter](https://anyio.readthedocs.io/en/stable/synchronization.html#capacity-limiters)
    """

    code = "FL606"
    name = "unbounded-fan-out"
    preview = True
    triggers = (b"gather", b"create_task", b"start_soon", b"ensure_future")
    role_triggered = True

    def check(self, ctx: ModuleContext) -> list[Finding]:
        if any(word in ctx.source.text for word in _BOUNDS):
            return []
        findings = []
        for function in request_functions(ctx):
            params = {arg.arg for arg in parameters(function)}
            built = self._lists_built_from(function, params)
            for node in walk_local(function):
                if isinstance(node, ast.Call) and ctx.names.qualified_name(node.func) in _GATHER:
                    source = self._gathered(node, params, built)
                    if source:
                        findings.append(self._finding(ctx, node, f"`asyncio.gather` over `{source}`"))
                elif isinstance(node, (ast.For, ast.AsyncFor)) and self._root(node.iter) in params:
                    for inner in walk_local(node):
                        if isinstance(inner, ast.Call) and self._starts_kept_task(ctx, inner, node):
                            findings.append(self._finding(ctx, inner, f"a task per element of `{ast.unparse(node.iter)}`"))
                            break
        return findings

    def _finding(self, ctx: ModuleContext, node: ast.AST, what: str) -> Finding:
        return ctx.finding(
            self.code,
            node,
            f"{what} starts one coroutine per element of request input with no bound: the client sets the "
            "fan-out (requests x items), exhausting sockets and connection pools; bound it with an "
            "`asyncio.Semaphore` or a fixed number of workers",
        )

    @staticmethod
    def _root(node: ast.expr) -> str | None:
        while isinstance(node, (ast.Attribute, ast.Call)):
            node = node.func if isinstance(node, ast.Call) else node.value
        return node.id if isinstance(node, ast.Name) else None

    def _lists_built_from(self, function: ast.AST, params: set[str]) -> set[str]:
        """Names of lists whose elements come from a loop or comprehension over a parameter."""
        built = set()
        for node in walk_local(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = node.value
                if isinstance(value, (ast.ListComp, ast.GeneratorExp)) and self._root(value.generators[0].iter) in params:
                    built.add(node.targets[0].id)
            if isinstance(node, (ast.For, ast.AsyncFor)) and self._root(node.iter) in params:
                for inner in walk_local(node):
                    if (
                        isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "append"
                        and isinstance(inner.func.value, ast.Name)
                    ):
                        built.add(inner.func.value.id)
        return built

    def _gathered(self, call: ast.Call, params: set[str], built: set[str]) -> str | None:
        for arg in call.args:
            if not isinstance(arg, ast.Starred):
                continue
            value = arg.value
            if isinstance(value, (ast.ListComp, ast.GeneratorExp)) and self._root(value.generators[0].iter) in params:
                return ast.unparse(value.generators[0].iter)
            if isinstance(value, ast.Name) and value.id in built:
                return value.id
            if isinstance(value, ast.Call) and ctx_map_over(value, params, self._root):
                return ast.unparse(value)
        return None

    @staticmethod
    def _starts_kept_task(ctx: ModuleContext, call: ast.Call, loop: ast.AST) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("start_soon", "create_task") and ctx.names.qualified_name(func) not in _CREATE_TASK:
            return True  # a task group's: it keeps its tasks
        if ctx.names.qualified_name(func) in _CREATE_TASK:
            # Kept (assigned or appended): an unkept task is RUF006's.
            return any(
                (isinstance(node, ast.Assign) and node.value is call)
                or (isinstance(node, ast.Call) and call in node.args)
                for node in walk_local(loop)
            )
        return False

    VALID = (
        Valid(
            """
import asyncio
from fastapi import FastAPI

app = FastAPI()
SEM = asyncio.Semaphore(10)

async def fetch(url):
    async with SEM:
        return url

@app.post("/check")
async def check(urls: list[str]):
    return await asyncio.gather(*[fetch(u) for u in urls])
"""
        ),
        Valid(
            """
import asyncio
from fastapi import FastAPI

app = FastAPI()
SOURCES = ["a", "b"]

async def fetch(url):
    return url

@app.get("/check")
async def check():
    return await asyncio.gather(*[fetch(u) for u in SOURCES])
"""
        ),
        Valid(
            """
import asyncio
from fastapi import FastAPI

app = FastAPI()

async def fetch(url):
    return url

@app.post("/check")
async def check(urls: list[str]):
    for url in urls:
        asyncio.create_task(fetch(url))
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import asyncio
from fastapi import FastAPI

app = FastAPI()

async def fetch(url):
    return url

@app.post("/check")
async def check(urls: list[str]):
    tasks = []
    for url in urls:
        tasks.append(fetch(url))
    return await asyncio.gather(*tasks)
""",
            expected=((15, 18, 15, 40),),
            message="`asyncio.gather` over `tasks` starts one coroutine per element of request input",
        ),
        Invalid(
            """
import asyncio
from fastapi import FastAPI
from pydantic import BaseModel

class Batch(BaseModel):
    ids: list[int]

app = FastAPI()

async def work(i):
    return i

@app.post("/batch")
async def batch(body: Batch):
    async with asyncio.TaskGroup() as group:
        for item in body.ids:
            group.create_task(work(item))
""",
            expected=((18, 13, 18, 42),),
            message="a task per element of `body.ids`",
        ),
    )


def ctx_map_over(call: ast.Call, params: set[str], root) -> bool:  # type: ignore[no-untyped-def]
    """``map(fetch, urls)`` over a parameter."""
    return isinstance(call.func, ast.Name) and call.func.id == "map" and len(call.args) == 2 and root(call.args[1]) in params
