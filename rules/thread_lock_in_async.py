import ast
from collections.abc import Iterator

from fastlint import Finding, Invalid, ModuleContext, Valid, walk_local
from fastlint.knowledge.blocking import THREAD_LOCKS

from ._blocking import BlockingCallRule

_ADVICE = "`asyncio.Lock`, or take the lock in a thread (`await asyncio.to_thread(...)`)"


class ThreadLockInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for thread locks taken in code that runs on the event loop: `acquire()` and
    `with lock:` on `threading.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore` and
    `Condition`.

    ## Why is this bad?
    While another thread holds the lock, the event loop waits for it and every request of
    the worker waits too. If the holder is itself waiting for the loop, the service
    deadlocks. Most such locks guard a few microseconds of work, so this rule is in preview:
    it reports the pattern, and the lock's holders decide whether it matters.

    ## Example
    ```python
    import threading

    cache_lock = threading.Lock()
    cache = {}


    async def remember(key, value):
        with cache_lock:
            cache[key] = value
    ```

    ## Use instead
    ```python
    import asyncio

    cache_lock = asyncio.Lock()
    cache = {}


    async def remember(key, value):
        async with cache_lock:
            cache[key] = value
    ```
    A lock shared with threads can be taken in a thread:
    `await asyncio.to_thread(update_cache, key, value)`.

    ## Known problems
    `acquire(blocking=False)` and `acquire(timeout=0)` do not wait and stay quiet. A lock
    that only coroutines of one loop take never waits, but fastlint cannot tell.

    ## References
    - [asyncio: Synchronization primitives](https://docs.python.org/3/library/asyncio-sync.html)
    """

    code = "FL110"
    name = "thread-lock-in-async"
    preview = True
    triggers = (b"threading",)

    VALID = (
        Valid(
            """
import asyncio
import threading

lock = asyncio.Lock()
thread_lock = threading.Lock()

async def remember(cache, key, value):
    async with lock:
        cache[key] = value
    if thread_lock.acquire(blocking=False):
        thread_lock.release()

def remember_sync(cache, key, value):
    with thread_lock:
        cache[key] = value
"""
        ),
    )
    INVALID = (
        Invalid(
            # Reduced from a rate limiter shared with a background thread.
            """
import threading
from fastapi import FastAPI

app = FastAPI()
tokens_lock = threading.Lock()
tokens = {"left": 10}

@app.get("/limited")
async def limited():
    with tokens_lock:
        tokens["left"] -= 1
    tokens_lock.acquire()
    tokens_lock.release()
    return tokens
""",
            expected=((11, 10, 11, 21), (13, 5, 13, 24)),
            message="`with tokens_lock` (`threading.Lock`) blocks the event loop in async route handler GET /limited",
        ),
    )

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        found = list(super().check(ctx))
        for function in ctx.async_functions:
            if not ctx.runs_on_loop(function):
                continue
            scope = ctx.inference.scope(function)
            for node in walk_local(function):
                if not isinstance(node, ast.With):
                    continue
                for item in node.items:
                    lock = ctx.inference.type_of(item.context_expr, scope)
                    if lock in THREAD_LOCKS:
                        message = (
                            f"`with {ctx.text_of(item.context_expr)}` (`{lock}`) blocks the event loop in {ctx.model.describe(function)} "
                            f"while another thread holds the lock; use {_ADVICE}"
                        )
                        found.append(ctx.finding(self.code, item.context_expr, message, fix_title="Use `asyncio.Lock`"))
        yield from sorted(found, key=lambda finding: (finding.start.line, finding.start.column))
