import ast
from collections.abc import Iterator

from fastlint import Finding, Invalid, ModuleContext, Rule, Scope, Valid, cache_key, callee_name, local_nodes_of, read_query, walk_local

from ._orm_queries import model_lookup

_LOOPS = (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_PASS_THROUGH = {"builtins.enumerate", "builtins.sorted", "builtins.reversed", "builtins.list", "builtins.tuple", "builtins.set", "builtins.iter"}
_MAX_ITER_TEXT = 40

_MODELS = """
from fastapi import APIRouter, Depends
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.db import get_db, get_session

router = APIRouter()

class Base(DeclarativeBase):
    pass

class ChatSession(Base):
    __tablename__ = "chat_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int]

class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id"))
"""


class QueryInLoop(Rule):
    """
    ## What it does
    Checks for database queries run once per item of a loop in code that runs once per
    request (route handlers, dependencies, middleware): `await db.execute(select(...))`,
    `session.scalars(...)`, `session.exec(...)`, `session.get(Model, key)`,
    `session.query(Model)...first()`, or a call to a project function that runs one (a
    repository or CRUD helper, found through the project index), when the query uses the
    loop's item.

    ## Why is this bad?
    One query per row is the "N+1" problem without lazy relationships: listing 50 chat
    sessions with their messages costs 51 round trips to the database instead of two.
    Response time and database load grow with the size of the page, and the cost hides
    in tests that use three rows.

    On 17 real FastAPI code bases it reported 21 loops (all through repository or CRUD
    helpers); 19 were reviewed as true N+1 and 2 as debatable (a bulk action whose
    per-item work is the operation itself).

    ## Example
    ```python
    from fastapi import APIRouter, Depends
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db import get_session
    from app.models import ChatSession, Message

    router = APIRouter()


    @router.get("/sessions")
    async def list_sessions(user_id: int, db: AsyncSession = Depends(get_session)):
        sessions = (await db.scalars(select(ChatSession).where(ChatSession.user_id == user_id))).all()
        result = []
        for s in sessions:
            messages = (await db.scalars(select(Message).where(Message.session_id == s.id))).all()
            result.append({"id": s.id, "messages": len(messages)})
        return result
    ```

    ## Use instead
    ```python
    from collections import defaultdict

    from fastapi import APIRouter, Depends
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.db import get_session
    from app.models import ChatSession, Message

    router = APIRouter()


    @router.get("/sessions")
    async def list_sessions(user_id: int, db: AsyncSession = Depends(get_session)):
        sessions = (await db.scalars(select(ChatSession).where(ChatSession.user_id == user_id))).all()
        ids = [s.id for s in sessions]
        by_session = defaultdict(list)
        for message in await db.scalars(select(Message).where(Message.session_id.in_(ids))):
            by_session[message.session_id].append(message)
        return [{"id": s.id, "messages": len(by_session[s.id])} for s in sessions]
    ```
    One query with `IN (...)`, a join, a `GROUP BY`, or a relationship loaded with
    `selectinload` replaces the query per row.

    ## Known problems
    Loops over a visibly bounded collection are not reported: a literal (`for kind in
    ("a", "b")`), `range(3)`, a slice with a constant bound (`rows[:5]`), a module-level
    constant or an enum; and loops over batches (`chunks(ids, 100)`, `itertools.batched`).
    `while` loops (batched pagination) and writes (`session.add`, `execute(update(...))`, an
    `execute` whose statement is not visibly a `select`, a project function that adds,
    deletes or commits) are not reported. Only code that runs per request is checked, and a project function is
    followed one call deep: a helper that loops over rows is checked only when FastAPI
    calls it directly.

    ## References
    - [SQLAlchemy: Selecting with IN](https://docs.sqlalchemy.org/en/20/core/operators.html#in-comparisons)
    - [SQLAlchemy: Relationship Loading Techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    """

    code = "FL404"
    name = "query-in-loop"
    triggers = (b"for ",)

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        models = model_lookup(ctx)

        def is_model(node: ast.expr) -> bool:
            return models.of(node) is not None

        for function in ctx.model.roles:
            if not ctx.model.is_request_scoped(function) or cache_key(function, ctx.names) == "fixed":
                continue
            scope = ctx.inference.scope(function)
            owner = ctx.model.owners.get(function)
            owner_name = f"{ctx.module}.{owner.name}" if owner else None
            reported: set[int] = set()
            for loop in local_nodes_of(function, *_LOOPS):
                iterable, targets, body = _loop_parts(loop)
                if _bounded(ctx, iterable, scope):
                    continue
                names = _dependent_names(targets, body)
                for call in _calls(body):
                    if id(call) in reported or not _mentions(call, names):
                        continue
                    what = read_query(call, scope, ctx.inference, is_model)
                    if what is not None:
                        description = f"`{what}` runs a query"
                    else:
                        helper = _querying_helper(ctx, call, scope, owner_name)
                        if helper is None:
                            continue
                        description = f"`{helper}()` runs a query"
                    reported.add(id(call))
                    yield ctx.finding(
                        self.code,
                        call.func,
                        f"{description} for each item of `{_short(ctx.text_of(iterable))}` (N+1) in "
                        f"{ctx.model.describe(function)}; load what the loop needs with one query before it "
                        "(`.in_(ids)`, a join or `selectinload`)",
                        fix_title="Query once for all items before the loop",
                    )

    VALID = (
        Valid(
            _MODELS
            + """
@router.get("/sessions")
async def list_sessions(db: AsyncSession = Depends(get_session)):
    sessions = (await db.scalars(select(ChatSession))).all()
    ids = [s.id for s in sessions]
    messages = (await db.scalars(select(Message).where(Message.session_id.in_(ids)))).all()
    return sessions, messages
"""
        ),
        Valid(
            _MODELS
            + """
@router.get("/kinds")
async def kinds(db: AsyncSession = Depends(get_session)):
    out = {}
    for kind in ("open", "closed"):
        out[kind] = await db.scalar(select(ChatSession).where(ChatSession.user_id == kind))
    for i in range(3):
        out[i] = await db.get(ChatSession, i)
    return out

@router.get("/recent")
def recent(rows: list[int], db: Session = Depends(get_db)):
    return [db.get(Message, row) for row in rows[:5]]
"""
        ),
        Valid(
            _MODELS
            + """
@router.post("/messages")
async def import_messages(items: list[dict], db: AsyncSession = Depends(get_session)):
    for item in items:
        db.add(Message(session_id=item["session"]))
        await db.refresh(item)
    await db.commit()

async def nightly_report(db: AsyncSession):
    for s in (await db.scalars(select(ChatSession))).all():
        await db.scalars(select(Message).where(Message.session_id == s.id))
"""
        ),
        Valid(
            _MODELS
            + """
from sqlalchemy import update

@router.post("/archive")
async def archive(ids: list[int], db: AsyncSession = Depends(get_session)):
    for session_id in ids:
        await db.execute(update(Message).where(Message.session_id == session_id).values(archived=True))
    for session_id in ids:
        total = await db.scalar(select(Message.id).limit(1))
    return total
"""
        ),
        # Reduced from a scheduler's grid view and a notes service: batches, and a write per item.
        Valid(
            _MODELS
            + """
from itertools import batched

def mark_read(db: Session, message_id: int) -> None:
    message = db.get(Message, message_id)
    message.read = True
    db.commit()

@router.get("/structure")
def structure(ids: list[int], db: Session = Depends(get_db)):
    for batch in batched(ids, 100):
        db.scalars(select(Message).where(Message.session_id.in_(batch))).all()
    for message_id in ids:
        mark_read(db, message_id)
"""
        ),
    )
    INVALID = (
        # Reduced from a chat service: the messages of each session, one query per session.
        Invalid(
            _MODELS
            + """
@router.get("/sessions")
async def list_sessions(user_id: int, db: AsyncSession = Depends(get_session)):
    sessions = (await db.scalars(select(ChatSession).where(ChatSession.user_id == user_id))).all()
    out = []
    for s in sessions:
        result = await db.execute(select(Message).where(Message.session_id == s.id))
        out.append({"id": s.id, "messages": result.scalars().all()})
    return out
""",
            expected=((29, 24, 29, 34),),
            message="`db.execute` runs a query for each item of `sessions` (N+1) in async route handler GET /sessions; "
            "load what the loop needs with one query before it (`.in_(ids)`, a join or `selectinload`)",
        ),
        Invalid(
            _MODELS
            + """
@router.get("/messages")
def messages_of(ids: list[int], db: Session = Depends(get_db)):
    found = [db.get(Message, message_id) for message_id in ids]
    for message in found:
        owner = db.query(ChatSession).filter(ChatSession.id == message.session_id).first()
        print(owner)
    return found
""",
            expected=((26, 14, 26, 20), (28, 17, 28, 89)),
            message="`db.get` runs a query for each item of `ids` (N+1) in route handler GET /messages",
        ),
        Invalid(
            """
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Message

router = APIRouter()

async def count_messages(db: AsyncSession, session_id: int) -> int:
    rows = await db.scalars(select(Message).where(Message.session_id == session_id))
    return len(rows.all())

@router.get("/counts")
async def counts(session_ids: list[int], db: AsyncSession = Depends(get_session)):
    return {sid: await count_messages(db, sid) for sid in session_ids}
""",
            expected=((17, 24, 17, 38),),
            message="`count_messages()` runs a query for each item of `session_ids` (N+1)",
        ),
    )


def _loop_parts(loop: ast.AST) -> tuple[ast.expr, list[ast.expr], list[ast.AST]]:
    """The iterable, the target(s) and what runs once per item."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return loop.iter, [loop.target], list(loop.body)
    assert isinstance(loop, _COMPREHENSIONS)
    first, *rest = loop.generators
    body: list[ast.AST] = [*first.ifs]
    for generator in rest:
        body.extend([generator.iter, *generator.ifs])
    body.extend([loop.key, loop.value] if isinstance(loop, ast.DictComp) else [loop.elt])
    return first.iter, [first.target, *(g.target for g in rest)], body


def _calls(body: list[ast.AST]) -> Iterator[ast.Call]:
    for node in body:
        if isinstance(node, ast.Call):
            yield node
        for child in walk_local(node):
            if isinstance(child, ast.Call):
                yield child


def _names_in(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def _dependent_names(targets: list[ast.expr], body: list[ast.AST]) -> set[str]:
    """The loop's names and the names the body computes from them (``sid = s.id``)."""
    names: set[str] = set()
    for target in targets:
        names |= _names_in(target)
    assignments = [
        (node.targets, node.value)
        for statement in body
        for node in (statement, *walk_local(statement))
        if isinstance(node, ast.Assign)
    ]
    for _ in range(3):
        before = len(names)
        for assigned, value in assignments:
            if _names_in(value) & names:
                for target in assigned:
                    if isinstance(target, (ast.Name, ast.Tuple, ast.List)):
                        names |= _names_in(target)
        if len(names) == before:
            break
    return names


def _mentions(call: ast.Call, names: set[str]) -> bool:
    arguments = [*call.args, *(k.value for k in call.keywords)]
    func = call.func
    while isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):  # ``query(M).filter(...).first()``
        arguments.extend([*func.value.args, *(k.value for k in func.value.keywords)])
        func = func.value.func
    return any(_names_in(argument) & names for argument in arguments)


def _bounded(ctx: ModuleContext, node: ast.expr, scope: Scope, depth: int = 0) -> bool:
    """A collection whose size is visible and small: a literal, ``range(3)``, ``rows[:5]``,
    a module-level constant, an enum class, or one of these through ``enumerate``/``sorted``."""
    if depth > 4:
        return False
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return not any(isinstance(element, ast.Starred) for element in node.elts)
    if isinstance(node, (ast.Dict, ast.Constant, ast.JoinedStr)):
        return True
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        upper, lower = node.slice.upper, node.slice.lower
        return _constant_int(upper) or (upper is None and _constant_int(lower) and _negative(lower))
    if isinstance(node, ast.Call):
        name = ctx.names.qualified_name(node.func)
        called = name or (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        if any(word in called.rpartition(".")[2].lower() for word in ("chunk", "batch")):
            return True  # ``chunks(ids, 100)``, ``itertools.batched``: one query per batch is the remedy
        if name == "builtins.range":
            return bool(node.args) and all(_constant_int(arg) for arg in node.args)
        if name in _PASS_THROUGH and node.args:
            return _bounded(ctx, node.args[0], scope, depth + 1)
        if name == "builtins.zip":
            return any(_bounded(ctx, arg, scope, depth + 1) for arg in node.args)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "keys", "values") and not node.args:
            return _bounded(ctx, node.func.value, scope, depth + 1)
        return False
    if isinstance(node, ast.Name):
        bindings = scope.bindings.get(node.id)
        if bindings:
            return all(b.kind == "value" and isinstance(b.node, ast.expr) and _bounded(ctx, b.node, scope, depth + 1) for b in bindings)
        return _constant_name(node.id) or isinstance(ctx.names.definitions.get(node.id), ast.ClassDef)
    if isinstance(node, ast.Attribute):  # ``settings.PROVIDERS``, ``models.Role``
        return _constant_name(node.attr) or node.attr[:1].isupper() and isinstance(node.value, ast.Name) and node.value.id[:1].islower()
    return False


def _constant_name(name: str) -> bool:
    """``PROVIDERS``: a module-level constant by convention (a class named ``Role`` is an enum)."""
    return name.isupper() or (name[:1].isupper() and not name.isupper() and "_" not in name)


def _constant_int(node: ast.expr | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int)


def _negative(node: ast.expr | None) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


def _querying_helper(ctx: ModuleContext, call: ast.Call, scope: Scope, owner: str | None) -> str | None:
    """The project function ``call`` calls, when it runs a query itself (one call deep)."""
    project = ctx.project
    if project is None:
        return None
    name = callee_name(call.func, scope, ctx.inference, owner)
    if name is None or ctx.knowledge.blocking_call(name):
        return None
    canonical = project.resolve(name)
    found = project.function(canonical) if canonical else None
    if found is None or not found[1].queries:
        return None
    return found[1].name


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ITER_TEXT else text[: _MAX_ITER_TEXT - 3] + "..."
