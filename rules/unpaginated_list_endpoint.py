import ast

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid, walk_local

_BOUNDED = frozenset({"limit", "offset", "slice", "first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "get", "paginate", "fetchmany", "count"})
_NARROWED = frozenset({"where", "filter", "filter_by", "join", "having", "group_by"})
_PAGE_PARAMETERS = frozenset({"limit", "offset", "skip", "page", "size", "per_page", "page_size", "cursor", "after", "before", "params", "pagination", "paging"})
_QUERY_ROOTS = ("query", "select", "execute", "exec", "scalars")


class UnpaginatedListEndpoint(Rule):
    """
    ## What it does
    Checks for `GET` route handlers that return every row of a table: a query ending in
    `.all()` with no `limit`, `offset`, filter or pagination, in a handler with no
    paging parameter.

    ## Why is this bad?
    The response grows with the table. The arithmetic:

        response = rows x (row size + serialisation)  = 1,000,000 x 1 KB = 1 GB
        time     = query + ORM objects + validation    = seconds to minutes

    Every call loads the whole table into ORM objects, validates each through the
    response model and holds the result in memory until sent; one client polling the
    endpoint keeps a worker and a database connection busy, and the endpoint gets slower
    every week as the table grows.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    app = FastAPI()


    @app.get("/items")
    def list_items(db: Session = Depends(get_db)):
        return db.execute(select(Item)).scalars().all()
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    app = FastAPI()


    @app.get("/items")
    def list_items(skip: int = 0, limit: int = 100, db: Session = Depends(get_db)):
        return db.execute(select(Item).offset(skip).limit(limit)).scalars().all()
    ```
    Or use `fastapi-pagination`.

    ## Known problems
    Preview. A filtered query (`where`, `filter`, `join`) is taken as bounded, as is any
    handler with a paging parameter (`limit`, `page`, `size`, `cursor`...); a small lookup
    table listed whole is harmless (suppress it with `noqa`).

    ## References
    - [FastAPI: SQL databases, reading with offset and limit](https://fastapi.tiangolo.com/tutorial/sql-databases/#read-heroes)
    - [fastapi-pagination](https://uriyyo-fastapi-pagination.netlify.app/)
    """

    code = "FL607"
    name = "unpaginated-list-endpoint"
    preview = True
    triggers = (b".all()",)
    role_triggered = True

    def check(self, ctx: ModuleContext) -> list[Finding]:
        findings = []
        for function, roles in ctx.model.roles.items():
            if not any(role.kind.name == "ROUTE" and (role.endpoint or "").startswith("GET ") for role in roles):
                continue
            args = function.args
            names = {arg.arg for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
            if names & _PAGE_PARAMETERS:
                continue
            assigned: dict[str, ast.expr | None] = {}
            for node in walk_local(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    # A query built up over several assignments (``query = query.where(...)``) is not followed.
                    name = node.targets[0].id
                    assigned[name] = None if name in assigned else node.value
            for node in walk_local(function):
                if (
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "all" and not node.args
                    and self._whole_table(node, assigned)
                ):
                    findings.append(
                        ctx.finding(
                            self.code,
                            node,
                            "This list endpoint returns every row: the response, the ORM objects and the validation grow "
                            "with the table; add `limit`/`offset` (or a cursor) parameters and apply them to the query",
                        )
                    )
        return findings

    @staticmethod
    def _whole_table(call: ast.Call, assigned: dict[str, ast.expr | None]) -> bool:
        """A query chain with no bound and no filter, down to ``query(...)``/``select(...)``."""
        methods: list[str] = []
        node: ast.expr = call.func.value  # type: ignore[attr-defined]
        found_root = False
        pending = [node]
        followed: set[str] = set()
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Await):
                node = node.value
            if isinstance(node, ast.Name) and node.id in assigned and node.id not in followed:
                followed.add(node.id)  # ``result = await session.exec(...)`` then ``result.all()``
                value = assigned[node.id]
                if value is None:
                    return False
                pending.append(value)
                continue
            if isinstance(node, ast.Call):
                pending.extend(node.args)
                node = node.func
            if isinstance(node, ast.Attribute):
                methods.append(node.attr)
                found_root = found_root or node.attr in _QUERY_ROOTS
                pending.append(node.value)
            elif isinstance(node, ast.Name):
                found_root = found_root or node.id in ("select",)
        return found_root and not (set(methods) & (_BOUNDED | _NARROWED))

    VALID = (
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import select

app = FastAPI()

@app.get("/items")
def list_items(limit: int = 100, db=Depends(get_db)):
    return db.execute(select(Item).limit(limit)).scalars().all()
"""
        ),
        Valid(
            """
from fastapi import Depends, FastAPI

app = FastAPI()

@app.get("/users/{user_id}/orders")
def orders(user_id: int, db=Depends(get_db)):
    return db.query(Order).filter(Order.user_id == user_id).all()
"""
        ),
        Valid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import select

app = FastAPI()

@app.get("/runs")
def runs(dag_id: str | None = None, db=Depends(get_db)):
    query = select(Run)
    if dag_id:
        query = query.where(Run.dag_id == dag_id)
    return db.execute(query).all()
"""
        ),
        Valid(
            """
from fastapi import Depends, FastAPI

app = FastAPI()

@app.post("/items/export")
def export(db=Depends(get_db)):
    return db.query(Item).all()
"""
        ),
    )
    INVALID = (
        Invalid(
            """
from fastapi import Depends, FastAPI

app = FastAPI()

@app.get("/items")
def list_items(db=Depends(get_db)):
    return db.query(Item).all()
""",
            expected=((8, 12, 8, 32),),
            message="This list endpoint returns every row",
        ),
        Invalid(
            """
from fastapi import FastAPI
from sqlmodel import Session, select

app = FastAPI()

@app.get("/heroes")
async def heroes(session: SessionDep):
    result = await session.exec(select(Hero))
    return result.all()
""",
            expected=((10, 12, 10, 24),),
        ),
    )
