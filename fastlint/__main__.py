"""The ``fastlint`` command (and ``python -m fastlint``): the recorded answer of a check when
nothing it rests on changed (``run/answer.py``), without loading the command line; else the
command line."""

from __future__ import annotations

import sys


def main() -> None:
    from fastlint.run import answer

    arguments = sys.argv[1:]
    code = answer.replay(arguments)
    if code is not None:
        sys.exit(code)
    answer.arguments = arguments  # the command line may record its answer for the next run
    from fastlint.cli import main as command

    command(prog_name="fastlint")


if __name__ == "__main__":  # not when a spawned worker imports the main module again
    main()
