"""SQLAlchemy and SQLModel names the ORM analysis relies on: what maps a class, what
declares a relationship, which loader options load eagerly."""

from __future__ import annotations

DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
    }
)
# ``Base = declarative_base()``
DECLARATIVE_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
    }
)
SQLMODEL_BASE = "sqlmodel.SQLModel"
RELATIONSHIP_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relation",
        "sqlalchemy.orm.relationships.relationship",
        "sqlmodel.Relationship",
    }
)
SELECT_FUNCTIONS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlalchemy.sql.select", "sqlmodel.select"})

# Annotations of a helper that returns rows of a class: ``-> list[Author]``, ``Sequence[Author]``.
ROW_SEQUENCES = frozenset({
    "builtins.list", "typing.List", "typing.Sequence", "collections.abc.Sequence", "typing.Iterable",
    "collections.abc.Iterable", "typing.Iterator", "collections.abc.Iterator", "builtins.tuple", "typing.Tuple",
    "sqlalchemy.ScalarResult", "sqlalchemy.engine.ScalarResult", "sqlalchemy.engine.result.ScalarResult",
})
# fastapi-pagination's ORM pagination: ``paginate(session, select(M))`` returns a page whose
# ``items`` are the rows of the statement (unless a ``transformer=`` turns them into something else).
PAGINATE_FUNCTIONS = frozenset(
    f"fastapi_pagination.ext.{ext}.{name}" for ext in ("sqlalchemy", "sqlmodel") for name in ("paginate", "apaginate")
)

# A relationship with one of these ``lazy=`` strategies issues a query when first read
# on each object: read per row, that is one query per row.
N_PLUS_ONE_STRATEGIES = frozenset({"select", "dynamic"})

# Loader options, by qualified name, with the strategy they set.
LOADER_OPTIONS: dict[str, str] = {
    f"sqlalchemy.orm.{name}": name
    for name in (
        "selectinload", "joinedload", "subqueryload", "immediateload", "contains_eager",
        "defaultload", "lazyload", "noload", "raiseload",
    )
} | {f"sqlmodel.{name}": name for name in ("selectinload", "joinedload", "subqueryload", "contains_eager")}
# Options that load the relationship with the statement (no query per row).
EAGER_OPTIONS = frozenset({"selectinload", "joinedload", "subqueryload", "immediateload", "contains_eager"})
# Options after which a read issues no lazy query (it raises or returns nothing instead).
QUIET_OPTIONS = frozenset({"raiseload", "noload"})
# Options about columns: they leave relationships as they are.
COLUMN_OPTIONS = frozenset(
    f"sqlalchemy.orm.{name}" for name in ("load_only", "defer", "undefer", "undefer_group", "with_expression", "selectin_polymorphic")
)
