import json

import anyio
from fastapi import FastAPI

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
