import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()


def fetch_rates():
    return requests.get("https://rates.example.com", timeout=5).json()


@app.get("/rates")
async def rates():
    return await run_in_threadpool(fetch_rates)
