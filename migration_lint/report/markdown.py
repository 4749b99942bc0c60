"""Markdown for a GitHub job summary or pull-request comment.

A heading with the counts, a table of findings, the apply plan in a collapsible block and a
Mermaid drawing of the apps with findings. The whole text stays under
:data:`MAX_CHARACTERS` (a PR comment body may not exceed 65,536): the drawing and then the
plan are left out when they do not fit, and the table is cut with a note saying how many
findings are not shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_lint.findings import Finding
from migration_lint.report.common import ReportContext, counts_phrase, location

#: A budget under GitHub's 65,536-character comment limit, like squawk's.
MAX_CHARACTERS = 65_000
_HEADER = ["| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |"]
#: Room kept for the truncation note and the notes about left-out sections.
_NOTES_RESERVE = 600


def escape_cell(text: str) -> str:
    """Text that stays inside one table cell: ``|`` escaped, line breaks as ``<br>``."""
    return text.replace("|", "\\|").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _row(finding: Finding) -> str:
    message = finding.message + (f"\n_Hint:_ {finding.hint}" if finding.hint else "")
    cells = [
        finding.severity.value,
        f"`{finding.code}` {finding.name}",
        f"`{location(finding)}`",
        message,
    ]
    return "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"


def _heading(findings: Sequence[Finding]) -> str:
    if not findings:
        return "## migration-lint: all checks passed"
    noun = "finding" if len(findings) == 1 else "findings"
    return f"## migration-lint: {len(findings)} {noun} ({counts_phrase(findings)})"


def _plan_section(plan: str) -> str:
    return (
        "<details><summary>Apply plan on an empty database</summary>\n\n"
        f"```text\n{plan.rstrip()}\n```\n\n</details>"
    )


def _graph_section(mermaid: str) -> str:
    return f"### Migration graph of the apps with findings\n\n```mermaid\n{mermaid.rstrip()}\n```"


def render_markdown(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """The markdown report, never longer than :data:`MAX_CHARACTERS`."""
    context = context or ReportContext()
    parts = [_heading(findings)]
    budget = MAX_CHARACTERS - _NOTES_RESERVE - len(parts[0])
    if findings:
        table = list(_HEADER)
        used = sum(len(line) + 1 for line in table)
        for shown, finding in enumerate(findings):
            row = _row(finding)
            if used + len(row) + 1 > budget:
                table.append("")
                table.append(
                    f"_…and {len(findings) - shown} more findings not shown here; "
                    "run `migration-lint check` for the full list._"
                )
                break
            table.append(row)
            used += len(row) + 1
        parts.append("\n".join(table))
        budget -= used
    optional = [
        (context.plan, _plan_section, "apply plan"),
        (context.graph_mermaid, _graph_section, "migration graph"),
    ]
    for content, render, what in optional:
        if not content:
            continue
        section = render(content)
        if len(section) + 2 > budget:
            parts.append(f"_The {what} is too long for this summary and was left out._")
            continue
        parts.append(section)
        budget -= len(section) + 2
    return "\n\n".join(parts) + "\n"
