"""Fixes of the rules beyond their pinned examples: where each is offered, where not."""

from __future__ import annotations

import ast

import pytest

from fastlint.testing import fix_source, lint_source

HEAD = "import requests\n\n\n"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("    f = lambda: requests.get('u', timeout=5)\n", id="lambda"),
        pytest.param("    def inner(r=requests.get('u', timeout=5)):\n        pass\n", id="default-argument"),
        pytest.param("    @register(requests.get('u', timeout=5))\n    def inner():\n        pass\n", id="decorator"),
        pytest.param("    return [requests.get(u, timeout=5) for u in urls]\n", id="comprehension"),
        pytest.param("    return list(requests.get(u, timeout=5) for u in urls)\n", id="generator"),
        pytest.param("    with requests.get('u', timeout=5, stream=True) as r:\n        pass\n", id="with-item"),
        pytest.param("    return f\"{requests.get('u', timeout=5)}\"\n", id="f-string"),
        pytest.param("    requests.request('GET', 'u', timeout=5, func=1)\n", id="func-keyword"),
    ],
)
def test_no_offload_where_await_changes_the_meaning(body: str):
    source = HEAD + "async def handler(urls, register=None):\n" + body
    findings = lint_source(source, ["FL101"])
    assert all(finding.fix is None for finding in findings)
    assert findings or "lambda" in body


@pytest.mark.parametrize(
    ("source", "fixed"),
    [
        pytest.param(
            HEAD + "async def h():\n    return requests.get(\n        'u',  # the ledger\n        timeout=5,\n    ).json()\n",
            "import requests\nfrom starlette.concurrency import run_in_threadpool\n\n\n"
            "async def h():\n    return (await run_in_threadpool(requests.get,\n        'u',  # the ledger\n        timeout=5,\n    )).json()\n",
            id="multiline-comment-kept-parenthesised",
        ),
        pytest.param(
            "import requests\nfrom fastapi.concurrency import run_in_threadpool as offload\n\n\nasync def h():\n    x = requests.get('u', timeout=5)\n",
            "import requests\nfrom fastapi.concurrency import run_in_threadpool as offload\n\n\nasync def h():\n    x = await offload(requests.get, 'u', timeout=5)\n",
            id="existing-import-reused",
        ),
        pytest.param(
            "import requests\nfrom starlette.concurrency import iterate_in_threadpool\n\n\nasync def h():\n    requests.get('u', timeout=5)\n    iterate_in_threadpool\n",
            "import requests\nfrom starlette.concurrency import iterate_in_threadpool, run_in_threadpool\n\n\nasync def h():\n"
            "    await run_in_threadpool(requests.get, 'u', timeout=5)\n    iterate_in_threadpool\n",
            id="from-import-extended",
        ),
        pytest.param(
            HEAD + "async def h():\n    if requests.get('u', timeout=5).ok:\n        return [r for r in requests.get('v', timeout=5).json()]\n",
            "import requests\nfrom starlette.concurrency import run_in_threadpool\n\n\nasync def h():\n"
            "    if (await run_in_threadpool(requests.get, 'u', timeout=5)).ok:\n"
            "        return [r for r in (await run_in_threadpool(requests.get, 'v', timeout=5)).json()]\n",
            id="first-iterable-of-a-comprehension-runs-in-the-function",
        ),
    ],
)
def test_offload_fix(source: str, fixed: str):
    result = fix_source(source, ["FL101"])
    assert result == fixed
    ast.parse(result)
    assert fix_source(result, ["FL101"]) == result
