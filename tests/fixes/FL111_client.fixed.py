"""A server and the client SDK shipped beside it: the client's file I/O runs on its users'
loops, never on the served app's."""

import shutil

import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


@app.get("/health")
async def health():
    return {"ok": True}


class LocalFileSystem:
    def __init__(self, basepath: str):
        self.basepath = basepath

    async def read_path(self, path: str) -> bytes:
        async with await anyio.open_file(f"{self.basepath}/{path}", "rb") as f:
            return await f.read()

    async def write_path(self, path: str, content: bytes) -> None:
        await anyio.Path(f"{self.basepath}/{path}").write_bytes(content)

    async def put_directory(self, local_path: str) -> None:
        await run_in_threadpool(shutil.copytree, local_path, self.basepath, dirs_exist_ok=True)
