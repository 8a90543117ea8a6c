from fastlint import Invalid, Valid

from ._blocking import BlockingCallRule


class BlockingHttpCallInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for synchronous HTTP calls made directly in code that runs on the event loop:
    `requests`, `urllib`, `urllib3`, `http.client`, sync `httpx` (and its fork `httpx2`),
    and the requests of sync SDK clients: OpenAI, Anthropic, boto3 clients and resources,
    Google Cloud Storage, BigQuery and Pub/Sub futures, Elasticsearch and OpenSearch,
    Stripe, Slack `WebClient`, Twilio, SendGrid, kafka-python, pika's
    `BlockingConnection`, MinIO, hvac, ldap3, paramiko and `smtplib`.

    SDK objects are followed from their constructor or factory (`boto3.client("s3")`,
    `boto3.Session().client(...)`, `storage.Client().bucket(...).blob(...)`) through
    attribute chains (`client.chat.completions.create`). Calls that make no request stay
    quiet (`generate_presigned_url`, `get_paginator`, `client.meta`, `with_options`,
    `bucket.blob`, `stripe.Webhook.construct_event`), and so do async twins, whose calls
    are awaited. A constructor that connects (`smtplib.SMTP(host)`,
    `pika.BlockingConnection(...)`) is reported once: the calls on the object it returns
    in the same function are not reported again.

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
    parameter is not recognised. The SDK table lists each library's sync client types and
    the methods that make no request (`fastlint/knowledge/sdk.py`); a call the table does
    not describe is not reported. `allow-blocking-calls = ["stripe"]` (a type or module)
    silences one SDK.

    ## Fix safety
    The fix offloads the call: `requests.get(url, timeout=5)` becomes `await run_in_threadpool(requests.get, url, timeout=5)`
    (Starlette's, which FastAPI depends on), keeping every argument, and adds
    `from starlette.concurrency import run_in_threadpool`. It is unsafe: the call now runs
    in a worker thread while other requests run on the loop, so objects it shares with
    them (a database session, a client that is not thread-safe, module state) are used
    from two threads, and the call takes one of the threadpool's 40 slots. No fix is
    offered where an `await` cannot keep the meaning: inside a lambda, a nested function
    (its defaults and decorators too), a comprehension or generator expression, a `with`
    item, an f-string, or when `run_in_threadpool` is bound to something else. Moving
    to an async client (`httpx.AsyncClient`) is the better fix, and a manual one.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    - [OpenAI Python library: async usage](https://github.com/openai/openai-python#async-usage)
    """

    code = "FL101"
    name = "blocking-http-call-in-async"
    fixable = True

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
        Valid(
            # Reduced from a chat service: the async twins of the SDK clients, awaited.
            """
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from fastapi import FastAPI

app = FastAPI()
openai_client = AsyncOpenAI()
claude = AsyncAnthropic()

@app.post("/chat")
async def chat(prompt: str):
    completion = await openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    reply = await claude.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[{"role": "user", "content": prompt}])
    return {"openai": completion.choices[0].message.content, "claude": reply.content[0].text}
"""
        ),
        Valid(
            # Reduced from an upload service: presigned URLs make no request; the upload
            # is offloaded, or the handler is a sync def that FastAPI runs in its threadpool.
            """
import boto3
from fastapi import FastAPI, UploadFile
from fastapi.concurrency import run_in_threadpool

app = FastAPI()
s3 = boto3.client("s3")

@app.get("/files/{key}/url")
async def download_url(key: str):
    return {"url": s3.generate_presigned_url("get_object", Params={"Bucket": "files", "Key": key}, ExpiresIn=300)}

@app.post("/files/{key}")
async def upload(key: str, file: UploadFile):
    await run_in_threadpool(s3.upload_fileobj, file.file, "files", key)
    paginator = s3.get_paginator("list_objects_v2")
    return {"region": s3.meta.region_name, "paginator": paginator is not None}

@app.delete("/files/{key}")
def delete(key: str):
    s3.delete_object(Bucket="files", Key=key)
"""
        ),
        Valid(
            """
import smtplib
import stripe

def send_receipt(message):
    with smtplib.SMTP("mail.example.com", 587, timeout=10) as smtp:
        smtp.send_message(message)

async def webhook(payload: bytes, signature: str):
    event = stripe.Webhook.construct_event(payload, signature, "whsec")
    intent = await stripe.PaymentIntent.retrieve_async(event["data"]["object"]["id"])
    return intent
"""
        ),
        Valid(
            """
import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()

@app.post("/webhooks/{hook_id}/replay")
async def replay(hook_id: str):
    def deliver(url: str):
        return requests.post(url, json={"id": hook_id}, timeout=10)

    response = await run_in_threadpool(deliver, f"https://hooks.example.com/{hook_id}")
    return {"status": response.status_code}
"""
        ),
    )
    INVALID = (
        # ``client = None`` first, then the SMTP connection: the calls on it block too
        # (reduced from skyvern's email block).
        Invalid(
            """
import smtplib

async def send_email(host: str, message) -> None:
    smtp_client = None
    try:
        smtp_client = smtplib.SMTP(host, 587, timeout=10)
        smtp_client.send_message(message)
    finally:
        if smtp_client:
            smtp_client.quit()
""",
            expected=((7, 23, 7, 35), (8, 9, 8, 33), (11, 13, 11, 29)),
            message="`smtplib.SMTP` blocks the event loop in async function `send_email`",
        ),
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

@app.get("/items")
async def list_items():
    return requests.get("https://example.com/items", timeout=5).json()
""",
            fixed="""
import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()

@app.get("/items")
async def list_items():
    return (await run_in_threadpool(requests.get, "https://example.com/items", timeout=5)).json()
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
        Invalid(
            # Reduced from a chat service: the sync OpenAI client inside an async route.
            """
from openai import OpenAI
from fastapi import FastAPI

app = FastAPI()
client = OpenAI()

@app.post("/chat")
async def chat(prompt: str):
    completion = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    return {"reply": completion.choices[0].message.content}
""",
            expected=((10, 18, 10, 48),),
            message=(
                "`client.chat.completions.create` (`openai.OpenAI.chat.completions.create`) blocks the event loop "
                "in async route handler POST /chat; use `openai.AsyncOpenAI` (awaited)"
            ),
        ),
        Invalid(
            # Reduced from an upload service: boto3 through a factory, a session and a resource.
            """
import boto3
from fastapi import FastAPI, UploadFile

app = FastAPI()
s3 = boto3.client("s3")
s3_resource = boto3.Session(profile_name="app").resource("s3")

@app.post("/files/{key}")
async def upload(key: str, file: UploadFile):
    s3.put_object(Bucket="files", Key=key, Body=await file.read())
    s3_resource.Bucket("archive").copy({"Bucket": "files", "Key": key}, key)
    return {"url": s3.generate_presigned_url("get_object", Params={"Bucket": "files", "Key": key})}
""",
            expected=((11, 5, 11, 18), (12, 5, 12, 39)),
            message="`s3.put_object` (`botocore.client.BaseClient.put_object`) blocks the event loop in async route handler POST /files/{key}; use `aioboto3` (awaited) or `run_in_threadpool`",
        ),
        Invalid(
            # Reduced from a notification service: SMTP, Stripe, Elasticsearch, Kafka.
            """
import smtplib
import stripe
from elasticsearch import Elasticsearch
from kafka import KafkaProducer

es = Elasticsearch("http://search:9200")
producer = KafkaProducer(bootstrap_servers="kafka:9092")

async def notify(order, message):
    with smtplib.SMTP("mail.example.com", 587, timeout=10) as smtp:
        smtp.starttls()
        smtp.send_message(message)
    stripe.PaymentIntent.capture(order.payment_intent)
    es.index(index="orders", id=order.id, document={"state": "paid"})
    producer.send("orders", b"paid").get(timeout=10)
""",
            expected=((11, 10, 11, 22), (14, 5, 14, 33), (15, 5, 15, 13), (16, 5, 16, 41)),
            message="`smtplib.SMTP` blocks the event loop in async function `notify`; use `aiosmtplib` (awaited) or `run_in_threadpool`",
        ),
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

@app.post("/webhooks/{hook_id}/replay")
async def replay(hook_id: str):
    def deliver(url: str):
        return requests.post(url, json={"id": hook_id}, timeout=10)

    response = deliver(f"https://hooks.example.com/{hook_id}")
    return {"status": response.status_code}
""",
            expected=((10, 16, 10, 29),),
            message='blocks the event loop in async route handler POST /webhooks/{hook_id}/replay, through nested `deliver()`',
        ),
    )
