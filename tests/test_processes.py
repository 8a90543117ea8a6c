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
