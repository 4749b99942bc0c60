"""The data-migration rules (ML201-ML206): each fires where it should, and only there."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.projects import check_json, migration, write_tree

INITIAL = migration(
    operations="""\
        migrations.CreateModel("Book", [
            ("id", models.AutoField(primary_key=True)),
            ("title", models.CharField(max_length=100)),
        ]),
    """
)
FORWARDS = """\
    def forwards(apps, schema_editor):
        Book = apps.get_model("shop", "Book")
        Book.objects.update(title="")
"""


def data_migration(
    tmp_path: Path,
    functions: str,
    operations: str,
    *,
    extra: str = "",
    database: str = "postgresql",
) -> list[dict[str, Any]]:
    """The ML2xx findings of a ``shop.0002_data`` defining ``functions`` before its class."""
    text = (
        textwrap.dedent(functions)
        + "\n\n"
        + migration(("shop", "0001_initial"), operations=operations, extra=extra)
    )
    write_tree(
        tmp_path,
        {"shop/migrations/0001_initial.py": INITIAL, "shop/migrations/0002_data.py": text},
    )
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.migration-lint]\ndjango-contrib = 'never'\ndatabase = '{database}'\n"
    )
    _, findings = check_json(tmp_path)
    return [finding for finding in findings if finding["code"].startswith("ML2")]


def codes(findings: list[dict[str, Any]]) -> list[str]:
    return [finding["code"] for finding in findings]


# -- ML201 run-python-without-reverse ---------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        "migrations.RunPython(forwards)",
        "migrations.RunPython(forwards, None)",
        "migrations.RunPython(code=forwards, reverse_code=None)",
    ],
)
def test_run_python_without_reverse_code_is_irreversible(tmp_path: Path, operation: str) -> None:
    findings = data_migration(tmp_path, FORWARDS, operation + ",\n")
    assert codes(findings) == ["ML201"]
    assert findings[0]["severity"] == "warning"
    assert "RunPython.noop" in findings[0]["hint"]


@pytest.mark.parametrize(
    "reverse",
    ["migrations.RunPython.noop", "forwards", "reverse_code=lambda apps, schema_editor: None"],
)
def test_any_reverse_code_makes_it_reversible(tmp_path: Path, reverse: str) -> None:
    assert data_migration(tmp_path, FORWARDS, f"migrations.RunPython(forwards, {reverse}),\n") == []


# -- ML202 run-python-model-import ------------------------------------------------------------


def test_a_current_model_is_reported_where_the_function_uses_it(tmp_path: Path) -> None:
    functions = """\
        from shop.models import Book

        def forwards(apps, schema_editor):
            Book.objects.update(title="")
    """
    findings = data_migration(
        tmp_path, functions, "migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    )
    assert codes(findings) == ["ML202"]
    [finding] = findings
    assert (finding["line"], finding["column"], finding["end_column"]) == (4, 5, 9)
    assert finding["severity"] == "error"
    assert "`Book` from `shop.models`" in finding["message"]
    assert finding["hint"] == 'use `Book = apps.get_model("shop", "Book")`'


def test_a_helper_shared_by_both_functions_is_reported_once(tmp_path: Path) -> None:
    functions = """\
        from django.contrib.auth import get_user_model

        def robots():
            return get_user_model().objects.filter(username__startswith="bot-")

        def forwards(apps, schema_editor):
            robots().update(is_active=False)

        def backwards(apps, schema_editor):
            robots().update(is_active=True)
    """
    findings = data_migration(tmp_path, functions, "migrations.RunPython(forwards, backwards),\n")
    assert [(f["code"], f["line"]) for f in findings] == [("ML202", 4)]
    assert findings[0]["hint"] == "use `apps.get_model(settings.AUTH_USER_MODEL)`"


def test_a_function_imported_from_elsewhere_is_not_judged(tmp_path: Path) -> None:
    functions = "from shop.data import forwards, backwards\n"
    operation = "migrations.RunPython(forwards, backwards),\n"
    assert data_migration(tmp_path, functions, operation) == []


# -- ML203 run-python-signature ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "severity"),
    [
        ("apps, schema_editor", None),
        ("registry, editor", None),
        ("apps, schema_editor, using=None", None),
        ("apps, /, schema_editor, *, dry_run=False", None),
        ("*args", None),
        ("apps, *args, **kwargs", None),
        ("apps", "error"),
        ("self, apps, schema_editor", "error"),
        ("apps, schema_editor, *, batch_size", "error"),
        ("*, apps, schema_editor", "error"),
        ("schema_editor, apps", "warning"),
        ("schema_editor, other", "warning"),
    ],
)
def test_functions_must_accept_apps_and_schema_editor_by_position(
    tmp_path: Path, parameters: str, severity: str | None
) -> None:
    functions = f"def forwards({parameters}):\n    pass\n"
    operation = "migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    findings = data_migration(tmp_path, functions, operation)
    assert [(f["code"], f["severity"]) for f in findings] == (
        [] if severity is None else [("ML203", severity)]
    )


def test_lambdas_and_reverse_functions_are_checked_too(tmp_path: Path) -> None:
    findings = data_migration(
        tmp_path,
        "def backwards(apps):\n    pass\n",
        "migrations.RunPython(lambda: None, backwards),\n",
    )
    assert codes(findings) == ["ML203", "ML203"]
    assert "`<lambda>`" in findings[0]["message"] and "the `code`" in findings[0]["message"]
    assert "`backwards` (line 1, the `reverse_code`)" in findings[1]["message"]


def test_a_decorated_function_is_not_judged_by_its_signature(tmp_path: Path) -> None:
    functions = """\
        import functools

        @functools.wraps(print)
        def forwards(*, apps):
            pass
    """
    operation = "migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    assert data_migration(tmp_path, functions, operation) == []


# -- ML204 run-python-unbatched ---------------------------------------------------------------


def test_a_loop_saving_every_row_is_unbatched(tmp_path: Path) -> None:
    functions = """\
        def forwards(apps, schema_editor):
            Book = apps.get_model("shop", "Book")
            for book in Book.objects.filter(title__startswith=" "):
                book.title = book.title.strip()
                book.save(update_fields=["title"])
    """
    findings = data_migration(
        tmp_path, functions, "migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    )
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [("ML204", 3, 5)]
    assert "iterator(chunk_size=2000)" in findings[0]["hint"]


def test_a_streamed_loop_is_not_unbatched(tmp_path: Path) -> None:
    functions = """\
        def forwards(apps, schema_editor):
            Book = apps.get_model("shop", "Book")
            for book in Book.objects.all().iterator(chunk_size=1000):
                book.save()
    """
    operation = "migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    assert data_migration(tmp_path, functions, operation) == []


# -- ML205 mixed-schema-and-data --------------------------------------------------------------

ADD_FIELD = 'migrations.AddField("book", "isbn", models.CharField(max_length=13, null=True)),\n'
RUN = "migrations.RunPython(forwards, migrations.RunPython.noop),\n"


@pytest.mark.parametrize("operations", [ADD_FIELD + RUN, RUN + ADD_FIELD])
def test_a_data_migration_with_a_schema_change_of_an_existing_table(
    tmp_path: Path, operations: str
) -> None:
    findings = data_migration(tmp_path, FORWARDS, operations)
    assert codes(findings) == ["ML205"]
    lines = (tmp_path / "shop/migrations/0002_data.py").read_text().splitlines()
    assert "RunPython(forwards" in lines[findings[0]["line"] - 1]
    assert "AddField of `book`" in findings[0]["message"]


def test_a_schema_change_inside_separate_database_and_state_counts(tmp_path: Path) -> None:
    operations = f"""\
        migrations.SeparateDatabaseAndState(database_operations=[
            migrations.RemoveField("book", "title"),
        ], state_operations=[]),
        {RUN}"""
    assert codes(data_migration(tmp_path, FORWARDS, operations)) == ["ML205"]


@pytest.mark.parametrize(
    ("operations", "extra", "database"),
    [
        (ADD_FIELD + RUN, "atomic = False\n", "postgresql"),
        (ADD_FIELD + RUN, "", "mysql"),
        (
            ADD_FIELD + "migrations.RunPython(migrations.RunPython.noop, forwards),\n",
            "",
            "postgresql",
        ),
        (
            "migrations.RunSQL(\"UPDATE shop_book SET title = ''\", migrations.RunSQL.noop),\n"
            + RUN,
            "",
            "postgresql",
        ),
        (
            'migrations.AlterModelOptions("book", {"ordering": ["title"]}),\n' + RUN,
            "",
            "postgresql",
        ),
    ],
    ids=["non-atomic", "mysql", "noop-code", "run-sql", "state-only"],
)
def test_no_shared_transaction_no_table_change_no_report(
    tmp_path: Path, operations: str, extra: str, database: str
) -> None:
    findings = data_migration(tmp_path, FORWARDS, operations, extra=extra, database=database)
    assert "ML205" not in codes(findings)


def test_many_schema_changes_are_summed_up(tmp_path: Path) -> None:
    operations = f"""\
        {ADD_FIELD}\
        migrations.AlterField("book", "title", models.CharField(max_length=200)),
        migrations.AlterUniqueTogether("book", {{("title", "isbn")}}),
        migrations.RemoveField("book", "isbn"),
        migrations.AlterModelTable("book", "books"),
        {RUN}"""
    [finding] = data_migration(tmp_path, FORWARDS, operations)
    assert (
        "AddField of `book`, AlterField of `book`, AlterUniqueTogether of `book`, 2 more:"
        in finding["message"]
    )


def test_a_squashed_migration_runs_only_on_new_databases(tmp_path: Path) -> None:
    functions = """\
        def forwards(apps, schema_editor):
            for book in apps.get_model("shop", "Book").objects.all():
                book.save()
    """
    extra = 'replaces = [("shop", "0002_isbn"), ("shop", "0003_fill_isbn")]\n'
    assert data_migration(tmp_path, functions, ADD_FIELD + RUN, extra=extra) == []


def test_a_table_created_in_the_same_migration_is_fresh(tmp_path: Path) -> None:
    operations = f"""\
        migrations.CreateModel("Genre", [("id", models.AutoField(primary_key=True))]),
        migrations.AddField("genre", "name", models.CharField(max_length=50, null=True)),
        {RUN}"""
    assert data_migration(tmp_path, FORWARDS, operations) == []


# -- ML206 run-python-non-atomic --------------------------------------------------------------


def test_a_function_without_a_transaction_in_a_non_atomic_migration(tmp_path: Path) -> None:
    findings = data_migration(tmp_path, FORWARDS, RUN, extra="atomic = False\n")
    assert codes(findings) == ["ML206"]
    assert "`forwards` (the `code`)" in findings[0]["message"]


@pytest.mark.parametrize(
    ("functions", "operation"),
    [
        (FORWARDS, "migrations.RunPython(forwards, migrations.RunPython.noop, atomic=True),\n"),
        (
            """\
            from django.db import transaction

            def forwards(apps, schema_editor):
                with transaction.atomic():
                    apps.get_model("shop", "Book").objects.update(title="")
            """,
            RUN,
        ),
        ("from shop.data import forwards\n", RUN),
        (
            """\
            def forwards(apps, schema_editor):
                if schema_editor.connection.vendor == "sqlite":
                    schema_editor.execute("PRAGMA legacy_alter_table = OFF")
            """,
            RUN,
        ),
    ],
    ids=["atomic-operation", "own-transaction", "unknown-function", "no-orm-writes"],
)
def test_a_transaction_of_its_own_or_an_unknown_function_is_not_reported(
    tmp_path: Path, functions: str, operation: str
) -> None:
    assert data_migration(tmp_path, functions, operation, extra="atomic = False\n") == []


def test_a_decorated_function_is_judged_by_its_body(tmp_path: Path) -> None:
    functions = """\
        from django.db import transaction
        from shop.models import Book
        from shop.utils import timed

        @timed
        def forwards(apps, schema_editor):
            Book.objects.update(title="")

        @transaction.atomic
        def backwards(apps, schema_editor):
            Book.objects.update(title="?")
    """
    operation = "migrations.RunPython(forwards, backwards),\n"
    findings = data_migration(tmp_path, functions, operation, extra="atomic = False\n")
    assert [(f["code"], f["line"]) for f in findings] == [
        ("ML202", 7),
        ("ML202", 11),
        ("ML206", 25),
    ]
    assert "`forwards` (the `code`)" in findings[2]["message"]
