"""Effects of indexes and constraints: building or dropping an index, adding a constraint.

What Django 6.1's schema editor runs, and what PostgreSQL locks for it:

* ``CREATE INDEX`` (``AddIndex``, ``db_index=True``, a foreign key's index,
  ``index_together``) takes SHARE on the table for the whole build: reads go on, writes
  wait. ``CREATE INDEX CONCURRENTLY`` (``AddIndexConcurrently``) takes SHARE UPDATE
  EXCLUSIVE, which blocks neither, but cannot run in a transaction.
* For a ``varchar`` / ``text`` column with ``db_index`` or ``unique``, Django's PostgreSQL
  backend builds a second index with ``varchar_pattern_ops`` / ``text_pattern_ops``
  (suffix ``_like``), also without CONCURRENTLY.
* ``ALTER TABLE ... ADD CONSTRAINT ... UNIQUE`` (``unique=True``, ``unique_together``, a
  plain ``UniqueConstraint``) and a column added with ``UNIQUE`` build the unique index under
  ACCESS EXCLUSIVE: nothing reads or writes the table meanwhile. A ``UniqueConstraint`` with a
  condition, ``include``, ``opclasses`` or expressions becomes ``CREATE UNIQUE INDEX``
  instead (SHARE).
* A foreign key constraint is validated on every row when it is added: inline with its
  column (``AddField``, under the ``ADD COLUMN``'s ACCESS EXCLUSIVE) or by ``ALTER TABLE ...
  ADD CONSTRAINT ... FOREIGN KEY`` (SHARE ROW EXCLUSIVE), and SHARE ROW EXCLUSIVE on the
  referenced table. Django drops a foreign key and adds it again when ``AlterField`` changes
  anything about its column, when ``RenameField`` renames the column, and when
  ``RenameModel`` renames the table it references (:mod:`.field_indexes`).
* ``ALTER TABLE ... ADD CONSTRAINT ... CHECK`` / ``EXCLUDE`` scan the table (or build an
  index) under ACCESS EXCLUSIVE; ``AddConstraintNotValid`` + ``ValidateConstraint`` split
  that into a brief lock and a scan under SHARE UPDATE EXCLUSIVE.
* Drops (``DROP INDEX``, ``DROP CONSTRAINT``) take ACCESS EXCLUSIVE, briefly, but they wait
  for every query running on the table and every later query waits for them. Dropping a
  foreign key takes ACCESS EXCLUSIVE on the table it references too (its triggers are
  there).
  ``ALTER INDEX ... RENAME`` locks the index only (SHARE UPDATE EXCLUSIVE since PostgreSQL 12).

These were checked against the SQL Django runs and the locks PostgreSQL takes
(``tests/test_effects_oracle.py``). The lock rules are PostgreSQL's: on other databases the
effects are described with an ``unknown`` lock and no rule code (MySQL's InnoDB builds
indexes online; SQLite is not judged). Known third-party operations
(:mod:`migration_lint.third_party`) are described from their table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from migration_lint.model import Call, ListValue, SetValue, TupleValue, Value
from migration_lint.operations import POSTGRES_EXTENSIONS
from migration_lint.safety import field_indexes
from migration_lint.safety.effects import Effect, Lock, Target, table_name
from migration_lint.safety.index_effects import (
    Handler,
    add_unique,
    build_index,
    dropped,
    model_of,
    on_table,
    quoted,
)
from migration_lint.safety.scope import Site
from migration_lint.state.fields import reference_path
from migration_lint.state.project import ModelState, truth
from migration_lint.third_party import THIRD_PARTY

__all__ = ["effects"]

_DJANGO = "django.db.migrations."
_POSTGRES = "django.contrib.postgres.operations."


def _object_name(value: Value) -> str:
    """The quoted ``name=`` of an index or constraint call."""
    return quoted(value.kwarg("name") if isinstance(value, Call) else None)


_CONCURRENT_HINT = "build it with AddIndexConcurrently in a migration with `atomic = False`"


_TOGETHER_INDEX_HINT = (
    "declare the index in Meta.indexes and build it with AddIndexConcurrently in a migration "
    "with `atomic = False`"
)


def _on_model_table(site: Site, lock: Lock, what: str, *, scans: bool = False) -> Iterator[Effect]:
    """An effect on the table of the operation's model; none when the model has no table
    (Django runs no SQL for it)."""
    model = model_of(site)
    if model is not None:
        yield on_table(model, lock, what, scans=scans)


def _not_in_transaction(site: Site) -> Iterator[Effect]:
    """ML121: an operation that refuses to run in the migration's transaction (the
    third-party ones raise the same error from a helper class, named in the message)."""
    if site.migration.atomic:
        name = site.operation.name
        subject = f"The {name} operation" if site.operation.path.startswith(_POSTGRES) else "..."
        yield Effect(
            None,
            None,
            "none",
            "fails: cannot run inside a transaction",
            code="ML121",
            kind="failure",
            message=(
                f"{name} cannot run inside a transaction and this migration is atomic: it "
                f'raises NotSupportedError("{subject} cannot be executed inside a '
                'transaction (set atomic = False on the migration).")'
            ),
            hint="set `atomic = False` on the Migration class",
        )


def _add_index(site: Site, target: Target) -> Iterator[Effect]:
    model = model_of(site)
    if model is not None:
        index = _object_name(site.operation.argument(1, "index"))
        yield build_index(site, model, f"creates index {index}", _CONCURRENT_HINT)


def _add_index_concurrently(site: Site, target: Target) -> Iterator[Effect]:
    yield from _not_in_transaction(site)
    index = _object_name(site.operation.argument(1, "index"))
    what = f"creates index {index} CONCURRENTLY: reads and writes go on"
    yield from _on_model_table(site, "SHARE UPDATE EXCLUSIVE", what, scans=True)


def _remove_index(site: Site, target: Target) -> Iterator[Effect]:
    """``DROP INDEX``: brief, but under ACCESS EXCLUSIVE, which queues (ML125)."""
    model = model_of(site)
    if model is not None:
        name = quoted(site.operation.argument(1, "name"))
        table = table_name(model)
        yield on_table(
            model,
            "ACCESS EXCLUSIVE",
            f"drops index {name} (brief)",
            code="ML125",
            message=(
                f"RemoveIndex drops index {name} without CONCURRENTLY: it needs ACCESS "
                f'EXCLUSIVE on "{table}", so it waits for every running query on the table and '
                "every query that comes after waits for it"
            ),
            hint="use RemoveIndexConcurrently in a migration with `atomic = False`",
        )


def _remove_index_concurrently(site: Site, target: Target) -> Iterator[Effect]:
    yield from _not_in_transaction(site)
    name = quoted(site.operation.argument(1, "name"))
    yield from _on_model_table(site, "SHARE UPDATE EXCLUSIVE", f"drops index {name} CONCURRENTLY")


def _rename_index(site: Site, target: Target) -> Iterator[Effect]:
    """``ALTER INDEX ... RENAME`` locks the index, not the table: SHARE UPDATE EXCLUSIVE
    since PostgreSQL 12, which queries do not mind; ACCESS EXCLUSIVE before, which every
    query that plans with the table's indexes waits for."""
    model = model_of(site)
    if model is not None:
        new_name = quoted(site.operation.argument(1, "new_name"))
        if target.at_least(12):
            yield on_table(
                model, "none", f"renames an index to {new_name} (the table is not locked)"
            )
        else:
            what = f"renames an index to {new_name} (ACCESS EXCLUSIVE on the index, brief)"
            yield on_table(model, "ACCESS EXCLUSIVE", what)


#: ``UniqueConstraint`` arguments that make Django build ``CREATE UNIQUE INDEX`` rather than
#: ``ADD CONSTRAINT ... UNIQUE`` (positional arguments, expressions, do too).
_UNIQUE_BY_INDEX = ("condition", "include", "opclasses")


def _add_constraint(site: Site, target: Target) -> Iterator[Effect]:
    model = model_of(site)
    constraint = site.operation.argument(1, "constraint")
    if model is None or not isinstance(constraint, Call):
        return
    kind = reference_path(constraint.func).rsplit(".", 1)[-1]
    what = f"adds {kind} {_object_name(constraint)}"
    if kind == "UniqueConstraint":
        by_index = bool(constraint.args) or any(
            truth(constraint.kwarg(key)) is not False for key in _UNIQUE_BY_INDEX
        )
        yield add_unique(site, model, "SHARE" if by_index else "ACCESS EXCLUSIVE", what)
    elif kind in ("CheckConstraint", "ExclusionConstraint"):
        yield _check_or_exclusion(site, model, what, check=kind == "CheckConstraint")
    else:
        yield on_table(model, "unknown", what)


def _check_or_exclusion(site: Site, model: ModelState, what: str, *, check: bool) -> Effect:
    """``ADD CONSTRAINT ... CHECK`` / ``EXCLUDE`` on the table: ML124."""
    work = "checks every row" if check else "builds its index"
    return on_table(
        model,
        "ACCESS EXCLUSIVE",
        what,
        scans=True,
        code="ML124",
        message=(
            f"{site.operation.name} {what}, which {work} under ACCESS EXCLUSIVE: reads and "
            f'writes of "{table_name(model)}" wait for it'
        ),
        hint=(
            "use AddConstraintNotValid, then ValidateConstraint in a later migration"
            if check
            else "an exclusion constraint has no NOT VALID form: add it while the table is "
            "small or quiet"
        ),
    )


def _add_constraint_not_valid(site: Site, target: Target) -> Iterator[Effect]:
    name = _object_name(site.operation.argument(1, "constraint"))
    what = f"adds constraint {name} NOT VALID (brief, no scan)"
    yield from _on_model_table(site, "ACCESS EXCLUSIVE", what)


def _validate_constraint(site: Site, target: Target) -> Iterator[Effect]:
    name = quoted(site.operation.argument(1, "name"))
    what = f"validates constraint {name}: reads every row while reads and writes go on"
    yield from _on_model_table(site, "SHARE UPDATE EXCLUSIVE", what, scans=True)


def _remove_constraint(site: Site, target: Target) -> Iterator[Effect]:
    model = model_of(site)
    if model is not None:
        yield dropped(model, f"constraint {quoted(site.operation.argument(1, 'name'))}")


def _alter_constraint(site: Site, target: Target) -> Iterator[Effect]:
    name = quoted(site.operation.argument(1, "name"))
    yield from _on_model_table(
        site, "none", f"changes constraint {name} in the state only (no SQL)"
    )


def _groups(model: ModelState, option: str) -> set[tuple[str, ...]]:
    """The field groups of ``unique_together`` / ``index_together`` as the state keeps them
    (normalised to a set of tuples of names)."""
    value = model.options.get(option)
    groups = value.items if isinstance(value, SetValue | TupleValue | ListValue) else ()
    return {
        tuple(str(name) for name in group.items)
        for group in groups
        if isinstance(group, TupleValue | ListValue)
    }


def _alter_together(site: Site, target: Target) -> Iterator[Effect]:
    """``AlterUniqueTogether`` / ``AlterIndexTogether``: a constraint or an index for each
    group added, a drop for each group removed."""
    before = model_of(site)
    after = site.model_after(before.name) if before is not None else None
    if before is None or after is None:
        return
    option = "unique_together" if site.operation.name == "AlterUniqueTogether" else "index_together"
    old, new = _groups(before, option), _groups(after, option)
    for group in sorted(old - new):
        yield dropped(before, f"the {option} entry {group!r}")
    for group in sorted(new - old):
        if option == "unique_together":
            what = f"adds a unique constraint on {group!r}"
            yield add_unique(site, before, "ACCESS EXCLUSIVE", what)
        else:
            yield build_index(site, before, f"creates an index on {group!r}", _TOGETHER_INDEX_HINT)


def _extension(site: Site, target: Target) -> Iterator[Effect]:
    """``CreateExtension`` and its subclasses: no table is touched (only on PostgreSQL)."""
    name = POSTGRES_EXTENSIONS.get(site.operation.name) or site.operation.argument(0, "name")
    yield Effect(None, None, "none", f"creates extension {quoted(name)} if it is missing")


def _collation(site: Site, target: Target) -> Iterator[Effect]:
    """``CreateCollation`` / ``RemoveCollation``: no table is touched."""
    verb = "creates" if site.operation.name == "CreateCollation" else "drops"
    name = quoted(site.operation.argument(0, "name"))
    yield Effect(None, None, "none", f"{verb} collation {name}")


def _third_party(site: Site, target: Target) -> Iterator[Effect]:
    """A known third-party operation: the statements its package documents, none locking
    the table for long."""
    known = THIRD_PARTY[site.operation.path]
    if known.non_atomic:
        yield from _not_in_transaction(site)
    model = model_of(site)
    if model is not None:
        for statement in known.statements:
            yield on_table(model, statement.lock, statement.what, scans=statement.scans)


_HANDLERS: dict[str, Handler] = {
    _DJANGO + "AddIndex": _add_index,
    _DJANGO + "RemoveIndex": _remove_index,
    _DJANGO + "RenameIndex": _rename_index,
    _DJANGO + "AddConstraint": _add_constraint,
    _DJANGO + "RemoveConstraint": _remove_constraint,
    _DJANGO + "AlterConstraint": _alter_constraint,
    _DJANGO + "AlterUniqueTogether": _alter_together,
    _DJANGO + "AlterIndexTogether": _alter_together,
    _POSTGRES + "AddIndexConcurrently": _add_index_concurrently,
    _POSTGRES + "RemoveIndexConcurrently": _remove_index_concurrently,
    _POSTGRES + "AddConstraintNotValid": _add_constraint_not_valid,
    _POSTGRES + "ValidateConstraint": _validate_constraint,
    _POSTGRES + "CreateExtension": _extension,
    **{_POSTGRES + name: _extension for name in POSTGRES_EXTENSIONS},
    _POSTGRES + "CreateCollation": _collation,
    _POSTGRES + "RemoveCollation": _collation,
    **dict.fromkeys(THIRD_PARTY, _third_party),
    **field_indexes.HANDLERS,
}


def _judged(effect: Effect, site: Site, target: Target) -> Effect:
    """The effect as the rules see it on ``target``: PostgreSQL's locks only on PostgreSQL,
    and no lock finding on a table created earlier in the deploy unit (it has no rows)."""
    if not target.postgresql:
        return replace(effect, lock="none" if effect.lock == "none" else "unknown", code=None)
    if effect.kind != "failure" and effect.model in site.fresh:
        return replace(effect, code=None)
    return effect


def effects(site: Site, target: Target) -> Iterator[Effect]:
    """The index and constraint effects of the operation at ``site``."""
    handler = _HANDLERS.get(site.operation.path)
    if handler is not None:
        for effect in handler(site, target):
            yield _judged(effect, site, target)
