from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship()
    awards: Mapped[list["Award"]] = relationship()


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


class Award(Base):
    __tablename__ = "awards"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


class BookOut(BaseModel):
    id: int


class AwardOut(BaseModel):
    id: int


class AuthorOut(BaseModel):
    id: int
    books: list[BookOut]
    awards: list[AwardOut]


app = FastAPI()


def get_session():
    ...


@app.get("/authors", response_model=list[AuthorOut])
def authors(session: Session = Depends(get_session)):
    statement = (
        select(Author).options(selectinload(Author.books), selectinload(Author.awards))  # every author
        .order_by(Author.id)
    )
    return session.scalars(statement).all()


@app.get("/authors/legacy")
def legacy_authors(session: Session = Depends(get_session)) -> list[AuthorOut]:
    return session.query(Author).options(selectinload(Author.books), selectinload(Author.awards)).all()
