import sqlite3

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


@app.get("/count")
async def count():
    connection = await run_in_threadpool(sqlite3.connect, "app.db")
    return {"n": (await run_in_threadpool(connection.execute("select count(*) from t").fetchone))[0]}
