import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


@app.get("/rates")
async def rates(currency: str):
    reply = await run_in_threadpool(requests.get,
        "https://rates.example.com",  # the provider
        params={"c": currency},
        timeout=5,
    )
    return reply.json()
