"""A fake GitHub REST API on 127.0.0.1 for the sticky-comment code, driven by real PyGithub.

It implements exactly what :mod:`migration_lint.github.comment` calls (``GET /user``,
``GET /repos/{o}/{r}``, issue comments listed with ``Link`` pagination, created, edited and
deleted) the way GitHub answers: JSON bodies whose URLs point back at this server (PyGithub
refuses to follow URLs on another host), 201 on create, 204 on delete. Switches make it
answer like a read-only token (403 on writes), a missing PR (404), a validation error
(422), or a server in trouble (N times 5xx then success, or 5xx forever). Every request is
recorded so the tests assert on what would really have been sent.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api/v3"


@dataclass
class Request:
    """One request as received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str | None


@dataclass
class FakeGithub:
    """State and switches of the fake; ``url`` is the ``base_url`` for PyGithub."""

    login: str = "lint-bot"
    #: (owner/name, number) -> comments, each {"id", "body", "user": {"login"}}
    comments: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    per_page: int = 2
    read_only: bool = False
    user_forbidden: bool = False
    missing: bool = False
    unprocessable: bool = False
    #: answer this many requests with 502 first (-1: always)
    failures: int = 0
    requests: list[Request] = field(default_factory=list)
    next_id: int = 1000
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_comment(self, repo: str, number: int, body: str, login: str) -> dict[str, Any]:
        """Seed a comment (as if written earlier by ``login``)."""
        self.next_id += 1
        comment = {"id": self.next_id, "body": body, "user": {"login": login, "type": "User"}}
        self.comments.setdefault((repo, number), []).append(comment)
        return comment

    def writes(self) -> list[Request]:
        """The POST/PATCH/DELETE requests received."""
        return [r for r in self.requests if r.method in ("POST", "PATCH", "DELETE")]


def _comment_json(fake: FakeGithub, repo: str, number: int, comment: dict[str, Any]) -> Any:
    base = f"{fake.url}/repos/{repo}"
    return {
        **comment,
        "url": f"{base}/issues/comments/{comment['id']}",
        "issue_url": f"{base}/issues/{number}",
        "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{comment['id']}",
        "user": {
            **comment["user"],
            "url": f"{fake.url}/users/{comment['user']['login']}",
        },
    }


def _handler(fake: FakeGithub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: pytest shows the recorded requests when it matters."""

        def _send(
            self, status: int, payload: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with fake.lock:
                fake.requests.append(
                    Request(
                        self.command,
                        parts.path,
                        parse_qs(parts.query),
                        body,
                        self.headers.get("Authorization"),
                    )
                )
                if fake.failures:
                    fake.failures -= 1 if fake.failures > 0 else 0
                    self._send(502, {"message": "Server Error"})
                    return
                self._route(parts.path.removeprefix(PREFIX), parse_qs(parts.query), body)

        def _route(self, path: str, query: dict[str, list[str]], body: Any) -> None:
            write = self.command in ("POST", "PATCH", "DELETE")
            if path == "/user":
                if fake.user_forbidden:
                    self._send(403, {"message": "Resource not accessible by integration"})
                else:
                    self._send(200, {"login": fake.login, "url": f"{fake.url}/users/x"})
                return
            if fake.missing:
                self._send(404, {"message": "Not Found"})
                return
            if write and fake.read_only:
                self._send(403, {"message": "Resource not accessible by integration"})
                return
            if write and fake.unprocessable and self.command != "DELETE":
                self._send(422, {"message": "Validation Failed", "errors": [{"code": "custom"}]})
                return
            if match := re.fullmatch(r"/repos/([^/]+/[^/]+)", path):
                repo = match[1]
                self._send(200, {"full_name": repo, "url": f"{fake.url}/repos/{repo}"})
                return
            if match := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", path):
                repo, number = match[1], int(match[2])
                comments = fake.comments.setdefault((repo, number), [])
                if self.command == "GET":
                    page = int(query.get("page", ["1"])[0])
                    size = fake.per_page
                    chunk = comments[(page - 1) * size : page * size]
                    headers = {}
                    if page * size < len(comments):
                        nxt = f"{fake.url}/repos/{repo}/issues/{number}/comments?page={page + 1}"
                        headers["Link"] = f'<{nxt}>; rel="next"'
                    self._send(200, [_comment_json(fake, repo, number, c) for c in chunk], headers)
                    return
                if self.command == "POST":
                    comment = fake.add_comment(repo, number, body["body"], fake.login)
                    self._send(201, _comment_json(fake, repo, number, comment))
                    return
            if match := re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path):
                repo, ident = match[1], int(match[2])
                for (owner_repo, number), comments in fake.comments.items():
                    for comment in comments:
                        if owner_repo == repo and comment["id"] == ident:
                            if self.command == "PATCH":
                                comment["body"] = body["body"]
                                self._send(200, _comment_json(fake, repo, number, comment))
                            else:
                                comments.remove(comment)
                                self._send(204)
                            return
            self._send(404, {"message": "Not Found"})

        do_GET = do_POST = do_PATCH = do_DELETE = _handle

    return Handler


class FakeGithubServer:
    """A :class:`FakeGithub` served on 127.0.0.1 (random port) in a background thread."""

    def __init__(self, fake: FakeGithub | None = None) -> None:
        self.fake = fake or FakeGithub()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> FakeGithub:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
