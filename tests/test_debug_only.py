"""Code behind a debug or dump switch (``fastlint.analysis.debug_only``): which statements
of a function run only while debugging."""

from __future__ import annotations

import ast
import textwrap

import pytest

from fastlint.analysis.debug_only import debug_only_nodes


def _debug_only_calls(source: str) -> list[str]:
    """The names of the calls that run only with a switch on, in source order."""
    function = ast.parse(textwrap.dedent(source)).body[0]
    found = debug_only_nodes(function)
    calls = [node for node in ast.walk(function) if isinstance(node, ast.Call) and id(node) in found]
    return [ast.unparse(call.func) for call in sorted(calls, key=lambda call: (call.lineno, call.col_offset))]


@pytest.mark.parametrize(
    "source",
    [
        # what follows an early return when the switch is off
        """
        def capture(payload):
            root = os.getenv("COPILOT_DUMP_MODEL_ATTEMPTS")
            if not root:
                return
            write(root, payload)
        """,
        """
        def capture(payload):
            dump_dir = os.environ.get(DOWNLOAD_VISIBILITY_DUMP_ENV)
            if not dump_dir or settings.ENV != "local":
                return
            write(dump_dir, payload)
        """,
        """
        def capture(payload):
            root = frontier_dump_root()
            if root is None:
                raise SystemExit
            write(root, payload)
        """,
        # the body of a test that needs the switch on
        """
        def capture(payload):
            if settings.DEBUG and payload:
                write("/tmp/trace", payload)
        """,
        """
        def capture(payload):
            if "APP_DEBUG" in os.environ:
                write("/tmp/trace", payload)
        """,
        """
        def capture(payload):
            if os.environ["APP_DEBUG"]:
                write("/tmp/trace", payload)
        """,
        """
        def capture(payload):
            if getenv("DEBUG_CAPTURE") is not None:
                write("/tmp/trace", payload)
        """,
        # the else branch of a test that holds with the switch off
        """
        def capture(payload):
            if not self.debug:
                pass
            else:
                write("/tmp/trace", payload)
        """,
    ],
)
def test_work_behind_a_debug_switch_is_debug_only(source):
    assert _debug_only_calls(source) == ["write"]


@pytest.mark.parametrize(
    "source",
    [
        # an environment variable that names no switch is configuration production may set
        """
        def export(payload):
            export_dir = os.environ.get("USAGE_EXPORT_DIR")
            if not export_dir:
                return
            write(export_dir, payload)
        """,
        # ``model_dump()`` is no switch, and an ``or`` does not need the switch on
        """
        def export(row, payload):
            if not row.model_dump():
                return
            if settings.DEBUG or payload:
                write("/tmp/trace", payload)
        """,
        # the switch on does not return: what follows runs either way
        """
        def export(payload):
            if os.getenv("APP_DEBUG"):
                log(payload)
            write("/tmp/trace", payload)
        """,
    ],
)
def test_work_behind_other_tests_is_checked(source):
    assert "write" not in _debug_only_calls(source)


def test_the_switch_read_itself_runs_always():
    source = """
    def capture(payload):
        if not os.getenv("APP_DUMP_DIR"):
            return
        write(payload)
    """
    assert _debug_only_calls(source) == ["write"]
