"""Calls that block the thread that makes them, with the rule that reports each.

Methods are written ``Type.method`` with the qualified name of the type that
``fastlint.knowledge.types`` infers for the receiver. Users extend this table with
``extend-blocking-calls`` and shrink it with ``allow-blocking-calls``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlockingCall:
    name: str
    code: str
    use_instead: str | None = None


def _family(code: str, use_instead: str | None, prefix: str, names: str) -> list[BlockingCall]:
    return [BlockingCall(f"{prefix}{name}", code, use_instead) for name in names.split()]


_HTTP_VERBS = "get post put patch delete head options request"
_ASYNC_HTTP = "`httpx.AsyncClient` (awaited)"
# ``__iter__``: ``for line in f`` reads the file a line at a time (``blocking_calls`` makes it a call).
_FILE_METHODS = "read readline readlines readinto write writelines flush truncate __iter__"
_WRAP_FUTURE = "`await asyncio.wrap_future(future)`"
_ASYNC_QUEUE = "`asyncio.Queue` (or `janus` between threads and the loop), or `await asyncio.to_thread(...)`"
_ASYNC_LOCK = "`asyncio.Lock`, or take the lock in a thread (`await asyncio.to_thread(...)`)"

BLOCKING_CALLS: tuple[BlockingCall, ...] = tuple(
    [
        # FL101: blocking HTTP clients.
        *_family("FL101", _ASYNC_HTTP, "requests.", _HTTP_VERBS),
        *_family("FL101", _ASYNC_HTTP, "requests.Session.", _HTTP_VERBS + " send"),
        *_family("FL101", _ASYNC_HTTP, "httpx.", _HTTP_VERBS + " stream"),
        *_family("FL101", _ASYNC_HTTP, "httpx.Client.", _HTTP_VERBS + " send stream"),
        *_family("FL101", _ASYNC_HTTP, "urllib.request.", "urlopen urlretrieve"),
        *_family("FL101", _ASYNC_HTTP, "urllib.request.OpenerDirector.", "open"),
        *_family("FL101", _ASYNC_HTTP, "urllib3.", "request"),
        *_family("FL101", _ASYNC_HTTP, "urllib3.PoolManager.", "request urlopen request_encode_url request_encode_body"),
        *_family("FL101", _ASYNC_HTTP, "urllib3.HTTPConnectionPool.", "request urlopen"),
        *_family("FL101", _ASYNC_HTTP, "http.client.HTTPConnection.", "request getresponse connect"),
        *_family("FL101", "`asyncio.open_connection`", "socket.", "create_connection getaddrinfo gethostbyname"),
        # FL102: sleeping.
        BlockingCall("time.sleep", "FL102", "`await asyncio.sleep(...)`"),
        # FL103: file I/O that moves data or walks directories: reads, writes, opens, listings, copies.
        *_family("FL103", "`anyio.open_file` or `run_in_threadpool`", "builtins.", "open"),
        *_family("FL103", "`anyio.open_file` or `run_in_threadpool`", "io.", "open open_code"),
        *_family("FL103", "`anyio.open_file` or `run_in_threadpool`", "codecs.", "open"),
        *_family("FL103", "`anyio.Path` (awaited)", "pathlib.Path.", "open read_text read_bytes write_text write_bytes iterdir glob rglob walk"),
        *_family("FL103", "`anyio.Path` or `run_in_threadpool`", "os.", "listdir scandir walk truncate fsync"),
        *_family("FL103", "`run_in_threadpool`", "shutil.", "copy copy2 copyfile copyfileobj copytree move rmtree make_archive unpack_archive"),
        # ``SpooledTemporaryFile()`` starts in memory: only its reads and writes may touch a disk.
        *_family("FL103", "`run_in_threadpool`", "tempfile.", "NamedTemporaryFile TemporaryFile TemporaryDirectory"),
        *_family("FL103", "`anyio.open_file` (awaited) or `run_in_threadpool`", "typing.IO.", _FILE_METHODS),
        *_family("FL103", "`await upload.read()` (UploadFile's async methods) or `run_in_threadpool`", "tempfile.SpooledTemporaryFile.", _FILE_METHODS),
        *_family("FL103", "`run_in_threadpool`", "json.", "load dump"),
        *_family("FL103", "`run_in_threadpool`", "pickle.", "load dump"),
        # FL108 (preview): file-system metadata only, microseconds on a local disk; slow on
        # network file systems. Deleting one file is a directory entry and an extent list (on
        # the ecosystem, mostly temporary, lock and socket files); a tree (``rmtree``) stays FL103.
        *_family(
            "FL108",
            "`anyio.Path` (awaited)",
            "pathlib.Path.",
            "exists is_file is_dir is_symlink is_mount stat lstat mkdir rmdir rename replace touch resolve unlink "
            "chmod samefile readlink owner group",
        ),
        *_family(
            "FL108",
            "`anyio.Path` or `run_in_threadpool`",
            "os.path.",
            "exists lexists isfile isdir islink ismount getsize getmtime getatime getctime realpath samefile",
        ),
        *_family(
            "FL108",
            "`anyio.Path` or `run_in_threadpool`",
            "os.",
            "stat lstat rename renames replace mkdir makedirs rmdir removedirs chmod chown link symlink readlink utime remove unlink",
        ),
        *_family("FL108", "`run_in_threadpool`", "shutil.", "disk_usage"),
        *_family("FL108", "`run_in_threadpool`", "tempfile.", "mkdtemp mkstemp"),  # an empty directory or file
        # FL104: subprocesses.
        *_family("FL104", "`asyncio.create_subprocess_exec`", "subprocess.", "run call check_call check_output getoutput getstatusoutput Popen"),
        *_family("FL104", "`asyncio.create_subprocess_exec`", "subprocess.Popen.", "wait communicate"),
        *_family(
            "FL104",
            "`asyncio.create_subprocess_exec`",
            "os.",
            "system popen wait waitpid wait3 wait4 waitid spawnl spawnle spawnlp spawnlpe spawnv spawnve spawnvp spawnvpe posix_spawn posix_spawnp",
        ),
        # FL105: synchronous database drivers and sessions.
        *_family("FL105", "`asyncpg` or `psycopg.AsyncConnection`", "psycopg2.", "connect"),
        *_family("FL105", "`psycopg.AsyncConnection`", "psycopg.", "connect"),
        *_family("FL105", "`psycopg.AsyncConnection`", "psycopg.Connection.", "execute commit rollback close"),
        *_family("FL105", "`psycopg.AsyncCursor`", "psycopg.Cursor.", "execute executemany fetchone fetchmany fetchall"),
        *_family("FL105", "`asyncpg`", "psycopg2.connection.", "commit rollback close"),
        *_family("FL105", "`asyncpg`", "psycopg2.cursor.", "execute executemany fetchone fetchmany fetchall callproc"),
        *_family("FL105", "`aiosqlite`", "sqlite3.", "connect"),
        *_family("FL105", "`aiosqlite`", "sqlite3.Connection.", "execute executemany executescript commit rollback close backup"),
        *_family("FL105", "`aiosqlite`", "sqlite3.Cursor.", "execute executemany executescript fetchone fetchmany fetchall"),
        *_family("FL105", "`aiomysql` or `asyncmy`", "pymysql.", "connect"),
        *_family("FL105", "`aiomysql` or `asyncmy`", "MySQLdb.", "connect"),
        *_family("FL105", "`aiomysql` or `asyncmy`", "pymysql.connections.Connection.", "commit rollback ping"),
        *_family("FL105", "`aiomysql` or `asyncmy`", "pymysql.cursors.Cursor.", "execute executemany fetchone fetchmany fetchall"),
        *_family(
            "FL105",
            "`motor` or `pymongo.AsyncMongoClient`",
            "pymongo.collection.Collection.",
            "find_one insert_one insert_many update_one update_many replace_one delete_one delete_many "
            "count_documents estimated_document_count aggregate distinct find_one_and_update "
            "find_one_and_replace find_one_and_delete bulk_write create_index drop",
        ),
        *_family("FL105", "`motor` or `pymongo.AsyncMongoClient`", "pymongo.cursor.Cursor.", "to_list next"),
        *_family("FL105", "`motor` or `pymongo.AsyncMongoClient`", "pymongo.MongoClient.", "server_info list_database_names drop_database"),
        *_family(
            "FL105",
            "`redis.asyncio.Redis` (awaited)",
            "redis.Redis.",
            "get set delete exists expire ttl incr decr incrby mget mset hget hset hgetall hdel hincrby "
            "lpush rpush lpop rpop lrange sadd srem smembers sismember zadd zrange zrem zscore "
            "publish ping keys scan setex setnx getdel getex execute_command eval evalsha xadd xread",
        ),
        *_family("FL105", "`redis.asyncio.Redis` (awaited)", "redis.client.Pipeline.", "execute"),
        *_family(
            "FL105",
            "`AsyncSession` (awaited) or a sync `def` handler",
            "sqlalchemy.orm.Session.",
            "execute scalars scalar get get_one commit rollback flush refresh merge connection close",
        ),
        *_family("FL105", "`AsyncSession.exec` (awaited) or a sync `def` handler", "sqlmodel.Session.", "exec"),
        *_family(
            "FL105",
            "`AsyncSession` (awaited) or a sync `def` handler",
            "sqlalchemy.orm.Query.",
            "all first one one_or_none scalar count get delete update",
        ),
        *_family("FL105", "`create_async_engine` (awaited)", "sqlalchemy.engine.Engine.", "connect begin raw_connection"),
        *_family("FL105", "`AsyncConnection` (awaited)", "sqlalchemy.engine.Connection.", "execute scalar scalars commit rollback exec_driver_sql"),
        *_family(
            "FL105",
            "`await conn.run_sync(lambda c: inspect(c).get_table_names())` on an `AsyncConnection`",
            "sqlalchemy.engine.Inspector.",
            "get_table_names get_columns has_table get_indexes get_foreign_keys get_pk_constraint get_schema_names "
            "get_view_names get_unique_constraints get_check_constraints get_table_comment get_multi_columns get_sorted_table_and_fkc_names",
        ),
        *_family("FL105", "`await run_in_threadpool(pandas.read_sql, ...)`", "pandas.", "read_sql read_sql_query read_sql_table"),
        # FL109: waiting for threads and processes (``*_nowait``, ``block=False`` and
        # ``timeout=0`` do not wait: see ``NON_WAITING``).
        *_family("FL109", _WRAP_FUTURE, "concurrent.futures.Future.", "result exception"),
        *_family("FL109", "`asyncio.wait` on `asyncio.wrap_future(...)` futures", "concurrent.futures.", "wait as_completed"),
        *_family("FL109", "`loop.run_in_executor` (awaited)", "concurrent.futures.ThreadPoolExecutor.", "map shutdown"),
        *_family("FL109", "`loop.run_in_executor` (awaited)", "concurrent.futures.ProcessPoolExecutor.", "map shutdown"),
        *_family("FL109", _ASYNC_QUEUE, "queue.Queue.", "get put join"),
        *_family("FL109", _ASYNC_QUEUE, "queue.SimpleQueue.", "get"),
        *_family("FL109", _ASYNC_QUEUE, "multiprocessing.Queue.", "get put join_thread"),
        *_family("FL109", _ASYNC_QUEUE, "multiprocessing.JoinableQueue.", "get put join"),
        *_family("FL109", "`asyncio.Event` (awaited) or `await asyncio.to_thread(event.wait)`", "threading.Event.", "wait"),
        *_family("FL109", "`await asyncio.to_thread(...)`", "threading.Thread.", "join"),
        *_family("FL109", "`await asyncio.to_thread(...)`", "threading.Barrier.", "wait"),
        *_family("FL109", "`asyncio.Condition` (awaited)", "threading.Condition.", "wait wait_for"),
        *_family("FL109", "`await asyncio.to_thread(...)`", "multiprocessing.Process.", "join"),
        *_family("FL109", "`loop.run_in_executor` (awaited)", "multiprocessing.pool.Pool.", "apply map starmap join"),
        *_family("FL109", "`await asyncio.to_thread(result.get)`", "multiprocessing.pool.AsyncResult.", "get wait"),
        # FL110 (preview): thread locks, which also block as ``with lock:``.
        *_family("FL110", _ASYNC_LOCK, "threading.Lock.", "acquire"),
        *_family("FL110", _ASYNC_LOCK, "threading.RLock.", "acquire"),
        *_family("FL110", _ASYNC_LOCK, "threading.Semaphore.", "acquire"),
        *_family("FL110", _ASYNC_LOCK, "threading.BoundedSemaphore.", "acquire"),
        *_family("FL110", _ASYNC_LOCK, "threading.Condition.", "acquire"),
        # FL106: CPU-heavy hashing and key derivation.
        *_family("FL106", "`run_in_threadpool`", "bcrypt.", "hashpw checkpw kdf"),
        *_family("FL106", "`run_in_threadpool`", "passlib.context.CryptContext.", "hash verify verify_and_update encrypt"),
        *_family("FL106", "`run_in_threadpool`", "passlib.hash.", "bcrypt.hash bcrypt.verify pbkdf2_sha256.hash pbkdf2_sha256.verify argon2.hash argon2.verify sha256_crypt.hash sha256_crypt.verify"),
        *_family("FL106", "`run_in_threadpool`", "pwdlib.PasswordHash.", "hash verify verify_and_update"),
        *_family("FL106", "`run_in_threadpool`", "argon2.PasswordHasher.", "hash verify"),
        *_family("FL106", "`run_in_threadpool`", "hashlib.", "pbkdf2_hmac scrypt"),
    ]
)

# How a waiting call is told not to wait (FL109, FL110): a keyword set to ``False`` and
# the positional index of the same flag. ``timeout=0`` never waits either.
NON_WAITING: dict[str, tuple[str, int]] = {
    "get": ("block", 0),
    "put": ("block", 1),
    "acquire": ("blocking", 0),
    "shutdown": ("wait", 0),
}

# Process waits that return at once when their options include ``os.WNOHANG``: the
# position of the options argument (``os.waitpid(pid, os.WNOHANG)`` polls).
NO_HANG_OPTIONS: dict[str, int] = {"os.waitpid": 1, "os.wait4": 1, "os.waitid": 2}

# Key derivations whose cost is an argument (name -> its position, keyword, and the literal
# count below which the call is cheap): PBKDF2 with 2,048 rounds (BIP-39 seeds, lnbits'
# fake wallet keys) takes about a millisecond, a password hash's 600,000 rounds 0.2 s.
CHEAP_BELOW: dict[str, tuple[int, str, int]] = {"hashlib.pbkdf2_hmac": (3, "iterations", 5_000)}

# Methods that wait only on a bounded object: ``put`` on a queue built with a positive ``maxsize``.
BOUNDED_ONLY: dict[str, str] = {
    "queue.Queue.put": "maxsize",
    "multiprocessing.Queue.put": "maxsize",
    "multiprocessing.JoinableQueue.put": "maxsize",
}

# Thread locks: ``with lock:`` in code on the event loop waits for another thread (FL110).
THREAD_LOCKS = frozenset(
    {"threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore", "threading.Condition"}
)

# Waits that end the life of a thread, process or pool. In a helper they are mostly
# shutdown code (the exit of a context manager that ran a background thread), so FL107
# does not follow them into chains; written directly in code on the loop they are FL109.
LIFECYCLE_WAITS = frozenset(
    {
        "threading.Thread.join",
        "multiprocessing.Process.join",
        "multiprocessing.pool.Pool.join",
        "concurrent.futures.ThreadPoolExecutor.shutdown",
        "concurrent.futures.ProcessPoolExecutor.shutdown",
    }
)

# Waits that follow the start of a thread in the same function: mostly a handshake with
# the thread just started (``thread.start(); ready.result()``: its event loop is up), so
# FL107 does not follow them into chains either; directly on the loop they are FL109.
STARTUP_WAITS = frozenset({"concurrent.futures.Future.result", "threading.Event.wait"})
THREAD_STARTS = frozenset({"threading.Thread.start", "multiprocessing.Process.start"})
