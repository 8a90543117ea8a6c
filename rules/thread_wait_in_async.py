from fastlint import Invalid, Valid

from ._blocking import BlockingCallRule


class ThreadWaitInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for waits on threads and processes in code that runs on the event loop:
    `concurrent.futures` futures (`executor.submit(...).result()`, `wait`,
    `as_completed`, `executor.map`, `shutdown()`), `queue.Queue.get`/`join` (and `put` on
    a bounded queue), `threading.Event.wait`, `Thread.join`, `Condition.wait`,
    `Barrier.wait`, and `multiprocessing` waits (`Pool.apply`/`map`, `AsyncResult.get`,
    `Process.join`, `Queue.get`).

    ## Why is this bad?
    The wait holds the event loop until another thread or process is done: no other
    request of the worker makes progress meanwhile. Handing work to a thread pool and then
    calling `.result()` on the loop gains nothing over doing the work on the loop, and when
    the thread itself needs the loop (to schedule a callback) the service deadlocks.

    ## Example
    ```python
    from concurrent.futures import ThreadPoolExecutor
    from fastapi import FastAPI

    app = FastAPI()
    pool = ThreadPoolExecutor(max_workers=4)


    @app.post("/render")
    async def render(doc_id: int):
        return pool.submit(render_pdf, doc_id).result()
    ```

    ## Use instead
    ```python
    import asyncio


    @app.post("/render")
    async def render(doc_id: int):
        return await asyncio.wrap_future(pool.submit(render_pdf, doc_id))
    ```
    Or `await loop.run_in_executor(pool, render_pdf, doc_id)`, `asyncio.Queue` and
    `asyncio.Event` between coroutines, `janus` between threads and the loop, or a sync
    `def` handler, which FastAPI runs in its threadpool.

    ## Known problems
    Calls that do not wait stay quiet: `get_nowait`, `get(block=False)`, `wait(timeout=0)`,
    `shutdown(wait=False)`, and `put` on a queue without a `maxsize` (only a queue bound to a
    local or module-level name built with a non-zero `maxsize` is known to be bounded).
    Receivers are typed by local inference. Thread locks are FL110 (preview).

    ## References
    - [asyncio: wrap_future](https://docs.python.org/3/library/asyncio-future.html#asyncio.wrap_future)
    - [asyncio: run_in_executor](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.run_in_executor)
    """

    code = "FL109"
    name = "thread-wait-in-async"

    VALID = (
        Valid(
            # Reduced from a document service: the future is awaited through asyncio.
            """
import asyncio
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from fastapi import FastAPI

app = FastAPI()
pool = ThreadPoolExecutor(max_workers=4)
jobs = queue.Queue()
ready = threading.Event()

def render_pdf(doc_id: int) -> bytes:
    return b""

@app.post("/render/{doc_id}")
async def render(doc_id: int):
    jobs.put(doc_id)
    latest = jobs.get_nowait()
    other = jobs.get(block=False)
    ready.wait(timeout=0)
    pdf = await asyncio.wrap_future(pool.submit(render_pdf, doc_id))
    more = await asyncio.get_running_loop().run_in_executor(pool, render_pdf, latest)
    return {"size": len(pdf) + len(more), "other": other}

@app.post("/render-sync/{doc_id}")
def render_sync(doc_id: int):
    return {"size": len(pool.submit(render_pdf, doc_id).result())}
"""
        ),
        Valid(
            """
import asyncio

async def consume(events: asyncio.Queue, done: asyncio.Event):
    item = await events.get()
    await done.wait()
    return item
"""
        ),
        # Annotated queues without a bound, and a bounded one written to without waiting.
        Valid(
            """
import queue

events: queue.Queue = queue.Queue()
chunks: queue.Queue = queue.Queue(maxsize=8)

async def relay(chunk: bytes):
    events.put("chunk")
    chunks.put_nowait(chunk)
    chunks.put(chunk, block=False)
"""
        ),
        # Subscripted annotations name the class: an asyncio queue is awaited, a thread
        # queue read without waiting.
        Valid(
            """
import asyncio
import queue
from typing import Optional

async def drain(inbox: asyncio.Queue[bytes], backlog: "queue.Queue[int]", spare: Optional[queue.Queue[str]]):
    item = await inbox.get()
    count = backlog.get_nowait()
    label = spare.get(block=False) if spare else ""
    return item, count, label
"""
        ),
    )
    INVALID = (
        Invalid(
            # Reduced from a document service: a thread pool waited on from the loop.
            """
from concurrent.futures import ThreadPoolExecutor
from fastapi import FastAPI

app = FastAPI()
pool = ThreadPoolExecutor(max_workers=4)

def render_pdf(doc_id: int) -> bytes:
    return b""

@app.post("/render/{doc_id}")
async def render(doc_id: int):
    return pool.submit(render_pdf, doc_id).result()
""",
            expected=((13, 12, 13, 50),),
            message=(
                "`concurrent.futures.Future.result` blocks the event loop in async route handler POST /render/{doc_id}; "
                "use `await asyncio.wrap_future(future)`"
            ),
        ),
        Invalid(
            # Reduced from a worker bridge: a bounded queue, an event and a thread.
            """
import queue
import threading
import multiprocessing

results = queue.Queue(maxsize=100)
stopped = threading.Event()

async def handle(job, worker: threading.Thread):
    results.put(job)
    answer = results.get(timeout=30)
    stopped.wait(5)
    worker.join()
    with multiprocessing.Pool(4) as processes:
        squares = processes.map(abs, [1, -2])
    return answer, squares
""",
            expected=((10, 5, 10, 16), (11, 14, 11, 25), (12, 5, 12, 17), (13, 5, 13, 16), (15, 19, 15, 32)),
            message="`results.put` (`queue.Queue.put`) blocks the event loop in async function `handle`",
        ),
        Invalid(
            # An annotated bounded queue (its unbounded look-alike stays quiet).
            """
import queue

chunks: queue.Queue = queue.Queue(maxsize=8)

async def relay(chunk: bytes):
    chunks.put(chunk)
""",
            expected=((7, 5, 7, 15),),
            message="`chunks.put` (`queue.Queue.put`) blocks the event loop in async function `relay`",
        ),
        Invalid(
            # The same thread queues, annotated with their item types (``Queue[bytes] | None``,
            # a string annotation, ``Union[..., None]``).
            """
import queue
from queue import Queue
from typing import Union

async def relay(inbox: Queue[bytes] | None, backlog: "queue.Queue[int]", spare: Union[Queue[str], None]):
    data = inbox.get()
    backlog.join()
    return data, spare.get(timeout=5)
""",
            expected=((7, 12, 7, 21), (8, 5, 8, 17), (9, 18, 9, 27)),
            message="`inbox.get` (`queue.Queue.get`) blocks the event loop in async function `relay`",
        ),
    )
