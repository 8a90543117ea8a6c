"""A hostile-input corpus, generated here (no checked-in binaries), beside a valid app whose
findings must all be reported; and a property test over generated valid modules.

The suite's run is quick; the long run is one command (README, Development):

    FASTLINT_FUZZ_EXAMPLES=2000 FASTLINT_BIG_MODULE_MB=20 python -m pytest tests/test_hostile_inputs.py
"""

from __future__ import annotations

import codecs
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastlint.testing import fix_source, lint_source

FUZZ_EXAMPLES = int(os.environ.get("FASTLINT_FUZZ_EXAMPLES", "25"))
BIG_MODULE_MB = float(os.environ.get("FASTLINT_BIG_MODULE_MB", "2.2"))

SLEEP = "import time\n\n\nasync def pause():\n    time.sleep(1)\n"  # FL102 at 5:5
VALID_APP = {
    "app/__init__.py": "",
    "app/rates.py": "import requests\n\n\ndef fetch_rates(base):\n    return requests.get(f'https://rates.example.com/{base}', timeout=5).json()\n",
    "app/main.py": textwrap.dedent("""\
        import time

        from fastapi import APIRouter

        from app.rates import fetch_rates

        router = APIRouter()


        @router.get("/rates")
        async def rates(base: str):
            time.sleep(1)
            return fetch_rates(base)
        """),
}
VALID_FINDINGS = {("app/main.py", 12, "FL102"), ("app/main.py", 13, "FL107")}


def hostile_corpus(root: Path) -> dict[str, set[tuple[int, str]]]:
    """Write the corpus; return the findings expected per file, as (line, code)."""
    rng = random.Random(13)
    expected: dict[str, set[tuple[int, str]]] = {}

    def put(name: str, data: bytes | str, findings: set[tuple[int, str]]) -> None:
        path = root / "hostile" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[f"hostile/{name}"] = findings

    put("syntax_error.py", "def broken(:\n    pass\n", {(1, "FL001")})
    put("python2.py", 'print "hello"\nexec "x = 1"\n', {(1, "FL001")})
    put("nul_bytes.py", b"x = 1\ny = '\0'\n", {(2, "FL001")})
    put("random_binary.py", rng.randbytes(4096).replace(b"\n", b"\x00") + b"\xff", {(1, "FL001")})
    put("not_utf8.py", b"x = 1\ny = '\xe9t\xe9'\n", {(2, "FL001")})
    put("latin1_cookie.py", ("# -*- coding: latin-1 -*-\n" + SLEEP.replace("time.sleep(1)", "d = 'été'; time.sleep(1)")).encode("latin-1"), {(6, "FL102")})
    put("bom_conflicting_cookie.py", codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n", {(1, "FL001")})
    put("utf16.py", "x = 1\n".encode("utf-16"), {(1, "FL001")})
    put("crlf.py", SLEEP.replace("\n", "\r\n"), {(5, "FL102")})
    put("cr_only.py", ("# coding comment later\n" + SLEEP + "# encoding: nonsense\n").replace("\n", "\r"), {(6, "FL102")})
    put("form_feeds.py", "\x0c" + SLEEP.replace("\n\n\n", "\n\x0c\n\n"), {(5, "FL102")})
    put("non_ascii_first.py", SLEEP.replace("time.sleep(1)", "é = 'ü'; time.sleep(1)"), {(5, "FL102")})
    put("parens_5000.py", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", {(1, "FL001")})
    put("terms_5000.py", "x = " + " + ".join(["1"] * 5000) + "\n", {(1, "FL001")})
    put("attributes_5000.py", "x = a" + ".b" * 5000 + "\n", {(1, "FL001")})
    put("one_line_2mb.py", "x = '" + "a" * 2_000_100 + "'\n", {(1, "FL001")})
    put("py312.py", "type Point = tuple[float, float]\n", {(1, "FL001")} if sys.version_info < (3, 12) else set())
    put("py314.py", 'name = "x"\ngreeting = t"hello {name}"\n', {(2, "FL001")} if sys.version_info < (3, 14) else set())
    for name in ("with space.py", "comma,name.py", "colon:name.py", "naïve_名前.py"):
        put(name, SLEEP, {(5, "FL102")})
    put("x.py/inside.py", SLEEP, {(5, "FL102")})  # a directory named x.py
    hostile = root / "hostile"
    (hostile / "loop_a").symlink_to("loop_b")
    (hostile / "loop_b").symlink_to("loop_a")
    (hostile / "dangling.py").symlink_to("missing_target.py")
    (hostile / "dir_loop").mkdir()
    (hostile / "dir_loop" / "again").symlink_to("..", target_is_directory=True)
    return expected


def test_the_hostile_corpus_is_reported_and_the_valid_app_in_full(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    for name, text in VALID_APP.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    expected = hostile_corpus(tmp_path)
    process = subprocess.run([sys.executable, "-m", "fastlint", "check", "--no-cache", "--output-format", "json", "."],
                             cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert process.returncode == 1, process.stderr
    assert "internal error" not in process.stderr and "Traceback" not in process.stderr
    found = {(item["filename"], item["location"]["row"], item["code"]) for item in json.loads(process.stdout)}
    relative = {(str(Path(name).resolve().relative_to(tmp_path.resolve())) if Path(name).is_absolute() else name, row, code) for name, row, code in found}
    assert VALID_FINDINGS <= relative
    for name, findings in expected.items():
        got = {(row, code) for path, row, code in relative if path == name}
        assert got == findings, name


def test_a_big_module_whose_only_finding_is_last_is_reported_when_the_limit_is_raised(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    size = int(BIG_MODULE_MB * 1_000_000)
    body = "values = [1, 2, 3]\n" * (size // 19)
    (tmp_path / "big.py").write_text(body + SLEEP, encoding="utf-8")
    last = body.count("\n") + 5
    argv = [sys.executable, "-m", "fastlint", "check", "--no-cache", "--output-format", "json", "big.py"]
    limited = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=3600)
    assert [(item["code"], item["location"]["row"]) for item in json.loads(limited.stdout)] == [("FL001", 1)]
    (tmp_path / "fastlint.toml").write_text(f"max-file-size = {size * 2}\n", encoding="utf-8")
    raised = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=3600)
    assert raised.returncode == 1, raised.stderr
    assert [(item["code"], item["location"]["row"]) for item in json.loads(raised.stdout)] == [("FL102", last)]


ROUTE = """\
import time

import requests
from fastapi import APIRouter

router = APIRouter()


@router.get("/generated")
async def generated(name_0=None, name_1=None, name_2=None, name_3=None, name_4=None, name_5=None):
    time.sleep(1)
    requests.get("https://example.com")
{body}
"""
ALL_CODES = ("FL101", "FL102", "FL103", "FL104", "FL105", "FL106", "FL107", "FL202", "FL203", "FL301", "FL302")


def generated_route(seed: int) -> str:
    from pysource_codegen import generate

    module = generate(seed, depth_limit=4, node_limit=300)
    return ROUTE.format(body=textwrap.indent(module, "    ") if module.strip() else "    pass")


@pytest.mark.parametrize("seed", range(FUZZ_EXAMPLES))
def test_generated_modules_in_async_routes_analyse_fix_and_converge(seed: int):
    code = generated_route(seed)
    try:
        compile(code, "generated.py", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return  # the generator's module is invalid inside a function (a `return` outside...): nothing to check
    lint_source(code, ALL_CODES)  # never raises
    import libcst

    try:
        libcst.parse_module(code)
    except libcst.ParserSyntaxError:
        return  # valid Python that libcst cannot read: the fixer declines to touch it (checked by fix_source)
    fixed = fix_source(code, ALL_CODES)
    compile(fixed, "fixed.py", "exec")  # every fixed module compiles
    assert fix_source(fixed, ALL_CODES) == fixed  # fixing converges
