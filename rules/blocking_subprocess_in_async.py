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

    ## References
    - [asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    """

    code = "FL104"
    name = "blocking-subprocess-in-async"

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
    )
    INVALID = (
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
            expected=((6, 5, 6, 18), (7, 5, 7, 14), (8, 15, 8, 23), (9, 5, 9, 17)),
            message="`sp.check_call` (`subprocess.check_call`) blocks the event loop",
        ),
    )
