"""The JSON report: ``{"version": 1, "findings": [...], "summary": {...}}`` (a stable contract)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from migration_lint.findings import Finding, summary
from migration_lint.report.common import ReportContext


def render_json(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """The DESIGN.md contract: every field of every finding, and the summary counts."""
    records = [
        {
            "code": f.code,
            "name": f.name,
            "severity": f.severity.value,
            "path": f.path,
            "line": f.line,
            "column": f.column,
            "end_line": f.end_line,
            "end_column": f.end_column,
            "app": f.app,
            "migration": f.migration,
            "message": f.message,
            "hint": f.hint,
        }
        for f in findings
    ]
    document = {"version": 1, "findings": records, "summary": summary(findings)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
