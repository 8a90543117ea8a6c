from fastlint import Invalid, Valid

from ._blocking import BlockingCallRule


class BlockingSubprocessInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for synchronous subprocess calls in code that runs on the event loop:
    `subprocess.*`, `os.system`, `os.popen`, `os.spawn*` and `os.wait*`.

    ## Why is this bad?
    `subprocess.run` and friends wait for the child process to finish. While a report
    renders or a converter runs, the event loop serves nobody else.

    ## Example
    ```python
    import subprocess
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/thumbnails")
    async def thumbnail(path: str):
        subprocess.run(["convert", path, "-resize", "128x128", "thumb.png"], check=True)
    ```

    ## Use instead
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/thumbnails")
    async def thumbnail(path: str):
        process = await asyncio.create_subprocess_exec("convert", path, "-resize", "128x128", "thumb.png")
        await process.wait()
    ```

    ## Fix safety
    The fix offloads the call: `subprocess.run(cmd, check=True)` becomes `await run_in_threadpool(subprocess.run, cmd, check=True)`
    (Starlette's, which FastAPI depends on), keeping every argument, and adds
    `from starlette.concurrency import run_in_threadpool`. It is unsafe: the call now runs
    in a worker thread while other requests run on the loop, so objects it shares with
    them (a database session, a client that is not thread-safe, module state) are used
    from two threads, and the call takes one of the threadpool's 40 slots. No fix is
    offered where an `await` cannot keep the meaning: inside a lambda, a nested function
    (its defaults and decorators too), a comprehension or generator expression, a `with`
    item, an f-string, or when `run_in_threadpool` is bound to something else. An
    `asyncio.create_subprocess_exec` rewrite is a manual one.

    ## References
    - [asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    """

    code = "FL104"
    name = "blocking-subprocess-in-async"
    fixable = True

    VALID = (
        Valid(
            """
import asyncio
import subprocess

async def run(cmd):
    process = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE)
    return await process.communicate()

def build():
    subprocess.run(["make"], check=True)
"""
        ),
        Valid(
            """
import subprocess
import anyio

async def offload(cmd):
    return await anyio.to_thread.run_sync(subprocess.check_output, cmd)
"""
        ),
        # ``WNOHANG`` polls: the call returns at once (reduced from litellm's zombie reaper).
        Valid(
            """
import os

async def reap_zombies():
    while True:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            return

async def probe(pid: int) -> bool:
    probe_pid, _ = os.waitpid(pid, options=os.WNOHANG | os.WUNTRACED)
    return probe_pid == 0
"""
        ),
    )
    INVALID = (
        # Without ``WNOHANG`` the wait lasts until the child exits.
        Invalid(
            """
import os

async def wait_engine(pid: int):
    os.waitpid(pid, 0)
""",
            expected=((5, 5, 5, 15),),
            message="`os.waitpid` blocks the event loop in async function `wait_engine`",
        ),
        Invalid(
            """
import os
import subprocess as sp

async def deploy(ref: str):
    sp.check_call(["git", "checkout", ref])
    os.system("systemctl reload app")
    process = sp.Popen(["tail", "-n", "10", "log"])
    process.wait()
""",
            fixed="""
import os
import subprocess as sp

from starlette.concurrency import run_in_threadpool

async def deploy(ref: str):
    await run_in_threadpool(sp.check_call, ["git", "checkout", ref])
    await run_in_threadpool(os.system, "systemctl reload app")
    process = await run_in_threadpool(sp.Popen, ["tail", "-n", "10", "log"])
    await run_in_threadpool(process.wait)
""",
            expected=((6, 5, 6, 18), (7, 5, 7, 14), (8, 15, 8, 23), (9, 5, 9, 17)),
            message="`sp.check_call` (`subprocess.check_call`) blocks the event loop",
        ),
    )
