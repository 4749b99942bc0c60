"""Effects of the operations on columns: add, drop, rename and alter a field.

What each one does follows Django 6.1's schema editor (``db/backends/base/schema.py``
``add_field`` / ``remove_field`` / ``_alter_field`` and the PostgreSQL and MySQL
overrides): a NOT NULL column with a Python ``default`` is added with ``DEFAULT`` and the
default dropped right after; ``AlterField`` to NOT NULL first updates NULL rows to the
default, then runs ``SET NOT NULL``; a type change of a primary key also changes every
foreign key column pointing at it. Whole-table operations are in :mod:`.tables`; indexes,
unique and foreign key constraints are described by :mod:`.indexes`.

Lock rules (ML107-ML111) judge PostgreSQL and MySQL only: SQLite rebuilds a table on nearly
every change, but it is not a database many processes write to during a deploy. No rule
reports a table created earlier in the same deploy unit, except ML112, which fails whatever
the table holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from migration_lint.findings import Severity
from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    SetValue,
    Span,
    Stage,
    TupleValue,
    Value,
    source_text,
)
from migration_lint.safety import tables
from migration_lint.safety.column_types import (
    ModelLookup,
    class_name,
    column_name,
    column_type,
    has_column,
    is_foreign_key,
    is_many_to_many,
    option,
    primary_key_name,
    type_change,
)
from migration_lint.safety.defaults import (
    callable_default,
    has_db_default,
    has_effective_default,
    operation_field,
    volatile_function,
)
from migration_lint.safety.effects import Effect, Kind, Lock, Target, table_name
from migration_lint.safety.scope import Site
from migration_lint.state.fields import FieldSpec
from migration_lint.state.project import ModelState

__all__ = ["effects"]

_DJANGO = "django.db.migrations."
#: ``ALTER TABLE`` always takes ACCESS EXCLUSIVE on PostgreSQL (MySQL: an exclusive
#: metadata lock); without a rewrite or a scan it is held only for a moment.
_ALTER: Lock = "ACCESS EXCLUSIVE"
_AUTO = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
_ORDER = FieldSpec("django.db.models.OrderWrt", (), (("default", 0),), True)
#: Callable defaults meant to give each row its own value (``uuid4``, ``get_random_string``,
#: ``make_token``): called once by ``AddField``, they give every existing row the same one.
_IDENTITY = re.compile(r"uuid|random|token|secret|salt|nonce|key", re.IGNORECASE)


@dataclass(frozen=True)
class _Column:
    """One field of a model at a site: what every message about it needs."""

    site: Site
    target: Target
    model: ModelState
    name: str
    spec: FieldSpec

    @property
    def table(self) -> str:
        return table_name(self.model)

    @property
    def column(self) -> str:
        return column_name(self.spec, self.name)

    @property
    def label(self) -> str:
        """``Book.isbn (column "isbn" of "shop_book")``."""
        return f'{self.model.name}.{self.name} (column "{self.column}" of "{self.table}")'

    @property
    def fresh(self) -> bool:
        """The table was created earlier in the deploy unit: no running code uses it."""
        return self.model.key in self.site.fresh

    @property
    def locks_matter(self) -> bool:
        """Whether lock rules judge it: an existing table of a concurrent database."""
        return not self.fresh and self.target.database != "sqlite"

    @property
    def span(self) -> Span | None:
        """The field argument of the operation, the culprit of most findings about it."""
        field = self.site.operation.argument(2, "field")
        return field.span if isinstance(field, Call) else None

    def sql_type(self, lookup: ModelLookup) -> str | None:
        return column_type(self.spec, self.target.database, self.model.key, lookup)

    def effect(
        self,
        lock: Lock,
        what: str,
        *,
        code: str | None = None,
        kind: Kind = "lock",
        message: str = "",
        hint: str = "",
        rewrites: bool = False,
        scans: bool = False,
        stage: Stage | None = None,
        span: Span | None = None,
        severity: Severity | None = None,
    ) -> Effect:
        """An effect on the column's table; ``code`` only where a rule must report it."""
        return Effect(
            self.table,
            self.model.key,
            lock,
            what,
            rewrites=rewrites,
            scans=scans,
            code=code,
            kind=kind,
            message=message,
            hint=hint,
            span=span,
            stage=stage,
            severity=severity,
        )

    def breaking(
        self, what: str, *, code: str, message: str, hint: str, stage: Stage | None = None
    ) -> Effect:
        """A compat rule's effect: the change breaks the release still running during the
        deploy (``code``); on a fresh table, which no running code uses, it is only described."""
        if self.fresh:
            return self.effect(_ALTER, what)
        return self.effect(
            _ALTER, what, code=code, kind="compat", message=message, hint=hint, stage=stage
        )

    def judged(
        self,
        lock: Lock,
        what: str,
        *,
        code: str,
        message: str,
        hint: str,
        rewrites: bool = False,
        scans: bool = False,
    ) -> Effect:
        """A lock rule's effect: reported as ``code`` under ``lock`` where locks matter;
        on a fresh table or SQLite, the plain ``ALTER TABLE`` it is for the plan."""
        if not self.locks_matter:
            return self.effect(_ALTER, what, rewrites=rewrites, scans=scans)
        return self.effect(
            lock,
            what,
            code=code,
            rewrites=rewrites,
            scans=scans,
            message=message,
            hint=hint,
            span=self.span,
        )


def effects(site: Site, target: Target) -> Iterator[Effect]:
    """The effects of the operation at ``site`` if it changes columns or tables."""
    path = site.operation.path
    if path in _HANDLERS:
        yield from _HANDLERS[path](site, target)
    elif path in tables.HANDLERS:
        yield from tables.HANDLERS[path](site, target)


def _before(site: Site) -> ModelLookup:
    return lambda key: site.step.model_before(site.index, key)


def _after(site: Site) -> ModelLookup:
    return lambda key: site.step.model_after(site.index, key)


def _text(site: Site, position: int, name: str) -> str | None:
    value = site.operation.argument(position, name)
    return value if isinstance(value, str) else None


# -- AddField --------------------------------------------------------------------------------


def _written_field(site: Site) -> tuple[ModelState, str, FieldSpec] | None:
    """The model (before the operation), name and field of an ``AddField`` /
    ``AlterField``; ``None`` when the state lacks the model or the field cannot be read."""
    model_name, name = _text(site, 0, "model_name"), _text(site, 1, "name")
    if model_name is None or name is None:
        return None
    model = site.model(model_name)
    spec = operation_field(site, model_name, name)
    if model is None or spec is None:
        return None
    return model, name, spec


def _add_field(site: Site, target: Target) -> Iterator[Effect]:
    written = _written_field(site)
    if written is None:
        return
    model, name, spec = written
    if not tables.has_table(model):
        yield tables.no_table(model)
        return
    column = _Column(site, target, model, name, spec)
    if is_many_to_many(spec):
        through = tables.join_table(model, name, spec)
        if through is None:
            yield column.effect("none", "no database change: the through model holds the rows")
            return
        yield from tables.created_join_table(site, model, through, spec)
        return
    if not has_column(spec):
        yield column.effect("none", f"no database change: {model.name}.{name} has no column")
        return
    sql_type = column.sql_type(_after(site)) or "a type Django's backends do not name"
    added = column.effect(_ALTER, f'adds column "{column.column}" ({sql_type} {_constraint(spec)})')
    yield from _added(
        added,
        [
            *_required(column),
            *_filled(column),
            *_generated(column),
            *_new_primary_key(column),
            *_checked_addition(column),
        ],
    )


def _added(added: Effect, found: list[Effect]) -> Iterator[Effect]:
    """The effects of adding a column: what ``found`` says about it (each one prefixed with
    what is added, for the plan), or the bare addition when nothing more happens."""
    yield from (replace(effect, what=f"{added.what}: {effect.what}") for effect in found)
    if not found:
        yield added


def _constraint(spec: FieldSpec) -> str:
    """What follows the type in the column's definition: nullability or generation."""
    if class_name(spec) == "GeneratedField":
        return "GENERATED " + ("STORED" if option(spec, "db_persist") is True else "VIRTUAL")
    return "NULL" if option(spec, "null") is True else "NOT NULL"


def _default_text(spec: FieldSpec) -> str:
    """The value ``effective_default()`` fills existing rows with, for messages."""
    function = callable_default(spec)
    if function is not None:
        return f"the value {function}() returns during the migration"
    default = spec.kwarg("default", None)
    if default is not None:
        return source_text(default)
    if option(spec, "auto_now") is True or option(spec, "auto_now_add") is True:
        return "the time of the migration"
    return "''"


def _required(column: _Column) -> Iterator[Effect]:
    """ML101 / ML102: a NOT NULL column that existing rows or old INSERTs cannot fill."""
    spec = column.spec
    if (
        column.fresh
        or option(spec, "null") is True
        or option(spec, "primary_key") is True
        or class_name(spec) in _AUTO | {"GeneratedField"}
        or has_db_default(spec)
    ):
        return
    operation = column.site.operation.name
    if not has_effective_default(spec):
        if column.target.database == "mysql":
            consequence = (
                "MySQL fills the existing rows with the type's implicit value (0, '') and every "
                "INSERT of the release still running during the deploy, which does not know the "
                "column, fails in strict mode"
            )
        else:
            consequence = "the ALTER TABLE fails on a table with rows, which would all be NULL"
        yield column.effect(
            _ALTER,
            "nothing fills the existing rows",
            code="ML101",
            kind="failure",
            message=(
                f"{operation} adds NOT NULL column {column.label} with no default and no "
                f"db_default: {consequence}"
            ),
            hint=(
                "Give the field a db_default (Django >= 5.0) so the database fills existing "
                "and new rows, or add it with null=True, backfill the rows, and make it NOT "
                "NULL in a later migration"
            ),
            span=column.span,
        )
        return
    value = _default_text(spec)
    yield column.effect(
        _ALTER,
        f"fills existing rows with {value}, then drops the database default",
        code="ML102",
        kind="compat",
        message=(
            f"{operation} adds NOT NULL column {column.label} with a Python-side default only: "
            f"Django adds it with DEFAULT {value} to fill the existing rows, then drops the "
            "default, so INSERTs of the release still running during the deploy (which does "
            "not know the column) fail with a NOT NULL violation"
        ),
        hint=_db_default_hint(spec, value),
        span=column.span,
    )


def _db_default_hint(spec: FieldSpec, value: str) -> str:
    if callable_default(spec) is None:
        return (
            f"Use db_default={value} (Django >= 5.0), alone or next to default: the database "
            "default stays, and the old release's INSERTs get it"
        )
    return (
        "Give the field a db_default the database computes (Django >= 5.0; e.g. Now() for "
        "timezone.now), or add it with null=True and make it NOT NULL once the new code "
        "is live"
    )


def _filled(column: _Column) -> Iterator[Effect]:
    """ML109: a default that rewrites the table, or one value for every existing row."""
    spec, target = column.spec, column.target
    if column.fresh:
        return
    db_default = spec.kwarg("db_default")
    volatile = volatile_function(db_default) if has_db_default(spec) else None
    if target.postgresql and (volatile or not target.at_least(11)):
        if volatile:
            reason = f"its db_default calls {volatile}(), a VOLATILE function"
        else:
            reason = f"PostgreSQL {target.version} rewrites the table for any column default"
        if volatile or has_db_default(spec) or has_effective_default(spec):
            yield column.effect(
                "ACCESS EXCLUSIVE",
                f'rewrites "{column.table}" to fill it',
                code="ML109",
                rewrites=True,
                message=(
                    f"AddField adds column {column.label} with a default that PostgreSQL "
                    f"computes row by row ({reason}): the whole table is rewritten under an "
                    "ACCESS EXCLUSIVE lock that blocks every read and write"
                ),
                hint=(
                    "Add the column nullable without the default, set the default for new "
                    "rows (AlterField with db_default), backfill existing rows in batches, "
                    "then make it NOT NULL"
                ),
                span=db_default.span if isinstance(db_default, Call) else column.span,
            )
    function = None if has_db_default(spec) else callable_default(spec)
    if function is None:
        return
    unique = option(spec, "unique") is True or option(spec, "primary_key") is True
    if not unique and not _IDENTITY.search(function.rsplit(".", 1)[-1]):
        return  # one timestamp, or one default object, for every old row is the usual intent
    outcome = (
        "the unique index then fails on the duplicates and the migration with it"
        if unique
        else "rows that should differ (ids, tokens, timestamps) are all equal"
    )
    yield column.effect(
        _ALTER,
        f"fills existing rows with one value of {function}()",
        code="ML109",
        kind="failure" if unique else "compat",
        severity=Severity.ERROR if unique else None,
        message=(
            f"AddField calls the default {function}() once for column {column.label}: every "
            f"existing row gets the same value, so {outcome}"
        ),
        hint=(
            "Add the column nullable without the callable default, fill each existing row "
            f"with its own value (RunPython in batches, or SQL), then set default={function} "
            "and null=False (and unique=True) in a later migration"
        ),
        span=column.span,
    )


def _generated(column: _Column) -> Iterator[Effect]:
    """ML110: a stored generated column is computed for every row by a table rewrite."""
    spec = column.spec
    if class_name(spec) != "GeneratedField" or option(spec, "db_persist") is not True:
        return
    what = f'rewrites "{column.table}" to compute it'
    yield column.judged(
        _rewrite_lock(column.target),
        what,
        code="ML110",
        rewrites=True,
        message=(
            f"AddField adds stored generated column {column.label}: the database computes it "
            "for every existing row by rewriting the whole table, and writes to it (reads "
            "too, on PostgreSQL) wait until it is done"
        ),
        hint=(
            "On a big table, add a plain nullable column instead, fill it in batches and keep "
            "it up to date from the code or a trigger; or use db_persist=False where the "
            "database supports virtual columns"
        ),
    )


def _checked_addition(column: _Column) -> Iterator[Effect]:
    """A new column with a CHECK of its class (``PositiveIntegerField``: ``>= 0``):
    PostgreSQL checks every row, under the ``ADD COLUMN``'s ACCESS EXCLUSIVE lock."""
    if column.target.postgresql and not column.fresh and _checked(column):
        yield column.effect(_ALTER, "checks its CHECK constraint on every row", scans=True)


def _new_primary_key(column: _Column) -> Iterator[Effect]:
    """ML111: adding a primary key column builds its index under ACCESS EXCLUSIVE."""
    if option(column.spec, "primary_key") is not True or not column.locks_matter:
        return
    yield column.effect(
        "ACCESS EXCLUSIVE",
        "builds the primary key index",
        code="ML111",
        rewrites=True,
        message=(
            f"AddField adds primary key {column.label}: every row gets a value (a table "
            "rewrite for an identity or default) and the primary key index is built, under "
            "an ACCESS EXCLUSIVE lock that blocks every read and write"
        ),
        hint=_PRIMARY_KEY_HINT,
        span=column.span,
    )


_PRIMARY_KEY_HINT = (
    "Add the new column nullable, fill it in batches, build a unique index CONCURRENTLY "
    "(AddIndexConcurrently), then switch the primary key to it with RunSQL (ALTER TABLE ... "
    "ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...) in a short migration"
)


def _rewrite_lock(target: Target) -> Lock:
    """The lock of a table rewrite: PostgreSQL blocks reads too; MySQL's table copy lets
    reads go on and makes writes wait."""
    return "SHARE" if target.database == "mysql" else "ACCESS EXCLUSIVE"


# -- RemoveField, AlterOrderWithRespectTo ------------------------------------------------------


def _remove_field(site: Site, target: Target) -> Iterator[Effect]:
    model_name, name = _text(site, 0, "model_name"), _text(site, 1, "name")
    model = site.model(model_name) if model_name is not None else None
    if model is None or name is None:
        return
    if not tables.has_table(model):
        yield tables.no_table(model)
        return
    spec = model.fields.get(name)
    if spec is None:
        yield Effect(
            table_name(model),
            model.key,
            _ALTER,
            f'drops column "{name}", which the state no longer has (no running code uses it)',
        )
        return
    yield from _dropped(_Column(site, target, model, name, spec))


def _dropped(column: _Column) -> Iterator[Effect]:
    """The drop of a column (or of an M2M's join table); ML103 unless nobody uses it.

    A join table is charged the drop; ``DROP TABLE ... CASCADE`` also locks the two tables
    its foreign keys reference (:func:`.tables.dropped_join_table`), as dropping a foreign
    key column does the table it references."""
    spec = column.spec
    table = column.table
    if is_many_to_many(spec):
        through = tables.join_table(column.model, column.name, spec)
        if through is None:
            yield column.effect("none", "no database change: the through model holds the rows")
            return
        table = through
        what = f'drops join table "{through}"'
        dropped = f'join table "{through}" of {column.model.name}.{column.name}'
        uses = "reads and writes the relation through it"
        yield from tables.dropped_join_table(column.site, column.model, through, spec)
    elif has_column(spec):
        what, dropped = f'drops column "{column.column}"', f"column {column.label}"
        uses = "uses it (Django selects every column of a model)"
        if is_foreign_key(spec):
            yield from tables.dropped_reference(column.site, column.model, spec, column.table)
    else:
        yield column.effect("none", f"no database change: {column.name} has no column")
        return
    operation = column.site.operation.name
    breaking = column.breaking(
        what,
        code="ML103",
        stage="post-deploy",
        message=(
            f"{operation} drops {dropped} while the release still running during the deploy "
            f"{uses}: its queries fail until the new code is live"
        ),
        hint=(
            "Remove the field from the code first (made nullable or given a db_default so new "
            "rows need no value), with SeparateDatabaseAndState(state_operations=[RemoveField"
            "(...)]); deploy; then drop the column in a later migration that runs after the "
            "deploy (Safe.after_deploy() / Stage.POST_DEPLOY)"
        ),
    )
    yield replace(breaking, table=table)


def _order_with_respect_to(site: Site, target: Target) -> Iterator[Effect]:
    """``_order`` is added (NOT NULL, default 0, dropped after) or dropped with the option."""
    name = _text(site, 0, "name")
    before = site.model(name) if name is not None else None
    after = site.model_after(name) if name is not None else None
    if before is None or after is None:
        return
    if not tables.has_table(before):
        yield tables.no_table(before)
        return
    had = before.options.get("order_with_respect_to") is not None
    has = after.options.get("order_with_respect_to") is not None
    column = _Column(site, target, before, "_order", _ORDER)
    if had and not has:
        yield from _dropped(column)
    elif has and not had:
        added = column.effect(_ALTER, 'adds column "_order" (integer NOT NULL)')
        yield from _added(added, list(_required(column)))
    else:
        yield column.effect("none", "no database change: the ordering column stays")


# -- RenameField, AlterField -------------------------------------------------------------------


def _rename_field(site: Site, target: Target) -> Iterator[Effect]:
    model_name = _text(site, 0, "model_name")
    old_name, new_name = _text(site, 1, "old_name"), _text(site, 2, "new_name")
    model = site.model(model_name) if model_name is not None else None
    if model is None or old_name is None or new_name is None:
        return
    spec = model.fields.get(old_name)
    if spec is None:
        return
    if not tables.has_table(model):
        yield tables.no_table(model)
        return
    old = _Column(site, target, model, old_name, spec)
    if is_many_to_many(spec):
        yield from _renamed_join_table(old, tables.join_table(model, new_name, spec))
        return
    found = list(_renamed_column(old, column_name(spec, new_name)))
    yield from found or [old.effect("none", f'no database change: the column stays "{old.column}"')]


def _renamed_join_table(old: _Column, new_table: str | None) -> Iterator[Effect]:
    """An auto-created join table is named after its field: renaming the field renames it."""
    old_table = tables.join_table(old.model, old.name, old.spec)
    if old_table is None or old_table == new_table:
        yield old.effect("none", "no database change: the join table keeps its name")
        return
    what = f'renames join table "{old_table}" to "{new_table}"'
    if old.fresh:
        yield Effect(old_table, None, _ALTER, what)
        return
    yield Effect(
        old_table,
        None,
        _ALTER,
        what,
        code="ML106",
        kind="compat",
        message=(
            f"{old.site.operation.name} renames the join table of {old.model.name}.{old.name} "
            f'from "{old_table}" to "{new_table}": the release still running during the '
            "deploy queries the old name and fails until the new code is live"
        ),
        hint=(
            f'Keep the table: give the field db_table="{old_table}" in the same migration, so '
            "only the code's name changes"
        ),
    )


def _renamed_column(old: _Column, new_column: str) -> Iterator[Effect]:
    """ML105: the column's name changes under the running release."""
    if old.column == new_column:
        return
    what = f'renames column "{old.column}" to "{new_column}"'
    yield old.breaking(
        what,
        code="ML105",
        message=(
            f'{old.site.operation.name} renames column {old.label} to "{new_column}": the '
            "release still running during the deploy queries the old name and fails until "
            "the new code is live"
        ),
        hint=(
            f'Rename only in the code: keep the column with db_column="{old.column}" on the '
            "renamed field. To really rename it, add the new column, write to both, backfill, "
            "switch reads, then drop the old one over several deploys"
        ),
    )


def _alter_field(site: Site, target: Target) -> Iterator[Effect]:
    written = _written_field(site)
    if written is None:
        return
    model, name, new_spec = written
    old_spec = model.fields.get(name)
    if old_spec is None:
        return
    if not tables.has_table(model):
        yield tables.no_table(model)
        return
    old = _Column(site, target, model, name, old_spec)
    new = _Column(site, target, model, name, new_spec)
    if is_many_to_many(old_spec) or is_many_to_many(new_spec):
        yield from _altered_many_to_many(old, new)
        return
    found = [
        *_refused_generated(old, new),
        *_renamed_column(old, new.column),
        *_switched_primary_key(old, new),
        *_retyped(old, new),
        *_restated(old, new),
        *_nullability(old, new),
    ]
    if _differs(old_spec, new_spec, "db_default"):
        found.append(new.effect(_ALTER, f'changes the database default of "{new.column}"'))
    yield from found or [new.effect("none", f"the column of {model.name}.{name} does not change")]


def _differs(old: FieldSpec, new: FieldSpec, key: str) -> bool:
    """Whether an argument differs between two specs, as source text: parsed calls carry
    the spans of the file they were written in."""
    return source_text(old.kwarg(key)) != source_text(new.kwarg(key))


def _altered_many_to_many(old: _Column, new: _Column) -> Iterator[Effect]:
    """ML112: Django's schema editor cannot turn a field into or out of an M2M, nor add or
    remove its ``through``; between two auto-created join tables it alters the join table."""
    old_through = old.spec.kwarg("through") if is_many_to_many(old.spec) else None
    new_through = new.spec.kwarg("through") if is_many_to_many(new.spec) else None
    both = is_many_to_many(old.spec) and is_many_to_many(new.spec)
    if both and old_through is not None and new_through is not None:
        yield new.effect("none", "no database change: both fields use a through model")
        return
    if both and old_through is None and new_through is None:
        old_table = tables.join_table(old.model, old.name, old.spec)
        yield Effect(old_table, None, _ALTER, f'alters join table "{old_table}"')
        return
    field = f"{new.model.name}.{new.name}"
    if both:
        change = (
            f"adds through= to {field}" if old_through is None else f"removes through= from {field}"
        )
    else:
        change = f"turns {field} from a {class_name(old.spec)} into a {class_name(new.spec)}"
    yield new.effect(
        "none",
        f"fails: Django cannot alter {new.model.name}.{new.name}",
        code="ML112",
        kind="failure",
        message=(
            f"AlterField {change}: Django's schema editor raises "
            '"ValueError: Cannot alter field ... - they are not compatible types (you cannot '
            'alter to or from M2M fields, or add or remove through= on M2M fields)" and the '
            "migration fails"
        ),
        hint=(
            "Add a new field under another name, copy the data (RunPython), then remove the "
            "old field. To give an M2M a through model keeping its table, use "
            "SeparateDatabaseAndState: the AlterField in state_operations only, with the "
            "through model's db_table set to the existing join table"
        ),
        span=new.span,
    )


def _refused_generated(old: _Column, new: _Column) -> Iterator[Effect]:
    """Django refuses to alter a generated column's expression or storage (it raises
    "Modifying GeneratedFields is not supported"), or to make one of a plain column."""
    old_generated = class_name(old.spec) == "GeneratedField"
    new_generated = class_name(new.spec) == "GeneratedField"
    if not (old_generated or new_generated):
        return
    if old_generated == new_generated and not any(
        _differs(old.spec, new.spec, key) for key in ("expression", "db_persist")
    ):
        return
    yield new.effect(
        "none",
        "fails: Django does not alter generated fields (remove the field and add it again)",
        kind="failure",
    )


def _retyped(old: _Column, new: _Column) -> Iterator[Effect]:
    """ML107 / ML111: a column type change, by what it costs the database."""
    site, target = old.site, old.target
    old_type, new_type = old.sql_type(_before(site)), new.sql_type(_after(site))
    if old_type is None or new_type is None:
        return
    change = type_change(old_type, new_type, target.database)
    if change == "same":
        return
    what = f'changes the type of "{new.column}" from {old_type} to {new_type}'
    primary = option(old.spec, "primary_key") is True and option(new.spec, "primary_key") is True
    if change == "in place" and _rebuilds_pattern_index(old, old_type, new_type):
        yield from _rebuilt_pattern_index(new, what)
        return
    if change == "in place":
        yield new.effect(_ALTER, f"{what} in place (no rewrite)")
        return
    if primary:
        yield from _retyped_primary_key(new, old_type, new_type, what)
        return
    yield new.judged(
        _rewrite_lock(target),
        what,
        code="ML107",
        rewrites=True,
        message=(
            f"AlterField changes the type of {new.label} from {old_type} to {new_type}: the "
            "database rewrites the whole table and rebuilds its indexes, and "
            f"{_blocked(target)} until it is done"
        ),
        hint=(
            "Add a new column of the new type, write to both from the code, backfill in "
            "batches, switch reads, then drop the old column. On PostgreSQL, lengthening a "
            "varchar, varchar to text and more numeric precision at the same scale are "
            "catalog-only"
        ),
    )


def _restated(old: _Column, new: _Column) -> Iterator[Effect]:
    """An unchanged column type that Django sets again: ``_alter_field`` runs ``ALTER COLUMN
    ... TYPE`` when the comment (on a database that stores comments) or the collation
    changes, even to the same type, and SQLite remakes the table for either.

    PostgreSQL then re-adds what depends on the column: it re-checks its CHECK constraints
    (a scan), rebuilds its indexes if the collation changed (a scan) and re-creates the
    foreign keys of the column and to it (ACCESS EXCLUSIVE on the tables at their other
    end, no validation). MySQL changes a comment in place.
    """
    database = new.target.database
    changed = [
        attribute
        for attribute in ("db_comment", "db_collation")
        if _differs(old.spec, new.spec, attribute)
    ]
    site = old.site
    sql_type = new.sql_type(_after(site))
    if not changed or sql_type is None or old.sql_type(_before(site)) != sql_type:
        return
    what = f'sets the type of "{new.column}" again ({sql_type}) to change its ' + " and ".join(
        attribute.removeprefix("db_") for attribute in changed
    )
    if database == "sqlite":
        yield new.effect(_ALTER, f"{what}: SQLite remakes the table", rewrites=True)
    elif database == "mysql" and "db_collation" in changed:
        yield new.effect(_rewrite_lock(new.target), f"{what}, copying the table", rewrites=True)
    elif database != "postgresql":
        yield new.effect(_ALTER, f"{what} (in place)")
    else:
        yield from _restated_on_postgresql(new, what, rebuilds="db_collation" in changed)


def _restated_on_postgresql(new: _Column, what: str, *, rebuilds: bool) -> Iterator[Effect]:
    """PostgreSQL's ``ALTER COLUMN ... TYPE`` to the type the column has (see :func:`_restated`)."""
    checked, indexed = _checked(new), rebuilds and _indexed(new)
    details = [
        *(["re-checking its CHECK constraints"] if checked else []),
        *(["rebuilding its indexes"] if indexed else []),
    ]
    yield new.effect(_ALTER, ", ".join([what, *details]), scans=checked or indexed)
    if option(new.spec, "primary_key") is True:
        for table, key in tables.referencing_tables(new.site, new.model):
            yield Effect(table, key, _ALTER, f'its foreign key to "{new.table}" is re-created')
    if is_foreign_key(new.spec):
        yield from tables.dropped_reference(new.site, new.model, new.spec, new.table, "re-created")


#: Field classes whose column PostgreSQL's ``data_type_check_constraints`` checks (``>= 0``).
_CHECKED_CLASSES = frozenset(
    {"PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"}
)


def _checked(column: _Column) -> bool:
    """Whether a CHECK constraint reads the column: its class's, or a ``CheckConstraint``
    of the model that names the field."""
    if class_name(column.spec) in _CHECKED_CLASSES:
        return True
    return any(
        isinstance(constraint, Call)
        and constraint.func.endswith(".CheckConstraint")
        and _names_field(constraint, column.name)
        for constraint in column.model.option_items("constraints")
    )


def _indexed(column: _Column) -> bool:
    """Whether an index covers the column: the field's own (``db_index``, ``unique``,
    primary key, a foreign key's) or one of the model's indexes, constraints or
    ``unique_together`` / ``index_together`` that names the field."""
    spec = column.spec
    if any(option(spec, key) is True for key in ("db_index", "unique", "primary_key")):
        return True
    options = ("indexes", "constraints", "unique_together", "index_together")
    return any(_names_field(column.model.options.get(key), column.name) for key in options)


#: Arguments of indexes and constraints that name no field.
_NOT_FIELDS = frozenset(
    {"name", "db_tablespace", "violation_error_code", "violation_error_message"}
)


def _names_field(value: Value, name: str) -> bool:
    """Whether a field name, lookup (``pages__gte``) or ordering (``-pages``) of ``name``
    appears anywhere in ``value`` (a constraint, an index, a list of them), but in their
    names and messages."""
    if isinstance(value, str):
        return value.lstrip("-").split("__", 1)[0] == name
    if isinstance(value, Call):
        kwargs = [item for key, item in value.kwargs if key not in _NOT_FIELDS]
        return any(_names_field(item, name) for item in (*value.args, *kwargs))
    if isinstance(value, DictValue):
        return any(_names_field(item, name) for pair in value.items for item in pair)
    if isinstance(value, TupleValue | ListValue | SetValue):
        return any(_names_field(item, name) for item in value.items)
    return False


def _rebuilds_pattern_index(old: _Column, old_type: str, new_type: str) -> bool:
    """Whether Django's PostgreSQL backend drops and rebuilds the ``_like`` index of an
    indexed text column whose type family changes (``varchar`` to ``text``):
    ``_is_changing_type_of_indexed_text_column``."""
    indexed = any(option(old.spec, key) is True for key in ("db_index", "unique", "primary_key"))
    return (
        old.target.postgresql
        and indexed
        and any(
            old_type.startswith(family) and not new_type.startswith(family)
            for family in ("varchar", "text", "citext")
        )
    )


def _rebuilt_pattern_index(new: _Column, what: str) -> Iterator[Effect]:
    """ML107: an in-place type change that rebuilds an index under ACCESS EXCLUSIVE."""
    what = f"{what}, rebuilding its _like index"
    yield new.judged(
        "ACCESS EXCLUSIVE",
        what,
        code="ML107",
        scans=True,
        message=(
            f"AlterField changes the type of {new.label} in place, but Django drops and "
            "rebuilds the column's pattern (_like) index in the same transaction: the build "
            "reads the whole table under the ALTER's ACCESS EXCLUSIVE lock, blocking every "
            "read and write"
        ),
        hint=(
            "Keep the type (a longer varchar is catalog-only), or drop the index first and "
            "build the new one with AddIndexConcurrently in a non-atomic migration"
        ),
    )


def _blocked(target: Target) -> str:
    if target.database == "mysql":
        return "writes to it wait (MySQL copies the table)"
    return "every read and write of it waits"


def _switched_primary_key(old: _Column, new: _Column) -> Iterator[Effect]:
    """ML111: a field becomes, or stops being, the primary key."""
    became = option(new.spec, "primary_key") is True
    if became == (option(old.spec, "primary_key") is True):
        return
    what = f'{"makes" if became else "drops"} the primary key on "{new.column}"'
    yield new.judged(
        "ACCESS EXCLUSIVE",
        what,
        code="ML111",
        scans=True,
        message=(
            f"AlterField {'makes' if became else 'stops'} {new.label} "
            f"{'the' if became else 'being the'} primary key: the primary key index is "
            "dropped or built under an ACCESS EXCLUSIVE lock, and Django alters the foreign "
            "key columns pointing at the model"
        ),
        hint=_PRIMARY_KEY_HINT,
    )


def _retyped_primary_key(new: _Column, old_type: str, new_type: str, what: str) -> Iterator[Effect]:
    """ML111: the type of a primary key changes, and with it every foreign key to it."""
    referencing = list(_foreign_keys_to(new))
    for table, column in referencing:
        rewritten = f'rewrites foreign key column "{column}" to {new_type}'
        yield Effect(table, None, _rewrite_lock(new.target), rewritten, rewrites=True)
    names = ", ".join(f'"{table}"' for table, _ in referencing) or "no other table"
    yield new.judged(
        _rewrite_lock(new.target),
        what,
        code="ML111",
        rewrites=True,
        message=(
            f"AlterField changes the type of primary key {new.label} from {old_type} to "
            f"{new_type}: the table is rewritten, and so is every table whose foreign keys "
            "point at it "
            f"({names}), each under a lock that blocks its writes"
        ),
        hint=_PRIMARY_KEY_HINT,
    )


def _foreign_keys_to(column: _Column) -> Iterator[tuple[str, str]]:
    """The ``(table, column)`` of every foreign key pointing at ``column`` (a primary key),
    which Django alters with it (``_related_non_m2m_objects``)."""
    pk = primary_key_name(column.model)
    for model, name, spec in tables.foreign_keys_to(column.site, column.model):
        if spec.kwarg("to_field") in (None, pk) and tables.has_table(model):
            yield table_name(model), column_name(spec, name)


def _nullability(old: _Column, new: _Column) -> Iterator[Effect]:
    """ML108: SET NOT NULL reads the whole table under ACCESS EXCLUSIVE on PostgreSQL."""
    old_null, new_null = option(old.spec, "null") is True, option(new.spec, "null") is True
    if old_null == new_null:
        return
    if new_null:
        yield new.effect(_ALTER, f'drops NOT NULL on "{new.column}"')
        return
    target = new.target
    fill = ""
    if has_db_default(new.spec) or has_effective_default(new.spec):
        fill = "updates NULL rows to the default, then "
    what = f'{fill}sets NOT NULL on "{new.column}"'
    if target.database == "mysql":
        yield new.effect(_ALTER, f"{what} (an in-place rebuild: writes go on)", rewrites=True)
        return
    if not new.locks_matter or (target.at_least(12) and _checked_not_null(new)):
        yield new.effect(_ALTER, what)
        return
    yield new.effect(
        "ACCESS EXCLUSIVE",
        what,
        code="ML108",
        scans=True,
        message=(
            f"AlterField makes {new.label} NOT NULL: {fill}PostgreSQL checks every row "
            "under an ACCESS EXCLUSIVE lock, blocking every read and write of the table for "
            "the whole scan"
        ),
        hint=(
            "Add CHECK (column IS NOT NULL) as NOT VALID (AddConstraintNotValid), validate it "
            "in a later migration (ValidateConstraint), then make the field NOT NULL, which "
            "PostgreSQL >= 12 proves from the check without a scan, and drop the check"
        ),
        span=new.span,
    )


def _checked_not_null(column: _Column) -> bool:
    """Whether the model has ``CheckConstraint(condition=Q(<field>__isnull=False))``, which
    lets PostgreSQL >= 12 set NOT NULL without scanning."""
    wanted = (TupleValue((f"{column.name}__isnull", False)),)
    for constraint in column.model.option_items("constraints"):
        if isinstance(constraint, Call) and constraint.func == "django.db.models.CheckConstraint":
            condition = constraint.kwarg("condition")
            if (
                isinstance(condition, Call)
                and condition.func == "django.db.models.Q"
                and condition.args == wanted
                and not condition.kwargs
            ):
                return True
    return False


_HANDLERS = {
    _DJANGO + "AddField": _add_field,
    _DJANGO + "RemoveField": _remove_field,
    _DJANGO + "AlterField": _alter_field,
    _DJANGO + "RenameField": _rename_field,
    _DJANGO + "AlterOrderWithRespectTo": _order_with_respect_to,
}
