"""A server and the client SDK shipped beside it: the client's file I/O runs on its users'
loops, never on the served app's."""

import shutil
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health():
    return {"ok": True}


class LocalFileSystem:
    def __init__(self, basepath: str):
        self.basepath = basepath

    async def read_path(self, path: str) -> bytes:
        with open(f"{self.basepath}/{path}", "rb") as f:
            return f.read()

    async def write_path(self, path: str, content: bytes) -> None:
        Path(f"{self.basepath}/{path}").write_bytes(content)

    async def put_directory(self, local_path: str) -> None:
        shutil.copytree(local_path, self.basepath, dirs_exist_ok=True)
