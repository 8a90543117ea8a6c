"""The types of library objects, so that ``client.get(...)`` resolves to ``requests.Session.get``.

Every name here is a qualified name after ``canonical_name``.
"""

from __future__ import annotations

from functools import lru_cache

# Qualified module paths that libraries re-export under a shorter, documented name.
CANONICAL_PREFIXES: dict[str, str] = {
    "requests.api.": "requests.",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.session",
    "httpx._api.": "httpx.",
    "httpx._client.": "httpx.",
    "fastapi.applications.": "fastapi.",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.param_functions.": "fastapi.",
    "fastapi.params.Depends": "fastapi.Depends",
    "fastapi.params.Security": "fastapi.Security",
    "fastapi.background.": "fastapi.",
    "fastapi.concurrency.": "starlette.concurrency.",
    "starlette.background.BackgroundTasks": "fastapi.BackgroundTasks",
    "starlette.applications.": "starlette.",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "pathlib.PurePath": "pathlib.Path",
    "sqlalchemy.orm.session.": "sqlalchemy.orm.",
    "sqlalchemy.engine.reflection.Inspector": "sqlalchemy.engine.Inspector",
    "sqlalchemy.Inspector": "sqlalchemy.engine.Inspector",
    "sqlalchemy.orm.query.": "sqlalchemy.orm.",
    "sqlalchemy.engine.create.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.session.": "sqlalchemy.ext.asyncio.",
    "sqlalchemy.ext.asyncio.engine.": "sqlalchemy.ext.asyncio.",
    "sqlmodel.orm.session.Session": "sqlmodel.Session",
    "redis.client.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "passlib.context.": "passlib.context.",
    "pwdlib._hash.": "pwdlib.",
    "argon2._password_hasher.": "argon2.",
    "http.client.HTTPSConnection": "http.client.HTTPConnection",
    "urllib3.poolmanager.": "urllib3.",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.": "urllib3.",
    "urllib3.HTTPSConnectionPool": "urllib3.HTTPConnectionPool",
    "starlette.middleware.base.": "starlette.middleware.base.",
    "aiohttp.client.": "aiohttp.",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "httpx._config.Timeout": "httpx.Timeout",
    "httpx._exceptions.": "httpx.",
    # httpx2, a fork with httpx's API, is checked exactly like httpx.
    "httpx2._api.": "httpx.",
    "httpx2._client.": "httpx.",
    "httpx2._config.Timeout": "httpx.Timeout",
    "httpx2._exceptions.": "httpx.",
    "httpx2.": "httpx.",
    # Sync file objects (FL103): every annotation of a real file is ``typing.IO``.
    "typing.TextIO": "typing.IO",
    "typing.BinaryIO": "typing.IO",
    "typing_extensions.IO": "typing.IO",
    "io.TextIOWrapper": "typing.IO",
    "io.BufferedReader": "typing.IO",
    "io.BufferedWriter": "typing.IO",
    "io.BufferedRandom": "typing.IO",
    "io.FileIO": "typing.IO",
    "tempfile._TemporaryFileWrapper": "typing.IO",  # what NamedTemporaryFile returns
    "_io.": "typing.IO",
    "fastapi.datastructures.UploadFile": "fastapi.UploadFile",
    "starlette.datastructures.UploadFile": "fastapi.UploadFile",
    "concurrent.futures.thread.ThreadPoolExecutor": "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor": "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures._base.Future": "concurrent.futures.Future",
    "multiprocessing.context.Process": "multiprocessing.Process",
    "multiprocessing.queues.Queue": "multiprocessing.Queue",
    "multiprocessing.queues.JoinableQueue": "multiprocessing.JoinableQueue",
    # Sync SDK clients (``sdk.py``).
    "boto3.session.Session": "boto3.Session",
    "google.cloud.storage.client.Client": "google.cloud.storage.Client",
    "google.cloud.storage.bucket.Bucket": "google.cloud.storage.Bucket",
    "google.cloud.storage.blob.Blob": "google.cloud.storage.Blob",
    "google.cloud.bigquery.client.Client": "google.cloud.bigquery.Client",
    "google.cloud.bigquery.job.QueryJob": "google.cloud.bigquery.QueryJob",
    "google.cloud.bigquery.job.query.QueryJob": "google.cloud.bigquery.QueryJob",
    "google.cloud.pubsub.PublisherClient": "google.cloud.pubsub_v1.PublisherClient",
    "google.cloud.pubsub.SubscriberClient": "google.cloud.pubsub_v1.SubscriberClient",
    "elasticsearch.client.Elasticsearch": "elasticsearch.Elasticsearch",
    "elasticsearch._sync.client.Elasticsearch": "elasticsearch.Elasticsearch",
    "opensearchpy.client.OpenSearch": "opensearchpy.OpenSearch",
    "slack_sdk.web.client.WebClient": "slack_sdk.WebClient",
    "slack_sdk.web.WebClient": "slack_sdk.WebClient",
    "slack.WebClient": "slack_sdk.WebClient",
    "slack_sdk.webhook.client.WebhookClient": "slack_sdk.webhook.WebhookClient",
    "kafka.producer.KafkaProducer": "kafka.KafkaProducer",
    "kafka.producer.kafka.KafkaProducer": "kafka.KafkaProducer",
    "kafka.consumer.KafkaConsumer": "kafka.KafkaConsumer",
    "kafka.consumer.group.KafkaConsumer": "kafka.KafkaConsumer",
    "pika.adapters.blocking_connection.BlockingConnection": "pika.BlockingConnection",
    "pika.adapters.BlockingConnection": "pika.BlockingConnection",
    "minio.api.Minio": "minio.Minio",
    "sendgrid.sendgrid.SendGridAPIClient": "sendgrid.SendGridAPIClient",
    "hvac.v1.Client": "hvac.Client",
    "ldap3.core.connection.Connection": "ldap3.Connection",
    "paramiko.client.SSHClient": "paramiko.SSHClient",
    "paramiko.sftp_client.SFTPClient": "paramiko.SFTPClient",
    "openai.lib.azure.AzureOpenAI": "openai.AzureOpenAI",
    "openai._client.OpenAI": "openai.OpenAI",
    "anthropic._client.Anthropic": "anthropic.Anthropic",
}


# The prefixes by their first character, in the table's order: a name is compared with the
# few that can match it, not with every one.
_PREFIXES_BY_FIRST: dict[str, list[tuple[str, str]]] = {}
for _prefix, _replacement in CANONICAL_PREFIXES.items():
    _PREFIXES_BY_FIRST.setdefault(_prefix[0], []).append((_prefix, _replacement))


@lru_cache(maxsize=65536)
def canonical_name(name: str) -> str:
    for prefix, replacement in _PREFIXES_BY_FIRST.get(name[:1], ()):
        if name.startswith(prefix):
            return replacement + name[len(prefix) :]
    return name


# Calling one of these returns an object of the type on the right.
CONSTRUCTORS: dict[str, str] = {
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiohttp_retry.RetryClient": "aiohttp_retry.RetryClient",
    "urllib3.ProxyManager": "urllib3.PoolManager",
    "urllib3.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "pathlib.Path": "pathlib.Path",
    "pathlib.Path.cwd": "pathlib.Path",
    "pathlib.Path.home": "pathlib.Path",
    "subprocess.Popen": "subprocess.Popen",
    "sqlite3.connect": "sqlite3.Connection",
    "psycopg2.connect": "psycopg2.connection",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "pymysql.connect": "pymysql.connections.Connection",
    "MySQLdb.connect": "pymysql.connections.Connection",
    "pymongo.MongoClient": "pymongo.MongoClient",
    "redis.Redis": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.from_url": "redis.Redis",
    "redis.asyncio.Redis": "redis.asyncio.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlmodel.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "sqlalchemy.ext.asyncio.AsyncEngine",
    "sqlalchemy.orm.Session": "sqlalchemy.orm.Session",
    "sqlmodel.Session": "sqlmodel.Session",
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "passlib.context.CryptContext": "passlib.context.CryptContext",
    "pwdlib.PasswordHash": "pwdlib.PasswordHash",
    "pwdlib.PasswordHash.recommended": "pwdlib.PasswordHash",
    "argon2.PasswordHasher": "argon2.PasswordHasher",
    # Sync SDK clients whose methods make requests (``sdk.py``).
    **{name: name for name in (
        "openai.OpenAI openai.AzureOpenAI anthropic.Anthropic anthropic.AnthropicBedrock anthropic.AnthropicVertex "
        "boto3.Session google.cloud.storage.Client google.cloud.storage.Bucket google.cloud.storage.Blob "
        "google.cloud.bigquery.Client google.cloud.pubsub_v1.PublisherClient google.cloud.pubsub_v1.SubscriberClient "
        "elasticsearch.Elasticsearch opensearchpy.OpenSearch stripe.StripeClient slack_sdk.WebClient "
        "slack_sdk.webhook.WebhookClient twilio.rest.Client sendgrid.SendGridAPIClient kafka.KafkaProducer "
        "kafka.KafkaConsumer pika.BlockingConnection minio.Minio hvac.Client ldap3.Connection paramiko.SSHClient "
        "smtplib.SMTP smtplib.SMTP_SSL"
    ).split()},
    # Threads, processes and what waits for them (FL109, FL110).
    **{name: name for name in (
        "concurrent.futures.ThreadPoolExecutor concurrent.futures.ProcessPoolExecutor concurrent.futures.Future "
        "queue.Queue queue.SimpleQueue multiprocessing.Queue multiprocessing.JoinableQueue "
        "threading.Event threading.Thread threading.Barrier threading.Condition threading.Lock threading.RLock "
        "threading.Semaphore threading.BoundedSemaphore multiprocessing.Process"
    ).split()},
    **dict.fromkeys("builtins.open io.open codecs.open os.fdopen tempfile.NamedTemporaryFile tempfile.TemporaryFile tempfile._TemporaryFileWrapper".split(), "typing.IO"),
    "queue.LifoQueue": "queue.Queue",
    "queue.PriorityQueue": "queue.Queue",
    "multiprocessing.Pool": "multiprocessing.pool.Pool",
    "multiprocessing.pool.Pool": "multiprocessing.pool.Pool",
    "multiprocessing.pool.ThreadPool": "multiprocessing.pool.Pool",
    "boto3.client": "botocore.client.BaseClient",
    "boto3.resource": "boto3.resources.base.ServiceResource",
    "botocore.session.Session.create_client": "botocore.client.BaseClient",
}

# Methods that return another typed object (fluent APIs, cursors, connections).
METHOD_RESULTS: dict[str, str] = {
    **{f"pathlib.Path.{name}": "pathlib.Path" for name in "resolve absolute with_name with_suffix with_stem joinpath expanduser relative_to".split()},
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "sqlite3.Connection.execute": "sqlite3.Cursor",
    "psycopg2.connection.cursor": "psycopg2.cursor",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "psycopg.Connection.execute": "psycopg.Cursor",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "pymongo.MongoClient.get_database": "pymongo.database.Database",
    "pymongo.MongoClient.get_default_database": "pymongo.database.Database",
    "pymongo.database.Database.get_collection": "pymongo.collection.Collection",
    "pymongo.collection.Collection.find": "pymongo.cursor.Cursor",
    "redis.Redis.pipeline": "redis.client.Pipeline",
    "sqlalchemy.orm.Session.query": "sqlalchemy.orm.Query",
    "sqlalchemy.engine.Engine.connect": "sqlalchemy.engine.Connection",
    "sqlalchemy.engine.Engine.begin": "sqlalchemy.engine.Connection",
    **{
        f"sqlalchemy.orm.Query.{name}": "sqlalchemy.orm.Query"
        for name in "filter filter_by order_by limit offset join outerjoin options where group_by having distinct select_from".split()
    },
    "pathlib.Path.open": "typing.IO",
    "concurrent.futures.ThreadPoolExecutor.submit": "concurrent.futures.Future",
    "concurrent.futures.ProcessPoolExecutor.submit": "concurrent.futures.Future",
    **{f"multiprocessing.pool.Pool.{name}": "multiprocessing.pool.AsyncResult" for name in "apply_async map_async starmap_async".split()},
    # Sync SDK clients (``sdk.py``).
    "boto3.Session.client": "botocore.client.BaseClient",
    "boto3.Session.resource": "boto3.resources.base.ServiceResource",
    **{f"google.cloud.storage.Client.{name}": "google.cloud.storage.Bucket" for name in "bucket get_bucket lookup_bucket create_bucket".split()},
    **{f"google.cloud.storage.Bucket.{name}": "google.cloud.storage.Blob" for name in "blob get_blob".split()},
    "google.cloud.bigquery.Client.query": "google.cloud.bigquery.QueryJob",
    "google.cloud.pubsub_v1.PublisherClient.publish": "google.cloud.pubsub_v1.publisher.futures.Future",
    "kafka.KafkaProducer.send": "kafka.producer.future.FutureRecordMetadata",
    "pika.BlockingConnection.channel": "pika.adapters.blocking_connection.BlockingChannel",
    "paramiko.SSHClient.open_sftp": "paramiko.SFTPClient",
}

# Attribute reads and subscripts that yield typed objects (``client.db.users``, ``path.parent``).
ATTRIBUTE_RESULTS: dict[str, str] = {
    "pathlib.Path.parent": "pathlib.Path",
    "pymongo.MongoClient.*": "pymongo.database.Database",
    "pymongo.database.Database.*": "pymongo.collection.Collection",
    # ``upload.file``: the spooled temporary file under FastAPI's ``UploadFile``.
    "fastapi.UploadFile.file": "tempfile.SpooledTemporaryFile",
}

# Calling an instance of a factory type returns an object of the type on the right.
CALL_RESULTS: dict[str, str] = {
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
}

# Subclasses that inherit the blocking methods of their base.
BASES: dict[str, str] = {
    "sqlmodel.Session": "sqlalchemy.orm.Session",
    # Not a subclass: a registry whose methods proxy to the thread's Session (``Db.commit()``).
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.Session",
}

# Objects whose ``with`` block yields something other than themselves.
ENTER_RESULTS: dict[str, str] = {}


def method_result(name: str) -> str | None:
    """What a method returns, looking through known subclasses to their base."""
    if name in METHOD_RESULTS:
        return METHOD_RESULTS[name]
    type_name, _, method = name.rpartition(".")
    base = BASES.get(type_name)
    return METHOD_RESULTS.get(f"{base}.{method}") if base else None
