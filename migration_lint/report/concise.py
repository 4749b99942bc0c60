"""One line per finding, ``path:line:col: CODE [name] message``: for grep, editors' problem
matchers and anyone who wants the plain
lines of the text report without snippets or hints."""

from __future__ import annotations

from collections.abc import Sequence

from migration_lint.findings import Finding
from migration_lint.report.common import ReportContext, closing_line, location


def render_concise(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """Concise lines and the closing count (never coloured: it is meant to be parsed)."""
    lines = [f"{location(f)}: {f.code} [{f.name}] {f.message}" for f in findings]
    lines.append(closing_line(findings))
    return "\n".join(lines) + "\n"
