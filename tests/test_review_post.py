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


SECRET = "ghs_s3cret_T0KEN_value"


def assert_no_secret(result: Any) -> None:
    for text in (result.stdout, result.stderr, str(result.exception or "")):
        assert SECRET not in text and "s3cret" not in text


def test_a_token_with_surrounding_whitespace_is_stripped(repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", f"  {SECRET}\n")
    result = post()
    assert result.exit_code == 1, result.stderr
    assert github.requests[-1][2]["Authorization"] == f"Bearer {SECRET}"
    assert_no_secret(result)


def _echoing(github: FakeGitHub, status: int, body: bytes) -> None:
    """The fake answers every POST with ``status`` and ``body``, which may echo the token."""
    handler = github.server.RequestHandlerClass

    def do_POST(self: Any) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        data = body.replace(b"TOKEN", self.headers["Authorization"].encode())
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    handler.do_POST = do_POST  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("token", "fault", "message"),
    [
        (f"{SECRET}\n", "echo-422", "GitHub answered 422"),
        (f"{SECRET}\n", "echo-200-not-json", "unexpected answer"),
        (f"{SECRET}\n", "echo-500-not-json", "GitHub answered 500"),
        (f"{SECRET}\n", "unreachable", "cannot reach"),
        (f"{SECRET}\r\nX-Injected: 1", "none", "whitespace or control characters"),
        (f"{SECRET}\x7f", "none", "whitespace or control characters"),
        (f"{SECRET}\n", "bad-event", "cannot read the event"),
        (f"{SECRET}\n", "explode", "posting the review failed: RuntimeError"),
    ],
)
def test_no_message_ever_contains_the_token(repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           token: str, fault: str, message: str) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", token)
    if fault == "echo-422":
        _echoing(github, 422, b'{"message": "bad credentials TOKEN", "errors": ["TOKEN"]}')
    elif fault == "echo-200-not-json":
        _echoing(github, 200, b"<html>TOKEN</html>")
    elif fault == "echo-500-not-json":
        _echoing(github, 500, b"<html>TOKEN</html>")
    elif fault == "unreachable":
        github.server.shutdown()
        github.server.server_close()
    elif fault == "bad-event":
        event = tmp_path / f"{SECRET}.json"
        event.write_text("{not json", encoding="utf-8")
        monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    elif fault == "explode":
        import fastlint.integrations.review_post as review_post

        def explode(*args: object) -> None:
            raise RuntimeError(f"boom with {SECRET}")

        monkeypatch.setattr(review_post._Client, "get_all", explode)
    result = post()
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert "internal error" not in result.stderr
    assert_no_secret(result)


def test_the_token_is_not_sent_after_a_redirect_to_another_host(repo: Path, github: FakeGitHub) -> None:
    elsewhere = FakeGitHub()  # another host: "localhost", not "127.0.0.1"
    thread = threading.Thread(target=elsewhere.server.serve_forever, daemon=True)
    thread.start()
    try:
        port = elsewhere.server.server_address[1]
        handler = github.server.RequestHandlerClass
        original = handler.do_GET  # type: ignore[attr-defined]

        def do_GET(self: Any) -> None:
            if "page=2" in self.path:
                github.requests.append(("GET", self.path, self.headers, None))
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{port}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                original(self)

        handler.do_GET = do_GET  # type: ignore[attr-defined]
        github.existing = [{"path": "docs.md", "line": 1, "body": "LGTM"}, {"path": "docs.md", "line": 2, "body": "ok"}]
        result = post()
        assert result.exit_code == 1, result.stderr
        [(method, _, headers, _)] = elsewhere.requests
        assert method == "GET" and headers["Authorization"] is None
        assert all(headers["Authorization"] == f"Bearer {TOKEN}" for _, _, headers, _ in github.requests)
    finally:
        elsewhere.server.shutdown()
