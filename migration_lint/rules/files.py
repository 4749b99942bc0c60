"""ML0xx rules about the files themselves: what we could not read, and what we do not know."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.model import Span
from migration_lint.operations import KNOWN_OPERATIONS
from migration_lint.pipeline import display_path
from migration_lint.rules.base import rule
from migration_lint.third_party import THIRD_PARTY

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis


def _known(path: str) -> bool:
    return path in KNOWN_OPERATIONS or path in THIRD_PARTY


@rule(
    "ML008",
    "unknown-operation",
    Severity.INFO,
    "An operation class that is not one of Django's: its effect is unknown to the linter",
    scope="file",
)
def unknown_operation(analysis: Analysis) -> Iterator[Issue]:
    """Finds operations whose class is not one of Django's built-in operations.

    Custom operations (a project's own ``Operation`` subclass, or one of a third-party
    package) are perfectly valid; but since the linter never imports code, it cannot know
    what they do to the schema or the state, and the checks skip them. The operations of
    django-pg-migration-tools (``SaferAddIndexConcurrently``, ``SaferAddFieldForeignKey``
    ...) and django-pgtrigger (``AddTrigger``, ``RemoveTrigger``) are known and not reported.

    ## Why it hurts
    Nothing breaks; the finding says which operations the other rules could not judge.

    ## What to do instead
    Nothing, or silence it for the file (``# migration-lint: noqa: ML008``) or project-wide
    (``ignore = ["ML008"]`` in ``[tool.migration-lint]``).
    """
    for migration in analysis.files:
        if migration.app_label in analysis.external_apps:
            continue
        for operation in migration.operations:
            if operation.raw is None and not _known(operation.path):
                yield Issue(
                    path=display_path(migration.path),
                    span=operation.span,
                    message=(
                        f"Cannot know what {operation.path} does: it is not one of Django's "
                        "operations, so no check looks at it"
                    ),
                    hint="ignore ML008 for this file or project if the operation is expected",
                    app=migration.app_label,
                    migration=migration.name,
                )


@rule(
    "ML009",
    "unreadable-migration",
    Severity.ERROR,
    "A migration file (or part of it) could not be parsed or evaluated statically",
    scope="file",
)
def unreadable_migration(analysis: Analysis) -> Iterator[Issue]:
    """Finds migration files, or parts of them, that the static reader could not evaluate.

    Examples: a syntax error, bytes that are not valid in the file's encoding, a
    ``dependencies`` list built by calling a function, a ``Migration`` class that inherits its
    dependencies from a base class in another module, a module without a ``Migration``
    class.

    It is an error when the file's place in the graph is unknown (syntax error, no
    ``Migration`` class, ``dependencies`` / ``replaces`` / ``run_before`` not evaluated) and a
    warning when only its operations or flags (``atomic``, ``initial``) are.

    ## Why it hurts
    The linter never runs your code, so what it cannot read it cannot check: the graph may
    miss edges, and conflicts or missing dependencies around that file may go unnoticed.
    A syntax error or a missing ``Migration`` class also breaks Django itself.

    ## What to do instead
    Write ``dependencies``, ``replaces`` and ``run_before`` as literal lists of
    ``("app_label", "migration_name")`` pairs (``swappable_dependency(settings.X)`` is
    fine), the way ``makemigrations`` writes them. Fix syntax errors. If the dynamic code is
    intended, silence the rule for that file with ``# migration-lint: noqa: ML009``.
    """
    for migration in analysis.files:
        # What keeps the graph from being known is an error; an unknown operation or flag
        # only narrows what the other rules can check.
        severity = None if not migration.complete else Severity.WARNING
        for problem in migration.problems:
            yield Issue(
                path=display_path(migration.path),
                span=problem.span,
                message=problem.message,
                hint=problem.hint,
                app=migration.app_label,
                migration=migration.name,
                severity=severity,
            )
    for graph_problem in analysis.loaded.problems:
        # (a missing Migration class is already among the parser's problems)
        origin = graph_problem.origin
        if graph_problem.kind == "unknown-setting" and origin is not None:
            yield Issue(
                path=analysis.display_path(origin),
                span=graph_problem.span or Span(1, 1, 1, 1),
                message=graph_problem.message,
                app=origin[0],
                migration=origin[1],
            )


@rule(
    "ML006",
    "project-layout",
    Severity.WARNING,
    "Something about the project's apps, labels or settings that Django would see differently",
)
def project_layout(analysis: Analysis) -> Iterator[Issue]:
    """Finds problems in how the project's apps and settings are laid out.

    Examples: a ``migrations`` directory without ``__init__.py`` (Django silently treats the
    app as unmigrated), two apps with the same label (Django refuses to start), an
    ``AppConfig.label`` or a setting that cannot be read statically, a ``MIGRATION_MODULES``
    entry pointing nowhere, a legacy ``.pyc`` migration without its source.

    ## Why it hurts
    Django would load a different set of migrations than the one in your tree, or not start
    at all; and what the linter cannot read, it cannot check.

    ## What to do instead
    Add the missing ``__init__.py``, give apps unique literal labels, write the settings the
    linter reads (``INSTALLED_APPS``, ``AUTH_USER_MODEL``, ``MIGRATION_MODULES``) as
    literals, or state them in ``[tool.migration-lint]`` (``installed-apps``,
    ``auth-user-model``, ``migration-modules``, ``app-labels``).
    """
    for found in analysis.project.problems:
        line = max(found.line, 1)
        yield Issue(
            path=display_path(found.path),
            span=Span(line, 1, line, 1),
            message=found.message,
            hint=found.hint,
            severity=Severity(found.severity),
        )
