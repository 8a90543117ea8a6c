import bcrypt
from fastapi import FastAPI

app = FastAPI()


@app.post("/login")
async def login(password: str, stored: bytes):
    return {"ok": bcrypt.checkpw(password.encode(), stored)}
