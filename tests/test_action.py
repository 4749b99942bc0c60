"""``action.yml`` run end to end: its real bash steps, a fake runner environment, a git repo.

The runner is imitated just enough: each composite step's ``env:`` is resolved by a tiny
evaluator of ``${{ inputs.* / github.* / steps.*.outputs.* / env.* }}``, the ``run:`` script
is executed with ``bash --noprofile --norc -eo pipefail`` as GitHub does, and each step gets
its own ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files. The project is a copy of
``examples/bookshop`` in a temporary git repository whose ``origin/main`` is the base branch.

``MIGRATION_LINT_ACTION_PYTHON`` makes the install step reuse this interpreter instead of
creating a venv and pip-installing (slow, and needs the network); the real install path
is what the ``self-test`` job of ``.github/workflows/ci.yml`` exercises with ``uses: ./``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_lint.github.comment import MARKER
from tests.github_fake import FakeGithub, FakeGithubServer
from tests.projects import git

ROOT = Path(__file__).parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PROJECT = "examples/bookshop"
LIBRARY = f"{PROJECT}/library/migrations"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def lookup(context: Mapping[str, Any], expression: str) -> str:
    """The value of a dotted context path (``steps.lint.outputs.errors``); "" if absent."""
    value: Any = context
    for part in expression.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    return "" if value is None else str(value)


def resolve(text: str, context: Mapping[str, Any]) -> str:
    """Substitute every ``${{ path }}`` (the only expressions action.yml may use)."""

    def one(match: re.Match[str]) -> str:
        assert re.fullmatch(r"[\w.-]+", match[1]), f"unsupported expression {match[1]!r}"
        return lookup(context, match[1])

    return EXPRESSION.sub(one, str(text))


@dataclass
class ActionRun:
    """What a run left behind: exit status, log, action outputs and the job summary."""

    returncode: int
    log: str
    outputs: dict[str, str]
    summary: str
    steps_run: list[str]


def parse_outputs(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` lines ``name=value`` (the action uses no multi-line values)."""
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {key: value for key, value in pairs}


def run_action(
    workspace: Path, tmp: Path, inputs: Mapping[str, str], extra_env: Mapping[str, str] = {}
) -> ActionRun:
    """Run the composite steps in order, stopping at the first failing step like a runner."""
    event = {
        "pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"ref": "feature"}},
    }
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    runner_temp = tmp / "runner"
    runner_temp.mkdir(exist_ok=True)
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))},
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(runner_temp),
        "MIGRATION_LINT_ACTION_PYTHON": sys.executable,
        **extra_env,
    }
    context: dict[str, Any] = {
        "github": {"token": "gh-token", "event": event},
        "env": base_env,
        "steps": {},
    }
    context["inputs"] = {
        name: resolve(spec.get("default", ""), context) for name, spec in ACTION["inputs"].items()
    }
    context["inputs"].update(inputs)
    log, summary, steps_run, returncode = [], [], [], 0
    for index, step in enumerate(ACTION["runs"]["steps"]):
        output_file, summary_file = tmp / f"output-{index}", tmp / f"summary-{index}"
        script = tmp / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = {
            **base_env,
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            **{key: resolve(value, context) for key, value in step.get("env", {}).items()},
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        steps_run.append(step["id"])
        log.append(done.stdout + done.stderr)
        context["steps"][step["id"]] = {"outputs": parse_outputs(output_file)}
        if summary_file.exists():
            summary.append(summary_file.read_text(encoding="utf-8"))
        if done.returncode:
            returncode = done.returncode
            break
    outputs = {name: resolve(spec["value"], context) for name, spec in ACTION["outputs"].items()}
    return ActionRun(returncode, "".join(log), outputs, "".join(summary), steps_run)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Bookshop in a git repo: ``origin/main`` lacks ``0002_book_published``, HEAD adds it
    (the ``library`` conflict of the example comes from this branch)."""
    root = tmp_path / "ws"
    shutil.copytree(
        ROOT / PROJECT,
        root / PROJECT,
        ignore=shutil.ignore_patterns("__pycache__", ".migration_lint_cache"),
    )
    published = root / LIBRARY / "0002_book_published.py"
    text = published.read_text(encoding="utf-8")
    published.unlink()
    git(root, "init", "-q", "-b", "feature")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    published.write_text(text, encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "branch")
    return root


def use_clean_branch(workspace: Path) -> None:
    """Make the branch conflict-free: it adds ``0002_book_isbn`` only (the base has 0001)."""
    git(workspace, "rm", "-q", f"{LIBRARY}/0002_book_published.py")
    git(workspace, "commit", "-q", "-m", "drop published")
    git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD")
    isbn = workspace / LIBRARY / "0002_book_isbn.py"
    text = isbn.read_text(encoding="utf-8")
    git(workspace, "rm", "-q", str(isbn.relative_to(workspace)))
    git(workspace, "commit", "-q", "-m", "base without isbn")
    git(workspace, "update-ref", "refs/remotes/origin/main", "HEAD")
    isbn.write_text(text, encoding="utf-8")
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "add isbn")


def test_every_input_goes_through_env_and_no_expression_is_spliced_into_bash() -> None:
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    for step in steps:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step["id"]
        assert "if" not in step
    assert set(ACTION["inputs"]) == {
        "path",
        "base-ref",
        "args",
        "fail-on",
        "comment",
        "sarif-file",
        "github-token",
        "version",
    }
    assert ACTION["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert set(ACTION["outputs"]) == {"findings", "errors", "warnings", "summary-path"}


def test_conflict_fails_with_annotations_summary_and_outputs(
    workspace: Path, tmp_path: Path
) -> None:
    run = run_action(workspace, tmp_path, {"path": PROJECT, "sarif-file": "out.sarif"})
    assert run.returncode == 1, run.log
    assert run.steps_run == ["install", "lint", "comment", "verdict"]
    assert re.search(
        rf"^::error file={LIBRARY}/0002_book_published.py,line=6,endLine=18,"
        r"title=ML001 conflicting-leaves::",
        run.log,
        re.M,
    ), run.log
    assert f"{LIBRARY}/0002_book_published.py:6:1: ML001" in run.log  # the text report
    assert run.outputs["findings"] == "1"
    assert run.outputs["errors"] == "1"
    assert run.outputs["warnings"] == "0"
    assert run.summary.startswith("## migration-lint: 1 finding (1 error)")
    assert "| error | `ML001` conflicting-leaves |" in run.summary
    assert "### What deploying this branch runs" in run.summary
    assert "Conflicting migrations detected" in run.summary  # migrate would refuse
    assert Path(run.outputs["summary-path"]).read_text(encoding="utf-8") in run.summary
    sarif = json.loads((workspace / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "ML001"


@pytest.mark.parametrize(("fail_on", "expected"), [("never", 0), ("warning", 1), ("error", 1)])
def test_fail_on(workspace: Path, tmp_path: Path, fail_on: str, expected: int) -> None:
    run = run_action(workspace, tmp_path, {"path": PROJECT, "fail-on": fail_on})
    assert run.returncode == expected, run.log
    assert run.outputs["errors"] == "1"


def test_invalid_fail_on_is_a_usage_error(workspace: Path, tmp_path: Path) -> None:
    run = run_action(workspace, tmp_path, {"path": PROJECT, "fail-on": "sometimes"})
    assert run.returncode == 2
    assert "fail-on must be error, warning or never" in run.log


def test_args_are_passed_with_quoting_and_without_expansion(
    workspace: Path, tmp_path: Path
) -> None:
    run = run_action(
        workspace, tmp_path, {"path": PROJECT, "args": "--ignore 'ML001' $(touch pwned)"}
    )
    # `$(touch pwned)` reaches the CLI as a literal path argument (which does not exist).
    assert run.returncode == 2
    assert not (workspace / "pwned").exists()
    assert "$(touch" in run.log
    run = run_action(workspace, tmp_path, {"path": PROJECT, "args": "--ignore 'ML001'"})
    assert (run.returncode, run.outputs["findings"]) == (0, "0"), run.log


def test_clean_branch_shows_what_deploying_runs(workspace: Path, tmp_path: Path) -> None:
    use_clean_branch(workspace)
    run = run_action(workspace, tmp_path, {"path": PROJECT})
    assert run.returncode == 0, run.log
    assert run.outputs["findings"] == "0"
    assert run.summary.startswith("## migration-lint: all checks passed")
    plan = run.summary.split("### What deploying this branch runs", 1)[1]
    assert "#### Apply `library.0002_book_isbn`" in plan
    assert "| ACCESS EXCLUSIVE |" in plan  # adding the column takes the table's lock briefly
    assert "0001_initial" not in plan  # already on the base branch
    assert "::error" not in run.log
    assert not (workspace / PROJECT / ".migration_lint_cache").exists()  # cache in RUNNER_TEMP


def test_editing_a_migration_of_the_base_branch_is_annotated(
    workspace: Path, tmp_path: Path
) -> None:
    """The base branch's migrations are what production ran: check compares with it."""
    use_clean_branch(workspace)
    initial = workspace / LIBRARY / "0001_initial.py"
    text = initial.read_text(encoding="utf-8")
    initial.write_text(text.replace("('name', models.CharField(max_length=200)),", "", 1))
    git(workspace, "commit", "-q", "-am", "edit an applied migration")
    inputs = {"path": PROJECT, "args": "--select ML5"}
    run = run_action(workspace, tmp_path, inputs)
    assert run.returncode == 1, run.log
    assert re.search(
        rf"^::error file={LIBRARY}/0001_initial.py,line=15,endLine=21,"
        r"title=ML501 applied-migration-edited::library.0001_initial exists at origin/main",
        run.log,
        re.M,
    ), run.log
    assert run.outputs["errors"] == "1"
    run = run_action(workspace, tmp_path, {**inputs, "base-ref": ""})
    assert (run.returncode, run.outputs["findings"]) == (0, "0"), run.log


def test_missing_base_ref_is_a_notice_not_a_failure(workspace: Path, tmp_path: Path) -> None:
    """The runner's GITHUB_BASE_REF (check's own default) does not make check fail either."""
    run = run_action(
        workspace,
        tmp_path,
        {"path": PROJECT, "base-ref": "develop", "fail-on": "never"},
        {"GITHUB_BASE_REF": "develop"},
    )
    assert run.returncode == 0, run.log
    assert "unknown ref" not in run.log
    assert "::notice title=migration-lint::origin/develop is not in the checkout" in run.log
    assert "fetch-depth: 0" in run.log
    assert "What deploying" not in run.summary


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    with FakeGithubServer() as fake:
        yield fake


def test_comment_created_then_deleted_when_clean(
    workspace: Path, tmp_path: Path, github: FakeGithub
) -> None:
    env = {"GITHUB_API_URL": github.url}
    run = run_action(workspace, tmp_path, {"path": PROJECT, "comment": "true"}, env)
    assert run.returncode == 1, run.log
    (comment,) = github.comments[("acme/shop", 7)]
    assert comment["body"].startswith(f"{MARKER}\n## migration-lint: 1 finding")
    assert {r.authorization for r in github.requests} == {"token gh-token"}
    use_clean_branch(workspace)
    run = run_action(workspace, tmp_path, {"path": PROJECT, "comment": "true"}, env)
    assert run.returncode == 0, run.log
    assert github.comments[("acme/shop", 7)] == []


def test_read_only_token_degrades_to_a_notice(
    workspace: Path, tmp_path: Path, github: FakeGithub
) -> None:
    github.read_only = True
    env = {"GITHUB_API_URL": github.url}
    run = run_action(
        workspace, tmp_path, {"path": PROJECT, "comment": "true", "fail-on": "never"}, env
    )
    assert run.returncode == 0, run.log
    assert "::notice title=migration-lint::the token cannot write comments" in run.log
    assert run.summary.startswith("## migration-lint: 1 finding")


def test_comment_failure_warns_and_the_lint_result_decides(
    workspace: Path, tmp_path: Path, github: FakeGithub
) -> None:
    github.unprocessable = True
    env = {"GITHUB_API_URL": github.url}
    run = run_action(
        workspace, tmp_path, {"path": PROJECT, "comment": "true", "fail-on": "never"}, env
    )
    assert run.returncode == 0, run.log
    assert "422 Validation Failed" in run.log
    assert "::warning title=migration-lint::could not update the pull request comment" in run.log


def test_no_comment_unless_asked(workspace: Path, tmp_path: Path, github: FakeGithub) -> None:
    env = {"GITHUB_API_URL": github.url}
    run_action(workspace, tmp_path, {"path": PROJECT, "fail-on": "never"}, env)
    assert github.requests == []


def test_summary_is_cut_under_one_mebibyte_at_a_line(tmp_path: Path) -> None:
    from migration_lint.github.action_support import SUMMARY_LIMIT_BYTES, append_summary

    source, summary = tmp_path / "report.md", tmp_path / "summary"
    summary.write_text("earlier step\n", encoding="utf-8")
    source.write_text("# report\n```text\n" + "é line\n" * 300_000, encoding="utf-8")
    assert append_summary(source, summary)
    data = summary.read_bytes()
    assert len(data) < SUMMARY_LIMIT_BYTES
    text = data.decode("utf-8")
    assert text.startswith("earlier step\n# report\n")
    body, note = text.rsplit("\n\n", 1)
    assert body.rstrip("\n").endswith("é line\n```")
    assert "does not fit" in note
    small = tmp_path / "small.md"
    small.write_text("ok", encoding="utf-8")
    assert not append_summary(small, summary)
    assert summary.read_text(encoding="utf-8").endswith("see the log._\nok\n")


def test_pr_number_from_the_event_payload(tmp_path: Path) -> None:
    from migration_lint.github.action_support import pr_number

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42}}), encoding="utf-8")
    assert pr_number(event) == 42
    event.write_text(json.dumps({"ref": "refs/heads/main"}), encoding="utf-8")
    assert pr_number(event) is None
    assert pr_number(tmp_path / "missing.json") is None
