"""The sticky PR comment, with real PyGithub against a fake GitHub API on 127.0.0.1.

No part of PyGithub is mocked: the requests really go over HTTP to
:mod:`tests.github_fake`, so a change of PyGithub's URLs, pagination or error types, or of
our handling of them, fails here. Both the library API and the CLI (what the action runs)
are covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from migration_lint.cli import main
from migration_lint.github.comment import (
    ACTIONS_BOT_LOGIN,
    GITHUB_COMMENT_LIMIT,
    MARKER,
    CommentError,
    StickyComment,
    truncate_body,
)
from tests.github_fake import FakeGithub, FakeGithubServer

REPO = "acme/shop"
PR = 7


@pytest.fixture
def fake() -> Iterator[FakeGithub]:
    with FakeGithubServer() as server:
        yield server


def sticky(fake: FakeGithub, retries: int = 2) -> StickyComment:
    return StickyComment(REPO, PR, "secret-token", fake.url, retries=retries, backoff=0)


def bodies(fake: FakeGithub) -> list[str]:
    return [c["body"] for c in fake.comments.get((REPO, PR), [])]


def test_creates_the_comment_with_the_marker_and_the_token(fake: FakeGithub) -> None:
    outcome = sticky(fake).sync("## migration-lint: 1 finding")
    assert outcome.action == "created"
    assert bodies(fake) == [f"{MARKER}\n## migration-lint: 1 finding"]
    (post,) = fake.writes()
    assert (post.method, post.path) == ("POST", f"/api/v3/repos/{REPO}/issues/{PR}/comments")
    assert post.authorization == "token secret-token"


def test_updates_its_own_comment_on_page_two_and_leaves_the_impostor(fake: FakeGithub) -> None:
    for i in range(3):
        fake.add_comment(REPO, PR, f"review remark {i}", "alice")
    impostor = fake.add_comment(REPO, PR, f"{MARKER}\nquoted by a human", "mallory")
    ours = fake.add_comment(REPO, PR, f"{MARKER}\nold report", fake.login)
    outcome = sticky(fake).sync("new report")
    assert (outcome.action, outcome.comment_id) == ("updated", ours["id"])
    assert ours["body"] == f"{MARKER}\nnew report"
    assert impostor["body"] == f"{MARKER}\nquoted by a human"
    assert [(r.method, r.path) for r in fake.writes()] == [
        ("PATCH", f"/api/v3/repos/{REPO}/issues/comments/{ours['id']}")
    ]
    pages = [r.query.get("page", ["1"])[0] for r in fake.requests if r.path.endswith("/comments")]
    assert pages == ["1", "2", "3"]
    # Same body again: nothing is written.
    assert sticky(fake).sync("new report").action == "unchanged"
    assert len(fake.writes()) == 1


def test_clean_run_deletes_our_comment_and_duplicates(fake: FakeGithub) -> None:
    fake.add_comment(REPO, PR, f"{MARKER}\nold", fake.login)
    fake.add_comment(REPO, PR, f"{MARKER}\nduplicate", fake.login)
    other = fake.add_comment(REPO, PR, f"{MARKER}\nnot ours", "someone")
    assert sticky(fake).sync(None).action == "deleted"
    assert fake.comments[(REPO, PR)] == [other]
    assert sticky(fake).sync(None).action == "absent"


def test_actions_token_that_cannot_read_user_is_the_actions_bot(fake: FakeGithub) -> None:
    fake.user_forbidden = True
    fake.login = ACTIONS_BOT_LOGIN
    mine = fake.add_comment(REPO, PR, f"{MARKER}\nold", ACTIONS_BOT_LOGIN)
    assert sticky(fake).sync("fresh").action == "updated"
    assert mine["body"] == f"{MARKER}\nfresh"


def test_truncation_keeps_the_marker_cuts_at_a_line_and_closes_the_fence() -> None:
    body = "## report\n```text\n" + "".join(f"line {i:06d}\n" for i in range(20_000))
    text = truncate_body(body)
    assert len(text) < GITHUB_COMMENT_LIMIT
    assert text.startswith(MARKER + "\n## report\n")
    head, note = text.rsplit("\n\n", 1)
    assert head.endswith("\n```")
    assert all(line.startswith(("line ", "```", "## ", MARKER)) for line in head.splitlines())
    assert "truncated" in note
    assert truncate_body("short") == f"{MARKER}\nshort"


def test_a_huge_body_is_posted_truncated(fake: FakeGithub) -> None:
    sticky(fake).sync("x\n" * 50_000)
    (body,) = bodies(fake)
    assert len(body) < GITHUB_COMMENT_LIMIT and body.startswith(MARKER)


def test_read_only_token_is_a_notice(fake: FakeGithub) -> None:
    fake.read_only = True
    outcome = sticky(fake).sync("report")
    assert outcome.is_notice and "read-only" in outcome.message
    assert bodies(fake) == []


def test_missing_pr_is_a_notice(fake: FakeGithub) -> None:
    fake.missing = True
    outcome = sticky(fake).sync("report")
    assert outcome.is_notice and "404" in outcome.message


def test_validation_error_is_a_clear_error(fake: FakeGithub) -> None:
    fake.unprocessable = True
    with pytest.raises(CommentError, match=r"refused.*422 Validation Failed"):
        sticky(fake).sync("report")


def test_server_errors_are_retried_then_succeed(fake: FakeGithub) -> None:
    fake.failures = 2
    assert sticky(fake, retries=2).sync("report").action == "created"
    assert bodies(fake) == [f"{MARKER}\nreport"]


def test_server_errors_forever_give_a_clear_error_after_bounded_attempts(
    fake: FakeGithub,
) -> None:
    fake.failures = -1
    with pytest.raises(CommentError, match=r"kept failing.*3 attempts.*HTTP 502"):
        sticky(fake, retries=2).sync("report")
    assert len(fake.requests) == 3


def _cli(fake: FakeGithub, tmp_path: Path, *args: str) -> tuple[int, str]:
    body = tmp_path / "body.md"
    body.write_text("## migration-lint: 1 finding\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "github",
            "comment",
            "--repo",
            REPO,
            "--pr",
            str(PR),
            "--api-url",
            fake.url,
            "--backoff",
            "0",
            *(args or ("--body-file", str(body))),
        ],
        env={"GITHUB_TOKEN": "t", "GITHUB_ACTIONS": "true"},
    )
    return result.exit_code, result.output


def test_cli_creates_then_cleans(fake: FakeGithub, tmp_path: Path) -> None:
    assert _cli(fake, tmp_path)[0] == 0
    assert len(bodies(fake)) == 1
    code, output = _cli(fake, tmp_path, "--clean")
    assert (code, bodies(fake)) == (0, [])
    assert "removed" in output


def test_cli_degrades_to_a_notice_and_exits_zero(fake: FakeGithub, tmp_path: Path) -> None:
    fake.read_only = True
    code, output = _cli(fake, tmp_path)
    assert code == 0
    assert output.startswith("::notice title=migration-lint::the token cannot write")


def test_cli_exits_one_when_github_keeps_failing(fake: FakeGithub, tmp_path: Path) -> None:
    fake.failures = -1
    code, output = _cli(fake, tmp_path, "--retries", "1", "--body-file", __file__)
    assert code == 1
    assert "kept failing" in output


def test_cli_needs_a_token_and_a_body(fake: FakeGithub, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["github", "comment", "--repo", REPO, "--pr", "1", "--clean"],
        env={"GITHUB_TOKEN": ""},
    )
    assert result.exit_code == 2 and "GITHUB_TOKEN" in result.output
    result = CliRunner().invoke(
        main, ["github", "comment", "--repo", REPO, "--pr", "1"], env={"GITHUB_TOKEN": "t"}
    )
    assert result.exit_code == 2 and "--body-file" in result.output
