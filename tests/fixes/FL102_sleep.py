import time

from fastapi import FastAPI

app = FastAPI()


@app.post("/jobs")
async def submit():
    time.sleep(0.5)  # let the queue settle
    return {"ok": True}
