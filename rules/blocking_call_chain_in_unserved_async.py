from __future__ import annotations

from fastlint import Invalid, Valid

from ._chains import ChainRule


class BlockingCallChainInUnservedAsync(ChainRule):
    """
    ## What it does
    Checks for the blocking call chains that FL107 reports (a call from async code to a
    project function that blocks, directly or through further project functions), in
    async code that none of what the project serves reaches: the whole project is
    indexed, it serves something (routes, dependencies, middleware, websockets, exception
    handlers, background tasks, or what they start), and no call path from there leads to
    the function. That is a library's public async API, or the client SDK, flow engine,
    workers, runners and provisioners that a framework ships in the same package as its
    server. FL107 reports the same chains where served code reaches them, and everywhere
    when the index cannot tell (a partial index: a pre-commit run on a few files, the
    editor's first answer; a project that serves nothing).

    This is a preview rule, off by default: select `FL112` by its exact code. Turn it on
    for a package whose async API runs on its users' event loops, or when the call graph
    misses how your app reaches some of its code (a registry of handlers looked up by
    key, routes added by code the index cannot follow).

    ## Why is this bad?
    A blocking chain in an async function blocks whichever event loop runs it. Here that
    is not the served app's loop as far as the call graph shows: on the ecosystem check,
    20 of the 22 findings FL107 reported in such code were reviewed false for the server
    (prefect's client-side flow engine, result handling, locking, runners, workers,
    deployment steps and provisioners, which its server imports but never runs; startup
    code and functions nothing calls), so the finding is left to this rule.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/health")
    async def health():
        return {"ok": True}


    def read_result(key: str) -> bytes:
        return requests.get(f"https://results.example.com/{key}", timeout=5).content


    class ResultStore:
        async def aread(self, key: str) -> bytes:
            return read_result(key)
    ```

    ## Use instead
    ```python
    import requests
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool

    app = FastAPI()


    @app.get("/health")
    async def health():
        return {"ok": True}


    def read_result(key: str) -> bytes:
        return requests.get(f"https://results.example.com/{key}", timeout=5).content


    class ResultStore:
        async def aread(self, key: str) -> bytes:
            return await run_in_threadpool(read_result, key)
    ```
    Or make the chain asynchronous end to end (`httpx.AsyncClient`).

    ## Known problems
    The chains are FL107's, with its limits. Which code is served is the call graph's
    answer, as for FL111: it follows calls it can resolve, methods of project classes
    called on an object of unknown type (when at most four unrelated classes define that
    name, or, in a method of a class that has a method of that name, that one and its
    overrides), tasks and callbacks that served or startup code starts, the functions a
    decorator is given or puts in a module-level registry, subclasses' overrides, and the
    methods no call names of the project objects served code builds (a dispatch by
    `getattr`). Code reached only through what it cannot follow is reported here and not
    by FL107: on the ecosystem check, a task started by a service that a locator returns,
    which the index cannot type (langflow's `get_telemetry_writer_service().start()`).

    ## Fix safety
    As FL107's: the fix offloads the first call of the chain: `read_result(key)` becomes
    `await run_in_threadpool(read_result, key)` (Starlette's), keeping every argument, and
    adds `from starlette.concurrency import run_in_threadpool`. It is unsafe: the project
    function now runs in a worker thread while other coroutines run on the loop, so state
    it shares with them is used from two threads, and it takes one of the threadpool's
    slots. No fix is offered where an `await` cannot keep the meaning (a lambda, a nested
    function's defaults and decorators, a comprehension, a `with` item, an f-string).

    ## Options
    As FL107's:
    - `max-call-depth`: the longest chain followed, in project functions (default 2).
    - `extend-blocking-calls`: blocking calls added there end chains too.
    - `extend-offload-wrappers`: calls through these stop a chain, as
      `run_in_threadpool` and `asyncio.to_thread` do.

    A chain is reported only if the code of its final blocking call is enabled; a
    `noqa` for either code silences it.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Starlette: run_in_threadpool](https://www.starlette.io/threadpool/)
    """

    code = "FL112"
    name = "blocking-call-chain-in-unserved-async"
    fixable = True
    preview = True
    served = False

    VALID = (
        # A route reaches the async helper: FL107 reports the chain, not this rule.
        Valid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

def read_result(key: str) -> bytes:
    return requests.get(f"https://results.example.com/{key}", timeout=5).content

async def load_result(key: str) -> bytes:
    return read_result(key)

@app.get("/results/{key}")
async def result(key: str):
    return await load_result(key)
"""
        ),
        # A project that serves nothing (a library indexed alone): FL107's, which cannot tell.
        Valid(
            """
import requests

def read_result(key: str) -> bytes:
    return requests.get(f"https://results.example.com/{key}", timeout=5).content

class ResultStore:
    async def aread(self, key: str) -> bytes:
        return read_result(key)
"""
        ),
        # Only the lifespan reaches it: it runs once, and neither rule reports it.
        Valid(
            """
from contextlib import asynccontextmanager

import requests
from fastapi import FastAPI

def fetch_settings() -> dict:
    return requests.get("https://config.internal/settings", timeout=5).json()

async def load_settings() -> dict:
    return fetch_settings()

@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.settings = await load_settings()
    yield

app = FastAPI(lifespan=lifespan)

@app.get("/health")
async def health():
    return {"ok": True}
"""
        ),
        # A host API a route builds and dispatches by name (reduced from lnbits's WASM
        # extensions): no call names the method, so reflection runs it while serving (FL107's).
        Valid(
            """
import json
from fastapi import FastAPI

app = FastAPI()

def load_schema(ext_id: str, table: str) -> dict:
    with open(f"/data/{ext_id}/{table}.json") as schema:
        return json.load(schema)

class HostAPI:
    def __init__(self, ext_id: str):
        self.ext_id = ext_id

    async def storage_get(self, table: str):
        return load_schema(self.ext_id, table)

@app.post("/ext/{ext_id}/{method}")
async def invoke(ext_id: str, method: str, table: str):
    return await getattr(HostAPI(ext_id), method)(table)
"""
        ),
    )
    INVALID = (
        # Client-side code shipped beside a server (reduced from prefect's ``states.py``
        # result handling): the served app never reaches it.
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

@app.get("/health")
async def health():
    return {"ok": True}

def read_result(key: str) -> bytes:
    return requests.get(f"https://results.example.com/{key}", timeout=5).content

class ResultStore:
    async def aread(self, key: str) -> bytes:
        return read_result(key)
""",
            expected=((16, 16, 16, 27),),
            message="read_result() -> requests.get (FL101) blocks the event loop (async function `ResultStore.aread`)",
            fixed="""
import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()

@app.get("/health")
async def health():
    return {"ok": True}

def read_result(key: str) -> bytes:
    return requests.get(f"https://results.example.com/{key}", timeout=5).content

class ResultStore:
    async def aread(self, key: str) -> bytes:
        return await run_in_threadpool(read_result, key)
""",
        ),
        # A method name that many unrelated classes define says nothing about which one an
        # object of unknown type runs (reduced from prefect's server calling ``process.wait()``
        # beside its workers).
        Invalid(
            """
import subprocess
from fastapi import FastAPI

app = FastAPI()

class Poller:
    async def wait(self): ...
class Waiter:
    async def wait(self): ...
class Lease:
    async def wait(self): ...
class Barrier:
    async def wait(self): ...

def bundle(flow_id: str) -> bytes:
    return subprocess.check_output(["uv", "pip", "freeze"])

class Worker:
    async def wait(self, flow_id: str):
        return bundle(flow_id)

@app.post("/stop")
async def stop(request):
    await request.app.state.server.wait()
""",
            expected=((21, 16, 21, 22),),
            message="bundle() -> subprocess.check_output (FL104) blocks the event loop (async function `Worker.wait`)",
        ),
    )
