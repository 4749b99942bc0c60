"""ML120-ML125: indexes and constraints built or dropped under a lock that blocks the table.

The knowledge (what Django runs, what PostgreSQL locks) is in
:mod:`migration_lint.safety.indexes`; each rule reports the effects that carry its code.
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
    "ML120",
    "add-index-not-concurrently",
    Severity.WARNING,
    "An index built without CONCURRENTLY on an existing table blocks its writes (PostgreSQL)",
)
def add_index_not_concurrently(analysis: Analysis) -> Iterator[Issue]:
    """Finds indexes built with a plain ``CREATE INDEX`` on a table that already has rows.

    ``AddIndex``, ``AlterIndexTogether`` adding a group, ``AddField`` / ``AlterField`` with
    ``db_index=True`` (a ``ForeignKey`` and a ``SlugField`` have it by default) all make
    Django run ``CREATE INDEX`` without ``CONCURRENTLY``. On PostgreSQL, Django also builds a
    second ``..._like`` index (``varchar_pattern_ops`` / ``text_pattern_ops``) for an indexed
    ``CharField`` or ``TextField``, the same way. Tables created earlier in the same deploy
    are not reported, nor tables listed in ``small-tables``; on a table in ``hot-tables`` the
    finding is an error.

    ## Why it hurts
    ``CREATE INDEX`` holds a SHARE lock on the table for the whole build: reads go on, but
    every ``INSERT``, ``UPDATE`` and ``DELETE`` waits, for minutes on a big table. The
    requests that write to it pile up and time out.

    ## What to do instead
    Build the index with ``CREATE INDEX CONCURRENTLY``: Django's
    ``AddIndexConcurrently`` does, in a migration that is not atomic (concurrent builds
    cannot run in a transaction). It takes longer and lets reads and writes go on::

        from django.contrib.postgres.operations import AddIndexConcurrently
        from django.db import migrations, models


        class Migration(migrations.Migration):
            atomic = False

            dependencies = [("shop", "0001_initial")]

            operations = [
                AddIndexConcurrently(
                    "book", models.Index(fields=["title"], name="book_title_idx")
                ),
            ]

    For ``db_index=True`` on a field, let the state say ``db_index=True`` and build the
    index concurrently, again in a migration with ``atomic = False``::

        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    "book", "isbn", models.CharField(max_length=13, null=True, db_index=True)
                ),
            ],
            database_operations=[
                AddIndexConcurrently(
                    "book", models.Index(fields=["isbn"], name="shop_book_isbn_idx")
                ),
            ],
        )

    Django would also build a ``..._like`` index for a ``CharField``: add one with
    ``opclasses=["varchar_pattern_ops"]`` the same way if ``LIKE 'abc%'`` queries need it.
    If a concurrent build fails it leaves an INVALID index behind: drop it and run again.
    """
    yield from issues_for(analysis, "ML120")


@rule(
    "ML121",
    "concurrent-index-in-atomic-migration",
    Severity.ERROR,
    "A concurrent index operation in an atomic migration: Django refuses to run it",
)
def concurrent_index_in_atomic_migration(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AddIndexConcurrently`` / ``RemoveIndexConcurrently`` (and the ``Safer...``
    operations of django-pg-migration-tools) in a migration that runs in a transaction,
    which is every migration that does not say ``atomic = False``.

    ## Why it hurts
    PostgreSQL cannot run ``CREATE INDEX CONCURRENTLY`` in a transaction, so Django checks
    first and the migration fails on every database, even an empty one::

        django.db.utils.NotSupportedError: The AddIndexConcurrently operation cannot be
        executed inside a transaction (set atomic = False on the migration).

    ## What to do instead
    Set ``atomic = False`` on the migration, and keep the concurrent operation in a
    migration of its own: without a transaction, a failure half-way leaves the operations
    before it applied::

        class Migration(migrations.Migration):
            atomic = False

            dependencies = [("shop", "0002_book_isbn")]

            operations = [
                AddIndexConcurrently(
                    "book", models.Index(fields=["isbn"], name="book_isbn_idx")
                ),
            ]
    """
    yield from issues_for(analysis, "ML121")


@rule(
    "ML122",
    "add-unique",
    Severity.ERROR,
    "A unique constraint or index built under lock on an existing table",
)
def add_unique(analysis: Analysis) -> Iterator[Issue]:
    """Finds unique constraints built on a table that already has rows: ``AddConstraint``
    of a ``UniqueConstraint``, ``AddField`` / ``AlterField`` with ``unique=True`` (and a
    ``OneToOneField``), ``AlterUniqueTogether`` adding a group.

    ## Why it hurts
    Django runs ``ALTER TABLE ... ADD CONSTRAINT ... UNIQUE`` (or adds the column with
    ``UNIQUE``), which builds the index under an ACCESS EXCLUSIVE lock: nothing reads or
    writes the table until the build is over. A ``UniqueConstraint`` with a condition,
    ``include``, ``opclasses`` or expressions becomes ``CREATE UNIQUE INDEX``, which still
    blocks every write. And the migration fails if existing rows hold duplicate values (a
    new unique column with a default gives every row the same value).

    ## What to do instead
    Check for duplicates first. Build the unique index concurrently, in a migration with
    ``atomic = False``, then turn it into the constraint, which only takes a brief lock.
    Keep Django's state in step with ``SeparateDatabaseAndState``::

        class Migration(migrations.Migration):
            atomic = False

            dependencies = [("shop", "0001_initial")]

            operations = [
                migrations.SeparateDatabaseAndState(
                    state_operations=[
                        migrations.AddConstraint(
                            "book",
                            models.UniqueConstraint(fields=["isbn"], name="book_isbn_uniq"),
                        ),
                    ],
                    database_operations=[
                        migrations.RunSQL(
                            'CREATE UNIQUE INDEX CONCURRENTLY "book_isbn_uniq" '
                            'ON "shop_book" ("isbn");',
                            'DROP INDEX CONCURRENTLY "book_isbn_uniq";',
                        ),
                        migrations.RunSQL(
                            'ALTER TABLE "shop_book" ADD CONSTRAINT "book_isbn_uniq" '
                            'UNIQUE USING INDEX "book_isbn_uniq";',
                            'ALTER TABLE "shop_book" DROP CONSTRAINT "book_isbn_uniq";',
                        ),
                    ],
                ),
            ]

    django-pg-migration-tools' ``SaferAddUniqueConstraint`` does the same in one operation.
    """
    yield from issues_for(analysis, "ML122")


@rule(
    "ML123",
    "add-foreign-key-validates",
    Severity.WARNING,
    "A foreign key constraint added to an existing table validates every row under lock",
)
def add_foreign_key_validates(analysis: Analysis) -> Iterator[Issue]:
    """Finds foreign key constraints added to a table that already has rows: ``AddField``
    of a ``ForeignKey`` / ``OneToOneField`` (``db_constraint`` is True by default),
    ``AlterField`` that turns a field into one or sets ``db_constraint=True``, and
    ``AlterField`` of a foreign key that changes its column in any way (``null``, a default,
    the type), for which Django drops the constraint and adds it again.

    ## Why it hurts
    Adding the constraint makes PostgreSQL check every row of the table against the
    referenced one, while it holds SHARE ROW EXCLUSIVE locks on both tables: writes to
    both wait for the whole scan. With ``AddField`` the constraint is part of the ``ALTER
    TABLE ... ADD COLUMN``, which holds ACCESS EXCLUSIVE on the table: reads wait too.

    ## What to do instead
    Add the field without the constraint (and without the index, built concurrently
    instead), then add the constraint ``NOT VALID`` (a brief lock, no scan) and validate it
    (a scan that lets reads and writes go on), in a migration that is not atomic so that
    each statement commits on its own::

        class Migration(migrations.Migration):
            atomic = False

            dependencies = [("shop", "0001_initial")]

            operations = [
                migrations.AddField(
                    "book",
                    "editor",
                    models.ForeignKey(
                        "shop.author",
                        null=True,
                        on_delete=models.SET_NULL,
                        db_constraint=False,
                        db_index=False,
                    ),
                ),
                migrations.SeparateDatabaseAndState(
                    state_operations=[
                        migrations.AlterField(
                            "book",
                            "editor",
                            models.ForeignKey(
                                "shop.author", null=True, on_delete=models.SET_NULL
                            ),
                        ),
                    ],
                    database_operations=[
                        migrations.RunSQL(
                            'CREATE INDEX CONCURRENTLY "shop_book_editor_id_idx" '
                            'ON "shop_book" ("editor_id");',
                            'DROP INDEX CONCURRENTLY "shop_book_editor_id_idx";',
                        ),
                        migrations.RunSQL(
                            'ALTER TABLE "shop_book" ADD CONSTRAINT "shop_book_editor_id_fk" '
                            'FOREIGN KEY ("editor_id") REFERENCES "shop_author" ("id") '
                            "DEFERRABLE INITIALLY DEFERRED NOT VALID;",
                            'ALTER TABLE "shop_book" DROP CONSTRAINT "shop_book_editor_id_fk";',
                        ),
                        migrations.RunSQL(
                            'ALTER TABLE "shop_book" VALIDATE CONSTRAINT "shop_book_editor_id_fk";',
                            migrations.RunSQL.noop,
                        ),
                    ],
                ),
            ]

    django-pg-migration-tools' ``SaferAddFieldForeignKey`` does all of it in one operation.
    """
    yield from issues_for(analysis, "ML123")


@rule(
    "ML124",
    "add-check-constraint-validates",
    Severity.WARNING,
    "A check or exclusion constraint added to an existing table scans it under ACCESS EXCLUSIVE",
)
def add_check_constraint_validates(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``AddConstraint`` of a ``CheckConstraint`` or an ``ExclusionConstraint`` on a
    table that already has rows.

    ## Why it hurts
    ``ALTER TABLE ... ADD CONSTRAINT ... CHECK`` holds an ACCESS EXCLUSIVE lock while
    PostgreSQL checks every row: nothing reads or writes the table meanwhile. An exclusion
    constraint builds its index under the same lock.

    ## What to do instead
    Add the check constraint ``NOT VALID`` (a brief lock, rows are not checked), then
    validate it in a later migration, which reads every row under a lock that lets reads
    and writes go on::

        from django.contrib.postgres.operations import (
            AddConstraintNotValid,
            ValidateConstraint,
        )

        # 0002
        AddConstraintNotValid(
            "book",
            models.CheckConstraint(condition=models.Q(price__gte=0), name="book_price_positive"),
        )

        # 0003
        ValidateConstraint("book", name="book_price_positive")

    An exclusion constraint has no such form: add it while the table is small or quiet.
    """
    yield from issues_for(analysis, "ML124")


@rule(
    "ML125",
    "remove-index-not-concurrently",
    Severity.INFO,
    "An index dropped without CONCURRENTLY takes ACCESS EXCLUSIVE on its table (PostgreSQL)",
)
def remove_index_not_concurrently(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RemoveIndex`` on a table that already has rows. It is a notice (an error on a
    table listed in ``hot-tables``): the drop itself is quick.

    ## Why it hurts
    ``DROP INDEX`` needs an ACCESS EXCLUSIVE lock on the table. It cannot get it while any
    query on the table runs, and while it waits every new query on the table, reads
    included, queues behind it: one slow report turns a millisecond drop into an outage
    of the table. (A ``lock_timeout`` set by the deploy bounds the wait, see ML131.)

    ## What to do instead
    Drop it with ``DROP INDEX CONCURRENTLY``, which takes a lock that lets reads and writes
    go on: Django's ``RemoveIndexConcurrently``, in a migration that is not atomic::

        from django.contrib.postgres.operations import RemoveIndexConcurrently
        from django.db import migrations


        class Migration(migrations.Migration):
            atomic = False

            dependencies = [("shop", "0002_book_title_idx")]

            operations = [
                RemoveIndexConcurrently("book", "book_published_idx"),
            ]
    """
    yield from issues_for(analysis, "ML125")
