"""Raw SQL rules (ML3xx): what the statements of ``RunSQL`` do to the database.

The statements are read by :mod:`migration_lint.sql_analysis` and judged by
:mod:`migration_lint.safety.sql`, which turns each into effects; every rule here but ML301
is the report of its effects (:func:`~migration_lint.safety.effects.issues_for`), so the
plan and the rules cannot disagree. Only the forward SQL is judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.rules.base import rule
from migration_lint.safety.effects import issues_for
from migration_lint.safety.scope import linted_sites

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis


@rule(
    "ML301",
    "run-sql-without-reverse",
    Severity.WARNING,
    "RunSQL without reverse_sql: the migration cannot be unapplied",
    scope="file",
)
def run_sql_without_reverse(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RunSQL`` operations without ``reverse_sql``.

    ``RunSQL.noop`` counts as a reverse: it says that undoing the SQL needs nothing. A
    ``reverse_sql`` that cannot be read statically (a variable, a function call) counts as
    given.

    ## Why it hurts
    Django refuses to unapply the migration (``IrreversibleError``), and with it every
    migration after it: rolling back a bad deploy, or going back to test a branch, stops at
    this migration.

    ## What to do instead
    Write the SQL that undoes the change, or say that nothing needs undoing:

    ```python
    migrations.RunSQL(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS book_title_idx ON shop_book (title)",
        reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS book_title_idx",
    )
    migrations.RunSQL("ANALYZE shop_book", reverse_sql=migrations.RunSQL.noop)
    ```
    """
    from migration_lint.describe import is_reversible
    from migration_lint.safety.sql import RUN_SQL

    for site in linted_sites(analysis):
        if site.operation.path == RUN_SQL and not is_reversible(site.operation):
            yield site.issue(
                "RunSQL without reverse_sql: Django cannot unapply this migration",
                "Give reverse_sql the SQL that undoes it, or migrations.RunSQL.noop when"
                " nothing needs undoing",
            )


@rule(
    "ML302",
    "sql-index-not-concurrent",
    Severity.WARNING,
    "CREATE INDEX, DROP INDEX or REINDEX in raw SQL without CONCURRENTLY on an existing table",
    scope="file",
)
def sql_index_not_concurrent(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``CREATE [UNIQUE] INDEX``, ``DROP INDEX`` and ``REINDEX`` statements without
    ``CONCURRENTLY`` on a table that already exists (PostgreSQL).

    Not reported on a table created earlier in the same deploy (by a ``CreateModel`` or a
    ``CREATE TABLE`` earlier in the migration's SQL): nobody uses it yet.

    ## Why it hurts
    ``CREATE INDEX`` holds a SHARE lock for the whole build: every ``INSERT``, ``UPDATE``
    and ``DELETE`` on the table waits, for minutes on a big table. ``DROP INDEX`` takes an
    ACCESS EXCLUSIVE lock on the table, which blocks reads too and queues behind every
    running query. ``REINDEX`` blocks writes and the reads that use the index.

    ## What to do instead
    Use the ``CONCURRENTLY`` form. PostgreSQL refuses it inside a transaction, so the
    migration must not be atomic; a concurrent build that fails leaves an invalid index
    behind, so write the statements so that running them again works:

    ```python
    class Migration(migrations.Migration):
        atomic = False

        operations = [
            migrations.RunSQL(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS book_title_idx ON shop_book (title)",
                reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS book_title_idx",
            ),
        ]
    ```
    """
    yield from issues_for(analysis, "ML302")


@rule(
    "ML303",
    "sql-locking-alter-table",
    Severity.WARNING,
    "ALTER TABLE in raw SQL that scans or rewrites the table under a lock, or fails on its rows",
    scope="file",
)
def sql_locking_alter_table(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``ALTER TABLE`` actions that read or rewrite a whole existing table while
    holding a lock that blocks it (PostgreSQL):

    * ``ADD COLUMN ... NOT NULL`` without a ``DEFAULT``: fails outright on a table with
      rows (an error, not a warning);
    * ``ADD COLUMN`` whose value is computed per row (``DEFAULT gen_random_uuid()``,
      ``serial``, identity and stored generated columns): rewrites the table;
    * ``ALTER COLUMN ... SET NOT NULL``: scans the table;
    * ``ADD CONSTRAINT ... FOREIGN KEY`` / ``CHECK`` without ``NOT VALID`` (also an inline
      ``REFERENCES`` / ``CHECK`` of a new column): scans the table;
    * ``ADD ... UNIQUE`` / ``PRIMARY KEY`` / ``EXCLUDE`` without ``USING INDEX``: builds
      an index under ACCESS EXCLUSIVE;
    * ``ALTER COLUMN ... TYPE``: rewrites the table and its indexes.

    A constant default is not reported: PostgreSQL 11 and later store it once, without
    touching the rows. Nothing is reported on a table created earlier in the same deploy.

    ## Why it hurts
    These actions hold ACCESS EXCLUSIVE (a foreign key: SHARE ROW EXCLUSIVE on both tables)
    for as long as the scan or rewrite takes: every query on the table waits, and the
    queue of waiting queries takes the site down on a big, busy table.

    ## What to do instead
    Split the change so that the long part runs under a weak lock. For a constraint, add it
    ``NOT VALID`` (instant), then validate it in a later migration, which lets reads and
    writes through; a ``NOT NULL`` column goes through such a check:

    ```sql
    -- migration 1
    ALTER TABLE shop_book ADD CONSTRAINT book_isbn_not_null CHECK (isbn IS NOT NULL) NOT VALID;
    -- migration 2
    ALTER TABLE shop_book VALIDATE CONSTRAINT book_isbn_not_null;
    ALTER TABLE shop_book ALTER COLUMN isbn SET NOT NULL;  -- PostgreSQL 12+: no scan
    ALTER TABLE shop_book DROP CONSTRAINT book_isbn_not_null;
    ```

    A unique constraint reuses an index built concurrently (``CREATE UNIQUE INDEX
    CONCURRENTLY ...``, then ``ADD CONSTRAINT ... UNIQUE USING INDEX ...``); a type change
    becomes a new column, filled in batches.
    """
    yield from issues_for(analysis, "ML303")


@rule(
    "ML304",
    "sql-breaking-change",
    Severity.ERROR,
    "Raw SQL that drops, renames or empties what the running release uses",
    scope="file",
)
def sql_breaking_change(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``DROP TABLE``, ``ALTER TABLE ... DROP COLUMN``, ``ALTER TABLE ... RENAME``
    (a column or the table) and ``TRUNCATE`` on a table that already exists.

    Drops are fine in a migration declared to run after the deploy (django-safemigrate's
    ``Safe.after_deploy()``, django-syzygy's ``Stage.POST_DEPLOY``); renames and
    ``TRUNCATE`` are reported whatever the stage.

    ## Why it hurts
    Migrations run while the previous release still serves requests. It selects every
    column of its models and queries its tables by name: a dropped or renamed column or
    table makes those queries fail until it stops. A rename breaks either the old or the
    new release, whichever runs against the other name. Dropped and truncated data is gone.

    ## What to do instead
    Remove the field or model from the code first, keeping the database as it is, and drop
    it in a later, post-deploy migration:

    ```python
    # deploy 1: the code stops using the column
    migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField("book", "isbn")],
    )
    # deploy 2, after the old release is gone
    class Migration(migrations.Migration):
        safe = Safe.after_deploy()
        operations = [
            migrations.RunSQL(
                "ALTER TABLE shop_book DROP COLUMN isbn",
                reverse_sql="ALTER TABLE shop_book ADD COLUMN isbn varchar(13) NULL",
            ),
        ]
    ```

    Instead of a rename, keep the old name in the database (``db_column``,
    ``Meta.db_table``), or add the new column, write to both, backfill, and drop the old
    one in a later deploy.
    """
    yield from issues_for(analysis, "ML304")


@rule(
    "ML305",
    "sql-table-rewrite",
    Severity.WARNING,
    "VACUUM FULL or CLUSTER in raw SQL: rewrites the table under an ACCESS EXCLUSIVE lock",
    scope="file",
)
def sql_table_rewrite(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``VACUUM FULL`` and ``CLUSTER`` on an existing table (or the whole database)
    (PostgreSQL).

    ## Why it hurts
    Both write a new copy of the table and its indexes while holding ACCESS EXCLUSIVE:
    nothing can read or write the table until the copy is done, which takes as long as
    reading and writing the whole table. They also need disk space for the copy.

    ## What to do instead
    Keep maintenance out of migrations. Plain ``VACUUM`` (which cannot run in a migration's
    transaction either) reclaims space for reuse without locking out queries; to shrink
    or reorder a table online, use pg_repack or pg_squeeze from a maintenance job:

    ```sh
    pg_repack --table=shop_book --dbname=shop
    ```
    """
    yield from issues_for(analysis, "ML305")


@rule(
    "ML306",
    "sql-concurrently-in-atomic-migration",
    Severity.ERROR,
    "CONCURRENTLY (or VACUUM) in the raw SQL of an atomic migration: PostgreSQL refuses it",
    scope="file",
)
def sql_concurrently_in_atomic_migration(analysis: Analysis) -> Iterator[Issue]:
    """Finds statements PostgreSQL refuses to run inside a transaction block
    (``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``REINDEX ...
    CONCURRENTLY``, ``ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY``, ``VACUUM``) where
    they run in one:

    * in a migration Django runs in a transaction (``atomic = True``, the default);
    * in a ``RunSQL`` string that holds other statements too, even in a non-atomic
      migration: on PostgreSQL, Django sends the string whole and the server runs its
      statements as one implicit transaction. The items of a list are executed one by one.

    Reported on any table, new or old: the statement fails whatever the table holds.

    ## Why it hurts
    The migration fails with ``... cannot run inside a transaction block``: ``migrate``
    stops and the deploy with it.

    ## What to do instead
    Make the migration non-atomic, and give the statement a ``RunSQL`` (or a list item) of
    its own; keep it alone in its migration: without a transaction, a failure half-way
    leaves what ran before it applied.

    ```python
    class Migration(migrations.Migration):
        atomic = False

        operations = [
            migrations.RunSQL(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS book_title_idx ON shop_book (title)",
                reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS book_title_idx",
            ),
        ]
    ```
    """
    yield from issues_for(analysis, "ML306")


@rule(
    "ML307",
    "sql-update-without-where",
    Severity.WARNING,
    "UPDATE or DELETE in raw SQL without a WHERE clause",
    scope="file",
)
def sql_update_without_where(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``UPDATE`` and ``DELETE`` statements without a ``WHERE`` clause on a table
    that already exists (a ``WHERE`` inside a subquery does not count).

    ## Why it hurts
    The statement changes every row of the table in the migration's transaction: it holds
    a lock on each of them until the migration commits, so the application's writes to any
    row wait, and a big table bloats with a dead copy of every row. A forgotten ``WHERE``
    also destroys data.

    ## What to do instead
    Say which rows are meant. For a backfill of a big table, work in batches outside one
    long transaction:

    ```python
    class Migration(migrations.Migration):
        atomic = False

        operations = [
            migrations.RunSQL(
                "UPDATE shop_book SET pages = 0 WHERE pages IS NULL",
                reverse_sql=migrations.RunSQL.noop,
            ),
        ]
    ```
    """
    yield from issues_for(analysis, "ML307")


@rule(
    "ML308",
    "sql-transaction-control",
    Severity.ERROR,
    "BEGIN, COMMIT or ROLLBACK in the raw SQL of an atomic migration",
    scope="file",
)
def sql_transaction_control(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``BEGIN``, ``START TRANSACTION``, ``COMMIT``, ``END``, ``ROLLBACK`` and
    ``ABORT`` in a migration Django runs in a transaction (``atomic = True``, on PostgreSQL
    and SQLite; MySQL cannot roll DDL back, so Django runs no transaction there).
    ``SAVEPOINT``, ``RELEASE``, ``ROLLBACK TO`` and ``SET LOCAL`` work inside Django's
    transaction and are not reported.

    ## Why it hurts
    Django opens the migration's transaction and commits it together with the row that
    records the migration as applied. A ``COMMIT`` in the SQL commits half of the migration
    early: if a later operation fails, the first half stays applied but the migration is
    not recorded, and running it again fails. ``BEGIN`` inside a transaction is an error on
    SQLite and a warning that leaves the transaction to the next ``COMMIT`` on PostgreSQL.

    ## What to do instead
    Leave transactions to Django: remove the statements. For SQL that must run outside a
    transaction, make the migration non-atomic:

    ```python
    class Migration(migrations.Migration):
        atomic = False

        operations = [
            migrations.RunSQL("VACUUM ANALYZE shop_book", reverse_sql=migrations.RunSQL.noop),
        ]
    ```
    """
    yield from issues_for(analysis, "ML308")


@rule(
    "ML309",
    "sql-unreadable",
    Severity.WARNING,
    "RunSQL whose SQL cannot be read statically: the raw SQL rules cannot check it",
    scope="file",
)
def sql_unreadable(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RunSQL`` whose SQL is not a literal (built from a variable, a function, a
    file read, an f-string with a value from elsewhere), or a statement that cannot be
    parsed (an unterminated quote, text that is not SQL).

    A warning rather than an information: every other raw SQL rule is silent about such
    SQL, including the ones that report migrations failing, so saying nothing would pass it
    as safe. A ``noqa`` with the reason settles it once it has been checked.

    ## Why it hurts
    The SQL runs in production unchecked: a lock, a rewrite or a ``COMMIT`` in it would be
    found only when the deploy hangs or fails.

    ## What to do instead
    Write the SQL into the migration as a string (a module-level constant works too), so
    that it is checked, and so that the migration keeps meaning what it meant when it ran:

    ```python
    SQL = "CREATE INDEX CONCURRENTLY IF NOT EXISTS book_title_idx ON shop_book (title)"

    operations = [migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop)]
    ```

    Or, after checking it by hand, silence it with ``# noqa: ML309``.
    """
    yield from issues_for(analysis, "ML309")
