"""Posting a review to a GitHub pull request (``fastlint review --post``).

Where to post comes from the options or, in GitHub Actions, from the environment
(``GITHUB_REPOSITORY``, the ``pull_request`` event in ``GITHUB_EVENT_PATH``,
``GITHUB_API_URL`` for GitHub Enterprise). The token is read from ``GITHUB_TOKEN`` only: a
command-line argument would show in process lists and CI logs. It goes into the
``Authorization`` header and nowhere else: surrounding whitespace is stripped, no message
ever contains it (every error is redacted), and it is not sent on after a redirect to
another host (docs/security.md).

A bot that runs on every push must not repeat itself, so comments already on the pull
request (same file, line and text) are left out, and nothing is posted when nothing is
new. GitHub rejects a whole review if one comment lies outside the diff (422); its own
message is passed on.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastlint import __version__
from fastlint.integrations.review import ReviewError

DEFAULT_API = "https://api.github.com"
TIMEOUT = 30  # seconds per request
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class PullRequest:
    api: str  # e.g. https://api.github.com
    repository: str  # owner/name
    number: int
    commit: str | None  # the head commit the comments are anchored to


@dataclass(frozen=True)
class Posted:
    url: str | None  # the review's page; None when nothing was posted
    new: int
    already: int

    def describe(self) -> str:
        already = f"; {self.already} already on the pull request" if self.already else ""
        if self.url is None and not self.new:
            return f"posted nothing: no new comment{already}"
        return f"posted a review with {self.new} comment{'' if self.new == 1 else 's'}{already}: {self.url or '(no link)'}"


def pull_request(repository: str | None, number: int | None, commit: str | None, env: Mapping[str, str]) -> PullRequest:
    """The pull request to post to, from the options, then the Actions environment."""
    try:
        event = _event(env)
    except ReviewError as error:
        raise ReviewError(_redact(str(error), env.get("GITHUB_TOKEN", "").strip())) from None
    pull = _object(event, "pull_request")
    repository = repository or env.get("GITHUB_REPOSITORY")
    if number is None and isinstance(pull.get("number"), int):
        number = pull["number"]
    sha = _object(pull, "head").get("sha")
    commit = commit or (sha if isinstance(sha, str) else None)
    if not repository or "/" not in repository:
        raise ReviewError("--post needs the repository: --repo OWNER/NAME (or GITHUB_REPOSITORY)")
    if number is None:
        raise ReviewError("--post needs the pull request: --pr NUMBER (or a pull_request event in GITHUB_EVENT_PATH)")
    return PullRequest(env.get("GITHUB_API_URL", DEFAULT_API).rstrip("/"), repository, number, commit)


def _object(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReviewError(f"cannot read the event in GITHUB_EVENT_PATH ({path}): {error}") from None
    return event if isinstance(event, dict) else {}


def post_review(review: Mapping[str, Any], target: PullRequest, token: str | None) -> Posted:
    """Post the comments of ``review`` that the pull request does not have yet."""
    token = (token or "").strip()
    if not token:
        raise ReviewError("--post needs a token with pull-request write access in GITHUB_TOKEN")
    if any(character.isspace() or not character.isprintable() for character in token):
        raise ReviewError("GITHUB_TOKEN holds whitespace or control characters inside it: it is not a token")
    try:
        return _post(review, target, token)
    except ReviewError as error:
        raise ReviewError(_redact(str(error), token)) from None
    except Exception as error:  # noqa: BLE001 - whatever fails, its message must not carry the token
        raise ReviewError(_redact(f"posting the review failed: {type(error).__name__}: {error}", token)) from None


def _redact(message: str, token: str) -> str:
    return message.replace(token, "***") if token else message


def _post(review: Mapping[str, Any], target: PullRequest, token: str) -> Posted:
    client = _Client(target.api, token)
    base = f"/repos/{target.repository}/pulls/{target.number}"
    existing = {(c.get("path"), c.get("line"), c.get("body")) for c in client.get_all(f"{base}/comments?per_page=100")}
    comments = [c for c in review["comments"] if (c["path"], c["line"], c["body"]) not in existing]
    already = len(review["comments"]) - len(comments)
    if not comments:
        return Posted(None, 0, already)
    body = {**review, "comments": comments}
    if target.commit:
        body["commit_id"] = target.commit
    response = client.request("POST", f"{base}/reviews", body)
    url = response.get("html_url") if isinstance(response, dict) else None
    return Posted(url if isinstance(url, str) else None, len(comments), already)


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects, carrying the token only to the same scheme, host and port."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        authorization = req.unredirected_hdrs.get("Authorization")
        if new is not None and authorization is not None and _origin(newurl) == _origin(req.full_url):
            new.add_unredirected_header("Authorization", authorization)
        return new


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


_OPENER = urllib.request.build_opener(_SameHostRedirects)


class _Client:
    def __init__(self, api: str, token: str) -> None:
        self.api = api
        self.authorization = f"Bearer {token}"  # an unredirected header: see _SameHostRedirects
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"fastlint/{__version__}",
        }

    def get_all(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paginated list, following the ``Link: rel="next"`` header."""
        items: list[dict[str, Any]] = []
        url: str | None = self.api + path
        while url is not None:
            page, links = self._send("GET", url, None)
            items.extend(item for item in page if isinstance(item, dict))
            found = _NEXT.search(links)
            url = found.group(1) if found else None
        return items

    def request(self, method: str, path: str, body: object) -> Any:
        return self._send(method, self.api + path, body)[0]

    def _send(self, method: str, url: str, body: object) -> tuple[Any, str]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {**self.headers, **({"Content-Type": "application/json"} if data is not None else {})}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        request.add_unredirected_header("Authorization", self.authorization)
        try:
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                text = response.read().decode("utf-8")
                return (json.loads(text) if text else None), response.headers.get("Link", "")
        except urllib.error.HTTPError as error:
            raise ReviewError(f"GitHub answered {error.code} to {method} {url}: {_message(error)}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ReviewError(f"cannot reach {url}: {getattr(error, 'reason', error)}") from None
        except ValueError as error:  # not JSON, or a header http.client refuses
            raise ReviewError(f"unexpected answer to {method} {url}: {error}") from None


def _message(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read().decode("utf-8"))
    except (ValueError, OSError):
        return error.reason or "no message"
    message = str(detail.get("message", error.reason)) if isinstance(detail, dict) else str(error.reason)
    errors = detail.get("errors") if isinstance(detail, dict) else None
    return f"{message} ({'; '.join(map(str, errors))})" if errors else message
