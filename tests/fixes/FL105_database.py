import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.get("/count")
async def count():
    connection = sqlite3.connect("app.db")
    return {"n": connection.execute("select count(*) from t").fetchone()[0]}
