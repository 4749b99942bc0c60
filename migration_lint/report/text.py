"""The human report: one line per finding in the ``path:line:col: CODE message`` shape
that editors and terminals turn into links, the hint under it, and a count at the end."""

from __future__ import annotations

from collections.abc import Sequence

import click

from migration_lint.findings import Finding, Severity, summary

_SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def render_text(findings: Sequence[Finding], color: bool = False) -> str:
    def style(text: str, **styles: object) -> str:
        return click.style(text, **styles) if color else text  # type: ignore[arg-type]

    lines = []
    for f in findings:
        where = style(f"{f.path}:{f.line}:{f.column}:", bold=True)
        code = style(f"{f.code}", fg=_SEVERITY_COLOURS[f.severity], bold=True)
        lines.append(f"{where} {code} [{f.name}] {f.message}")
        if f.hint:
            lines.append(f"    {style('hint:', fg='cyan')} {f.hint}")
    counts = summary(findings)
    if not findings:
        lines.append(style("All checks passed.", fg="green"))
    else:
        parts = [f"{counts[s.value]} {s.value}s" for s in Severity if counts[s.value]]
        lines.append(f"Found {counts['total']} findings ({', '.join(parts)}).")
    return "\n".join(lines) + "\n"
