"""Our safety knowledge against the SQL real Django runs on a real PostgreSQL server.

For every migration of the labelled PostgreSQL corpus (``tests/fixtures/labelled/postgresql``)
and a few synthetic ones below (operation kinds the corpus may lack), Django runs each
operation for real on a copy of the deployed ``0001`` schema (``tests/django_sql.py``). Three
witnesses then say, per top-level operation, what it does to the tables:

* **Django's SQL, classified** by :func:`migration_lint.sql_analysis.analyse_sql`;
* **our effects**: :func:`migration_lint.safety.effects.effects_of` of the operation's sites;
* **PostgreSQL itself**: the locks the operation's transaction holds (``pg_locks``), the
  tables whose file changed (a rewrite) and its sequential scans, read inside the
  transaction, so only for atomic migrations.

Each comparison is of three facts over the operation: the strongest table lock, whether a
table is rewritten, whether one is scanned. ``test_our_effects_match_djangos_sql`` compares
our effects with the classified SQL (a wrong provider, or a classifier that misreads
Django's DDL); ``test_classifier_matches_postgresql`` compares the classified SQL with what
PostgreSQL did (a wrong classifier); ``test_our_effects_name_the_tables_postgresql_locks``
compares our effects with what PostgreSQL did table by table (a provider that puts the lock
on the wrong table, or misses one: dropping a foreign key also locks the referenced table).

**Only tables that existed before the migration count** (the ``0001`` tables, also under a
new name after a ``RenameModel``). A table created by the migration, by this operation or
an earlier one, is empty and unused: building an index on it takes a SHARE lock that blocks
nobody, and our providers describe such operations as lock-free by design. So statements and
effects on other tables are left out on both sides; an operation on a new table still counts
for what it does to deployed ones (a foreign key of a new table locks the table it references).
A statement whose table the classifier cannot name counts (an unreadable statement must not
vanish), except ``DROP INDEX``, which names an index: its table is looked up in the catalog.

``ADD ... FOREIGN KEY`` / ``REFERENCES`` also takes SHARE ROW EXCLUSIVE on the referenced
table (PostgreSQL's ``ALTER TABLE`` page); the classifier reports the altered table, so the
harness adds the referenced one. ``RunPython`` is left out (it runs code, not DDL), and so
is an operation of a package not installed here (``django_pg_migration_tools``: Django sees
a stub) with everything after it. An operation Django refuses (an exception) must be one
we predict to fail (an effect of kind ``failure``) or admit we cannot read (lock
``unknown``); nothing after it is compared.

Known, justified differences are listed with their reason in :data:`KNOWN_EFFECT_DIFFERENCES`,
:data:`KNOWN_CLASSIFIER_DIFFERENCES` and :data:`KNOWN_TABLE_DIFFERENCES`; any other difference
fails, and so does a listed one that disappeared (the lists must stay true). Where the
classifier cannot know what PostgreSQL will do (:data:`CLASSIFIER_CANNOT_KNOW`: the old type
of a column), our effects are compared with PostgreSQL's account instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from migration_lint.config import load_config
from migration_lint.pipeline import analyse
from migration_lint.safety.effects import LOCKS, Effect, Lock, Target, effects_of
from migration_lint.safety.scope import linted_sites
from migration_lint.sql_analysis import Statement, analyse_sql
from tests.django_sql import LABELLED, DjangoRun, OperationSQL, django_sql, write_app
from tests.postgres_server import PostgresServer, start_server
from tests.projects import migration

_PG_OPERATIONS = (
    "from django.contrib.postgres.functions import RandomUUID\n"
    "from django.contrib.postgres.operations import (\n"
    "    AddConstraintNotValid, AddIndexConcurrently, RemoveIndexConcurrently,"
    " ValidateConstraint,\n"
    ")\n"
)


def _case(operations: str, *, atomic: bool = True) -> str:
    """Migration 0002 of ``shop`` with ``operations`` (and the PostgreSQL operations
    imported)."""
    text = migration(
        ("shop", "0001_initial"),
        operations=operations,
        extra="" if atomic else "atomic = False",
    )
    return _PG_OPERATIONS + text


#: Operation kinds the comparison must cover whatever the labelled corpus holds.
SYNTHETIC: dict[str, str] = {
    "columns": _case(
        """
        migrations.AddField("author", "bio", models.TextField(null=True)),
        migrations.AddField("author", "rank", models.IntegerField(default=0)),
        migrations.AddField("author", "score", models.IntegerField(db_default=1)),
        migrations.AlterField("book", "title", models.CharField(max_length=300)),
        migrations.AlterField("book", "pages", models.BigIntegerField(default=0)),
        migrations.AlterField("book", "isbn", models.CharField(max_length=13, default="")),
        migrations.AlterField("author", "name", models.CharField(max_length=100, null=True)),
        migrations.AlterField("book", "summary", models.CharField(max_length=500, blank=True)),
        migrations.AlterField(
            "book", "price", models.DecimalField(decimal_places=2, max_digits=10)
        ),
        migrations.AlterField("author", "email", models.EmailField(max_length=300, null=True)),
        migrations.RenameField("book", "summary", "blurb"),
        migrations.AlterField(
            "author", "email", models.EmailField(max_length=300, null=True, db_column="mail")
        ),
        migrations.RemoveField("book", "published"),
        """
    ),
    "field_options": _case(
        """
        migrations.AlterField("book", "pages", models.IntegerField(default=0, db_comment="pages")),
        migrations.AddField(
            "book",
            "double_pages",
            models.GeneratedField(
                expression=models.F("pages") * 2,
                output_field=models.IntegerField(),
                db_persist=True,
            ),
        ),
        migrations.AddField("book", "code", models.CharField(max_length=9, null=True, unique=True)),
        migrations.AddField("book", "sku", models.SlugField(max_length=9, null=True)),
        migrations.AddField("author", "token", models.UUIDField(db_default=RandomUUID())),
        migrations.AlterField("book", "summary", models.TextField(blank=True, db_default="")),
        migrations.AddConstraint(
            "book",
            models.UniqueConstraint(
                fields=["isbn"], condition=models.Q(isbn__isnull=False), name="isbn_partial_uniq"
            ),
        ),
        migrations.AlterField(
            "book", "author", models.OneToOneField(on_delete=models.CASCADE, to="shop.author")
        ),
        migrations.AlterOrderWithRespectTo("book", "author"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE shop_tag ADD COLUMN slug varchar(50) NULL",
                    migrations.RunSQL.noop,
                ),
            ],
            state_operations=[
                migrations.AddField("tag", "slug", models.CharField(max_length=50, null=True)),
            ],
        ),
        migrations.RunSQL(
            [("UPDATE shop_book SET pages = %s WHERE pages < %s", [0, 0])], migrations.RunSQL.noop
        ),
        """
    ),
    "indexes": _case(
        """
        migrations.AlterField(
            "book", "isbn", models.CharField(max_length=13, null=True, db_index=True)
        ),
        migrations.AlterField(
            "author", "email", models.EmailField(max_length=254, null=True, unique=True)
        ),
        migrations.AddIndex("author", models.Index(fields=["name"], name="author_name_idx")),
        migrations.RenameIndex("book", new_name="book_pub_idx", old_name="book_published_idx"),
        migrations.RemoveIndex("book", "book_pub_idx"),
        migrations.AddConstraint(
            "book", models.CheckConstraint(condition=models.Q(price__gte=0), name="price_gte_0")
        ),
        migrations.AddConstraint(
            "tag", models.UniqueConstraint(fields=["name"], name="tag_name_unique")
        ),
        migrations.RemoveConstraint("book", "book_pages_positive"),
        migrations.AlterUniqueTogether("book", {("title", "author")}),
        migrations.AddField(
            "book",
            "editor",
            models.ForeignKey(
                null=True, on_delete=models.SET_NULL, related_name="+", to="shop.author"
            ),
        ),
        migrations.AlterField(
            "book",
            "author",
            models.ForeignKey(on_delete=models.CASCADE, db_constraint=False, to="shop.author"),
        ),
        """
    ),
    "tables": _case(
        """
        migrations.CreateModel(
            "Review",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("book", models.ForeignKey(on_delete=models.CASCADE, to="shop.book")),
            ],
        ),
        migrations.AddIndex("review", models.Index(fields=["id"], name="review_id_idx")),
        migrations.AddField("review", "stars", models.IntegerField(default=5)),
        migrations.AddField(
            "book", "readers", models.ManyToManyField(related_name="read", to="shop.author")
        ),
        migrations.RenameModel("Tag", "Label"),
        migrations.AlterModelTable("author", "writers"),
        migrations.RemoveField("book", "tags"),
        migrations.DeleteModel("Label"),
        migrations.AlterModelOptions("book", {"ordering": ["title"]}),
        migrations.AlterModelTableComment("book", "Books on sale"),
        """
    ),
    "concurrently": _case(
        """
        AddIndexConcurrently("author", models.Index(fields=["name"], name="author_name_idx")),
        RemoveIndexConcurrently("book", "book_published_idx"),
        AddConstraintNotValid(
            "book", models.CheckConstraint(condition=models.Q(price__gte=0), name="price_gte_0")
        ),
        ValidateConstraint("book", "price_gte_0"),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY tag_name_idx ON shop_tag (name)",
            reverse_sql="DROP INDEX CONCURRENTLY tag_name_idx",
        ),
        """,
        atomic=False,
    ),
    "validate_in_atomic_migration": _case(
        """
        AddConstraintNotValid(
            "book", models.CheckConstraint(condition=models.Q(price__gte=0), name="price_gte_0")
        ),
        ValidateConstraint("book", "price_gte_0"),
        """
    ),
    "run_sql": _case(
        """
        migrations.RunSQL(
            "ALTER TABLE shop_book ADD COLUMN stock integer NULL",
            reverse_sql="ALTER TABLE shop_book DROP COLUMN stock",
        ),
        migrations.RunSQL(
            "UPDATE shop_book SET pages = 0 WHERE pages < 0", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.RunSQL(
            [
                "CREATE INDEX book_title_idx ON shop_book (title)",
                "ALTER TABLE shop_author ALTER COLUMN email SET NOT NULL",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "ALTER TABLE shop_book ALTER COLUMN pages TYPE bigint",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "CLUSTER shop_book USING book_published_idx", reverse_sql=migrations.RunSQL.noop
        ),
        """
    ),
    "rename_referenced_model": _case(
        """
        migrations.RenameModel("Author", "Writer"),
        migrations.RenameField("book", "author", "writer"),
        """
    ),
    "concurrently_in_atomic": _case(
        """
        AddIndexConcurrently("author", models.Index(fields=["name"], name="author_name_idx")),
        """
    ),
    # Django sends a RunSQL string to PostgreSQL as one query: an implicit transaction.
    "concurrently_in_multi_statement_sql": _case(
        """
        migrations.RunSQL(
            '''
            CREATE INDEX CONCURRENTLY author_name_idx ON shop_author (name);
            ANALYZE shop_author;
            ''',
            reverse_sql=migrations.RunSQL.noop,
        ),
        """,
        atomic=False,
    ),
    "many_to_many_to_column": _case(
        """
        migrations.AlterField("book", "tags", models.CharField(max_length=10, null=True)),
        """
    ),
}

LABELLED_CASES = sorted((LABELLED / "postgresql").glob("*.py"))
CASES: dict[str, str] = {
    **{case.stem: case.read_text(encoding="utf-8") for case in LABELLED_CASES},
    **{f"synthetic__{name}": text for name, text in SYNTHETIC.items()},
}

#: Labelled cases Django cannot import here, with the reason: nothing of them is compared.
UNLOADABLE: dict[str, str] = {
    "ML309__sql_from_a_file": (
        "reads 0002_case.sql next to itself at import time; the corpus ships no such file"
        " (the case is about SQL the linter cannot read)"
    ),
}

COMPARED = sorted(set(CASES) - set(UNLOADABLE))

#: (case, operation index) -> why our effects rightly differ from Django's classified SQL.
KNOWN_EFFECT_DIFFERENCES: dict[tuple[str, int], str] = {}

_OLD_TYPE_UNSEEN = (
    "ALTER COLUMN ... TYPE {new} does not rewrite the table: the old type ({old}) is binary"
    " compatible with it. The SQL alone does not say the old type, so the classifier must"
    " assume a rewrite; our effects know the old field."
)

#: (case, operation index) -> what the classifier cannot know from the SQL alone. There,
#: PostgreSQL's account replaces the classifier's in the comparison with our effects.
CLASSIFIER_CANNOT_KNOW: dict[tuple[str, int], str] = {
    ("synthetic__columns", 3): _OLD_TYPE_UNSEEN.format(new="varchar(300)", old="varchar(200)"),
    ("synthetic__columns", 8): _OLD_TYPE_UNSEEN.format(new="numeric(10, 2)", old="numeric(8, 2)"),
    ("synthetic__columns", 9): _OLD_TYPE_UNSEEN.format(new="varchar(300)", old="varchar(254)"),
    ("ok__col_lengthen_varchar", 0): _OLD_TYPE_UNSEEN.format(
        new="varchar(300)", old="varchar(200)"
    ),
    ("ok__col_char_to_text", 0): _OLD_TYPE_UNSEEN.format(new="text", old="varchar(200)"),
    # A db_comment change: Django's editor also sets the column's (unchanged) type again.
    ("synthetic__field_options", 0): _OLD_TYPE_UNSEEN.format(new="integer", old="integer"),
    ("ok__col_decimal_more_digits", 0): _OLD_TYPE_UNSEEN.format(
        new="numeric(12, 2)", old="numeric(8, 2)"
    ),
}

_NOT_NULL_WITHOUT_DEFAULT = (
    "ADD COLUMN ... NOT NULL without a default: PostgreSQL checks the new column of every row,"
    " and fails at the first one; on the empty test table it scans and passes. We report the"
    " failure (ML101 / ML303; the classifier's hazard add_column_not_null): a scan is moot."
)

_ALREADY_VALID = (
    "VALIDATE CONSTRAINT of a constraint 0001 created valid: PostgreSQL has nothing to check"
    " and skips the scan. Real migrations validate a constraint added NOT VALID earlier, which"
    " the fixed 0001 cannot express; then PostgreSQL scans"
    " (synthetic__validate_in_atomic_migration)."
)

_TRUNCATE_IS_NO_REWRITE = (
    "TRUNCATE gives the table (and those its CASCADE reaches) new, empty files, so"
    " their relfilenode changes, and rebuilds their empty indexes; no row is copied or"
    " read: not a rewrite nor a scan."
)

#: (case, operation index) -> why the classifier rightly differs from what PostgreSQL did
#: here, though its claim is the one our effects must agree with.
KNOWN_CLASSIFIER_DIFFERENCES: dict[tuple[str, int], str] = {
    **CLASSIFIER_CANNOT_KNOW,
    ("ok__idx_validate_constraint", 0): _ALREADY_VALID,
    ("ML101__col_add_not_null_without_default", 0): _NOT_NULL_WITHOUT_DEFAULT,
    ("ML303__sql_add_not_null_column_without_default", 0): _NOT_NULL_WITHOUT_DEFAULT,
    ("ML304__sql_rename_column_and_truncate", 0): _TRUNCATE_IS_NO_REWRITE,
}

#: (case, operation index) -> why our effects rightly differ, table by table, from what
#: PostgreSQL did.
KNOWN_TABLE_DIFFERENCES: dict[tuple[str, int], str] = {
    ("ok__idx_validate_constraint", 0): _ALREADY_VALID,
    ("ML101__col_add_not_null_without_default", 0): _NOT_NULL_WITHOUT_DEFAULT,
    ("ML303__sql_add_not_null_column_without_default", 0): _NOT_NULL_WITHOUT_DEFAULT,
    ("ML304__sql_rename_column_and_truncate", 0): _TRUNCATE_IS_NO_REWRITE,
}


@dataclass(frozen=True)
class Claim:
    """What a witness says an operation does to the deployed tables."""

    lock: Lock
    rewrites: bool
    scans: bool

    @classmethod
    def of(cls, parts: Iterable[tuple[Lock, bool, bool]]) -> Claim:
        """The claim over several tables or statements: ``(lock, rewrites, scans)`` each.

        A rewrite reads every row too, so it counts as a scan. Both count only under a lock
        stronger than ``none``: an ``UPDATE`` reads and writes rows without blocking anyone
        (PostgreSQL counts its sequential scan, the classifier may call an ``UPDATE`` of
        every row a rewrite, but nobody waits for either).
        """
        items = list(parts)
        return cls(
            max((lock for lock, _, _ in items), key=LOCKS.index, default="none"),
            any(rewrites for lock, rewrites, _ in items if lock != "none"),
            any(scans or rewrites for lock, rewrites, scans in items if lock != "none"),
        )


# -- PostgreSQL's own account ------------------------------------------------------------------

#: ``pg_locks`` modes on our scale: the modes plain reads and writes take are "none".
_PG_LOCK_MODES: dict[str, Lock] = {
    "AccessShareLock": "none",
    "RowShareLock": "none",
    "RowExclusiveLock": "none",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
    "ShareLock": "SHARE",
    "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE",
    "ExclusiveLock": "EXCLUSIVE",
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
}


def postgresql_tables(operation: OperationSQL) -> dict[str, Claim] | None:
    """What PostgreSQL did to each deployed table (under its name after the operation), or
    ``None`` when it was not observed (a non-atomic migration)."""
    observed = operation.observed
    if observed is None:
        return None
    tables = set(observed.locks) | set(observed.scans) | operation.rewritten
    return {
        table: Claim.of(
            [
                (
                    max(
                        (_PG_LOCK_MODES[mode] for mode in observed.locks.get(table, ())),
                        key=LOCKS.index,
                        default="none",
                    ),
                    table in operation.rewritten,
                    table in observed.scans,
                )
            ]
        )
        for table in tables
    }


def postgresql_claim(operation: OperationSQL) -> Claim | None:
    """What PostgreSQL did to the deployed tables, or ``None`` when it was not observed."""
    tables = postgresql_tables(operation)
    if tables is None:
        return None
    return Claim.of((claim.lock, claim.rewrites, claim.scans) for claim in tables.values())


# -- Django's SQL, classified ------------------------------------------------------------------

_REFERENCES = re.compile(r'\bREFERENCES\s+(?:"([^"]+)"|([\w$]+))', re.IGNORECASE)


@dataclass(frozen=True)
class TableLock:
    """One classified statement's effect on one table (``None``: the classifier cannot say)."""

    table: str | None
    lock: Lock
    rewrites: bool
    scans: bool
    statement: str


def _table_locks(statement: Statement, operation: OperationSQL) -> Iterator[TableLock]:
    table = statement.table
    if statement.kind == "drop_index" and statement.index is not None:
        table = operation.index_tables.get(statement.index, table)
    yield TableLock(table, statement.lock, statement.rewrites, statement.scans, statement.text)
    if statement.kind in ("alter_table", "create_table"):
        for quoted, bare in _REFERENCES.findall(statement.text):
            referenced = quoted or bare.lower()
            yield TableLock(referenced, "SHARE ROW EXCLUSIVE", False, False, statement.text)


def classified(operation: OperationSQL) -> list[TableLock]:
    """Django's statements for ``operation``, classified, on deployed tables (or unknown)."""
    return [
        item
        for text in operation.statements
        for statement in analyse_sql(text)
        for item in _table_locks(statement, operation)
        if item.table is None or item.table in operation.deployed
    ]


def sql_claim(operation: OperationSQL) -> Claim:
    return Claim.of((item.lock, item.rewrites, item.scans) for item in classified(operation))


def reference_claim(case: str, operation: OperationSQL) -> Claim:
    """What our effects must say: the classified SQL, or PostgreSQL's own account where the
    classifier cannot know (:data:`CLASSIFIER_CANNOT_KNOW`)."""
    postgresql = postgresql_claim(operation)
    if (case, operation.index) in CLASSIFIER_CANNOT_KNOW and postgresql is not None:
        return postgresql
    return sql_claim(operation)


# -- our effects -------------------------------------------------------------------------------


def our_effects(text: str, root: Path) -> dict[int, list[Effect]]:
    """Our effects of migration ``0002`` (``text``), by top-level operation index, as the
    labelled corpus configures the project."""
    migrations = write_app(root) / "shop" / "migrations"
    (migrations / "0002_case.py").write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        "[tool.migration-lint]\n"
        "django-contrib = 'never'\n"
        "database = 'postgresql'\n"
        "cache-dir = false\n"
    )
    config = load_config(root)
    analysis = analyse(config)
    target = Target.of(config)
    effects: dict[int, list[Effect]] = {}
    for site in linted_sites(analysis):
        if site.migration.name == "0002_case":
            effects.setdefault(site.index, []).extend(effects_of(site, target))
    return effects


def effects_tables(effects: Iterable[Effect], operation: OperationSQL) -> dict[str, Claim]:
    """What our effects say of each deployed table, under its name after the operation."""
    by_table: dict[str, list[tuple[Lock, bool, bool]]] = {}
    for effect in effects:
        if effect.table in operation.deployed:
            table = operation.renamed.get(effect.table, effect.table)
            by_table.setdefault(table, []).append((effect.lock, effect.rewrites, effect.scans))
    return {table: Claim.of(parts) for table, parts in by_table.items()}


def effects_claim(effects: Iterable[Effect], operation: OperationSQL) -> Claim:
    return Claim.of(
        (effect.lock, effect.rewrites, effect.scans)
        for effect in effects
        if effect.table is None or effect.table in operation.deployed
    )


# -- the comparisons ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway server per test session (per xdist worker)."""
    yield from start_server()


@pytest.fixture(scope="module")
def oracle(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> DjangoRun:
    """Django's run of every case, in one Django process."""
    return django_sql(postgres, tmp_path_factory.mktemp("oracle"), CASES)


def _watched(operation: OperationSQL) -> bool:
    """Whether PostgreSQL's account of the operation is comparable: it ran SQL, to its end."""
    return operation.runs == "sql" and operation.error is None


_NOTHING = Claim("none", rewrites=False, scans=False)


def _statements(operation: OperationSQL) -> str:
    return "\n".join(f"      {text}" for text in operation.statements) or "      (none)"


def _effect_differences(
    case: str, operations: list[OperationSQL], ours: dict[int, list[Effect]]
) -> dict[tuple[str, int], str]:
    differences = {}
    for operation in operations:
        if operation.runs != "sql":
            continue
        effects = ours.get(operation.index, [])
        key = (case, operation.index)
        if operation.error is not None:
            if not any(effect.kind == "failure" or effect.lock == "unknown" for effect in effects):
                differences[key] = (
                    f"Django refused it ({operation.error}); we predict no failure: {effects}"
                )
            continue
        django, mine = reference_claim(case, operation), effects_claim(effects, operation)
        if django != mine:
            differences[key] = (
                f"{operation.description}\n    Django's SQL: {django}\n{_statements(operation)}"
                f"\n    ours: {mine}\n"
                + "\n".join(
                    f"      {effect.table}: {effect.lock} {effect.what}" for effect in effects
                )
            )
    return differences


def _classifier_differences(
    case: str, operations: list[OperationSQL]
) -> dict[tuple[str, int], str]:
    differences = {}
    for operation in operations:
        postgresql = postgresql_claim(operation)
        if not _watched(operation) or postgresql is None:
            continue
        django = sql_claim(operation)
        if django != postgresql:
            differences[(case, operation.index)] = (
                f"{operation.description}\n    PostgreSQL: {postgresql} {operation.observed}"
                f" rewrote {sorted(operation.rewritten)}\n    classifier: {django}\n"
                + "\n".join(f"      {item}" for item in classified(operation))
            )
    return differences


def _table_differences(
    case: str, operations: list[OperationSQL], ours: dict[int, list[Effect]]
) -> dict[tuple[str, int], str]:
    differences = {}
    for operation in operations:
        postgresql = postgresql_tables(operation)
        if not _watched(operation) or postgresql is None:
            continue
        expected = {table: claim for table, claim in postgresql.items() if claim != _NOTHING}
        effects = ours.get(operation.index, [])
        mine = {
            table: claim
            for table, claim in effects_tables(effects, operation).items()
            if claim != _NOTHING
        }
        if expected != mine:
            differences[(case, operation.index)] = (
                f"{operation.description}\n    PostgreSQL: {expected}\n    ours: {mine}\n"
                + _statements(operation)
            )
    return differences


def _assert_known(
    differences: dict[tuple[str, int], str], known: dict[tuple[str, int], str], case: str
) -> None:
    unexpected = {key: text for key, text in differences.items() if key not in known}
    vanished = {key for key in known if key[0] == case and key not in differences}
    assert not unexpected, "\n\n".join(f"{key}: {text}" for key, text in unexpected.items())
    assert not vanished, f"listed differences that no longer occur: {sorted(vanished)}"


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, list[Effect]]]:
    """Our effects of every compared case."""
    return {case: our_effects(CASES[case], tmp_path_factory.mktemp(case)) for case in COMPARED}


@pytest.mark.parametrize("case", COMPARED)
def test_our_effects_match_djangos_sql(
    case: str, oracle: DjangoRun, ours: dict[str, dict[int, list[Effect]]]
) -> None:
    differences = _effect_differences(case, oracle.operations[case], ours[case])
    _assert_known(differences, KNOWN_EFFECT_DIFFERENCES, case)


@pytest.mark.parametrize("case", COMPARED)
def test_our_effects_name_the_tables_postgresql_locks(
    case: str, oracle: DjangoRun, ours: dict[str, dict[int, list[Effect]]]
) -> None:
    """Table by table, where PostgreSQL was watched: the same lock, rewrite and scan."""
    differences = _table_differences(case, oracle.operations[case], ours[case])
    _assert_known(differences, KNOWN_TABLE_DIFFERENCES, case)


@pytest.mark.parametrize("case", COMPARED)
def test_classifier_matches_postgresql(case: str, oracle: DjangoRun) -> None:
    differences = _classifier_differences(case, oracle.operations[case])
    _assert_known(differences, KNOWN_CLASSIFIER_DIFFERENCES, case)


# -- the oracle itself -------------------------------------------------------------------------


def test_django_loaded_every_case_but_the_listed_ones(oracle: DjangoRun) -> None:
    """A case Django cannot import is compared with nothing: it must be a listed one."""
    assert set(oracle.unloadable) == set(UNLOADABLE), oracle.unloadable
    assert set(oracle.operations) == set(COMPARED)


def test_every_case_ran_to_its_end_or_to_the_refused_operation(oracle: DjangoRun) -> None:
    """Django ran every operation of every case, unless one raised (and then it is the last)."""
    refused = {
        case: operations[-1].error
        for case, operations in oracle.operations.items()
        if operations and operations[-1].error
    }
    assert "NotSupportedError" in refused["synthetic__concurrently_in_atomic"]
    assert "ValueError" in refused["synthetic__many_to_many_to_column"]
    assert (
        "cannot run inside a transaction block"
        in (refused["synthetic__concurrently_in_multi_statement_sql"])
    )
    assert all(
        op.error is None for operations in oracle.operations.values() for op in operations[:-1]
    )


def test_a_foreign_key_field_adds_a_column_an_index_and_a_constraint(
    oracle: DjangoRun,
) -> None:
    """Django 6.1 adds a foreign key column with its constraint inline, then the index (a
    deferred statement, recorded with its operation)."""
    editor = next(
        op for op in oracle.operations["synthetic__indexes"] if "editor" in op.description
    )
    add_column, create_index = editor.statements
    assert add_column.startswith('ALTER TABLE "shop_book" ADD COLUMN "editor_id" bigint NULL')
    assert 'REFERENCES "shop_author"("id") DEFERRABLE INITIALLY DEFERRED' in add_column
    assert create_index.startswith('CREATE INDEX "shop_book_editor_id_')
    assert editor.observed is not None
    assert "AccessExclusiveLock" in editor.observed.locks["shop_book"]
    assert "ShareRowExclusiveLock" in editor.observed.locks["shop_author"]


def test_a_new_tables_foreign_key_locks_the_referenced_deployed_table(
    oracle: DjangoRun,
) -> None:
    """A new table is not compared, but the lock its foreign key takes on the table it
    references is (SHARE ROW EXCLUSIVE)."""
    create = oracle.operations["synthetic__tables"][0]
    assert create.statements[0].startswith('CREATE TABLE "shop_review"')
    assert "shop_review" not in create.deployed
    assert sql_claim(create) == Claim("SHARE ROW EXCLUSIVE", rewrites=False, scans=False)
    assert create.observed is not None
    assert set(create.observed.locks) == {"shop_book"}


def test_a_renamed_deployed_table_stays_deployed(oracle: DjangoRun) -> None:
    """Tables are followed by oid: after RenameModel, the new name is a deployed table."""
    rename = next(
        op for op in oracle.operations["synthetic__tables"] if op.description.startswith("Rename")
    )
    assert rename.statements[0] == 'ALTER TABLE "shop_tag" RENAME TO "shop_label"'
    assert {"shop_tag", "shop_label"} <= rename.deployed
    assert rename.renamed == {"shop_tag": "shop_label"}
    assert sql_claim(rename).lock == "ACCESS EXCLUSIVE"


def test_a_type_change_that_rewrites_changes_the_tables_file(
    oracle: DjangoRun,
) -> None:
    """integer -> bigint rewrites the table; varchar(200) -> varchar(300) does not."""
    columns = oracle.operations["synthetic__columns"]
    widen = next(op for op in columns if op.description == "Alter field title on book")
    bigint = next(op for op in columns if op.description == "Alter field pages on book")
    assert widen.rewritten == frozenset()
    assert bigint.rewritten == {"shop_book"}


def test_drop_index_is_charged_to_its_table(oracle: DjangoRun) -> None:
    """DROP INDEX names no table: the catalog says which one the index was on."""
    remove = next(
        op
        for op in oracle.operations["synthetic__indexes"]
        if op.description.startswith("Remove index")
    )
    assert remove.statements == ('DROP INDEX IF EXISTS "book_pub_idx"',)
    assert [item.table for item in classified(remove)] == ["shop_book"]


def test_concurrent_operations_are_not_observed_inside_a_transaction(
    oracle: DjangoRun,
) -> None:
    """A non-atomic migration's operations commit statement by statement: PostgreSQL's
    locks cannot be read afterwards, so only the classified SQL speaks for them."""
    concurrently = oracle.operations["synthetic__concurrently"]
    assert concurrently[0].statements[0].startswith('CREATE INDEX CONCURRENTLY "author_name_idx"')
    assert all(op.observed is None for op in concurrently)


def test_labelled_cases_are_all_compared() -> None:
    """Every PostgreSQL labelled case is a case here (a glob that matched nothing would
    make the comparison vacuous)."""
    assert LABELLED_CASES
    assert len(CASES) == len(LABELLED_CASES) + len(SYNTHETIC)


def test_every_listed_difference_names_a_compared_case() -> None:
    """A listed difference of a case that was renamed or removed would never be checked."""
    listed = {**KNOWN_EFFECT_DIFFERENCES, **KNOWN_CLASSIFIER_DIFFERENCES, **KNOWN_TABLE_DIFFERENCES}
    assert {case for case, _ in listed} <= set(COMPARED)
