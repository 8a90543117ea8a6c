from fastlint import Invalid, Valid
from ._blocking import BlockingCallRule


class BlockingHttpCallInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for synchronous HTTP calls made directly in code that runs on the event loop:
    `requests`, `urllib`, `urllib3`, `http.client` and sync `httpx`.

    ## Why is this bad?
    FastAPI runs `async def` route handlers, dependencies and middleware on one event
    loop. A synchronous HTTP call holds that loop for the whole round trip: no other
    request of the worker makes progress until the remote server answers. One slow
    upstream turns into a stalled service.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather")
    async def weather(city: str):
        return requests.get(f"https://api.example.com/{city}", timeout=5).json()
    ```

    ## Use instead
    ```python
    import httpx
    from fastapi import FastAPI, Request

    app = FastAPI()


    @app.get("/weather")
    async def weather(city: str, request: Request):
        client: httpx.AsyncClient = request.app.state.http
        response = await client.get(f"https://api.example.com/{city}")
        return response.json()
    ```
    A sync `def` handler is also fine: FastAPI runs it in the threadpool. So is
    `await run_in_threadpool(requests.get, url)`.

    ## Known problems
    Receivers are typed by local inference: a client passed in through an untyped
    parameter is not recognised.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    """

    code = "FL101"
    name = "blocking-http-call-in-async"

    VALID = (
        Valid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

@app.get("/sync")
def sync_handler():
    return requests.get("https://example.com", timeout=5).json()
"""
        ),
        Valid(
            """
import requests
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()

@app.get("/offloaded")
async def offloaded():
    response = await run_in_threadpool(requests.get, "https://example.com", timeout=5)
    return response.json()
"""
        ),
        Valid(
            """
import asyncio
import requests

async def nested():
    def fetch():
        return requests.get("https://example.com", timeout=5)
    return await asyncio.to_thread(fetch)

async def with_lambda(loop):
    return await loop.run_in_executor(None, lambda: requests.get("https://example.com", timeout=5))
"""
        ),
        Valid(
            """
import httpx

async def fetch(url: str):
    async with httpx.AsyncClient() as client:
        return await client.get(url)
"""
        ),
        Valid(
            """
import requests

response = requests.get("https://example.com", timeout=5)

def main():
    print(requests.get("https://example.com", timeout=5).status_code)
"""
        ),
        Valid(
            """
from contextlib import asynccontextmanager
import requests
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.config = requests.get("https://config.internal/app", timeout=5).json()
    yield

app = FastAPI(lifespan=lifespan)
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

@app.get("/items")
async def list_items():
    return requests.get("https://example.com/items", timeout=5).json()
""",
            expected=((9, 12, 9, 24),),
            message="`requests.get` blocks the event loop in async route handler GET /items",
        ),
        Invalid(
            """
from requests import post as send
from fastapi import APIRouter

router = APIRouter(prefix="/orders")

@router.post("/{order_id}/pay")
async def pay(order_id: int):
    send("https://payments.example.com", json={"id": order_id}, timeout=5)
""",
            expected=((9, 5, 9, 9),),
            message="`send` (`requests.post`) blocks the event loop in async route handler POST /orders/{order_id}/pay",
        ),
        Invalid(
            """
import requests

session = requests.Session()

async def fetch_user(user_id: int):
    with requests.Session() as local:
        local.get("https://example.com", timeout=5)
    return session.get(f"https://example.com/{user_id}", timeout=5)
""",
            expected=((8, 9, 8, 18), (9, 12, 9, 23)),
            message="`local.get` (`requests.Session.get`) blocks the event loop in async function `fetch_user`",
        ),
        Invalid(
            """
import httpx
import urllib.request
from fastapi import FastAPI, Depends

app = FastAPI()

async def current_user(token: str):
    client = httpx.Client()
    client.post("https://auth.example.com", data={"t": token})
    return urllib.request.urlopen("https://example.com", timeout=5)

@app.get("/me")
def me(user=Depends(current_user)):
    return user
""",
            expected=((10, 5, 10, 16), (11, 12, 11, 34)),
            message="`client.post` (`httpx.Client.post`) blocks the event loop in async dependency `current_user`",
        ),
        Invalid(
            """
from contextlib import asynccontextmanager
import requests
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    requests.get("https://config.internal/app", timeout=5)
    yield

app = FastAPI(lifespan=lifespan)
""",
            expected=((8, 5, 8, 17),),
            message="blocks the event loop in async lifespan `lifespan`",
            options={"check_startup": True},
        ),
    )
