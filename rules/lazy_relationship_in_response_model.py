import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastlint.context import ModuleContext
from fastlint.fastapi_model import RoleKind
from fastlint.finding import Finding
from fastlint.orm import ModelInfo, OrmQueries, Path, Value, function_queries
from fastlint.rule import Invalid, Rule, Valid
from fastlint.syntax import FunctionNode, keyword, walk_local

_SCHEMA_BASES = {"pydantic.BaseModel", "sqlmodel.SQLModel"}
_WRAPPERS = {"list", "List", "Sequence", "set", "Set", "tuple", "Tuple", "Optional", "Iterable", "Annotated"}

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
    response model must be defined in the handler's module; the ORM model in the same
    module or known to the project index. One object returned from a sync session costs
    one extra query per lazy field, not N+1, and is not reported.

    ## References
    - [FastAPI: Response Model](https://fastapi.tiangolo.com/tutorial/response-model/)
    - [SQLAlchemy: Relationship Loading Techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    """

    code = "FL403"
    name = "lazy-relationship-in-response-model"
    triggers = (b"response_model", b"->")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for function, roles in ctx.model.roles.items():
            if not any(role.kind is RoleKind.ROUTE for role in roles):
                continue
            schema = _response_schema(ctx, function)
            if schema is None:
                continue
            queries = function_queries(ctx, function)
            for node in walk_local(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    finding = self._check_return(ctx, queries, function, node, schema)
                    if finding is not None:
                        yield finding

    def _check_return(
        self, ctx: ModuleContext, queries: OrmQueries, function: FunctionNode, node: ast.Return, schema: ast.ClassDef
    ) -> Finding | None:
        value = _returned(queries, node.value)  # type: ignore[arg-type]
        if value is None:
            return None
        per_row = value.kind in ("scalars", "query")
        model = queries.object_model(value)
        if model is None:
            return None
        lazy = list(_lazy_fields(ctx, queries, schema, model, value, value.path, per_row))
        if not lazy:
            return None
        fields = ", ".join(f"`{item.schema}.{item.field}` (`{item.relationship}`)" for item in lazy)
        crash = "; with an AsyncSession this raises MissingGreenlet" if value.is_async else ""
        return ctx.finding(
            self.code,
            node,
            f"Serializing the response of {ctx.model.describe(function)} lazy-loads {fields}"
            f"{' once per object (N+1)' if any(item.per_row for item in lazy) else ''}{crash}; eager-load it in the query",
            fix_title="Add `selectinload(...)` for these relationships to the query's options",
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
        ),
    )


def _lazy_fields(
    ctx: ModuleContext, queries: OrmQueries, schema: ast.ClassDef, model: ModelInfo, value: Value, path: Path, per_row: bool
) -> Iterator[_LazyField]:
    for field, annotation in _schema_fields(ctx, schema):
        rel = model.relationship(field)
        if rel is None:
            continue
        nested_path = (*path, field)
        if not value.loading.loads_eagerly(nested_path):
            if rel.n_plus_one and (per_row or value.is_async):
                yield _LazyField(schema.name, field, f"{model.short_name}.{field}", per_row)
            continue
        nested_schema = _schema_class(ctx, annotation)
        target = queries.models.target(rel)
        if nested_schema is not None and target is not None:
            yield from _lazy_fields(ctx, queries, nested_schema, target, value, nested_path, per_row or bool(rel.collection))


def _returned(queries: OrmQueries, node: ast.expr) -> Value | None:
    bound = queries.object_of(node)
    if bound is not None and bound.loop is None:
        return bound.value
    value = queries.value(node)
    return value if value is not None and value.kind in ("scalars", "query", "object") else None


def _response_schema(ctx: ModuleContext, function: FunctionNode) -> ast.ClassDef | None:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call):
            declared = keyword(decorator, "response_model")
            if declared is not None:
                return _schema_class(ctx, declared)
    return _schema_class(ctx, function.returns) if function.returns is not None else None


def _schema_class(ctx: ModuleContext, annotation: ast.expr | None) -> ast.ClassDef | None:
    """The Pydantic model class of this module that an annotation names, through ``list[...]``."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript):
        outer = (ctx.names.qualified_name(annotation.value) or "").rpartition(".")[2]
        inner = annotation.slice.elts[0] if isinstance(annotation.slice, ast.Tuple) else annotation.slice
        return _schema_class(ctx, inner) if outer in _WRAPPERS else None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [s for s in (annotation.left, annotation.right) if not (isinstance(s, ast.Constant) and s.value is None)]
        return _schema_class(ctx, sides[0]) if len(sides) == 1 else None
    if isinstance(annotation, ast.Name):
        definition = ctx.names.definitions.get(annotation.id)
        if isinstance(definition, ast.ClassDef) and _is_schema(ctx, definition):
            return definition
    return None


def _is_schema(ctx: ModuleContext, class_def: ast.ClassDef, depth: int = 0) -> bool:
    if any(k.arg == "table" for k in class_def.keywords) or depth > 8:
        return False  # ``SQLModel, table=True`` is the ORM model itself
    for base in class_def.bases:
        if ctx.names.qualified_name(base) in _SCHEMA_BASES:
            return True
        local = ctx.names.definitions.get(base.id) if isinstance(base, ast.Name) else None
        if isinstance(local, ast.ClassDef) and _is_schema(ctx, local, depth + 1):
            return True
    return False


def _schema_fields(ctx: ModuleContext, class_def: ast.ClassDef, depth: int = 0) -> list[tuple[str, ast.expr]]:
    """Annotated fields, inherited ones from local base classes first."""
    fields: list[tuple[str, ast.expr]] = []
    for base in class_def.bases:
        local = ctx.names.definitions.get(base.id) if isinstance(base, ast.Name) else None
        if isinstance(local, ast.ClassDef) and depth < 8:
            fields += _schema_fields(ctx, local, depth + 1)
    for item in class_def.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            fields.append((item.target.id, item.annotation))
    return fields
