"""The typed settings object that ``[tool.fastlint]`` and the command line produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Where pytest users keep tests, and where projects keep code that is never served.
DEFAULT_TEST_PATHS = ("tests/", "test/", "test_*.py", "*_test.py", "conftest.py")
# ``cli/``: command-line commands (async typer/click commands run once per invocation, not per request).
DEFAULT_TOOLING_PATHS = ("scripts/", "examples/", "example_dags/", "benchmarks/", "loadtest/", "loadtests/", "cli/")


@dataclass(frozen=True)
class BlockingCallEntry:
    """A user-declared blocking call: ``qualified name -> rule code`` plus a suggestion."""

    name: str
    code: str
    use_instead: str | None = None


@dataclass
class Settings:
    """Everything a run needs to know, validated.

    ``project_root`` anchors relative paths, module names and the cache.
    ``config_path`` is the file the settings came from, if any.
    """

    project_root: Path = field(default_factory=Path.cwd)
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    extend_blocking_calls: tuple[BlockingCallEntry, ...] = ()
    extend_offload_wrappers: tuple[str, ...] = ()
    allow_blocking_calls: tuple[str, ...] = ()
    check_startup: bool = False
    # Test and tooling code is indexed (chains pass through it) but reported on only with
    # ``check-test-paths`` (FL001 always).
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    tooling_paths: tuple[str, ...] = DEFAULT_TOOLING_PATHS
    check_test_paths: bool = False
    # The service's API docs are public on purpose (FL501 stays quiet).
    public_docs: bool = False
    extend_client_constructors: tuple[str, ...] = ()
    extend_retry_decorators: tuple[str, ...] = ()
    extend_idempotency_key_headers: tuple[str, ...] = ()
    max_call_depth: int = 2
    # Files larger than this many bytes are reported as not analysed (FL001); 0: no limit.
    max_file_size: int = 2_000_000
    # The most connections the database accepts from this service (FL602): PostgreSQL's default.
    database_max_connections: int = 100
    # Which rules' fixes --fix may apply (None: every rule), and the timeout FL301's fix inserts.
    fixable: tuple[str, ...] | None = None
    unfixable: tuple[str, ...] = ()
    extend_fixable: tuple[str, ...] = ()
    # Codes or prefixes whose unsafe fixes count as safe, and whose safe fixes count as unsafe.
    extend_safe_fixes: tuple[str, ...] = ()
    extend_unsafe_fixes: tuple[str, ...] = ()
    default_timeout: int = 10
    cache: bool = True
    # Where findings link to the rules' pages (FLxxx.md under it); None: the repository's docs/rules.
    docs_base_url: str | None = None
    cache_dir: Path | None = None
