"""A server and the client SDK shipped beside it: the client's blocking chains run on its
users' loops, never on the served app's."""

import subprocess

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health():
    return {"ok": True}


def read_result(key: str) -> bytes:
    return requests.get(f"https://results.example.com/{key}", timeout=5).content


def freeze_requirements() -> str:
    return subprocess.check_output(["pip", "freeze"], text=True)


class ResultStore:
    async def aread(self, key: str) -> bytes:
        return read_result(key)

    async def abundle(self, key: str) -> dict:
        return {"result": read_result(key), "requirements": freeze_requirements()}
