import ast

from fastlint import (
    Applicability,
    BlockingSite,
    Edit,
    Fix,
    Invalid,
    ModuleContext,
    Valid,
    add_import,
    await_allowed,
    awaited,
    awaited_as,
    offload_to_threadpool,
    walk_local,
)

from ._blocking import BlockingCallRule

# anyio's AsyncFile: the file methods that become awaitable.
_ASYNC_FILE_METHODS = frozenset(
    {"read", "read1", "readline", "readlines", "readinto", "readinto1", "write", "writelines", "truncate", "seek", "tell", "flush"}
)
# anyio.Path's awaitable reads and writes.
_ASYNC_PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
_OPENERS = frozenset({"builtins.open", "io.open"})


class BlockingFileIoInAsync(BlockingCallRule):
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
    `upload.file`. A file opened in the same function is reported once, at its `open`:
    the reads of `with open(path) as f: f.read()` are not reported again.

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

    Async code that no entry point is known to reach is reported like served code: a
    library's public async API, or the client SDK, workers and runners that a framework
    ships in the same package as its server (on prefect, 15 of the rule's 17 findings
    are such client code, which the server imports but never runs). Code that only
    lifespan, startup, CLI commands or import-time code reaches is left alone. Turn the
    rule off for such paths with `per-file-ignores`.

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

    def fix(self, ctx: ModuleContext, site: BlockingSite) -> Fix | None:
        """anyio's file API in place of the blocking one, for the two forms the Fix safety names."""
        anyio_path = _is_anyio_path_call(ctx, site.call)
        if site.name not in _OPENERS and not anyio_path:
            # ``shutil.rmtree(p)``, ``os.listdir(p)``: offloaded as FL104 does.
            return offload_to_threadpool(ctx, site.call, site.function)
        usable, import_edit = add_import(ctx, "anyio")
        if not usable:
            return None
        if site.name in _OPENERS:
            edits = _open_file_edits(ctx, site)
            message = "Use `async with await anyio.open_file(...)`, awaiting the file's methods"
        else:
            edit = awaited(ctx, site.call, site.function, callee="anyio.Path")
            edits = [edit] if edit is not None else None
            message = "Use `await anyio.Path(...)`"
        if not edits:
            return None
        return Fix(tuple(sorted([*edits, *([import_edit] if import_edit else [])], key=lambda edit: edit.start)), Applicability.UNSAFE, message)

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

async def tail_log(fd: int):
    with os.fdopen(fd, "r") as stream:
        return [line for i, line in enumerate(stream) if i < 10]
""",
            expected=((11, 18, 11, 29), (14, 39, 14, 50), (19, 47, 19, 53)),
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


def _open_file_edits(ctx: ModuleContext, site: BlockingSite) -> list[Edit] | None:
    """``with open(...) as f:`` -> ``async with await anyio.open_file(...) as f:``, each
    ``f.read()`` of the block awaited; None unless every use of ``f`` is such a call."""
    function, call = site.function, site.call
    statement = next(
        (node for node in walk_local(function) if isinstance(node, ast.With) and any(item.context_expr is call for item in node.items)),
        None,
    )
    if statement is None or len(statement.items) != 1 or not isinstance(statement.items[0].optional_vars, ast.Name):
        return None
    name = statement.items[0].optional_vars.id
    inside = {id(node) for child in statement.body for node in ast.walk(child)}
    methods = {
        id(node.func.value): node
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _ASYNC_FILE_METHODS
    }
    rebound = _rebinding_scopes(function, statement, name)
    uses = []
    for node in ast.walk(function):
        if not (isinstance(node, ast.Name) and node.id == name) or node is statement.items[0].optional_vars or id(node) in rebound:
            continue
        use = methods.get(id(node))
        if use is None or id(node) not in inside or await_allowed(function, use) is None:
            return None  # ``json.load(f)``, ``for line in f``, ``f.name``, a use after the block
        uses.append(use)
    opened = awaited_as(ctx, call, "anyio.open_file")
    rewritten = [awaited(ctx, use, function) for use in uses]
    if opened is None or any(edit is None for edit in rewritten):
        return None
    start = ctx.position(statement.lineno, statement.col_offset)
    return [Edit(start, start, "async "), opened, *rewritten]  # type: ignore[list-item]


def _is_anyio_path_call(ctx: ModuleContext, call: ast.Call) -> bool:
    """``Path(p).read_text()``-style: a read or write on a ``Path`` built in place, which
    becomes ``await anyio.Path(p).read_text()``."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in _ASYNC_PATH_METHODS:
        return False
    receiver = call.func.value
    return isinstance(receiver, ast.Call) and ctx.names.qualified_name(receiver.func) == "pathlib.Path"


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _rebinding_scopes(function: ast.AsyncFunctionDef, statement: ast.With, name: str) -> set[int]:
    """The ``name`` nodes that mean another variable than the file ``statement`` opens:
    in a comprehension, lambda or nested function that binds ``name`` itself (its own
    scope), and in another ``with ... as name:`` (outside ``statement``) with its block."""
    found: set[int] = set()
    ours = {id(node) for node in ast.walk(statement)}
    for node in ast.walk(function):
        if node is function:
            continue
        if isinstance(node, _COMPREHENSIONS):
            targets = [target for generator in node.generators for target in ast.walk(generator.target)]
            inner = [part for part in ast.walk(node) if part is not node.generators[0].iter and not _inside(part, node.generators[0].iter)]
        elif isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            targets = [arg for arg in ast.walk(node.args) if isinstance(arg, ast.arg)]
            inner = list(ast.walk(node))
        elif isinstance(node, ast.With) and id(node) not in ours:
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
            inner = list(ast.walk(node))
        else:
            continue
        if any(getattr(target, "id", getattr(target, "arg", None)) == name for target in targets):
            found.update(id(part) for part in inner if isinstance(part, ast.Name))
    return found


def _inside(node: ast.AST, root: ast.AST) -> bool:
    return any(child is node for child in ast.walk(root))
