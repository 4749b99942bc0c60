"""The rule framework: a rule is a documented function that yields issues from an analysis.

A check never builds a :class:`~migration_lint.findings.Finding` itself: it yields
:class:`Issue` objects (where and what), and the framework adds the rule's code, name and
severity. That keeps every rule's identity in one place, the :func:`rule` decorator.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migration_lint.findings import Finding, Severity
from migration_lint.model import Span

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

#: Where an issue points when the file itself is the best place we have.
FILE_START = Span(1, 1, 1, 1)


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


Check = Callable[["Analysis"], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A rule: stable ``code``, kebab-case ``name``, default ``severity`` and its check.

    ``doc`` is the check's docstring: what it finds, then sections ``Why it hurts`` and
    ``What to do instead`` (shown by ``migration-lint rule CODE``).
    """

    code: str
    name: str
    severity: Severity
    summary: str
    check: Check

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or self.summary)

    def finding(self, issue: Issue) -> Finding:
        """``issue`` with this rule's identity stamped on it."""
        span = issue.span
        return Finding(
            code=self.code,
            name=self.name,
            severity=issue.severity or self.severity,
            path=issue.path,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            message=issue.message,
            hint=issue.hint,
            app=issue.app,
            migration=issue.migration,
        )


REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``code``; codes and names must be unique forever."""

    def register(check: Check) -> Check:
        if code in REGISTRY or any(r.name == name for r in REGISTRY.values()):
            raise ValueError(f"rule {code} {name} registered twice")
        REGISTRY[code] = Rule(code, name, severity, summary, check)
        return check

    return register
