from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastlint import (
    Finding,
    FunctionNode,
    Invalid,
    ModelInfo,
    ModuleContext,
    RoleKind,
    Rule,
    SchemaClass,
    Valid,
    held_class,
    keyword,
    local_nodes_of,
    schema_classes,
)
from fastlint.knowledge.fastapi import SCHEMA_BASES

from ._orm_queries import OrmQueries, Path, Value, function_queries, statement_eager_load_fix

_APP = """
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship()

class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    reviews: Mapped[list["Review"]] = relationship()

class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))

class ReviewOut(BaseModel):
    id: int

class BookOut(BaseModel):
    id: int
    reviews: list[ReviewOut]

class AuthorOut(BaseModel):
    id: int
    books: list[BookOut]

app = FastAPI()
"""


@dataclass(frozen=True)
class _LazyField:
    schema: str
    field: str
    relationship: str
    per_row: bool


class LazyRelationshipInResponseModel(Rule):
    """
    ## What it does
    Checks for route handlers that return ORM objects whose `response_model` (or return
    annotation) is a Pydantic model with a field named after a lazily loaded relationship,
    when the handler's query does not eager-load it. Nested models are followed through
    eager-loaded relationships (`AuthorOut.books: list[BookOut]`, `BookOut.reviews`).

    ## Why is this bad?
    FastAPI serializes the response after the handler returns: validating the response
    model reads every field, and each lazy relationship read issues its own query, once
    per returned object. Nothing in the handler shows the loop, which is why this N+1 is
    the one most often shipped. With an `AsyncSession` the reads raise `MissingGreenlet`.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, relationship


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        books: Mapped[list["Book"]] = relationship()


    class AuthorOut(BaseModel):
        name: str
        books: list[str]


    app = FastAPI()


    @app.get("/authors", response_model=list[AuthorOut])
    def authors(session: Session):
        return session.scalars(select(Author)).all()
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, relationship, selectinload


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        books: Mapped[list["Book"]] = relationship()


    class AuthorOut(BaseModel):
        name: str
        books: list[str]


    app = FastAPI()


    @app.get("/authors", response_model=list[AuthorOut])
    def authors(session: Session):
        return session.scalars(select(Author).options(selectinload(Author.books))).all()
    ```

    ## Known problems
    Fields match relationships by name (aliases and `validation_alias` are not read). The
    response model, its nested models and the ORM model may live in any module of the
    project (`from app.schemas import AuthorOut`). One object returned from a sync session
    costs one extra query per lazy field, not N+1, and is not reported.

    ## Fix safety
    The fix adds `.options(selectinload(Model.relationship), ...)` for the lazy fields to
    the `select(Model)` or `session.query(Model)` the handler returns from, or
    `options=[selectinload(...)], populate_existing=True` to its `session.get(Model, ...)`
    (importing `selectinload` from `sqlalchemy.orm`). It is unsafe: the query then loads
    those relationships for every row up front, and `populate_existing` overwrites
    unflushed changes to an object the session already held. It is offered only when the
    fields are relationships of the statement's own entity, the statement has no loader
    options yet and is the function's only statement for that entity.

    ## References
    - [FastAPI: Response Model](https://fastapi.tiangolo.com/tutorial/response-model/)
    - [SQLAlchemy: Relationship Loading Techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    """

    code = "FL403"
    name = "lazy-relationship-in-response-model"
    fixable = True
    triggers = (b"->", b"response_model")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        schemas = _Schemas(ctx)
        for function, roles in ctx.model.roles.items():
            if not any(role.kind is RoleKind.ROUTE for role in roles):
                continue
            schema = schemas.schema(held_class(_response_annotation(function), ctx.names))
            if schema is None:
                continue
            queries = function_queries(ctx, function)
            for node in local_nodes_of(function, ast.Return):
                if node.value is not None:
                    finding = self._check_return(ctx, schemas, queries, function, node, schema)
                    if finding is not None:
                        yield finding

    def _check_return(
        self, ctx: ModuleContext, schemas: _Schemas, queries: OrmQueries, function: FunctionNode, node: ast.Return, schema: SchemaClass
    ) -> Finding | None:
        value = _returned(queries, node.value)  # type: ignore[arg-type]
        if value is None:
            return None
        per_row = value.kind in ("scalars", "query")
        model = queries.object_model(value)
        if model is None:
            return None
        lazy = list(_lazy_fields(schemas, queries, schema, model, value, value.path, per_row))
        if not lazy:
            return None
        fields = ", ".join(f"`{item.schema}.{item.field}` (`{item.relationship}`)" for item in lazy)
        crash = "; with an AsyncSession this raises MissingGreenlet" if value.is_async else ""
        # Nothing is eager-loaded yet (options empty), so every lazy field is a relationship of the entity.
        fix = statement_eager_load_fix(ctx, queries, value, model, [item.field for item in lazy])
        return ctx.finding(
            self.code,
            node,
            f"Serializing the response of {ctx.model.describe(function)} lazy-loads {fields}"
            f"{' once per object (N+1)' if any(item.per_row for item in lazy) else ''}{crash}; eager-load it in the query",
            fix_title="Add `selectinload(...)` for these relationships to the query's options",
            fix=fix,
        )

    VALID = (
        Valid(
            _APP
            + """
@app.get("/authors", response_model=list[AuthorOut])
def authors(session: Session = Depends()):
    stmt = select(Author).options(selectinload(Author.books).selectinload(Book.reviews))
    return session.scalars(stmt).all()
"""
        ),
        Valid(
            _APP
            + """
class AuthorSummary(BaseModel):
    id: int

@app.get("/authors")
def authors(session: Session = Depends()) -> list[AuthorSummary]:
    return session.scalars(select(Author)).all()
"""
        ),
        Valid(
            _APP
            + """
@app.get("/authors/{author_id}", response_model=AuthorOut)
def one_author(author_id: int, session: Session = Depends()):
    author = session.get(Author, author_id, options=[selectinload(Author.books).selectinload(Book.reviews)])
    return author
"""
        ),
        Valid(
            _APP
            + """
def not_a_route(session: Session) -> list[AuthorOut]:
    return session.scalars(select(Author)).all()
"""
        ),
    )
    INVALID = (
        Invalid(
            _APP
            + """
@app.get("/authors", response_model=list[AuthorOut])
def authors(session: Session = Depends()):
    return session.scalars(select(Author)).all()
""",
            expected=((41, 5, 41, 49),),
            message="Serializing the response of route handler GET /authors lazy-loads `AuthorOut.books` (`Author.books`) "
            "once per object (N+1); eager-load it in the query",
            fixed=_APP
            + """
@app.get("/authors", response_model=list[AuthorOut])
def authors(session: Session = Depends()):
    return session.scalars(select(Author).options(selectinload(Author.books))).all()
""",
        ),
        Invalid(
            _APP
            + """
@app.get("/authors/{author_id}")
def one_author(author_id: int, session: Session = Depends()) -> AuthorOut:
    author = session.get(Author, author_id, options=[selectinload(Author.books)])
    return author
""",
            expected=((42, 5, 42, 18),),
            message="lazy-loads `BookOut.reviews` (`Book.reviews`) once per object (N+1)",
        ),
        Invalid(
            _APP
            + """
from sqlalchemy.ext.asyncio import AsyncSession

@app.get("/authors/{author_id}", response_model=AuthorOut)
async def one_author(author_id: int, session: AsyncSession = Depends()):
    return await session.get(Author, author_id)
""",
            expected=((43, 5, 43, 48),),
            message="with an AsyncSession this raises MissingGreenlet",
            fixed=_APP
            + """
from sqlalchemy.ext.asyncio import AsyncSession

@app.get("/authors/{author_id}", response_model=AuthorOut)
async def one_author(author_id: int, session: AsyncSession = Depends()):
    return await session.get(Author, author_id, options=[selectinload(Author.books)], populate_existing=True)
""",
        ),
    )


def _lazy_fields(
    schemas: _Schemas, queries: OrmQueries, schema: SchemaClass, model: ModelInfo, value: Value, path: Path, per_row: bool
) -> Iterator[_LazyField]:
    for field, held in schemas.fields(schema):
        rel = model.relationship(field)
        if rel is None:
            continue
        nested_path = (*path, field)
        if not value.loading.loads_eagerly(nested_path):
            if rel.n_plus_one and (per_row or value.is_async):
                yield _LazyField(schema.short_name, field, f"{model.short_name}.{field}", per_row)
            continue
        nested_schema = schemas.schema(held)
        target = queries.models.target(rel)
        if nested_schema is not None and target is not None:
            yield from _lazy_fields(schemas, queries, nested_schema, target, value, nested_path, per_row or bool(rel.collection))


def _returned(queries: OrmQueries, node: ast.expr) -> Value | None:
    bound = queries.object_of(node)
    if bound is not None and bound.loop is None:
        return bound.value
    value = queries.value(node)
    return value if value is not None and value.kind in ("scalars", "query", "object") else None


def _response_annotation(function: FunctionNode) -> ast.expr | None:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call):
            declared = keyword(decorator, "response_model")
            if declared is not None:
                return declared
    return function.returns


class _Schemas:
    """Pydantic classes by qualified name: this module's from its syntax tree (the text
    being checked), the others' from the project index."""

    _MAX_DEPTH = 8

    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx
        self._local: dict[str, SchemaClass] | None = None

    def schema(self, name: str | None) -> SchemaClass | None:
        """The schema class ``name`` denotes; None if it is no Pydantic model."""
        found = self._class(name)
        return found if found is not None and self._is_schema(found, 0) else None

    def _class(self, name: str | None) -> SchemaClass | None:
        if name is None:
            return None
        module, _, local = name.rpartition(".")
        if module == self.ctx.module:
            if self._local is None:
                self._local = schema_classes(self.ctx.tree, self.ctx.names)
            return self._local.get(local)
        return self.ctx.project.schema_class(name) if self.ctx.project is not None else None

    def _is_schema(self, schema: SchemaClass, depth: int) -> bool:
        if schema.table or depth > self._MAX_DEPTH:
            return False
        for base in schema.bases:
            if base in SCHEMA_BASES:
                return True
            parent = self._class(base)
            if parent is not None and self._is_schema(parent, depth + 1):
                return True
        return False

    def fields(self, schema: SchemaClass, depth: int = 0) -> list[tuple[str, str | None]]:
        """Annotated fields, those inherited from project base classes first."""
        fields: list[tuple[str, str | None]] = []
        for base in schema.bases:
            parent = self._class(base) if depth < self._MAX_DEPTH else None
            if parent is not None:
                fields += self.fields(parent, depth + 1)
        return fields + list(schema.fields)
