"""Timeouts, retries and idempotency keys of outbound calls (FL301-FL303).

Names are qualified names after ``canonical_name``; methods are ``Type.method`` with the
type that ``fastlint.knowledge.types`` infers for the receiver. Each entry records the
library's real default, because that default decides whether a missing argument is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A timeout over this many seconds holds a worker longer than any client waits for an answer.
MAX_DEFAULT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class TimeoutCall:
    """A call that accepts a timeout, and how a missing one is judged.

    ``policy``: ``required`` (no default: a missing or ``None`` timeout waits forever),
    ``explicit-none`` (a bounded default: only an explicit ``None`` is reported),
    ``session`` (the default applies to every request through the object: reported where
    it is constructed, unless every request made through it sets its own timeout).
    ``position`` is the index of the timeout among positional arguments, if it can be one.
    """

    name: str
    policy: str
    default: str
    position: int | None = None


def _family(policy: str, default: str, prefix: str, names: str, position: int | None = None) -> list[TimeoutCall]:
    return [TimeoutCall(f"{prefix}{name}", policy, default, position) for name in names.split()]


_VERBS = "get post put patch delete head options request"
_NO_DEFAULT = "no default timeout"

TIMEOUT_CALLS: dict[str, TimeoutCall] = {
    entry.name: entry
    for entry in [
        *_family("required", _NO_DEFAULT, "requests.", _VERBS),
        *_family("required", _NO_DEFAULT, "requests.Session.", _VERBS),
        *_family("required", _NO_DEFAULT, "urllib.request.", "urlopen", 2),
        *_family("required", _NO_DEFAULT, "urllib.request.OpenerDirector.", "open", 2),
        *_family("required", _NO_DEFAULT, "urllib3.", "request"),
        *_family("required", _NO_DEFAULT, "http.client.", "HTTPConnection", 2),
        *_family("required", _NO_DEFAULT, "socket.", "create_connection", 1),
        *_family("required", _NO_DEFAULT, "smtplib.", "SMTP", 3),
        *_family("required", _NO_DEFAULT, "smtplib.", "SMTP_SSL"),
        *_family("required", _NO_DEFAULT, "ftplib.", "FTP", 4),
        *_family("required", _NO_DEFAULT, "ftplib.", "FTP_TLS"),
        *_family("required", _NO_DEFAULT, "imaplib.", "IMAP4 IMAP4_SSL"),
        *_family("required", _NO_DEFAULT, "poplib.", "POP3 POP3_SSL"),
        *_family("explicit-none", "5 s", "httpx.", _VERBS + " stream Client AsyncClient"),
        *_family("explicit-none", "5 s", "httpx.Client.", _VERBS + " stream send"),
        *_family("explicit-none", "5 s", "httpx.AsyncClient.", _VERBS + " stream send"),
        *_family("explicit-none", "300 s total", "aiohttp.ClientSession.", _VERBS + " ws_connect"),
        *_family("session", "300 s total", "aiohttp.", "ClientSession"),
        *_family("session", _NO_DEFAULT, "urllib3.", "PoolManager ProxyManager HTTPConnectionPool"),
        *_family("explicit-none", _NO_DEFAULT, "urllib3.PoolManager.", "request urlopen request_encode_url request_encode_body"),
        *_family("explicit-none", _NO_DEFAULT, "urllib3.HTTPConnectionPool.", "request urlopen"),
    ]
}

# The requests a session-policy object sends, by the type inference gives it.
SESSION_REQUESTS: dict[str, frozenset[str]] = {
    "aiohttp.ClientSession": frozenset(_VERBS.split() + ["ws_connect"]),
    "urllib3.PoolManager": frozenset("request urlopen request_encode_url request_encode_body".split()),
    "urllib3.HTTPConnectionPool": frozenset("request urlopen".split()),
}

# Timeout objects that wait forever when every field is None: name -> its fields.
UNBOUNDED_TIMEOUT_OBJECTS: dict[str, tuple[str, ...]] = {
    "aiohttp.ClientTimeout": ("total", "connect", "sock_read", "sock_connect", "ceil_threshold"),
    "httpx.Timeout": ("timeout", "connect", "read", "write", "pool"),
}

# Library calls that set a process-wide socket timeout (socket-based clients then honour it).
DEFAULT_TIMEOUT_SETTERS = frozenset({"socket.setdefaulttimeout"})
SOCKET_BASED = ("requests.", "urllib.", "urllib3.", "http.client.", "socket.", "smtplib.", "ftplib.", "imaplib.", "poplib.")

# ``requests`` adapters: a subclass that sets a timeout in ``send`` covers the sessions that mount it.
HTTP_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})


@dataclass(frozen=True)
class RetryPolicy:
    """A retry decorator, loop or context, and what bounds it.

    ``bounds`` maps each bounding keyword to whether its default is already a bound; the
    retry is bounded when any bound is in effect. ``condition`` is where the exceptions
    that trigger a retry are given: a keyword, and for backoff a positional index.
    """

    name: str
    library: str
    bounds: dict[str, bool] = field(default_factory=dict)
    condition: str | None = None
    condition_position: int | None = None
    loop: bool = False  # ``for attempt in Retrying(...): with attempt: ...``


RETRY_POLICIES: dict[str, RetryPolicy] = {
    policy.name: policy
    for policy in [
        RetryPolicy("tenacity.retry", "tenacity", {"stop": False}, "retry"),
        RetryPolicy("tenacity.asyncio.retry", "tenacity", {"stop": False}, "retry"),
        RetryPolicy("tenacity.Retrying", "tenacity", {"stop": False}, "retry", loop=True),
        RetryPolicy("tenacity.AsyncRetrying", "tenacity", {"stop": False}, "retry", loop=True),
        RetryPolicy("backoff.on_exception", "backoff", {"max_tries": False, "max_time": False}, "exception", 1),
        RetryPolicy("backoff.on_predicate", "backoff", {"max_tries": False, "max_time": False}),
        RetryPolicy("stamina.retry", "stamina", {"attempts": True, "timeout": True}, "on"),
        RetryPolicy("stamina.retry_context", "stamina", {"attempts": True, "timeout": True}, "on", 0, loop=True),
    ]
}

# tenacity conditions that name the exceptions to retry on.
EXCEPTION_CONDITIONS = frozenset({"tenacity.retry_if_exception_type", "tenacity.retry.retry_if_exception_type"})

# Raised before a single byte of the request is sent: retrying them cannot repeat a side effect.
PRE_SEND_EXCEPTIONS = frozenset(
    {
        "httpx.ConnectError",
        "httpx.ConnectTimeout",
        "httpx.PoolTimeout",
        "requests.ConnectTimeout",
        "requests.exceptions.ConnectTimeout",
        "aiohttp.ClientConnectorError",
        "aiohttp.ClientConnectorDNSError",
        "urllib3.exceptions.NewConnectionError",
        "urllib3.exceptions.ConnectTimeoutError",
        "builtins.ConnectionRefusedError",
        "socket.gaierror",
    }
)

# Raised only by ``raise_for_status()``, after the server answered with an error status:
# a policy that retries only these never retries after a timeout.
STATUS_EXCEPTIONS = frozenset(
    {
        "requests.HTTPError",
        "requests.exceptions.HTTPError",
        "httpx.HTTPStatusError",
        "aiohttp.ClientResponseError",
    }
)

# Transport-level retry policies of HTTP clients, and the methods they retry.
URLLIB3_RETRY = frozenset({"urllib3.Retry", "urllib3.util.Retry", "urllib3.util.retry.Retry", "requests.adapters.Retry"})
URLLIB3_METHOD_KEYWORDS = ("allowed_methods", "method_whitelist")
RETRY_CLIENTS = frozenset({"aiohttp_retry.RetryClient"})
NON_IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})

IDEMPOTENCY_KEY_HEADERS = ("Idempotency-Key", "X-Idempotency-Key")
# Headers that name one delivery or event, so that the receiver can drop a repeat
# (``X-Webhook-Delivery-Id``, ``X-GitHub-Delivery``, ``X-Event-Id``): made
# outside the retried code, they are an idempotency key under another name.
IDEMPOTENCY_LIKE_HEADER = r"idempoten|delivery|event[-_]?id|message[-_]?id"

# Conditions that retry on the result (a status code): the server answered, so the
# request did not time out on its way.
RESULT_CONDITIONS = frozenset({"tenacity.retry_if_result", "tenacity.retry.retry_if_result"})

# Calls that make a fresh random key: inside the retried function, each attempt gets a new one.
KEY_GENERATORS = frozenset(
    {
        "uuid.uuid1",
        "uuid.uuid4",
        "uuid.uuid7",
        "uuid6.uuid7",
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "secrets.token_bytes",
        "os.urandom",
        "ulid.new",
        "ulid.ULID",
    }
)

# Clients whose ``post``/``patch``/``request`` send an HTTP request, by inferred type.
HTTP_SENDERS = frozenset(
    {
        "requests",
        "requests.Session",
        "httpx",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "aiohttp_retry.RetryClient",
        "urllib3",
        "urllib3.PoolManager",
        "urllib3.HTTPConnectionPool",
    }
)
