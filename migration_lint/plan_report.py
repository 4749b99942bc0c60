"""The plan with what ``migrate --plan`` does not say: locks, rewrites, reversibility, stages.

For every migration of a plan (:func:`migration_lint.plan.migration_plan`) and every one of
its operations, :func:`build_plan_report` gathers:

* Django's own line for it (:mod:`migration_lint.describe`) and whether it can be unapplied;
* whether it runs inside a transaction (:func:`runs_in_transaction`);
* its effects on the database (:func:`migration_lint.safety.effects.effects_of`), the same
  knowledge the safety rules read. Forwards, the whole plan is one deploy unit: a table
  created earlier in the plan is *fresh*. Backwards, an operation's effects are those of the
  operation its rollback amounts to (:mod:`migration_lint.safety.inverse`). An operation
  nobody describes, or whose code we cannot see (``RunPython``), gets one effect with lock
  ``unknown``, so that a plan never looks safer than it is; an operation that does nothing
  on the database (``AlterModelOptions``, ``RunPython.noop``) has no effect and lock
  ``none``.

Each migration's deploy stage is the one it declares (django-safemigrate, django-syzygy),
else inferred: ``post-deploy`` when one of its effects is only safe after the deploy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from migration_lint.config import Config
from migration_lint.describe import Description, describe_operation_detail, is_reversible
from migration_lint.graph import Key
from migration_lint.loader import LoadedGraph
from migration_lint.model import MigrationFile, OperationCall, Ref, Stage
from migration_lint.plan import Target as PlanTarget
from migration_lint.safety.effects import (
    Effect,
    Lock,
    Target,
    effects_of,
    is_reported,
    strongest_lock,
)
from migration_lint.safety.inverse import STATE_ONLY, inverse_operations, rollback_site
from migration_lint.safety.scope import Site, database_operations, sites_of
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.project import truth
from migration_lint.state.replay import MigrationStep, Replay, replay_loaded

__all__ = [
    "MigrationPlan",
    "OperationPlan",
    "PlanReport",
    "build_plan_report",
    "runs_in_transaction",
]

_DJANGO = "django.db.migrations."
_RUN_PYTHON = _DJANGO + "RunPython"
_RUN_SQL = _DJANGO + "RunSQL"
#: PostgreSQL's ``CONCURRENTLY`` operations: never inside a transaction.
_CONCURRENT = frozenset(
    f"django.contrib.postgres.operations.{name}"
    for name in ("AddIndexConcurrently", "RemoveIndexConcurrently")
)
#: ``RunPython.noop``, ``RunSQL.noop`` and the empty SQL it stands for.
_NOOPS: frozenset[object] = frozenset({Ref(_RUN_PYTHON + ".noop"), Ref(_RUN_SQL + ".noop"), ""})
#: Databases whose DDL is transactional (Django's ``can_rollback_ddl``).
_TRANSACTIONAL_DDL = frozenset({"postgresql", "sqlite"})


@dataclass(frozen=True)
class OperationPlan:
    """One operation of a planned migration (``index`` in the file's order).

    ``description`` is the line ``migrate --plan`` prints for it (``exact``: certainly
    Django's text); ``atomic`` is ``None`` when it depends on a value we cannot evaluate.
    """

    index: int
    operation: OperationCall
    description: Description
    reversible: bool
    atomic: bool | None
    effects: tuple[Effect, ...]

    @property
    def lock(self) -> Lock:
        return strongest_lock(self.effects)

    @property
    def rewrites(self) -> bool:
        return any(effect.rewrites for effect in self.effects)

    @property
    def scans(self) -> bool:
        return any(effect.scans for effect in self.effects)


@dataclass(frozen=True)
class MigrationPlan:
    """One migration of the plan, applied or (``backwards``) unapplied."""

    migration: MigrationFile
    backwards: bool
    operations: tuple[OperationPlan, ...]
    #: The effects ``check`` reports, with their operation (see :attr:`flagged`).
    reported: tuple[tuple[OperationPlan, Effect], ...] = ()

    @property
    def effects(self) -> tuple[Effect, ...]:
        return tuple(effect for op in self.operations for effect in op.effects)

    @property
    def flagged(self) -> Iterator[tuple[OperationPlan, Effect]]:
        """The effects ``check`` reports (a rule's code, weighed against ``small-tables``, a
        declared stage and squashes exactly as :func:`~migration_lint.safety.effects.is_reported`
        does), with their operation."""
        return iter(self.reported)

    @property
    def stage_declared(self) -> bool:
        return self.migration.stage is not None

    @property
    def stage(self) -> Stage:
        """The declared stage, else ``post-deploy`` if an effect needs it, else ``pre-deploy``."""
        if self.migration.stage is not None:
            return self.migration.stage.stage
        post = any(effect.stage == "post-deploy" for effect in self.effects)
        return "post-deploy" if post else "pre-deploy"

    @property
    def reversible(self) -> bool:
        return all(op.reversible for op in self.operations)

    @property
    def lock(self) -> Lock:
        return strongest_lock(self.effects)

    @property
    def rewrites(self) -> bool:
        return any(op.rewrites for op in self.operations)

    @property
    def scans(self) -> bool:
        return any(op.scans for op in self.operations)


@dataclass(frozen=True)
class PlanReport:
    """The whole plan: what ``migrate`` was asked (``targets``) and for which database."""

    targets: tuple[PlanTarget, ...]
    database: Target
    migrations: tuple[MigrationPlan, ...]

    @property
    def operations(self) -> tuple[OperationPlan, ...]:
        return tuple(op for migration in self.migrations for op in migration.operations)

    @property
    def lock(self) -> Lock:
        return strongest_lock(tuple(e for m in self.migrations for e in m.effects))

    @property
    def irreversible(self) -> int:
        """How many operations cannot be unapplied."""
        return sum(not op.reversible for op in self.operations)

    @property
    def rewriting(self) -> int:
        """How many operations rewrite a table."""
        return sum(op.rewrites for op in self.operations)

    @property
    def scanning(self) -> int:
        """How many operations read a whole table under their lock."""
        return sum(op.scans for op in self.operations)

    @property
    def post_deploy(self) -> int:
        """How many migrations must run after the deploy (declared or inferred)."""
        return sum(migration.stage == "post-deploy" for migration in self.migrations)


def runs_in_transaction(
    migration: MigrationFile, operation: OperationCall, database: Target
) -> bool | None:
    """Whether ``operation`` runs inside a transaction (``Migration.apply`` / ``unapply``).

    On a database with transactional DDL an atomic migration runs everything in its
    transaction. Otherwise an operation gets its own transaction when it is atomic
    (``RunPython(atomic=True)``) or when the migration is and the operation does not opt out
    (``RunPython`` with ``atomic`` unset); other operations' ``atomic`` is False. The
    ``CONCURRENTLY`` operations refuse to run in a transaction, so they never do.
    """
    if operation.path in _CONCURRENT:
        return False
    if migration.atomic and database.database in _TRANSACTIONAL_DDL:
        return True
    own = operation.argument(2, "atomic") if operation.path == _RUN_PYTHON else False
    return migration.atomic if own is None else truth(own)


def _does_nothing(operation: OperationCall) -> bool:
    """An operation that runs no SQL at all (state only, or a ``noop``)."""
    if operation.path in STATE_ONLY:
        return True
    if operation.path in (_RUN_PYTHON, _RUN_SQL):
        name = "code" if operation.path == _RUN_PYTHON else "sql"
        return operation.argument(0, name) in _NOOPS
    return False


def _unknown(operation: OperationCall) -> Effect:
    """The effect of an operation nobody describes: ``unknown`` lock."""
    if operation.path == _RUN_PYTHON:
        return Effect(None, None, "unknown", "runs project code: what it locks is unknown")
    return Effect(
        None, None, "unknown", f"{operation.name}: its database effects are not known statically"
    )


def _site_effects(site: Site, database: Target) -> tuple[Effect, ...]:
    """The providers' effects; an operation they do not describe gets an ``unknown`` one
    unless it runs no SQL at all: a plan must never look safer than it is."""
    effects = effects_of(site, database)
    if effects or _does_nothing(site.operation):
        return effects
    return (_unknown(site.operation),)


_IRREVERSIBLE = Effect(
    None,
    None,
    "none",
    "cannot be unapplied: Django raises IrreversibleError for this migration",
    kind="failure",
)
_NOT_RUN = Effect(
    None, None, "none", "not run: Django refuses to unapply a migration with an irreversible step"
)


def _rollback_effects(sites: Iterable[Site], database: Target) -> tuple[Effect, ...]:
    """The effects of unapplying the operation the ``sites`` belong to."""
    effects: list[Effect] = []
    for site in sites:
        inverse = inverse_operations(site)
        if inverse is None:
            effects.append(_unknown(site.operation))
            continue
        for operation in inverse:
            effects.extend(_site_effects(rollback_site(site, operation), database))
    return tuple(effects)


def _operation_effects(
    operation: OperationCall, sites: Sequence[Site], backwards: bool, refused: bool, db: Target
) -> tuple[Effect, ...]:
    """What the operation does to the database. ``refused``: it is being unapplied in a
    migration with an irreversible operation, which ``Migration.unapply`` rejects before
    running any of its operations."""
    if not backwards:
        return tuple(effect for site in sites for effect in _site_effects(site, db))
    if refused:
        return (_NOT_RUN if is_reversible(operation) else _IRREVERSIBLE,)
    return _rollback_effects(sites, db)


def _covering_replay(loaded: LoadedGraph, settings: SettingsFacts, keys: Iterable[Key]) -> Replay:
    """The replay of the full graph; of the graph without replacements when the plan was
    made on it (``migrate``'s retry when a target is a replaced migration)."""
    replay = replay_loaded(loaded, settings)
    if all(key in replay.steps for key in keys):
        return replay
    return replay_loaded(loaded.rebuild(replace_migrations=False), settings)


_Sites = dict[tuple[Key, int], list[Site]]


def _by_operation(sites: Iterable[Site]) -> _Sites:
    """``sites`` by migration and top-level operation index."""
    grouped: _Sites = defaultdict(list)
    for site in sites:
        grouped[site.migration.key, site.index].append(site)
    return grouped


def _rollback_sites(step: MigrationStep) -> _Sites:
    """The sites of a migration being unapplied: nothing in it is fresh."""
    return _by_operation(
        Site(step.migration, step, top.index, operation, frozenset(), nested)
        for top in step.operations
        for operation, nested in database_operations(top.operation)
    )


def _migration_plan(
    step: MigrationStep, backwards: bool, sites: _Sites, config: Config
) -> MigrationPlan:
    migration = step.migration
    database = Target.of(config)
    refused = backwards and not all(is_reversible(op) for op in migration.operations)
    operations = tuple(
        OperationPlan(
            index,
            operation,
            describe_operation_detail(operation, backwards),
            is_reversible(operation),
            runs_in_transaction(migration, operation, database),
            _operation_effects(
                operation, sites.get((migration.key, index), ()), backwards, refused, database
            ),
        )
        for index, operation in enumerate(migration.operations)
    )
    reported = tuple(
        (op, effect)
        for op in operations
        for effect in op.effects
        if is_reported(migration, effect, config)
    )
    return MigrationPlan(migration, backwards, operations, reported)


def build_plan_report(
    loaded: LoadedGraph,
    plan: Sequence[tuple[Key, bool]],
    config: Config,
    targets: Sequence[PlanTarget] = (),
) -> PlanReport:
    """The report of ``plan`` (``(key, backwards)`` pairs) on ``loaded``'s graph, judged
    for the database and tables ``config`` describes."""
    replay = _covering_replay(loaded, config.settings, (key for key, _ in plan))
    forwards = _by_operation(
        sites_of((replay.steps[key] for key, back in plan if not back), one_unit=True)
    )
    migrations = tuple(
        _migration_plan(
            replay.steps[key],
            backwards,
            _rollback_sites(replay.steps[key]) if backwards else forwards,
            config,
        )
        for key, backwards in plan
    )
    return PlanReport(tuple(targets), Target.of(config), migrations)
