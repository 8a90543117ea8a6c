"""FL201-FL203 and FL301-FL303 on a realistic app, their knowledge tables and configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fixtures import check_app, markers

from fastlint.knowledge.tables import Knowledge
from fastlint.settings import Settings
from fastlint.testing import lint_source

APP = Path(__file__).parent / "fixtures" / "resilience_app"
CODES = ("FL201", "FL202", "FL203", "FL301", "FL302", "FL303")


def _source(relative: str) -> str:
    return (APP / relative).read_text(encoding="utf-8")


def _line_of(relative: str, text: str) -> int:
    lines = _source(relative).splitlines()
    found = [number for number, line in enumerate(lines, start=1) if text in line]
    assert len(found) == 1, f"{text!r} must occur once in {relative}"
    return found[0]


def test_the_app_reports_exactly_its_markers_for_every_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    expected = markers(APP)
    assert {code for *_, code in expected} == set(CODES)
    assert check_app(APP, tmp_path, monkeypatch) == expected


def test_the_correct_patterns_of_the_app_are_present_and_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    quiet = {
        ("app/main.py", _line_of("app/main.py", 'async with httpx.AsyncClient(base_url="https://pay.example.com")')),
        ("app/main.py", _line_of("app/main.py", 'app.state.s3 = boto3.client("s3")')),
        ("app/config.py", _line_of("app/config.py", "def get_settings() -> Settings:") + 1),
        ("app/clients.py", _line_of("app/clients.py", 'return timed_session.get("https://rates.example.com/latest")')),
        ("app/payments.py", _line_of("app/payments.py", 'json={"amount": amount}, headers={"Idempotency-Key": key})')),
        ("app/payments.py", _line_of("app/payments.py", 'response = await client.post(f"/refunds/{charge_id}")')),
        ("app/payments.py", _line_of("app/payments.py", "@stamina.retry(on=httpx.HTTPError)")),
    }
    reported = {(path, line) for path, line, _, _ in check_app(APP, tmp_path, monkeypatch)}
    assert not quiet & reported


def test_a_session_from_another_module_is_typed_through_the_project_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    line = _line_of("app/main.py", 'return session.get(f"https://users.example.com/{user_id}")')
    alone = lint_source(_source("app/main.py"), ["FL301"], path="app/main.py", root=tmp_path)
    assert line not in {finding.start.line for finding in alone}
    with_index = check_app(APP, tmp_path, monkeypatch)
    assert ("app/main.py", line, 12, "FL301") in with_index


def test_configured_idempotency_header_and_client_constructor_matter():
    line = _line_of("app/payments.py", 'headers={"X-Dedupe-Key": dedupe}')
    default = lint_source(_source("app/payments.py"), ["FL302"], path="app/payments.py")
    assert line in {finding.start.line for finding in default}
    configured = lint_source(
        _source("app/payments.py"), ["FL302"], {"extend_idempotency_key_headers": ("x-dedupe-key",)}, path="app/payments.py"
    )
    assert line not in {finding.start.line for finding in configured}
    sdk_line = _line_of("app/main.py", "sdk = GeoSDK(settings.geo_url)")
    assert sdk_line not in {f.start.line for f in lint_source(_source("app/main.py"), ["FL202"], path="app/main.py")}


def test_knowledge_merges_the_configuration():
    knowledge = Knowledge.from_settings(
        Settings(
            extend_client_constructors=("billing.sdk.Client",),
            extend_retry_decorators=("acme.retry",),
            extend_idempotency_key_headers=("X-Dedupe-Key",),
        )
    )
    assert knowledge.clients["billing.sdk.Client"].code == "FL202"
    assert knowledge.clients["httpx.AsyncClient"].code == "FL201"
    assert knowledge.retry_policies["acme.retry"].bounds == {}
    assert knowledge.retry_policies["tenacity.retry"].bounds == {"stop": False}
    assert knowledge.idempotency_headers == {"idempotency-key", "x-idempotency-key", "x-dedupe-key"}


def test_a_project_retry_decorator_is_not_called_unbounded():
    code = "from acme import retry_forever\n\n@retry_forever\ndef f():\n    pass\n"
    assert lint_source(code, ["FL303"], {"extend_retry_decorators": ("acme.retry_forever",)}) == []


def test_the_message_names_the_request_and_the_decorator():
    findings = lint_source(_source("app/payments.py"), ["FL302"], path="app/payments.py")
    assert findings[0].message.startswith(
        'POST to f"/charges/{order_id}" (`httpx.AsyncClient.post`) in async function `charge` retried by `tenacity.retry` '
        'without an `Idempotency-Key` header'
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("import socket, requests\nsocket.setdefaulttimeout(None)\ndef f():\n    requests.get('u')\n", [4], id="default-none-does-not-help"),
        pytest.param("import socket, requests\nsocket.setdefaulttimeout(3)\ndef f():\n    requests.get('u')\n", [], id="module-default-timeout"),
        pytest.param("import httpx\ndef f():\n    httpx.get('u', timeout=httpx.Timeout(None))\n", [3], id="httpx-timeout-none"),
        pytest.param("import httpx\ndef f():\n    httpx.get('u', timeout=httpx.Timeout(None, connect=5))\n", [], id="httpx-partly-bounded"),
        # Import-time code runs once; a client built there serves later requests.
        pytest.param("import requests\nrequests.get('u')\n", [], id="request-at-import"),
        pytest.param("import httpx\nclient = httpx.Client(timeout=None)\n", [2], id="client-built-at-import"),
        pytest.param(
            "import aiohttp\nasync def f(s: aiohttp.ClientSession):\n    await s.get('u', timeout=aiohttp.ClientTimeout())\n",
            [3],
            id="aiohttp-client-timeout-all-none",
        ),
        pytest.param(
            "import aiohttp\nasync def f(app):\n    app.state.http = aiohttp.ClientSession()\n", [3], id="aiohttp-session-escapes"
        ),
    ],
)
def test_timeouts(code: str, expected: list[int]):
    assert [finding.start.line for finding in lint_source(code, ["FL301"])] == expected


ROUTED = '''\
import httpx
import requests
from fastapi import APIRouter, FastAPI
from tenacity import AsyncRetrying, retry, stop_after_attempt

app = FastAPI()
router = APIRouter(prefix="/payments")


@app.get("/rates/{currency}")
def rates(currency: str):
    return requests.get("https://rates.example.com/" + currency).json()


@router.post("/charges")
async def charge(amount: int):
    async with httpx.AsyncClient(timeout=5) as client:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(3)):
            with attempt:
                return (await client.post("https://pay.example.com/charges", json={"amount": amount})).json()


@app.get("/status")
async def status():
    async for attempt in AsyncRetrying():
        with attempt:
            return {"ok": True}


@app.post("/webhooks")
@retry
async def webhook():
    async with httpx.AsyncClient(timeout=5) as client:
        await client.post("https://hooks.example.com", json={})


@retry(stop=stop_after_attempt(3))
def refresh_token():
    return requests.post("https://auth.example.com/token", timeout=5)
'''


def test_fl3xx_messages_name_the_function_and_the_route_as_fl1xx_messages_do():
    """Route handlers by method and full path (router prefix joined), other code by function."""
    found = [(f.code, f.start.line, f.message.split(":")[0]) for f in lint_source(ROUTED, ["FL301", "FL302", "FL303"], path="app.py")]
    assert found == [
        ("FL301", 12, "`requests.get` in route handler GET /rates/{currency} has no timeout and requests has no default"),
        ("FL302", 20, 'POST to "https'),
        ("FL303", 25, "`tenacity.AsyncRetrying` in async route handler GET /status with no `stop` retries forever"),
        ("FL303", 31, "`tenacity.retry` on async route handler POST /webhooks with no `stop` retries forever"),
        ("FL302", 34, 'POST to "https'),
        ("FL302", 39, 'POST to "https'),
    ]
    messages = {f.start.line: f.message for f in lint_source(ROUTED, ["FL302"], path="app.py")}
    assert '(`httpx.AsyncClient.post`) in async route handler POST /payments/charges retried by `tenacity.AsyncRetrying` without' in messages[20]
    assert '(`httpx.AsyncClient.post`) in async route handler POST /webhooks retried by `tenacity.retry` without' in messages[34]
    assert '(`requests.post`) in function `refresh_token` retried by `tenacity.retry` without' in messages[39]


def test_every_transport_retry_spells_retry():
    """FL302 looks for transport retries (``Retry(...)``, ``RetryClient(...)``) only in a module
    whose bytes hold ``Retry``: a name that does not would never be looked for."""
    from fastlint.knowledge.resilience import RETRY_CLIENTS, URLLIB3_RETRY

    assert all(name.rpartition(".")[2].startswith("Retry") for name in URLLIB3_RETRY | RETRY_CLIENTS)
