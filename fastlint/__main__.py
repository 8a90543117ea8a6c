"""The ``fastlint`` command (and ``python -m fastlint``): the recorded answer of a check when
nothing it rests on changed (``run/answer.py``), without loading the command line; else the
command line."""

from __future__ import annotations

import os
import sys

# Not typing.TYPE_CHECKING: importing typing costs every run, the replayed answer's too (type checkers know this name).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NoReturn


def main() -> None:
    """The command line; ends with ``SystemExit`` (callers in this process may catch it)."""
    from fastlint.run import answer

    arguments = sys.argv[1:]
    code = answer.replay(arguments)
    if code is not None:
        sys.exit(code)
    answer.arguments = arguments  # the command line may record its answer for the next run
    from fastlint.cli import main as command

    command(prog_name="fastlint")


def run() -> NoReturn:
    """The program (the console script, ``python -m fastlint``): ``main``, then, after a
    ``check``, leave without the interpreter's teardown, which frees every object the run
    made one by one (the index, the rules, libcst's classes: 15 ms after a one-file check,
    0.1 s after a large project's). By then the check has written all it writes: the cache,
    the answer record and any ``--output-file`` are closed, its workers joined."""
    try:
        main()
        code: object = 0
    except SystemExit as leaving:
        code = leaving.code
    if sys.argv[1:2] == ["check"]:
        leave(code)
    sys.exit(code)  # type: ignore[arg-type]


def leave(code: object) -> NoReturn:
    """Exit with ``code`` at once once the standard streams are flushed; an ordinary exit
    when they cannot be (a closed pipe is reported as it always was), for a code other than
    an exit status, or while a thread or a child process that the interpreter would wait
    for (or stop) at exit is still there."""
    status = 0 if code is None else code
    if type(status) is int and 0 <= status <= 255 and not _waited_for():
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except (OSError, ValueError):
            pass
        else:
            os._exit(status)
    sys.exit(code)  # type: ignore[arg-type]


def _waited_for() -> bool:
    """Whether an ordinary exit would still wait for a thread or stop a child process."""
    threading = sys.modules.get("threading")
    if threading is not None and any(thread.is_alive() and not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
        return True
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is not None and bool(multiprocessing.active_children())


if __name__ == "__main__":  # not when a spawned worker imports the main module again
    run()
