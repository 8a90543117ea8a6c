"""The recorded answer of ``fastlint check`` (run/answer.py): printed again, without loading
the command line, only while everything it rests on is as recorded; never trusted blindly."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import fastlint.__main__
import fastlint.run.session
from fastlint.run import answer, discovery, engine

APP = """\
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def home():
    time.sleep(1)
    return {}
"""


class Command:
    """``fastlint`` as its console script runs it, in this process."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.monkeypatch, self.capsys = root, monkeypatch, capsys
        self.full_runs = 0
        load = fastlint.run.session.Session.load.__func__  # type: ignore[attr-defined]

        def counted(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.full_runs += 1
            return load(cls, *args, **kwargs)

        monkeypatch.setattr(fastlint.run.session.Session, "load", classmethod(counted))

    def __call__(self, *arguments: str) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of ``fastlint ARGUMENTS``."""
        self.monkeypatch.setattr(sys, "argv", ["fastlint", *arguments])
        self.monkeypatch.setattr(answer, "arguments", None)
        with pytest.raises(SystemExit) as exit_:
            fastlint.__main__.main()
        out, err = self.capsys.readouterr()
        return int(exit_.value.code or 0), out, err

    def replayed(self, *arguments: str) -> tuple[int, str, str]:
        """The run, which must be answered from the record."""
        before = self.full_runs
        result = self(*arguments)
        assert self.full_runs == before, "the command line ran"
        return result

    def ran(self, *arguments: str) -> tuple[int, str, str]:
        """The run, which must run the command line."""
        before = self.full_runs
        result = self(*arguments)
        assert self.full_runs == before + 1, "the recorded answer was printed"
        return result


@pytest.fixture
def command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Command:
    # Stats are trusted at once (the suite does not wait out the 2 seconds of racy stats); each
    # edit below changes a file's size, so that it shows within any timestamp granularity.
    for module in (answer, discovery, engine):
        monkeypatch.setattr(module, "_RACY_NS", 0)
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.99"\n\n[tool.fastlint]\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    return Command(tmp_path, monkeypatch, capsys)


def settle(command: Command, *arguments: str) -> tuple[int, str, str]:
    """Run until the answer is recorded (a cold run, then a warm one); the full output."""
    cold = command.ran(*arguments)
    assert command.ran(*arguments) == cold
    return cold


def test_the_recorded_answer_is_the_full_runs_output_and_exit_code(command: Command):
    code, out, err = settle(command, "check", ".")
    assert code == 1 and "FL102" in out and "requires Python >=3.99" in err
    assert command.replayed("check", ".") == (code, out, err)
    assert command.replayed("check", ".") == (code, out, err)


def test_each_command_line_has_its_own_answer(command: Command):
    settle(command, "check", ".")
    zero = command.ran("check", "--exit-zero", ".")  # a warm run: it records its own answer
    assert zero[0] == 0
    assert command.replayed("check", "--exit-zero", ".") == zero
    assert command.ran("check", ".")[0] == 1  # the record holds the last command's answer only


def edit_source(root: Path) -> None:
    (root / "app" / "main.py").write_text(APP.replace("time.sleep(1)", "await asyncio.sleep(1)").replace("import time", "import asyncio"))


def add_module(root: Path) -> None:
    (root / "app" / "other.py").write_text("import requests\n\nasync def fetch():\n    return requests.get('https://example.com')\n")


def ignore_module(root: Path) -> None:
    (root / ".gitignore").write_text("app/main.py\n")


def configure(root: Path) -> None:
    with (root / "pyproject.toml").open("a") as config:
        config.write('ignore = ["FL102"]\n')


def configure_above(root: Path) -> None:
    (root / "app" / "fastlint.toml").write_text('ignore = ["FL102"]\n')


@pytest.mark.parametrize("change", [edit_source, add_module, ignore_module, configure], ids=lambda change: change.__name__)
def test_a_change_the_answer_rests_on_runs_the_command_again(command: Command, change):  # type: ignore[no-untyped-def]
    before = settle(command, "check", ".")
    command.replayed("check", ".")
    change(command.root)
    after = command.ran("check", ".")
    assert after != before
    assert command.ran("check", ".", "--no-cache") == after  # the answer a run without any cache gives


def test_the_record_lists_the_latest_changed_paths_first(command: Command):
    """The replay stops at the first stat that differs: the file saved last, the likeliest
    to be saved again, is compared first."""
    record = answer.Record()
    record.seen({"/p/a.py": (1, 10, 30, 1), "/p/b.py": (1, 40, 20, 2), "/p/c.py": None, "/p/d.py": (1, 10, 10, 3)})
    (command.root / ".fastlint_cache").mkdir()
    record.write(["check", "."], "", "", 0)
    paths, numbers = json.loads((command.root / ".fastlint_cache" / "answer.json").read_text())[1][0]
    assert paths == ["/p/b.py", "/p/a.py", "/p/d.py", "/p/c.py"] and numbers[:4] == [1, 40, 20, 2]


def test_a_configuration_file_nearer_the_checked_path_runs_the_command_again(command: Command):
    before = settle(command, "check", "app")
    command.replayed("check", "app")
    configure_above(command.root)
    assert command.ran("check", "app") != before


def test_a_colour_setting_runs_the_command_again(command: Command):
    settle(command, "check", ".")
    command.monkeypatch.setenv("NO_COLOR", "1")
    command.ran("check", ".")


@pytest.mark.parametrize("options", [["--no-cache"], ["--output-format", "sarif"], ["--statistics", "--output-file", "report.txt"], ["--show-fixes"]],
                         ids=["no-cache", "sarif", "output-file", "show-fixes"])
def test_runs_with_effects_beyond_their_output_or_without_cache_are_never_replayed(command: Command, options: list[str]):
    for _ in range(3):
        command.ran("check", ".", *options)


def test_a_run_called_in_process_records_nothing(command: Command):
    from click.testing import CliRunner

    from fastlint.cli import main

    for _ in range(3):
        assert CliRunner().invoke(main, ["check", "."]).exit_code == 1
    assert not (command.root / ".fastlint_cache" / answer.ANSWER).exists()


def answer_file(command: Command) -> Path:
    settle(command, "check", ".")
    return command.root / ".fastlint_cache" / answer.ANSWER


def mangled(data: list, index: int, value: object) -> list:
    data[index] = value
    return data


def rested_on(index: int, value: object):  # type: ignore[no-untyped-def]
    """Replace the values of one column of what the answer rests on."""
    def change(data: list) -> bytes:
        data[1][index][1] = value(data[1][index][1]) if callable(value) else value
        return json.dumps(data).encode()
    return change


@pytest.mark.parametrize("mangle", [
    pytest.param(lambda data: b"\x80 not JSON", id="not-json"),
    pytest.param(lambda data: json.dumps({"answer": data}).encode(), id="an-object"),
    pytest.param(lambda data: json.dumps(data[:4]).encode(), id="a-field-missing"),
    pytest.param(lambda data: json.dumps(mangled(data, 4, 7)).encode(), id="exit-code-7"),
    pytest.param(lambda data: json.dumps(mangled(data, 4, True)).encode(), id="exit-code-true"),
    pytest.param(lambda data: json.dumps(mangled(data, 3, ["warning"])).encode(), id="stderr-not-text"),
    pytest.param(lambda data: json.dumps(mangled(data, 1, data[1][:3])).encode(), id="a-column-missing"),
    pytest.param(rested_on(0, lambda numbers: numbers[:-1]), id="a-stat-short"),
    pytest.param(rested_on(0, lambda numbers: [str(n) for n in numbers]), id="stats-not-integers"),
    pytest.param(rested_on(2, lambda values: [1] * len(values)), id="presence-not-booleans"),
    pytest.param(lambda data: json.dumps(mangled(data, 0, [*data[0][:-1], "another terminal"])).encode(), id="another-situation"),
])
def test_an_answer_file_of_another_shape_runs_the_command(command: Command, mangle):  # type: ignore[no-untyped-def]
    path = answer_file(command)
    expected = command.replayed("check", ".")
    path.write_bytes(mangle(json.loads(path.read_bytes())))
    assert command.ran("check", ".") == expected


def test_an_answer_whose_stats_were_forged_for_a_changed_tree_is_not_written_by_fastlint(command: Command):
    """What the record can do if planted: print text and exit 0, 1 or 2 -- no more than the
    findings cache it stands for. A record naming a stat that does not match is ignored."""
    path = answer_file(command)
    data = json.loads(path.read_bytes())
    data[1][0][1][0] += 1  # one stat off
    data[2] = "planted\n"
    path.write_text(json.dumps(data))
    code, out, _ = command.ran("check", ".")
    assert code == 1 and "planted" not in out


def test_an_answer_is_never_read_through_a_symbolic_link(command: Command, tmp_path_factory: pytest.TempPathFactory):
    path = answer_file(command)
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "answer.json"
    os.replace(path, elsewhere)
    path.symlink_to(elsewhere)
    command.ran("check", ".")


def test_a_checked_path_replaced_by_a_symbolic_link_runs_the_command_again(command: Command):
    command.ran("check", ".")  # the project indexed: a file's check is then not partial
    command.ran("check", "app/main.py")
    command.replayed("check", "app/main.py")
    copy = command.root / "main_copy.py"
    os.replace(command.root / "app" / "main.py", copy)
    (command.root / "app" / "main.py").symlink_to(copy)
    command.ran("check", "app/main.py")


def test_the_answer_lives_in_the_cache_that_fastlint_clean_removes(command: Command):
    path = answer_file(command)
    assert path.parent.name == ".fastlint_cache"
    assert command("clean")[0] == 0
    assert not path.exists()
    command.ran("check", ".")



def test_a_closed_pipe_is_reported_as_the_command_reports_it(command: Command):
    """The command catches a failed write as any error of the run: exit 2, one line on stderr."""
    settle(command, "check", ".")

    class ClosedPipe:
        encoding = sys.stdout.encoding

        def isatty(self) -> bool:
            return False

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            pass

    command.monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert answer.replay(["check", "."]) == 2
    assert command.capsys.readouterr().err.endswith("fastlint: error: internal error: BrokenPipeError: [Errno 32] Broken pipe (set FASTLINT_DEBUG=1 for the traceback)\n")


def test_a_run_without_the_cache_does_not_read_the_record(command: Command, monkeypatch: pytest.MonkeyPatch):
    answer_file(command)
    opened: list[str] = []
    monkeypatch.setattr(answer, "_read", lambda path: opened.append(path))
    command.ran("check", "--no-cache", ".")
    assert opened == []


def test_a_checked_symbolic_link_whose_target_changes_runs_the_command_again(command: Command):
    """The link's own stat and its target's are both recorded: an edit of the target shows,
    though no walk looks at it (the link and its target are in excluded folders)."""
    with (command.root / "pyproject.toml").open("a") as config:
        config.write('extend-exclude = ["vendored", "elsewhere"]\n')
    (command.root / "elsewhere").mkdir()
    target = command.root / "elsewhere" / "client.py"
    target.write_text(APP)
    (command.root / "vendored").mkdir()
    (command.root / "vendored" / "client.py").symlink_to(target)
    command.ran("check", ".")
    before = command("check", "vendored/client.py")  # cold or warm, then recorded by the run after at most
    assert command("check", "vendored/client.py") == before
    assert command.replayed("check", "vendored/client.py") == before and "FL102" in before[1]
    target.write_text(APP.replace("time.sleep(1)", "await asyncio.sleep(1)").replace("import time", "import asyncio"))
    assert command.ran("check", "vendored/client.py") != before
