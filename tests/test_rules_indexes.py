"""Indexes and constraints built under lock (ML120, ML122-ML124) and concurrent operations in
a transaction (ML121), on the deployed ``shop`` app of the labelled corpus (``Author``,
``Tag``, ``Book`` with rows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.projects import check_json, migration, run, write_tree

INITIAL = (Path(__file__).parent / "fixtures" / "labelled" / "0001_initial.py").read_text()
POSTGRES_OPERATIONS = (
    "from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently\n"
)
ADD_TITLE_INDEX = (
    "migrations.AddIndex('book', models.Index(fields=['title'], name='book_title_idx')),\n"
)
CONCURRENT_TITLE_INDEX = (
    "AddIndexConcurrently('book', models.Index(fields=['title'], name='book_title_idx')),\n"
)


def project(
    tmp_path: Path, operations: str, *, extra: str = "", header: str = "", config: str = ""
) -> Path:
    """The deployed ``0001`` of ``shop`` and ``0002`` with ``operations``."""
    second = header + migration(("shop", "0001_initial"), operations=operations, extra=extra)
    return write_tree(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.migration-lint]\ndjango-contrib = 'never'\n"
                f"deploy-sets-lock-timeout = true\n{config}"
            ),
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_change.py": second,
        },
    )


def findings_of(root: Path, prefix: str = "ML12") -> list[dict[str, Any]]:
    _, findings = check_json(root)
    return [f for f in findings if f["code"].startswith(prefix)]


def only(root: Path) -> dict[str, Any]:
    """The one ML12x finding of the project."""
    found = findings_of(root)
    assert len(found) == 1, found
    return found[0]


def line_of(root: Path, text: str) -> int:
    """The line of ``0002`` on which ``text`` starts."""
    lines = (root / "shop/migrations/0002_change.py").read_text().splitlines()
    (line,) = [number for number, line in enumerate(lines, 1) if text in line]
    return line


def plan_effects(root: Path) -> list[dict[str, Any]]:
    """The effects ``plan --format json`` lists for the operations of ``0002``."""
    result = run(root, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    (second,) = [m for m in plan["migrations"] if m["name"] == "0002_change"]
    return [effect for operation in second["operations"] for effect in operation["effects"]]


# -- ML120 --------------------------------------------------------------------------------------


def test_add_index_says_which_index_blocks_which_writes(tmp_path: Path) -> None:
    finding = only(project(tmp_path, ADD_TITLE_INDEX))
    assert finding["code"] == "ML120"
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        'AddIndex creates index "book_title_idx" without CONCURRENTLY: its SHARE lock blocks '
        'every write to "shop_book" until the whole index is built'
    )
    assert "AddIndexConcurrently" in finding["hint"]
    assert "atomic = False" in finding["hint"]


@pytest.mark.parametrize("listed", ["shop_book", "shop.book", "SHOP_BOOK"])
def test_an_index_on_a_hot_table_is_an_error(tmp_path: Path, listed: str) -> None:
    root = project(tmp_path, ADD_TITLE_INDEX, config=f"hot-tables = ['{listed}']\n")
    assert only(root)["severity"] == "error"


def test_an_index_on_a_small_table_is_fine(tmp_path: Path) -> None:
    root = project(tmp_path, ADD_TITLE_INDEX, config="small-tables = ['shop_book']\n")
    assert findings_of(root) == []


def test_an_index_on_a_table_created_in_the_same_migration_is_fine(tmp_path: Path) -> None:
    operations = (
        "migrations.CreateModel('Review', [('id', models.BigAutoField(primary_key=True)),"
        " ('stars', models.IntegerField())]),\n"
        "migrations.AddIndex('review', models.Index(fields=['stars'], name='review_idx')),\n"
    )
    assert findings_of(project(tmp_path, operations)) == []


def test_mysql_builds_indexes_online(tmp_path: Path) -> None:
    root = project(tmp_path, ADD_TITLE_INDEX, config="database = 'mysql'\n")
    assert findings_of(root) == []


@pytest.mark.parametrize(
    "field",
    [
        "models.SlugField(null=True)",  # indexed by default
        "models.IntegerField(db_index=True, null=True)",
    ],
)
def test_a_new_indexed_field_builds_its_index_under_lock(tmp_path: Path, field: str) -> None:
    finding = only(project(tmp_path, f"migrations.AddField('book', 'extra', {field}),\n"))
    assert finding["code"] == "ML120"
    assert 'creates the index of "extra"' in finding["message"]
    assert "db_index=False" in finding["hint"]


def test_a_field_without_db_index_builds_nothing(tmp_path: Path) -> None:
    operations = (
        "migrations.AddField('book', 'extra', models.SlugField(db_index=False, null=True)),\n"
    )
    assert findings_of(project(tmp_path, operations)) == []


def test_index_together_adding_a_group_builds_an_index(tmp_path: Path) -> None:
    operations = "migrations.AlterIndexTogether('book', {('title', 'published')}),\n"
    finding = only(project(tmp_path, operations))
    assert finding["code"] == "ML120"
    assert "('title', 'published')" in finding["message"]


def test_a_varchar_index_comes_with_its_like_index_in_the_plan(tmp_path: Path) -> None:
    operations = (
        "migrations.AlterField('book', 'isbn', "
        "models.CharField(db_index=True, max_length=13, null=True)),\n"
    )
    root = project(tmp_path, operations)
    whats = [effect["what"] for effect in plan_effects(root)]
    assert 'creates the index of "isbn"' in whats
    assert any("varchar_pattern_ops" in what and "_like" in what for what in whats)
    assert only(root)["message"].startswith(
        'AlterField creates the index of "isbn" (and a second, varchar_pattern_ops index) '
        "without CONCURRENTLY"
    )


# -- ML121 --------------------------------------------------------------------------------------


def test_a_concurrent_index_in_an_atomic_migration_fails(tmp_path: Path) -> None:
    root = project(tmp_path, CONCURRENT_TITLE_INDEX, header=POSTGRES_OPERATIONS)
    finding = only(root)
    assert finding["code"] == "ML121"
    assert finding["severity"] == "error"
    assert (
        'NotSupportedError("The AddIndexConcurrently operation cannot be executed inside a '
        'transaction (set atomic = False on the migration).")'
    ) in finding["message"]
    assert finding["hint"] == "set `atomic = False` on the Migration class"


@pytest.mark.parametrize(
    "operation",
    [CONCURRENT_TITLE_INDEX, "RemoveIndexConcurrently('book', 'book_published_idx'),\n"],
)
def test_concurrent_operations_in_a_non_atomic_migration_are_fine(
    tmp_path: Path, operation: str
) -> None:
    root = project(tmp_path, operation, extra="atomic = False", header=POSTGRES_OPERATIONS)
    assert findings_of(root) == []


def test_a_concurrent_operation_fails_in_a_transaction_even_on_a_small_table(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        "RemoveIndexConcurrently('book', 'book_published_idx'),\n",
        header=POSTGRES_OPERATIONS,
        config="small-tables = ['shop_book']\n",
    )
    assert only(root)["code"] == "ML121"


# -- ML122 --------------------------------------------------------------------------------------


def test_a_unique_constraint_locks_reads_and_writes(tmp_path: Path) -> None:
    operations = (
        "migrations.AddConstraint('book', "
        "models.UniqueConstraint(fields=['isbn'], name='book_isbn_uniq')),\n"
    )
    finding = only(project(tmp_path, operations))
    assert finding["code"] == "ML122"
    assert finding["severity"] == "error"
    assert 'under ACCESS EXCLUSIVE: reads and writes of "shop_book"' in finding["message"]
    assert "duplicate values" in finding["message"]
    assert "USING INDEX" in finding["hint"]


def test_a_conditional_unique_constraint_is_a_unique_index(tmp_path: Path) -> None:
    operations = (
        "migrations.AddConstraint('book', models.UniqueConstraint(fields=['isbn'], "
        "condition=models.Q(isbn__isnull=False), name='book_isbn_uniq')),\n"
    )
    message = only(project(tmp_path, operations))["message"]
    assert 'under SHARE: writes of "shop_book"' in message


def test_a_new_unique_column_with_a_default_cannot_be_built(tmp_path: Path) -> None:
    operations = (
        "migrations.AddField('book', 'code', "
        "models.CharField(default='x', max_length=5, unique=True)),\n"
    )
    message = only(project(tmp_path, operations))["message"]
    assert "every existing row gets the same default" in message


def test_a_new_nullable_unique_column_has_no_duplicates(tmp_path: Path) -> None:
    operations = (
        "migrations.AddField('book', 'code', "
        "models.CharField(max_length=5, null=True, unique=True)),\n"
    )
    message = only(project(tmp_path, operations))["message"]
    assert "duplicate" not in message and "default" not in message


def test_unique_together_removing_a_group_is_only_a_drop(tmp_path: Path) -> None:
    adding = "migrations.AlterUniqueTogether('book', {('title', 'author')}),\n"
    root = project(tmp_path, adding + "migrations.AlterUniqueTogether('book', set()),\n")
    assert [f["line"] for f in findings_of(root)] == [line_of(root, adding.strip())]


# -- ML123 --------------------------------------------------------------------------------------


def test_a_new_foreign_key_locks_both_tables(tmp_path: Path) -> None:
    operations = (
        "migrations.AddField('book', 'editor', models.ForeignKey('shop.author', "
        "null=True, on_delete=models.SET_NULL, related_name='+')),\n"
    )
    found = {f["code"]: f for f in findings_of(project(tmp_path, operations))}
    assert sorted(found) == ["ML120", "ML123"]
    assert found["ML123"]["message"] == (
        'AddField adds the foreign key constraint of "shop_book.editor_id", which validates '
        'every row of "shop_book" while holding ACCESS EXCLUSIVE on it and SHARE ROW EXCLUSIVE '
        'on "shop_author": reads and writes of "shop_book" and writes to "shop_author" wait for '
        "the scan"
    )
    assert "NOT VALID" in found["ML123"]["hint"]


def test_changing_a_foreign_keys_column_re_adds_its_constraint(tmp_path: Path) -> None:
    operations = (
        "migrations.AlterField('book', 'author', "
        "models.ForeignKey('shop.author', null=True, on_delete=models.CASCADE)),\n"
    )
    finding = only(project(tmp_path, operations))
    assert finding["code"] == "ML123"
    assert finding["message"].startswith("AlterField drops and re-adds the foreign key")
    assert "while holding ACCESS EXCLUSIVE on it" in finding["message"]  # the DROP's lock
    non_atomic = only(project(tmp_path, operations, extra="atomic = False"))
    assert "while holding SHARE ROW EXCLUSIVE on it" in non_atomic["message"]


def test_dropping_a_foreign_key_locks_the_table_it_references(tmp_path: Path) -> None:
    """``DROP CONSTRAINT`` of a foreign key takes ACCESS EXCLUSIVE on both tables; re-added
    in an atomic migration, both stay locked through the validation."""
    operations = (
        "migrations.AlterField('book', 'author', "
        "models.ForeignKey('shop.author', null=True, on_delete=models.CASCADE)),\n"
    )
    root = project(tmp_path, operations)
    assert [
        (effect["table"], effect["lock"], effect["code"])
        for effect in plan_effects(root)
        if effect["table"] == "shop_author"
    ] == [("shop_author", "ACCESS EXCLUSIVE", None), ("shop_author", "SHARE ROW EXCLUSIVE", None)]
    assert only(root)["message"].endswith(
        'ACCESS EXCLUSIVE on "shop_author": reads and writes of "shop_book" and reads and '
        'writes of "shop_author" wait for the scan'
    )


def test_turning_db_constraint_on_adds_the_constraint(tmp_path: Path) -> None:
    operations = (
        "migrations.AlterField('book', 'author', models.ForeignKey('shop.author', "
        "db_constraint=False, on_delete=models.CASCADE)),\n"
        "migrations.AlterField('book', 'author', "
        "models.ForeignKey('shop.author', on_delete=models.CASCADE)),\n"
    )
    root = project(tmp_path, operations)
    found = findings_of(root)
    turned_on = line_of(root, "models.ForeignKey('shop.author', on_delete=models.CASCADE)")
    assert [(f["code"], f["line"]) for f in found] == [("ML123", turned_on)]
    assert found[0]["message"].startswith("AlterField adds the foreign key")


def test_renaming_a_foreign_key_re_adds_its_constraint(tmp_path: Path) -> None:
    root = project(tmp_path, "migrations.RenameField('book', 'author', 'writer'),\n")
    finding = only(root)
    assert finding["code"] == "ML123"
    assert 'the foreign key constraint of "shop_book.writer_id"' in finding["message"]
    assert "while holding ACCESS EXCLUSIVE" in finding["message"]  # the DROP, held to COMMIT
    assert finding["hint"] == 'keep the column: give the renamed field db_column="author_id"'


def test_a_foreign_key_with_its_own_column_name_keeps_its_constraint(tmp_path: Path) -> None:
    operations = (
        "migrations.AlterField('book', 'author', models.ForeignKey('shop.author', "
        "db_column='author_id', on_delete=models.CASCADE)),\n"
        "migrations.RenameField('book', 'author', 'writer'),\n"
    )
    found = findings_of(project(tmp_path, operations))
    assert found == []


def test_renaming_a_model_re_adds_the_foreign_keys_pointing_to_it(tmp_path: Path) -> None:
    found = findings_of(project(tmp_path, "migrations.RenameModel('Tag', 'Label'),\n"))
    assert {f["hint"] for f in found} == {
        'keep the table: set Meta.db_table = "shop_tag" on the renamed model'
    }
    assert [(f["code"], f["message"].split(",")[0]) for f in found] == [
        (
            "ML123",
            'RenameModel drops and re-adds the foreign key constraint of "shop_book_tags.label_id"',
        )
    ]


@pytest.mark.parametrize(
    "change", ["on_delete=models.PROTECT", "on_delete=models.CASCADE, related_name='books'"]
)
def test_changes_django_keeps_out_of_the_database_touch_no_constraint(
    tmp_path: Path, change: str
) -> None:
    operations = (
        f"migrations.AlterField('book', 'author', models.ForeignKey('shop.author', {change})),\n"
    )
    assert findings_of(project(tmp_path, operations)) == []


# -- ML124 --------------------------------------------------------------------------------------


def test_a_check_constraint_scans_under_access_exclusive(tmp_path: Path) -> None:
    operations = (
        "migrations.AddConstraint('book', models.CheckConstraint("
        "condition=models.Q(price__gte=0), name='book_price_positive')),\n"
    )
    finding = only(project(tmp_path, operations))
    assert finding["code"] == "ML124"
    assert finding["message"] == (
        'AddConstraint adds CheckConstraint "book_price_positive", which checks every row '
        'under ACCESS EXCLUSIVE: reads and writes of "shop_book" wait for it'
    )
    assert "AddConstraintNotValid" in finding["hint"]


def test_not_valid_then_validate_is_fine(tmp_path: Path) -> None:
    operations = (
        "AddConstraintNotValid('book', models.CheckConstraint("
        "condition=models.Q(price__gte=0), name='book_price_positive')),\n"
    )
    header = "from django.contrib.postgres.operations import AddConstraintNotValid\n"
    assert findings_of(project(tmp_path, operations, header=header)) == []


# -- ML125 --------------------------------------------------------------------------------------


def test_dropping_an_index_is_a_notice_and_an_error_on_a_hot_table(tmp_path: Path) -> None:
    operations = "migrations.RemoveIndex('book', 'book_published_idx'),\n"
    finding = only(project(tmp_path, operations))
    assert (finding["code"], finding["severity"]) == ("ML125", "info")
    assert 'ACCESS EXCLUSIVE on "shop_book"' in finding["message"]
    assert "RemoveIndexConcurrently" in finding["hint"]
    hot = project(tmp_path, operations, config="hot-tables = ['shop_book']\n")
    assert only(hot)["severity"] == "error"


# -- what the plan says of every index and constraint operation ---------------------------------


@pytest.mark.parametrize(
    ("version", "lock"), [("", "none"), ("12", "none"), ("11", "ACCESS EXCLUSIVE")]
)
def test_renaming_an_index_locks_only_the_index_since_postgresql_12(
    tmp_path: Path, version: str, lock: str
) -> None:
    config = f"database-version = {version}\n" if version else ""
    operations = (
        "migrations.RenameIndex('book', new_name='book_pub_idx', old_name='book_published_idx'),\n"
    )
    (effect,) = plan_effects(project(tmp_path, operations, config=config))
    assert effect["lock"] == lock
    assert effect["code"] is None


@pytest.mark.parametrize(
    ("operation", "lock"),
    [
        ("migrations.RemoveConstraint('book', 'book_pages_positive')", "ACCESS EXCLUSIVE"),
        ("ValidateConstraint('book', 'book_pages_positive')", "SHARE UPDATE EXCLUSIVE"),
        ("BtreeGistExtension()", "none"),
    ],
)
def test_every_index_and_constraint_operation_is_described(
    tmp_path: Path, operation: str, lock: str
) -> None:
    header = (
        "from django.contrib.postgres.operations import BtreeGistExtension, ValidateConstraint\n"
    )
    root = project(tmp_path, f"{operation},\n", header=header)
    (effect,) = plan_effects(root)
    assert effect["lock"] == lock
    assert effect["what"]
    assert findings_of(root) == []
