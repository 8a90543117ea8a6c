import subprocess

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


@app.post("/build")
async def build(ref: str):
    done = await run_in_threadpool(subprocess.run, ["git", "fetch", ref], check=True, capture_output=True)
    return {"code": done.returncode}
