from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, engine_pools

from ._capacity import sync_session_holders, threadpool_size


class ThreadpoolExceedsConnectionPool(Rule):
    """
    ## What it does
    Checks for a sync SQLAlchemy engine whose connection pool is smaller than the
    threadpool that runs the sync handlers and dependencies holding its sessions.

    ## Why is this bad?
    FastAPI runs every sync `def` handler and dependency in AnyIO's threadpool, 40
    threads by default. A sync `get_db` dependency holds a pooled connection for the
    whole request. SQLAlchemy's queue pool holds `pool_size + max_overflow` connections,
    5 + 10 = 15 by default. The arithmetic:

        concurrent sync requests    = threadpool size          = 40
        connections the pool gives  = pool_size + max_overflow = 5 + 10 = 15
        requests left waiting       = 40 - 15                  = 25

    Under a burst, 25 requests wait for a connection; each waits `pool_timeout` (30 s by
    default) and then fails with `sqlalchemy.exc.TimeoutError: QueuePool limit of size 5
    overflow 10 reached`, while their threads sit idle. The rule takes the threadpool's
    size from `anyio.to_thread.current_default_thread_limiter().total_tokens = N`
    anywhere in the project (it can only be set inside a running loop, so in `lifespan`
    or startup code), else 40.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker

    engine = create_engine(DATABASE_URL)
    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    @app.get("/items")
    def items(db: Session = Depends(get_db)): ...
    ```

    ## Use instead
    Size the pool to the threadpool (`pool_size=30, max_overflow=10`), or cap the
    threadpool to the pool in `lifespan`:
    ```python
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = 15
        yield
    ```

    ## Known problems
    Preview. Only engines with literal pool sizes are judged, and only when a sync route
    handler or dependency of the engine's own module opens a session or connection
    (`SessionLocal()`, `Session(engine)`, `engine.connect()`), or a sync dependency of
    another module calls the module's session factory (`deps.get_db` calling
    `database.SessionLocal()`). Several workers each have
    their own threadpool and pool, so the ratio is per process. `NullPool`,
    `StaticPool`, `SingletonThreadPool` and SQLite URLs with the default pool are left alone.

    ## References
    - [FastAPI: async def or def](https://fastapi.tiangolo.com/async/#path-operation-functions)
    - [AnyIO: adjusting the default maximum worker thread count](https://anyio.readthedocs.io/en/stable/threads.html#adjusting-the-default-maximum-worker-thread-count)
    - [SQLAlchemy: QueuePool](https://docs.sqlalchemy.org/en/20/core/pooling.html#sqlalchemy.pool.QueuePool)
    """

    code = "FL601"
    name = "threadpool-exceeds-connection-pool"
    preview = True
    triggers = (b"create_engine",)
    role_triggered = False

    def check(self, ctx: ModuleContext) -> list[Finding]:
        pools = [pool for pool in engine_pools(ctx.tree, ctx.names) if not pool.is_async and pool.capacity is not None]
        if not pools:
            return []
        holders = sync_session_holders(ctx)
        if not holders:
            return []
        threads, source = threadpool_size(ctx)
        findings = []
        for pool in pools:
            capacity = pool.capacity
            assert capacity is not None
            if capacity >= threads:
                continue
            timeout = f"{pool.timeout:g} s" if pool.timeout is not None else "its `pool_timeout`"
            findings.append(
                ctx.finding(
                    self.code,
                    pool.call.func,
                    f"The pool holds {capacity} connections ({pool.arithmetic()}) but {threads} threadpool threads "
                    f"({source}) can run sync `{holders[0]}` at once: in a burst {threads - capacity} requests wait "
                    f"{timeout} for a connection, then fail with `TimeoutError`; size the pool to {threads} or cap the "
                    f"threadpool at {capacity} (`total_tokens`) in lifespan",
                )
            )
        return findings

    VALID = (
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(URL, pool_size=30, max_overflow=10)
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

@app.get("/items")
def items(db: Session = Depends(get_db)):
    return []
"""
        ),
        Valid(
            """
from contextlib import asynccontextmanager
import anyio.to_thread
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine(URL)

@asynccontextmanager
async def lifespan(app: FastAPI):
    anyio.to_thread.current_default_thread_limiter().total_tokens = 15
    yield

app = FastAPI(lifespan=lifespan)

@app.get("/items")
def items():
    with Session(engine) as session:
        return []
"""
        ),
        Valid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.orm import Session

engine = create_engine(URL, poolclass=NullPool)
app = FastAPI()

@app.get("/items")
def items():
    with Session(engine) as session:
        return []
"""
        ),
        Valid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine(URL)
app = FastAPI()

@app.get("/items")
async def items():
    return []

def report():
    with Session(engine) as session:
        return []
"""
        ),
    )
    INVALID = (
        Invalid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(URL)
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()

def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()

@app.get("/items")
def items(db: Session = Depends(get_db)):
    return []
""",
            expected=((6, 10, 6, 23),),
            message="The pool holds 15 connections (pool_size=5 (default) + max_overflow=10 (default)) but 40 threadpool threads",
        ),
        Invalid(
            """
from fastapi import FastAPI
from sqlmodel import Session, create_engine

engine = create_engine(URL, pool_size=2, max_overflow=0, pool_timeout=1)
app = FastAPI()

@app.get("/items")
def items():
    with Session(engine) as session:
        return []
""",
            expected=((5, 10, 5, 23),),
            message="in a burst 38 requests wait 1 s for a connection",
        ),
    )
