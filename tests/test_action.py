"""The composite GitHub Action (action.yml): each step is a subcommand of scripts/action.sh,
run here with a fake GITHUB_* environment, against the local GitHub of test_review_post."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from test_review import EXPECTED_COMMENTS, feature_branch_repo
from test_review_post import TOKEN, FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "action.sh"
BIN = Path(sys.executable).parent  # this environment's fastlint and python3


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_is_a_composite_whose_steps_are_the_script():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    steps = spec["runs"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == [f'"$GITHUB_ACTION_PATH/scripts/action.sh" {name}' for name in ("install", "check", "review", "finish")]
    assert all(step["shell"] == "bash" for step in steps if "run" in step)
    # Every input reaches the step that uses it.
    passed = {value for step in steps for value in (step.get("env") or {}).values()}
    passed |= {value for step in steps for value in (step.get("with") or {}).values()}
    passed |= {step.get("if", "") for step in steps}
    for name in spec["inputs"]:
        assert any(f"inputs.{name}" in str(value) for value in passed), name
    upload = next(step for step in steps if "uses" in step)
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "inputs.sarif == 'true'" in upload["if"] and "fork" in upload["if"]
    header = (ROOT / "action.yml").read_text(encoding="utf-8").split("\nname:")[0]
    assert "security-events: write" in header and "pull-requests: write" in header


@pytest.fixture
def runner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    temp = tmp_path_factory.mktemp("runner")
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "INPUT_", "RUNNER_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        RUNNER_TEMP=str(temp),
        GITHUB_PATH=str(temp / "github_path"),
        GITHUB_OUTPUT=str(temp / "github_output"),
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_ACTIONS="true",
    )
    return env


def step(name: str, env: dict[str, str], **inputs: str) -> subprocess.CompletedProcess[str]:
    given = {f"INPUT_{key.upper()}": value for key, value in inputs.items()}
    return subprocess.run(["bash", str(SCRIPT), name], env={**env, **given}, capture_output=True, text=True, timeout=120)


FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python3: `-m venv DIR` makes DIR/bin/python, which logs what pip is asked.
echo "python3 $*" >> "$LOG"
mkdir -p "$3/bin"
printf '#!/usr/bin/env bash\\necho "venv-python $*" >> "$LOG"\\n' > "$3/bin/python"
chmod +x "$3/bin/python"
"""


@pytest.mark.parametrize(("version", "spec"), [("", "CHECKOUT"), ("v0.1.0", "fastlint==0.1.0")])
def test_install_makes_a_virtualenv_from_the_checkout_or_a_version(runner: dict[str, str], tmp_path: Path, version: str, spec: str):
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    log = tmp_path / "log"
    result = step("install", {**runner, "LOG": str(log)}, version=version, python=str(python), pip_args="--index-url https://mirror.example/simple")
    assert result.returncode == 0, result.stdout + result.stderr
    venv = Path(runner["RUNNER_TEMP"]) / "fastlint-venv"
    wanted = str(ROOT) if spec == "CHECKOUT" else spec
    assert log.read_text().splitlines() == [
        f"python3 -m venv {venv}",
        f"venv-python -m pip install --disable-pip-version-check --quiet --index-url https://mirror.example/simple {wanted}",
    ]
    assert Path(runner["GITHUB_PATH"]).read_text() == f"{venv / 'bin'}\n"


@pytest.fixture
def github(runner: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()


def pull_request_env(runner: dict[str, str], github: FakeGitHub, tmp_path: Path, head_repo: str = "acme/shop") -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {
        "number": 12, "head": {"sha": "abc123", "repo": {"full_name": head_repo, "fork": head_repo != "acme/shop"}},
        "base": {"repo": {"full_name": "acme/shop"}},
    }}))
    return {
        **runner, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event), "GITHUB_BASE_REF": "main",
        "GITHUB_REPOSITORY": "acme/shop", "GITHUB_API_URL": github.url, "GITHUB_TOKEN": TOKEN,
    }


@pytest.fixture
def repo(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    return feature_branch_repo(tmp_path_factory.mktemp("repo"), monkeypatch)


def test_check_review_finish_on_a_pull_request(runner, github: FakeGitHub, repo: Path, tmp_path: Path):
    env = pull_request_env(runner, github, tmp_path)
    check = step("check", env, args="--no-cache .", sarif="true", sarif_file="out.sarif")
    assert check.returncode == 0, check.stderr
    annotations = [line.split(",title=")[1].split(")::")[0] for line in check.stdout.splitlines() if line.startswith("::warning file=")]
    assert "FL102 (blocking-sleep-in-async" in annotations
    assert not any(a.startswith("FL501") for a in annotations)  # a preview rule: off by default
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"
    outputs = Path(runner["GITHUB_OUTPUT"]).read_text().splitlines()
    assert outputs == ["sarif-file=out.sarif", "exit-code=1"]
    review = step("review", env, review_args="--no-cache")
    assert review.returncode == 0, review.stdout + review.stderr
    [body] = github.posted()
    assert body["commit_id"] == "abc123" and body["comments"] == EXPECTED_COMMENTS
    assert "posted a review with 3 comments" in review.stderr
    finish = step("finish", env)
    assert finish.returncode == 1
    assert step("finish", env, fail_on_findings="false").returncode == 0


def test_fork_pull_request_falls_back_to_annotations(runner, github: FakeGitHub, repo: Path, tmp_path: Path):
    env = pull_request_env(runner, github, tmp_path, head_repo="someone/shop")
    review = step("review", env, review_args="--no-cache")
    assert review.returncode == 0, review.stderr
    assert "::notice title=fastlint::pull request from a fork" in review.stdout
    assert github.requests == []


def test_read_only_token_falls_back_to_annotations(runner, github: FakeGitHub, repo: Path, tmp_path: Path):
    github.status = 403
    review = step("review", pull_request_env(runner, github, tmp_path), review_args="--no-cache")
    assert review.returncode == 0, review.stderr
    assert "::warning title=fastlint::could not post the review" in review.stdout
    assert "GitHub answered 403" in review.stderr


def test_no_review_outside_pull_requests_and_errors_fail(runner, github: FakeGitHub, repo: Path, tmp_path: Path):
    env = {**pull_request_env(runner, github, tmp_path), "GITHUB_EVENT_NAME": "push"}
    review = step("review", env)
    assert review.returncode == 0 and "no review" in review.stdout and github.requests == []
    check = step("check", env, args="--no-such-option")
    assert check.returncode == 2
    assert step("finish", env).returncode == 2


def test_a_baseline_keeps_check_and_review_to_new_findings(runner, github: FakeGitHub, repo: Path, tmp_path: Path):
    """`baseline:` reaches both steps: with every finding but the new route's recorded, the
    check annotates and the review posts that one finding only."""
    from fastlint.run.baseline import line_hash

    env = pull_request_env(runner, github, tmp_path)
    written = subprocess.run([str(BIN / "fastlint"), "check", "--no-cache", "--write-baseline", "base line.json", "."], cwd=repo, env=env)
    assert written.returncode == 0
    baseline = json.loads((repo / "base line.json").read_text())
    baseline["entries"].remove({"code": "FL102", "path": "app.py", "hash": line_hash("time.sleep(2)"), "count": 1})
    (repo / "base line.json").write_text(json.dumps(baseline))
    check = step("check", env, args="--no-cache .", baseline="base line.json", sarif="true", sarif_file="out.sarif")
    assert check.returncode == 0, check.stderr
    assert [line.split("::")[1].split(",")[:2] for line in check.stdout.splitlines()] == [["warning file=app.py", "line=16"]]
    [result] = json.loads((repo / "out.sarif").read_text())["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 16
    review = step("review", env, review_args="--no-cache", baseline="base line.json")
    assert review.returncode == 0, review.stdout + review.stderr
    [body] = github.posted()
    assert body["comments"] == EXPECTED_COMMENTS[:1]
    assert step("finish", env).returncode == 1
    # Everything recorded: a clean check, and nothing to post.
    subprocess.run([str(BIN / "fastlint"), "check", "--no-cache", "--write-baseline", "base line.json", "."], cwd=repo, env=env, check=True)
    assert step("check", env, args="--no-cache .", baseline="base line.json").stdout == ""
    assert step("finish", env).returncode == 0
    assert step("review", env, review_args="--no-cache", baseline="base line.json").returncode == 0
    assert len(github.posted()) == 1
