import ast

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, keyword, walk_local

_RESPONSES = frozenset({
    "fastapi.Response", "fastapi.responses.Response", "starlette.responses.Response",
    "fastapi.responses.PlainTextResponse", "starlette.responses.PlainTextResponse",
    "fastapi.responses.HTMLResponse", "starlette.responses.HTMLResponse",
})
_WHOLE_FILE = ("read_bytes", "read_text")


class WholeFileInResponse(Rule):
    """
    ## What it does
    Checks for route handlers that read a whole file into memory to send it in a
    `Response` (`Response(path.read_bytes())`, `Response(open(p, "rb").read())`, or a
    variable holding such a read).

    ## Why is this bad?
    The file is read whole into the worker's memory before the first byte is sent, and
    held until the last one is. The arithmetic:

        memory at peak = concurrent downloads x file size = 20 x 500 MB = 10 GB

    `FileResponse` streams the file in chunks (64 KB), sets `Content-Length`,
    `Last-Modified` and `ETag`, and answers range requests; memory stays at one chunk
    per download. A sync `read_bytes()` in an `async def` handler also blocks the event
    loop while it reads (FL103).

    ## Example
    ```python
    from pathlib import Path

    from fastapi import FastAPI, Response

    app = FastAPI()
    REPORTS = Path("/srv/reports")


    @app.get("/reports/{name}")
    def report(name: str):
        return Response((REPORTS / name).read_bytes(), media_type="application/pdf")
    ```

    ## Use instead
    ```python
    from pathlib import Path

    from fastapi import FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI()
    REPORTS = Path("/srv/reports")


    @app.get("/reports/{name}")
    def report(name: str):
        return FileResponse(REPORTS / name, media_type="application/pdf")
    ```

    ## Known problems
    Preview. Any `.read()` of a file opened with `open()` and any `read_bytes()` or
    `read_text()` is taken as a whole file; a small file (a template, an icon) is harmless.

    ## References
    - [FastAPI: FileResponse](https://fastapi.tiangolo.com/advanced/custom-response/#fileresponse)
    """

    code = "FL605"
    name = "whole-file-in-response"
    preview = True
    triggers = (b"Response",)
    role_triggered = True

    def check(self, ctx: ModuleContext) -> list[Finding]:
        findings = []
        for function in [f for f in ctx.model.roles if any(role.kind.name == "ROUTE" for role in ctx.model.roles_of(f))]:
            opened = {
                item.optional_vars.id
                for node in walk_local(function)
                if isinstance(node, (ast.With, ast.AsyncWith))
                for item in node.items
                if isinstance(item.optional_vars, ast.Name) and self._opens(ctx, item.context_expr)
            }
            holding = {}
            for node in walk_local(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and self._whole(ctx, node.value, opened):
                    holding[node.targets[0].id] = node.value
            for node in walk_local(function):
                if not isinstance(node, ast.Call) or ctx.names.qualified_name(node.func) not in _RESPONSES:
                    continue
                content = node.args[0] if node.args else keyword(node, "content")
                if content is None:
                    continue
                if self._whole(ctx, content, opened) or (isinstance(content, ast.Name) and content.id in holding):
                    findings.append(
                        ctx.finding(
                            self.code,
                            content,
                            "The whole file is read into memory to send it in a `Response`: concurrent downloads hold "
                            "downloads x file size until sent; return `FileResponse(path)`, which streams it in chunks",
                        )
                    )
        return findings

    @staticmethod
    def _opens(ctx: ModuleContext, node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and ctx.names.qualified_name(node.func) in ("builtins.open", "io.open", "aiofiles.open", "anyio.open_file")

    def _whole(self, ctx: ModuleContext, node: ast.expr, opened: set[str]) -> bool:
        if isinstance(node, ast.Await):
            node = node.value
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)) or node.args:
            return False
        receiver = node.func.value
        if node.func.attr in _WHOLE_FILE:
            return True
        if node.func.attr == "read":
            return (isinstance(receiver, ast.Name) and receiver.id in opened) or self._opens(ctx, receiver)
        return False

    VALID = (
        Valid(
            """
from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()

@app.get("/file")
def download():
    return FileResponse("/srv/file.bin")
"""
        ),
        Valid(
            """
from fastapi import FastAPI, Response

app = FastAPI()

@app.get("/ping")
def ping():
    return Response(b"pong", media_type="text/plain")
"""
        ),
    )
    INVALID = (
        Invalid(
            """
from fastapi import FastAPI, Response

app = FastAPI()

@app.get("/file")
def download():
    with open("/srv/file.bin", "rb") as handle:
        data = handle.read()
    return Response(content=data, media_type="application/octet-stream")
""",
            expected=((10, 29, 10, 33),),
            message="The whole file is read into memory to send it in a `Response`",
        ),
        Invalid(
            """
from pathlib import Path
from fastapi import FastAPI
from starlette.responses import Response

app = FastAPI()

@app.get("/file")
async def download():
    return Response(open("/srv/f", "rb").read())
""",
            expected=((10, 21, 10, 48),),
        ),
    )
