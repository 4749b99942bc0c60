"""What every reporter shares: the context the CLI hands over, source lines, spans, counts.

Reporters are pure functions of the findings and a :class:`ReportContext`; they never run
checks or the pipeline (DESIGN.md: data flows one way). The few facts some formats need
beyond the findings (SARIF's rule table, the markdown plan and graph) travel in the context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration_lint.findings import Finding, Severity, summary

if TYPE_CHECKING:
    from migration_lint.rules.base import Rule

#: Where people find the tool; SARIF's ``informationUri`` points here.
INFORMATION_URI = "https://pypi.org/project/django-migration-lint/"


@dataclass(frozen=True)
class ReportContext:
    """What a report may show beyond the findings, built once by the CLI.

    ``rules`` are the selected rules (SARIF lists each, found or not, so code scanning knows
    what was checked); ``plan`` is the apply plan text and ``graph_mermaid`` a Mermaid
    drawing of the apps with findings, for the markdown report. Formats ignore what they do
    not use, and tests can hand any of it in directly.
    """

    color: bool = False
    rules: Sequence[Rule] = ()
    plan: str | None = None
    graph_mermaid: str | None = None


class SourceLines:
    """The lines of the files findings point at, each file read at most once per report.

    A file that cannot be read (deleted, permissions, not text) simply has no lines: a
    report must never fail because the snippet is missing.
    """

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str | None:
        """Line ``number`` (1-based) of ``path`` without its newline, or None."""
        lines = self._files.get(path)
        if lines is None:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            lines = self._files[path] = text.splitlines()
        return lines[number - 1] if 1 <= number <= len(lines) else None


def is_single_line(finding: Finding) -> bool:
    """Columns only mean something to annotations and carets when the span is one line."""
    return finding.line == finding.end_line


def group_by_path(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Findings per file, files in first-seen order (findings arrive sorted by place)."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.path, []).append(finding)
    return grouped


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def counts_phrase(findings: Sequence[Finding]) -> str:
    """``1 error, 2 warnings`` (only the severities present), for headings and summaries."""
    counts = summary(findings)
    return ", ".join(_plural(counts[s.value], s.value) for s in Severity if counts[s.value])


def closing_line(findings: Sequence[Finding]) -> str:
    """The last line of the human reports: ``Found 3 findings (1 error, 2 warnings).``"""
    if not findings:
        return "All checks passed."
    return f"Found {_plural(len(findings), 'finding')} ({counts_phrase(findings)})."


def location(finding: Finding) -> str:
    """``path:line:col``: the shape editors and terminals turn into links."""
    return f"{finding.path}:{finding.line}:{finding.column}"


def message_with_hint(finding: Finding) -> str:
    """The message, and the hint on its own line when there is one."""
    return f"{finding.message}\n{finding.hint}" if finding.hint else finding.message


def line_fingerprint(finding: Finding, source_line: str | None) -> str:
    """A hash that survives edits elsewhere in the file: rule, path and the line's text.

    Line numbers are left out on purpose, so inserting lines above a finding does not make
    code scanning close the alert and open a new one.
    """
    text = (source_line or "").strip()
    data = "\0".join((finding.code, finding.path, text)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]
