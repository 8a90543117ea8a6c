import requests
from fastapi import FastAPI

app = FastAPI()


def fetch_rates():
    return requests.get("https://rates.example.com", timeout=5).json()


@app.get("/rates")
async def rates():
    return fetch_rates()
