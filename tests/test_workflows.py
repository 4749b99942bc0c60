"""``.github/workflows/`` cannot run here, so their shape is checked: the matrix the project
promises, minimal permissions, SHA-pinned third-party actions, no expressions spliced into
scripts, and a self-test that really uses this repository's action on the example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parent.parent
CI = ROOT / ".github" / "workflows" / "ci.yml"


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_every_workflow_is_valid_yaml_with_minimal_permissions() -> None:
    files = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert files
    for path in files:
        workflow = load(path)
        triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as True
        assert "pull_request_target" not in triggers, path
        assert workflow["permissions"] == {"contents": "read"}, path
        for step in steps(workflow):
            uses = step.get("uses", "")
            if uses and not uses.startswith("./"):
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses
            assert "${{" not in step.get("run", ""), step


def test_tests_cover_every_python_and_os() -> None:
    job = load(CI)["jobs"]["tests"]
    assert job["strategy"]["fail-fast"] is False
    matrix = job["strategy"]["matrix"]
    assert matrix["python"] == ["3.10", "3.11", "3.12", "3.13", "3.14"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert any("pytest" in step.get("run", "") for step in job["steps"])


def test_lint_runs_ruff_and_mypy() -> None:
    runs = " ".join(step.get("run", "") for step in load(CI)["jobs"]["lint"]["steps"])
    for command in ("ruff check .", "ruff format --check .", "mypy --strict migration_lint"):
        assert command in runs


def test_self_test_uses_the_action_on_the_example_and_checks_outputs() -> None:
    job = load(CI)["jobs"]["self-test"]
    used = [step for step in job["steps"] if step.get("uses") == "./"]
    assert used[0]["with"]["path"] == "examples/bookshop"
    assert used[0]["with"]["fail-on"] == "never"
    assert (ROOT / used[0]["with"]["path"]).is_dir()
    checks = next(step for step in job["steps"] if step.get("name") == "Check the outputs")
    assert checks["env"]["ERRORS"] == "${{ steps.lint.outputs.errors }}"
    assert 'test "$ERRORS" = 1' in checks["run"]
