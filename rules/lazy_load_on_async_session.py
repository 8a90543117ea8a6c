import ast
from collections.abc import Iterator

from fastlint import Finding, FunctionNode, Invalid, ModuleContext, Rule, Valid, all_parameters, keyword, local_calls, local_nodes_of, walk_local
from fastlint.knowledge.fastapi import DEPENDS

from ._orm_queries import OrmQueries, eager_load_fix, function_queries, lazy_reads, model_lookup, reads_bindable_name, suggested_option, where_loaded

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
    `await session.execute(...)`) when the query does not eager-load it. Objects an awaited
    project function returns (its rows, as FL401 follows them) and the `items` of a
    fastapi-pagination page (`await apaginate(session, select(M))`) count too.

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

    The most common form of this bug: reading any attribute of an object after
    `await session.commit()`. With the default `expire_on_commit=True` the commit expires
    every loaded attribute, and the read reloads it with the same implicit query. This is
    reported when the session is made in the same module (`AsyncSession(...)`, an
    `async_sessionmaker(...)` factory, or a `Depends` generator that opens one) without
    `expire_on_commit=False`; `await session.refresh(obj)` after the commit is fine.

    ## Known problems
    The session is recognised when its call is awaited or its type is inferred as
    `AsyncSession`. Reads after a commit are followed in straight-line code (the
    function body and its `with`/`try` blocks), and only when the session factory is
    visible in the module: one made in another module is assumed to be configured well.

    ## Fix safety
    The fix adds `.options(selectinload(Model.relationship))` to the `select(Model)` in the
    same function, or `options=[selectinload(Model.relationship)], populate_existing=True`
    to its `session.get(Model, ...)` (options apply only when a query is emitted: without
    `populate_existing`, an object already in the identity map would still lazy-load). It
    is unsafe: the query loads more up front, and `populate_existing` overwrites unflushed
    changes to an object the session already held. Offered only for a relationship of the
    statement's own entity, when the statement has no loader options yet and is the
    function's only statement for that entity; reads after a commit get no fix.

    ## References
    - [SQLAlchemy: Preventing Implicit IO when Using AsyncSession](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#preventing-implicit-io-when-using-asyncsession)
    - [SQLAlchemy: MissingGreenlet](https://docs.sqlalchemy.org/en/20/errors.html#error-xd2s)
    """

    code = "FL402"
    name = "lazy-load-on-async-session"
    fixable = True
    triggers = (b"await", b"AsyncSession")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        for function in ctx.async_functions:
            queries = function_queries(ctx, function)
            refreshed: set[tuple[str | None, str]] | None = None  # looked for once there is a read
            reads = lazy_reads(queries) if reads_bindable_name(function) else []
            for read in reads:
                if not read.owner.is_async:
                    continue
                refreshed = _refreshed(queries) if refreshed is None else refreshed
                if (_name(read.node.value), read.node.attr) in refreshed:
                    continue
                relationship = f"{read.model.short_name}.{read.relationship.name}"
                option = suggested_option(read)
                yield ctx.finding(
                    self.code,
                    read.node,
                    f"Lazy relationship `{relationship}` is read on an object from an AsyncSession in "
                    f"{ctx.model.describe(function)}: the implicit query raises MissingGreenlet; "
                    f"eager-load it with `{option}`{where_loaded(read)}",
                    fix_title=f"Add `{option}` to the query's options",
                    fix=eager_load_fix(ctx, read),
                )
            yield from _reads_after_commit(ctx, function)

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
        Valid(
            """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)

async def kept(engine):
    async with SessionLocal() as session:
        post = Post()
        session.add(post)
        await session.commit()
        first = post.id
    async with AsyncSession(engine) as other:
        again = Post()
        other.add(again)
        await other.commit()
        await other.refresh(again)
        return first, again.id
"""
        ),
        Valid(
            _MODELS
            + """
from fastapi_pagination.ext.sqlalchemy import apaginate

async def list_authors(session: AsyncSession) -> list[Author]:
    return (await session.scalars(select(Author).options(selectinload(Author.books)))).all()

@app.get("/authors/book-counts")
async def book_counts(session: AsyncSession = Depends()):
    authors = await list_authors(session)
    page = await apaginate(session, select(Book), transformer=lambda books: [b.id for b in books])
    return [len(a.books) for a in authors], [item for item in page.items]
"""
        ),
    )
    INVALID = (
        # Rows an awaited helper returns and a fastapi-pagination page of an AsyncSession.
        Invalid(
            _MODELS
            + """
from fastapi_pagination.ext.sqlalchemy import apaginate

async def list_authors(session: AsyncSession) -> list[Author]:
    return (await session.scalars(select(Author).order_by(Author.id))).all()

@app.get("/authors/book-counts")
async def book_counts(session: AsyncSession = Depends()):
    authors = await list_authors(session)
    page = await apaginate(session, select(Book))
    return [len(a.books) for a in authors], [b.author.id for b in page.items]
""",
            expected=((32, 17, 32, 24), (32, 46, 32, 54)),
            message="eager-load it with `selectinload(Author.books)` in the query of `list_authors()`",
        ),
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
            fixed=_MODELS
            + """
@app.get("/authors/{author_id}")
async def author_books(author_id: int, session: AsyncSession = Depends()):
    author = await session.get(Author, author_id, options=[selectinload(Author.books)], populate_existing=True)
    return [book.id for book in author.books]
""",
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
            fixed=_MODELS
            + """
async def per_row(session: AsyncSession):
    result = await session.execute(select(Book).options(selectinload(Book.author)).where(Book.id > 3))
    return [book.author.id for book in result.scalars().all()]
""",
        ),
        Invalid(
            _MODELS
            + """
from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker()

async def get_session():
    async with SessionLocal() as session:
        yield session

@app.post("/authors")
async def create(name: str, session: AsyncSession = Depends(get_session)):
    author = Author()
    session.add(author)
    await session.commit()
    return {"id": author.id, "books": len(author.books)}
""",
            expected=((36, 19, 36, 28),),
            message="`author.id` is read after `await session.commit()` expired `author` (expire_on_commit=True) "
            "in async route handler POST /authors: the reload raises MissingGreenlet",
        ),
    )


_ASYNC_SESSIONS = {"sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.ext.asyncio.session.AsyncSession"}
_FACTORIES = {"sqlalchemy.ext.asyncio.async_sessionmaker", "sqlalchemy.orm.sessionmaker"}


def _reads_after_commit(ctx: ModuleContext, function: FunctionNode) -> Iterator[Finding]:
    """Attribute reads of ORM objects after ``await session.commit()`` expired them."""
    sessions = {name for name, made_by in _local_sessions(ctx, function).items() if _expires_on_commit(ctx, made_by)}
    if not sessions:
        return
    objects = _orm_objects(ctx, function)
    expired: dict[str, str] = {}  # object name -> the session whose commit expired it
    reported: set[str] = set()
    for statement in _straight_line(function.body):
        for node in _in_order(statement):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load):
                owner = node.value.id
                if owner in sessions and node.attr == "commit":
                    expired.update(dict.fromkeys(objects, owner))
                elif owner in sessions and node.attr == "refresh":
                    continue
                elif owner in expired and node.attr != "awaitable_attrs" and owner not in reported:
                    reported.add(owner)
                    yield ctx.finding(
                        "FL402",
                        node,
                        f"`{ctx.text_of(node)}` is read after `await {expired[owner]}.commit()` expired `{owner}` "
                        f"(expire_on_commit=True) in {ctx.model.describe(function)}: the reload raises MissingGreenlet",
                        fix_title=f"`await {expired[owner]}.refresh({owner})` first, or make the session with `expire_on_commit=False`",
                    )
            elif _is_refresh(node, sessions):
                refreshed = node.args[0]  # type: ignore[attr-defined]
                if isinstance(refreshed, ast.Name):
                    expired.pop(refreshed.id, None)


def _straight_line(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run one after the other, through ``with`` and ``try`` blocks."""
    for statement in body:
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            yield from _straight_line(statement.body)
        elif isinstance(statement, ast.Try):
            yield from _straight_line(statement.body)
        else:
            yield statement


def _in_order(statement: ast.stmt) -> list[ast.AST]:
    nodes = [node for node in walk_local(statement) if hasattr(node, "lineno")]
    return sorted([statement, *nodes], key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]


def _is_refresh(node: ast.AST, sessions: set[str]) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "refresh"
        and isinstance(node.func.value, ast.Name) and node.func.value.id in sessions and bool(node.args)
    )


def _orm_objects(ctx: ModuleContext, function: FunctionNode) -> set[str]:
    """Names bound once in the function to an ORM object: built from a model, or loaded."""
    queries = function_queries(ctx, function)
    models = model_lookup(ctx)
    names = set()
    for name, bindings in queries.scope.bindings.items():
        if len(bindings) != 1 or bindings[0].kind != "value" or not isinstance(bindings[0].node, ast.Call):
            continue
        call = bindings[0].node
        if models.of(call.func) is not None:
            names.add(name)
    names.update(name for name, bound in queries.bound.items() if bound.loop is None)
    return names


def _local_sessions(ctx: ModuleContext, function: FunctionNode) -> dict[str, ast.Call]:
    """Session names of the function, with the call that configured them, when visible."""
    found: dict[str, ast.Call] = {}
    for node in local_nodes_of(function, ast.AsyncWith):
        for item in node.items:
            made_by = _session_construction(ctx, item.context_expr)
            if made_by is not None and isinstance(item.optional_vars, ast.Name):
                found[item.optional_vars.id] = made_by
    for arg, default in all_parameters(function.args):
        dependency = _dependency(ctx, arg, default)
        definition = ctx.names.definitions.get(dependency.id) if isinstance(dependency, ast.Name) else None
        if isinstance(definition, ast.AsyncFunctionDef):
            yielded = _local_sessions(ctx, definition)
            if len(yielded) == 1:
                found[arg.arg] = next(iter(yielded.values()))
    return found


def _dependency(ctx: ModuleContext, arg: ast.arg, default: ast.expr | None) -> ast.expr | None:
    candidates = [default]
    annotation = arg.annotation
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
        candidates += annotation.slice.elts[1:]  # Annotated[AsyncSession, Depends(get_session)]
    for candidate in candidates:
        if isinstance(candidate, ast.Call) and ctx.names.qualified_name(candidate.func) in DEPENDS and candidate.args:
            return candidate.args[0]
    return None


def _session_construction(ctx: ModuleContext, entered: ast.expr) -> ast.Call | None:
    """``AsyncSession(engine)`` itself, or the ``async_sessionmaker(...)`` behind ``factory()``."""
    if not isinstance(entered, ast.Call):
        return None
    if ctx.names.qualified_name(entered.func) in _ASYNC_SESSIONS:
        return entered
    if isinstance(entered.func, ast.Name):
        bindings = ctx.inference.module_scope.bindings.get(entered.func.id, [])
        factory = bindings[0].node if len(bindings) == 1 else None
        if isinstance(factory, ast.Call) and ctx.names.qualified_name(factory.func) in _FACTORIES:
            made = ctx.inference.type_of(entered, ctx.inference.module_scope)
            return factory if made == "sqlalchemy.ext.asyncio.AsyncSession" else None
    return None


def _expires_on_commit(ctx: ModuleContext, made_by: ast.Call) -> bool:
    setting = keyword(made_by, "expire_on_commit")
    return setting is None or (isinstance(setting, ast.Constant) and setting.value is True)


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _refreshed(queries: OrmQueries) -> set[tuple[str | None, str]]:
    """``(object name, relationship)`` loaded by ``await session.refresh(obj, ["rel"])``."""
    loaded = set()
    for node in local_calls(queries.function):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "refresh":
            names = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "attribute_names"), None)
            if node.args and isinstance(names, (ast.List, ast.Tuple)):
                for element in names.elts:
                    if isinstance(element, ast.Constant) and isinstance(element.value, str):
                        loaded.add((_name(node.args[0]), element.value))
    return loaded
