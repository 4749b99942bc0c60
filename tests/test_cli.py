"""The command line's contract: exit codes, formats, rule docs, and the README staying true."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from migration_lint import __version__
from migration_lint.rules import REGISTRY
from migration_lint.rules.docs import rules_markdown_table
from tests.projects import migration, run, write_tree

ROOT = Path(__file__).parent.parent
CONFLICT = {
    "shop/migrations/0001_initial.py": migration(),
    "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
    "shop/migrations/0002_stock.py": migration(("shop", "0001_initial")),
}


def test_version() -> None:
    result = run(ROOT, "--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_python_dash_m_entry_point() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "migration_lint", "--version"], capture_output=True, text=True
    )
    assert completed.returncode == 0
    assert __version__ in completed.stdout


def test_clean_project_exits_zero(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration()})
    result = run(tmp_path, "check", "--no-cache")
    assert result.exit_code == 0
    assert "All checks passed." in result.output


def test_text_report_names_file_line_code_and_hint(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFLICT)
    result = run(tmp_path, "check", "--no-cache", "--color", "never")
    assert result.exit_code == 1
    assert re.search(
        r"^shop/migrations/0002_stock\.py:4:1: ML001 \[conflicting-leaves\]", result.output, re.M
    )
    assert (
        "hint: add a merge migration with `python manage.py makemigrations --merge shop`"
        in result.output
    )
    assert result.output.rstrip().endswith("Found 1 finding (1 error).")
    assert "\x1b[" not in result.output


def test_colour_only_when_asked_or_on_a_terminal(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_tree(tmp_path, CONFLICT)
    assert "\x1b[" in run(tmp_path, "check", "--no-cache", "--color", "always").output
    assert "\x1b[" not in run(tmp_path, "check", "--no-cache").output  # not a TTY
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(tmp_path, "check", "--no-cache").output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(tmp_path, "check", "--no-cache").output


def test_json_report_shape(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFLICT)
    result = run(tmp_path, "check", "--no-cache", "--format", "json")
    document = json.loads(result.output)
    assert document["version"] == 1
    assert document["summary"] == {"total": 1, "error": 1, "warning": 0, "info": 0}
    (finding,) = document["findings"]
    assert set(finding) == {
        "code", "name", "severity", "path", "line", "column", "end_line", "end_column",
        "app", "migration", "message", "hint",
    }  # fmt: skip


def test_exit_zero_and_output_file(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFLICT)
    result = run(
        tmp_path, "check", "--no-cache", "--exit-zero", "-o", "report.json", "--format", "json"
    )
    assert result.exit_code == 0
    assert result.output == ""
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["error"] == 1


def test_usage_and_configuration_errors_exit_two(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFLICT)
    assert run(tmp_path, "check", "--select", "ML999").exit_code == 2
    assert run(tmp_path, "check", "--format", "yaml").exit_code == 2
    assert run(tmp_path, "rule", "ML999").exit_code == 2
    (tmp_path / "pyproject.toml").write_text("[tool.migration-lint]\nno-such-key = 1\n")
    result = run(tmp_path, "check")
    assert result.exit_code == 2
    assert "no-such-key" in result.output


def test_rules_and_rule_docs() -> None:
    listing = run(ROOT, "rules").output
    for code, found in REGISTRY.items():
        assert f"{code}  {found.name}" in listing
        doc = run(ROOT, "rule", code).output
        assert "## Why it hurts" in doc and "## What to do instead" in doc
    assert run(ROOT, "rule", "conflicting-leaves").output.startswith("ML001 conflicting-leaves")


def test_readme_rules_table_is_generated_from_the_registry() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- rules-table -->\n")[1].split("<!-- /rules-table -->")[0]
    assert table == rules_markdown_table(), "run: migration-lint rules --format markdown"


def test_graph_formats(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFLICT)
    dot = run(tmp_path, "graph", "--no-cache").output
    assert dot.startswith("digraph migrations {")
    assert '"shop.0002_price" -> "shop.0001_initial";' in dot
    assert '"shop.0002_stock" [label="0002_stock", style=bold];' in dot
    mermaid = run(tmp_path, "graph", "--no-cache", "--format", "mermaid").output
    assert mermaid.startswith("flowchart BT")
    assert 'n1["0002_price"]' in mermaid and "n1 --> n0" in mermaid


def test_readme_example_output_is_what_the_tool_prints(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("$ migration-lint check examples/bookshop\n")[1].split("```")[0]
    monkeypatch.chdir(ROOT)
    result = run(ROOT, "check", "examples/bookshop", "--no-cache")
    assert result.exit_code == 1
    assert result.output == shown


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    from migration_lint.config import load_config

    readme = (ROOT / "README.md").read_text()
    example = readme.split("## Configuration")[1].split("```toml\n")[1].split("```")[0]
    (tmp_path / "pyproject.toml").write_text(example)
    settings = tmp_path / "src" / "mysite" / "settings.py"  # `paths` and `settings` exist
    settings.parent.mkdir(parents=True)
    (settings.parent / "__init__.py").touch()
    settings.write_text("INSTALLED_APPS = []\n")
    config = load_config(tmp_path)
    assert config.settings.migration_modules["scratch"] is None
    assert config.operation_aliases == {"myapp.ops.FakeAddField": "django.db.migrations.AddField"}
