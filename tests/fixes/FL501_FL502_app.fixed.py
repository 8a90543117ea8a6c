from fastapi import FastAPI

app = FastAPI(
    title="orders",
    openapi_url=None,
)
