"""The last answer of ``fastlint check``, printed again when nothing it rests on changed.

A run that the cache answers whole still starts the command line, loads the configuration,
replays the walk and stats every file: on prefect's 864 files most of its time went to
importing and building what cannot change its answer. So once such a run has answered, what
it printed is recorded beside the cache (``answer.json``) with everything it rested on: the
command line, the working directory, the terminal and the variables that choose colours,
fastlint's own code (``code_digest``), and the stat of every configuration file the search for
one could read, of every directory and ``.gitignore`` the walk rested on, of every path named
and of every file checked (with the presence of each project marker and ``.git`` asked about).
The next run of the same command compares them, one ``os.stat`` each (the comparison the walk
replay and the findings cache make, on the same stats), and prints the recorded answer with its
exit code; anything different, or anything unexpected in the file, runs the command in full,
which records the answer again when it can.

The file lives in the analysed tree, which fastlint does not trust: it is JSON, checked
field by field; it is read only from ``.fastlint_cache`` in the working directory (the project
root), never through a symbolic link; and all it can do is print text and choose an exit code
of 0, 1 or 2, as the findings file it stands for could already.
"""

from __future__ import annotations

import os
import sys

# Not typing.TYPE_CHECKING: importing typing costs every run, the replayed answer's too (type checkers know this name).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Mapping

CACHE_DIR = ".fastlint_cache"  # the default (``cache.CACHE_DIR``): a configured ``cache-dir`` records no answer
ANSWER = "answer.json"
_FORMAT = 1
_MAX_BYTES = 64 << 20
# The configuration files the search for one reads in each directory (the project root
# search looks for them too, and for ``.git``).
CONFIG_NAMES = ("fastlint.toml", "pyproject.toml")
# A stat this recent may not show a change made within the file system's timestamp
# granularity (as ``discovery._RACY_NS``): such an answer is not recorded.
_RACY_NS = 2_000_000_000
# The command line as the program was started (``fastlint.__main__``); None in a test
# that calls the command line in-process, which records nothing.
arguments: list[str] | None = None


def situation(argv: list[str]) -> list[object]:
    """Everything besides the files that a check's answer depends on: the command, where it
    runs, the code that runs it, and what decides colours and encodings."""
    from fastlint.run.code_version import code_digest

    streams = [(stream.isatty(), stream.encoding) if stream is not None else None for stream in (sys.stdout, sys.stderr)]
    return [_FORMAT, argv, os.getcwd(), list(sys.version_info[:3]), code_digest(), "NO_COLOR" in os.environ,
            os.environ.get("TERM"), [list(stream) if stream else None for stream in streams]]


def replay(argv: list[str]) -> int | None:
    """Print the recorded answer of ``argv`` and return its exit code, when everything it
    rests on is as recorded; else None (run the command)."""
    if not argv or argv[0] != "check" or "--no-cache" in argv or os.path.islink(CACHE_DIR):
        return None  # (a run without the cache reads none of it, this record included)
    try:
        recorded = _Recorded(_read(os.path.join(CACHE_DIR, ANSWER)))
        if recorded.situation != situation(argv) or not recorded.unchanged():
            return None
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    # In the order the command prints them: its warnings, then the report.
    try:
        sys.stderr.write(recorded.stderr)
        sys.stderr.flush()
        sys.stdout.write(recorded.stdout)
        sys.stdout.flush()
    except OSError as error:  # a closed pipe: reported as the command reports it
        sys.stdout = open(os.devnull, "w")  # nothing more to flush at exit
        sys.stderr.write(f"fastlint: error: internal error: {type(error).__name__}: {error} (set FASTLINT_DEBUG=1 for the traceback)\n")
        return 2
    return recorded.exit


def _read(path: str) -> object:
    import json

    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        import stat

        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_BYTES:
            raise ValueError("not an answer fastlint wrote")
        return json.loads(handle.read())


def _stat(path: str, follow: bool = True) -> tuple[int, int, int, int] | None:
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


class _Recorded:
    """An answer file's content, checked: ``ValueError`` or ``TypeError`` when it is not
    what ``Record.write`` writes."""

    def __init__(self, data: object) -> None:
        if type(data) is not list or len(data) != 5:
            raise ValueError("not an answer")
        self.situation, rested_on, stdout, stderr, exit_code = data
        if type(self.situation) is not list or type(stdout) is not str or type(stderr) is not str or type(exit_code) is not int or exit_code not in (0, 1, 2):
            raise ValueError("not an answer")
        self.stdout: str = stdout
        self.stderr: str = stderr
        self.exit: int = exit_code
        # Four columns, each [paths, values]: stats following symbolic links (four integers
        # per path; a size of -1: absent), the paths' own stats, existence, and lexical existence.
        if type(rested_on) is not list or len(rested_on) != 4 or not all(type(column) is list and len(column) == 2 and _strings(column[0]) for column in rested_on):
            raise ValueError("not an answer")
        self.stats, self.own_stats, self.exists, self.lexists = rested_on
        for (paths, numbers), width, kind in zip(rested_on, (4, 4, 1, 1), (int, int, bool, bool)):
            if type(numbers) is not list or len(numbers) != width * len(paths) or not {kind}.issuperset(map(type, numbers)):
                raise ValueError("not an answer")

    def unchanged(self) -> bool:
        for (paths, numbers), follow in ((self.stats, True), (self.own_stats, False)):
            values = iter(numbers)
            if any((_stat(path, follow) or _ABSENT) != expected for path, expected in zip(paths, zip(values, values, values, values))):
                return False
        return all(os.path.exists(path) == value for path, value in zip(*self.exists)) and all(os.path.lexists(path) == value for path, value in zip(*self.lexists))


_ABSENT = (-1, 0, 0, 0)


def _strings(values: object) -> bool:
    return type(values) is list and {str}.issuperset(map(type, values))


class Record:
    """What a run rested on, gathered as it goes: stats following symbolic links, the own
    stats of paths that may be links, and which paths exist (``os.path.exists``) or have an
    entry (``os.path.lexists``). A stat of None: absent."""

    def __init__(self) -> None:
        self.stats: dict[str, tuple[int, int, int, int] | None] = {}
        self.own_stats: dict[str, tuple[int, int, int, int] | None] = {}
        self.exists: dict[str, bool] = {}
        self.lexists: dict[str, bool] = {}

    def stat(self, path: str, follow: bool = True) -> None:
        """Stat ``path`` now: before the run reads it, so that a change during the run shows."""
        (self.stats if follow else self.own_stats)[path] = _stat(path, follow)

    def seen(self, stats: Mapping[str, tuple[int, int, int, int] | None]) -> None:
        """Stats (following links) that the run took itself: the walk's, the checked files'."""
        for path, stat in stats.items():  # a stat taken before the run stands: it is the older
            self.stats.setdefault(path, (stat[0], stat[1], stat[2], stat[3]) if stat is not None else None)

    def presence(self, path: str, value: bool, lexical: bool) -> None:
        (self.lexists if lexical else self.exists)[path] = value

    def write(self, argv: list[str], stdout: str, stderr: str, exit_code: int) -> None:
        """Record the answer of ``argv`` (see ``replay``) in the working directory's cache,
        unless a stat is too recent to vouch for its file; a failed write only costs the
        next run its shortcut."""
        import time

        trusted_before = time.time_ns() - _RACY_NS
        if any(stat is not None and max(stat[1], stat[2]) >= trusted_before for stat in [*self.stats.values(), *self.own_stats.values()]):
            return
        columns: list[object] = []
        for stats in (self.stats, self.own_stats):
            # The latest changed first: the replay stops at the first stat that differs, and a
            # file saved lately is the likeliest to be saved again (on LARGE, after an edit, it
            # stat'ed half the project before it came to the edited file).
            paths = sorted(stats, key=lambda path: (-_changed(stats[path]), path))
            columns.append([paths, [number for path in paths for number in (stats[path] or _ABSENT)]])
        for present in (self.exists, self.lexists):
            paths = sorted(present)
            columns.append([paths, [present[path] for path in paths]])
        _write([situation(argv), columns, stdout, stderr, exit_code])


def _changed(stat: tuple[int, int, int, int] | None) -> int:
    return max(stat[1], stat[2]) if stat is not None else 0


def _write(data: object) -> None:
    import json
    import tempfile

    if os.path.islink(CACHE_DIR) or not os.path.isdir(CACHE_DIR):
        return
    try:
        handle = tempfile.NamedTemporaryFile(dir=CACHE_DIR, prefix=".tmp-", suffix=".json", delete=False)
        try:
            with handle:
                handle.write(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
            os.replace(handle.name, os.path.join(CACHE_DIR, ANSWER))
        except BaseException:
            os.unlink(handle.name)
            raise
    except (OSError, UnicodeEncodeError):
        pass


def config_candidates(start: str) -> tuple[list[str], list[str]]:
    """The configuration files whose stat, and the project markers whose presence, can
    change the settings of a run started from the directory ``start``: each name in ``start``
    and every directory above it (more than the search reads: a superset only costs a replay)."""
    files: list[str] = []
    markers: list[str] = []
    directory = start
    while True:
        files.extend(os.path.join(directory, name) for name in CONFIG_NAMES)
        markers.append(os.path.join(directory, ".git"))
        parent = os.path.dirname(directory)
        if parent == directory:
            return files, markers
        directory = parent
