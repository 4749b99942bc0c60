"""What a check reports, in the one shape every reporter formats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from migration_lint.model import Span


class Severity(str, Enum):
    """How bad a finding is; ``error`` fails the run, ``warning`` too unless configured."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One problem at one place.

    Lines are 1-based; columns are 1-based with ``end_column`` exclusive. ``app`` and
    ``migration`` name the migration the finding is about when there is one.
    """

    code: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    hint: str = ""
    app: str | None = None
    migration: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True)
class Issue:
    """What a check found, before the framework stamps the rule's identity on it."""

    path: str
    span: Span
    message: str
    hint: str = ""
    app: str | None = None
    migration: str | None = None
    #: Overrides the rule's default severity, for rules whose inputs carry their own.
    severity: Severity | None = None


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    """Counts by severity: the same numbers every format shows."""
    counts = {"total": len(findings), **{severity.value: 0 for severity in Severity}}
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts
