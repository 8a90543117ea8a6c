from __future__ import annotations

from fastlint import BlockingCallEntry, Invalid, Valid

from ._chains import ChainRule


class BlockingCallChainInAsync(ChainRule):
    """
    ## What it does
    Checks for calls from code that runs on the event loop to project functions that
    block: directly, or through further calls to project functions, in the same module
    or in another one. The finding is at the call in the event-loop code and shows the
    whole chain, down to the blocking call and the rule that knows it:
    `convert() -> fetch_rates() -> requests.get (FL101) blocks the event loop (async route handler GET /convert)`.
    A function that reaches the same blocking call (in the same project function)
    through several calls gets one finding, at the first of them; the message counts
    the others. `--statistics` and the text summary list the blocking calls behind the
    most findings: fixing one of them fixes them all.

    ## Why is this bad?
    A blocking call holds the event loop just as long when it hides one or two calls
    away, in a service module, a client wrapper or a password helper. No request of the
    worker makes progress until it returns. These are the blocking calls that reviews
    miss, because the handler itself looks asynchronous.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    def fetch_rates(base: str) -> dict:
        return requests.get(f"https://rates.example.com/{base}", timeout=5).json()


    def convert(amount: float, base: str, target: str) -> float:
        return amount * fetch_rates(base)[target]


    @app.get("/convert")
    async def convert_endpoint(amount: float, base: str, target: str):
        return {"result": convert(amount, base, target)}
    ```

    ## Use instead
    ```python
    import requests
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool

    app = FastAPI()


    def fetch_rates(base: str) -> dict:
        return requests.get(f"https://rates.example.com/{base}", timeout=5).json()


    def convert(amount: float, base: str, target: str) -> float:
        return amount * fetch_rates(base)[target]


    @app.get("/convert")
    async def convert_endpoint(amount: float, base: str, target: str):
        return {"result": await run_in_threadpool(convert, amount, base, target)}
    ```
    Or make the chain asynchronous end to end (`httpx.AsyncClient`), or declare the
    handler with `def` so that FastAPI runs it in the threadpool.

    Paths that run once per process are not followed: a function memoised with
    `functools.cache`/`lru_cache` (or `async_lru`, `cachetools`) that takes no argument, or
    that is called with constants and module-level values only, directly or through helpers
    that pass them on unchanged (`channel.js("adorn")` calling a memoised `load_js(name)`); the body of a lazy
    initialisation (`global _client; if _client is None: _client = ...`,
    `if KEY not in CACHE: CACHE[KEY] = ...` with a constant key, `cls._instance`, with or
    without a lock, also `if _loop is None or not _loop.is_alive():`; `if _translations: return` then filling that module-level dict); `if not self.running: self.running = True; ...` in a singleton class
    (its `__new__` returns `cls._instance` or `cls._instances[key]`). A cache keyed on request data (`get_secret(user_id)`, `CACHE[url]`),
    `cached_property` and `self._data` on a per-request object still run per request and
    are reported. Nor is code followed that only lifespan, startup and shutdown hooks,
    CLI commands or import-time code reach, in any module (`load_config()` awaited by the
    startup event): it runs once. What such code starts as a task or registers as a
    callback runs while the app serves, and is checked.

    ## Known problems
    The chain follows calls whose target is known from syntax and local inference:
    module-level functions, imported ones (also through re-exports), methods on `self`,
    on module-level instances and on objects built from project classes. It does not
    follow dynamic dispatch (a method of a subclass, a function picked from a dict) or
    calls through untyped parameters. `async def` helpers are not followed: their own
    blocking calls are reported inside them. Waits that end a thread's life (`join`,
    `shutdown`) and a `Future.result()` or `Event.wait()` after the helper started a
    thread (most often a handshake with a thread starting its own event loop) are not
    followed either: a helper that starts a thread and waits for all of its work is
    missed. When the whole project is indexed and serves something, async code that none
    of what it serves reaches (a library's public async API, or the client SDK, flow
    engine, workers and runners a framework ships in the same package as its server) is
    FL112's, a preview rule: on the ecosystem check 20 of the 22 findings in such code
    were reviewed false. The call graph misses code reached only through a service
    locator it cannot type or a dict of handlers; select FL112 to see it. A partial index (a pre-commit run on a few files, the editor's first
    answer) or a project that serves nothing cannot tell, and reports it here.
    Of argument values the chain knows one thing: work that runs only when a parameter
    that defaults to None is given (after `if p is None: raise` or `return`, or inside
    `if p:` / `if p is not None:`) is not followed from calls that leave it out (litellm's
    `get_instance_fn` loads remote code only with `config_file_path`). A capture behind
    a debug or dump switch is not followed either (`if not os.getenv("COPILOT_DUMP_DIR"): return`,
    `if settings.DEBUG:`): the switch is known by the words `debug` or `dump` in the name
    of its environment variable, setting or variable, or of a function without arguments
    that reads one (`frontier_dump_root()`). Other values are not tracked: work behind a
    feature flag or an environment variable with another name is followed, as production
    may turn it on. A helper that only opens a file for its caller (`return
    tempfile.NamedTemporaryFile(...)`) does not block by itself; the caller's writes to
    the file are reported where they happen (FL103).

    ## Fix safety
    The fix offloads the first call of the chain: `convert(amount)` becomes
    `await run_in_threadpool(convert, amount)` (Starlette's), keeping every argument, and
    adds `from starlette.concurrency import run_in_threadpool`. It is unsafe: the project
    function now runs in a worker thread while other requests run on the loop, so state it
    shares with them is used from two threads, and it takes one of the threadpool's slots.
    No fix is offered where an `await` cannot keep the meaning: inside a lambda, a nested
    function (its defaults and decorators too), a comprehension or generator expression, a
    `with` item, an f-string, or when `run_in_threadpool` is bound to something else.

    ## Options
    - `max-call-depth`: the longest chain followed, in project functions (default 2:
      `handler -> service() -> repository() -> blocking call`). Each function on a chain
      may add a condition the analysis does not see (a cache, a guard on a value the caller
      always sets, a lazily built client); on the ecosystem check, chains through one or
      two project functions were right in 210 of 245 reviewed findings, chains through
      three or more in 20 of 78. Raise it to see longer chains.
    - `extend-blocking-calls`: blocking calls added there end chains too.
    - `extend-offload-wrappers`: calls through these stop a chain, as
      `run_in_threadpool` and `asyncio.to_thread` do.

    A chain is reported only if the code of its final blocking call is enabled; a
    `noqa` for either code silences it. So a chain that ends in a file-system metadata
    call (`exists`, `mkdir`: FL108, a preview rule) is reported only when FL108 is
    selected; a helper that checks `exists()` and then reads is reported for its read.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Starlette: run_in_threadpool](https://www.starlette.io/threadpool/)
    """

    code = "FL107"
    name = "blocking-call-chain-in-async"
    fixable = True
    served = True

    VALID = (
        # Work that runs only with an optional argument no caller on the chain gives (reduced
        # from litellm's get_instance_fn: remote loading needs config_file_path).
        Valid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

def load(value: str, config_path: str | None = None):
    if value.startswith("s3://"):
        if config_path is None:
            raise ValueError("remote loading needs a config file")
        return requests.get(value, timeout=5)
    if config_path:
        requests.get(f"https://config.internal/{value}", timeout=5)
    return value

def build_route(target: str):
    return load(target)

@app.get("/proxy")
async def proxy(target: str):
    return build_route(target)
"""
        ),
        # A record read again only when its file changed (reduced from langflow's
        # ``migration_pause.is_paused``: one stat per request, the read only on a change).
        Valid(
            """
import json
from pathlib import Path
from fastapi import FastAPI

app = FastAPI()
_seen = None
_paused = False

def is_paused() -> bool:
    global _seen, _paused
    path = Path("/var/lib/app/migration.json")
    try:
        stat = path.stat()
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != _seen:
            record = json.loads(path.read_bytes())
            _seen, _paused = seen, bool(record.get("pause"))
    except FileNotFoundError:
        return False
    return _paused

@app.post("/flows")
async def create_flow(flow: dict):
    if is_paused():
        return {"paused": True}
    return flow
"""
        ),
        # The same through a constructor's ``**kwargs`` (reduced from litellm's
        # ``LiteLLM_JWTAuth``: ``custom_validate`` is loaded only when given, and remotely only
        # with the ``config_file_path`` that startup passes).
        Valid(
            """
from typing import Final

import requests
from fastapi import FastAPI

app = FastAPI()

def get_instance_fn(value: str, config_file_path: str | None = None):
    if value.startswith("s3://"):
        if config_file_path is None:
            raise ValueError("remote loading needs the config file")
        return requests.get(value, timeout=5)
    return value

class JWTAuth:
    def __init__(self, **kwargs):
        config_file_path: Final = kwargs.pop("config_file_path", None)
        custom_validate: Final = kwargs.get("custom_validate")
        if custom_validate is not None:
            self.custom_validate = get_instance_fn(custom_validate, config_file_path=config_file_path)
        self.fields = kwargs

@app.get("/sso/callback")
async def callback(team_field: str):
    return JWTAuth(team_ids_jwt_field=team_field).fields
"""
        ),
        # Debug captures that return at once unless their dump switch is on (reduced from
        # skyvern's ``write_packet`` and download-visibility dump), and a helper that only
        # creates a temporary file for its caller (skyvern's ``create_named_temporary_file``).
        Valid(
            """
import json
import os
import tempfile
import time
from pathlib import Path
from fastapi import FastAPI

app = FastAPI()
DOWNLOAD_VISIBILITY_DUMP_ENV = "APP_DOWNLOAD_VISIBILITY_DUMP"

def frontier_dump_root() -> Path | None:
    root = os.getenv("COPILOT_DUMP_FRONTIER_PROVENANCE")
    return Path(root).expanduser() if root else None

def write_packet(kind: str, payload: dict) -> None:
    root = frontier_dump_root()
    if root is None:
        return
    (root / f"{kind}-{time.time_ns()}.json").write_text(json.dumps(payload))

def dump_download_visibility_inputs(name: str, payload: dict) -> None:
    dump_dir = os.environ.get(DOWNLOAD_VISIBILITY_DUMP_ENV)
    if not dump_dir or os.environ.get("ENV") != "local":
        return
    with open(os.path.join(dump_dir, f"{name}.jsonl"), "a") as handle:
        handle.write(json.dumps(payload))

def create_named_temporary_file(delete: bool = True):
    return tempfile.NamedTemporaryFile(dir="/var/tmp/app", delete=delete)

@app.post("/plan")
async def plan(kind: str, payload: dict):
    write_packet(kind, payload)
    dump_download_visibility_inputs(kind, payload)
    archive = create_named_temporary_file()
    return {"archive": archive.name}
"""
        ),
        # Dual-mode helpers (reduced from prefect's ``drain_all``): with a loop running they
        # return an awaitable, and wait only in the branch that runs without one.
        Valid(
            """
import asyncio
import concurrent.futures
import time
from fastapi import FastAPI

app = FastAPI()

def drain_all(futures: list):
    if asyncio._get_running_loop() is not None:
        return asyncio.wait([asyncio.wrap_future(f) for f in futures])
    return concurrent.futures.wait(futures)

def pause(seconds: float):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        time.sleep(seconds)
        return None
    return asyncio.sleep(seconds)

@app.post("/drain")
async def drain(futures: list):
    await drain_all(futures)
    await pause(0.1)
"""
        ),
        # Awaited only at startup (reduced from litellm's ``ProxyConfig.load_config``, which
        # the proxy's startup event awaits to start ``ollama serve`` once).
        Valid(
            """
import subprocess
from fastapi import FastAPI

app = FastAPI()

def run_ollama_serve():
    with open("/var/log/ollama.log", "w") as log:
        subprocess.Popen(["ollama", "serve"], stdout=log)

class ProxyConfig:
    async def load_config(self, path: str):
        run_ollama_serve()

proxy_config = ProxyConfig()

@app.on_event("startup")
async def proxy_startup_event():
    await proxy_config.load_config("/etc/proxy.yaml")
"""
        ),
        # CLI commands run outside the served app (reduced from prefect's SDK generator).
        Valid(
            """
import typer
from pathlib import Path

app = typer.Typer()

def render_sdk(path: Path, text: str) -> None:
    path.write_text(text)

async def generate_sdk(path: Path):
    render_sdk(path, "# generated")

@app.command()
def generate(path: Path):
    import asyncio
    asyncio.run(generate_sdk(path))
"""
        ),
        # A module-level dict filled once, double-checked under a lock (reduced from langflow's i18n).
        Valid(
            """
import json
import threading
from pathlib import Path

_LOCALES = Path("/srv/app/locales")
_translations: dict = {}
_lock = threading.Lock()

def _load_translations() -> None:
    with _lock:
        if _translations:
            return
        for path in _LOCALES.glob("*.json"):
            _translations[path.stem] = json.loads(path.read_text())

def translate(key: str, locale: str) -> str:
    _load_translations()
    return _translations.get(locale, {}).get(key, key)

async def handler(key: str, locale: str):
    return translate(key, locale)
"""
        ),
        # A sync generator handed to StreamingResponse runs where Starlette iterates it:
        # in the threadpool (reduced from langflow's zip download).
        Valid(
            """
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()

def _chunks(path):
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(65536), b"")

@app.get("/download")
async def download(path: str):
    return StreamingResponse(_chunks(path), media_type="application/zip")
"""
        ),
        Valid(
            """
import httpx


class EphemeralServer:
    _instances: dict = {}

    def __new__(cls, port=None):
        if port not in cls._instances:
            cls._instances[port] = super().__new__(cls)
        return cls._instances[port]

    def start(self):
        if not self.running:
            self.running = True
            with httpx.Client() as client:
                client.get("http://127.0.0.1:4200/health")


def get_client():
    server = EphemeralServer()
    server.start()
    return server


async def handler():
    return get_client()
"""
        ),
        Valid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

def fetch(url):
    return requests.get(url, timeout=5)

@app.get("/sync")
def sync_handler():
    return fetch("https://example.com").json()
"""
        ),
        Valid(
            """
import asyncio
import requests

def fetch(url):
    return requests.get(url, timeout=5)

async def offloaded():
    return await asyncio.to_thread(fetch, "https://example.com")
"""
        ),
        Valid(
            """
import requests

async def fetch(url):
    return requests.get(url, timeout=5)

async def handler():
    return await fetch("https://example.com")
"""
        ),
        Valid(
            """
import requests

def fetch(url):
    return requests.get(url, timeout=5)

async def handler():
    return fetch("https://example.com")
""",
            options={"ignore": ("FL101",)},
        ),
        Valid(
            """
import requests

def first(url):
    return second(url)

def second(url):
    return requests.get(url, timeout=5)

async def handler():
    return first("https://example.com")
""",
            options={"max_call_depth": 1},
        ),
        Valid(
            """
def ping(n):
    return pong(n - 1) if n else 0

def pong(n):
    return ping(n)

async def handler():
    return ping(3)
"""
        ),
        Valid(
            """
import httpx
from pydantic import BaseModel

class Account(BaseModel):
    email: str

    async def notify(self, text: str) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            await client.post("https://mail.example.com/send", json={"to": self.email, "text": text})

async def find_account(account_id: int) -> Account | None:
    return None

async def reset_password(account_id: int):
    account = await find_account(account_id)
    if account is None:
        return
    await account.notify("reset")
"""
        ),
        # Once-only paths (``fastlint.analysis.once``): these chains run once per process.
        Valid(
            """
import functools
import os

@functools.lru_cache
def load_settings():
    with open(os.environ.get("APP_SETTINGS", "/etc/app/settings.json")) as f:
        return f.read()

async def handler():
    return load_settings()
"""
        ),
        Valid(
            """
from functools import lru_cache

import httpx

@lru_cache(maxsize=None)
def get_client(provider):
    with open(f"/etc/ssl/{provider}.pem") as f:
        return httpx.AsyncClient(verify=f.read())

DEFAULT_PROVIDER = "openai"

async def completion(prompt: str):
    return await get_client(DEFAULT_PROVIDER).post("/v1/completions", json={"prompt": prompt})
"""
        ),
        # Reduced from skyvern's CdpChannel.js("name") and litellm's session keys derived
        # from the proxy's master key: helpers that pass the constant on to a memoised function.
        Valid(
            """
import functools
import hashlib

from app.config import MASTER_KEY

@functools.lru_cache(maxsize=None)
def load_js_asset(file_name):
    with open(f"js/{file_name}.js", encoding="utf-8") as f:
        return f.read()

@functools.lru_cache(maxsize=8)
def session_key(master_key):
    return hashlib.scrypt(master_key.encode(), salt=b"session", n=2**15, r=8, p=1, maxmem=2**26)

class Channel:
    def js(self, file_name):
        return load_js_asset(file_name)

def signing_keys(master_key):
    return session_key(master_key)

async def install(channel: Channel, page):
    await page.add_init_script(channel.js("exfiltrate"))
    return signing_keys(MASTER_KEY)
"""
        ),
        Valid(
            """
import subprocess

_server = None

def get_server():
    global _server
    if _server is None:
        _server = subprocess.Popen(["uvicorn", "app:app", "--port", "4200"])
    return _server

async def handler():
    return get_server().pid
"""
        ),
        Valid(
            """
import ssl
import threading

import httpx

_contexts = {}
_lock = threading.Lock()

def ssl_context():
    if "default" not in _contexts:
        with _lock:
            if "default" not in _contexts:
                with open("/etc/ssl/ca.pem") as f:
                    _contexts["default"] = ssl.create_default_context(cadata=f.read())
    return _contexts["default"]

async def handler():
    async with httpx.AsyncClient(verify=ssl_context()) as client:
        return await client.get("https://example.com")
"""
        ),
        Valid(
            """
import subprocess

class Sidecar:
    _instance = None

    @classmethod
    def get(cls):
        if cls._instance is not None:
            return cls._instance
        cls._instance = subprocess.Popen(["sidecar"])
        return cls._instance

async def handler():
    return Sidecar.get().pid
"""
        ),
        Valid(
            """
from pathlib import Path

ROOT = Path("/var/lib/app")

def storage_root() -> Path:
    root = (ROOT / "storage").resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root

async def handler(name: str):
    return str(storage_root() / name)
"""
        ),
        Valid(
            """
import requests
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

app = FastAPI()

class GeoIP:
    @staticmethod
    def lookup(ip: str) -> dict:
        return requests.get(f"https://geo.example.com/{ip}", timeout=5).json()

@app.get("/whereami")
async def whereami(ip: str):
    return await run_in_threadpool(GeoIP.lookup, ip)
"""
        ),
        Valid(
            """
import requests
from starlette.concurrency import run_in_threadpool

class Mailer:
    def send(self, to: str) -> None:
        requests.post("https://mail.example.com/send", json={"to": to}, timeout=5)

class Accounts:
    @property
    def mailer(self) -> Mailer:
        return Mailer()

    async def reset(self, email: str) -> None:
        await run_in_threadpool(self.mailer.send, email)
"""
        ),
        # A loop thread started on first use (reduced from prefect's EventLoopThread): the
        # wait after `thread.start()` is the handshake with the thread coming up.
        Valid(
            """
import concurrent.futures
import threading

class LoopThread:
    def __init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._ready: concurrent.futures.Future[bool] = concurrent.futures.Future()
        self._loop = None

    def _run(self) -> None:
        self._ready.set_result(True)

    def start(self) -> None:
        if self._loop is None:
            self.thread.start()
            self._ready.result()

    def submit(self, job) -> None:
        if self._loop is None:
            self.start()

async def submit_in_loop_thread(job):
    LoopThread().submit(job)
"""
        ),
        # The constructor that reads a key file, offloaded.
        Valid(
            """
from starlette.concurrency import run_in_threadpool

class Tunnel:
    def __init__(self, host: str) -> None:
        self.host = host
        with open("/etc/tunnel/id_ed25519") as key:
            self.key = key.read()

async def connect(host: str):
    return await run_in_threadpool(Tunnel, host)
"""
        ),
        # A process-level poller started when missing, and again only when found dead.
        Valid(
            """
import threading
import requests

_poller = None

def _poll() -> None: ...

def poller() -> threading.Thread:
    global _poller
    if _poller is None or not _poller.is_alive():
        requests.get("https://config.example.com/ping", timeout=5)
        _poller = threading.Thread(target=_poll, daemon=True)
        _poller.start()
    return _poller

async def handler():
    return poller()
"""
        ),
        # A name set to ``None`` first is a placeholder: the method called on it is the
        # manager's, which only the lifespan runs (reduced from dstack's server config).
        Valid(
            """
import os
from contextlib import asynccontextmanager
from fastapi import FastAPI

class ConfigManager:
    def _save_config(self) -> None:
        with open("/etc/app/config.yml", "w") as f:
            f.write("projects: []")

    async def init_config(self) -> None:
        self._save_config()

@asynccontextmanager
async def lifespan(app: FastAPI):
    manager = None
    if os.environ.get("APP_CONFIG"):
        manager = ConfigManager()
    if manager is not None:
        await manager.init_config()
    yield

app = FastAPI(lifespan=lifespan)
"""
        ),
    )
    INVALID = (
        # Look-alikes: a helper that writes the temporary file it made (skyvern's
        # ``unzip_bytes_to_temp_directory``), and an export behind a setting that names no debug
        # switch: production may turn it on.
        Invalid(
            """
import os
import tempfile
from fastapi import FastAPI

app = FastAPI()

def create_named_temporary_file(delete: bool = True):
    return tempfile.NamedTemporaryFile(dir="/var/tmp/app", delete=delete)

def unzip_bytes_to_temp_directory(zip_bytes: bytes) -> str:
    with create_named_temporary_file(delete=False) as temp_zip_file:
        temp_zip_file.write(zip_bytes)
        return temp_zip_file.name

def export_usage(payload: str) -> None:
    export_dir = os.environ.get("USAGE_EXPORT_DIR")
    if not export_dir:
        return
    with open(os.path.join(export_dir, "usage.jsonl"), "a") as handle:
        handle.write(payload)

@app.post("/profiles")
async def retrieve_profile(data: bytes):
    export_usage("profile")
    return unzip_bytes_to_temp_directory(data)
""",
            expected=((25, 5, 25, 17), (26, 12, 26, 41)),
            message="blocks the event loop (async route handler POST /profiles)",
        ),
        # A one-entry cache keyed on request data is stale whenever the user changes.
        Invalid(
            """
import json
from fastapi import FastAPI

app = FastAPI()
_last_user = None
_profile = None

def profile_of(user_id: str) -> dict:
    global _last_user, _profile
    if user_id != _last_user:
        with open(f"/var/lib/app/profiles/{user_id}.json") as handle:
            _last_user, _profile = user_id, json.load(handle)
    return _profile

@app.get("/me")
async def me(user_id: str):
    return profile_of(user_id)
"""
            ,
            expected=((18, 12, 18, 22),),
            message="profile_of() -> builtins.open (FL103)",
        ),
        # The constructor given the keyword its work needs: the load runs.
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

def get_instance_fn(value: str):
    return requests.get(value, timeout=5)

class JWTAuth:
    def __init__(self, **kwargs):
        custom_validate = kwargs.get("custom_validate")
        if custom_validate is not None:
            self.custom_validate = get_instance_fn(custom_validate)

@app.get("/sso/callback")
async def callback(validator: str):
    return JWTAuth(custom_validate=validator)
"""
            ,
            expected=((18, 12, 18, 19),),
            message="JWTAuth() -> get_instance_fn() -> requests.get (FL101)",
        ),
        # The same helper given the optional argument: the guarded request runs.
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

def load(value: str, config_path: str | None = None):
    if value.startswith("s3://"):
        if config_path is None:
            raise ValueError("remote loading needs a config file")
        return requests.get(value, timeout=5)
    return value

def build_route(target: str):
    return load(target, config_path="/etc/app.yaml")

@app.get("/proxy")
async def proxy(target: str):
    return build_route(target)
""",
            expected=((19, 12, 19, 23),),
            message="build_route() -> load() -> requests.get (FL101) blocks the event loop",
        ),
        # Look-alikes: a thread started to wait for its results; a poller restarted on a
        # test that is not about it (every call may restart it).
        Invalid(
            """
import queue
import threading

def crunch(job) -> int:
    results: queue.Queue[int] = queue.Queue()
    threading.Thread(target=lambda: results.put(job * 2)).start()
    return results.get()

async def handler(job):
    return crunch(job)
""",
            expected=((11, 12, 11, 18),),
            message=(
                "crunch() -> queue.Queue.get (FL109) blocks the event loop (async function `handler`): "
                "call `crunch` through `run_in_threadpool`, or make the chain async"
            ),
        ),
        Invalid(
            """
import threading
import requests

_poller = None

def _poll() -> None: ...

def stale() -> bool:
    return True

def poller() -> threading.Thread:
    global _poller
    if _poller is None or stale():
        requests.get("https://config.example.com/ping", timeout=5)
        _poller = threading.Thread(target=_poll, daemon=True)
        _poller.start()
    return _poller

async def handler():
    return poller()
""",
            expected=((21, 12, 21, 18),),
        ),
        # A constructor that reads a key file (reduced from dstack's SSH tunnel): the chain
        # names the class as the call is written (a subclass here), not the `__init__` it runs.
        Invalid(
            """
class Tunnel:
    def __init__(self, host: str) -> None:
        self.host = host
        with open("/etc/tunnel/id_ed25519") as key:
            self.key = key.read()

class JumpTunnel(Tunnel):
    pass

async def connect(host: str):
    return JumpTunnel(host)
""",
            expected=((12, 12, 12, 22),),
            message=(
                "JumpTunnel() -> builtins.open (FL103) blocks the event loop (async function `connect`): "
                "call `JumpTunnel` through `run_in_threadpool`, or make the chain async"
            ),
        ),
        # A parser handed the upload's sync file: it reads as it iterates.
        Invalid(
            """
from typing import IO
from fastapi import FastAPI, UploadFile

app = FastAPI()

def count_rows(stream: IO[bytes]) -> int:
    return sum(1 for line in stream if line.strip())

@app.post("/imports")
async def import_rows(upload: UploadFile):
    return {"rows": count_rows(upload.file)}
""",
            expected=((12, 21, 12, 31),),
            message="count_rows() -> iterating a file object (FL103) blocks the event loop (async route handler POST /imports)",
        ),
        # A listener the lifespan starts as a task runs on the loop while the app serves
        # (reduced from lnbits' invoice listener).
        Invalid(
            """
import asyncio
from contextlib import asynccontextmanager
from fastapi import FastAPI

def persist_pending(payment: str) -> None:
    with open("/var/lib/app/pending.json", "a") as f:
        f.write(payment)

async def invoice_listener(queue: asyncio.Queue):
    while True:
        payment = await queue.get()
        persist_pending(payment)

@asynccontextmanager
async def lifespan(app: FastAPI):
    task = asyncio.create_task(invoice_listener(asyncio.Queue()))
    yield
    task.cancel()

app = FastAPI(lifespan=lifespan)
""",
            expected=((13, 9, 13, 24),),
            message="persist_pending() -> builtins.open (FL103) blocks the event loop (async function `invoice_listener`)",
        ),
        # A route that startup code registers runs per request (reduced from lnbits' wasm extensions).
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI()

def template_renderer(name: str) -> str:
    with open(f"/srv/templates/{name}") as f:
        return f.read()

def add_extension_route(app: FastAPI, ext_id: str) -> None:
    async def serve_extension_page():
        return template_renderer(ext_id)

    app.add_api_route(f"/{ext_id}/", serve_extension_page)

@app.on_event("startup")
async def register_extensions():
    add_extension_route(app, "tpos")
""",
            expected=((12, 16, 12, 33),),
            message="template_renderer() -> builtins.open (FL103) blocks the event loop (async route handler GET /{ext_id}/)",
        ),
        # A callback that startup code hands on runs later, per event (reduced from lnbits' wasm extensions).
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI()

def template_renderer(name: str) -> str:
    with open(f"/srv/templates/{name}") as f:
        return f.read()

def register(handlers: dict, ext_id: str) -> None:
    async def serve_private_page():
        return template_renderer(ext_id)

    handlers[ext_id] = serve_private_page

@app.on_event("startup")
async def register_extensions():
    register({}, "tpos")
""",
            expected=((12, 16, 12, 33),),
            message="template_renderer() -> builtins.open (FL103) blocks the event loop (async function `serve_private_page`)",
        ),
        Invalid(
            """
import json
from pathlib import Path

_LOCALES = Path("/srv/app/locales")
_translations: dict = {}

def _load_translations() -> None:
    for path in _LOCALES.glob("*.json"):
        _translations[path.stem] = json.loads(path.read_text())

def translate(key: str, locale: str) -> str:
    _load_translations()
    return _translations.get(locale, {}).get(key, key)

async def handler(key: str, locale: str):
    return translate(key, locale)
""",
            expected=((17, 12, 17, 21),),
            message="translate() -> _load_translations() -> pathlib.Path.glob (FL103) blocks the event loop (async function `handler`)",
        ),
        # The same generator iterated by the handler itself runs on the loop.
        Invalid(
            """
from fastapi import FastAPI

app = FastAPI()

def _chunks(path):
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(65536), b"")

@app.get("/size")
async def size(path: str):
    return sum(len(chunk) for chunk in _chunks(path))
""",
            expected=((12, 40, 12, 47),),
            message="_chunks() -> builtins.open (FL103)",
        ),
        Invalid(
            """
import httpx


class EphemeralServer:
    def __init__(self, port=None):
        self.port = port
        self.running = False

    def start(self):
        if not self.running:
            self.running = True
            with httpx.Client() as client:
                client.get("http://127.0.0.1:4200/health")


def get_client():
    server = EphemeralServer()
    server.start()
    return server


async def handler():
    return get_client()
""",
            expected=((24, 12, 24, 22),),
            message="get_client() -> EphemeralServer.start() -> httpx.Client.get (FL101) blocks the event loop (async function `handler`)",
        ),
        Invalid(
            """
import time

def backoff():
    time.sleep(1)

async def handler():
    backoff()
""",
            fixed="""
import time

from starlette.concurrency import run_in_threadpool

def backoff():
    time.sleep(1)

async def handler():
    await run_in_threadpool(backoff)
""",
            expected=((8, 5, 8, 12),),
            message="backoff() -> time.sleep (FL102) blocks the event loop (async function `handler`)",
        ),
        Invalid(
            """
def read_config(name):
    with open(f"/etc/app/{name}") as f:
        return f.read()

def secret(name):
    return read_config(name)

async def handler():
    token = secret("token")
    region = read_config("region")
    return token, region, secret("user")
""",
            expected=((10, 13, 10, 19),),
            message=(
                "secret() -> read_config() -> builtins.open (FL103) blocks the event loop (async function `handler`); "
                "2 other calls here reach it too"
            ),
        ),
        Invalid(
            """
import requests

class GeoClient:
    def __init__(self):
        self.session = requests.Session()

    def lookup(self, city):
        return self._get(f"/geo/{city}")

    def _get(self, path):
        return self.session.get(path, timeout=5)

geo = GeoClient()

async def locate(city: str):
    return geo.lookup(city)
""",
            fixed="""
import requests
from starlette.concurrency import run_in_threadpool

class GeoClient:
    def __init__(self):
        self.session = requests.Session()

    def lookup(self, city):
        return self._get(f"/geo/{city}")

    def _get(self, path):
        return self.session.get(path, timeout=5)

geo = GeoClient()

async def locate(city: str):
    return await run_in_threadpool(geo.lookup, city)
""",
            expected=((17, 12, 17, 22),),
            message="GeoClient.lookup() -> GeoClient._get() -> requests.Session.get (FL101)",
        ),
        Invalid(
            """
from functools import lru_cache

@lru_cache(maxsize=1024)
def get_secret(name):
    with open(f"/run/secrets/{name}") as f:
        return f.read()

async def handler(user_id: str):
    return get_secret(f"token-{user_id}")
""",
            expected=((10, 12, 10, 22),),
            message="get_secret() -> builtins.open (FL103)",
        ),
        Invalid(
            """
from functools import lru_cache

@lru_cache(maxsize=1024)
def load_template(name):
    with open(f"templates/{name}.html") as f:
        return f.read()

def render(name):
    return load_template(name)

async def page(name: str):
    return {"home": render("home"), "page": render(name)}
""",
            expected=((13, 45, 13, 51),),
            message="render() -> load_template() -> builtins.open (FL103)",
        ),
        Invalid(
            """
import requests

PAGES = {}

def fetch(url):
    if url not in PAGES:
        PAGES[url] = requests.get(url, timeout=5).text
    return PAGES[url]

async def proxy(url: str):
    return fetch(url)
""",
            expected=((12, 12, 12, 17),),
            message="fetch() -> requests.get (FL101)",
        ),
        Invalid(
            """
import json

class Profile:
    def __init__(self, user):
        self.user = user
        self._data = None

    def data(self):
        if self._data is None:
            with open(f"/data/{self.user}.json") as f:
                self._data = json.load(f)
        return self._data

async def handler(user: str):
    return Profile(user).data()
""",
            expected=((16, 12, 16, 30),),
            message="Profile.data() -> builtins.open (FL103)",
        ),
        Invalid(
            """
import subprocess

def ping(n):
    return pong(n - 1) if n else subprocess.run(["true"])

def pong(n):
    return ping(n)

async def handler():
    return pong(3)
""",
            expected=((11, 12, 11, 16),),
            message="pong() -> ping() -> subprocess.run (FL104)",
        ),
        Invalid(
            """
import mylib

def audit(event):
    mylib.write_audit(event)

async def handler():
    audit("login")
""",
            expected=((8, 5, 8, 10),),
            message="audit() -> mylib.write_audit (FL103)",
            options={"extend_blocking_calls": (BlockingCallEntry("mylib.write_audit", "FL103"),)},
        ),
        Invalid(
            """
import requests
from pydantic import BaseModel

class Account(BaseModel):
    email: str

    def notify(self, text: str) -> None:
        requests.post("https://mail.example.com/send", json={"to": self.email, "text": text}, timeout=5)

async def find_account(account_id: int) -> Account | None:
    return None

async def reset_password(account_id: int):
    account = await find_account(account_id)
    if account is None:
        return
    account.notify("reset")
""",
            expected=((18, 5, 18, 19),),
            message='Account.notify() -> requests.post (FL101)',
        ),
        Invalid(
            """
import json
from pathlib import Path

RECORD = Path("/var/lib/app/record.json")

def _read_record() -> dict:
    if not RECORD.exists():
        return {}
    return json.loads(RECORD.read_text())

async def handler():
    return _read_record()
""",
            expected=((13, 12, 13, 24),),
            message="_read_record() -> pathlib.Path.read_text (FL103)",
        ),
        Invalid(
            """
from pathlib import Path

ROOT = Path("/mnt/nfs/app")

def storage_root() -> Path:
    root = (ROOT / "storage").resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root

async def handler(name: str):
    return str(storage_root() / name)
""",
            expected=((12, 16, 12, 28),),
            message="storage_root() -> pathlib.Path.resolve (FL108)",
            options={"extend_select": ("FL108",)},
        ),
        Invalid(
            """
import requests
from fastapi import FastAPI

app = FastAPI()

class GeoIP:
    @staticmethod
    def lookup(ip: str) -> dict:
        return requests.get(f"https://geo.example.com/{ip}", timeout=5).json()

@app.get("/whereami")
async def whereami(ip: str):
    return GeoIP.lookup(ip)
""",
            expected=((14, 12, 14, 24),),
            message='GeoIP.lookup() -> requests.get (FL101)',
        ),
        # Reduced from a service object whose collaborator is a property.
        Invalid(
            """
import requests

class Mailer:
    def send(self, to: str) -> None:
        requests.post("https://mail.example.com/send", json={"to": to}, timeout=5)

class Accounts:
    @property
    def mailer(self):
        return Mailer()

    async def reset(self, email: str) -> None:
        self.mailer.send(email)
""",
            expected=((14, 9, 14, 25),),
            message="Mailer.send() -> requests.post (FL101)",
        ),
    )
