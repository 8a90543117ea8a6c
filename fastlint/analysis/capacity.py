"""The numbers that decide a service's capacity, as written in its code.

- ``threadpool``: ``anyio.to_thread.current_default_thread_limiter().total_tokens = N``
  (the threadpool FastAPI runs sync handlers and dependencies in; 40 when never set);
- ``workers``: ``uvicorn.run(..., workers=N)``, ``workers = N`` in a gunicorn
  configuration module, and the default of ``WEB_CONCURRENCY`` read from the environment;
- the connection pools of SQLAlchemy engines (``create_engine``/``create_async_engine``):
  ``pool_size`` (default 5) plus ``max_overflow`` (default 10), ``-1`` for no bound.

Only literal numbers count: a value read from settings at runtime is unknown.
"""

from __future__ import annotations

import ast
from ast import AST, Assign, Attribute, Call, Constant, JoinedStr, Module, Name, UnaryOp, USub
from dataclasses import dataclass

from fastlint.analysis.names import NameTable
from fastlint.analysis.syntax import keyword, nodes_of, string_value

DEFAULT_THREADPOOL = 40
DEFAULT_POOL_SIZE, DEFAULT_MAX_OVERFLOW, DEFAULT_POOL_TIMEOUT = 5, 10, 30
THREAD_LIMITER = "anyio.to_thread.current_default_thread_limiter"
SYNC_ENGINES = frozenset({"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"})
ASYNC_ENGINES = frozenset({"sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.ext.asyncio.create_async_engine"})
# Pools that never make a caller wait for a connection (or hold one per thread).
_UNQUEUED_POOLS = ("NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool")
_GETENV = frozenset({"os.getenv", "os.environ.get"})
# The last part of the callees ``capacity_facts`` reads (``canonical_name`` keeps it).
_CALL_METHODS = frozenset({"run", *(name.rpartition(".")[2] for name in _GETENV)})


def _integer(node: AST | None) -> int | None:
    if isinstance(node, Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, UnaryOp) and isinstance(node.op, USub):
        inner = _integer(node.operand)
        return -inner if inner is not None else None
    if isinstance(node, Constant) and isinstance(node.value, str) and node.value.strip().isdigit():
        return int(node.value)
    return None


def capacity_facts(tree: Module, names: NameTable) -> tuple[tuple[str, int], ...]:
    """``("threadpool", N)`` and ``("workers", N)`` facts of one module, in source order."""
    facts: list[tuple[str, int]] = []
    assigns = nodes_of(tree, Assign)
    # Only calls that may be ``uvicorn.run(..., workers=N)`` or ``os.getenv("WEB_CONCURRENCY", N)``
    # give facts (by the method's name: a plain name may be an import alias; and by the
    # arguments), and assignments only to ``total_tokens`` or ``workers``: both kinds are
    # listed together, in source order, only in a module that has both.
    calls = [
        call
        for call in nodes_of(tree, Call)
        if (type(call.func) is not Attribute or call.func.attr in _CALL_METHODS)
        and (len(call.args) == 2 or (call.keywords and _passes_workers(call)))
    ]
    limiters: set[str] = set()
    if any(_may_set_capacity(node) for node in assigns):
        limiters = {
            target.id
            for node in assigns
            if isinstance(node.value, Call) and names.qualified_name(node.value.func) == THREAD_LIMITER
            for target in node.targets
            if isinstance(target, Name)
        }
        nodes = nodes_of(tree, Assign, Call) if calls else assigns
    else:
        nodes = calls
    for node in nodes:
        if isinstance(node, Assign):
            value = _integer(node.value)
            for target in node.targets:
                if isinstance(target, Attribute) and target.attr == "total_tokens" and value is not None:
                    receiver = target.value
                    if (isinstance(receiver, Call) and names.qualified_name(receiver.func) == THREAD_LIMITER) or (
                        isinstance(receiver, Name) and receiver.id in limiters
                    ):
                        facts.append(("threadpool", value))
                if isinstance(target, Name) and target.id == "workers" and value is not None and "gunicorn" in names.module:
                    facts.append(("workers", value))
            continue
        callee = names.qualified_name(node.func)
        if callee == "uvicorn.run":
            workers = _integer(keyword(node, "workers"))
            if workers is not None:
                facts.append(("workers", workers))
        elif callee in _GETENV and len(node.args) == 2 and string_value(node.args[0]) == "WEB_CONCURRENCY":
            default = _integer(node.args[1])
            if default is not None:
                facts.append(("workers", default))
    return tuple(facts)


def _passes_workers(call: Call) -> bool:
    return any(item.arg == "workers" for item in call.keywords)


def _may_set_capacity(node: Assign) -> bool:
    return any(
        (isinstance(target, Attribute) and target.attr == "total_tokens") or (isinstance(target, Name) and target.id == "workers")
        for target in node.targets
    )


@dataclass(frozen=True)
class Pool:
    """A SQLAlchemy engine's queue pool: at most ``size + overflow`` connections."""

    call: Call
    is_async: bool
    size: int | None  # None: not a literal
    overflow: int | None  # -1: no bound
    timeout: float | None

    @property
    def unbounded(self) -> bool:
        return self.overflow == -1

    @property
    def capacity(self) -> int | None:
        if self.size is None or self.overflow is None or self.unbounded:
            return None
        return self.size + self.overflow

    def arithmetic(self) -> str:
        size = f"pool_size={self.size}" if keyword(self.call, "pool_size") is not None else f"pool_size={self.size} (default)"
        overflow = f"max_overflow={self.overflow}" if keyword(self.call, "max_overflow") is not None else f"max_overflow={self.overflow} (default)"
        return f"{size} + {overflow}"


def _url_text(node: AST | None) -> str:
    """The literal text of a URL, or of the constant parts of an f-string."""
    if isinstance(node, JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, Constant) and isinstance(part.value, str))
    return string_value(node) or ""


def engine_pools(tree: Module, names: NameTable) -> list[Pool]:
    """The queue pools of the engines this module creates."""
    pools = []
    for call in nodes_of(tree, Call):
        callee = names.qualified_name(call.func)
        if callee not in SYNC_ENGINES and callee not in ASYNC_ENGINES:
            continue
        poolclass = keyword(call, "poolclass")
        if poolclass is not None and (names.qualified_name(poolclass) or ast.unparse(poolclass)).endswith(_UNQUEUED_POOLS):
            continue
        size_node, overflow_node = keyword(call, "pool_size"), keyword(call, "max_overflow")
        url_node = call.args[0] if call.args else keyword(call, "url")
        url = _url_text(url_node)
        memory = ":memory:" in url or (isinstance(url_node, Constant) and url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:"))
        if url.startswith("sqlite") and memory and poolclass is None:
            continue  # an in-memory SQLite database gets a pool per thread
        timeout_node = keyword(call, "pool_timeout")
        timeout = timeout_node.value if isinstance(timeout_node, Constant) and isinstance(timeout_node.value, (int, float)) else None
        pools.append(
            Pool(
                call,
                callee in ASYNC_ENGINES,
                DEFAULT_POOL_SIZE if size_node is None else _integer(size_node),
                DEFAULT_MAX_OVERFLOW if overflow_node is None else _integer(overflow_node),
                DEFAULT_POOL_TIMEOUT if timeout_node is None else timeout,
            )
        )
    return pools
