from fastlint import Invalid, Valid

from ._file_io import FileIoRule


class BlockingFileIoInUnservedAsync(FileIoRule):
    """
    ## What it does
    Checks for the synchronous file I/O that FL103 reports (reads, writes, opens,
    listings, copies, `rmtree`), in async code that none of what the project serves
    reaches: the whole project is indexed, it serves something (routes, dependencies,
    middleware, websockets, exception handlers, background tasks, or what they start), and
    no call path from there leads to the function. That is a library's public async API,
    or the client SDK, workers, runners and provisioners that a framework ships in the
    same package as its server. FL103 reports the same calls where served code reaches
    them, and everywhere when the index cannot tell (a partial index: a pre-commit run on
    a few files, the editor's first answer; a project that serves nothing).

    This is a preview rule, off by default: select `FL111` by its exact code. Turn it on
    for a package whose async API runs on its users' event loops, or when the call graph
    misses how your app reaches some of its code (a registry of handlers looked up by
    key, routes added by code the index cannot follow).

    ## Why is this bad?
    A blocking call in an async function blocks whichever event loop runs it. Here that is
    not the served app's loop as far as the call graph shows (on the ecosystem check, 19 of
    the 20 findings FL103 used to report in such code were prefect's client-side code,
    which its server imports but never runs), so the finding is left to this rule.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/health")
    async def health():
        return {"ok": True}


    async def upload_bundle(path: str, storage):
        with open(path, "rb") as bundle:
            await storage.put(bundle.read())
    ```

    ## Use instead
    ```python
    import anyio
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/health")
    async def health():
        return {"ok": True}


    async def upload_bundle(path: str, storage):
        async with await anyio.open_file(path, "rb") as bundle:
            await storage.put(await bundle.read())
    ```

    ## Known problems
    The call graph follows calls it can resolve, methods of project classes called on an
    object of unknown type (when at most four unrelated classes define that name, or, in a
    method of a class that has a method of that name, that one and its overrides), tasks
    and callbacks that served or startup code starts, the functions a decorator is given
    (`@async_dispatch(anotify)`) and those a decorator puts in a module-level registry
    (`@perpetual_service(...)`), subclasses' overrides, and the methods no call names of
    the project objects served code builds (a dispatch by `getattr`). Code reached only
    through what it cannot follow (a handler looked up in a dict, an object whose type
    the index cannot tell, such as a service a locator returns) is reported here and not
    by FL103.

    ## Fix safety
    As FL103's: `with open(...)` becomes `anyio.open_file`, `Path(p).read_text()`
    becomes `await anyio.Path(p).read_text()`, and other blocking file calls are
    offloaded with `run_in_threadpool`. It is unsafe: other coroutines now run while the
    file is read, and each operation takes a worker thread.

    ## References
    - [AnyIO: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "FL111"
    name = "blocking-file-io-in-unserved-async"
    fixable = True
    preview = True
    entry_code = "FL103"
    served = False

    VALID = (
        # A route reaches the helper: FL103 reports it, not this rule.
        Valid(
            """
from fastapi import FastAPI

app = FastAPI()

async def load_avatar(user_id: str):
    with open(f"/data/avatars/{user_id}.png", "rb") as avatar:
        return avatar.read()

@app.get("/avatars/{user_id}")
async def avatar(user_id: str):
    return await load_avatar(user_id)
"""
        ),
        # A project that serves nothing (a library indexed alone): FL103's, which cannot tell.
        Valid(
            """
async def upload_bundle(path: str, storage):
    with open(path, "rb") as bundle:
        await storage.put(bundle.read())
"""
        ),
        # Reached through a module-level object of unknown type (reduced from skyvern's
        # ``app.STORAGE`` proxy): a method of that name is taken to be reached.
        Valid(
            """
import shutil
from fastapi import FastAPI

app = FastAPI()
registry = make_registry()

class LocalStorage:
    async def delete_browser_profile(self, profile_id: str):
        shutil.rmtree(f"/data/profiles/{profile_id}")

@app.delete("/profiles/{profile_id}")
async def delete_profile(profile_id: str):
    await registry.STORAGE.delete_browser_profile(profile_id)
"""
        ),
    )
    INVALID = (
        # Client-side code shipped beside a server (reduced from prefect's ``filesystems.py``):
        # the served app never reaches it.
        Invalid(
            """
import shutil
from fastapi import FastAPI

app = FastAPI()

@app.get("/health")
async def health():
    return {"ok": True}

class LocalFileSystem:
    async def put_directory(self, local_path: str, to_path: str):
        with open(f"{local_path}/.prefectignore") as ignore_file:
            ignored = ignore_file.read().splitlines()
        shutil.copytree(local_path, to_path, dirs_exist_ok=True)
        return ignored
""",
            expected=((13, 14, 13, 18), (15, 9, 15, 24)),
            message="blocks the event loop in async function `LocalFileSystem.put_directory`",
            fixed="""
import shutil
import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()

@app.get("/health")
async def health():
    return {"ok": True}

class LocalFileSystem:
    async def put_directory(self, local_path: str, to_path: str):
        async with await anyio.open_file(f"{local_path}/.prefectignore") as ignore_file:
            ignored = (await ignore_file.read()).splitlines()
        await run_in_threadpool(shutil.copytree, local_path, to_path, dirs_exist_ok=True)
        return ignored
""",
        ),
        # A method name that many unrelated classes define says nothing about which one an
        # object of unknown type runs (reduced from prefect's ``process.wait()`` reaching its
        # workers).
        Invalid(
            """
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

class Worker:
    async def wait(self):
        with open("/var/lib/worker/state.json") as state:
            return state.read()

@app.post("/stop")
async def stop(request):
    await request.app.state.server.wait()
""",
            expected=((17, 14, 17, 18),),
            message="`open` (`builtins.open`) blocks the event loop in async function `Worker.wait`",
        ),
    )
