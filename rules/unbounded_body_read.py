import ast

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, walk_local

from ._capacity import annotation_kind, parameters, request_functions

_LIMIT_WORDS = ("content-length", "content_length", ".size", "max_body_size", "form_limits", "max_upload", "MAX_UPLOAD")
_BODY_METHODS = {"body": "request.body()", "json": "request.json()", "form": "request.form()"}


class UnboundedBodyRead(Rule):
    """
    ## What it does
    Checks for request handlers and dependencies that read a whole request body or upload
    into memory with no size limit in front: `await upload.read()` with no size,
    `await request.body()`, `await request.json()` and `await request.form()`.

    ## Why is this bad?
    Neither Uvicorn nor FastAPI limits the size of a request body by default. One read
    holds the whole payload in the worker's memory, and JSON parsing roughly doubles it
    or more. The arithmetic:

        memory at peak = concurrent requests x body size (x 2-10 once parsed)
                       = 50 uploads x 200 MB = 10 GB

    A few large or malicious requests at once get the worker killed by the OOM killer,
    dropping every request it was serving.

    ## Example
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/avatars")
    async def upload_avatar(file: UploadFile):
        data = await file.read()
        return {"size": len(data)}
    ```

    ## Use instead
    Check the size first, or read in chunks and stop past a limit:
    ```python
    from fastapi import FastAPI, HTTPException, UploadFile

    app = FastAPI()
    MAX_AVATAR = 2_000_000


    @app.post("/avatars")
    async def upload_avatar(file: UploadFile):
        if file.size is None or file.size > MAX_AVATAR:
            raise HTTPException(413)
        data = await file.read(MAX_AVATAR)
        return {"size": len(data)}
    ```

    ## Known problems
    Preview. A limit enforced elsewhere (a reverse proxy's `client_max_body_size`, an ASGI
    middleware) is not seen: a check on the `content-length` header or the upload's
    `size` in the function, or a `max_body_size`/`form_limits` setting in the module,
    counts as a limit; otherwise suppress with `noqa` where the proxy limits it.

    ## References
    - [FastAPI: Request files](https://fastapi.tiangolo.com/tutorial/request-files/)
    - [Starlette: Request body](https://www.starlette.io/requests/#body)
    """

    code = "FL604"
    name = "unbounded-body-read"
    preview = True
    triggers = (b"Request", b"UploadFile")
    role_triggered = True

    def check(self, ctx: ModuleContext) -> list[Finding]:
        module_limited = any(word in ctx.source.text for word in ("max_body_size", "form_limits"))
        if module_limited:
            return []
        findings = []
        for function in request_functions(ctx):
            kinds = {arg.arg: annotation_kind(ctx, arg.annotation) for arg in parameters(function)}
            uploads = {name for name, kind in kinds.items() if kind == "upload"}
            requests = {name for name, kind in kinds.items() if kind == "request"}
            for node in walk_local(function):
                loops = [node] if isinstance(node, ast.For) else list(node.generators) if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) else []
                for loop in loops:
                    if isinstance(loop.iter, ast.Name) and kinds.get(loop.iter.id) == "uploads" and isinstance(loop.target, ast.Name):
                        uploads.add(loop.target.id)
            if not uploads and not requests:
                continue
            body = ast.get_source_segment(ctx.source.text, function) or ""
            if any(word in body for word in _LIMIT_WORDS):
                continue
            for node in walk_local(function):
                if not (isinstance(node, ast.Await) and isinstance(node.value, ast.Call)):
                    continue
                call = node.value
                func = call.func
                if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
                    continue
                receiver = func.value.id
                if receiver in uploads and func.attr == "read" and not call.args and not call.keywords:
                    what = f"`await {receiver}.read()` reads the whole upload"
                elif receiver in requests and func.attr in _BODY_METHODS:
                    what = f"`await {receiver}.{func.attr}()` reads the whole request body"
                else:
                    continue
                findings.append(
                    ctx.finding(
                        self.code,
                        node,
                        f"{what} into memory with no size limit in front: concurrent large requests hold "
                        "requests x size in the worker's memory until it is killed; check `content-length` or "
                        "the upload's `size` first, or read in bounded chunks",
                    )
                )
        return findings

    VALID = (
        Valid(
            """
from fastapi import FastAPI, UploadFile

app = FastAPI()

@app.post("/files")
async def save(file: UploadFile):
    while chunk := await file.read(65536):
        pass
"""
        ),
        Valid(
            """
from fastapi import FastAPI, HTTPException, Request

app = FastAPI()

@app.post("/hook")
async def hook(request: Request):
    if int(request.headers.get("content-length", 0)) > 1_000_000:
        raise HTTPException(413)
    return await request.json()
"""
        ),
        Valid(
            """
from fastapi import FastAPI, UploadFile

app = FastAPI()

async def helper(file: UploadFile):
    return await file.read()
"""
        ),
    )
    INVALID = (
        Invalid(
            """
from fastapi import FastAPI, Request

app = FastAPI()

@app.post("/hook")
async def hook(request: Request):
    payload = await request.json()
    return payload
""",
            expected=((8, 15, 8, 35),),
            message="`await request.json()` reads the whole request body into memory with no size limit in front",
        ),
        Invalid(
            """
from typing import Annotated
from fastapi import FastAPI, File, UploadFile

app = FastAPI()

@app.post("/batch")
async def batch(files: Annotated[list[UploadFile], File()]):
    return [len(await f.read()) for f in files]

@app.post("/one")
async def one(files: list[UploadFile]):
    for f in files:
        data = await f.read()
""",
            expected=((9, 17, 9, 31), (14, 16, 14, 30)),
            message="`await f.read()` reads the whole upload",
        ),
    )
