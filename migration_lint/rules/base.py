"""The rule framework: a rule is a documented function that yields issues from an analysis.

A check never builds a :class:`~migration_lint.findings.Finding` itself: it yields
:class:`Issue` objects (where and what), and the framework adds the rule's code, name and
severity. That keeps every rule's identity in one place, the :func:`rule` decorator.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from migration_lint.findings import Finding, Issue, Severity
from migration_lint.model import Span

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

#: Where an issue points when the file itself is the best place we have.
FILE_START = Span(1, 1, 1, 1)


Check = Callable[["Analysis"], Iterable[Issue]]

#: Where a rule's findings can come from, which decides what ``check FILE ...`` reports.
#: ``"file"``: a finding is caused by the content of the file it points at (an unreadable
#: file, an unknown operation), so when files are passed (the pre-commit hook) it is reported
#: only for those files. ``"project"``: a finding can be caused by a file other than the one
#: it points at (a new migration makes an old one a conflicting leaf, a deleted file leaves a
#: dependency dangling), so it is always reported.
Scope = Literal["file", "project"]


@dataclass(frozen=True)
class Rule:
    """A rule: stable ``code``, kebab-case ``name``, default ``severity`` and its check.

    ``doc`` is the check's docstring: what it finds, then sections ``Why it hurts`` and
    ``What to do instead`` (shown by ``migration-lint rule CODE``). ``scope`` is described
    at :data:`Scope`; a rule is project-scoped unless it says otherwise, so that a rule
    nobody thought about is never hidden from the pre-commit hook.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    check: Check
    scope: Scope = "project"

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


def rule(
    code: str, name: str, severity: Severity, summary: str, *, scope: Scope = "project"
) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``code``; codes and names must be unique forever."""

    def register(check: Check) -> Check:
        if code in REGISTRY or any(r.name == name for r in REGISTRY.values()):
            raise ValueError(f"rule {code} {name} registered twice")
        REGISTRY[code] = Rule(code, name, severity, summary, check, scope)
        return check

    return register
