"""Constructors of long-lived objects that must not be created per request (FL201-FL203).

Each entry names what a call builds, with the qualified name of the callable after
``canonical_name``. FL201 covers HTTP clients (each owns a connection pool and, for
HTTPS, a TLS context); FL202 covers database engines and pools, cache clients and SDK
clients (each owns a pool too, and often reads credentials on construction). Users add
their own constructors with ``extend-client-constructors`` (reported as FL202).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientConstructor:
    name: str
    code: str
    kind: str  # how a message names what is built: "HTTP client", "database engine", ...


def _family(code: str, kind: str, names: str) -> list[ClientConstructor]:
    return [ClientConstructor(name, code, kind) for name in names.split()]


CLIENT_CONSTRUCTORS: tuple[ClientConstructor, ...] = tuple(
    [
        # FL201: HTTP clients.
        *_family(
            "FL201",
            "HTTP client",
            "httpx.Client httpx.AsyncClient aiohttp.ClientSession requests.Session requests.session "
            "urllib3.PoolManager urllib3.ProxyManager aiohttp_retry.RetryClient",
        ),
        # FL202: database engines and pools.
        *_family(
            "FL202",
            "database engine",
            "sqlalchemy.create_engine sqlmodel.create_engine sqlalchemy.ext.asyncio.create_async_engine",
        ),
        *_family("FL202", "connection pool", "asyncpg.create_pool psycopg_pool.ConnectionPool psycopg_pool.AsyncConnectionPool"),
        *_family(
            "FL202",
            "Redis client",
            "redis.Redis redis.Redis.from_url redis.from_url redis.ConnectionPool redis.ConnectionPool.from_url "
            "redis.asyncio.Redis redis.asyncio.Redis.from_url redis.asyncio.from_url redis.asyncio.ConnectionPool "
            "redis.asyncio.ConnectionPool.from_url",
        ),
        *_family("FL202", "MongoDB client", "pymongo.MongoClient pymongo.AsyncMongoClient motor.motor_asyncio.AsyncIOMotorClient"),
        *_family("FL202", "AWS client", "boto3.client boto3.resource boto3.Session aioboto3.Session"),
        *_family("FL202", "SDK client", "openai.OpenAI openai.AsyncOpenAI openai.AzureOpenAI openai.AsyncAzureOpenAI"),
        *_family("FL202", "SDK client", "anthropic.Anthropic anthropic.AsyncAnthropic"),
        *_family("FL202", "AWS client", "boto3.Session.client boto3.Session.resource"),
        *_family("FL202", "SDK client", "anthropic.AnthropicBedrock anthropic.AnthropicVertex stripe.StripeClient"),
        *_family("FL202", "Elasticsearch client", "elasticsearch.Elasticsearch elasticsearch.AsyncElasticsearch"),
        *_family("FL202", "OpenSearch client", "opensearchpy.OpenSearch opensearchpy.AsyncOpenSearch"),
        *_family(
            "FL202",
            "SDK client",
            "slack_sdk.WebClient slack_sdk.web.async_client.AsyncWebClient twilio.rest.Client "
            "sendgrid.SendGridAPIClient hvac.Client minio.Minio",
        ),
        *_family(
            "FL202",
            "message broker client",
            "kafka.KafkaProducer kafka.KafkaConsumer aiokafka.AIOKafkaProducer aiokafka.AIOKafkaConsumer "
            "pika.BlockingConnection aio_pika.connect aio_pika.connect_robust",
        ),
        *_family(
            "FL202",
            "Google Cloud client",
            "google.cloud.storage.Client google.cloud.bigquery.Client google.cloud.firestore.Client "
            "google.cloud.firestore.AsyncClient google.cloud.pubsub_v1.PublisherClient "
            "google.cloud.pubsub_v1.SubscriberClient google.cloud.secretmanager.SecretManagerServiceClient",
        ),
    ]
)

# Base classes whose subclasses read the environment (and ``.env``) when constructed (FL203).
SETTINGS_BASES = frozenset({"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"})

# Decorators that make a function return the same object on every call.
CACHING_DECORATORS = frozenset(
    {"functools.lru_cache", "functools.cache", "async_lru.alru_cache", "cachetools.func.lru_cache", "cachetools.cached"}
)
