import json
import os

import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


@app.get("/report")
async def report():
    async with await anyio.open_file("/data/report.csv") as handle:  # the nightly export
        header = await handle.readline()
        return {"header": header, "rows": (await handle.read()).count("\n")}


@app.post("/notes")
async def save(text: str):
    async with await anyio.open_file(
        "/data/notes.txt",
        "a",
        encoding="utf-8",
    ) as notes:
        await notes.write(text)
        await notes.flush()
    return {"saved": len((await anyio.Path("/data/notes.txt").read_text(encoding="utf-8")).splitlines())}


@app.get("/settings")
async def settings():
    with open("settings.json") as handle:
        return json.load(handle)


@app.put("/settings")
async def put_settings(body: dict):
    await anyio.Path("settings.json").write_text(json.dumps(body))


@app.delete("/reports/{name}")
async def delete_report(name: str):
    await run_in_threadpool(os.truncate, f"/data/{name}.csv", 0)  # the export only
    return {"left": len(await run_in_threadpool(os.listdir, "/data"))}
