import ast
import re

from fastlint import FunctionNode, Invalid, ModuleContext, Valid, all_parameters, dotted_text, walk_local

from ._request_scope import Construction, PerRequestClientRule

# Keyword arguments that carry credentials (``aws_access_key_id``, ``api_key``, ``password``...).
_CREDENTIAL = re.compile(r"key|secret|token|password|credential", re.I)


class ConnectionPoolPerRequest(PerRequestClientRule):
    """
    ## What it does
    Checks for database engines, connection pools and SDK clients created in code that
    runs once per request: `create_engine`/`create_async_engine`, `asyncpg.create_pool`,
    Redis, MongoDB and Motor clients, `boto3.client`/`resource`/`Session` (and
    `Session().client(...)`), OpenAI, Anthropic, Elasticsearch, OpenSearch, Google Cloud,
    Stripe, Slack, Twilio, SendGrid, MinIO and hvac clients, and Kafka and RabbitMQ
    connections, sync or async alike.

    ## Why is this bad?
    Each of these objects owns a connection pool, and many read credentials or fetch
    metadata when built. Created per request, every request pays for new connections
    (TCP, TLS, authentication), the pool never warms up, and under load the database or
    cache sees a storm of short-lived connections until it refuses new ones.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text

    app = FastAPI()


    @app.get("/health")
    def health():
        engine = create_engine("postgresql://db/app")
        with engine.connect() as connection:
            return {"db": connection.execute(text("select 1")).scalar()}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text

    app = FastAPI()
    engine = create_engine("postgresql://db/app")


    @app.get("/health")
    def health():
        with engine.connect() as connection:
            return {"db": connection.execute(text("select 1")).scalar()}
    ```
    Or create it in `lifespan`, keep it on `app.state` and hand it out through a dependency.

    ## Known problems
    Only code that runs directly in a handler, dependency or middleware is checked. A
    client built from credentials that the request carries (`boto3.Session(
    aws_access_key_id=body.access_key, ...)`, a parameter of the handler, not a settings
    dependency) cannot be built once and is not reported.

    ## Options
    - `extend-client-constructors`: qualified names of further constructors reported by
      this rule, such as an in-house SDK client (`"billing.sdk.BillingClient"`).

    ## Fix safety
    The suggestion shows the corrected pattern: the pool or engine read from `request.app.state`
    where a `lifespan` put it, in place of the one built here (`with X() as x:` becomes
    `x = request.app.state.x` with its block one level out, since the shared pool must not
    be closed per request; `x = X()` becomes `x = request.app.state.x`). It is display-only:
    the lifespan that creates the pool, a `Request` parameter and any per-request settings
    the constructor was given are for a person to write, so `--fix` never applies it, the
    review bot shows it as a plain block and not as a one-click suggestion, and
    `--show-fixes` prints it under the findings.

    ## References
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    - [SQLAlchemy: Engine configuration](https://docs.sqlalchemy.org/en/20/core/engines.html)
    - [boto3: Clients are thread safe, create them once](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html)
    """

    code = "FL202"
    name = "connection-pool-per-request"
    fixable = True
    triggers = (b"fastapi", b"starlette")
    role_triggered = True

    VALID = (
        Valid(
            """
from contextlib import asynccontextmanager
import asyncpg
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool("postgresql://db/app")
    yield
    await app.state.pool.close()

app = FastAPI(lifespan=lifespan)
"""
        ),
        Valid(
            """
import boto3
from functools import cache
from fastapi import Depends, FastAPI

app = FastAPI()

@cache
def s3():
    return boto3.client("s3")

@app.get("/files")
def files(client=Depends(s3)):
    return client.list_objects_v2(Bucket="b")
"""
        ),
        Valid(
            """
from redis.asyncio import Redis
from fastapi import FastAPI

app = FastAPI()
redis = Redis.from_url("redis://cache")

@app.get("/hits")
async def hits():
    return {"hits": await redis.incr("hits")}
"""
        ),
        Valid(
            """
from openai import OpenAI

def main():
    client = OpenAI()
    print(client.models.list())
"""
        ),
        # Credentials from the request body: one session per set of credentials.
        Valid(
            """
import boto3
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()

class S3Access(BaseModel):
    access_key: str
    secret_key: str
    bucket: str

@app.post("/storage/test")
def test_storage(config: S3Access):
    session = boto3.Session(aws_access_key_id=config.access_key, aws_secret_access_key=config.secret_key)
    s3 = session.client("s3")
    return s3.head_bucket(Bucket=config.bucket)

@app.post("/storage/list")
def list_storage(body: S3Access):
    return boto3.Session(aws_access_key_id=body.access_key, aws_secret_access_key=body.secret_key).client("s3").list_buckets()
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import boto3
from fastapi import Depends, FastAPI
from app.config import Settings, get_settings

app = FastAPI()

@app.get("/buckets")
def buckets(settings: Settings = Depends(get_settings)):
    session = boto3.Session(aws_access_key_id=settings.aws_key, aws_secret_access_key=settings.aws_secret)
    return session.client("s3").list_buckets()
""",
            expected=((10, 15, 10, 28), (11, 12, 11, 26)),
            message="`boto3.Session` creates a new AWS client per request in route handler GET /buckets",
        ),
        Invalid(
            """
from sqlalchemy.ext.asyncio import create_async_engine
from fastapi import Depends, FastAPI

app = FastAPI()

async def get_engine():
    engine = create_async_engine("postgresql+asyncpg://db/app")
    yield engine
    await engine.dispose()

@app.get("/users")
async def users(engine=Depends(get_engine)):
    return []
""",
            expected=((8, 14, 8, 33),),
            message="`create_async_engine` (`sqlalchemy.ext.asyncio.create_async_engine`) creates a new database engine "
            "per request in async dependency `get_engine`; create the database engine once in `lifespan`",
            # Display-only: the suggested pattern, never applied by --fix.
            fixed="""
from sqlalchemy.ext.asyncio import create_async_engine
from fastapi import Depends, FastAPI

app = FastAPI()

async def get_engine():
    engine = request.app.state.engine
    yield engine
    await engine.dispose()

@app.get("/users")
async def users(engine=Depends(get_engine)):
    return []
""",
        ),
        Invalid(
            """
import boto3
import redis
from anthropic import AsyncAnthropic
from fastapi import FastAPI

app = FastAPI()

@app.post("/summaries")
async def summarise(key: str):
    s3 = boto3.client("s3")
    cache = redis.Redis.from_url("redis://cache")
    llm = AsyncAnthropic()
    return {}
""",
            expected=((11, 10, 11, 22), (12, 13, 12, 33), (13, 11, 13, 25)),
            message="`boto3.client` creates a new AWS client per request in async route handler POST /summaries",
        ),
        Invalid(
            # Reduced from a search service: async clients built per request are FL202 too.
            """
import asyncpg
import boto3
from elasticsearch import AsyncElasticsearch
from kafka import KafkaProducer
from motor.motor_asyncio import AsyncIOMotorClient
from openai import AsyncOpenAI
from fastapi import FastAPI

app = FastAPI()

@app.get("/search")
async def search(q: str):
    es = AsyncElasticsearch("http://search:9200")
    mongo = AsyncIOMotorClient("mongodb://db")
    pool = await asyncpg.create_pool("postgresql://db/app")
    llm = AsyncOpenAI()
    s3 = boto3.Session().client("s3")
    producer = KafkaProducer(bootstrap_servers="kafka:9092")
    return {}
""",
            expected=((14, 10, 14, 28), (15, 13, 15, 31), (16, 18, 16, 37), (17, 11, 17, 22), (18, 10, 18, 32), (19, 16, 19, 29)),
            message="`AsyncElasticsearch` (`elasticsearch.AsyncElasticsearch`) creates a new Elasticsearch client per request in async route handler GET /search",
        ),
        Invalid(
            """
from fastapi import FastAPI
import billing.sdk

app = FastAPI()

@app.get("/invoices")
def invoices():
    return billing.sdk.BillingClient().list()
""",
            expected=((9, 12, 9, 37),),
            message="`billing.sdk.BillingClient` creates a new client per request in route handler GET /invoices",
            options={"extend_client_constructors": ("billing.sdk.BillingClient",)},
        ),
    )

    def why(self, ctx: ModuleContext, site: Construction) -> str | None:
        return None if _credentials_from_request(site) else ""


def _credentials_from_request(site: Construction) -> bool:
    """A credential argument of the call (or of the session it is made from) comes from a
    parameter of the request-scoped function: the request's body, path or query."""
    request = _request_parameters(site.function)
    if not request:
        return False
    derived = set(request)
    for node in walk_local(site.function):  # one step of locals: ``creds = body.credentials``
        if isinstance(node, ast.Assign) and _mentions(node.value, derived):
            derived.update(target.id for target in node.targets if isinstance(target, ast.Name))
    calls = [site.call]
    receiver = site.call.func.value if isinstance(site.call.func, ast.Attribute) else None
    if isinstance(receiver, ast.Call):
        calls.append(receiver)  # ``boto3.Session(...).client("s3")``
    elif isinstance(receiver, ast.Name):  # ``session = boto3.Session(...)``, then ``session.client("s3")``
        calls += [
            node.value
            for node in walk_local(site.function)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and any(isinstance(target, ast.Name) and target.id == receiver.id for target in node.targets)
        ]
    return any(
        item.arg is not None and _CREDENTIAL.search(item.arg) and _mentions(item.value, derived)
        for call in calls
        for item in call.keywords
    )


def _request_parameters(function: FunctionNode) -> set[str]:
    """Parameters but ``self``/``cls`` and dependencies on settings or configuration."""
    names = set()
    for parameter, default in all_parameters(function.args):
        if parameter.arg in ("self", "cls"):
            continue
        dependency = default.args[0] if isinstance(default, ast.Call) and default.args and dotted_text(default.func) in ("Depends", "fastapi.Depends") else None
        if dependency is not None and re.search(r"setting|config", dotted_text(dependency) or "", re.I):
            continue
        names.add(parameter.arg)
    return names


def _mentions(node: ast.expr, names: set[str]) -> bool:
    return any(isinstance(child, ast.Name) and child.id in names for child in ast.walk(node))
