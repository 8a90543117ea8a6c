import bcrypt
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


@app.post("/login")
async def login(password: str, stored: bytes):
    return {"ok": await run_in_threadpool(bcrypt.checkpw, password.encode(), stored)}
