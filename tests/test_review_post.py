"""``fastlint review --post``: the review goes to a pull request, once, through GitHub's REST API.

A local HTTP server stands in for GitHub: it serves the pull request's existing comments
(two pages, linked as GitHub links them) and records what is posted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_review import EXPECTED_COMMENTS, feature_branch_repo, validate_review

from fastlint.cli import main

TOKEN = "ghs_test_token"


class FakeGitHub:
    def __init__(self) -> None:
        self.existing: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, Any, Any]] = []  # headers: case-insensitive
        self.status = 200
        self.reply: dict[str, Any] = {"id": 7, "html_url": "https://github.com/acme/shop/pull/12#pullrequestreview-7"}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, self.headers, None))
                half = len(fake.existing) // 2
                if "page=2" in self.path:
                    self._answer(200, fake.existing[half:])
                else:
                    link = f'<{fake.url}/repos/acme/shop/pulls/12/comments?per_page=100&page=2>; rel="next"'
                    self._answer(200, fake.existing[:half], {"Link": link})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(("POST", self.path, self.headers, body))
                if fake.status != 200:
                    self._answer(fake.status, {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]})
                else:
                    self._answer(200, fake.reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def posted(self) -> list[Any]:
        return [body for method, _, _, body in self.requests if method == "POST"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return feature_branch_repo(tmp_path, monkeypatch)


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    event = tmp_path_factory.mktemp("event") / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12, "head": {"sha": "abc123"}}}))
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    yield fake
    fake.server.shutdown()


def post(*args: str) -> Any:
    return CliRunner().invoke(main, ["review", "--no-cache", "--base", "main", "--post", *args])


def test_the_review_is_posted_to_the_pull_request_of_the_event(repo: Path, github: FakeGitHub) -> None:
    result = post()
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "fastlint: posted a review with 3 comments: https://github.com/acme/shop/pull/12#pullrequestreview-7\n"
    )
    [body] = github.posted()
    validate_review(body)
    assert body["commit_id"] == "abc123" and body["event"] == "COMMENT"
    assert body["comments"] == EXPECTED_COMMENTS
    method, path, headers, _ = github.requests[-1]
    assert (method, path) == ("POST", "/repos/acme/shop/pulls/12/reviews")
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert json.loads(result.stdout)["comments"] == EXPECTED_COMMENTS  # the report still prints


def test_comments_already_on_the_pull_request_are_not_repeated(repo: Path, github: FakeGitHub) -> None:
    github.existing = [{"path": "docs.md", "line": 1, "body": "LGTM"}, {**EXPECTED_COMMENTS[0], "id": 1}]
    result = post()
    [body] = github.posted()
    assert body["comments"] == EXPECTED_COMMENTS[1:]
    assert [path for method, path, _, _ in github.requests if method == "GET"] == [
        "/repos/acme/shop/pulls/12/comments?per_page=100",
        "/repos/acme/shop/pulls/12/comments?per_page=100&page=2",
    ]
    assert "posted a review with 2 comments; 1 already on the pull request" in result.stderr


def test_nothing_new_posts_nothing(repo: Path, github: FakeGitHub) -> None:
    github.existing = [{**comment, "id": n} for n, comment in enumerate(EXPECTED_COMMENTS)]
    result = post()
    assert github.posted() == []
    assert result.stderr == "fastlint: posted nothing: no new comment; 3 already on the pull request\n"
    assert result.exit_code == 1  # the findings are still there


def test_options_override_the_environment(repo: Path, github: FakeGitHub) -> None:
    post("--repo", "acme/other", "--pr", "99", "--commit", "def456")
    [body] = github.posted()
    assert body["commit_id"] == "def456"
    assert github.requests[-1][1] == "/repos/acme/other/pulls/99/reviews"


def test_a_rejected_review_is_an_error_with_githubs_message(repo: Path, github: FakeGitHub) -> None:
    github.status = 422
    result = post()
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"fastlint: error: GitHub answered 422 to POST {github.url}/repos/acme/shop/pulls/12/reviews: "
        "Unprocessable Entity (Line could not be resolved)"
    )


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("GITHUB_TOKEN", "--post needs a token with pull-request write access in GITHUB_TOKEN"),
        ("GITHUB_REPOSITORY", "--post needs the repository: --repo OWNER/NAME (or GITHUB_REPOSITORY)"),
        ("GITHUB_EVENT_PATH", "--post needs the pull request: --pr NUMBER (or a pull_request event in GITHUB_EVENT_PATH)"),
    ],
)
def test_what_is_missing_is_named(repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, unset: str, message: str) -> None:
    monkeypatch.delenv(unset)
    result = post()
    assert result.exit_code == 2
    assert result.stderr == f"fastlint: error: {message}\n"
    assert github.posted() == []


def test_an_unreachable_api_is_an_error(repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    github.server.shutdown()
    github.server.server_close()
    result = post()
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fastlint: error: cannot reach {github.url}/repos/acme/shop/pulls/12/comments")
