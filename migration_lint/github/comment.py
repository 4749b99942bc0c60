"""The sticky pull-request comment: one comment per PR, found again and updated in place.

Why this shape:

* **Found by a hidden marker and by author.** The marker alone is not enough: another tool
  (or a person quoting us) may carry the same text, and we must never edit or delete their
  comment. The author is the token's user (``GET /user``); the Actions ``GITHUB_TOKEN`` may
  not call that endpoint, so a 403 there means the token is the ``github-actions[bot]``.
* **Deleted when the run is clean** rather than edited into a "resolved" note: a PR that
  no longer has findings should not carry a stale report, and the job summary keeps the
  history of each run. Extra copies (two concurrent runs both creating one) are deleted.
* **Never fails the build for permissions.** Fork PRs get a read-only token: a 401/403 on
  the write, or a 404 (PR gone, repository hidden), becomes a notice and the caller exits 0;
  the annotations and the job summary still carry the findings. Server errors (5xx,
  connection resets) are retried a bounded number of times — the whole find-then-write
  operation is idempotent, so a retried create cannot leave two comments — and then raise
  :class:`CommentError` with a clear message.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from github.IssueComment import IssueComment

#: The hidden line that marks our comment (HTML comments do not render on GitHub).
MARKER = "<!-- migration-lint -->"
#: GitHub rejects comment bodies longer than this many characters.
GITHUB_COMMENT_LIMIT = 65_536
#: What we aim for: a margin under the limit for characters GitHub may count differently.
COMMENT_BUDGET = 65_000
#: The login of the token GitHub Actions hands to workflows (it may not read ``/user``).
ACTIONS_BOT_LOGIN = "github-actions[bot]"
DEFAULT_API_URL = "https://api.github.com"


class GithubExtraMissing(RuntimeError):
    """PyGithub is not installed: the message says which extra provides it."""


class CommentError(RuntimeError):
    """The comment could not be written for a reason that is not a permission problem."""


@dataclass(frozen=True)
class CommentOutcome:
    """What happened: ``action`` is created, updated, unchanged, deleted, absent or notice."""

    action: str
    message: str
    comment_id: int | None = None

    @property
    def is_notice(self) -> bool:
        """True when nothing could be written and the caller should only tell the user."""
        return self.action == "notice"


def _github_module() -> Any:
    try:
        import github
    except ImportError as error:  # pragma: no cover - exercised by the extra being absent
        raise GithubExtraMissing(
            "the GitHub features need PyGithub: pip install 'django-migration-lint[github]'"
        ) from error
    return github


def with_marker(body: str) -> str:
    """``body`` starting with the marker line (added once)."""
    return body if body.startswith(MARKER) else f"{MARKER}\n{body}"


def truncate_body(body: str, limit: int = COMMENT_BUDGET) -> str:
    """``body`` (with the marker) cut to at most ``limit`` characters at a line boundary.

    The marker stays first so the comment is found again; an open code fence is closed so
    the note does not render as code; the note says how much was left out.
    """
    body = with_marker(body)
    if len(body) <= limit:
        return body
    lines = body.splitlines(keepends=True)
    kept: list[str] = []
    used = 0
    reserve = 400  # the note, a closing fence and line breaks
    for line in lines:
        if used + len(line) > limit - reserve:
            break
        kept.append(line)
        used += len(line)
    text = "".join(kept)
    if not text.endswith("\n"):
        text += "\n"
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        text += "```\n"
    left_out = len(body) - used
    text += (
        f"\n_…truncated: {left_out:,} characters are not shown (a comment is limited to "
        f"{GITHUB_COMMENT_LIMIT:,}); see the job summary or run `migration-lint check`._\n"
    )
    return text


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status", None)
    return status if isinstance(status, int) else None


def _is_transient(error: BaseException) -> bool:
    status = _status(error)
    if status is not None:
        return status >= 500
    import requests

    return isinstance(error, requests.exceptions.RequestException)


class StickyComment:
    """The sticky comment of one pull request, through a PyGithub client.

    ``retries``: how many times a 5xx or a connection error is retried (the whole
    operation, which is idempotent); ``backoff``: seconds before the first retry, doubled
    each time. PyGithub's own retrying is turned off so the bound here is the only one.
    """

    def __init__(
        self,
        repo: str,
        number: int,
        token: str,
        api_url: str | None = None,
        *,
        author: str | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        timeout: int = 15,
    ) -> None:
        github = _github_module()
        self.repo_name = repo
        self.number = number
        self.retries = retries
        self.backoff = backoff
        self._author = author
        self.client = github.Github(
            auth=github.Auth.Token(token),
            base_url=(api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            retry=None,
            timeout=timeout,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )

    def author(self) -> str:
        """The login our comments are written as (``GET /user``, else the Actions bot)."""
        if self._author is None:
            github = _github_module()
            try:
                self._author = str(self.client.get_user().login)
            except github.GithubException as error:
                if _status(error) not in (401, 403):
                    raise
                self._author = ACTIONS_BOT_LOGIN
        return self._author

    def ours(self) -> list[IssueComment]:
        """Our comments on the PR, oldest first (every page of comments is read)."""
        author = self.author()
        issue = self.client.get_repo(self.repo_name).get_issue(self.number)
        return [
            comment
            for comment in issue.get_comments()
            if comment.user is not None
            and comment.user.login == author
            and MARKER in (comment.body or "")
        ]

    def _sync_once(self, body: str | None) -> CommentOutcome:
        found = self.ours()
        for extra in found[1:]:
            extra.delete()
        current = found[0] if found else None
        if body is None:
            if current is None:
                return CommentOutcome("absent", "no findings, and no comment to remove")
            current.delete()
            return CommentOutcome("deleted", "no findings: removed the comment", current.id)
        text = truncate_body(body)
        if current is None:
            issue = self.client.get_repo(self.repo_name).get_issue(self.number)
            created = issue.create_comment(text)
            return CommentOutcome("created", "created the comment", created.id)
        if current.body == text:
            return CommentOutcome("unchanged", "the comment is up to date", current.id)
        current.edit(text)
        return CommentOutcome("updated", "updated the comment", current.id)

    def sync(self, body: str | None) -> CommentOutcome:
        """Create, update or (``body`` None: the run is clean) delete our comment.

        Returns a ``notice`` outcome for permission problems and a missing PR; raises
        :class:`CommentError` for anything else, after the bounded retries for 5xx.
        """
        github = _github_module()
        where = f"{self.repo_name}#{self.number}"
        attempt = 0
        while True:
            try:
                return self._sync_once(body)
            except Exception as error:
                status = _status(error)
                if status in (401, 403):
                    return CommentOutcome(
                        "notice",
                        f"the token cannot write comments on {where} (HTTP {status}; a fork PR's "
                        "token is read-only, or `pull-requests: write` is missing): the findings "
                        "are in the annotations and the job summary",
                    )
                if status == 404:
                    return CommentOutcome(
                        "notice",
                        f"{where} was not found (HTTP 404: closed and deleted, or not visible "
                        "to this token): no comment written",
                    )
                if _is_transient(error) and attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
                    attempt += 1
                    continue
                if _is_transient(error):
                    raise CommentError(
                        f"GitHub kept failing while writing the comment on {where} "
                        f"({attempt + 1} attempts; last error: {_describe(error)})"
                    ) from error
                if isinstance(error, github.GithubException):
                    raise CommentError(
                        f"GitHub refused the comment on {where}: {_describe(error)}"
                    ) from error
                raise


def _describe(error: BaseException) -> str:
    status = _status(error)
    data = getattr(error, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    if status is not None:
        return f"HTTP {status}" + (f" {message}" if message else "")
    return f"{type(error).__name__}: {error}"
