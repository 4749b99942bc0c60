"""The raw SQL rules (ML301-ML309) end to end: ``check`` on a project whose ``shop`` app has
the labelled corpus's deployed ``0001_initial`` and the ``RunSQL`` under test in ``0002``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.projects import check_json, migration, run, write_tree

INITIAL = Path(__file__).parent / "fixtures" / "labelled" / "0001_initial.py"
MIGRATION = "shop/migrations/0002_sql.py"


def project(
    root: Path, operations: str, *, extra: str = "", config: str = "", prelude: str = ""
) -> Path:
    """A project whose ``shop.0002_sql`` runs ``operations`` after the deployed initial;
    ``extra`` goes into the Migration class, ``prelude`` (imports, helpers) before it."""
    text = migration(("shop", "0001_initial"), operations=operations, extra=extra)
    write_tree(
        root,
        {
            MIGRATION: text.replace("class Migration", f"{prelude}\n\nclass Migration"),
            "pyproject.toml": f"[tool.migration-lint]\ndjango-contrib = 'never'\n{config}",
        },
    )
    shutil.copy(INITIAL, root / "shop" / "migrations" / "0001_initial.py")
    return root


def sql_findings(root: Path) -> list[dict[str, Any]]:
    """The ML3xx findings of ``check``."""
    _, findings = check_json(root)
    return [f for f in findings if f["code"].startswith("ML3")]


def codes(root: Path) -> list[tuple[str, str]]:
    return [(f["code"], f["severity"]) for f in sql_findings(root)]


def run_sql(sql: str, reverse: str = "migrations.RunSQL.noop") -> str:
    return f"migrations.RunSQL({sql}, reverse_sql={reverse}),\n"


# -- ML301 -------------------------------------------------------------------------------------


def line_of(root: Path, text: str) -> int:
    """The line of the migration that holds ``text``."""
    lines = (root / MIGRATION).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_reverse_sql_missing_noop_or_unreadable(tmp_path: Path) -> None:
    operations = (
        'migrations.RunSQL("SELECT 1"),\n'
        + run_sql('"SELECT 2"')
        + run_sql('"SELECT 3"', reverse="reverse()")
        + "migrations.SeparateDatabaseAndState(\n"
        + '    database_operations=[migrations.RunSQL("SELECT 4")],\n'
        + ")\n"
    )
    prelude = 'def reverse():\n    return "SELECT 0"\n'
    root = project(tmp_path, operations, prelude=prelude)
    found = [(f["code"], f["line"]) for f in sql_findings(root)]
    assert found == [
        ("ML301", line_of(root, '"SELECT 1"')),
        ("ML301", line_of(root, '"SELECT 4"')),
    ]


# -- what Django executes ----------------------------------------------------------------------


def test_lists_of_statements_and_of_sql_params_pairs_are_all_judged(tmp_path: Path) -> None:
    operations = run_sql(
        '["CREATE INDEX title_idx ON shop_book (title)", ("UPDATE shop_book SET pages = %s", [0])]'
    )
    assert codes(project(tmp_path, operations)) == [("ML302", "warning"), ("ML307", "warning")]


def test_a_table_created_by_an_earlier_run_sql_is_fresh(tmp_path: Path) -> None:
    operations = run_sql('"CREATE TABLE shop_log (id bigint, at timestamptz)"') + run_sql(
        '"CREATE INDEX log_at_idx ON shop_log (at); UPDATE shop_log SET at = now()"'
    )
    assert codes(project(tmp_path, operations)) == []


def test_drop_index_finds_the_table_of_an_index_the_state_knows(tmp_path: Path) -> None:
    create = (
        'migrations.CreateModel("Shelf", [("id", models.BigAutoField(primary_key=True)),'
        ' ("label", models.CharField(max_length=10))],'
        ' options={"indexes": [models.Index(fields=["label"], name="shelf_label_idx")]}),\n'
    )
    fresh = project(tmp_path / "fresh", create + run_sql('"DROP INDEX shelf_label_idx"'))
    assert codes(fresh) == []
    deployed = project(tmp_path / "deployed", run_sql('"DROP INDEX book_published_idx"'))
    [finding] = sql_findings(deployed)
    assert "shop_book" in finding["message"]


# -- severities and configuration -----------------------------------------------------------


def test_a_not_null_column_without_default_is_an_error_among_warnings(tmp_path: Path) -> None:
    operations = run_sql(
        '"ALTER TABLE shop_book ADD COLUMN stock integer NOT NULL, ALTER COLUMN isbn SET NOT NULL"'
    )
    assert codes(project(tmp_path, operations)) == [("ML303", "error"), ("ML303", "warning")]


def test_hot_tables_make_locks_errors_and_small_tables_silence_them(tmp_path: Path) -> None:
    operations = run_sql('["CREATE INDEX a_idx ON shop_author (name)", "VACUUM FULL shop_book"]')
    config = "hot-tables = ['shop_author']\nsmall-tables = ['shop.Book']\n"
    found = codes(project(tmp_path, operations, extra="atomic = False", config=config))
    assert found == [("ML302", "error")]


def test_small_tables_do_not_excuse_failures(tmp_path: Path) -> None:
    operations = run_sql('"CREATE INDEX CONCURRENTLY a_idx ON shop_author (name)"')
    root = project(tmp_path, operations, config="small-tables = ['shop_author']\n")
    assert codes(root) == [("ML306", "error")]


def test_a_rename_is_not_excused_by_a_post_deploy_stage(tmp_path: Path) -> None:
    operations = run_sql(
        '"ALTER TABLE shop_author RENAME COLUMN email TO mail; '
        'ALTER TABLE shop_author DROP COLUMN name"'
    )
    stage = "stage = Stage.POST_DEPLOY"
    root = project(tmp_path, operations, extra=stage, prelude="from django_syzygy import Stage")
    [finding] = sql_findings(root)
    assert (finding["code"], "RENAME COLUMN" in finding["message"]) == ("ML304", True)


# -- vendors -----------------------------------------------------------------------------------

VENDOR_SQL = run_sql(
    '"""\n'
    "BEGIN;\n"
    "CREATE INDEX a_idx ON shop_author (name);\n"
    "ALTER TABLE shop_author ALTER COLUMN email SET NOT NULL;\n"
    "ALTER TABLE shop_author DROP COLUMN name;\n"
    "DELETE FROM shop_tag;\n"
    "COMMIT;\n"
    '"""'
)


def test_postgresql_judges_every_rule(tmp_path: Path) -> None:
    found = {code for code, _ in codes(project(tmp_path, VENDOR_SQL))}
    assert found == {"ML302", "ML303", "ML304", "ML307", "ML308"}


def test_mysql_has_no_postgresql_locks_and_no_transaction_to_break(tmp_path: Path) -> None:
    root = project(tmp_path, VENDOR_SQL, config="database = 'mysql'\n")
    assert {code for code, _ in codes(root)} == {"ML304", "ML307"}


def test_sqlite_runs_migrations_in_a_transaction(tmp_path: Path) -> None:
    root = project(tmp_path, VENDOR_SQL, config="database = 'sqlite'\n")
    assert {code for code, _ in codes(root)} == {"ML304", "ML307", "ML308"}


# -- unreadable SQL ----------------------------------------------------------------------------


def test_unreadable_sql_points_at_the_expression(tmp_path: Path) -> None:
    operations = (
        "migrations.RunSQL(\n    load_sql(),\n    reverse_sql=migrations.RunSQL.noop,\n),\n"
    )
    prelude = 'def load_sql():\n    return open("x.sql").read()\n'
    root = project(tmp_path, operations, prelude=prelude)
    [finding] = sql_findings(root)
    assert (finding["code"], finding["severity"]) == ("ML309", "warning")
    assert finding["line"] == line_of(root, "    load_sql(),")


# -- the plan ----------------------------------------------------------------------------------


def planned_effects(root: Path, *keys: str) -> list[tuple[Any, ...]]:
    """``keys`` of every effect of ``0002_sql`` in ``plan --format json``, with 0001 applied."""
    (root / "applied.json").write_text('["shop.0001_initial"]')
    result = run(root, "plan", "--format", "json", "--applied", "applied.json")
    [planned] = [m for m in json.loads(result.output)["migrations"] if m["name"] == "0002_sql"]
    return [
        tuple(effect[key] for key in keys)
        for operation in planned["operations"]
        for effect in operation["effects"]
    ]


def test_the_plan_shows_the_lock_of_every_statement(tmp_path: Path) -> None:
    operations = run_sql(
        '["COMMENT ON TABLE shop_book IS \'x\'", "VACUUM FULL shop_book"]'
    ) + run_sql("SQL")
    root = project(tmp_path, operations, extra="atomic = False", prelude="SQL = str(1)")
    assert planned_effects(root, "lock", "code") == [
        ("SHARE UPDATE EXCLUSIVE", None),
        ("ACCESS EXCLUSIVE", "ML305"),
        ("unknown", "ML309"),
    ]


def test_a_foreign_key_also_locks_the_table_it_references(tmp_path: Path) -> None:
    operations = run_sql(
        '"ALTER TABLE shop_book ADD CONSTRAINT book_editor_fk FOREIGN KEY (author_id)'
        ' REFERENCES shop_author (id) NOT VALID"'
    )
    assert planned_effects(project(tmp_path, operations), "table", "model", "lock", "code") == [
        ("shop_book", "shop.book", "SHARE ROW EXCLUSIVE", None),
        ("shop_author", "shop.author", "SHARE ROW EXCLUSIVE", None),
    ]


def test_drop_table_locks_the_tables_its_foreign_keys_reach(tmp_path: Path) -> None:
    """Dropping a table drops its foreign keys (ACCESS EXCLUSIVE on the tables they
    reference); CASCADE drops those of the tables referencing it (on those)."""
    operations = run_sql('"DROP TABLE shop_book CASCADE"')
    assert planned_effects(project(tmp_path, operations), "table", "lock", "code") == [
        ("shop_book", "ACCESS EXCLUSIVE", "ML304"),
        ("shop_author", "ACCESS EXCLUSIVE", None),
        ("shop_book_tags", "ACCESS EXCLUSIVE", None),
    ]


def test_truncate_cascade_empties_the_referencing_tables_recursively(tmp_path: Path) -> None:
    operations = run_sql('"TRUNCATE shop_author CASCADE"')
    effects = planned_effects(project(tmp_path, operations), "table", "lock", "code", "what")
    assert [effect[:3] for effect in effects] == [
        ("shop_author", "ACCESS EXCLUSIVE", "ML304"),
        ("shop_book", "ACCESS EXCLUSIVE", None),
        ("shop_book_tags", "ACCESS EXCLUSIVE", None),
    ]
    assert effects[2][3].endswith('(CASCADE empties it too: it has a foreign key to "shop_book")')


def test_every_table_of_a_drop_is_judged_and_an_unknown_one_is_said(tmp_path: Path) -> None:
    operations = run_sql('"DROP TABLE shop_tag, legacy CASCADE"')
    effects = planned_effects(project(tmp_path, operations), "table", "lock", "code", "what")
    assert [effect[:3] for effect in effects] == [
        ("shop_tag", "ACCESS EXCLUSIVE", "ML304"),
        ("shop_book_tags", "ACCESS EXCLUSIVE", None),
        ("legacy", "ACCESS EXCLUSIVE", "ML304"),
        (None, "ACCESS EXCLUSIVE", None),
    ]
    assert "unknown here" in effects[3][3]
