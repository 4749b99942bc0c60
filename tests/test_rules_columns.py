"""The column and table rules (ML101-ML112): messages, context and the type knowledge.

The labelled corpus (``tests/fixtures/labelled/*/*col_*.py``) says which code each single
migration gets; these tests pin what a finding says, where it points, and how the project's
context (deploy stages, hot and small tables, the database and its version, a baseline)
changes it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

import migration_lint.rules  # noqa: F401  (the rule registry, before the effects it reads)
from migration_lint.config import load_config
from migration_lint.model import Call, Span, Value
from migration_lint.pipeline import analyse
from migration_lint.safety.column_types import column_type, type_change
from migration_lint.safety.effects import linted_effects
from migration_lint.state.fields import FieldSpec
from tests.projects import check_json, migration, write_tree

INITIAL = (Path(__file__).parent / "fixtures" / "labelled" / "0001_initial.py").read_text()


def findings(
    root: Path,
    *operations: str,
    imports: str = "",
    config: str = "",
    args: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The ML101-ML119 findings of migrations ``0002``, ``0003``... (one per ``operations``,
    each headed by ``imports``) on top of the labelled corpus' deployed ``0001_initial``."""
    files = {"shop/migrations/0001_initial.py": INITIAL}
    previous = "0001_initial"
    for number, text in enumerate(operations, start=2):
        name = f"{number:04d}_step"
        text = migration(("shop", previous), operations=text)
        files[f"shop/migrations/{name}.py"] = imports + text
        previous = name
    root.mkdir(parents=True, exist_ok=True)
    settings = "django-contrib = 'never'\ndeploy-sets-lock-timeout = true\n"
    (root / "pyproject.toml").write_text(f"[tool.migration-lint]\n{settings}{config}")
    write_tree(root, files)
    _, found = check_json(root, *args)
    return mine(found)


def mine(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings of this family (ML101-ML119), without the deploy-wide ones."""
    return [f for f in found if f["code"].startswith(("ML10", "ML11"))]


def codes(found: list[dict[str, Any]]) -> list[str]:
    return sorted(f["code"] for f in found)


ADD_STOCK = 'migrations.AddField("book", "stock", models.IntegerField()),\n'
WIDEN_PAGES = 'migrations.AlterField("book", "pages", models.BigIntegerField(default=0)),\n'


def test_a_required_column_names_model_field_and_table_and_points_at_the_field(
    tmp_path: Path,
) -> None:
    [found] = findings(tmp_path, ADD_STOCK)
    assert found["code"] == "ML101"
    assert found["severity"] == "error"
    assert 'Book.stock (column "stock" of "shop_book")' in found["message"]
    assert "fails on a table with rows" in found["message"]
    assert "db_default" in found["hint"]
    line = migration(("shop", "0001_initial"), operations=ADD_STOCK).splitlines()[found["line"] - 1]
    assert line[found["column"] - 1 :].startswith("models.IntegerField()")


def test_on_mysql_a_required_column_breaks_the_running_release_instead(tmp_path: Path) -> None:
    [found] = findings(tmp_path, ADD_STOCK, config="database = 'mysql'\n")
    assert found["code"] == "ML101"
    assert "implicit value" in found["message"]
    assert "strict mode" in found["message"]


def test_a_blank_text_column_gets_an_empty_string_so_old_inserts_are_the_problem(
    tmp_path: Path,
) -> None:
    [found] = findings(
        tmp_path, 'migrations.AddField("book", "note", models.TextField(blank=True)),\n'
    )
    assert found["code"] == "ML102"
    assert "DEFAULT ''" in found["message"]
    assert "db_default=''" in found["hint"]


def test_a_callable_default_is_one_value_and_fails_a_unique_column(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        "migrations.AddField(\n"
        '    "book", "token", models.UUIDField(default=uuid.uuid4, null=True, unique=True)\n'
        "),\n",
        imports="import uuid\n",
    )
    volatile = [f for f in found if f["code"] == "ML109"]
    assert [f["severity"] for f in volatile] == ["error"]
    assert "uuid.uuid4() once" in volatile[0]["message"]
    assert "unique index then fails" in volatile[0]["message"]


def test_every_default_rewrites_the_table_before_postgresql_11(tmp_path: Path) -> None:
    add = 'migrations.AddField("book", "stock", models.IntegerField(db_default=0)),\n'
    assert codes(findings(tmp_path / "current", add)) == []
    [found] = findings(tmp_path / "old", add, config="database-version = 10\n")
    assert found["code"] == "ML109"
    assert "PostgreSQL 10 rewrites the table" in found["message"]


def test_hot_tables_make_a_lock_finding_an_error_and_small_tables_silence_it(
    tmp_path: Path,
) -> None:
    [plain] = findings(tmp_path / "plain", WIDEN_PAGES)
    assert (plain["code"], plain["severity"]) == ("ML107", "warning")
    [hot] = findings(tmp_path / "hot", WIDEN_PAGES, config="hot-tables = ['shop_book']\n")
    assert (hot["code"], hot["severity"]) == ("ML107", "error")
    assert findings(tmp_path / "small", WIDEN_PAGES, config="small-tables = ['shop.book']\n") == []


def test_small_tables_do_not_silence_what_breaks_the_running_release(tmp_path: Path) -> None:
    drop = 'migrations.RemoveField("book", "isbn"),\n'
    found = findings(tmp_path, drop, config="small-tables = ['shop_book']\n")
    assert codes(found) == ["ML103"]


@pytest.mark.parametrize(
    ("extra", "silenced"),
    [
        ("from django_safemigrate import Safe\nsafe = Safe.after_deploy()", True),
        ("from syzygy import Stage\nstage = Stage.POST_DEPLOY", True),
        ("from syzygy import Stage\nstage = Stage.PRE_DEPLOY", False),
    ],
    ids=["safemigrate-after-deploy", "syzygy-post-deploy", "syzygy-pre-deploy"],
)
def test_a_post_deploy_migration_may_drop_columns_and_tables(
    tmp_path: Path, extra: str, silenced: bool
) -> None:
    imports, attribute = extra.split("\n")
    text = migration(
        ("shop", "0001_initial"),
        operations="""\
        migrations.RemoveField("book", "tags"),
        migrations.DeleteModel("Tag"),
        """,
        extra=attribute,
    )
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_drop.py": f"{imports}\n{text}",
        },
    )
    _, found = check_json(tmp_path)
    expected = [] if silenced else ["ML103", "ML104"]
    assert codes(mine(found)) == expected


def test_set_not_null_is_quiet_once_a_validated_check_proves_it(tmp_path: Path) -> None:
    check = 'models.CheckConstraint(condition=models.Q(published__isnull=False), name="pub_nn")'
    steps = (
        f'AddConstraintNotValid("book", {check}),\n',
        'ValidateConstraint("book", "pub_nn"),\n',
        'migrations.AlterField("book", "published", models.DateField()),\n',
    )
    imports = (
        "from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\n"
    )
    assert codes(findings(tmp_path / "pg", *steps, imports=imports)) == []
    old = findings(tmp_path / "pg11", *steps, imports=imports, config="database-version = 11\n")
    assert codes(old) == ["ML108"]
    assert "AddConstraintNotValid" in old[0]["hint"]


def test_changing_a_primary_key_type_names_the_tables_pointing_at_it(tmp_path: Path) -> None:
    [found] = findings(
        tmp_path,
        'migrations.AlterField("author", "id", models.AutoField(primary_key=True)),\n',
    )
    assert found["code"] == "ML111"
    assert "from bigint to integer" in found["message"]
    assert '("shop_book")' in found["message"]
    retype = 'migrations.AlterField("author", "id", models.AutoField(primary_key=True)),\n'
    assert (
        "shop_book",
        "ACCESS EXCLUSIVE",
        True,
        'rewrites foreign key column "author_id" to integer',
    ) in described(tmp_path / "plan", retype)


def test_making_another_field_the_primary_key(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        'migrations.AlterField("tag", "name", models.CharField(max_length=50, primary_key=True))\n',
    )
    assert codes(found) == ["ML111"]
    assert "the primary key" in found[0]["message"]


def test_adding_a_primary_key_column(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        'migrations.AddField("tag", "code", models.IntegerField(db_default=0, primary_key=True))\n',
    )
    assert codes(found) == ["ML111"]


def test_a_foreign_key_column_has_the_type_of_the_key_it_points_at(tmp_path: Path) -> None:
    """Repointing ``Book.author`` to a model with an ``integer`` key retypes ``author_id``."""
    found = findings(
        tmp_path,
        """\
        migrations.CreateModel(
            "Writer", fields=[("id", models.AutoField(primary_key=True))]
        ),
        migrations.AlterField(
            "book", "author", models.ForeignKey(on_delete=models.CASCADE, to="shop.writer")
        ),
        """,
    )
    [retyped] = [f for f in found if f["code"] == "ML107"]
    assert 'column "author_id"' in retyped["message"]
    assert "from bigint to integer" in retyped["message"]


def test_varchar_to_text_is_catalog_only_unless_django_rebuilds_the_pattern_index(
    tmp_path: Path,
) -> None:
    """PostgreSQL keeps the data, but Django's backend rebuilds the ``_like`` index of an
    indexed text column whose type family changes, under the ALTER's lock."""
    plain = 'migrations.AlterField("book", "title", models.TextField()),\n'
    assert findings(tmp_path / "plain", plain) == []
    indexed = (
        'migrations.AlterField("book", "title", models.CharField(max_length=200, db_index=True)),'
        '\nmigrations.AlterField("book", "title", models.TextField(db_index=True)),\n'
    )
    found = findings(tmp_path / "indexed", indexed)
    assert [(f["code"], f["line"]) for f in found] == [("ML107", 12)]
    assert "_like" in found[0]["message"]


def test_renaming_a_model_renames_its_column_in_join_tables_whatever_its_table(
    tmp_path: Path,
) -> None:
    found = findings(
        tmp_path,
        'migrations.AlterModelTable("tag", "shop_tag"),\nmigrations.RenameModel("Tag", "Label"),\n',
    )
    assert codes(found) == ["ML105"]
    assert 'column "tag_id" of join table "shop_book_tags" to "label_id"' in found[0]["message"]


def test_renaming_a_many_to_many_renames_its_join_table(tmp_path: Path) -> None:
    [found] = findings(tmp_path, 'migrations.RenameField("book", "tags", "labels"),\n')
    assert found["code"] == "ML106"
    assert '"shop_book_tags" to "shop_book_labels"' in found["message"]


def test_removing_through_from_a_many_to_many_fails_even_on_a_new_table(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """\
        migrations.CreateModel(
            "Shelf",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("tags", models.ManyToManyField(to="shop.tag")),
            ],
        ),
        migrations.AlterField("shelf", "tags", models.ManyToManyField(to="shop.book")),
        migrations.AlterField("book", "tags", models.IntegerField(null=True)),
        """,
    )
    assert codes(found) == ["ML112"]
    assert "from a ManyToManyField into a IntegerField" in found[0]["message"]


def test_order_with_respect_to_adds_and_drops_the_order_column(tmp_path: Path) -> None:
    add = 'migrations.AlterOrderWithRespectTo("book", "author"),\n'
    drop = 'migrations.AlterOrderWithRespectTo("book", None),\n'
    found = findings(tmp_path, add, drop)
    assert codes(found) == ["ML102", "ML103"]
    assert all('"_order"' in f["message"] for f in found)


def test_unmanaged_models_have_no_table_to_break(tmp_path: Path) -> None:
    create = """\
    migrations.CreateModel(
        "Legacy",
        fields=[("id", models.AutoField(primary_key=True)), ("name", models.TextField())],
        options={"managed": False},
    ),
    """
    later = """\
    migrations.AddField("legacy", "code", models.IntegerField()),
    migrations.RemoveField("legacy", "name"),
    migrations.DeleteModel("Legacy"),
    """
    assert findings(tmp_path, create, later) == []


def test_a_baseline_makes_the_branch_one_deploy_unit(tmp_path: Path) -> None:
    """A model created on the branch is new to production: changing it later on the same
    branch is quiet with ``--base``, while without one each migration is deployed alone."""
    create = """\
    migrations.CreateModel(
        "Coupon",
        fields=[("id", models.BigAutoField(primary_key=True)), ("code", models.TextField())],
    ),
    """
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": INITIAL})
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *command], cwd=tmp_path, check=True, capture_output=True)
    drop = 'migrations.RemoveField("coupon", "code"),\n'
    assert codes(findings(tmp_path, create, drop)) == ["ML103"]
    assert findings(tmp_path, create, drop, args=("--base", "main")) == []


def described(root: Path, operations: str) -> list[tuple[str | None, str, bool, str]]:
    """``(table, lock, rewrites, what)`` of each effect of migration ``0002``, as the plan
    lists them."""
    findings(root, operations)
    analysis = analyse(load_config(root, overrides={"cache-dir": False}))
    return [
        (effect.table, effect.lock, effect.rewrites, effect.what)
        for site, effects in linted_effects(analysis)
        if site.migration.name == "0002_step"
        for effect in effects
    ]


def test_harmless_changes_are_described_for_the_plan(tmp_path: Path) -> None:
    assert described(
        tmp_path / "choices",
        'migrations.AlterField("book", "title", models.CharField(max_length=200, choices=[]))\n',
    ) == [("shop_book", "none", False, "the column of Book.title does not change")]
    assert described(
        tmp_path / "text", 'migrations.AlterField("book", "title", models.TextField())\n'
    ) == [
        (
            "shop_book",
            "ACCESS EXCLUSIVE",
            False,
            'changes the type of "title" from varchar(200) to text in place (no rewrite)',
        )
    ]
    assert described(
        tmp_path / "nullable",
        'migrations.AddField("book", "note", models.TextField(null=True))\n',
    ) == [("shop_book", "ACCESS EXCLUSIVE", False, 'adds column "note" (text NULL)')]
    assert described(
        tmp_path / "comment", 'migrations.AlterModelTableComment("book", "Books")\n'
    ) == [("shop_book", "SHARE UPDATE EXCLUSIVE", False, 'sets the comment of "shop_book"')]


@pytest.mark.parametrize(
    ("old", "new", "database", "change"),
    [
        ("varchar(13)", "varchar(13)", "postgresql", "same"),
        ("varchar(13)", "varchar(100)", "postgresql", "in place"),
        ("varchar(13)", "varchar", "postgresql", "in place"),
        ("varchar(13)", "text", "postgresql", "in place"),
        ("varchar(100)", "varchar(13)", "postgresql", "rewrite"),
        ("numeric(8, 2)", "numeric(12, 2)", "postgresql", "in place"),
        ("numeric(8, 2)", "numeric(12, 3)", "postgresql", "rewrite"),
        ("integer", "bigint", "postgresql", "rewrite"),
        ("text", "varchar(100)", "postgresql", "rewrite"),
        ("varchar(13)", "varchar(63)", "mysql", "in place"),
        ("varchar(13)", "varchar(64)", "mysql", "rewrite"),
        ("varchar(100)", "varchar(300)", "mysql", "in place"),
        ("varchar(13)", "longtext", "mysql", "rewrite"),
        ("numeric(8, 2)", "numeric(12, 2)", "mysql", "rewrite"),
    ],
)
def test_what_a_type_change_costs(old: str, new: str, database: str, change: str) -> None:
    assert type_change(old, new, database) == change


def _integer() -> Call:
    return Call("django.db.models.IntegerField", (), (), Span(1, 1, 1, 1))


@pytest.mark.parametrize(
    ("path", "kwargs", "database", "expected"),
    [
        ("django.db.models.EmailField", (("max_length", 254),), "postgresql", "varchar(254)"),
        ("django.db.models.SlugField", (), "postgresql", "varchar(50)"),
        ("django.db.models.CharField", (), "postgresql", "varchar"),
        ("django.db.models.TextField", (), "mysql", "longtext"),
        ("django.db.models.UUIDField", (), "mysql", "char(32)"),
        ("django.db.models.FloatField", (), "sqlite", "real"),
        (
            "django.db.models.DecimalField",
            (("decimal_places", 2), ("max_digits", 8)),
            "postgresql",
            "numeric(8, 2)",
        ),
        (
            "django.contrib.postgres.fields.ArrayField",
            (("base_field", _integer()),),
            "postgresql",
            "integer[]",
        ),
        (
            "django.db.models.GeneratedField",
            (("db_persist", True), ("output_field", _integer())),
            "mysql",
            "integer",
        ),
    ],
)
def test_the_column_type_follows_djangos_data_types(
    path: str, kwargs: tuple[tuple[str, Value], ...], database: str, expected: str
) -> None:
    spec = FieldSpec(path, (), kwargs, True)
    assert column_type(spec, database, ("shop", "book"), lambda key: None) == expected


def test_a_field_class_django_does_not_have_has_no_known_type() -> None:
    spec = FieldSpec("shop.fields.MoneyField", (), (), False)
    assert column_type(spec, "postgresql", ("shop", "book"), lambda key: None) is None
