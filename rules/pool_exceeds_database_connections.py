from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, engine_pools

from ._capacity import workers


class PoolExceedsDatabaseConnections(Rule):
    """
    ## What it does
    Checks for engines whose connection pools, once per server process, can open more
    connections than the database accepts: the `database-max-connections` setting, 100
    by default (PostgreSQL's default `max_connections`).

    ## Why is this bad?
    Every worker process has its own engine and pool. The arithmetic:

        connections per process = pool_size + max_overflow      = 5 + 10 = 15 (defaults)
        processes               = workers                       = 8
        connections at peak     = workers x (pool_size + overflow) = 8 x 15 = 120
        database limit          = database-max-connections      = 100

    At peak the last 20 connection attempts are refused by the database (PostgreSQL:
    `FATAL: sorry, too many clients already`), and the requests behind them fail, usually
    during the very traffic spike the workers were added for. The worker count is read
    from `uvicorn.run(..., workers=N)`, `workers = N` in a gunicorn configuration module
    (`gunicorn.conf.py`), or the default of `os.getenv("WEB_CONCURRENCY", "N")`; one
    process when none is found.

    ## Example
    ```python
    import uvicorn
    from sqlalchemy import create_engine

    engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=20)

    if __name__ == "__main__":
        uvicorn.run("app.main:app", workers=4)
    ```
    With `database-max-connections = 100`: 4 x (10 + 20) = 120 > 100.

    ## Use instead
    ```python
    import uvicorn
    from sqlalchemy import create_engine

    engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=10)  # 4 x 20 = 80

    if __name__ == "__main__":
        uvicorn.run("app.main:app", workers=4)
    ```
    Or put a connection pooler (PgBouncer) in front of the database and declare its limit.

    ## Known problems
    Preview. Declare your database's real limit: the default of 100 is PostgreSQL's
    default, MySQL's is 151, a managed database's depends on its size. Only literal numbers are
    read; a pool or worker count from the environment at runtime is unknown. Other
    clients of the same database (migrations, workers, other services) are not counted.

    ## Options
    - `database-max-connections` (default 100): the connections the database accepts
      from this service (its `max_connections` minus what other clients reserve).

    ## References
    - [SQLAlchemy: Connection pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
    - [Uvicorn: deployment with workers](https://www.uvicorn.org/deployment/)
    - [PostgreSQL: max_connections](https://www.postgresql.org/docs/current/runtime-config-connection.html)
    """

    code = "FL602"
    name = "pool-exceeds-database-connections"
    preview = True
    triggers = (b"create_engine", b"create_async_engine")

    def check(self, ctx: ModuleContext) -> list[Finding]:
        limit = self.settings.database_max_connections
        findings = []
        processes, source = workers(ctx)
        for pool in engine_pools(ctx.tree, ctx.names):
            capacity = pool.capacity
            if capacity is None or processes * capacity <= limit:
                continue
            findings.append(
                ctx.finding(
                    self.code,
                    pool.call.func,
                    f"{processes} worker{'s' if processes != 1 else ''} ({source}) x {capacity} connections "
                    f"({pool.arithmetic()}) = {processes * capacity} connections at peak, above "
                    f"`database-max-connections` = {limit}: the database refuses the last {processes * capacity - limit}; "
                    f"shrink the pool to {limit // processes} per process or put a pooler in front",
                )
            )
        return findings

    VALID = (
        Valid("from sqlalchemy import create_engine\n\nengine = create_engine(URL)\n"),
        Valid(
            "import uvicorn\nfrom sqlalchemy import create_engine\n\nengine = create_engine(URL)\nuvicorn.run('m:app', workers=8)\n",
            options={"database_max_connections": 200},
        ),
        Valid(
            "import uvicorn\nfrom sqlalchemy import create_engine\n\nengine = create_engine(URL)\nuvicorn.run('m:app', workers=4)\n",
            options={"database_max_connections": 100},
        ),
        Valid(
            "from sqlalchemy import create_engine\n\nengine = create_engine(URL, pool_size=settings.pool)\n",
            options={"database_max_connections": 10},
        ),
    )
    INVALID = (
        Invalid(
            "import uvicorn\nfrom sqlalchemy import create_engine\n\nengine = create_engine(URL, pool_size=10, max_overflow=20)\n"
            "uvicorn.run('m:app', workers=4)\n",
            expected=((4, 10, 4, 23),),
            message="4 workers (`workers` in `",
            options={"database_max_connections": 100},
        ),
        Invalid(
            "import os\nfrom sqlalchemy.ext.asyncio import create_async_engine\n\n"
            "WORKERS = int(os.getenv('WEB_CONCURRENCY', '8'))\nengine = create_async_engine(URL)\n",
            expected=((5, 10, 5, 29),),
            message="x 15 connections (pool_size=5 (default) + max_overflow=10 (default)) = 120 connections at peak",
            options={"database_max_connections": 100},
        ),
    )
