import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/rates")
async def rates(currency: str):
    reply = requests.get(
        "https://rates.example.com",  # the provider
        params={"c": currency},
        timeout=5,
    )
    return reply.json()
