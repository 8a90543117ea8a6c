import json
import os
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


@app.get("/report")
async def report():
    with open("/data/report.csv") as handle:  # the nightly export
        header = handle.readline()
        return {"header": header, "rows": handle.read().count("\n")}


@app.post("/notes")
async def save(text: str):
    with open(
        "/data/notes.txt",
        "a",
        encoding="utf-8",
    ) as notes:
        notes.write(text)
        notes.flush()
    return {"saved": len(Path("/data/notes.txt").read_text(encoding="utf-8").splitlines())}


@app.get("/settings")
async def settings():
    with open("settings.json") as handle:
        return json.load(handle)


@app.put("/settings")
async def put_settings(body: dict):
    Path("settings.json").write_text(json.dumps(body))


@app.delete("/reports/{name}")
async def delete_report(name: str):
    os.truncate(f"/data/{name}.csv", 0)  # the export only
    return {"left": len(os.listdir("/data"))}
