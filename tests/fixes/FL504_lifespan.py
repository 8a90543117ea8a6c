import httpx
from fastapi import APIRouter, FastAPI

router = APIRouter()

# the application
app = FastAPI(
    title="orders",
)
app.include_router(router)


@app.on_event("startup")  # open the pool
async def open_client():
    app.state.http = httpx.AsyncClient()


@app.on_event("shutdown")
async def close_client():
    await app.state.http.aclose()


@app.on_event("startup")
def warm_cache():
    print("warm")
