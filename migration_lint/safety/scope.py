"""Which operations the safety rules judge, and what each one's context is.

A *deploy unit* is a set of migrations that reach production together. Without a baseline
each migration is its own unit (a history's migrations were deployed one by one, as far as
anyone can tell); with ``check --base REF`` the unit is every migration the ref does not
have. Operations on a model created earlier in the same unit touch a table nobody uses yet:
they are never locking hazards, and the rules must stay quiet about them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.model import Call, ListValue, MigrationFile, OperationCall, Span, TupleValue
from migration_lint.pipeline import display_path, per_analysis

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis
    from migration_lint.state.project import ModelKey, ModelState
    from migration_lint.state.replay import MigrationStep

__all__ = ["Site", "linted_sites", "sites_of"]

_CREATE_MODEL = "django.db.migrations.CreateModel"
_RENAME_MODEL = "django.db.migrations.RenameModel"
_SEPARATE = "django.db.migrations.SeparateDatabaseAndState"


@dataclass(frozen=True)
class Site:
    """One operation that runs on the database, with what the rules need to judge it.

    ``operation`` is a top-level operation of ``migration``, or an entry of a
    ``SeparateDatabaseAndState``'s ``database_operations`` (``nested``); ``index`` is the
    position of the top-level operation. ``fresh`` holds the models created earlier in the
    same deploy unit (see the module docstring), including by this migration's earlier
    operations.
    """

    migration: MigrationFile
    step: MigrationStep
    index: int
    operation: OperationCall
    fresh: frozenset[ModelKey]
    nested: bool = False

    @property
    def app_label(self) -> str:
        return self.migration.app_label

    @property
    def path(self) -> str:
        return display_path(self.migration.path)

    def key(self, model_name: str) -> ModelKey:
        """The state key of a model of this migration's app."""
        return (self.app_label, model_name.lower())

    def model(self, model_name: str) -> ModelState | None:
        """The model as the state has it just before the (top-level) operation."""
        return self.step.model_before(self.index, self.key(model_name))

    def model_after(self, model_name: str) -> ModelState | None:
        """The model just after the (top-level) operation."""
        return self.step.model_after(self.index, self.key(model_name))

    def is_fresh(self, model_name: str) -> bool:
        """Whether the model's table was created earlier in this deploy unit."""
        return self.key(model_name) in self.fresh

    def issue(
        self,
        message: str,
        hint: str = "",
        *,
        span: Span | None = None,
        severity: Severity | None = None,
    ) -> Issue:
        """An issue at this operation (or at ``span`` inside it)."""
        return Issue(
            path=self.path,
            span=span or self.operation.span,
            message=message,
            hint=hint,
            app=self.app_label,
            migration=self.migration.name,
            severity=severity,
        )


def database_operations(operation: OperationCall) -> Iterator[tuple[OperationCall, bool]]:
    """The operation itself, or what a ``SeparateDatabaseAndState`` runs on the database
    (with ``True``: nested). Its ``state_operations`` never touch the database."""
    if operation.path != _SEPARATE:
        yield operation, False
        return
    value = operation.argument(0, "database_operations")
    if isinstance(value, ListValue | TupleValue):
        for item in value.items:
            if isinstance(item, Call):
                yield OperationCall(item.func, item.args, item.kwargs, item.span), True


def _created(operation: OperationCall, app_label: str, fresh: set[ModelKey]) -> None:
    """Add what ``operation`` creates on the database to ``fresh``."""
    if operation.path == _CREATE_MODEL:
        name = operation.argument(0, "name")
        if isinstance(name, str):
            fresh.add((app_label, name.lower()))
    elif operation.path == _RENAME_MODEL:
        old, new = operation.argument(0, "old_name"), operation.argument(1, "new_name")
        if isinstance(old, str) and isinstance(new, str) and (app_label, old.lower()) in fresh:
            fresh.add((app_label, new.lower()))


def sites_of(steps: Iterable[MigrationStep], *, one_unit: bool) -> Iterator[Site]:
    """The sites of ``steps`` (in plan order): all one deploy unit, or one unit each.

    ``initial = True`` migrations are one unit together whatever ``one_unit`` says: they
    are what installing an app runs (``makemigrations`` splits an app's first migration in
    parts when its foreign keys form a cycle, and ``0002_initial`` then adds them to the
    tables ``0001_initial`` created), so the tables they create are new to each other.
    """
    fresh: set[ModelKey] = set()
    installed: set[ModelKey] = set()
    for step in steps:
        migration = step.migration
        if not one_unit:
            fresh = set(installed) if migration.initial else set()
        for top in step.operations:
            for operation, nested in database_operations(top.operation):
                yield Site(migration, step, top.index, operation, frozenset(fresh), nested)
                _created(operation, migration.app_label, fresh)
        if migration.initial:
            installed |= fresh


def linted_steps(analysis: Analysis) -> list[MigrationStep]:
    """The migrations the safety rules look at, in plan order: the project's own (not
    external apps'), and with a baseline only those the base ref does not have."""
    from migration_lint.state.replay import replay_analysis

    baseline = analysis.baseline
    return [
        step
        for key, step in replay_analysis(analysis).steps.items()
        if key[0] not in analysis.external_apps and (baseline is None or key in baseline.new)
    ]


@per_analysis
def linted_sites(analysis: Analysis) -> Sequence[Site]:
    """Every site the safety rules judge, computed once per analysis."""
    return tuple(sites_of(linted_steps(analysis), one_unit=analysis.baseline is not None))
