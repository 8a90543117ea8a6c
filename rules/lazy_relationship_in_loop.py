from collections.abc import Iterator

from fastlint import Finding, Invalid, ModuleContext, Rule, Valid

from ._orm_queries import eager_load_fix, function_queries, functions, has_models, lazy_reads, reads_bindable_name, suggested_option, where_loaded

_MODELS = """
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

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
    reviews: Mapped[list["Review"]] = relationship()

class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
"""


class LazyRelationshipInLoop(Rule):
    """
    ## What it does
    Checks for reads of a lazily loaded relationship on each row of a query result: in a
    `for` loop, a comprehension or a generator expression over the objects returned by
    `session.scalars(select(M))`, `session.execute(...).scalars()`, `session.exec(...)`
    (SQLModel) or `session.query(M)`, when the query does not eager-load the relationship.

    ## Why is this bad?
    A relationship declared with the default `lazy="select"` is loaded by its own `SELECT`
    the first time it is read on each object. Read once per row, a page of 100 authors
    costs 101 queries (the "N+1" problem): response time grows with the page size and
    the database does 100 times the work it needs to.

    ## Example
    ```python
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        id: Mapped[int] = mapped_column(primary_key=True)
        books: Mapped[list["Book"]] = relationship()


    def book_counts(session: Session):
        authors = session.scalars(select(Author)).all()
        return {author.id: len(author.books) for author in authors}
    ```

    ## Use instead
    ```python
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        id: Mapped[int] = mapped_column(primary_key=True)
        books: Mapped[list["Book"]] = relationship()


    def book_counts(session: Session):
        authors = session.scalars(select(Author).options(selectinload(Author.books))).all()
        return {author.id: len(author.books) for author in authors}
    ```
    `selectinload` loads the books of all authors in one more query; `joinedload` in the
    same query. A relationship declared `lazy="selectin"` (or `"joined"`, `"raise"`, ...)
    needs no option.

    ## Known problems
    Statements are followed through the names of one function, and into the rows a project
    function returns (`-> list[Author]` or `Sequence[Author]` over a query of `Author` in its
    body, or inferred from its `return`; of another module through the project index, where
    any loader option in the helper counts as possibly eager) and a fastapi-pagination
    page's `items` (`paginate(session, select(M))`). Rows passed in as a parameter are not
    followed. A model's relationships
    are known when the model is defined in the same module or the project index knows it.
    Relationships inherited from a mapped superclass are not seen.

    ## Fix safety
    The fix adds `.options(selectinload(Model.relationship))` to the `select(Model)` or
    `session.query(Model)` in the same function (importing `selectinload` from
    `sqlalchemy.orm`). It is unsafe: the query then loads every row's relationship up front
    in a second `SELECT ... IN`, more data when only a few rows are read, and the objects
    it loads replace what the session's identity map held. It is offered only for a
    relationship of the statement's own entity, when the statement has no loader options
    yet and is the function's only statement for that entity.

    ## References
    - [SQLAlchemy: Relationship Loading Techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    - [SQLModel: Read Relationships](https://sqlmodel.tiangolo.com/tutorial/relationship-attributes/read-relationships/)
    """

    code = "FL401"
    name = "lazy-relationship-in-loop"
    fixable = True
    # ``for``: rows returned by a project function of another module (``returned_rows``).
    triggers = (b"for ", b"scalars", b".exec(", b".execute(", b".query(", b".get(", b"paginate(")

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        if not has_models(ctx):
            return
        for function in functions(ctx):
            if not reads_bindable_name(function, per_row=True):
                continue
            for read in lazy_reads(function_queries(ctx, function)):
                if read.owner.loop is None or read.owner.is_async:
                    continue  # one object: one query; async sessions: FL402
                relationship = f"{read.model.short_name}.{read.relationship.name}"
                option = suggested_option(read)
                yield ctx.finding(
                    self.code,
                    read.node,
                    f"Lazy relationship `{relationship}` is loaded by one query per row (N+1) "
                    f"in {ctx.model.describe(function)}; eager-load it with `{option}`{where_loaded(read)}",
                    fix_title=f"Add `.options({option})` to the query",
                    fix=eager_load_fix(ctx, read),
                )

    VALID = (
        Valid(
            _MODELS
            + """
def with_selectin(session: Session):
    authors = session.scalars(select(Author).options(selectinload(Author.books))).all()
    return [len(author.books) for author in authors]
"""
        ),
        Valid(
            _MODELS
            + """
from sqlalchemy.orm import defaultload, joinedload, Load

def nested(session: Session):
    stmt = select(Author).options(selectinload(Author.books).selectinload(Book.reviews))
    for author in session.scalars(stmt):
        for book in author.books:
            print(book.reviews)

def through_defaultload(session: Session):
    stmt = select(Book).options(joinedload(Book.author), Load(Book).selectinload(Book.reviews))
    return [(book.author, book.reviews) for book in session.execute(stmt).scalars().all()]
"""
        ),
        Valid(
            _MODELS
            + """
def one_object(session: Session, author_id: int):
    author = session.get(Author, author_id)
    return author.books

def columns_only(session: Session):
    return [book.id for book in session.scalars(select(Book))]
"""
        ),
        Valid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, relationship

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "authors"
    books: Mapped[list["Book"]] = relationship(lazy="selectin")
    prizes: Mapped[list["Prize"]] = relationship(lazy="raise")

def listed(session: Session):
    return [(a.books, a.prizes) for a in session.scalars(select(Author))]
"""
        ),
        Valid(
            _MODELS
            + """
from sqlalchemy.orm import raiseload

def raising(session: Session):
    authors = session.query(Author).options(raiseload("*")).all()
    return [author.books for author in authors]

def unreadable_options(session: Session, options):
    return [author.books for author in session.scalars(select(Author).options(*options))]
"""
        ),
        Valid(
            _MODELS
            + """
def rebound(session: Session, eager: bool):
    stmt = select(Author)
    stmt = stmt.options(selectinload(Author.books))
    for author in session.scalars(stmt).all():
        print(author.books)
"""
        ),
        # Rows of a helper that eager-loads, of one whose options cannot be read, objects a
        # helper builds (transient: no query), a paginated page of an eager statement, and a
        # page whose ``transformer=`` turns the rows into something else.
        Valid(
            _MODELS
            + """
from typing import Sequence
from fastapi_pagination.ext.sqlalchemy import paginate

def authors_with_books(session: Session) -> Sequence[Author]:
    return session.scalars(select(Author).options(selectinload(Author.books))).all()

def authors_with(session: Session, options) -> list[Author]:
    return session.scalars(select(Author).options(*options)).all()

def placeholders(names: list[str]) -> list[Author]:
    return [Author(name=name) for name in names]

def counts(session: Session, names: list[str]):
    eager = [len(a.books) for a in authors_with_books(session)]
    unknown = [len(a.books) for a in authors_with(session, [])]
    return eager, unknown, [len(a.books) for a in placeholders(names)]

def page_of_books(session: Session):
    page = paginate(session, select(Book).options(selectinload(Book.author)))
    return [book.author.id for book in page.items]

def page_of_titles(session: Session):
    page = paginate(session, select(Book), transformer=lambda books: [b.author.id for b in books])
    return [item for item in page.items]
"""
        ),
    )
    INVALID = (
        # Rows returned by a repository helper (annotated, or inferred from its return) and
        # a fastapi-pagination page, reduced from a user-list endpoint.
        Invalid(
            _MODELS
            + """
from fastapi_pagination.ext.sqlalchemy import paginate

def list_authors(session: Session) -> list[Author]:
    stmt = select(Author).order_by(Author.id)
    return session.execute(stmt).scalars().all()

def recent_books(session: Session, limit: int):
    return session.query(Book).order_by(Book.id.desc()).limit(limit).all()

def report(session: Session):
    counts = {author.id: len(author.books) for author in list_authors(session)}
    page = paginate(session, select(Book))
    authors = [book.author for book in page.items]
    return counts, authors, [recent.reviews for recent in recent_books(session, 10)]
""",
            expected=((35, 30, 35, 42), (37, 16, 37, 27), (38, 30, 38, 44)),
            message="Lazy relationship `Author.books` is loaded by one query per row (N+1) in function `report`; "
            "eager-load it with `selectinload(Author.books)` in the query of `list_authors()`",
        ),
        Invalid(
            _MODELS
            + """
def listed(session: Session):
    authors = session.scalars(select(Author)).all()
    return [len(author.books) for author in authors]
""",
            expected=((27, 17, 27, 29),),
            message="Lazy relationship `Author.books` is loaded by one query per row (N+1) in function `listed`; "
            "eager-load it with `selectinload(Author.books)`",
            fixed=_MODELS
            + """
def listed(session: Session):
    authors = session.scalars(select(Author).options(selectinload(Author.books))).all()
    return [len(author.books) for author in authors]
""",
        ),
        Invalid(
            _MODELS
            + """
from sqlalchemy.orm import defaultload

def nested(session: Session):
    stmt = select(Author).options(selectinload(Author.books), defaultload(Author.books))
    for author in session.scalars(stmt):
        for book in author.books:
            print(book.reviews)
""",
            expected=((31, 19, 31, 31),),
            message="eager-load it with `selectinload(Author.books).selectinload(Book.reviews)`",
        ),
        Invalid(
            _MODELS
            + """
def legacy(session: Session):
    for book in session.query(Book).filter(Book.id > 10).order_by(Book.id):
        print(book.author.id)
""",
            expected=((27, 15, 27, 26),),
            message="`Book.author`",
            fixed=_MODELS
            + """
def legacy(session: Session):
    for book in session.query(Book).options(selectinload(Book.author)).filter(Book.id > 10).order_by(Book.id):
        print(book.author.id)
""",
        ),
        Invalid(
            _MODELS
            + """
from sqlalchemy.orm import defaultload

def only_default(session: Session):
    result = session.execute(select(Author).options(defaultload(Author.books)))
    return list(map(lambda n: n, (author.books for author in result.scalars())))
""",
            expected=((29, 35, 29, 47),),
        ),
    )
