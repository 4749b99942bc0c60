"""Effects of ``RunSQL``: its forward SQL, statement by statement.

Django executes each item of a list or tuple of ``sql`` on its own, an item being a string
or an ``(sql, params)`` pair; ``RunSQL.noop`` runs nothing; a string is split into
statements with sqlparse, except on PostgreSQL, where it is sent whole
(``DatabaseOperations.prepare_sql_script``) and the server runs its statements as one
implicit transaction. Every statement is classified by
:func:`migration_lint.sql_analysis.analyse_sql` and becomes one effect (its lock, for the
plan), or one effect per ML3xx rule it breaks; a foreign key adds one for each table it
references.

A statement on a table nobody uses yet is no locking hazard: a table of a model created
earlier in the deploy unit, or one created by ``CREATE TABLE`` earlier in this migration's
SQL. Failures that happen whatever the table holds (``CONCURRENTLY`` in a transaction, a
``COMMIT`` inside Django's transaction, SQL we cannot read) are reported everywhere. The
reverse SQL is not judged: it only runs when a deploy is rolled back by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from migration_lint.findings import Severity
from migration_lint.model import (
    Call,
    ListValue,
    Local,
    Opaque,
    OperationCall,
    Ref,
    Span,
    Stage,
    TupleValue,
    Value,
    source_text,
)
from migration_lint.safety.column_types import is_foreign_key, is_many_to_many
from migration_lint.safety.effects import Effect, Kind, Lock, Target, table_name
from migration_lint.safety.scope import Site, database_operations
from migration_lint.safety.tables import has_table, join_table, referenced_tables
from migration_lint.sql_analysis import HazardKind, Statement, analyse_sql
from migration_lint.state.project import ModelKey, ModelState

__all__ = ["RUN_SQL", "Unreadable", "effects", "sql_pieces"]

RUN_SQL = "django.db.migrations.RunSQL"


@dataclass(frozen=True)
class Unreadable:
    """SQL the static evaluator could not turn into text: why, and where it is written."""

    reason: str
    span: Span | None


def sql_pieces(value: Value) -> Iterator[str | Unreadable]:
    """The SQL texts Django would execute for ``RunSQL``'s ``sql`` (or ``reverse_sql``)."""
    if value is None or _is_noop(value):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, ListValue | TupleValue):
        for item in value.items:
            if isinstance(item, ListValue | TupleValue) and len(item.items) == 2:
                item = item.items[0]
            if isinstance(item, str):
                yield item
            elif not _is_noop(item):
                yield _unreadable(item)
    else:
        yield _unreadable(value)


def _is_noop(value: Value) -> bool:
    return isinstance(value, Ref) and value.path.endswith(".RunSQL.noop")


def _unreadable(value: Value) -> Unreadable:
    if isinstance(value, Opaque):
        return Unreadable(value.reason, value.span)
    if isinstance(value, Call):
        return Unreadable(f"it is computed by {value.func}()", value.span)
    if isinstance(value, Local):
        return Unreadable(f"{value.name} is a {value.kind}, not a string", value.span)
    return Unreadable(f"{source_text(value)} is not a string", None)


# -- the tables the SQL touches ----------------------------------------------------------------


@dataclass
class _Tables:
    """What the SQL of one operation may touch: the models' tables by name, the tables
    nobody uses yet (``fresh``), the table of each known index (``DROP INDEX`` names
    only the index) and the foreign keys between tables, as ``(referencing, referenced)``
    pairs (``DROP TABLE`` and ``TRUNCATE ... CASCADE`` reach along them)."""

    models: dict[str, ModelKey]
    fresh: set[str]
    indexes: dict[str, str] = field(default_factory=dict)
    foreign_keys: set[tuple[str, str]] = field(default_factory=set)

    def learn(self, statement: Statement) -> None:
        """Remember what ``statement`` creates: a fresh table, an index of a table, a
        foreign key."""
        if statement.kind == "create_table" and statement.table is not None:
            self.fresh.add(statement.table)
        elif statement.kind == "create_index" and statement.index and statement.table:
            self.indexes[statement.index] = statement.table
        if statement.table is not None:
            self.foreign_keys.update((statement.table, other) for other in statement.references)

    def known(self, table: str) -> bool:
        """Whether the foreign keys to and from ``table`` are known: a model's table, a
        join table, or one this SQL created."""
        if table in self.models or table in self.fresh:
            return True
        return any(table == source for source, _ in self.foreign_keys)

    def referenced_by(self, table: str) -> set[str]:
        """The other tables holding a foreign key to ``table``."""
        return {source for source, to in self.foreign_keys if to == table != source}

    def referenced_from(self, table: str) -> set[str]:
        """The other tables ``table``'s foreign keys reference."""
        return {to for source, to in self.foreign_keys if source == table != to}

    def model(self, table: str | None) -> ModelKey | None:
        return None if table is None else self.models.get(table)

    def table_of(self, statement: Statement) -> str | None:
        if statement.table is not None or statement.index is None:
            return statement.table
        return self.indexes.get(statement.index)


def _tables(site: Site) -> _Tables:
    """The tables as they are just before the operation at ``site``."""
    state = site.step.state_before(site.index)
    tables = _Tables({}, {table_name(state[key]) for key in site.fresh if key in state})
    for key, model in state.items():
        table = table_name(model)
        tables.models[table] = key
        for item in (*model.option_items("indexes"), *model.option_items("constraints")):
            name = item.kwarg("name") if isinstance(item, Call) else None
            if isinstance(name, str):
                tables.indexes[name] = table
        if has_table(model):
            tables.foreign_keys.update(_foreign_keys(site, model))
    for earlier in site.migration.operations[: site.index]:
        for operation, _ in database_operations(earlier):
            for statement in _statements(operation):
                tables.learn(statement)
    return tables


def _foreign_keys(site: Site, model: ModelState) -> Iterator[tuple[str, str]]:
    """The foreign key constraints of ``model``'s fields as ``(referencing, referenced)``
    tables: its own columns', and the two of each auto-created join table."""
    table = table_name(model)
    for name, spec in model.fields.items():
        if is_many_to_many(spec):
            source = join_table(model, name, spec)
            if source is not None and spec.kwarg("db_constraint") is not False:
                yield source, table
        else:
            source = table if is_foreign_key(spec) else None
        if source is not None:
            for referenced in referenced_tables(site, model, spec, source):
                if referenced.table is not None:
                    yield source, referenced.table


def _statements(operation: OperationCall) -> Iterator[Statement]:
    """The readable statements of an operation's SQL (none if it is not a ``RunSQL``)."""
    if operation.path == RUN_SQL:
        for piece in sql_pieces(operation.argument(0, "sql")):
            if isinstance(piece, str):
                yield from analyse_sql(piece)


# -- judging each statement --------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Where a statement runs: the operation, the production database, the tables."""

    site: Site
    target: Target
    tables: _Tables
    #: The statement is sent to PostgreSQL in one string with others: they run as one
    #: implicit transaction, even in a non-atomic migration.
    together: bool = False

    def fresh(self, table: str | None) -> bool:
        """Whether ``table`` is one nobody uses yet (so it has no rows and no readers)."""
        return table is not None and table in self.tables.fresh

    @property
    def in_transaction(self) -> bool:
        """Whether Django runs the migration in a transaction: atomic migrations on
        databases that can roll DDL back (not MySQL, where DDL commits implicitly)."""
        return self.site.migration.atomic and self.target.database in ("postgresql", "sqlite")


@dataclass(frozen=True)
class _Finding:
    """What a rule says of a statement: ``message`` and ``hint`` are ``str.format``
    templates over the statement's ``table``, ``column``, ``action`` and ``statement``. A
    ``failure`` is an error whatever the rule's default severity."""

    code: str
    message: str
    hint: str
    kind: Kind = "lock"
    stage: Stage | None = None

    def effect(self, base: Effect, statement: Statement, **names: str | None) -> Effect:
        values = {
            "table": f'"{base.table}"' if base.table else "its table",
            "statement": _excerpt(statement.text),
            **{key: value or "?" for key, value in names.items()},
        }
        return replace(
            base,
            code=self.code,
            kind=self.kind,
            stage=self.stage,
            severity=Severity.ERROR if self.kind == "failure" else None,
            message=self.message.format(**values),
            hint=self.hint.format(**values),
        )


_CONCURRENTLY_HINT = (
    "Use the CONCURRENTLY form, alone in a migration with `atomic = False` (with IF NOT EXISTS"
    " / IF EXISTS, so that a retry after a failure works): it lets reads and writes through"
)
_NOT_CONCURRENT = {
    "create_index": _Finding(
        "ML302",
        "CREATE INDEX on {table} without CONCURRENTLY: its SHARE lock blocks every write to"
        " the table while the index is built",
        _CONCURRENTLY_HINT,
    ),
    "drop_index": _Finding(
        "ML302",
        "DROP INDEX without CONCURRENTLY: its ACCESS EXCLUSIVE lock on {table} blocks reads"
        " and writes until the drop is done (and while it waits for running queries)",
        _CONCURRENTLY_HINT,
    ),
    "reindex": _Finding(
        "ML302",
        "REINDEX without CONCURRENTLY: blocks writes to {table}, and reads that use the index,"
        " while it rebuilds",
        _CONCURRENTLY_HINT + " (REINDEX CONCURRENTLY needs PostgreSQL 12)",
    ),
}

_VALIDATE_LATER = (
    "Add it with NOT VALID (instant: only new rows are checked), then run ALTER TABLE ..."
    " VALIDATE CONSTRAINT in a later migration: validation lets reads and writes through"
)
_HAZARDS: dict[HazardKind, _Finding] = {
    "add_column_not_null": _Finding(
        "ML303",
        '"{action}" fails on {table}: its existing rows have no value for a NOT NULL column'
        " without a DEFAULT",
        "Give the column a constant DEFAULT (instant since PostgreSQL 11), or add it nullable,"
        " backfill it, and make it NOT NULL through a validated CHECK constraint",
        kind="failure",
    ),
    "volatile_default": _Finding(
        "ML303",
        '"{action}" rewrites every row of {table} under an ACCESS EXCLUSIVE lock: the value'
        " is computed row by row",
        "Add the column without that default, set it for new rows with ALTER COLUMN ... SET"
        " DEFAULT, then backfill the existing rows in batches",
    ),
    "set_not_null": _Finding(
        "ML303",
        '"{action}" scans all of {table} for NULLs under an ACCESS EXCLUSIVE lock',
        "Add CHECK ({column} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later"
        " migration, then SET NOT NULL (PostgreSQL 12+ trusts the constraint and skips the"
        " scan) and drop the CHECK",
    ),
    "add_foreign_key": _Finding(
        "ML303",
        '"{action}" checks every row of {table} while blocking writes to it and to the'
        " referenced table",
        _VALIDATE_LATER,
    ),
    "add_check": _Finding(
        "ML303",
        '"{action}" checks every row of {table} under an ACCESS EXCLUSIVE lock',
        _VALIDATE_LATER,
    ),
    "add_unique": _Finding(
        "ML303",
        '"{action}" builds an index on {table} under an ACCESS EXCLUSIVE lock',
        "CREATE UNIQUE INDEX CONCURRENTLY in a migration with `atomic = False`, then ALTER"
        " TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX index_name (instant)",
    ),
    "alter_type": _Finding(
        "ML303",
        '"{action}" rewrites {table} and its indexes under an ACCESS EXCLUSIVE lock (unless'
        " the types are binary compatible, such as varchar(n) to text)",
        "Add a column of the new type, fill it in batches, switch the code to it, then drop"
        " the old column",
    ),
    "drop_column": _Finding(
        "ML304",
        '"{action}" on {table}: the release still running selects that column and fails'
        " until it stops",
        "Remove the field from the model first (SeparateDatabaseAndState), deploy, and drop"
        " the column in a post-deploy migration",
        kind="compat",
        stage="post-deploy",
    ),
    "rename_column": _Finding(
        "ML304",
        '"{action}" on {table}: the running release uses the old name and the new one the'
        " new name, so one of them is broken whatever the order",
        "Keep the column name (db_column), or add a new column, write both, backfill, switch"
        " reads, and drop the old one in a later deploy",
        kind="compat",
    ),
    "rename_table": _Finding(
        "ML304",
        '"{action}": the running release still queries {table} and fails until it stops',
        "Keep the table name (Meta.db_table), or copy to a new table in steps over several deploys",
        kind="compat",
    ),
}
_DROP_TABLE = _Finding(
    "ML304",
    "DROP TABLE {table}: its data is gone, and the running release fails on every query of it",
    "Drop it in a post-deploy migration, once no deployed code uses it (and after a backup"
    " if its data may still be needed)",
    kind="compat",
    stage="post-deploy",
)
_TRUNCATE = _Finding(
    "ML304",
    "TRUNCATE {table} deletes every row, under an ACCESS EXCLUSIVE lock",
    "Delete only the rows meant to go (DELETE ... WHERE), in batches for a big table",
    kind="compat",
)
_REWRITE = _Finding(
    "ML305",
    '"{statement}" rewrites {table} under an ACCESS EXCLUSIVE lock: reads and writes wait'
    " until it is done",
    "Run it outside the migrations in a maintenance window, or rebuild the table online with"
    " pg_repack or pg_squeeze",
)
_IN_TRANSACTION = _Finding(
    "ML306",
    '"{statement}" cannot run inside a transaction block, and Django runs this atomic'
    " migration in one: PostgreSQL raises an error",
    "Set `atomic = False` on the Migration and keep the statement alone in it (with IF NOT"
    " EXISTS / IF EXISTS so that a retry works)",
    kind="failure",
)
_TOGETHER = _Finding(
    "ML306",
    '"{statement}" cannot run inside a transaction block, and PostgreSQL runs the statements'
    " of one RunSQL string as one transaction",
    "Give it a RunSQL of its own, or its own item in a list of statements (Django executes"
    " the items one by one), in a migration with `atomic = False`",
    kind="failure",
)
_EVERY_ROW = _Finding(
    "ML307",
    '"{statement}" has no WHERE clause: it changes every row of {table} in one transaction'
    " and holds all their row locks until the migration commits",
    "Add the WHERE clause if only some rows are meant; to change a big table, work in batches"
    " (by primary key ranges) in a migration with `atomic = False`",
)
_TRANSACTION_CONTROL = _Finding(
    "ML308",
    '"{statement}" inside an atomic migration: Django runs the migration in its own'
    " transaction, which this ends or nests",
    "Remove it: Django commits the migration itself; for statements that must run outside a"
    " transaction, set `atomic = False` on the Migration",
    kind="failure",
)
_UNREADABLE_HINT = (
    "Write the SQL as a string literal (or a module-level constant) so that it can be"
    " checked, or check it by hand and add `# noqa: ML309` with the reason"
)
_UNPARSABLE = _Finding(
    "ML309",
    'The raw SQL rules cannot read "{statement}"',
    "Look for an unterminated quote or comment, or text that is not SQL; if the statement is"
    " valid, check it by hand and add `# noqa: ML309` with the reason",
)


_Judge = Callable[[Statement, Effect, _Context], Iterator[Effect]]


def _not_concurrent(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    finding = _NOT_CONCURRENT.get(statement.kind)
    if finding is None or statement.concurrently or not context.target.postgresql:
        return
    if not context.fresh(base.table):
        yield finding.effect(base, statement)


def _alter_table(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    if context.fresh(base.table):
        return
    for hazard in statement.hazards:
        finding = _HAZARDS[hazard.kind]
        if finding.code != "ML303" or context.target.postgresql:
            yield finding.effect(base, statement, column=hazard.column, action=hazard.text)


def _breaking(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    finding = {"drop_table": _DROP_TABLE, "truncate": _TRUNCATE}.get(statement.kind)
    if finding is not None and not context.fresh(base.table):
        yield finding.effect(base, statement)


def _rewrite(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    rewrites = statement.kind in ("vacuum", "cluster") and statement.rewrites
    if rewrites and context.target.postgresql and not context.fresh(base.table):
        whole = {} if base.table else {"table": "every table of the database"}
        yield _REWRITE.effect(base, statement, **whole)


def _outside_transaction(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    if not statement.no_transaction or not context.target.postgresql:
        return
    if context.site.migration.atomic:
        yield _IN_TRANSACTION.effect(base, statement)
    elif context.together:
        yield _TOGETHER.effect(base, statement)


def _every_row(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    if statement.every_row and not context.fresh(base.table):
        yield _EVERY_ROW.effect(base, statement)


def _transaction_control(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    if statement.transaction_control and context.in_transaction:
        yield _TRANSACTION_CONTROL.effect(base, statement)


def _unparsable(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    if statement.kind == "unparsable":
        yield _UNPARSABLE.effect(base, statement)


_JUDGES: tuple[_Judge, ...] = (
    _not_concurrent,
    _alter_table,
    _breaking,
    _rewrite,
    _outside_transaction,
    _every_row,
    _transaction_control,
    _unparsable,
)


def _excerpt(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def _judged(statement: Statement, context: _Context) -> Iterator[Effect]:
    """The statement's effect, once per rule it breaks (once, without code, if none), and
    the lock its foreign keys take on the tables they reference."""
    what = f"SQL line {statement.line}: {_excerpt(statement.text)}"
    table = context.tables.table_of(statement)
    base = Effect(
        table=table,
        model=context.tables.model(table),
        lock=statement.lock,
        what=what,
        rewrites=statement.rewrites,
        scans=statement.scans,
        span=context.site.operation.span,
    )
    found = [effect for judge in _JUDGES for effect in judge(statement, base, context)]
    yield from found or (base,)
    for referenced in statement.references:
        yield _reached(base, context, referenced, "SHARE ROW EXCLUSIVE", "references it")
    yield from _dropped_foreign_keys(statement, base, context)
    yield from _cascade(statement, base, context)


def _reached(base: Effect, context: _Context, table: str | None, lock: Lock, why: str) -> Effect:
    """The statement's effect on another table than its own, ``why`` it takes ``lock``
    there; described only (the rules judge the statement's own table)."""
    return replace(
        base,
        table=table,
        model=context.tables.model(table),
        lock=lock,
        what=f"{base.what} ({why})",
        rewrites=False,
        scans=False,
    )


def _each_table(statement: Statement) -> Iterator[Statement]:
    """A DROP TABLE or TRUNCATE of several tables as one statement per table (each is
    dropped or emptied, each breaks the running release), the others kept in ``others``."""
    named = (statement.table, *statement.others)
    for table in named:
        others = tuple(other for other in named if other != table and other is not None)
        yield replace(statement, table=table, others=others)


def _dropped_foreign_keys(
    statement: Statement, base: Effect, context: _Context
) -> Iterator[Effect]:
    """``DROP TABLE`` drops the foreign keys of the table, which takes ACCESS EXCLUSIVE on
    the tables they reference; with CASCADE, also those of the tables referencing it (on
    those tables). Without CASCADE, a table still referenced is not dropped at all: the
    statement fails."""
    table = base.table
    if statement.kind != "drop_table" or table is None:
        return
    named = {table, *statement.others}
    for referenced in sorted(context.tables.referenced_from(table) - named):
        why = f'the foreign key from "{table}" to it is dropped'
        yield _reached(base, context, referenced, "ACCESS EXCLUSIVE", why)
    if statement.cascade:
        for referencing in sorted(context.tables.referenced_by(table) - named):
            why = f'CASCADE drops its foreign key to "{table}"'
            yield _reached(base, context, referencing, "ACCESS EXCLUSIVE", why)


def _cascade(statement: Statement, base: Effect, context: _Context) -> Iterator[Effect]:
    """``TRUNCATE ... CASCADE`` empties every table holding a foreign key to an emptied
    one, recursively (``DROP TABLE ... CASCADE``: :func:`_dropped_foreign_keys`). Of a
    table the state does not know, the effect says that it reaches tables we cannot name."""
    table = base.table
    if not statement.cascade or table is None:
        return
    if not context.tables.known(table):
        why = f'CASCADE also reaches the tables with a foreign key to "{table}", unknown here'
        yield _reached(base, context, None, "ACCESS EXCLUSIVE", why)
    elif statement.kind == "truncate":
        for emptied, via in _truncated_with(context.tables, table, statement.others):
            why = f'CASCADE empties it too: it has a foreign key to "{via}"'
            yield replace(
                _reached(base, context, emptied, "ACCESS EXCLUSIVE", why),
                rewrites=base.rewrites,
                scans=base.scans,
            )


def _truncated_with(
    tables: _Tables, table: str, named: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    """The tables ``TRUNCATE table CASCADE`` empties besides those it names, each with the
    table it references that brought it in."""
    seen = {table, *named}
    queue = [table]
    while queue:
        via = queue.pop(0)
        for referencing in sorted(tables.referenced_by(via) - seen):
            seen.add(referencing)
            queue.append(referencing)
            yield referencing, via


def effects(site: Site, target: Target) -> Iterator[Effect]:
    """The effects of the ``RunSQL`` at ``site``, statement by statement."""
    if site.operation.path != RUN_SQL:
        return
    context = _Context(site, target, _tables(site))
    for piece in sql_pieces(site.operation.argument(0, "sql")):
        if isinstance(piece, Unreadable):
            yield Effect(
                table=None,
                model=None,
                lock="unknown",
                what=f"SQL that cannot be read statically ({piece.reason})",
                code="ML309",
                message=f"The raw SQL rules cannot read this SQL: {piece.reason}",
                hint=_UNREADABLE_HINT,
                span=piece.span,
            )
            continue
        statements = analyse_sql(piece)
        together = replace(context, together=len(statements) > 1)
        for statement in statements:
            for single in _each_table(statement):
                yield from _judged(single, together)
            context.tables.learn(statement)
