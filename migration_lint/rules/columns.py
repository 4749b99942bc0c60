"""ML101-ML112: columns and tables that fail, lock or break the running release.

Every rule here is the part of :mod:`migration_lint.safety.columns` (and
:mod:`migration_lint.safety.tables`) that carries its code: the knowledge lives in the
providers, shared with the deploy plan; each rule only documents it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.rules.base import rule
from migration_lint.safety.effects import issues_for

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis


@rule(
    "ML101",
    "not-null-column-without-default",
    Severity.ERROR,
    "A NOT NULL column added to an existing table with neither default nor db_default",
    scope="file",
)
def not_null_column_without_default(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AddField`` of a NOT NULL column (``null=False``, the default) with no
    ``default`` and no ``db_default``, on a table that already exists.

    Fields without a column of their own (``ManyToManyField``), auto and generated fields,
    and text fields with ``blank=True`` (Django fills them with ``''``) are not reported,
    nor is a table created earlier in the same deploy unit.

    ## Why it hurts
    The existing rows have no value for the column: on PostgreSQL and SQLite
    ``ALTER TABLE ... ADD COLUMN ... NOT NULL`` fails as soon as the table has a row, so the
    deploy stops. MySQL fills the rows with the type's implicit value (``0``, ``''``)
    instead, and the release still running, which does not know the column, fails on every
    INSERT.

    ## What to do instead
    Let the database fill the column, with ``db_default`` (Django >= 5.0)::

        migrations.AddField("book", "stock", models.IntegerField(db_default=0))

    or add the column nullable, backfill it, and make it NOT NULL in a later migration
    (see ML108 for doing that last step without a long lock).
    """
    yield from issues_for(analysis, "ML101")


@rule(
    "ML102",
    "not-null-column-python-default",
    Severity.WARNING,
    "A NOT NULL column added with a Python-side default only, which old INSERTs violate",
    scope="file",
)
def not_null_column_python_default(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AddField`` of a NOT NULL column whose default lives only in Python
    (``default=``, with or without ``preserve_default=False``, a blank text field's ``''``,
    ``auto_now``), with no ``db_default``, on a table that already exists. Also
    ``AlterOrderWithRespectTo`` adding the ``_order`` column.

    ## Why it hurts
    Django adds the column with ``DEFAULT <value>`` so that the existing rows get it, then
    immediately drops the default. Until the new code is live, the release still running
    inserts rows without the column, and each INSERT fails with a NOT NULL violation.

    ## What to do instead
    Keep the default in the database with ``db_default`` (Django >= 5.0)::

        migrations.AddField(
            "book", "status", models.CharField(max_length=10, default="draft", db_default="draft")
        )

    Before Django 5.0: add the column with ``null=True``, deploy, then make it NOT NULL.
    """
    yield from issues_for(analysis, "ML102")


@rule(
    "ML103",
    "drop-column",
    Severity.ERROR,
    "A column (or an M2M's join table) dropped while the running release still uses it",
    scope="file",
)
def drop_column(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RemoveField`` of a column of an existing table (or of a ``ManyToManyField``,
    which drops its join table), and ``AlterOrderWithRespectTo`` dropping ``_order``, in a
    migration that is not declared to run after the deploy.

    A migration declared post-deploy (django-safemigrate's ``safe = Safe.after_deploy()``,
    django-syzygy's ``stage = Stage.POST_DEPLOY``) is not reported: the code that used the
    column is gone by then.

    ## Why it hurts
    Django names every column of a model in its queries. The release still running during
    the deploy knows the field, so each of its queries on the model fails with "column does
    not exist" until the new code is live.

    ## What to do instead
    Two deploys. First remove the field from the code and from the migration state only,
    after making it nullable (or giving it a ``db_default``) so that new rows need no value::

        migrations.AlterField("book", "isbn", models.CharField(max_length=13, null=True)),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("book", "isbn")],
        ),

    Then, once that is live, drop the column in a migration that runs after the deploy::

        class Migration(migrations.Migration):
            safe = Safe.after_deploy()
            operations = [migrations.RunSQL('ALTER TABLE "shop_book" DROP COLUMN "isbn"')]
    """
    yield from issues_for(analysis, "ML103")


@rule(
    "ML104",
    "drop-table",
    Severity.ERROR,
    "A table dropped while the running release still uses it",
    scope="file",
)
def drop_table(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``DeleteModel`` of a model whose table exists, in a migration that is not
    declared to run after the deploy. Unmanaged and proxy models have no table and are not
    reported; neither is a model created earlier in the same deploy unit.

    ## Why it hurts
    The release still running during the deploy reads and writes the table: every request
    touching the model fails until the new code is live. Dropping also loses the data for
    good, so a rollback of the code cannot bring it back.

    ## What to do instead
    Delete the model from the code and from the state first, deploy, then drop the table in
    a migration that runs after the deploy::

        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("Coupon")],
        )
        # later, in a post-deploy migration (Safe.after_deploy() / Stage.POST_DEPLOY):
        migrations.RunSQL('DROP TABLE "shop_coupon"')
    """
    yield from issues_for(analysis, "ML104")


@rule(
    "ML105",
    "rename-column",
    Severity.ERROR,
    "A column renamed under the running release",
    scope="file",
)
def rename_column(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RenameField`` that changes the column's name (not when ``db_column`` keeps
    it), and ``AlterField`` that changes ``db_column``, on an existing table.

    ## Why it hurts
    The release still running during the deploy queries the column by its old name and
    fails until the new code is live; no order of migration and deploy avoids that.

    ## What to do instead
    Rename the field in the code only, keeping the column::

        migrations.AlterField("book", "isbn", models.CharField(max_length=13, db_column="isbn")),
        migrations.RenameField("book", "isbn", "code"),

    To really rename the column, add the new one, write to both, backfill, switch reads to
    the new one, and drop the old one over several deploys.
    """
    yield from issues_for(analysis, "ML105")


@rule(
    "ML106",
    "rename-table",
    Severity.ERROR,
    "A table renamed under the running release",
    scope="file",
)
def rename_table(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RenameModel`` when the table's name changes (not when ``Meta.db_table`` keeps
    it), ``AlterModelTable`` changing the table (to or from the default name too), and
    ``RenameField`` of a ``ManyToManyField`` whose join table is named after the field.

    ## Why it hurts
    The release still running during the deploy queries the old table name and fails until
    the new code is live.

    ## What to do instead
    Rename the model in the code only, keeping its table::

        migrations.AlterModelTable("author", "shop_author"),
        migrations.RenameModel("Author", "Writer"),

    (with ``db_table = "shop_author"`` in the model's ``Meta``). To really move the data,
    create the new table, write to both, copy the rows, then drop the old table.
    """
    yield from issues_for(analysis, "ML106")


@rule(
    "ML107",
    "alter-column-type",
    Severity.WARNING,
    "A column type change that rewrites the table under a lock",
    scope="file",
)
def alter_column_type(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AlterField`` that changes the database type of a column of an existing table
    in a way the database cannot do in its catalog (the type is computed from Django's
    ``data_types`` for the configured ``database``). Primary keys are ML111.

    Not reported on PostgreSQL: a longer (or unbounded) ``varchar``, ``CharField`` to
    ``TextField``, a ``DecimalField`` with more ``max_digits`` and the same
    ``decimal_places``. On MySQL: a longer ``varchar`` that keeps the same number of length
    bytes (up to 255 bytes, i.e. 63 ``utf8mb4`` characters, or beyond). Options that do not
    touch the column (``choices``, ``help_text``, ``validators``, a Python ``default``...)
    are no type change. SQLite is not judged.

    ## Why it hurts
    PostgreSQL rewrites every row and rebuilds the table's indexes under an ACCESS
    EXCLUSIVE lock: nothing reads or writes the table until it is done. MySQL copies the
    table, with writes waiting. On a big table that is minutes of downtime.

    ## What to do instead
    Add a column of the new type, write to both from the code, backfill in batches, switch
    reads, then drop the old column::

        migrations.AddField("book", "pages_big", models.BigIntegerField(null=True)),
        # deploy code writing both; backfill in batches (RunPython); then switch and drop
    """
    yield from issues_for(analysis, "ML107")


@rule(
    "ML108",
    "set-not-null",
    Severity.WARNING,
    "A column made NOT NULL by a full-table scan under ACCESS EXCLUSIVE",
    scope="file",
)
def set_not_null(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AlterField`` from ``null=True`` to ``null=False`` on an existing PostgreSQL
    table, unless the model has a ``CheckConstraint(condition=Q(<field>__isnull=False))``
    that PostgreSQL >= 12 uses instead of scanning. (MySQL rebuilds the table in place with
    writes going on; SQLite is not judged.) The state does not say whether a check added
    ``NOT VALID`` was validated since: make sure ``ValidateConstraint`` ran in an earlier
    migration, or PostgreSQL still scans.

    ## Why it hurts
    ``ALTER COLUMN ... SET NOT NULL`` reads every row to prove there is no NULL, holding an
    ACCESS EXCLUSIVE lock that blocks every read and write of the table meanwhile. With a
    default, Django first runs ``UPDATE ... SET column = default WHERE column IS NULL`` in
    the same transaction.

    ## What to do instead
    Prove it with a check constraint validated without the lock, then set NOT NULL::

        # migration 1
        AddConstraintNotValid(
            "book",
            models.CheckConstraint(condition=models.Q(isbn__isnull=False), name="isbn_not_null"),
        )
        # migration 2 (SHARE UPDATE EXCLUSIVE: reads and writes go on)
        ValidateConstraint("book", "isbn_not_null")
        # migration 3: PostgreSQL >= 12 sees the valid check and skips the scan
        migrations.AlterField("book", "isbn", models.CharField(max_length=13)),
        migrations.RemoveConstraint("book", "isbn_not_null"),

    (``AddConstraintNotValid`` and ``ValidateConstraint`` are in
    ``django.contrib.postgres.operations``.)
    """
    yield from issues_for(analysis, "ML108")


@rule(
    "ML109",
    "volatile-default",
    Severity.WARNING,
    "A column added with a default that rewrites the table or gives every row one value",
    scope="file",
)
def volatile_default(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AddField`` on an existing table whose default is not what it seems:

    * a ``db_default`` calling a VOLATILE function on PostgreSQL (``RandomUUID()``,
      ``Random()``, ``UUID4()``, ``UUID7()``; ``Now()`` is STABLE and fine), or any default
      at all on PostgreSQL < 11 (``database-version``): the table is rewritten;
    * a callable Python ``default`` (``uuid.uuid4``, ``timezone.now``, a function of the
      migration): Django calls it once, and every existing row gets that one value. With
      ``unique=True`` (or as a primary key) the migration then fails: reported as an error.

    ## Why it hurts
    A rewrite holds an ACCESS EXCLUSIVE lock for as long as it takes to write every row.
    One value for every row silently breaks data that should differ (tokens, ids), or fails
    the unique index.

    ## What to do instead
    Add the column nullable, give new rows their value, fill the existing rows one by one,
    then make it NOT NULL (and unique)::

        migrations.AddField("book", "token", models.UUIDField(null=True)),
        migrations.RunPython(fill_tokens_in_batches, migrations.RunPython.noop),
        # later migration
        migrations.AlterField("book", "token", models.UUIDField(default=uuid.uuid4, unique=True)),
    """
    yield from issues_for(analysis, "ML109")


@rule(
    "ML110",
    "add-stored-generated-field",
    Severity.WARNING,
    "A stored generated column added to an existing table (a table rewrite)",
    scope="file",
)
def add_stored_generated_field(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AddField(GeneratedField(..., db_persist=True))`` on an existing table, on
    PostgreSQL and MySQL.

    ## Why it hurts
    The database computes the column for every existing row by rewriting the table: on
    PostgreSQL under an ACCESS EXCLUSIVE lock (no reads, no writes), on MySQL as a table
    copy (no writes).

    ## What to do instead
    On a big table, add a plain nullable column, fill it in batches and keep it current
    from the code (or a trigger); or use ``db_persist=False`` where the database has virtual
    columns (MySQL, PostgreSQL >= 18)::

        migrations.AddField(
            "book",
            "title_upper",
            models.GeneratedField(
                expression=Upper("title"), output_field=models.CharField(max_length=200),
                db_persist=False,
            ),
        )
    """
    yield from issues_for(analysis, "ML110")


@rule(
    "ML111",
    "alter-primary-key",
    Severity.ERROR,
    "A primary key added, switched or retyped on an existing table",
    scope="file",
)
def alter_primary_key(analysis: Analysis) -> Iterator[Issue]:
    """Finds, on an existing table: ``AddField`` with ``primary_key=True``; ``AlterField``
    that makes a field the primary key or stops it being one; ``AlterField`` that changes
    the column type of the primary key (``AutoField`` to ``BigAutoField`` is ``integer`` to
    ``bigint``), which Django applies to every foreign key column pointing at it too.

    ## Why it hurts
    The primary key index is built, or the table and every referencing table rewritten,
    under locks that block the tables' writes (on PostgreSQL, reads too) for the whole
    operation; the largest tables are usually the ones that run out of ``integer`` ids.

    ## What to do instead
    Build the new key beside the old one: add a nullable column, fill it in batches (and
    from the code or a trigger for new rows), build a unique index concurrently, then switch
    in one short statement::

        migrations.AddField("book", "new_id", models.BigIntegerField(null=True)),
        # backfill, then:
        AddIndexConcurrently("book", models.Index(fields=["new_id"], name="book_new_id")),
        migrations.RunSQL(
            'ALTER TABLE "shop_book" DROP CONSTRAINT "shop_book_pkey", '
            'ADD CONSTRAINT "shop_book_pkey" PRIMARY KEY USING INDEX "book_new_id"'
        ),
    """
    yield from issues_for(analysis, "ML111")


@rule(
    "ML112",
    "alter-many-to-many",
    Severity.ERROR,
    "An AlterField Django cannot apply: into or out of a ManyToManyField, or through= added "
    "or removed",
    scope="file",
)
def alter_many_to_many(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AlterField`` that turns a field into a ``ManyToManyField`` or back, or adds or
    removes ``through=`` on one. Reported on every table, new or not: it never works.

    ## Why it hurts
    Django's schema editor raises ``ValueError: Cannot alter field ... - they are not
    compatible types (you cannot alter to or from M2M fields, or add or remove through= on
    M2M fields)``: ``migrate`` stops at this migration, everywhere.

    ## What to do instead
    To give an M2M a ``through`` model keeping its rows, create the through model on the
    existing join table and change only the state::

        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    "BookTag", fields=[...], options={"db_table": "shop_book_tags"}
                ),
                migrations.AlterField(
                    "book", "tags", models.ManyToManyField("shop.tag", through="shop.BookTag")
                ),
            ],
        )

    Otherwise add a new field under another name, copy the data (``RunPython``), and
    remove the old one.
    """
    yield from issues_for(analysis, "ML112")
