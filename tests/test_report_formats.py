"""Every ``check --format``: what each shows, the escaping it needs and the limits it keeps.

One small project serves all formats: a conflict in ``shop`` (error, a multi-line span), an
unknown operation in ``shop`` (info, a single-line span) and an unparsable ``blog`` file.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from migration_lint.findings import Finding, Severity
from migration_lint.report.common import ReportContext
from migration_lint.report.github import annotation, escape_data, escape_property
from migration_lint.report.markdown import MAX_CHARACTERS, escape_cell, render_markdown
from migration_lint.report.text import caret_line
from migration_lint.rules import REGISTRY
from tests.projects import migration, run, write_tree

SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-schema.json"
PROJECT = {
    "shop/migrations/0001_initial.py": "from shop.ops import Trigger\n"
    + migration(operations="Trigger('audit'),\n"),
    "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
    "shop/migrations/0002_stock.py": migration(("shop", "0001_initial")),
    "blog/migrations/0001_initial.py": "class Migration(\n",
}
FINDING = Finding(
    code="ML008",
    name="unknown-operation",
    severity=Severity.INFO,
    path="shop/migrations/0001_initial.py",
    line=11,
    column=9,
    end_line=11,
    end_column=25,
    message="Cannot know what it does",
)


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run inside GitHub Actions too: the auto-annotations must be asked for."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("MIGRATION_LINT_OUTPUT_FORMAT", raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path, PROJECT)


def check(root: Path, *args: str) -> tuple[int, str]:
    result = run(root, "check", "--no-cache", "--color", "never", *args)
    return result.exit_code, result.output


# --- text and concise -------------------------------------------------------------------


def test_text_shows_each_finding_with_its_line_and_carets_grouped_by_file(project: Path) -> None:
    status, output = check(project)
    assert status == 1
    blocks = output.split("\n\n")
    assert [block.split(":")[0] for block in blocks[:-1]] == [
        "blog/migrations/0001_initial.py",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_stock.py",
    ]
    assert blocks[-1] == "Found 3 findings (2 errors, 1 info).\n"
    info = blocks[1].splitlines()
    assert info[0].startswith("shop/migrations/0001_initial.py:11:9: ML008 [unknown-operation]")
    assert info[2] == "11 |         Trigger('audit'),"
    # The carets sit exactly under the operation's columns.
    source, carets = info[2].split("| ", 1)[1], info[3].split("| ", 1)[1]
    assert carets == " " * source.index("Trigger") + "^" * len("Trigger('audit')")
    assert (
        info[4] == "   = hint: ignore ML008 for this file or project if the operation is expected"
    )
    assert "\x1b[" not in output


def test_text_is_coloured_only_when_colour_is_on(project: Path) -> None:
    coloured = run(project, "check", "--no-cache", "--color", "always").output
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == check(project)[1]


def test_caret_line_for_multi_line_spans_and_tabs() -> None:
    multi = replace(FINDING, column=3, end_line=14, end_column=2)
    assert caret_line("  Foo(a,   ", multi) == "  ^^^^^^"
    assert caret_line("\tx = y", replace(FINDING, column=2, end_column=3)) == "\t^"
    # An empty span still gets one caret.
    assert caret_line("abc", replace(FINDING, column=2, end_column=2)) == " ^"


def test_text_without_a_readable_source_has_no_snippet(tmp_path: Path) -> None:
    from migration_lint.report.text import render_text

    gone = replace(FINDING, path=str(tmp_path / "deleted.py"))
    lines = render_text([gone]).splitlines()
    assert lines[0].endswith("ML008 [unknown-operation] Cannot know what it does")
    assert lines[1:] == ["", "Found 1 finding (1 info)."]


def test_concise_is_one_line_per_finding_without_hints(project: Path) -> None:
    status, output = check(project, "--format", "concise")
    assert status == 1
    lines = output.splitlines()
    assert lines == [
        "blog/migrations/0001_initial.py:1:16: ML009 [unreadable-migration] "
        "Python cannot compile this file: '(' was never closed",
        "shop/migrations/0001_initial.py:11:9: ML008 [unknown-operation] Cannot know what "
        "shop.ops.Trigger does: it is not one of Django's operations, so no check looks at it",
        lines[2],
        "Found 3 findings (2 errors, 1 info).",
    ]
    assert lines[2].startswith("shop/migrations/0002_stock.py:4:1: ML001 [conflicting-leaves]")
    assert "hint" not in output


def test_format_alias_and_environment_variable(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    concise = check(project, "--format", "concise")[1]
    assert check(project, "--output-format", "concise")[1] == concise
    monkeypatch.setenv("MIGRATION_LINT_OUTPUT_FORMAT", "concise")
    assert check(project)[1] == concise
    assert json.loads(check(project, "--format", "json")[1])["summary"]["total"] == 3


# --- github -----------------------------------------------------------------------------


def test_github_annotations_of_the_project(project: Path) -> None:
    status, output = check(project, "--format", "github")
    assert status == 1
    lines = output.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(
        "::error file=blog/migrations/0001_initial.py,line=1,endLine=1,col=16,endColumn=17,"
        "title=ML009 unreadable-migration::Python cannot compile this file"
    )
    assert lines[1].startswith(
        "::notice file=shop/migrations/0001_initial.py,line=11,endLine=11,col=9,endColumn=25,"
    )
    # The conflict spans the whole class: no columns for a multi-line span.
    assert re.match(
        r"::error file=shop/migrations/0002_stock\.py,line=4,endLine=\d+,"
        r"title=ML001 conflicting-leaves::",
        lines[2],
    )
    assert "%0Aadd a merge migration" in lines[2]


def test_github_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("dir:a,b%\n") == "dir%3Aa%2Cb%25%0A"
    tricky = replace(
        FINDING,
        severity=Severity.WARNING,
        path="odd,dir/x:y.py",
        message="100% sure\nsecond line",
        hint="do: this, then that",
        name="name,with:colon",
    )
    assert annotation(tricky) == (
        "::warning file=odd%2Cdir/x%3Ay.py,line=11,endLine=11,col=9,endColumn=25,"
        "title=ML008 name%2Cwith%3Acolon::100%25 sure%0Asecond line%0Ado: this, then that"
    )


def test_github_actions_adds_annotations_to_the_text_report(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = check(project)[1]
    annotations = check(project, "--format", "github")[1]
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert check(project)[1] == text + annotations
    # Other formats stay machine-readable.
    assert json.loads(check(project, "--format", "json")[1])["summary"]["total"] == 3
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert check(project)[1] == text


# --- sarif ------------------------------------------------------------------------------


def sarif(root: Path, *args: str) -> dict[str, Any]:
    status, output = check(root, "--format", "sarif", *args)
    assert status in (0, 1)
    document: dict[str, Any] = json.loads(output)
    return document


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = sarif(project)
    jsonschema.Draft4Validator(schema).validate(document)
    # The validator does reject a broken log (so the check above means something).
    broken = {**document, "runs": [{**document["runs"][0], "results": [{"level": "fatal"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(broken)


def test_sarif_follows_githubs_ingestion_rules(project: Path) -> None:
    run_ = sarif(project)["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "migration-lint" and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == sorted(REGISTRY)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert rule["help"]["markdown"] == REGISTRY[rule["id"]].doc
        assert 0 < len(rule["fullDescription"]["text"]) <= 1000
    results = run_["results"]
    assert [r["ruleId"] for r in results] == ["ML009", "ML008", "ML001"]
    assert [r["level"] for r in results] == ["error", "note", "error"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not uri.startswith(("/", "file:")) and ".." not in uri and "\\" not in uri
        assert (project / uri).is_file()
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11,
        "startColumn": 9,
        "endLine": 11,
        "endColumn": 25,
    }


def test_sarif_lists_the_selected_rules_only(project: Path) -> None:
    driver = sarif(project, "--select", "ML001,ML009")["runs"][0]["tool"]["driver"]
    assert [rule["id"] for rule in driver["rules"]] == ["ML001", "ML009"]


def test_sarif_fingerprints_survive_lines_added_above(project: Path) -> None:
    def fingerprints() -> dict[str, str]:
        results = sarif(project)["runs"][0]["results"]
        return {r["ruleId"]: r["partialFingerprints"]["primaryLocationLineHash"] for r in results}

    before = fingerprints()
    assert len(set(before.values())) == 3
    initial = project / "shop/migrations/0001_initial.py"
    initial.write_text("# a comment\n\n" + initial.read_text(encoding="utf-8"), encoding="utf-8")
    after = fingerprints()
    assert after == before
    # ... but a change of the flagged line itself is a new alert.
    initial.write_text(
        initial.read_text(encoding="utf-8").replace("'audit'", "'audit2'"), encoding="utf-8"
    )
    assert fingerprints()["ML008"] != before["ML008"]


def test_sarif_written_to_a_file(project: Path) -> None:
    status, output = check(project, "--format", "sarif", "-o", "report.sarif")
    assert status == 1 and output == ""
    assert json.loads((project / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


# --- junit ------------------------------------------------------------------------------


def test_junit_has_a_suite_per_file_and_failures_for_errors(project: Path) -> None:
    root = ET.fromstring(check(project, "--format", "junit")[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("3", "2")
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == [
        "blog/migrations/0001_initial.py",
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_stock.py",
    ]
    info = suites["shop/migrations/0001_initial.py"].find("testcase")
    assert info is not None and info.find("failure") is None
    assert "shop.ops.Trigger" in (info.findtext("system-out") or "")
    failure = suites["shop/migrations/0002_stock.py"].find("testcase/failure")
    assert failure is not None and failure.get("type") == "ML001 error"
    assert "makemigrations --merge shop" in (failure.text or "")


def test_junit_clean_run_is_one_passing_testcase(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration()})
    status, output = check(tmp_path, "--format", "junit")
    assert status == 0
    root = ET.fromstring(output)
    cases = list(root.iter("testcase"))
    assert len(cases) == 1 and cases[0].find("failure") is None
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


# --- markdown ---------------------------------------------------------------------------


def test_markdown_has_counts_table_plan_and_graph(project: Path) -> None:
    (project / "blog/migrations/0001_initial.py").write_text(migration(), encoding="utf-8")
    status, output = check(project, "--format", "markdown")
    assert status == 1
    assert output.startswith("## migration-lint: 2 findings (1 error, 1 info)\n")
    assert "| error | `ML001` conflicting-leaves | `shop/migrations/0002_stock.py:4:1` |" in output
    assert "<br>_Hint:_ add a merge migration" in output
    details = output.split("<details>")[1].split("</details>")[0]
    assert "Planned operations:\nblog.0001_initial\nshop.0001_initial\n" in details
    mermaid = output.split("```mermaid\n")[1].split("```")[0]
    assert mermaid.startswith("flowchart BT") and '"0002_stock"' in mermaid
    assert "blog" not in mermaid  # only the apps with findings are drawn


def test_markdown_without_a_plan_when_django_could_not_plan(project: Path) -> None:
    (project / "blog/migrations/0001_initial.py").write_text(
        migration(("blog", "0000_ghost")), encoding="utf-8"
    )
    output = check(project, "--format", "markdown")[1]
    assert "ML002" in output and "<details>" not in output


def test_markdown_escapes_table_cells() -> None:
    assert escape_cell("a | b\r\nc\nd") == "a \\| b<br>c<br>d"
    output = render_markdown([replace(FINDING, message="x | y\nz")])
    assert "| x \\| y<br>z |" in output


def test_markdown_stays_under_the_comment_limit() -> None:
    many = [replace(FINDING, line=n, end_line=n, message="m" * 200) for n in range(1, 2001)]
    context = ReportContext(plan="Planned operations:\n" + "x\n" * 40_000, graph_mermaid="g")
    output = render_markdown(many, context)
    assert len(output) <= MAX_CHARACTERS
    shown = output.count("| info |")
    assert 100 < shown < 2000
    assert f"_…and {2000 - shown} more findings not shown here" in output
    assert "The apply plan is too long for this summary and was left out." in output


def test_markdown_clean_run(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration()})
    output = check(tmp_path, "--format", "markdown")[1]
    assert output.startswith("## migration-lint: all checks passed\n")
    assert "| Severity |" not in output and "```mermaid" not in output


# --- statistics -------------------------------------------------------------------------


def test_statistics_count_findings_per_rule(project: Path) -> None:
    (project / "shop/migrations/0002_more.py").write_text(
        "from shop.ops import Trigger\n" + migration(operations="Trigger('a'),\nTrigger('b'),\n"),
        encoding="utf-8",
    )
    status, output = check(project, "--statistics")
    assert status == 1
    assert output == "3\tML008\tunknown-operation\n1\tML001\tconflicting-leaves\n" + (
        "1\tML009\tunreadable-migration\n"
    )
    records = json.loads(check(project, "--statistics", "--format", "json")[1])
    assert records[0] == {"code": "ML008", "name": "unknown-operation", "count": 3}
    assert check(project, "--statistics", "--exit-zero")[0] == 0
