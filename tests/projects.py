"""Small project trees for tests, and a way to run the CLI on them in-process."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from migration_lint.cli import main


def migration(*dependencies: tuple[str, str], operations: str = "", extra: str = "") -> str:
    """The text of a migration module like ``makemigrations`` writes it."""
    deps = "".join(f"        {dep!r},\n" for dep in dependencies)
    return (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"{textwrap.indent(textwrap.dedent(extra), '    ')}\n"
        f"    dependencies = [\n{deps}    ]\n\n"
        f"    operations = [\n{textwrap.indent(textwrap.dedent(operations), '        ')}    ]\n"
    )


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root``, adding package ``__init__``s."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if path.parent.name == "migrations":
            for package in (path.parent, path.parent.parent):
                (package / "__init__.py").touch()
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text("[tool.migration-lint]\ndjango-contrib = 'never'\n")
    return root


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with an identity (commits need one), failing loudly."""
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def run(root: Path, *args: str) -> Result:
    """Run ``migration-lint ARGS`` with ``root`` as working directory."""
    runner = CliRunner()
    previous = Path.cwd()
    os.chdir(root)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def check_json(root: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and findings of ``check --format json --no-cache ARGS`` on ``root``."""
    result = run(root, "check", "--format", "json", "--no-cache", *args)
    return result.exit_code, json.loads(result.output)["findings"]
