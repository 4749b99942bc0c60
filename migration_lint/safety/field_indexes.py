"""Effects of the indexes and constraints of one field: ``AddField``, ``AlterField``,
``RenameField``, and the foreign keys ``RenameModel`` makes Django add again.

What ``BaseDatabaseSchemaEditor.add_field`` / ``_alter_field`` (and PostgreSQL's overrides)
run for a field's ``db_index``, ``unique`` and foreign key, decided from the field as
``deconstruct()`` reports it before and after the operation. The column itself (type,
``NULL``, default) is :mod:`migration_lint.safety.columns`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from migration_lint.model import Ref
from migration_lint.safety.column_types import (
    class_name,
    column_name,
    has_column,
    is_many_to_many,
    option,
)
from migration_lint.safety.defaults import operation_field
from migration_lint.safety.effects import Effect, Lock, Target, table_name
from migration_lint.safety.index_effects import (
    Handler,
    add_unique,
    blocked,
    build_index,
    dropped,
    model_of,
    on_table,
)
from migration_lint.safety.scope import Site
from migration_lint.safety.tables import (
    dropped_reference,
    has_table,
    join_table,
    referenced_tables,
)
from migration_lint.state.encode import encode_value
from migration_lint.state.fields import FieldSpec
from migration_lint.state.project import ModelState, resolve_relation, truth

__all__ = ["HANDLERS"]

_DJANGO = "django.db.migrations."
_RELATIONS = frozenset({"ForeignKey", "OneToOneField"})
#: The operator class of the ``_like`` index, by the column type the field class has.
_PATTERN_OPS = {
    **dict.fromkeys(
        "CharField EmailField SlugField URLField FilePathField FileField ImageField".split(),
        "varchar_pattern_ops",
    ),
    "TextField": "text_pattern_ops",
}
#: ``Field.non_db_attrs``: changing only these leaves the column alone.
_NON_DB_ATTRS = frozenset(
    "blank choices db_column editable error_messages help_text limit_choices_to related_name "
    "related_query_name validators verbose_name".split()
)


@dataclass(frozen=True)
class _Field:
    """What the schema editor decides from about one field's indexes and constraints."""

    name: str
    spec: FieldSpec
    relation: bool
    db_index: bool
    unique: bool
    primary_key: bool
    db_constraint: bool

    @classmethod
    def of(cls, name: str, spec: FieldSpec) -> _Field:
        relation = class_name(spec) in _RELATIONS
        db_index = truth(option(spec, "db_index")) is True
        primary_key = truth(spec.kwarg("primary_key")) is True
        unique = truth(option(spec, "unique")) is True
        db_constraint = truth(spec.kwarg("db_constraint", True)) is not False
        return cls(name, spec, relation, db_index, unique, primary_key, db_constraint)

    @property
    def column(self) -> str:
        return column_name(self.spec, self.name)

    @property
    def foreign_key(self) -> bool:
        return self.relation and self.db_constraint

    def db_kwargs(self) -> dict[str, object]:
        """The arguments ``_field_should_be_altered`` compares when ``_alter_field`` decides
        to drop foreign keys: not the non-database ones, nor ``db_comment``, nor
        ``on_delete`` unless it is a database-level one (``DB_CASCADE`` ...)."""
        on_delete = self.spec.kwarg("on_delete")
        ignored = _NON_DB_ATTRS | {"db_comment"}
        if not (isinstance(on_delete, Ref) and ".DB_" in on_delete.path):
            ignored |= {"on_delete"}
        return {key: encode_value(value) for key, value in self.spec.kwargs if key not in ignored}


def _drops_foreign_key(old: _Field, new: _Field) -> bool:
    """Whether ``AlterField`` from ``old`` to ``new`` drops the foreign key constraint (to
    add it again afterwards): it does for any change that reaches the column."""
    altered = (old.spec.path, old.db_kwargs(), old.column) != (
        new.spec.path,
        new.db_kwargs(),
        new.column,
    )
    return old.foreign_key and altered


_FIELD_INDEX_HINT = (
    "add the field with db_index=False, then build the index with AddIndexConcurrently in a "
    "migration with `atomic = False` (SeparateDatabaseAndState keeps db_index=True in the "
    "state)"
)
_SAME_DEFAULT = (
    "; and every existing row gets the same default, so it fails on a table of two rows or more"
)


@dataclass(frozen=True)
class _ForeignKey:
    """A foreign key constraint being added: the field that declares it (on ``model``) and
    where its column is, the model's own table or a many-to-many join table."""

    model: ModelState
    spec: FieldSpec
    table: str
    column: str


_ADD_HINT = (
    "add the field with db_constraint=False (and db_index=False, building the index "
    "CONCURRENTLY), then ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT with RunSQL, "
    "the state change in SeparateDatabaseAndState"
)
_ALTER_HINT = (
    "make the column change with RunSQL (ALTER COLUMN ...), which keeps the constraint, and "
    "the AlterField in the state_operations of SeparateDatabaseAndState"
)


def _validated(
    site: Site,
    key: _ForeignKey,
    verb: str,
    lock: Lock,
    hint: str = _ADD_HINT,
    *,
    referenced_lock: Lock = "SHARE ROW EXCLUSIVE",
) -> Iterator[Effect]:
    """A foreign key constraint validated on its table while ``lock`` is held on it and
    ``referenced_lock`` on the table it references (ML123), and the lock adding it takes
    there."""
    referencing = list(referenced_tables(site, key.model, key.spec, key.table))
    referenced = f'"{referencing[0].table}"' if referencing else "the table it references"
    table = key.table
    waiting = (_waiting(lock, f'"{table}"'), _waiting(referenced_lock, referenced))
    yield Effect(
        table,
        key.model.key,
        lock,
        f'{verb} the foreign key constraint of "{key.column}", validated on every row',
        scans=True,
        code="ML123",
        message=(
            f'{site.operation.name} {verb} the foreign key constraint of "{table}.{key.column}",'
            f' which validates every row of "{table}" while holding {lock} on it and'
            f" {referenced_lock} on {referenced}: {waiting[0]} and {waiting[1]} wait for the scan"
        ),
        hint=hint,
    )
    yield from referencing


def _waiting(lock: Lock, table: str) -> str:
    """Who waits on ``table`` while ``lock`` is held on it."""
    return f"{blocked(lock)} {'of' if lock == 'ACCESS EXCLUSIVE' else 'to'} {table}"


def _recreated(site: Site, key: _ForeignKey, hint: str) -> Iterator[Effect]:
    """A foreign key constraint Django dropped and adds back: the ``DROP CONSTRAINT`` took
    ACCESS EXCLUSIVE on both tables, which an atomic migration holds through the
    validation."""
    lock = _recreation_lock(site)
    yield from _validated(site, key, "drops and re-adds", lock, hint, referenced_lock=lock)


def _dropped_foreign_key(site: Site, model: ModelState, field: _Field) -> Iterator[Effect]:
    """``ALTER TABLE ... DROP CONSTRAINT`` of ``field``'s foreign key: ACCESS EXCLUSIVE on
    the table and on the table it references too (PostgreSQL drops the constraint's
    triggers there), whose readers queue behind it: it matters when that is a hot table
    such as ``users``."""
    yield dropped(model, f'the foreign key constraint of "{field.column}"')
    yield from dropped_reference(site, model, field.spec, table_name(model))


def _field_foreign_key(model: ModelState, field: _Field) -> _ForeignKey:
    return _ForeignKey(model, field.spec, table_name(model), field.column)


def _twin(field: _Field) -> str:
    """How a message mentions the ``_like`` index that comes with ``field``'s index."""
    ops = _PATTERN_OPS.get(class_name(field.spec))
    return f" (and a second, {ops} index)" if ops is not None else ""


def _like_index(model: ModelState, field: _Field) -> Iterator[Effect]:
    """PostgreSQL's second ``_like`` index of a varchar / text column; it is reported with
    the index or constraint it comes with, so it carries no code of its own."""
    ops = _PATTERN_OPS.get(class_name(field.spec))
    if ops is not None:
        yield on_table(
            model,
            "SHARE",
            f'creates the {ops} index "..._like" of "{field.column}" without CONCURRENTLY',
            scans=True,
        )


def _fields(site: Site) -> tuple[ModelState, _Field | None, _Field] | None:
    """For ``AddField`` / ``AlterField`` of a column: the model before, the field before (if
    it was a column) and after."""
    model = model_of(site)
    name = site.operation.argument(1, "name")
    if model is None or not isinstance(name, str):
        return None
    spec = operation_field(site, model.name, name)
    if spec is None or not has_column(spec):
        return None
    old = model.fields.get(name)
    before = _Field.of(name, old) if old is not None and has_column(old) else None
    return model, before, _Field.of(name, spec)


def _add_field(site: Site, target: Target) -> Iterator[Effect]:
    found = _fields(site)
    if found is None or found[2].primary_key:
        return
    model, _, field = found
    if field.unique:
        defaulted = any(field.spec.kwarg(key) is not None for key in ("default", "db_default"))
        failure = _SAME_DEFAULT if defaulted else ""
        what = f'adds column "{field.column}" with UNIQUE'
        yield add_unique(site, model, "ACCESS EXCLUSIVE", what, failure, twin=_twin(field))
    elif field.db_index:
        what = f'creates the index of "{field.column}"'
        yield build_index(site, model, what, _FIELD_INDEX_HINT, twin=_twin(field))
    if field.db_index or field.unique:
        yield from _like_index(model, field)
    if field.foreign_key:
        # inline in the ALTER TABLE ... ADD COLUMN, which holds ACCESS EXCLUSIVE
        yield from _validated(site, _field_foreign_key(model, field), "adds", "ACCESS EXCLUSIVE")


def _alter_field(site: Site, target: Target) -> Iterator[Effect]:
    """What ``BaseDatabaseSchemaEditor._alter_field`` (and PostgreSQL's override) does
    about indexes and constraints, in its order: drops first, then additions."""
    found = _fields(site)
    if found is None:
        return
    model, old, new = found
    if old is None:
        return
    recreated = _drops_foreign_key(old, new)
    if recreated:
        yield from _dropped_foreign_key(site, model, old)
    if old.unique and not new.unique:
        yield dropped(model, f'the unique constraint of "{old.column}"')
    if old.db_index and not old.unique and (not new.db_index or new.unique):
        yield dropped(model, f'the index of "{old.column}"')
    if new.unique and not new.primary_key and (not old.unique or old.primary_key):
        what = f'adds a unique constraint on "{new.column}"'
        yield add_unique(site, model, "ACCESS EXCLUSIVE", what, twin=_twin(new))
    if (not old.db_index or old.unique) and new.db_index and not new.unique:
        what = f'creates the index of "{new.column}"'
        yield build_index(site, model, what, _FIELD_INDEX_HINT, twin=_twin(new))
    if (not (old.db_index or old.unique) and new.db_index) or (not old.unique and new.unique):
        yield from _like_index(model, new)
    if new.foreign_key and (recreated or not old.foreign_key):
        key = _field_foreign_key(model, new)
        if recreated:
            yield from _recreated(site, key, _ALTER_HINT)
        else:
            yield from _validated(site, key, "adds", "SHARE ROW EXCLUSIVE")


def _recreation_lock(site: Site) -> Lock:
    """The lock held on a table while Django adds back a foreign key it dropped: the
    ``DROP CONSTRAINT`` took ACCESS EXCLUSIVE, held to the end of an atomic migration."""
    return "ACCESS EXCLUSIVE" if site.migration.atomic else "SHARE ROW EXCLUSIVE"


def _rename_field(site: Site, target: Target) -> Iterator[Effect]:
    """``RenameField`` of a foreign key whose column follows its name: Django alters the
    field, which drops its constraint, renames the column and adds the constraint again."""
    model = model_of(site)
    old_name = site.operation.argument(1, "old_name")
    new_name = site.operation.argument(2, "new_name")
    if model is None or not isinstance(old_name, str) or not isinstance(new_name, str):
        return
    spec = model.fields.get(old_name)
    if spec is None or not has_column(spec):
        return
    old, new = _Field.of(old_name, spec), _Field.of(new_name, spec)
    if old.foreign_key and old.column != new.column:
        yield from _dropped_foreign_key(site, model, old)
        hint = f'keep the column: give the renamed field db_column="{old.column}"'
        yield from _recreated(site, _field_foreign_key(model, new), hint)


def _rename_model(site: Site, target: Target) -> Iterator[Effect]:
    """``RenameModel`` that renames the table: Django alters every foreign key pointing to
    the model, and the column of other models' auto-created join tables pointing to it,
    each time dropping the constraint and adding it again."""
    old_name = site.operation.argument(0, "old_name")
    new_name = site.operation.argument(1, "new_name")
    before = site.model(old_name) if isinstance(old_name, str) else None
    after = site.model_after(new_name) if isinstance(new_name, str) else None
    if before is None or after is None or table_name(before) == table_name(after):
        return
    hint = f'keep the table: set Meta.db_table = "{table_name(before)}" on the renamed model'
    for holder in site.step.state_before(site.index).values():
        current = after if holder.key == before.key else holder
        for name, spec in holder.fields.items():
            to = spec.kwarg("to")
            if not isinstance(to, str) or resolve_relation(to, *holder.key) != before.key:
                continue
            key = _recreated_key(current, name, spec, after)
            if key is not None and has_table(holder):
                yield from _recreated(site, key, hint)


def _recreated_key(
    holder: ModelState, name: str, spec: FieldSpec, renamed: ModelState
) -> _ForeignKey | None:
    """The foreign key of ``holder.name`` that renaming the model it points to re-creates:
    its own column's, or its join table's column named after the model (a self-referential
    many-to-many has ``from_`` / ``to_`` columns, left out)."""
    if is_many_to_many(spec):
        through = join_table(holder, name, spec)
        if through is None or holder.key == renamed.key:
            return None
        return _ForeignKey(holder, spec, through, f"{renamed.name_lower}_id")
    field = _Field.of(name, spec)
    return _field_foreign_key(holder, field) if field.foreign_key else None


HANDLERS: dict[str, Handler] = {
    _DJANGO + "AddField": _add_field,
    _DJANGO + "AlterField": _alter_field,
    _DJANGO + "RenameField": _rename_field,
    _DJANGO + "RenameModel": _rename_model,
}
