import ast

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, engine_pools, keyword


class UnboundedPoolOverflow(Rule):
    """
    ## What it does
    Checks for SQLAlchemy engines created with `max_overflow=-1`.

    ## Why is this bad?
    `max_overflow=-1` removes the pool's bound: past `pool_size`, every caller gets a new
    connection. The arithmetic has no ceiling:

        connections at peak = workers x (concurrent requests holding a session)
                            = workers x (40 threadpool threads + requests on the loop)

    A traffic spike, or a slow query that makes requests pile up, turns into as many
    database connections as there are requests in flight, until the database refuses
    them (`too many clients`) for every service that shares it. A bounded pool makes the
    excess wait (`pool_timeout`) instead, which is the back-pressure the service needs.

    ## Example
    ```python
    from sqlalchemy import create_engine

    engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=-1)
    ```

    ## Use instead
    ```python
    from sqlalchemy import create_engine

    engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=10, pool_timeout=10)
    ```

    ## Known problems
    Preview. Only a literal `-1` is reported.

    ## References
    - [SQLAlchemy: QueuePool max_overflow](https://docs.sqlalchemy.org/en/20/core/pooling.html#sqlalchemy.pool.QueuePool.params.max_overflow)
    """

    code = "FL603"
    name = "unbounded-pool-overflow"
    preview = True
    triggers = (b"max_overflow",)

    def check(self, ctx: ModuleContext) -> list[Finding]:
        findings = []
        for pool in engine_pools(ctx.tree, ctx.names):
            if not pool.unbounded:
                continue
            node = keyword(pool.call, "max_overflow")
            parent = next(item for item in pool.call.keywords if item.value is node)
            findings.append(
                ctx.finding(
                    self.code,
                    parent if isinstance(parent, ast.keyword) else pool.call,
                    f"`max_overflow=-1` lets the pool open a connection per request in flight, past pool_size={pool.size}, "
                    "with no ceiling: a burst or a slow query exhausts the database's connections; set a bound "
                    "(`max_overflow=10`) so excess requests wait `pool_timeout` instead",
                )
            )
        return findings

    VALID = (
        Valid("from sqlalchemy import create_engine\n\nengine = create_engine(URL, max_overflow=10)\n"),
        Valid("from sqlalchemy.pool import NullPool\nfrom sqlalchemy import create_engine\n\nengine = create_engine(URL, max_overflow=-1, poolclass=NullPool)\n"),
    )
    INVALID = (
        Invalid(
            "from sqlalchemy import create_engine\n\nengine = create_engine(URL, pool_size=10, max_overflow=-1)\n",
            expected=((3, 43, 3, 58),),
            message="`max_overflow=-1` lets the pool open a connection per request in flight, past pool_size=10",
        ),
    )
