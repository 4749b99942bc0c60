"""Effects of the operations on whole tables: create, drop, rename, comment, model options.

Django runs no SQL at all for a model without a table of its own: ``allow_migrate_model()``
skips unmanaged (``managed=False``) and proxy models. A table created earlier in the same
deploy unit (``Site.fresh``) is used by no running code, so what happens to it is only
described. Renaming or dropping a table the running release uses breaks it
(rules ML104 and ML106).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace

from migration_lint.model import Stage
from migration_lint.safety.column_types import is_foreign_key, is_many_to_many
from migration_lint.safety.effects import Effect, Lock, Target, table_name
from migration_lint.safety.scope import Site
from migration_lint.state.fields import FieldSpec
from migration_lint.state.project import ModelKey, ModelState, resolve_relation

__all__ = [
    "HANDLERS",
    "created_join_table",
    "dropped_join_table",
    "dropped_reference",
    "foreign_keys_to",
    "has_table",
    "join_table",
    "no_table",
    "referenced_tables",
    "referencing_tables",
]

_DJANGO = "django.db.migrations."


def has_table(model: ModelState) -> bool:
    """Whether migrations manage a table for the model (not unmanaged, not a proxy)."""
    return model.options.get("managed") is not False and model.options.get("proxy") is not True


def no_table(model: ModelState) -> Effect:
    """What an operation on a model without a table does: nothing (``allow_migrate_model``)."""
    return Effect(None, model.key, "none", f"no table: {model.name} is unmanaged or a proxy")


def join_table(model: ModelState, name: str, spec: FieldSpec) -> str | None:
    """The table Django creates for a ``ManyToManyField`` (``None`` with a ``through`` model,
    whose own table holds the relation): ``db_table``, else ``<model table>_<field name>``."""
    if spec.kwarg("through") is not None:
        return None
    db_table = spec.kwarg("db_table")
    return db_table if isinstance(db_table, str) else f"{table_name(model)}_{name}"


def _deployed(site: Site, key: ModelKey) -> ModelState | None:
    """The model ``key`` of the state just before the operation, if it has a table."""
    model = site.step.state_before(site.index).get(key)
    return model if model is not None and has_table(model) else None


def referenced_tables(
    site: Site, model: ModelState, spec: FieldSpec, source: str
) -> Iterator[Effect]:
    """The lock a new foreign key constraint of ``spec`` (a field of ``model`` whose column
    is in table ``source``) takes on the table it references.

    ``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`` takes SHARE ROW EXCLUSIVE on the
    referenced table too (it adds triggers there): writes to it wait for the validation.
    """
    to = spec.kwarg("to")
    if not isinstance(to, str) or spec.kwarg("db_constraint") is False:
        return
    key = resolve_relation(to, *model.key)
    target = None if key == model.key else _deployed(site, key)
    if target is not None:
        yield _locked(
            target,
            "SHARE ROW EXCLUSIVE",
            f'foreign key from "{source}" references it (writes wait while it is added)',
        )


def dropped_reference(
    site: Site, model: ModelState, spec: FieldSpec, source: str, verb: str = "dropped"
) -> Iterator[Effect]:
    """The lock dropping the foreign key constraint of ``spec`` (a field of ``model`` whose
    column is in table ``source``) takes on the table it references: ACCESS EXCLUSIVE, as
    PostgreSQL drops the constraint's triggers there (also when it re-creates it)."""
    what = f'the foreign key from "{source}" to it is {verb}'
    for effect in referenced_tables(site, model, spec, source):
        yield replace(effect, lock="ACCESS EXCLUSIVE", what=what)


def _locked(model: ModelState, lock: Lock, what: str) -> Effect:
    return Effect(table_name(model), model.key, lock, what)


def _join_table_ends(site: Site, model: ModelState, spec: FieldSpec) -> Iterator[ModelState]:
    """The deployed tables the foreign keys of an auto-created join table reference: the
    table of the field's model and its target's (once for a self-referential relation);
    none with ``db_constraint=False``."""
    to = spec.kwarg("to")
    if spec.kwarg("db_constraint") is False or not isinstance(to, str):
        return
    for key in dict.fromkeys((model.key, resolve_relation(to, *model.key))):
        end = _deployed(site, key)
        if end is not None:
            yield end


def created_join_table(
    site: Site, model: ModelState, through: str, spec: FieldSpec
) -> Iterator[Effect]:
    """Creating the join table ``through`` of M2M ``spec`` (a field of ``model``): its two
    foreign keys take SHARE ROW EXCLUSIVE on both tables they reference, the field's own
    model's as much as the target's (a new model's own table is not deployed yet)."""
    yield Effect(through, None, "none", f'creates join table "{through}"')
    for end in _join_table_ends(site, model, spec):
        yield _locked(
            end,
            "SHARE ROW EXCLUSIVE",
            f'foreign key from "{through}" references it (writes wait while it is added)',
        )


def dropped_join_table(
    site: Site, model: ModelState, through: str, spec: FieldSpec
) -> Iterator[Effect]:
    """What ``DROP TABLE <through> CASCADE`` locks besides the join table itself: dropping
    its foreign keys drops their triggers on both tables they reference, under ACCESS
    EXCLUSIVE (held to the end of the transaction)."""
    for end in _join_table_ends(site, model, spec):
        yield _locked(
            end,
            "ACCESS EXCLUSIVE",
            f'the foreign key from "{through}" to it is dropped with it',
        )


def referencing_tables(site: Site, model: ModelState) -> Iterator[tuple[str, ModelKey]]:
    """The other deployed tables whose foreign key constraints reference ``model``'s table:
    those of ``ForeignKey`` / ``OneToOneField`` fields pointing at it, and the auto-created
    join tables of many-to-many relations from or to it (with the key of the model owning
    each table). ``DROP TABLE ... CASCADE`` drops those constraints, and an ``ALTER COLUMN
    ... TYPE`` of the key they reference re-creates them: either takes ACCESS EXCLUSIVE on
    each of these tables."""
    for other in site.step.state_before(site.index).values():
        if not has_table(other):
            continue
        for name, spec in other.fields.items():
            to = spec.kwarg("to")
            if not isinstance(to, str) or spec.kwarg("db_constraint") is False:
                continue
            pointed = resolve_relation(to, *other.key)
            if is_many_to_many(spec) and model.key in (other.key, pointed):
                through = join_table(other, name, spec)
                if through is not None:
                    yield through, other.key
            elif is_foreign_key(spec) and pointed == model.key and other.key != model.key:
                yield table_name(other), other.key


def _create_model(site: Site, target: Target) -> Iterator[Effect]:
    name = site.operation.argument(0, "name")
    model = site.model_after(name) if isinstance(name, str) else None
    if model is None:
        return
    if not has_table(model):
        yield no_table(model)
        return
    table = table_name(model)
    yield Effect(table, model.key, "none", f'creates table "{table}" (nobody uses it yet)')
    for field_name, spec in model.fields.items():
        if is_many_to_many(spec):
            through = join_table(model, field_name, spec)
            if through is not None:
                yield from created_join_table(site, model, through, spec)
        elif is_foreign_key(spec):
            yield from referenced_tables(site, model, spec, table)


def _delete_model(site: Site, target: Target) -> Iterator[Effect]:
    name = site.operation.argument(0, "name")
    model = site.model(name) if isinstance(name, str) else None
    if model is None:
        table = f"{site.app_label}_{name.lower()}" if isinstance(name, str) else None
        yield Effect(
            table,
            None,
            "ACCESS EXCLUSIVE",
            f'drops table "{table}", which the state no longer has (no running code uses it)',
        )
        return
    if not has_table(model):
        yield no_table(model)
        return
    table = table_name(model)
    joins = [through for through, _ in _own_join_tables(model)]
    what = f'drops table "{table}"' + "".join(f' and join table "{t}"' for t in joins)
    yield from _dropped_with(site, model)
    yield _breaking(
        site,
        model,
        table,
        what,
        code="ML104",
        stage="post-deploy",
        message=(
            f'DeleteModel drops table "{table}" of {model.name} while the release still '
            "running during the deploy reads and writes it: its queries fail until the new "
            "code is live"
        ),
        hint=(
            "Delete the model from the code and the state first (SeparateDatabaseAndState "
            "with only state_operations), deploy, then drop the table in a later migration "
            "that runs after the deploy"
        ),
    )


def _own_join_tables(model: ModelState) -> Iterator[tuple[str, FieldSpec]]:
    """The auto-created join tables of the model's many-to-many fields, with each field."""
    for name, spec in model.fields.items():
        through = join_table(model, name, spec) if is_many_to_many(spec) else None
        if through is not None:
            yield through, spec


def _dropped_with(site: Site, model: ModelState) -> Iterator[Effect]:
    """What ``delete_model`` locks besides the model's table, once per table."""
    seen: set[str | None] = {table_name(model)}
    for effect in _dropped_around(site, model):
        if effect.table not in seen:
            seen.add(effect.table)
            yield effect


def _dropped_around(site: Site, model: ModelState) -> Iterator[Effect]:
    """``delete_model`` drops the model's own join tables first, then ``DROP TABLE ...
    CASCADE`` drops the foreign key constraints between its table and others, in both
    directions: each drop takes ACCESS EXCLUSIVE on both tables of the constraint."""
    table = table_name(model)
    for through, spec in _own_join_tables(model):
        yield Effect(through, model.key, "ACCESS EXCLUSIVE", f'drops join table "{through}"')
        yield from dropped_join_table(site, model, through, spec)
    for spec in model.fields.values():
        if is_foreign_key(spec):
            yield from dropped_reference(site, model, spec, table, "dropped with it")
    for other, key in referencing_tables(site, model):
        what = f'its foreign key to "{table}" is dropped with it'
        yield Effect(other, key, "ACCESS EXCLUSIVE", what)


def _renamed(site: Site, before: ModelState, after: ModelState, operation: str) -> Iterator[Effect]:
    """The rename of ``before``'s table to ``after``'s, if the name changes (rule ML106),
    with the join tables named after it."""
    old, new = table_name(before), table_name(after)
    if not has_table(before):
        yield no_table(before)
        return
    if old == new:
        yield Effect(old, before.key, "none", f'no database change: the table stays "{old}"')
        return
    what = f'renames table "{old}" to "{new}"' + "".join(
        f' and join table "{old_join}" to "{new_join}"'
        for old_join, new_join in _renamed_join_tables(before, after)
    )
    yield _breaking(
        site,
        before,
        old,
        what,
        code="ML106",
        message=(
            f"{operation} {what} ({after.name}): the release still running during the deploy "
            f'queries "{old}" and fails until the new code is live'
        ),
        hint=(
            f'Keep the table name: set Meta.db_table = "{old}" on the model (the rename then '
            "changes only the code), or create the new table, write to both, copy the rows "
            "and drop the old one over several deploys"
        ),
    )


def _breaking(
    site: Site,
    model: ModelState,
    table: str,
    what: str,
    *,
    code: str,
    message: str,
    hint: str,
    stage: Stage | None = None,
) -> Effect:
    """An ACCESS EXCLUSIVE change to ``table`` that breaks the release still running during
    the deploy (rule ``code``), unless the table was created earlier in the deploy unit: no
    running code uses it, so the change is only described."""
    if model.key in site.fresh:
        return Effect(table, model.key, "ACCESS EXCLUSIVE", what)
    return Effect(
        table,
        model.key,
        "ACCESS EXCLUSIVE",
        what,
        code=code,
        kind="compat",
        message=message,
        hint=hint,
        stage=stage,
    )


def _renamed_join_tables(before: ModelState, after: ModelState) -> Iterator[tuple[str, str]]:
    """The model's own join tables whose default name follows its table's."""
    for name, spec in before.fields.items():
        new_spec = after.fields.get(name)
        if not is_many_to_many(spec) or new_spec is None:
            continue
        old_join, new_join = join_table(before, name, spec), join_table(after, name, new_spec)
        if old_join is not None and new_join is not None and old_join != new_join:
            yield old_join, new_join


def foreign_keys_to(site: Site, model: ModelState) -> Iterator[tuple[ModelState, str, FieldSpec]]:
    """Every ``ForeignKey`` / ``OneToOneField`` of the state (just before the operation)
    that points at ``model``, with the model holding it and its name."""
    for other in site.step.state_before(site.index).values():
        for name, spec in other.fields.items():
            to = spec.kwarg("to")
            if (
                is_foreign_key(spec)
                and isinstance(to, str)
                and resolve_relation(to, *other.key) == model.key
            ):
                yield other, name, spec


def _rename_model(site: Site, target: Target) -> Iterator[Effect]:
    old_name = site.operation.argument(0, "old_name")
    new_name = site.operation.argument(1, "new_name")
    if not (isinstance(old_name, str) and isinstance(new_name, str)):
        return
    before, after = site.model(old_name), site.model_after(new_name)
    if before is not None and after is not None:
        yield from _renamed(site, before, after, "RenameModel")
        yield from _renamed_join_columns(site, before, after)


def _renamed_join_columns(site: Site, before: ModelState, after: ModelState) -> Iterator[Effect]:
    """ML105: the join tables of auto-created M2M relations from and to the renamed model
    name its column after it (``tag_id``); ``RenameModel`` renames that column
    (``_alter_many_to_many``), whatever ``db_table`` says."""
    old_column, new_column = f"{before.name_lower}_id", f"{after.name_lower}_id"
    for model in site.step.state_before(site.index).values():
        for name, spec in model.fields.items():
            to = spec.kwarg("to")
            if not is_many_to_many(spec) or not isinstance(to, str):
                continue
            pointed = resolve_relation(to, *model.key)
            if (model.key == before.key) == (pointed == before.key):
                continue  # unrelated, or self-referential (from_/to_ columns)
            through = join_table(model, name, spec)
            if through is None or not has_table(model):
                continue
            what = f'renames column "{old_column}" of join table "{through}" to "{new_column}"'
            if model.key in site.fresh:
                yield Effect(through, None, "ACCESS EXCLUSIVE", what)
                continue
            yield Effect(
                through,
                None,
                "ACCESS EXCLUSIVE",
                what,
                code="ML105",
                kind="compat",
                message=(
                    f"RenameModel {what} (the column of {before.name} in "
                    f"{model.name}.{name}): the release still running during the deploy "
                    "queries the old column and fails until the new code is live"
                ),
                hint=(
                    "Keep the model's name, or first give the relation an explicit through "
                    f'model on "{through}" (SeparateDatabaseAndState, state only) whose '
                    f'foreign key keeps db_column="{old_column}", then rename the model'
                ),
            )


def _alter_model_table(site: Site, target: Target) -> Iterator[Effect]:
    name = site.operation.argument(0, "name")
    if not isinstance(name, str):
        return
    before, after = site.model(name), site.model_after(name)
    if before is not None and after is not None:
        yield from _renamed(site, before, after, "AlterModelTable")


def _alter_table_comment(site: Site, target: Target) -> Iterator[Effect]:
    name = site.operation.argument(0, "name")
    model = site.model(name) if isinstance(name, str) else None
    if model is not None and has_table(model):
        table = table_name(model)
        yield Effect(table, model.key, "SHARE UPDATE EXCLUSIVE", f'sets the comment of "{table}"')


def _no_database_change(site: Site, target: Target) -> Iterator[Effect]:
    name = site.operation.argument(0, "name")
    model = site.model(name) if isinstance(name, str) else None
    if model is not None:
        yield Effect(
            table_name(model) if has_table(model) else None,
            model.key,
            "none",
            f"no database change ({site.operation.name} changes only Python-side options)",
        )


Handler = Callable[[Site, Target], Iterator[Effect]]

#: The table operations by the path of the operation class.
HANDLERS: Mapping[str, Handler] = {
    _DJANGO + "CreateModel": _create_model,
    _DJANGO + "DeleteModel": _delete_model,
    _DJANGO + "RenameModel": _rename_model,
    _DJANGO + "AlterModelTable": _alter_model_table,
    _DJANGO + "AlterModelTableComment": _alter_table_comment,
    _DJANGO + "AlterModelOptions": _no_database_change,
    _DJANGO + "AlterModelManagers": _no_database_change,
}
