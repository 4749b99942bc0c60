"""ML010: operations Django would reject while loading the migrations into its project state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.pipeline import display_path
from migration_lint.rules.base import rule

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis


@rule(
    "ML010",
    "invalid-state-operation",
    Severity.ERROR,
    "An operation Django rejects while loading the migrations (missing model or field, bad "
    "arguments)",
    scope="file",
)
def invalid_state_operation(analysis: Analysis) -> Iterator[Issue]:
    """Finds operations that make Django's migration loader raise.

    ``migrate`` and ``makemigrations`` build Django's project state by applying every
    operation of the plan in order (``MigrationLoader.project_state()``); importing a
    migration already builds its operations. This rule replays the history the same way and
    reports what Django would raise on: an operation on a model that does not exist at that
    point (``KeyError``), ``RemoveField`` / ``RenameField`` of a field the model does not
    have (field names are case-sensitive), duplicate field, base or manager names in
    ``CreateModel``, an index without a name, arguments the operation's constructor does not
    accept, ``RunPython`` given something that is not callable.

    A missing model or field is not reported in an app where something could not be
    understood statically (a custom operation, an expression that cannot be evaluated, a
    migration file that is not fully readable, a problem in its graph): that may be what
    created it, or what put the migrations in another order.

    ## Why it hurts
    ``migrate`` and ``makemigrations`` crash with the error, for everyone; a constructor
    error (bad arguments, duplicate fields) breaks every command that imports migrations.

    ## What to do instead
    Fix the name, or the migration's ``dependencies`` so that it runs after the migration
    that creates the model or field. For example, a ``RemoveField("book", "Title")`` when
    the field was added as ``title`` must say ``"title"``.
    """
    from migration_lint.state.replay import replay_analysis

    for migration, _, note in replay_analysis(analysis).notes():
        if note.kind != "error":
            continue
        yield Issue(
            path=display_path(migration.path),
            span=note.span,
            message=note.message,
            hint=note.hint,
            app=migration.app_label,
            migration=migration.name,
        )
