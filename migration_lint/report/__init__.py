"""Reporters: each turns the same list of findings into one output format.

A reporter is ``(findings, context) -> str``; :class:`ReportContext` carries the little a
format needs beyond the findings (colour, the selected rules, the plan and graph).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from migration_lint.findings import Finding
from migration_lint.report.common import ReportContext
from migration_lint.report.concise import render_concise
from migration_lint.report.github import render_github
from migration_lint.report.json import render_json
from migration_lint.report.junit import render_junit
from migration_lint.report.markdown import render_markdown
from migration_lint.report.sarif import render_sarif
from migration_lint.report.text import render_text

__all__ = ["REPORTERS", "ReportContext", "Reporter"]

Reporter = Callable[[Sequence[Finding], ReportContext | None], str]

REPORTERS: dict[str, Reporter] = {
    "text": render_text,
    "concise": render_concise,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
}
