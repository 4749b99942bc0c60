"""The SQL classifier: what each statement of a RunSQL is, which table it touches, its lock."""

from __future__ import annotations

import subprocess
import sys

import pytest

from migration_lint.sql_analysis import Hazard, Statement, analyse_sql


def only(sql: str) -> Statement:
    """The one statement of ``sql``."""
    [statement] = analyse_sql(sql)
    return statement


def hazards(sql: str) -> list[tuple[str, str | None]]:
    return [(hazard.kind, hazard.column) for hazard in only(sql).hazards]


# -- splitting ---------------------------------------------------------------------------------


def test_splits_statements_and_gives_each_its_line() -> None:
    sql = """
        -- a comment with a ; inside
        CREATE INDEX a_idx ON shop_book (title);

        /* another ; comment */ UPDATE shop_book SET title = 'x;y' WHERE id = 1;
        DELETE FROM shop_tag
    """
    statements = analyse_sql(sql)
    assert [(s.kind, s.line) for s in statements] == [
        ("create_index", 3),
        ("update", 5),
        ("delete", 6),
    ]
    assert statements[1].text == "UPDATE shop_book SET title = 'x;y' WHERE id = 1"


def test_dollar_quoted_function_bodies_are_one_statement() -> None:
    sql = """
        CREATE FUNCTION touch() RETURNS trigger AS $body$
        BEGIN
            NEW.updated := now();
            COMMIT;
            RETURN NEW;
        END;
        $body$ LANGUAGE plpgsql;
        CREATE TRIGGER touch BEFORE UPDATE ON shop_book FOR EACH ROW EXECUTE FUNCTION touch();
    """
    function, trigger = analyse_sql(sql)
    assert (function.kind, function.lock, function.transaction_control) == ("other", "none", False)
    assert trigger.line == 9


def test_placeholders_and_escaped_percent_signs_do_not_break_splitting() -> None:
    statements = analyse_sql("UPDATE shop_book SET title = %s WHERE title LIKE 'a%%'; SELECT 1")
    assert [(s.kind, s.table) for s in statements] == [("update", "shop_book"), ("select", None)]
    assert not statements[0].every_row


def test_empty_statements_are_left_out() -> None:
    assert analyse_sql(" ; -- nothing\n ;") == []


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("CREATE INDEX i ON Shop_Book (title)", "shop_book"),
        ('CREATE INDEX i ON "Shop_Book" (title)', "Shop_Book"),
        ("CREATE INDEX i ON public.shop_book (title)", "shop_book"),
        ('create index i on "public"."Shop" using gin (tags)', "Shop"),
        ("CREATE INDEX ON ONLY shop_book (title)", "shop_book"),
        ("TRUNCATE TABLE ONLY shop_tag", "shop_tag"),
        ("UPDATE ONLY shop_book SET pages = 1", "shop_book"),
        ("DELETE FROM ONLY shop_book", "shop_book"),
        ("INSERT INTO shop_tag (name) VALUES ('a')", "shop_tag"),
        ("COMMENT ON COLUMN public.shop_book.title IS 'x'", "shop_book"),
        ("ALTER TABLE IF EXISTS ONLY shop_book DROP CONSTRAINT c", "shop_book"),
    ],
)
def test_the_main_table_is_unquoted_without_schema(sql: str, table: str) -> None:
    assert only(sql).table == table


def test_create_index_concurrently_if_not_exists() -> None:
    statement = only("create unique index concurrently if not exists book_isbn ON shop_book (isbn)")
    assert statement.kind == "create_index"
    assert (statement.index, statement.table) == ("book_isbn", "shop_book")
    assert statement.lock == "SHARE UPDATE EXCLUSIVE"
    assert statement.concurrently and statement.no_transaction and statement.scans


# -- locks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "kind", "lock"),
    [
        ("CREATE INDEX i ON t (a)", "create_index", "SHARE"),
        ("DROP INDEX i", "drop_index", "ACCESS EXCLUSIVE"),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", "drop_index", "SHARE UPDATE EXCLUSIVE"),
        ("REINDEX INDEX i", "reindex", "SHARE"),
        ("REINDEX TABLE CONCURRENTLY t", "reindex", "SHARE UPDATE EXCLUSIVE"),
        ("REINDEX (CONCURRENTLY, VERBOSE) TABLE t", "reindex", "SHARE UPDATE EXCLUSIVE"),
        ("VACUUM t", "vacuum", "SHARE UPDATE EXCLUSIVE"),
        ("VACUUM FULL t", "vacuum", "ACCESS EXCLUSIVE"),
        ("VACUUM (FULL, ANALYZE) t", "vacuum", "ACCESS EXCLUSIVE"),
        ("VACUUM (FULL false) t", "vacuum", "SHARE UPDATE EXCLUSIVE"),
        ("ANALYZE t", "analyze", "SHARE UPDATE EXCLUSIVE"),
        ("CLUSTER t USING t_idx", "cluster", "ACCESS EXCLUSIVE"),
        ("TRUNCATE t", "truncate", "ACCESS EXCLUSIVE"),
        ("DROP TABLE IF EXISTS t CASCADE", "drop_table", "ACCESS EXCLUSIVE"),
        ("CREATE TABLE IF NOT EXISTS t (id int)", "create_table", "none"),
        ("CREATE OR REPLACE VIEW v AS SELECT 1", "other", "none"),
        ("UPDATE t SET a = 1 WHERE b", "update", "none"),
        ("SELECT pg_advisory_lock(1)", "select", "none"),
        ("SET LOCAL lock_timeout = '5s'", "set", "none"),
        ("COMMENT ON TABLE t IS 'x'", "comment", "SHARE UPDATE EXCLUSIVE"),
        ("GRANT SELECT ON t TO reader", "other", "unknown"),
        ('ALTER SEQUENCE IF EXISTS "t_id_seq" AS integer', "other", "none"),
        ('ALTER INDEX "a_idx" RENAME TO "b_idx"', "other", "none"),
        ("ALTER INDEX a_idx SET TABLESPACE fast", "other", "unknown"),
        ("ALTER TABLE t VALIDATE CONSTRAINT c", "alter_table", "SHARE UPDATE EXCLUSIVE"),
        ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)", "alter_table",
         "SHARE ROW EXCLUSIVE"),
        ("ALTER TABLE t DISABLE TRIGGER ALL", "alter_table", "SHARE ROW EXCLUSIVE"),
        ("ALTER TABLE t SET (fillfactor = 70)", "alter_table", "SHARE UPDATE EXCLUSIVE"),
        ("ALTER TABLE t VALIDATE CONSTRAINT c, DROP CONSTRAINT d", "alter_table",
         "ACCESS EXCLUSIVE"),
    ],
)  # fmt: skip
def test_kinds_and_locks_follow_postgresql(sql: str, kind: str, lock: str) -> None:
    statement = only(sql)
    assert (statement.kind, statement.lock) == (kind, lock)


@pytest.mark.parametrize(
    ("sql", "table", "others", "cascade"),
    [
        ("DROP TABLE a, public.b CASCADE", "a", ("b",), True),
        ("DROP TABLE IF EXISTS a RESTRICT", "a", (), False),
        ("TRUNCATE ONLY a *, b RESTART IDENTITY CASCADE", "a", ("b",), True),
        ("TRUNCATE TABLE a, ONLY b, c", "a", ("b", "c"), False),
    ],
)
def test_drop_table_and_truncate_name_every_table(
    sql: str, table: str, others: tuple[str, ...], cascade: bool
) -> None:
    statement = only(sql)
    assert (statement.table, statement.others, statement.cascade) == (table, others, cascade)


def test_table_rewrites() -> None:
    assert only("VACUUM FULL t").rewrites and only("CLUSTER t").rewrites
    assert not only("VACUUM ANALYZE t").rewrites
    assert only("ALTER TABLE t SET TABLESPACE fast").rewrites


def test_statements_postgresql_refuses_in_a_transaction() -> None:
    refused = [
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i",
        "VACUUM t",
        "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
    ]
    assert all(only(sql).no_transaction for sql in refused)
    allowed = ["ANALYZE t", "REFRESH MATERIALIZED VIEW CONCURRENTLY v", "CREATE INDEX i ON t (a)"]
    assert not any(only(sql).no_transaction for sql in allowed)


# -- ALTER TABLE -------------------------------------------------------------------------------


def test_alter_table_with_several_actions_lists_each_hazard() -> None:
    sql = """
        ALTER TABLE shop_book
            ADD COLUMN stock integer NOT NULL,
            ADD COLUMN code uuid DEFAULT gen_random_uuid(),
            ALTER COLUMN isbn SET NOT NULL,
            ALTER COLUMN pages SET DATA TYPE bigint,
            ADD CONSTRAINT pages_positive CHECK (pages > 0),
            ADD CONSTRAINT isbn_uniq UNIQUE (isbn, title),
            DROP COLUMN IF EXISTS summary
    """
    statement = only(sql)
    assert [(h.kind, h.column) for h in statement.hazards] == [
        ("add_column_not_null", "stock"),
        ("volatile_default", "code"),
        ("set_not_null", "isbn"),
        ("alter_type", "pages"),
        ("add_check", None),
        ("add_unique", None),
        ("drop_column", "summary"),
    ]
    assert statement.hazards[0] == Hazard(
        "add_column_not_null", "stock", "ADD COLUMN stock integer NOT NULL"
    )
    assert statement.lock == "ACCESS EXCLUSIVE"
    assert statement.rewrites and statement.scans


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE t ADD COLUMN a integer NOT NULL DEFAULT 0",
        "ALTER TABLE t ADD COLUMN a timestamptz NOT NULL DEFAULT now()",
        "ALTER TABLE t ADD COLUMN a integer NULL",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX u_idx",
        "ALTER TABLE t ADD CONSTRAINT p PRIMARY KEY USING INDEX p_idx",
        "ALTER TABLE t ALTER COLUMN a DROP NOT NULL, ALTER COLUMN b SET DEFAULT 1",
        "ALTER TABLE t VALIDATE CONSTRAINT c",
        "ALTER TABLE t RENAME CONSTRAINT c TO d",
    ],
)
def test_safe_alter_table_actions_have_no_hazard(sql: str) -> None:
    assert only(sql).hazards == ()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ALTER TABLE t ADD COLUMN id bigserial", [("volatile_default", "id")]),
        (
            "ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY",
            [("volatile_default", "n")],
        ),
        (
            "ALTER TABLE t ADD COLUMN d int GENERATED ALWAYS AS (a * 2) STORED",
            [("volatile_default", "d")],
        ),
        (
            "ALTER TABLE t ADD COLUMN k int PRIMARY KEY",
            [("add_column_not_null", "k"), ("add_unique", "k")],
        ),
        ("ALTER TABLE t ADD COLUMN a_id bigint REFERENCES a (id)", [("add_foreign_key", "a_id")]),
        ("ALTER TABLE t ADD PRIMARY KEY (id)", [("add_unique", None)]),
        ("ALTER TABLE t ALTER a TYPE text", [("alter_type", "a")]),
        ('ALTER TABLE t RENAME COLUMN "Old" TO new', [("rename_column", "Old")]),
        ("ALTER TABLE t RENAME old TO new", [("rename_column", "old")]),
        ("ALTER TABLE t RENAME TO u", [("rename_table", None)]),
        ("ALTER TABLE t DROP old", [("drop_column", "old")]),
        ("ALTER TABLE t CHANGE COLUMN a b int", [("rename_column", "a")]),
        ("ALTER TABLE t CHANGE c c bigint", []),
        ("RENAME TABLE t TO u", [("rename_table", None)]),
    ],
)
def test_risky_alter_table_actions(sql: str, expected: list[tuple[str, str | None]]) -> None:
    assert hazards(sql) == expected


def test_foreign_keys_name_the_tables_they_reference() -> None:
    sql = """
        CREATE TABLE shop_note (
            author_id bigint REFERENCES public.shop_author (id),
            tag_id bigint REFERENCES "Tag"
        );
        ALTER TABLE shop_book ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES shop_tag (id) NOT VALID;
        UPDATE shop_book SET pages = 1 WHERE id = 1
    """
    statements = analyse_sql(sql)
    assert [s.references for s in statements] == [("shop_author", "Tag"), ("shop_tag",), ()]


def test_commas_inside_parentheses_do_not_split_actions() -> None:
    sql = "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, b), ADD COLUMN c numeric(10, 2) NULL"
    assert hazards(sql) == [("add_unique", None)]


# -- DML and transactions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "every_row"),
    [
        ("UPDATE t SET a = 1", True),
        ("UPDATE t SET a = (SELECT b FROM u WHERE u.id = t.u_id)", True),
        ("update t set a = 1 where a is null", False),
        ("UPDATE t SET a = u.b FROM u WHERE u.id = t.u_id", False),
        ("DELETE FROM t", True),
        ("DELETE FROM t WHERE id IN (SELECT id FROM u)", False),
        ("WITH old AS (SELECT id FROM u WHERE x) DELETE FROM t", True),
        ("WITH o AS (SELECT id FROM u) UPDATE t SET a = 1 WHERE id IN (SELECT id FROM o)", False),
    ],
)  # fmt: skip
def test_update_and_delete_without_where(sql: str, every_row: bool) -> None:
    assert only(sql).every_row is every_row


@pytest.mark.parametrize(
    ("sql", "control"),
    [
        ("BEGIN", True),
        ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", True),
        ("COMMIT", True),
        ("END", True),
        ("ROLLBACK", True),
        ("PREPARE TRANSACTION 'x'", True),
        ("SAVEPOINT s", False),
        ("RELEASE SAVEPOINT s", False),
        ("ROLLBACK TO SAVEPOINT s", False),
    ],
)
def test_transaction_statements(sql: str, control: bool) -> None:
    statement = only(sql)
    assert (statement.kind, statement.transaction_control) == ("transaction", control)


def test_prepared_statements_are_not_transactions() -> None:
    assert only("PREPARE q AS SELECT 1").kind == "other"


@pytest.mark.parametrize(
    "sql", ["UPDATE t SET a = 'unterminated", "this is not sql", "SELECT $$ open"]
)
def test_what_cannot_be_parsed_says_so(sql: str) -> None:
    statement = only(sql)
    assert (statement.kind, statement.lock) == ("unparsable", "unknown")


def test_importing_the_classifier_does_not_import_sqlparse() -> None:
    code = "import sys, migration_lint.sql_analysis; print('sqlparse' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "False"
