"""A server and the client SDK shipped beside it: the client's blocking chains run on its
users' loops, never on the served app's."""

import subprocess

import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

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
        return await run_in_threadpool(read_result, key)

    async def abundle(self, key: str) -> dict:
        return {"result": await run_in_threadpool(read_result, key), "requirements": await run_in_threadpool(freeze_requirements)}
