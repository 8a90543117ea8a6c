from fastlint import Invalid, Valid

from ._file_io import FileIoRule


class BlockingFileIoInAsync(FileIoRule):
    """
    ## What it does
    Checks for synchronous file I/O in code that runs on the event loop: calls that read,
    write, open, list or copy files, or remove a directory tree. `open`, `pathlib.Path`
    reads and writes, `iterdir`/`glob`/`rglob`, `os.listdir`/`scandir`/`walk`, `shutil`
    copies, moves and `rmtree`, temporary files (`mkstemp`, which only creates an empty
    one, is FL108's, and so is a `TemporaryDirectory()` outside a `with` block), `json.load` and `pickle.load` on files. Deleting one file
    (`os.remove`, `Path.unlink`) is FL108's: a directory entry, and on the ecosystem check
    mostly a temporary, lock or socket file.

    Metadata-only calls (`exists`, `is_file`, `stat`, `resolve`, `mkdir`, `getsize`...)
    cost microseconds on a local disk: they are FL108, a preview rule for services on
    network file systems.

    Reads and writes of sync file objects (`read`, `write`, `readlines`, `for line in f`,
    ...) opened elsewhere are reported too: parameters annotated `IO`, `TextIO`, `BinaryIO`,
    `TextIOWrapper` or `BufferedReader`, attributes and module-level files, and FastAPI's
    `upload.file`, and files a project helper returns (`temp = make_temp_file()`,
    `temp.write(data)`). A file opened in the same function is reported once, at its `open`:
    the reads of `with open(path) as f: f.read()` are not reported again. An `open` (or
    `NamedTemporaryFile()`) whose file the function only returns is not reported: opening
    costs what creating an empty file does, and the reads and writes are the caller's.

    ## Why is this bad?
    Disk and network-file-system I/O blocks the calling thread. On a local SSD a small
    read is quick, but on network storage, container overlays or a busy disk it takes
    milliseconds to seconds, and the whole event loop waits with it.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/report")
    async def report():
        with open("/data/report.csv") as handle:
            return {"rows": handle.read().count("\\n")}
    ```

    ## Use instead
    ```python
    import anyio
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/report")
    async def report():
        async with await anyio.open_file("/data/report.csv") as handle:
            return {"rows": (await handle.read()).count("\\n")}
    ```

    ## Known problems
    `pathlib.Path` receivers are recognised when built with `Path(...)`, `/`, or typed
    parameters; paths returned by other libraries are not. A parameter annotated `IO` is
    taken to be a real file, though an `io.BytesIO` also fits the annotation. Iterating a
    file (`for line in f`, `list(f)`, `next(f)`, also through `enumerate`, `csv.reader` or
    `itertools.islice`) is reported like a read; iterating it through other wrappers
    (`map`, `zip`, `str.join`) is not.

    When the whole project is indexed and serves something, async code that none of what
    it serves reaches (a library's public async API, or the client SDK, workers and runners
    a framework ships in the same package as its server) is FL111's, a preview rule: on the
    ecosystem check such code held 19 of FL103's 22 false findings. The call graph misses
    code reached only through a dict of handlers, `getattr`, or a method name that many
    unrelated classes define; select FL111 to see it. A partial index (a pre-commit run on
    a few files, the editor's first answer) cannot tell, and reports it here. Code that
    only lifespan, startup, CLI commands or import-time code reaches is left alone, and so
    is a capture behind a debug or dump switch: code after `if not os.getenv("APP_DUMP_DIR"): return`,
    or inside `if settings.DEBUG:`, runs only while debugging. A switch is recognised by
    the words `debug` or `dump` in the name of its environment variable, setting or
    variable; other environment variables are configuration that production may turn on.

    ## Fix safety
    Two forms are fixed. `with open(...) as f:` becomes
    `async with await anyio.open_file(...) as f:` (the same arguments) with every use of
    `f` in the block awaited (`await f.read()`), offered only when every use of `f` is a
    plain call of one of its read, write, seek, tell or flush methods where an `await` can
    go (not `json.load(f)`, `for line in f`, `f.name`, or a use after the block); and
    `Path(p).read_text()` (`read_bytes`, `write_text`, `write_bytes`) on a `Path(...)`
    built in place becomes `await anyio.Path(p).read_text()`. `import anyio` is added
    (anyio ships with FastAPI). It is unsafe: other requests now run while the file is read,
    and code that relied on the read finishing before anything else ran may interleave;
    anyio runs each operation in a worker thread, so it also takes threadpool slots. The
    other blocking file calls (`shutil.rmtree(p)`, `os.listdir(p)`, a read on a file held by
    a name) are offloaded as FL104's are: `await run_in_threadpool(shutil.rmtree, p)`,
    unsafe for the same reasons (the call runs in a worker thread, sharing objects with the
    requests on the loop); not where an `await` cannot keep the meaning, and not an `open`
    outside a `with`.

    ## References
    - [AnyIO: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "FL103"
    name = "blocking-file-io-in-async"
    fixable = True
    served = True

    VALID = (
        # A spooled temporary file starts in memory (reduced from litellm's batch guardrail scan).
        Valid(
            """
import tempfile

async def scan_batch_input_file(max_bytes: int):
    redactions = tempfile.SpooledTemporaryFile(max_size=max_bytes)
    return redactions
"""
        ),
        # Deleting one file is a directory entry (FL108's; reduced from dstack's SSH control
        # socket), and a TemporaryDirectory outside a with block is created empty (reduced from
        # mlflow's artifact download, which cleans it up after the response).
        Valid(
            """
import tempfile
from pathlib import Path
from fastapi import FastAPI

app = FastAPI()

@app.get("/artifacts/{path}")
async def download_artifact(path: str, socket_path: str):
    Path(socket_path).unlink(missing_ok=True)
    tmp_dir = tempfile.TemporaryDirectory()
    return {"dir": tmp_dir.name}
"""
        ),
        # A capture behind a debug or dump switch runs only while debugging (reduced from
        # skyvern's copilot actor-dispatch capture, inert unless COPILOT_DUMP_MODEL_INPUTS is set).
        Valid(
            """
import json
import os
from pathlib import Path
from fastapi import FastAPI

app = FastAPI()

@app.post("/dispatch")
async def dispatch(turn_id: str, record: dict):
    root = os.environ.get("COPILOT_DUMP_MODEL_INPUTS")
    if not root:
        return {"ok": True}
    directory = Path(root) / turn_id
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "record.json").write_text(json.dumps(record))
    return {"ok": True}

@app.get("/trace")
async def trace(settings, payload: str):
    if settings.DEBUG and payload:
        with open("/tmp/trace.log", "a") as log:
            log.write(payload)
"""
        ),
        # Awaited only from startup (reduced from lnbits' ``check_admin_settings``, which the
        # app's startup awaits and a CLI command runs): startup code runs once.
        Valid(
            """
import click
from contextlib import asynccontextmanager
from fastapi import FastAPI

async def check_admin_settings():
    with open("/var/lib/app/.super_user", "w") as file:
        file.write("admin")

async def startup(app: FastAPI):
    await check_admin_settings()

@asynccontextmanager
async def lifespan(app: FastAPI):
    await startup(app)
    yield

app = FastAPI(lifespan=lifespan)

@click.command()
def reset_admin():
    import asyncio
    asyncio.run(check_admin_settings())
"""
        ),
        # Once per process (``fastlint.analysis.once``): a memoised coroutine without
        # arguments, and the lazy initialisation of a module-level value.
        Valid(
            """
from async_lru import alru_cache

@alru_cache
async def load_prompts():
    with open("/etc/app/prompts.yaml") as f:
        return f.read()
"""
        ),
        Valid(
            """
_templates = None

async def render(name: str):
    global _templates
    if _templates is None:
        with open("/etc/app/templates.json") as f:
            _templates = f.read()
    return _templates
"""
        ),
        Valid(
            # The upload read through UploadFile's async methods; in-memory buffers; a sync def.
            """
import io
from typing import IO
from fastapi import FastAPI, UploadFile

app = FastAPI()

@app.post("/imports")
async def import_csv(upload: UploadFile):
    data = await upload.read()
    buffer = io.BytesIO(data)
    header = buffer.readline()
    return {"header": header.decode()}

def append_log(log: IO[str], line: str):
    log.write(line + "\\n")
"""
        ),
        Valid(
            """
import json
from pathlib import Path

CONFIG = json.loads(Path("config.json").read_text())

def load_config():
    with open("config.json") as handle:
        return json.load(handle)
"""
        ),
        Valid(
            """
import os
from anyio import Path as AsyncPath
from pathlib import Path
from starlette.concurrency import run_in_threadpool

async def read_async(name: str):
    target = AsyncPath("/data") / name
    exists = await target.exists()
    joined = os.path.join("/data", name)
    content = await run_in_threadpool(Path(joined).read_text)
    return exists, content
"""
        ),
        Valid(
            """
import json
from fastapi import UploadFile

async def parse(upload: UploadFile):
    data = await upload.read()
    return json.loads(data)
"""
        ),
        Valid(
            """
import os
from pathlib import Path
from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()
UPLOADS = Path("/data/uploads")

@app.get("/files/{name}/content")
async def get_file_content(name: str):
    os.makedirs(UPLOADS, exist_ok=True)
    file_path = (UPLOADS / name).resolve()
    if file_path.is_file() and os.path.getsize(file_path) > 0:
        return FileResponse(file_path)
    return None
"""
        ),
        Valid(
            """
import anyio

async def cached(name: str):
    path = await anyio.to_thread.run_sync(lookup, name)
    path = anyio.Path(path)
    return await path.read_bytes() if await path.is_file() else None
"""
        ),
        Valid(
            """
from anyio import Path

def export_sync(name: str):
    from pathlib import Path
    return Path("/data", name).read_bytes()

async def manifest(root: str):
    return await Path(root, "manifest.json").read_text()
"""
        ),
        Valid(
            """
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()

@app.get("/artifacts/{artifact_path:path}")
async def download_artifact(artifact_path: str):
    def _stream_file(path: str):
        with open(path, "rb") as handle:
            yield from handle

    return StreamingResponse(_stream_file(artifact_path))
"""
        ),
        Valid(
            # The file is reported once, at its open (see the invalid examples); the look-alikes:
            # lines of bytes read asynchronously, an in-memory buffer, an async file, a list.
            """
import csv
import io
import anyio
from fastapi import FastAPI, UploadFile

app = FastAPI()

@app.post("/contacts/import")
async def import_contacts(upload: UploadFile, tags: list[str]):
    data = await upload.read()
    count = sum(1 for _ in data.splitlines())
    rows = [row for row in csv.reader(io.StringIO(data.decode()))]
    async with await anyio.open_file("/data/contacts.log") as log:
        async for line in log:
            count += len(line)
    for tag in tags:
        count += len(tag)
    return count, rows
"""
        ),
        Valid(
            # islice over what is not a file: the lines of an upload read asynchronously.
            """
from itertools import islice
from fastapi import FastAPI, UploadFile

app = FastAPI()

@app.post("/contacts/preview")
async def preview(upload: UploadFile):
    lines = (await upload.read()).decode().splitlines()
    header = next(iter(lines))
    return header, [line for line in islice(lines, 5)], list(islice(lines, 5, 10))
"""
        ),
    )
    INVALID = (
        Invalid(
            # The first lines of a sync file, through itertools.islice (issue 12: a preview of
            # an uploaded CSV).
            """
import itertools
from itertools import islice
from fastapi import FastAPI, UploadFile

app = FastAPI()

@app.post("/contacts/preview")
async def preview(upload: UploadFile):
    head = [line for line in islice(upload.file, 5)]
    for line in itertools.islice(upload.file, 5, 10):
        head.append(line)
    more = list(islice(upload.file, 10, 15))
    header = next(upload.file)
    return header, head, more
""",
            expected=((10, 37, 10, 48), (11, 34, 11, 45), (13, 24, 13, 35), (14, 19, 14, 30)),
            message="iterating `upload.file` (`tempfile.SpooledTemporaryFile`) blocks the event loop in async route handler "
            "POST /contacts/preview; use `await upload.read()` (UploadFile's async methods) or `run_in_threadpool`",
        ),
        # A helper that hands out a new temporary file only creates it; the writes happen
        # here, on a file the inference types (reduced from skyvern's browser-session upload).
        # An environment variable that names no debug switch is configuration, checked.
        Invalid(
            """
import os
import tempfile
from fastapi import FastAPI

app = FastAPI()

def create_named_temporary_file(delete: bool = True):
    return tempfile.NamedTemporaryFile(dir="/var/tmp/app", delete=delete)

@app.post("/sessions/{session_id}/files")
async def upload(session_id: str, data: bytes):
    temp_file = create_named_temporary_file(delete=False)
    temp_file.write(data)
    upload_dir = os.environ.get("UPLOAD_DIR")
    if not upload_dir:
        return temp_file.name
    with open(os.path.join(upload_dir, session_id), "wb") as out:
        out.write(data)
""",
            expected=((14, 5, 14, 20), (18, 10, 18, 14)),
            message="`temp_file.write` (`typing.IO.write`) blocks the event loop in async route handler POST /sessions/{session_id}/files",
        ),
        # A TemporaryDirectory block removes the tree at its end; rmtree walks it.
        Invalid(
            """
import shutil
import tempfile

async def extract_anchors(pages: list[bytes]):
    with tempfile.TemporaryDirectory() as tmp_dir:
        for index, page in enumerate(pages):
            pass
    shutil.rmtree("/var/cache/app/anchors", ignore_errors=True)
""",
            expected=((6, 10, 6, 37), (9, 5, 9, 18)),
            message="`tempfile.TemporaryDirectory` blocks the event loop in async function `extract_anchors`",
        ),
        # The same helper, awaited by a route too: it runs per request.
        Invalid(
            """
from contextlib import asynccontextmanager
from fastapi import FastAPI

async def check_admin_settings():
    with open("/var/lib/app/.super_user", "w") as file:
        file.write("admin")

@asynccontextmanager
async def lifespan(app: FastAPI):
    await check_admin_settings()
    yield

app = FastAPI(lifespan=lifespan)

@app.post("/admin/reset")
async def reset():
    await check_admin_settings()
""",
            expected=((6, 10, 6, 14),),
            message="`open` (`builtins.open`) blocks the event loop in async function `check_admin_settings`",
        ),
        Invalid(
            # Reduced from a CSV import route: the upload's spooled file iterated on the
            # loop, directly and through csv.reader, and a descriptor wrapped by os.fdopen.
            """
import csv
import os
from fastapi import FastAPI, UploadFile

app = FastAPI()

@app.post("/contacts/import")
async def import_contacts(upload: UploadFile):
    lines = 0
    for _line in upload.file:
        lines += 1
    upload.file.seek(0)
    rows = [row for row in csv.reader(upload.file)]
    return {"lines": lines, "rows": len(rows)}

@app.get("/logs/{fd}")
async def tail_log(fd: int):
    with os.fdopen(fd, "r") as stream:
        return [line for i, line in enumerate(stream) if i < 10]
""",
            expected=((11, 18, 11, 29), (14, 39, 14, 50), (20, 47, 20, 53)),
            message="iterating `upload.file` (`tempfile.SpooledTemporaryFile`) blocks the event loop in async route handler "
            "POST /contacts/import; use `await upload.read()` (UploadFile's async methods) or `run_in_threadpool`",
        ),
        Invalid(
            # Reduced from an import endpoint: an upload read through its sync file, and a
            # file handed in by a helper.
            """
import shutil
from typing import IO
from fastapi import FastAPI, UploadFile

app = FastAPI()

async def append_log(log: IO[str], line: str):
    log.write(line + "\\n")

@app.post("/imports")
async def import_csv(upload: UploadFile):
    header = upload.file.readline()
    with open("/data/imports/latest.csv", "wb") as target:
        target.write(header)
        shutil.copyfileobj(upload.file, target)
    await append_log(upload.file, "imported")
    return {"header": header.decode()}
""",
            expected=((9, 5, 9, 14), (13, 14, 13, 34), (14, 10, 14, 14), (16, 9, 16, 27)),
            message="`log.write` (`typing.IO.write`) blocks the event loop in async function `append_log`; use `anyio.open_file` (awaited)",
        ),
        Invalid(
            """
from async_lru import alru_cache

@alru_cache(maxsize=256)
async def load_avatar(user_id: str):
    with open(f"/data/avatars/{user_id}.png", "rb") as f:
        return f.read()
""",
            expected=((6, 10, 6, 14),),
            message="`open` (`builtins.open`) blocks the event loop in async function `load_avatar`",
            fixed="""
import anyio
from async_lru import alru_cache

@alru_cache(maxsize=256)
async def load_avatar(user_id: str):
    async with await anyio.open_file(f"/data/avatars/{user_id}.png", "rb") as f:
        return await f.read()
""",
        ),
        Invalid(
            """
import json
from fastapi import FastAPI

app = FastAPI()

@app.get("/settings")
async def settings():
    with open("settings.json") as handle:
        return json.load(handle)
""",
            expected=((9, 10, 9, 14),),
            message="`open` (`builtins.open`) blocks the event loop in async route handler GET /settings",
        ),
        Invalid(
            """
import os
import shutil
from pathlib import Path

BASE = Path(__file__).parent / "uploads"

async def store(name: str, data: bytes):
    target = BASE / name
    if not os.path.exists(BASE):
        os.makedirs(BASE)
    target.write_bytes(data)
    shutil.copy(target, "/backup")
""",
            expected=((12, 5, 12, 23), (13, 5, 13, 16)),
            message="`target.write_bytes` (`pathlib.Path.write_bytes`) blocks the event loop in async function `store`",
        ),
        Invalid(
            """
import asyncio
from pathlib import Path

async def cached(name: str):
    path = await asyncio.to_thread(lookup, name)
    path = Path(path)
    return path.read_bytes() if path.is_file() else None
""",
            expected=((8, 12, 8, 27),),
            message="`path.read_bytes` (`pathlib.Path.read_bytes`) blocks the event loop in async function `cached`",
        ),
        Invalid(
            """
from pathlib import Path

class LeaseStorage:
    def __init__(self, root: Path):
        self.root = root

    def _lease_path(self, lease_id: str) -> Path:
        return self.root / f"{lease_id}.json"

    async def read(self, lease_id: str):
        lease = self._lease_path(lease_id)
        return lease.read_text() if lease.exists() else None
""",
            expected=((13, 16, 13, 31),),
            message="`lease.read_text` (`pathlib.Path.read_text`) blocks the event loop in async function `LeaseStorage.read`",
        ),
        Invalid(
            """
from pathlib import Path

async def stream_chunks(name: str):
    from anyio import Path
    return await Path("/data", name).read_bytes()

async def manifest(root: str):
    return Path(root, "manifest.json").read_text()
""",
            expected=((9, 12, 9, 49),),
            message='`pathlib.Path.read_text` blocks the event loop in async function `manifest`',
        ),
    )
