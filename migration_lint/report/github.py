"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation
per finding, so findings show on the lines of the pull request.

Escaping follows actions/toolkit (``command.ts``) exactly: in the message ``%``, ``\\r`` and
``\\n``; in property values also ``:`` and ``,``, which would otherwise end the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_lint.findings import Finding, Severity
from migration_lint.report.common import ReportContext, is_single_line, message_with_hint

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """toolkit's ``escapeData``: what follows the final ``::``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """toolkit's ``escapeProperty``: a ``key=value`` before the ``::``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """The workflow command for one finding.

    Columns are sent only for single-line spans: GitHub ignores (or misplaces) ``col`` and
    ``endColumn`` when ``line`` and ``endLine`` differ.
    """
    properties = [("file", finding.path), ("line", str(finding.line))]
    properties.append(("endLine", str(finding.end_line)))
    if is_single_line(finding):
        properties += [("col", str(finding.column)), ("endColumn", str(finding.end_column))]
    properties.append(("title", f"{finding.code} {finding.name}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    command = _COMMANDS[finding.severity]
    return f"::{command} {rendered}::{escape_data(message_with_hint(finding))}"


def render_github(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """Every annotation, one per line (nothing at all for a clean run)."""
    return "".join(annotation(finding) + "\n" for finding in findings)
