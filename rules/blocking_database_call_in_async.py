from fastlint import Invalid, Valid

from ._blocking import BlockingCallRule


class BlockingDatabaseCallInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for synchronous database access in code that runs on the event loop. It knows
    the `psycopg2`, `psycopg`, `sqlite3`, `pymysql`, `MySQLdb`, `pymongo` and sync `redis`
    drivers, and queries through a synchronous SQLAlchemy or SQLModel `Session` (a
    parameter annotated with it, a session injected with `Depends` from a dependency
    that yields one, or one opened from a sync `sessionmaker`).

    ## Why is this bad?
    Every query waits for a network round trip to the database. An `async def` handler
    that uses a sync session holds the event loop for each of them, and under load the
    worker serves one query at a time. This is the most common way a FastAPI service
    ends up slower than the Flask app it replaced.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import User

    app = FastAPI()


    @app.get("/users")
    async def list_users(db: Session = Depends(get_db)):
        return db.scalars(select(User)).all()
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db import get_db
    from app.models import User

    app = FastAPI()


    @app.get("/users")
    def list_users(db: Session = Depends(get_db)):
        return db.scalars(select(User)).all()
    ```
    A sync `def` handler runs in the threadpool, where a sync session belongs. Or use
    `AsyncSession` from `sqlalchemy.ext.asyncio` and `await` its calls.

    ## Known problems
    A session reaches the rule through annotations, `Depends` on a dependency in the
    same module and `sessionmaker` factories; a session handed over in an untyped
    parameter is not recognised.

    Lifespan, startup and shutdown code is not checked (unless `check-startup`), nor are
    a class's `startup`, `on_startup`, `shutdown`, `on_shutdown` and `teardown` methods:
    they run once per process (`await service.teardown()` closing a connection at exit).

    ## Fix safety
    The fix offloads the call: `session.execute(query)` becomes `await run_in_threadpool(session.execute, query)`
    (Starlette's, which FastAPI depends on), keeping every argument, and adds
    `from starlette.concurrency import run_in_threadpool`. It is unsafe: the call now runs
    in a worker thread while other requests run on the loop, so objects it shares with
    them (a database session, a client that is not thread-safe, module state) are used
    from two threads, and the call takes one of the threadpool's 40 slots. No fix is
    offered where an `await` cannot keep the meaning: inside a lambda, a nested function
    (its defaults and decorators too), a comprehension or generator expression, a `with`
    item, an f-string, or when `run_in_threadpool` is bound to something else. A sync
    session used from a thread must not be used by another request at the same time.

    ## References
    - [FastAPI: SQL databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - [SQLAlchemy: Asynchronous I/O](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    """

    code = "FL105"
    name = "blocking-database-call-in-async"
    fixable = True

    VALID = (
        Valid(
            """
import sqlite3


class FlowEventsService:
    def __init__(self, path: str):
        self._conn = sqlite3.connect(path, check_same_thread=False)

    async def teardown(self):
        self._conn.close()
"""
        ),
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")
SessionLocal = async_sessionmaker(engine)
app = FastAPI()

async def get_session():
    async with SessionLocal() as session:
        yield session

@app.get("/users")
async def users(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(1))
    return result.scalars().all()
"""
        ),
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()
app = FastAPI()

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

@app.get("/users")
def users(db: Session = Depends(get_db)):
    return db.execute("select 1").all()
"""
        ),
        Valid(
            """
import sqlite3

def migrate():
    connection = sqlite3.connect("app.db")
    connection.execute("create table if not exists t (id int)")
    connection.commit()
"""
        ),
        Valid(
            """
import redis.asyncio as redis

cache = redis.Redis()

async def cached(key: str):
    return await cache.get(key)
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

Db = scoped_session(sessionmaker(bind=create_engine("sqlite://")))

def ping():
    Db.execute(text("select 1"))
    Db.commit()
"""
        ),
        Valid(
            """
import sqlalchemy as sa

async def run_history(session: sa.orm.Session, counts):
    # Mis-annotated: an awaited call cannot be a sync one, so the session is async.
    result = await session.execute(counts)
    return result.all()
"""
        ),
        Valid(
            """
from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker(bind=engine)

async def rename_account(account_id: int, username: str):
    session = SessionLocal()
    session.expire_on_commit = False
    account = await session.get(Account, account_id)
    account.username = username
    await session.commit()
    return account
"""
        ),
        Valid(
            """
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker(bind=engine)
app = FastAPI()

@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()
    try:
        response = await call_next(request)
        await request.state.db.commit()
        return response
    finally:
        await request.state.db.close()

@app.post("/notes")
async def create_note(request: Request, text: str):
    request.state.db.add(Note(text=text))
    await request.state.db.flush()
    return {"ok": True}
"""
        ),
        # Reduced from an admin service listing tables: an Inspector only on an engine or connection.
        Valid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import User

app = FastAPI()
engine = create_engine("postgresql://db/app")
async_engine = create_async_engine("postgresql+asyncpg://db/app")

@app.get("/tables")
async def tables():
    async with async_engine.connect() as conn:
        return await conn.run_sync(lambda sync_conn: inspect(sync_conn).get_table_names())

@app.get("/columns")
async def columns():
    return [column.key for column in inspect(User).columns]

@app.get("/tables-sync")
def tables_sync():
    return inspect(engine).get_table_names()
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import sqlite3


class FlowEventsService:
    def __init__(self, path: str):
        self._conn = sqlite3.connect(path, check_same_thread=False)

    async def clear(self):
        self._conn.execute("DELETE FROM events")
""",
            expected=((10, 9, 10, 27),),
            message="`self._conn.execute` (`sqlite3.Connection.execute`) blocks the event loop in async function `FlowEventsService.clear`",
        ),
        Invalid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()
app = FastAPI()

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

@app.get("/users/{user_id}")
async def read_user(user_id: int, db=Depends(get_db)):
    user = db.get(dict, user_id)
    db.commit()
    return user
""",
            fixed="""
from fastapi import Depends, FastAPI
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool

SessionLocal = sessionmaker()
app = FastAPI()

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

@app.get("/users/{user_id}")
async def read_user(user_id: int, db=Depends(get_db)):
    user = await run_in_threadpool(db.get, dict, user_id)
    await run_in_threadpool(db.commit)
    return user
""",
            expected=((17, 12, 17, 18), (18, 5, 18, 14)),
            message="`db.get` (`sqlalchemy.orm.Session.get`) blocks the event loop in async route handler GET /users/{user_id}",
        ),
        Invalid(
            """
from typing import Annotated
from fastapi import Depends, FastAPI
from sqlmodel import Session, select

app = FastAPI()
SessionDep = Annotated[Session, Depends(lambda: None)]

@app.get("/heroes")
async def heroes(session: SessionDep, other: Session):
    rows = session.exec(select(dict)).all()
    return other.query(dict).filter_by(id=1).first(), rows
""",
            fixed="""
from typing import Annotated
from fastapi import Depends, FastAPI
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

app = FastAPI()
SessionDep = Annotated[Session, Depends(lambda: None)]

@app.get("/heroes")
async def heroes(session: SessionDep, other: Session):
    rows = (await run_in_threadpool(session.exec, select(dict))).all()
    return await run_in_threadpool(other.query(dict).filter_by(id=1).first), rows
""",
            expected=((11, 12, 11, 24), (12, 12, 12, 51)),
            message="`session.exec` (`sqlmodel.Session.exec`) blocks the event loop",
        ),
        Invalid(
            """
import sqlite3
import pymongo
import redis

mongo = pymongo.MongoClient()
cache = redis.Redis.from_url("redis://localhost")

async def lookup(key: str):
    conn = sqlite3.connect("app.db")
    cursor = conn.cursor()
    cursor.execute("select 1")
    doc = mongo.app.users.find_one({"key": key})
    return cache.get(key), doc
""",
            expected=((10, 12, 10, 27), (12, 5, 12, 19), (13, 11, 13, 35), (14, 12, 14, 21)),
            message="`sqlite3.connect` blocks the event loop",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

Db = scoped_session(sessionmaker(bind=create_engine("sqlite://")))

async def ping():
    Db.execute(text("select 1"))
    Db.commit()
""",
            expected=((8, 5, 8, 15), (9, 5, 9, 14)),
            message="`Db.execute` (`sqlalchemy.orm.scoped_session.execute`) blocks the event loop",
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=engine)

async def rename_account(account_id: int, username: str):
    session = SessionLocal()
    session.expire_on_commit = False
    account = session.get(Account, account_id)
    account.username = username
    session.commit()
    return account
""",
            expected=((9, 15, 9, 26), (11, 5, 11, 19)),
            message="`session.get` (`sqlalchemy.orm.Session.get`) blocks",
        ),
        Invalid(
            """
from fastapi import FastAPI, Request
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=engine)
app = FastAPI()

@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()
    try:
        response = await call_next(request)
        request.state.db.commit()
        return response
    finally:
        request.state.db.close()

@app.post("/notes")
async def create_note(request: Request, text: str):
    request.state.db.add(Note(text=text))
    request.state.db.flush()
    return {"ok": True}
""",
            expected=((13, 9, 13, 32), (16, 9, 16, 31), (21, 5, 21, 27)),
            message='`request.state.db.commit` (`sqlalchemy.orm.Session.commit`) blocks the event loop in async middleware',
        ),
        Invalid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine, inspect

app = FastAPI()
engine = create_engine("postgresql://db/app")

@app.get("/tables")
async def tables():
    inspector = inspect(engine)
    return {name: inspector.get_columns(name) for name in inspector.get_table_names()}
""",
            expected=((11, 19, 11, 40), (11, 59, 11, 84)),
            message="`inspector.get_columns` (`sqlalchemy.engine.Inspector.get_columns`) blocks the event loop in async route handler GET /tables",
        ),
    )
