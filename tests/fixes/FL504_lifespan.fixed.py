from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI

router = APIRouter()


@asynccontextmanager
async def lifespan(app: FastAPI):
    await open_client()  # open the pool
    warm_cache()
    yield
    await close_client()


# the application
app = FastAPI(
    title="orders",
    lifespan=lifespan,
)
app.include_router(router)


async def open_client():
    app.state.http = httpx.AsyncClient()


async def close_client():
    await app.state.http.aclose()


def warm_cache():
    print("warm")
