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


# -- the README's fix table, each rule's `## Fix safety` and the code agree -------------------


def _fix_table() -> dict[str, str]:
    import re
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- fix-table:start -->\n(.*?)<!-- fix-table:end -->", readme, re.S)
    assert block is not None
    rows = [line.split("|")[1:-1] for line in block.group(1).splitlines()[2:]]
    return {cells[0].strip(): cells[2].strip() for cells in rows}


def _safety_in_docs(rule: type) -> str:
    safety = rule.meta().fix_safety  # type: ignore[attr-defined]
    assert safety is not None, f"{rule.code}'s `## Fix safety` says neither safe, unsafe nor display-only"  # type: ignore[attr-defined]
    return safety


def test_the_fix_table_the_fix_safety_sections_and_the_code_agree():
    from fastlint.run.registry import all_rules

    table = _fix_table()
    fixable = {rule.code: rule for rule in all_rules() if rule.fixable}
    assert sorted(table) == sorted(fixable)
    for code, rule in fixable.items():
        assert _safety_in_docs(rule) == table[code], code
        # Every pinned fixed example's fixes carry the documented applicability.
        pinned = [example for example in rule.INVALID if example.fixed is not None]
        assert pinned, code
        for example in pinned:
            found = lint_source(example.source, [code], example.options)
            applicabilities = {finding.fix.applicability.value for finding in found if finding.fix}
            assert applicabilities == {table[code]}, code
            if table[code] == "display-only":
                assert fix_source(example.source, [code], example.options) == example.source, code  # never applied
                continue
            # After the fixes no finding with a fix remains, and fixing again changes nothing.
            fixed = fix_source(example.source, [code], example.options)
            assert not [f for f in lint_source(fixed, [code], example.options) if f.fix], code
            assert fix_source(fixed, [code], example.options) == fixed, code


# -- FL401/FL402: eager loading on the function's statement -----------------------------------

ORM = (
    "from sqlalchemy import ForeignKey, select\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship\n\n\n"
    "class Base(DeclarativeBase):\n    pass\n\n\n"
    "class Author(Base):\n    __tablename__ = 'authors'\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    books: Mapped[list['Book']] = relationship()\n\n\n"
    "class Book(Base):\n    __tablename__ = 'books'\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    author_id: Mapped[int] = mapped_column(ForeignKey('authors.id'))\n\n\n"
)


def test_eager_load_fix_imports_selectinload_into_the_existing_from_import():
    source = ORM + "def listed(session: Session):\n    return [a.books for a in session.scalars(select(Author))]\n"
    fixed = fix_source(source, ["FL401"])
    # Past 88 columns the extended import is wrapped one name per line (as isort/ruff do).
    assert "    relationship,\n    selectinload,\n)\n" in fixed and fixed.count("import") == 2
    assert "session.scalars(select(Author).options(selectinload(Author.books)))" in fixed
    assert lint_source(fixed, ["FL401"]) == [] and fix_source(fixed, ["FL401"]) == fixed


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "def two(session: Session, recent: bool):\n    stmt = select(Author)\n    if recent:\n        stmt = select(Author).where(Author.id > 3)\n"
            "    return [a.books for a in session.scalars(stmt)]\n",
            id="two-statements-for-the-entity",
        ),
        pytest.param(
            "from sqlalchemy.orm import defaultload\n\n\ndef nested(session: Session):\n"
            "    return [a.books for a in session.scalars(select(Author).options(defaultload(Author.books)))]\n",
            id="statement-with-options",
        ),
        pytest.param(
            "selectinload = None\n\n\ndef shadowed(session: Session):\n    return [a.books for a in session.scalars(select(Author))]\n",
            id="selectinload-bound-to-something-else",
        ),
    ],
)
def test_no_eager_load_fix(body: str):
    findings = lint_source(ORM + body, ["FL401"])
    assert findings and all(finding.fix is None for finding in findings)


# -- arguments added and removed as codemods: layout and comments --------------------------

APP = "from fastapi import FastAPI\n\napp = FastAPI(\n"


@pytest.mark.parametrize(
    ("codes", "source", "fixed"),
    [
        pytest.param(
            ["FL502"], APP + "    title='x',\n    debug=True,  # remove before release\n)\n", APP + "    title='x',\n)\n",
            id="removed-argument-takes-its-comment",
        ),
        pytest.param(
            ["FL502"], APP + "    title='x',  # the name\n    debug=True\n)\n", APP + "    title='x'  # the name\n)\n",
            id="last-without-trailing-comma",
        ),
        pytest.param(
            ["FL502"], APP + "    debug=True,  # for now\n    # the docs\n    docs_url=None,\n)\n", APP + "    # the docs\n    docs_url=None,\n)\n",
            id="comment-line-of-the-next-argument-stays",
        ),
        pytest.param(["FL502"], APP + "    debug=True,  # for now\n)\n", "from fastapi import FastAPI\n\napp = FastAPI()\n", id="only-argument"),
        pytest.param(
            ["FL501", "FL502"], APP + "    title='x',\n    debug=True,  # remove before release\n)\n", APP + "    title='x',\n    openapi_url=None,\n)\n",
            id="added-on-a-line-of-its-own",
        ),
        pytest.param(
            ["FL501"], APP + "    title='x'  # the name\n)\n", APP + "    title='x',  # the name\n    openapi_url=None\n)\n",
            id="added-after-a-commented-last-argument",
        ),
        pytest.param(
            ["FL501"], "from fastapi import FastAPI\n\napp = FastAPI(title='x', version='1',)\n",
            "from fastapi import FastAPI\n\napp = FastAPI(title='x', version='1', openapi_url=None,)\n",
            id="one-line-trailing-comma",
        ),
    ],
)
def test_argument_codemods(codes: list[str], source: str, fixed: str):
    assert fix_source(source, codes) == fixed
    assert fix_source(fixed, codes) == fixed


def test_a_multiline_rewrite_keeps_crlf_line_endings():
    source = HEAD + "async def h():\n    return requests.get(\n        'u',  # the ledger\n        timeout=5,\n    )\n"
    fixed = fix_source(source.replace("\n", "\r\n"), ["FL101"])
    assert "\n" not in fixed.replace("\r\n", "")
    assert "await run_in_threadpool(requests.get,\r\n        'u',  # the ledger\r\n" in fixed


# -- FL504: one lifespan, only when no other handler can exist on the app ---------------------

EVENTS = "from fastapi import APIRouter, FastAPI\n\napp = FastAPI()\n"
STARTUP = "\n\n@app.on_event('startup')\nasync def connect():\n    pass\n"


def test_lifespan_fix_of_a_lone_handler():
    fixed = fix_source(EVENTS + STARTUP, ["FL504"])
    assert fixed == (
        "from contextlib import asynccontextmanager\n\nfrom fastapi import APIRouter, FastAPI\n\n\n"
        "@asynccontextmanager\nasync def lifespan(app: FastAPI):\n    await connect()\n    yield\n\n\n"
        "app = FastAPI(lifespan=lifespan)\n\n\nasync def connect():\n    pass\n"
    )
    assert lint_source(fixed, ["FL504"]) == []


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(EVENTS + "app.add_event_handler('shutdown', print)\n" + STARTUP, id="add-event-handler"),
        pytest.param(EVENTS.replace("FastAPI()", "FastAPI(on_shutdown=[print])") + STARTUP, id="on-shutdown-argument"),
        pytest.param(EVENTS.replace("FastAPI()", "FastAPI(lifespan=None)") + STARTUP, id="lifespan-argument"),
        pytest.param(EVENTS.replace("FastAPI()", "FastAPI(**options)") + STARTUP, id="unpacked-options"),
        pytest.param("from app.api import router\n" + EVENTS + "app.include_router(router)\n" + STARTUP, id="imported-router"),
        pytest.param(
            EVENTS + "router = APIRouter()\napp.include_router(router)\n" + STARTUP + "\n\n@router.on_event('shutdown')\ndef bye():\n    pass\n",
            id="router-with-a-handler",
        ),
        pytest.param(EVENTS + "app.router.on_startup.append(print)\n" + STARTUP, id="app-router"),
        pytest.param(EVENTS + STARTUP.replace("async def", "@traced\nasync def", 1).replace("@app", "@traced\n@app"), id="decorator-above"),
        pytest.param(EVENTS + STARTUP.replace("connect():", "connect(app=app):"), id="parameters"),
        pytest.param(EVENTS + STARTUP + "\n\ndef lifespan():\n    pass\n", id="lifespan-name-taken"),
        pytest.param(
            "from fastapi import FastAPI\n\n\ndef create():\n    app = FastAPI()\n\n    @app.on_event('startup')\n    def go():\n        pass\n\n    return app\n",
            id="app-in-a-factory",
        ),
    ],
)
def test_no_lifespan_fix(source: str):
    findings = lint_source(source, ["FL504"])
    assert findings and all(finding.fix is None for finding in findings)


# -- FL103: anyio's file API, only where every use of the file can be awaited -----------------

FILES = "from pathlib import Path\n\n\nasync def handler(p, items):\n"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("    with open(p) as f:\n        return json.load(f)\n", id="file-passed-on"),
        pytest.param("    with open(p) as f:\n        for line in f:\n            print(line)\n", id="iterated"),
        pytest.param("    with open(p) as f:\n        data = f.read()\n    return f.name, data\n", id="used-after-the-block"),
        pytest.param("    with open(p) as f:\n        return [f.readline() for _ in items]\n", id="in-a-comprehension"),
        pytest.param("    with open(p) as f, open(p) as g:\n        return f.read(), g.read()\n", id="two-items"),
        pytest.param("    with open(p) as f:\n        return f.fileno()\n", id="no-async-method"),
    ],
)
def test_no_anyio_fix(body: str):
    findings = lint_source("import json\n" + FILES + body, ["FL103"])
    assert findings and all(finding.fix is None for finding in findings)


# -- display-only suggestions (FL201, FL202, FL302): shown, never applied ----------------------

CLIENT = (
    "import httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/w')\nasync def w(city: str):\n"
    "    async with httpx.AsyncClient() as client:  # per request\n        response = await client.get(city)\n    return response.json()\n"
)


def test_display_only_suggestion_is_shown_by_show_fixes_and_never_applied(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from fastlint.cli import main

    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(CLIENT)
    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(main, ["check", "app.py", "--no-cache", "--show-fixes", "--fix", "--unsafe-fixes"])
    assert (tmp_path / "app.py").read_text() == CLIENT  # --fix never applies it
    assert "app.py:9:16: FL201 Display-only fix (never applied: adapt it by hand): Use one HTTP client" in shown.output
    assert "    -    async with httpx.AsyncClient() as client:  # per request\n" in shown.output
    assert "    +    client = request.app.state.client  # created once in lifespan\n    +    response = await client.get(city)\n" in shown.output
    assert "[*]" not in shown.output and "hidden fix" not in shown.output  # not counted as a fix to apply
    plain = CliRunner().invoke(main, ["check", "app.py", "--no-cache"])
    assert "Fixes on offer" not in plain.output
    # reviewdog turns rdjson suggestions into one-click changes: none for a display-only fix.
    rdjson = json.loads(CliRunner().invoke(main, ["check", "app.py", "--no-cache", "--output-format", "rdjson"]).output)
    assert [diagnostic.get("suggestions") for diagnostic in rdjson["diagnostics"]] == [None]
    # ruff's JSON keeps it, with its applicability.
    report = json.loads(CliRunner().invoke(main, ["check", "app.py", "--no-cache", "--output-format", "json"]).output)
    assert report[0]["fix"]["applicability"] == "displayonly"  # ruff spells it so


def test_display_only_suggestion_is_no_quick_fix_in_the_editor():
    from lsprotocol import types

    from fastlint.fixing.policy import FixPolicy
    from fastlint.integrations.lsp import Lines, code_actions

    class Units:
        def client_num_units(self, text: str) -> int:
            return len(text.encode("utf-16-le")) // 2

    findings = lint_source(CLIENT, ["FL201"])
    assert findings[0].fix is not None
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=12, character=0))
    actions = code_actions("file:///app.py", findings, Lines(CLIENT, Units()), whole, FixPolicy(frozenset({"FL201"}), unsafe=True))
    assert [action.title for action in actions] == ["Disable FL201 for this line"]


@pytest.mark.parametrize(
    ("source", "before", "after"),
    [
        pytest.param(
            "import requests\nfrom tenacity import retry, stop_after_attempt\n\n\n@retry(stop=stop_after_attempt(3))\ndef pay(key):\n"
            "    requests.post('u', headers={'Idempotency-Key': str(uuid.uuid4())}, timeout=5)\n",
            "headers={'Idempotency-Key': str(uuid.uuid4())}",
            "headers={'Idempotency-Key': idempotency_key}",
            id="FL302-key-generated-per-attempt",
        ),
        pytest.param(
            "import requests\nfrom tenacity import retry, stop_after_attempt\n\n\n@retry(stop=stop_after_attempt(3))\ndef pay(key):\n"
            "    requests.post('u', headers={'Accept': 'json'}, timeout=5)\n",
            "headers={'Accept': 'json'}",
            "headers={\"Idempotency-Key\": idempotency_key, 'Accept': 'json'}",
            id="FL302-headers-extended",
        ),
    ],
)
def test_display_only_suggestions(source: str, before: str, after: str):
    from fastlint.fixing.fixer import apply_edits

    findings = [finding for finding in lint_source("import uuid\n" + source, ["FL302"]) if finding.fix]
    assert findings and {finding.fix.applicability.value for finding in findings} == {"display-only"}
    shown = apply_edits("import uuid\n" + source, [edit for finding in findings for edit in finding.fix.edits])
    assert before in source and after in shown
    assert fix_source("import uuid\n" + source, ["FL302"]) == "import uuid\n" + source


def test_other_blocking_file_calls_are_offloaded():
    source = "import json\n" + FILES + "    path = Path(p)\n    os.truncate(p, 0)\n    return path.read_text()\n"
    fixed = fix_source("import os\n" + source, ["FL103"])
    assert "    await run_in_threadpool(os.truncate, p, 0)\n    return await run_in_threadpool(path.read_text)\n" in fixed


def test_anyio_fix_beside_other_variables_of_the_same_name():
    source = (
        "import os\n\n\nasync def handler(paths, data):\n"
        "    names = [f for f in paths]\n"
        "    with open('a', 'wb') as f:\n        f.write(data)\n"
        "    with open('b') as f:\n        return names, f.read()\n"
    )
    fixed = fix_source(source, ["FL103"])
    assert "    names = [f for f in paths]\n" in fixed
    assert "    async with await anyio.open_file('a', 'wb') as f:\n        await f.write(data)\n" in fixed
    assert "    async with await anyio.open_file('b') as f:\n        return names, await f.read()\n" in fixed
