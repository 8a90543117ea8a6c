"""Shutdown: pool workers never outlive the run; Ctrl-C exits 130 and says what it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MODULE = "import time\n\n\nasync def handler_{n}():\n    time.sleep(1)\n" + "".join(
    f"\n\ndef helper_{{n}}_{i}(values):\n    return [value * {i} for value in values if value]\n" for i in range(60)
)


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists() and "Z" not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:1] or ["Z"])}


@pytest.fixture
def busy_project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    for n in range(400):
        (tmp_path / f"module_{n}.py").write_text(MODULE.replace("{n}", str(n)), encoding="utf-8")
    return tmp_path


def start(root: Path) -> tuple[subprocess.Popen[str], set[int]]:
    process = subprocess.Popen([sys.executable, "-m", "fastlint", "check", "--no-cache", "."], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = children(process.pid)
        if len(workers) >= 2:
            time.sleep(0.3)
            return process, children(process.pid)
        time.sleep(0.05)
    process.kill()
    pytest.fail("the run never started its workers")


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2, reason="needs /proc and two cores")


def wait_gone(pids: set[int], seconds: float = 10) -> set[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(busy_project: Path, sig: signal.Signals):
    process, workers = start(busy_project)
    process.send_signal(sig)
    process.wait(timeout=30)
    assert wait_gone(workers) == set()


def test_ctrl_c_exits_130_and_says_what_was_interrupted(busy_project: Path):
    process, workers = start(busy_project)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "fastlint: interrupted while indexing" in stderr or "fastlint: interrupted while checking" in stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr
    assert wait_gone(workers) == set()


# fastlint run in a process that sends itself SIGINT from inside its first os.fork, as a
# Ctrl-C landing while the pool forks its workers does. At exit, the interpreter would then
# wait forever, as it waits on a pool's manager thread stuck on a worker terminated in the
# middle of a message.
INTERRUPT_AT_FORK = """
import os, runpy, signal, sys, threading, time
fired = []
def interrupt():
    if not fired:
        fired.append(True)
        os.kill(os.getpid(), signal.SIGINT)
os.register_at_fork(after_in_parent=interrupt)
threading._register_atexit(lambda: time.sleep(3600))
sys.argv = ["fastlint", *sys.argv[1:]]
runpy.run_module("fastlint", run_name="__main__")
"""


def test_ctrl_c_while_the_workers_are_forked_is_not_lost(busy_project: Path):
    """CPython swallows what a signal handler raises inside os.fork's at-fork hooks: the
    interrupt was lost and the run went on (or hung on logging's lock). It is held back
    until the workers are forked, then stops the run, which leaves without waiting on
    threads at exit."""
    process = subprocess.run([sys.executable, "-c", INTERRUPT_AT_FORK, "check", "--no-cache", "."], cwd=busy_project,
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 130, process.stderr
    assert process.stderr == "\nfastlint: interrupted while indexing (0 of 400 files done); nothing was reported\n"
    assert process.stdout == ""


def test_an_interrupt_held_back_is_delivered_when_the_block_ends():
    """The block masks SIGINT on the thread that forks the pool, the only thread of a
    ``fastlint check`` process then. The signal is sent to this thread: sent to the process,
    it goes to a thread that does not mask it, and pytest-xdist's workers have one."""
    import threading

    from fastlint.run.engine import _interrupts_deferred

    reached = False
    with pytest.raises(KeyboardInterrupt), _interrupts_deferred():
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        assert signal.SIGINT in signal.sigpending()  # held back, not lost
        reached = True  # not reached if it were delivered at once
    assert reached


ROUTES = """
import time

from fastapi import APIRouter

from app import helpers_{n}

router = APIRouter()


@router.get("/rates/{n}")
async def rates_{n}():
    return helpers_{n}.fetch_{n}("https://example.com/{n}")


@router.get("/wait/{n}")
async def wait_{n}():
    time.sleep(1)
"""
HELPERS = "import requests\n\n\ndef fetch_{n}(url):\n    return requests.get(url, timeout=5)\n"


def _write_app(root: Path, count: int) -> None:
    """Package ``app`` with ``count`` routers, each calling the blocking helper of a module of its own and sleeping."""
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    for n in range(count):
        (root / "app" / f"routes_{n}.py").write_text(ROUTES.replace("{n}", str(n)), encoding="utf-8")
        (root / "app" / f"helpers_{n}.py").write_text(HELPERS.replace("{n}", str(n)), encoding="utf-8")


def _plan_and_files(root: Path):  # type: ignore[no-untyped-def]
    """The default rules' plan for ``root`` without a cache, and the files of ``app``."""
    import dataclasses

    from fastlint.run.config import resolve_selection
    from fastlint.run.engine import CheckPlan
    from fastlint.run.registry import known_codes
    from fastlint.settings import Settings

    settings = dataclasses.replace(Settings(project_root=root), cache=False)
    return CheckPlan(settings, resolve_selection(settings, known_codes())[0]), sorted((root / "app").glob("*.py"))


def _log_parses(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each parse, in any process, appends the file's name to ``log``; and no worker takes
    another's last chunks when done early (it would parse them again)."""
    import fastlint.run.engine
    import fastlint.run.parsing

    original = fastlint.run.parsing.parse_module

    def logged(source):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as out:  # one short line per write: appends do not interleave
            out.write(f"{Path(source.path).name}\n")
        return original(source)

    monkeypatch.setattr(fastlint.run.parsing, "parse_module", logged)
    monkeypatch.setattr(fastlint.run.engine._Workers, "steal_from", 10**6)


def test_workers_check_each_file_on_the_tree_they_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Both passes run in the same workers: each file is parsed once, by the worker that
    checks it, and the findings are those of one process, or of workers that keep no tree."""

    import fastlint.run.engine
    from fastlint.run.engine import check_files

    _write_app(tmp_path, 40)
    log = tmp_path / "parsed.log"
    _log_parses(monkeypatch, log)
    plan, paths = _plan_and_files(tmp_path)

    def check(jobs: int) -> list[tuple[str, int, str]]:
        log.unlink(missing_ok=True)
        return [(Path(f.path).name, f.start.line, f.code) for f in check_files(paths, plan, jobs=jobs).findings]

    in_workers = check(2)
    assert sorted(log.read_text(encoding="utf-8").split()) == sorted(path.name for path in paths)
    assert ("routes_7.py", 13, "FL107") in in_workers and ("routes_7.py", 18, "FL102") in in_workers
    assert len(in_workers) == 80
    assert check(1) == in_workers
    monkeypatch.setattr(fastlint.run.engine, "_KEEP_ALL_UP_TO", 0)  # each file checked first,
    monkeypatch.setattr(fastlint.run.engine, "_TREE_BUDGET", 2_000)  # and not every tree that stopped fits
    assert check(2) == in_workers
    monkeypatch.setattr(fastlint.run.engine, "_TREE_BUDGET", 0)  # pass 2's workers forked with the index
    assert check(2) == in_workers


def test_test_code_is_parsed_by_the_workers_while_the_facts_are_computed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Pass 2 only parses test code (a broken file is reported, FL001): the workers of pass 1
    parse it while the run computes the project's facts, each file once, and the findings
    are those of one process."""

    import fastlint.run.engine
    from fastlint.run.engine import Ahead, check_files

    _write_app(tmp_path, 40)
    (tmp_path / "tests").mkdir()
    for n in range(6):
        (tmp_path / "tests" / f"test_routes_{n}.py").write_text(f"def test_rates_{n}():\n    assert True\n", encoding="utf-8")
    (tmp_path / "tests" / "test_broken.py").write_text("def broken(:\n", encoding="utf-8")
    log = tmp_path / "parsed.log"
    _log_parses(monkeypatch, log)
    taken: list[str] = []
    collect = Ahead.parsed

    def parsed(self: Ahead) -> dict[str, fastlint.run.engine.FileResult]:
        found = collect(self)
        taken.extend(Path(key).name for key in found)
        return found

    monkeypatch.setattr(Ahead, "parsed", parsed)
    plan, app = _plan_and_files(tmp_path)
    tests = sorted((tmp_path / "tests").glob("*.py"))

    def check(jobs: int) -> list[tuple[str, int, str]]:
        log.unlink(missing_ok=True)
        return [(Path(f.path).name, f.start.line, f.code) for f in check_files([*app, *tests], plan, jobs=jobs).findings]

    in_workers = check(2)
    assert sorted(taken) == sorted(path.name for path in tests)
    assert sorted(log.read_text(encoding="utf-8").split()) == sorted(path.name for path in [*app, *tests])
    assert ("test_broken.py", 1, "FL001") in in_workers and len(in_workers) == 81
    taken.clear()
    assert check(1) == in_workers and taken == []


def test_libcst_is_loaded_before_the_workers_only_for_a_run_that_builds_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Workers that keep no tree (a large project) inherit libcst from the parent when the
    run builds fixes' edits; a run that only counts them (text output) never needs it."""
    import dataclasses

    import fastlint.run.engine
    from fastlint.run.engine import check_files

    _write_app(tmp_path, 40)
    loads: list[None] = []
    monkeypatch.setattr(fastlint.run.engine, "_load_fix_library", lambda: loads.append(None))
    monkeypatch.setattr(fastlint.run.engine, "_TREE_BUDGET", 0)  # as in a project above _KEEP_UP_TO
    plan, paths = _plan_and_files(tmp_path)
    counted = check_files(paths, dataclasses.replace(plan, fix_edits=False), jobs=2).findings
    assert loads == [] and any(finding.fix is not None for finding in counted)
    built = check_files(paths, plan, jobs=2).findings
    assert loads == [None] and [(f.path, f.start, f.code) for f in built] == [(f.path, f.start, f.code) for f in counted]


def test_a_worker_of_pass_2_that_checked_large_files_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """What checking large files leaves in a worker goes with it: the next smaller file is
    checked by a fresh process, forked with the index, and the findings are the same. A
    worker goes on from one large file to the next (that tree takes the arenas the last one
    freed), and one that has only large files to check is never replaced."""

    import fastlint.run.engine
    from fastlint.run.engine import check_files

    _write_app(tmp_path, 30)

    def padded(n: int, pads: int) -> str:
        return ROUTES.replace("{n}", str(n)) + "".join(f"\n\ndef pad_{i}(values):\n    return sorted(values)[{i}]\n" for i in range(pads))

    large = padded(30, 4_500)  # enough bytes for a pool
    (tmp_path / "app" / "routes_30.py").write_text(large, encoding="utf-8")
    (tmp_path / "app" / "helpers_30.py").write_text(HELPERS.replace("{n}", "30"), encoding="utf-8")
    second = padded(29, 4_000)
    (tmp_path / "app" / "routes_29.py").write_text(second, encoding="utf-8")
    log = tmp_path / "checked.log"
    original = fastlint.run.engine._check_task

    def logged(checker, task):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {task[0].name}\n")
        return original(checker, task)

    monkeypatch.setattr(fastlint.run.engine, "_check_task", logged)
    monkeypatch.setattr(fastlint.run.engine, "_TREE_BUDGET", 0)  # pass 2's workers forked with the index
    trims = []
    give_back = fastlint.run.engine._give_back_freed
    monkeypatch.setattr(fastlint.run.engine, "_give_back_freed", lambda: trims.append(give_back()))
    plan, paths = _plan_and_files(tmp_path)

    def check(jobs: int, renew_after: int) -> tuple[list[tuple[str, int, str]], dict[str, set[str]]]:
        monkeypatch.setattr(fastlint.run.engine, "_RENEW_AFTER", renew_after)
        log.unlink(missing_ok=True)
        found = [(Path(f.path).name, f.start.line, f.code) for f in check_files(paths, plan, jobs=jobs).findings]
        by_process: dict[str, set[str]] = {}
        for line in log.read_text(encoding="utf-8").splitlines():
            pid, name = line.split()
            by_process.setdefault(pid, set()).add(name)
        return found, by_process

    alone, _ = check(1, 0)
    assert ("routes_7.py", 18, "FL102") in alone and ("routes_30.py", 18, "FL102") in alone
    assert ("routes_29.py", 18, "FL102") in alone
    assert trims == []
    renewed, by_process = check(2, len(large.encode()))
    assert renewed == alone
    assert trims == [None]  # the parent's free heap given back before pass 2's workers were forked
    assert {"routes_30.py"} in by_process.values()  # checked first (the largest), and its process then replaced
    # Both large files go to the first worker (the two chunks it is given at once), and
    # nothing smaller goes to that process.
    renewed, by_process = check(2, len(second.encode()))
    assert renewed == alone and {"routes_30.py", "routes_29.py"} in by_process.values()
    # Every chunk large: no worker is replaced, since none goes on to a smaller one.
    renewed, by_process = check(2, 1)
    assert renewed == alone and len(by_process) == 2
    kept, by_process = check(2, 10**9)
    assert kept == alone and len(by_process) == 2


def _nothing() -> None:
    """A worker's initializer."""


def _own_pid(chunk: int) -> int:
    return os.getpid()


def test_workers_stopped_together_are_gone_when_stop_returns():
    import contextlib
    import threading

    from fastlint.run.engine import _Workers

    with contextlib.ExitStack() as stack:
        workers = _Workers(2, stack)
        workers.start(_nothing, ())
        pids = {pid for _, _, pid in workers.run(_own_pid, [(0, 0), (1, 1)])}
        assert len(pids) == 2 and alive(pids) == pids
        workers.stop()
        assert alive(pids) == set() and not workers.started
        # Nor do the threads that managed them remain (the program leaves at once only without them).
        assert not [thread for thread in threading.enumerate() if type(thread).__name__ == "_ExecutorManagerThread" and thread.is_alive()]
