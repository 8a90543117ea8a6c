import functools

from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    api_url: str = "https://example.com"


@functools.lru_cache
def get_settings():
    return Settings()


app = FastAPI()


@app.get("/info")
async def info(settings: Settings = Depends(get_settings)):
    return {"url": settings.api_url}
