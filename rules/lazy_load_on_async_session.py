import ast
from collections.abc import Iterator

from fastlint.context import ModuleContext
from fastlint.finding import Finding
from fastlint.orm import OrmQueries, function_queries, lazy_reads, suggested_option
from fastlint.rule import Invalid, Rule, Valid
from fastlint.syntax import walk_local

_MODELS = """
from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship(back_populates="author")

class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")

app = FastAPI()
"""


class LazyLoadOnAsyncSession(Rule):
    """
    ## What it does
    Checks for reads of a lazily loaded relationship on an object obtained from an
    `AsyncSession` (`await session.get(...)`, `await session.scalars(...)`,
    `await session.execute(...)`) when the query does not eager-load it.

    ## Why is this bad?
    A lazy load is a synchronous query issued on attribute access. With `AsyncSession`
    it cannot be awaited, so SQLAlchemy raises `MissingGreenlet` ("greenlet_spawn has not
    been called; can't call await_only() here") instead: the route fails with a 500, it
    is not only slow. The error shows up only when the code path runs.

    ## Example
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, Mapped, relationship


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        books: Mapped[list["Book"]] = relationship()


    async def titles(session: AsyncSession, author_id: int):
        author = await session.get(Author, author_id)
        return [book.title for book in author.books]
    ```

    ## Use instead
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, Mapped, relationship, selectinload


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        books: Mapped[list["Book"]] = relationship()


    async def titles(session: AsyncSession, author_id: int):
        author = await session.get(Author, author_id, options=[selectinload(Author.books)])
        return [book.title for book in author.books]
    ```
    Or declare the relationship `lazy="selectin"`, read it through
    `await author.awaitable_attrs.books` (`AsyncAttrs`), or load it with
    `await session.refresh(author, ["books"])`.

    ## Known problems
    The session is recognised when its call is awaited or its type is inferred as
    `AsyncSession`. Objects read after `await session.commit()` (expired by the default
    `expire_on_commit=True`) are not yet checked: whether the session factory sets
    `expire_on_commit=False` usually lives in another module.

    ## References
    - [SQLAlchemy: Preventing Implicit IO when Using AsyncSession](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession)
    - [SQLAlchemy: MissingGreenlet](https://docs.sqlalchemy.org/en/20/errors.html#error-xd2s)
    """

    code = "FL402"
    name = "lazy-load-on-async-session"
    triggers = (b"AsyncSession", b"await")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for function in ctx.async_functions:
            queries = function_queries(ctx, function)
            refreshed = _refreshed(queries)
            for read in lazy_reads(queries):
                if not read.owner.is_async or (_name(read.node.value), read.node.attr) in refreshed:
                    continue
                relationship = f"{read.model.short_name}.{read.relationship.name}"
                option = suggested_option(read)
                yield ctx.finding(
                    self.code,
                    read.node,
                    f"Lazy relationship `{relationship}` is read on an object from an AsyncSession in "
                    f"{ctx.model.describe(function)}: the implicit query raises MissingGreenlet; "
                    f"eager-load it with `{option}`",
                    fix_title=f"Add `{option}` to the query's options",
                )

    VALID = (
        Valid(
            _MODELS
            + """
@app.get("/authors/{author_id}")
async def author_books(author_id: int, session: AsyncSession = Depends()):
    author = await session.get(Author, author_id, options=[selectinload(Author.books)])
    return [book.id for book in author.books]
"""
        ),
        Valid(
            _MODELS
            + """
async def through_awaitable_attrs(session: AsyncSession):
    authors = (await session.scalars(select(Author))).all()
    return [await author.awaitable_attrs.books for author in authors]
"""
        ),
        Valid(
            _MODELS
            + """
async def refreshed(session: AsyncSession, author_id: int):
    author = await session.get(Author, author_id)
    await session.refresh(author, ["books"])
    return author.books
"""
        ),
        Valid(
            _MODELS
            + """
async def eager(session: AsyncSession):
    result = await session.execute(select(Book).options(selectinload(Book.author)))
    return [book.author.id for book in result.scalars()]
"""
        ),
    )
    INVALID = (
        Invalid(
            _MODELS
            + """
@app.get("/authors/{author_id}")
async def author_books(author_id: int, session: AsyncSession = Depends()):
    author = await session.get(Author, author_id)
    return [book.id for book in author.books]
""",
            expected=((26, 33, 26, 45),),
            message="Lazy relationship `Author.books` is read on an object from an AsyncSession in "
            "async route handler GET /authors/{author_id}: the implicit query raises MissingGreenlet; "
            "eager-load it with `selectinload(Author.books)`",
        ),
        Invalid(
            _MODELS
            + """
async def per_row(session: AsyncSession):
    result = await session.execute(select(Book).where(Book.id > 3))
    return [book.author.id for book in result.scalars().all()]
""",
            expected=((25, 13, 25, 24),),
            message="`Book.author`",
        ),
    )


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _refreshed(queries: OrmQueries) -> set[tuple[str | None, str]]:
    """``(object name, relationship)`` loaded by ``await session.refresh(obj, ["rel"])``."""
    loaded = set()
    for node in walk_local(queries.function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "refresh":
            names = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "attribute_names"), None)
            if node.args and isinstance(names, (ast.List, ast.Tuple)):
                for element in names.elts:
                    if isinstance(element, ast.Constant) and isinstance(element.value, str):
                        loaded.add((_name(node.args[0]), element.value))
    return loaded
