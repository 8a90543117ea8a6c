"""Smoke test of scripts/ecosystem.py on a package the test writes itself (no download)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from projects import write_files

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _ecosystem():
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location("ecosystem", SCRIPTS / "ecosystem.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ecosystem"] = module
    spec.loader.exec_module(module)
    return module


APP = """
    import time

    import requests
    from fastapi import FastAPI

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


    @app.get("/a")
    async def a() -> dict:
        {blocking}
        return requests.get("https://example.com", timeout=5).json()
"""


def test_ecosystem_run_report_and_compare(tmp_path: Path) -> None:
    eco = _ecosystem()
    root = tmp_path / "members" / "tiny-1.0"
    write_files(root, {"app.py": APP.replace("{blocking}", "time.sleep(1)"), "tests/test_app.py": "x = 1\n"})
    eco.bench_corpus.init_root(root, "tiny")
    meta = {"version": "1.0", "kind": "sdist", "subtree": "all"}
    before = {"fastlint": "test", "members": {"tiny": eco.run_member("tiny", root, meta)}}
    member = before["members"]["tiny"]
    assert member["crash"] is None
    assert (member["files"], member["lines"]) == (2, 13)
    assert [(f["code"], f["file"], f["line"]) for f in member["findings"]] == [
        ("FL102", "app.py", 11), ("FL101", "app.py", 12)
    ]

    sleep = ("tiny", "app.py", 11, "FL102")
    get = ("tiny", "app.py", 12, "FL101")
    reviews = {get: {"verdict": "true", "reason": "served"}, sleep: {"verdict": "debatable", "reason": "why"}}
    report = tmp_path / "ecosystem.md"
    report.write_text(eco.render_report(before, reviews), encoding="utf-8")
    text = report.read_text(encoding="utf-8")
    assert "| tiny | 1.0 | sdist | all | 2 | 13 |" in text
    assert "| tiny | 1 | 1 | 2 |" in text  # FL101, FL102, total
    assert "| FL101 | 1 | 1 | 0 | 0 | 100% |" in text
    assert "- FL102 `tiny/app.py:11`: why" in text

    (root / "app.py").write_text(
        (root / "app.py").read_text(encoding="utf-8").replace("time.sleep(1)", "open('x').read()"), encoding="utf-8"
    )
    after = {"fastlint": "test", "members": {"tiny": eco.run_member("tiny", root, meta)}}
    added, removed, changed = eco.compare(before, after)
    assert [(m, f["code"], f["line"]) for m, f in added] == [("tiny", "FL103", 11)]
    assert [(m, f["code"], f["line"]) for m, f in removed] == [("tiny", "FL102", 11)]
    assert changed == []
    printed = eco.format_compare(before, after, tmp_path)
    assert "ADDED FL103 in tiny: 1" in printed and "REMOVED FL102 in tiny: 1" in printed
    assert "open('x').read()" in printed  # the source line, read from the cache


def test_path_kind() -> None:
    eco = _ecosystem()
    assert eco.path_kind("chromadb/test/api/x.py") == "test"
    assert eco.path_kind("pkg/conftest.py") == "test"
    assert eco.path_kind("docs/src/app.py") == "tool"
    assert eco.path_kind("pkg/routers/testing.py") == "served"
    assert eco.path_kind("pkg/processor/tools/search.py") == "served"
