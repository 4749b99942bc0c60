"""Third-party migration operations the linter knows without importing them.

A project that already uses the safe operations of django-pg-migration-tools, or keeps its
triggers with django-pgtrigger, should not be told that the linter cannot see what they do
(ML008), nor lose the state of the models at them. Each entry says, from the package's own
source (django-pg-migration-tools 0.1.26, django-pgtrigger 4.17):

* the constructor's parameters, so that the call binds as Python would bind it;
* ``replays_as``: the Django operation whose ``state_forwards`` it inherits (the state
  replay applies that one), or ``None`` when the replay leaves the models alone: pgtrigger's
  operations edit the ``triggers`` option, which no Django code reads (only pgtrigger's own
  autodetector), so it stays as ``CreateModel`` wrote it;
* ``statements``: what it runs on PostgreSQL, each with the lock it takes on the model's
  table, for the plan; none of them holds a lock stronger than SHARE UPDATE EXCLUSIVE while
  it reads the table, which is why no lock rule judges these operations;
* ``non_atomic``: it refuses to run inside a transaction (``NotSupportedError`` unless the
  migration sets ``atomic = False``), like ``AddIndexConcurrently``.

Django's own ``django.contrib.postgres.operations`` are in :mod:`migration_lint.operations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migration_lint.safety.effects import Lock

__all__ = ["THIRD_PARTY", "Statement", "ThirdPartyOperation"]


@dataclass(frozen=True)
class Statement:
    """One statement of the operation: the lock it takes on the model's table.

    ``scans``: it reads every row, but under a lock that lets reads and writes go on.
    """

    lock: Lock
    what: str
    scans: bool = False


@dataclass(frozen=True)
class ThirdPartyOperation:
    """A known third-party operation class (see the module docstring)."""

    path: str
    #: The constructor's parameters: those without a default, then those with one.
    required: tuple[str, ...]
    optional: tuple[str, ...]
    replays_as: str | None
    statements: tuple[Statement, ...]
    non_atomic: bool

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


_DJANGO = "django.db.migrations."
_ADD_INDEX = ("model_name", "index")
_REMOVE = ("model_name", "name")
_ADD_CONSTRAINT = ("model_name", "constraint")
_FIELD = ("model_name", "name", "field")

_CREATE_INDEX = Statement(
    "SHARE UPDATE EXCLUSIVE",
    "creates the index CONCURRENTLY (dropping an invalid leftover first): reads and writes go on",
    scans=True,
)
_CREATE_UNIQUE_INDEX = Statement(
    "SHARE UPDATE EXCLUSIVE",
    "creates the unique index CONCURRENTLY: reads and writes go on",
    scans=True,
)
_USING_INDEX = Statement(
    "ACCESS EXCLUSIVE", "adds the unique constraint USING the new index (brief, no scan)"
)
_DROP_CONSTRAINT = Statement("ACCESS EXCLUSIVE", "drops the constraint (brief)")
_CHECK_NOT_VALID = Statement(
    "ACCESS EXCLUSIVE", "adds the check constraint NOT VALID (brief, no scan)"
)
_VALIDATE = Statement(
    "SHARE UPDATE EXCLUSIVE",
    "validates the constraint: reads every row while reads and writes go on",
    scans=True,
)
_ADD_NULL_COLUMN = Statement("ACCESS EXCLUSIVE", "adds the column as nullable (brief)")
_FOREIGN_KEY_NOT_VALID = Statement(
    "SHARE ROW EXCLUSIVE",
    "adds the foreign key NOT VALID (brief; SHARE ROW EXCLUSIVE on the referenced table too)",
)


def _pg_tools(
    name: str,
    required: tuple[str, ...],
    replays_as: str,
    *statements: Statement,
    optional: tuple[str, ...] = (),
) -> ThirdPartyOperation:
    """An operation of django-pg-migration-tools: all of them refuse a transaction."""
    return ThirdPartyOperation(
        path=f"django_pg_migration_tools.operations.{name}",
        required=required,
        optional=optional,
        replays_as=_DJANGO + replays_as,
        statements=statements,
        non_atomic=True,
    )


def _pgtrigger(name: str, required: tuple[str, ...], statement: Statement) -> ThirdPartyOperation:
    """An operation of django-pgtrigger: the models' state does not change."""
    return ThirdPartyOperation(
        path=f"pgtrigger.migrations.{name}",
        required=required,
        optional=(),
        replays_as=None,
        statements=(statement,),
        non_atomic=False,
    )


_OPERATIONS = (
    _pg_tools("SaferAddIndexConcurrently", _ADD_INDEX, "AddIndex", _CREATE_INDEX),
    _pg_tools(
        "SaferRemoveIndexConcurrently",
        _REMOVE,
        "RemoveIndex",
        Statement("SHARE UPDATE EXCLUSIVE", "drops the index CONCURRENTLY"),
    ),
    _pg_tools(
        "SaferAddUniqueConstraint",
        _ADD_CONSTRAINT,
        "AddConstraint",
        _CREATE_UNIQUE_INDEX,
        _USING_INDEX,
        optional=("raise_if_exists",),
    ),
    _pg_tools("SaferRemoveUniqueConstraint", _REMOVE, "RemoveConstraint", _DROP_CONSTRAINT),
    _pg_tools(
        "SaferAlterFieldSetNotNull",
        _FIELD,
        "AlterField",
        _CHECK_NOT_VALID,
        _VALIDATE,
        Statement(
            "ACCESS EXCLUSIVE",
            "sets NOT NULL, proved by the validated check constraint (brief, no scan)",
        ),
        _DROP_CONSTRAINT,
        optional=("preserve_default",),
    ),
    _pg_tools(
        "SaferAddFieldForeignKey",
        _FIELD,
        "AddField",
        _ADD_NULL_COLUMN,
        _CREATE_INDEX,
        _FOREIGN_KEY_NOT_VALID,
        _VALIDATE,
        optional=("preserve_default",),
    ),
    _pg_tools(
        "SaferRemoveFieldForeignKey",
        _REMOVE,
        "RemoveField",
        Statement("ACCESS EXCLUSIVE", "drops the foreign key and then the column (brief)"),
        optional=("field",),
    ),
    _pg_tools(
        "SaferAddFieldOneToOne",
        _FIELD,
        "AddField",
        _ADD_NULL_COLUMN,
        _CREATE_UNIQUE_INDEX,
        _USING_INDEX,
        _FOREIGN_KEY_NOT_VALID,
        _VALIDATE,
        optional=("preserve_default",),
    ),
    _pg_tools(
        "SaferAddCheckConstraint", _ADD_CONSTRAINT, "AddConstraint", _CHECK_NOT_VALID, _VALIDATE
    ),
    _pg_tools("SaferRemoveCheckConstraint", _REMOVE, "RemoveConstraint", _DROP_CONSTRAINT),
    _pgtrigger(
        "AddTrigger",
        ("model_name", "trigger"),
        Statement("SHARE ROW EXCLUSIVE", "creates the trigger and its function (brief)"),
    ),
    _pgtrigger(
        "RemoveTrigger", _REMOVE, Statement("ACCESS EXCLUSIVE", "drops the trigger (brief)")
    ),
)

#: Every known third-party operation, by the path the parser resolves its name to.
THIRD_PARTY: Mapping[str, ThirdPartyOperation] = {op.path: op for op in _OPERATIONS}
