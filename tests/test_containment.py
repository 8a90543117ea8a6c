"""One hostile file never costs the run: too deep, too big, newer syntax are FL001 for that file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from projects import check_paths, write_files

SLEEPER = """
    import time

    async def pause():
        time.sleep(1)
    """
# A route with a fixable finding (FL102's fix adds an import through libcst).
FIXABLE = """
    import time

    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/")
    async def index():
        time.sleep(1)
        return {total}
    """


def found(root: Path, *names: str, **options: object) -> list[tuple[str, int, str]]:
    result = check_paths(root, names, cache=False, **options)
    return [(Path(f.path).name, f.start.line, f.code) for f in result.findings]


def messages(root: Path, *names: str, **options: object) -> list[str]:
    return [f.message for f in check_paths(root, names, cache=False, **options).findings if f.code == "FL001"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"app/__init__.py": "", "app/sleeper.py": SLEEPER})
    return tmp_path


def test_a_3000_term_expression_is_one_fl001_and_the_run_goes_on(root: Path):
    (root / "app/deep.py").write_text("x = " + " + ".join(["1"] * 3000) + "\n", encoding="utf-8")
    assert found(root, "app/deep.py", "app/sleeper.py") == [("deep.py", 1, "FL001"), ("sleeper.py", 4, "FL102")]
    assert "nests too deeply" in messages(root, "app/deep.py")[0]


def test_2000_nested_parentheses_never_crash_the_process(root: Path):
    """The FL001 for them used to be phrased by a libcst parse that segfaults."""
    (root / "app/parens.py").write_text("x = " + "(" * 2000 + "1" + ")" * 2000 + "\n", encoding="utf-8")
    process = subprocess.run([sys.executable, "-m", "fastlint", "check", "--no-cache", "app"], cwd=root, capture_output=True, text=True, timeout=120)
    assert process.returncode == 1, process.stderr
    assert "app/parens.py:1:" in process.stdout and "FL001" in process.stdout
    assert "app/sleeper.py:4:5: FL102" in process.stdout


def test_a_deep_expression_in_a_route_with_a_fixable_finding_is_contained(root: Path):
    write_files(root, {"app/routes.py": FIXABLE.replace("{total}", " + ".join(["1"] * 400))})
    result = check_paths(root, ["app/routes.py", "app/sleeper.py"], cache=False)
    codes = [(Path(f.path).name, f.code) for f in result.findings]
    assert ("sleeper.py", "FL102") in codes
    assert ("routes.py", "FL001") in codes or ("routes.py", "FL102") in codes


def test_recursion_in_a_rule_becomes_fl001_and_other_rules_still_report(root: Path, monkeypatch: pytest.MonkeyPatch):
    from fastlint.rules.blocking_sleep_in_async import BlockingSleepInAsync

    def overflow(self, ctx):  # type: ignore[no-untyped-def]
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(BlockingSleepInAsync, "check", overflow)
    write_files(root, {"app/both.py": "import time, requests\n\nasync def f():\n    time.sleep(1)\n    requests.get('u', timeout=1)\n"})
    assert found(root, "app/both.py") == [("both.py", 1, "FL001"), ("both.py", 5, "FL101")]
    assert "FL102's analysis exceeded Python's recursion limit" in messages(root, "app/both.py")[0]


def test_a_bug_in_a_rule_is_still_an_internal_error(root: Path, monkeypatch: pytest.MonkeyPatch):
    from fastlint.rules.blocking_sleep_in_async import BlockingSleepInAsync

    def bug(self, ctx):  # type: ignore[no-untyped-def]
        raise KeyError("a bug")

    monkeypatch.setattr(BlockingSleepInAsync, "check", bug)
    with pytest.raises(KeyError):
        found(root, "app/sleeper.py")


def test_a_file_above_max_file_size_is_reported_as_not_analysed(root: Path):
    from fastlint.settings import Settings

    assert Settings().max_file_size == 2_000_000
    big = "x = 1\n" * 30_000 + "import time\n\nasync def late():\n    time.sleep(1)\n"
    (root / "app/big.py").write_text(big, encoding="utf-8")
    small = {"max_file_size": 150_000}
    assert found(root, "app/big.py", "app/sleeper.py", **small) == [("big.py", 1, "FL001"), ("sleeper.py", 4, "FL102")]
    [message] = messages(root, "app/big.py", **small)
    assert message == ("Failed to analyse file: the file is 0.2 MB (180,049 bytes), above max-file-size = 150,000 bytes; "
                       "raise max-file-size in the configuration to analyse it")
    assert found(root, "app/big.py", max_file_size=300_000) == [("big.py", 30_004, "FL102")]
    assert found(root, "app/big.py", max_file_size=0) == [("big.py", 30_004, "FL102")]


def test_a_file_above_max_file_size_is_hashed_but_its_bytes_are_not_kept(root: Path):
    from fastlint.digests import digest, file_digest
    from fastlint.run.engine import ReadFile, read_files
    from fastlint.settings import Settings

    big = ("x = 1\n" * 30_000).encode()
    (root / "app/big.py").write_bytes(big)
    assert file_digest(str(root / "app/big.py"), block=4096) == (digest(big), 180_000)
    files = read_files([root / "app/big.py", root / "app/sleeper.py"], Settings(project_root=root, max_file_size=150_000))
    kept_out, small = files[str(root / "app/big.py")], files[str(root / "app/sleeper.py")]
    assert (kept_out.content, kept_out.size, kept_out.analysed(150_000)) == (digest(big), 180_000, None)
    assert small.analysed(150_000) == (root / "app/sleeper.py").read_bytes()
    # Asked for all the same (the text of a cached finding), the bytes are read again.
    assert kept_out.data == big and kept_out.analysed(0) == big and kept_out.analysed(180_000) == big
    # Under the limit at the stat a cache trusted, over it when read: not analysed either.
    unread = ReadFile(root / "app/big.py", "an older digest", "app.big", False, (100, 1, 1, 1))
    assert unread.analysed(150_000) is None and unread.content == digest(big)


def test_the_finding_of_a_file_above_max_file_size_is_cached_like_any_other(root: Path):
    (root / "app/big.py").write_text("x = 1\n" * 30_000, encoding="utf-8")
    for _ in range(2):
        result = check_paths(root, ["app/big.py", "app/sleeper.py"], cache=True, max_file_size=150_000)
        assert [(Path(f.path).name, f.start.line, f.code) for f in result.findings] == [("big.py", 1, "FL001"), ("sleeper.py", 4, "FL102")]


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("type Point = tuple[float, float]\n", "3.12"),
        ("def first[T](items: list[T]) -> T:\n    return items[0]\n", "3.12"),
        ("class Box[T]:\n    pass\n", "3.12"),
        ('name = "x"\nprint(f"{name + "!"}")\n', "3.12"),
        ('name = "x"\ngreeting = t"hello {name}"\n', "3.14"),
        ("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", "3.14"),
    ],
)
def test_newer_syntax_names_the_python_it_needs(root: Path, text: str, version: str):
    if sys.version_info >= tuple(int(part) for part in version.split(".")):
        pytest.skip(f"Python {version} parses it")  # pragma: no cover - these machines run 3.11
    (root / "app/new.py").write_text(text, encoding="utf-8")
    [message] = messages(root, "app/new.py")
    assert f"uses syntax of Python {version}" in message


def test_max_call_depth_must_not_be_negative(root: Path):
    from fastlint.run.config import ConfigError, load_settings

    (root / "fastlint.toml").write_text("max-call-depth = -5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fastlint.toml:1: 'max-call-depth' must be an integer of at least 0, got -5"):
        load_settings([root])


def test_one_summary_line_per_run_names_the_python_needed(root: Path, monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    from fastlint.cli import main

    write_files(root, {"app/a.py": "type A = int\n", "app/b.py": "class Box[T]:\n    pass\n"})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--no-cache", "app"])
    assert result.exit_code == 1
    assert result.stdout.count("uses syntax of Python 3.12") == 2
    assert result.stderr.count("syntax of Python 3.12 that Python 3.11 cannot parse") == 1
    assert "2 files use syntax of Python 3.12 that Python 3.11 cannot parse; run fastlint with Python 3.12 or later" in result.stderr


@pytest.mark.parametrize(("required", "warned"), [(">=3.12", True), (">=3.10,<4", False), ("~=3.13.0", True), (">=3.8", False)])
def test_a_project_requiring_a_newer_python_is_warned_up_front(root: Path, monkeypatch: pytest.MonkeyPatch, required: str, warned: bool):
    from click.testing import CliRunner

    from fastlint.cli import main

    (root / "pyproject.toml").write_text(f'[project]\nname = "x"\nrequires-python = "{required}"\n', encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "--no-cache", "app"])
    message = f"the project requires Python {required} but fastlint runs on Python 3.11"
    assert (result.stderr.count(message) == 1) is warned, result.stderr
    if warned:
        assert result.stderr.index(message) < result.stderr.index("\n") + 1 or result.stderr.startswith(f"fastlint: warning: {message}")
