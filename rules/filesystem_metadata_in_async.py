from fastlint import Invalid, Valid

from ._blocking import BlockingCallRule


class FilesystemMetadataInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for synchronous file-system metadata calls in code that runs on the event
    loop: `os.path.exists`/`isfile`/`isdir`/`getsize`/`getmtime`/`realpath`, `os.stat`,
    `os.mkdir`/`makedirs`/`rename`/`chmod`, `pathlib.Path.exists`/`is_file`/`is_dir`/
    `stat`/`resolve`/`mkdir`/`touch`/`rename`, deleting one file (`os.remove`/`unlink`,
    `Path.unlink`), `tempfile.mkdtemp`/`mkstemp` (an empty directory or file) and
    `shutil.disk_usage`.
    They read or change a file's metadata and move no data. Calls that read, write, open,
    list or copy files, and removing a directory tree (`shutil.rmtree`), are FL103's.

    This is a preview rule, off by default: select `FL108` by its exact code. Turn it on
    when the service's files live on a network file system (NFS, SMB, EFS, a FUSE mount
    of object storage): there a metadata call is a network round trip.

    ## Why is this bad?
    On a local disk a metadata call answers from the kernel's cache in microseconds, which
    is why it is off by default. On a network file system each call waits for the file
    server, milliseconds to seconds when it is busy or unreachable (a hung NFS mount blocks
    `stat` indefinitely), and the whole event loop waits with it.

    ## Example
    ```python
    from pathlib import Path

    from fastapi import FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI()
    SHARED = Path("/mnt/nfs/reports")


    @app.get("/reports/{name}")
    async def report(name: str):
        path = SHARED / name
        if not path.is_file():
            return {"status": "pending"}
        return FileResponse(path)
    ```

    ## Use instead
    ```python
    import anyio
    from fastapi import FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI()
    SHARED = anyio.Path("/mnt/nfs/reports")


    @app.get("/reports/{name}")
    async def report(name: str):
        path = SHARED / name
        if not await path.is_file():
            return {"status": "pending"}
        return FileResponse(path)
    ```

    ## Known problems
    `pathlib.Path` receivers are recognised when built with `Path(...)`, `/`, or typed
    parameters; paths returned by other libraries are not. Chains (FL107) that end in a
    metadata call are reported only when FL108 is selected; a helper that checks
    `exists()` and then reads the file is still reported for the read (FL103).

    ## References
    - [AnyIO: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "FL108"
    name = "filesystem-metadata-in-async"
    preview = True

    VALID = (
        Valid(
            """
import os
from pathlib import Path

DATA = Path("/data")
DATA.mkdir(exist_ok=True)

def ensure(name: str) -> bool:
    return os.path.exists(DATA / name)
"""
        ),
        Valid(
            """
import anyio
from pathlib import Path

async def ready(name: str):
    exists = await anyio.Path("/data", name).exists()
    size = await anyio.to_thread.run_sync(os_size, name)
    return exists, Path(name).name, size
"""
        ),
        Valid(
            """
from pathlib import Path

async def read(name: str):
    with open(Path("/data") / name) as handle:
        return handle.read()
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import os
import tempfile
from pathlib import Path
from fastapi import FastAPI

app = FastAPI()
UPLOADS = Path("/mnt/nfs/uploads")

@app.post("/uploads/{name}")
async def upload(name: str):
    os.makedirs(UPLOADS, exist_ok=True)
    target = (UPLOADS / name).resolve()
    if target.exists() or os.path.getsize(UPLOADS) > 10**9:
        return None
    return tempfile.mkdtemp(dir=UPLOADS)
""",
            expected=((12, 5, 12, 16), (13, 14, 13, 38), (14, 8, 14, 21), (14, 27, 14, 42), (16, 12, 16, 28)),
            message="`os.makedirs` blocks the event loop in async route handler POST /uploads/{name}; use `anyio.Path` or `run_in_threadpool`",
        ),
        Invalid(
            """
from pathlib import Path

class LeaseStorage:
    def __init__(self, root: Path):
        self.root = root

    async def has(self, lease_id: str) -> bool:
        return (self.root / f"{lease_id}.json").is_file()
""",
            expected=((9, 16, 9, 56),),
            message="`pathlib.Path.is_file` blocks the event loop in async function `LeaseStorage.has`; use `anyio.Path` (awaited)",
        ),
        # Deleting one file (reduced from dstack's SSH control socket and prefect's lease files).
        Invalid(
            """
import os
from pathlib import Path

async def close_tunnel(control_socket: Path, lease_file: str):
    control_socket.unlink(missing_ok=True)
    os.remove(lease_file)
""",
            expected=((6, 5, 6, 26), (7, 5, 7, 14)),
            message="`control_socket.unlink` (`pathlib.Path.unlink`) blocks the event loop in async function `close_tunnel`",
        ),
    )
