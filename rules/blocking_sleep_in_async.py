import ast

from fastlint import Applicability, BlockingSite, Fix, Invalid, ModuleContext, Valid, add_import, awaited_as, walk_local

from ._blocking import BlockingCallRule


class BlockingSleepInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for `time.sleep` in code that runs on the event loop.

    ## Why is this bad?
    `time.sleep` suspends the whole thread. In an `async def` handler that thread is the
    event loop, so every request of the worker waits out the sleep, not only the one
    that asked for it. Retry loops and polling with `time.sleep` are the usual source.

    ## Example
    ```python
    import time
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/jobs")
    async def submit_job():
        time.sleep(0.5)
        return {"status": "queued"}
    ```

    ## Use instead
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/jobs")
    async def submit_job():
        await asyncio.sleep(0.5)
        return {"status": "queued"}
    ```

    ## Fix safety
    The fix replaces a statement `time.sleep(x)` with `await asyncio.sleep(x)` and adds
    `import asyncio` when the module lacks it. It is unsafe: while the coroutine sleeps,
    other tasks run, so code that relied on holding the event loop for the duration (state
    shared between requests, say) may now interleave. A sleep used as a value (not a
    statement of its own), called with other arguments than one positional delay, or in a
    module where the name `asyncio` is bound to something else gets no fix.

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "FL102"
    name = "blocking-sleep-in-async"
    fixable = True

    def fix(self, ctx: ModuleContext, site: BlockingSite) -> Fix | None:
        call = site.call
        if site.name != "time.sleep" or len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
            return None
        if not any(isinstance(node, ast.Expr) and node.value is call for node in walk_local(site.function)):
            return None  # `await` binds differently inside a larger expression
        usable, import_edit = add_import(ctx, "asyncio")
        if not usable:
            return None
        edit = awaited_as(ctx, call, "asyncio.sleep")
        if edit is None:
            return None
        edits = [edit, *([import_edit] if import_edit else [])]
        return Fix(tuple(sorted(edits, key=lambda edit: edit.start)), Applicability.UNSAFE, "Replace with `await asyncio.sleep(...)`")

    VALID = (
        Valid(
            """
import asyncio
import time

async def poll():
    await asyncio.sleep(1)
    started = time.monotonic()
    return started
"""
        ),
        Valid(
            """
import time
from fastapi import FastAPI

app = FastAPI()

@app.get("/slow")
def slow():
    time.sleep(1)
    return {}
"""
        ),
        Valid(
            """
import asyncio
import time

async def offload():
    await asyncio.to_thread(time.sleep, 1)
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import time
from fastapi import FastAPI

app = FastAPI()

@app.middleware("http")
async def throttle(request, call_next):
    time.sleep(0.1)
    return await call_next(request)
""",
            expected=((9, 5, 9, 15),),
            message="`time.sleep` blocks the event loop in async middleware `throttle`; use `await asyncio.sleep(...)`",
            fixed="""
import asyncio
from fastapi import FastAPI

app = FastAPI()

@app.middleware("http")
async def throttle(request, call_next):
    await asyncio.sleep(0.1)
    return await call_next(request)
""",
        ),
        Invalid(
            """
from time import sleep as pause
import time as t

async def retry():
    pause(1)
    t.sleep(2)
""",
            expected=((6, 5, 6, 10), (7, 5, 7, 12)),
            message="`pause` (`time.sleep`) blocks the event loop",
            fixed="""
import asyncio

async def retry():
    await asyncio.sleep(1)
    await asyncio.sleep(2)
""",
        ),
    )
