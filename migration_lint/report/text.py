"""The human report: each finding as ``path:line:col: CODE [name] message`` (the shape
editors and terminals turn into links), the source line with carets under the span, and the
hint; findings come grouped by file (each file read once), then a count.

Colour only when asked: the same text must be byte-stable in logs and in the README.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from migration_lint.findings import Finding, Severity
from migration_lint.report.common import (
    ReportContext,
    SourceLines,
    closing_line,
    group_by_path,
    is_single_line,
    location,
)

_SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def caret_line(source: str, finding: Finding) -> str:
    """Carets under the span of ``finding`` in its first line ``source``.

    A single-line span gets carets under its columns (at least one); a span that goes on
    past this line gets carets from its start column to the end of the line's text. Tabs in
    the indentation are copied so the carets stay aligned in a terminal.
    """
    start = max(finding.column - 1, 0)
    end = finding.end_column - 1 if is_single_line(finding) else len(source.rstrip())
    width = max(end - start, 1)
    padding = "".join("\t" if char == "\t" else " " for char in source[:start])
    return padding + "^" * width


def _snippet(finding: Finding, source: str | None, style: _Style, gutter_width: int) -> list[str]:
    """The ``  |`` framed source line and carets, or nothing when the line is unknown."""
    if source is None:
        return []
    colour = _SEVERITY_COLOURS[finding.severity]
    bar = style(" " * gutter_width + " |", fg="blue", bold=True)
    number = style(f"{finding.line:>{gutter_width}} |", fg="blue", bold=True)
    carets = style(caret_line(source, finding), fg=colour, bold=True)
    return [bar, f"{number} {source}".rstrip(), f"{bar} {carets}"]


class _Style:
    """``click.style`` when colour is on, the identity otherwise."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **styles: object) -> str:
        return click.style(text, **styles) if self.color else text  # type: ignore[arg-type]


def render_text(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """The full human report (``--format text``, the default)."""
    style = _Style((context or ReportContext()).color)
    sources = SourceLines()
    lines: list[str] = []
    for path_findings in group_by_path(findings).values():
        for finding in path_findings:
            code = style(finding.code, fg=_SEVERITY_COLOURS[finding.severity], bold=True)
            lines.append(
                f"{style(location(finding) + ':', bold=True)} {code} [{finding.name}] "
                f"{finding.message}"
            )
            gutter = len(str(finding.line))
            lines.extend(_snippet(finding, sources.line(finding.path, finding.line), style, gutter))
            if finding.hint:
                lines.append(f"{' ' * gutter} {style('= hint:', fg='cyan')} {finding.hint}")
        lines.append("")
    lines.append(style(closing_line(findings), fg="green" if not findings else None))
    return "\n".join(lines) + "\n"
