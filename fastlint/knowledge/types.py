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
}


@lru_cache(maxsize=65536)
def canonical_name(name: str) -> str:
    for prefix, replacement in CANONICAL_PREFIXES.items():
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
}

# Attribute reads and subscripts that yield typed objects (``client.db.users``, ``path.parent``).
ATTRIBUTE_RESULTS: dict[str, str] = {
    "pathlib.Path.parent": "pathlib.Path",
    "pymongo.MongoClient.*": "pymongo.database.Database",
    "pymongo.database.Database.*": "pymongo.collection.Collection",
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
