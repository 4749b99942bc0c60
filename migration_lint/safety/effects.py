"""The effects of one operation on the database: the knowledge every safety rule reads.

Each provider module knows one family of operations and returns :class:`Effect` objects for
a :class:`~migration_lint.safety.scope.Site`:

* :mod:`.columns` -- columns and tables: add / drop / rename / alter a column, drop or rename
  a table, defaults, generated columns, primary keys, many-to-many tables;
* :mod:`.indexes` -- indexes and constraints: indexes (plain or concurrent), unique, foreign
  key and check constraints, ``unique_together`` / ``index_together``;
* :mod:`.sql` -- ``RunSQL``, statement by statement (:mod:`migration_lint.sql_analysis`).

An effect with a ``code`` is something the rule of that code reports; one without is only
described (``plan --format json`` lists every effect). :func:`issues_for` is the whole body
of each ML1xx / ML3xx rule, so that what the plan says and what the rules report cannot
drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from migration_lint.findings import Issue, Severity
from migration_lint.model import MigrationFile, Span, Stage
from migration_lint.pipeline import per_analysis
from migration_lint.safety.scope import Site, linted_sites

if TYPE_CHECKING:
    from migration_lint.config import Config
    from migration_lint.pipeline import Analysis
    from migration_lint.state.project import ModelKey, ModelState

__all__ = [
    "LOCKS",
    "Effect",
    "Kind",
    "Lock",
    "Target",
    "effects_of",
    "is_escalated",
    "is_reported",
    "issues_for",
    "strongest_lock",
    "table_name",
]

#: PostgreSQL's table lock modes that DDL takes, weakest to strongest, plus ``none`` (no
#: table lock beyond what plain reads and writes take) and ``unknown`` (code or SQL we
#: cannot see through).
Lock = Literal[
    "none",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
    "unknown",
]
LOCKS: tuple[Lock, ...] = get_args(Lock)

#: ``lock``: holding the lock (with a rewrite or scan) blocks the table for long; matters on
#: big tables only. ``compat``: breaks the code of the release still running during the
#: deploy (a dropped column, a renamed table); fine in a post-deploy migration.
#: ``failure``: the migration itself fails (on a table with rows, or always).
Kind = Literal["lock", "compat", "failure"]


@dataclass(frozen=True)
class Target:
    """The production database the rules judge for (``database`` / ``database-version``)."""

    database: str = "postgresql"
    version: int | None = None

    @property
    def postgresql(self) -> bool:
        return self.database == "postgresql"

    def at_least(self, version: int) -> bool:
        """Whether production runs ``version`` or later (unknown: assume a current one)."""
        return self.version is None or self.version >= version

    @classmethod
    def of(cls, config: Config) -> Target:
        return cls(config.database, config.database_version)


@dataclass(frozen=True)
class Effect:
    """What one operation does to one table, and what the rule ``code`` makes of it.

    ``what`` describes the change for the plan (``adds column "price" (numeric(10, 2) NOT
    NULL)``); ``lock`` is the strongest table lock it takes on ``table``; ``rewrites``: every
    row is rewritten under that lock; ``scans``: every row is read under it (validation,
    index build). ``message`` / ``hint`` are the finding when ``code`` is set; ``span``
    points inside the operation when a part of it is to blame. ``stage`` is the deploy stage
    in which the change is safe (``post-deploy`` for a drop), if only one is.
    """

    table: str | None
    model: ModelKey | None
    lock: Lock
    what: str
    rewrites: bool = False
    scans: bool = False
    code: str | None = None
    kind: Kind = "lock"
    message: str = ""
    hint: str = ""
    span: Span | None = None
    stage: Stage | None = None
    #: Overrides the rule's default severity for this finding (a failure among warnings).
    severity: Severity | None = None


def table_name(model: ModelState) -> str:
    """The model's table: ``Meta.db_table``, else Django's ``<app_label>_<model_name>``."""
    table = model.options.get("db_table")
    return table if isinstance(table, str) else f"{model.app_label}_{model.name_lower}"


def strongest_lock(effects: Sequence[Effect]) -> Lock:
    """The strongest lock among ``effects`` (``none`` when there are none)."""
    return max((effect.lock for effect in effects), key=LOCKS.index, default="none")


Provider = Callable[[Site, Target], Iterator[Effect]]


def _providers() -> tuple[Provider, ...]:
    from migration_lint.safety import columns, indexes, sql

    return (columns.effects, indexes.effects, sql.effects)


def effects_of(site: Site, target: Target) -> tuple[Effect, ...]:
    """Every effect of the operation at ``site`` on ``target``."""
    return tuple(effect for provider in _providers() for effect in provider(site, target))


@per_analysis
def linted_effects(analysis: Analysis) -> tuple[tuple[Site, tuple[Effect, ...]], ...]:
    """The effects of every linted site, computed once per analysis."""
    target = Target.of(analysis.config)
    return tuple((site, effects_of(site, target)) for site in linted_sites(analysis))


def _matches_table(tables: frozenset[str], effect: Effect) -> bool:
    """Whether ``hot-tables`` / ``small-tables`` names the effect's table (by table name or
    as ``app_label.Model``, case-insensitively)."""
    names = {name.lower() for name in tables}
    if effect.table is not None and effect.table.lower() in names:
        return True
    return effect.model is not None and f"{effect.model[0]}.{effect.model[1]}" in names


def is_reported(migration: MigrationFile, effect: Effect, config: Config) -> bool:
    """Whether ``check`` reports ``effect``: it has a rule code, and it is not a ``compat``
    change in a migration declared to run at the stage it needs (a drop after the deploy),
    nor a ``lock`` effect on a table listed in ``small-tables``.

    In a squashed migration (one that ``replaces`` others) only failures count: Django runs
    a squash only on a database where none of the migrations it replaces ran, in practice
    a new one, and the replaced migrations were judged when they were written.
    """
    if effect.code is None or (migration.replaces and effect.kind != "failure"):
        return False
    declared = migration.stage
    if effect.kind == "compat" and declared is not None and effect.stage == declared.stage:
        return False
    return not (effect.kind == "lock" and _matches_table(config.small_tables, effect))


def is_escalated(effect: Effect, config: Config) -> bool:
    """Whether ``effect`` is an error whatever its rule's severity: a lock on a hot table."""
    return effect.kind == "lock" and _matches_table(config.hot_tables, effect)


def issues_for(analysis: Analysis, code: str) -> Iterator[Issue]:
    """The issues of rule ``code``: its effects that :func:`is_reported` keeps."""
    config = analysis.config
    for site, effects in linted_effects(analysis):
        for effect in effects:
            if effect.code != code or not is_reported(site.migration, effect, config):
                continue
            severity = Severity.ERROR if is_escalated(effect, config) else effect.severity
            yield site.issue(effect.message, effect.hint, span=effect.span, severity=severity)
