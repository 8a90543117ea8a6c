from fastlint.blocking import BlockingCallRule
from fastlint.rule import Invalid, Valid


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

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "FL102"
    name = "blocking-sleep-in-async"

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
        ),
    )
