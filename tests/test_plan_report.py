"""``plan --format json|markdown``: per migration and operation, what ``migrate --plan`` omits.

The project is the labelled corpus's deployed ``shop`` app (Author, Tag, Book with a foreign
key, a many-to-many, an index and a check constraint) plus the migrations of each test. Most
tests check structure, reversibility, transactions, stages, rendering and the CLI; the
``PostgreSQL facts`` at the end check the locks, rewrites and scans the effect providers
(``migration_lint/safety``) report, read through the plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migration_lint import plan_report
from migration_lint.describe import describe_operation_detail
from migration_lint.model import Call, MigrationFile
from migration_lint.parsing.migrations import parse_migration
from migration_lint.plan_report import (
    MigrationPlan,
    OperationPlan,
    PlanReport,
    runs_in_transaction,
)
from migration_lint.report.markdown import MAX_CHARACTERS
from migration_lint.report.plan_markdown import render_plan_markdown
from migration_lint.safety.effects import Effect, Target
from migration_lint.safety.scope import Site
from tests.projects import migration, run, write_tree

INITIAL = (Path(__file__).parent / "fixtures" / "labelled" / "0001_initial.py").read_text()
#: The tables of the deployed ``0001_initial``.
DEPLOYED = {"shop_author", "shop_tag", "shop_book", "shop_book_tags"}
FILL = '''\
def fill(apps, schema_editor):
    """Fill the subtitles."""


'''
ADD_SUBTITLE = "migrations.AddField('book', 'subtitle', models.TextField(null=True)),\n"
TITLE_INDEX = "models.Index(fields=['title'], name='book_title_idx')"


def step(operations: str, extra: str = "", header: str = "", after: str = "0001_initial") -> str:
    """A migration of ``shop`` after ``after``, with ``header`` above the class."""
    return header + migration(("shop", after), operations=operations, extra=extra)


def project(tmp_path: Path, *later: str, config: str = "") -> Path:
    """The deployed ``shop`` app, then ``later`` as ``0002_step``, ``0003_step``..."""
    files = {"shop/migrations/0001_initial.py": INITIAL}
    for number, text in enumerate(later, start=2):
        files[f"shop/migrations/{number:04d}_step.py"] = text
    files["pyproject.toml"] = f"[tool.migration-lint]\ndjango-contrib = 'never'\n{config}"
    return write_tree(tmp_path / "project", files)


def plan_json(root: Path, *args: str) -> dict[str, Any]:
    result = run(root, "plan", "--no-cache", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def applied(root: Path, *names: str) -> str:
    """An ``--applied`` file saying ``names`` (``app.name``) are applied."""
    path = root / "applied.json"
    path.write_text(json.dumps(list(names)))
    return str(path)


def migration_named(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in document["migrations"] if m["name"] == name)
    return found


def operations_of(document: dict[str, Any], name: str = "0002_step") -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = migration_named(document, name)["operations"]
    return operations


# -- structure --------------------------------------------------------------------------------


def test_every_planned_migration_and_operation_is_described(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        step(
            ADD_SUBTITLE + "migrations.RunPython(fill, migrations.RunPython.noop),\n", header=FILL
        ),
    )
    document = plan_json(root)
    assert [(m["app"], m["name"], m["direction"]) for m in document["migrations"]] == [
        ("shop", "0001_initial", "apply"),
        ("shop", "0002_step", "apply"),
    ]
    second = migration_named(document, "0002_step")
    assert second["path"] == "shop/migrations/0002_step.py"
    assert [(op["index"], op["operation"]) for op in second["operations"]] == [
        (0, "AddField"),
        (1, "RunPython"),
    ]
    # The descriptions are the lines `migrate --plan` prints, in the same order.
    text = run(root, "plan", "--no-cache").stdout
    lines = [line[4:] for line in text.splitlines() if line.startswith("    ")]
    described = [op["description"] for m in document["migrations"] for op in m["operations"]]
    assert described == lines
    assert (
        operations_of(document)[1]["description"] == "Raw Python operation -> Fill the subtitles."
    )
    assert document["summary"]["migrations"] == 2
    assert document["summary"]["operations"] == 5


def test_the_json_document_keeps_its_keys(tmp_path: Path) -> None:
    """The schema documented in migration_lint/report/plan_json.py, key for key."""
    root = project(tmp_path, step("migrations.RunPython(fill),\n", header=FILL))
    document = plan_json(root)
    assert document["version"] == 1
    assert set(document) == {
        "version",
        "database",
        "database_version",
        "targets",
        "migrations",
        "summary",
    }
    assert document["targets"] == [{"app": "shop", "name": "0002_step"}]
    assert set(document["migrations"][0]) == {
        "app",
        "name",
        "path",
        "direction",
        "atomic",
        "stage",
        "stage_source",
        "reversible",
        "lock",
        "rewrites",
        "scans",
        "flagged",
        "operations",
    }
    run_python = operations_of(document)[0]
    assert set(run_python) == {
        "index",
        "operation",
        "line",
        "description",
        "exact",
        "reversible",
        "atomic",
        "lock",
        "rewrites",
        "scans",
        "effects",
    }
    assert [set(effect) for effect in run_python["effects"]] == [
        {
            "table",
            "model",
            "lock",
            "what",
            "rewrites",
            "scans",
            "code",
            "kind",
            "stage",
            "message",
            "hint",
        }
    ]
    assert set(document["summary"]) == {
        "migrations",
        "operations",
        "irreversible",
        "strongest_lock",
        "rewrites",
        "scans",
        "post_deploy",
    }


# -- reversibility and transactions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "reversible"),
    [
        ("migrations.RunPython(fill)", False),
        ("migrations.RunPython(fill, migrations.RunPython.noop)", True),
        ("migrations.RunSQL('UPDATE shop_book SET pages = 1')", False),
        ("migrations.RunSQL('UPDATE shop_book SET pages = 1', migrations.RunSQL.noop)", True),
        (ADD_SUBTITLE.rstrip(",\n"), True),
    ],
)
def test_reversibility(tmp_path: Path, operation: str, reversible: bool) -> None:
    root = project(tmp_path, step(f"{operation},\n", header=FILL))
    document = plan_json(root)
    assert operations_of(document)[0]["reversible"] is reversible
    assert migration_named(document, "0002_step")["reversible"] is reversible
    assert document["summary"]["irreversible"] == (0 if reversible else 1)


def test_code_we_cannot_see_has_an_unknown_lock_and_noops_none(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        step(
            "migrations.RunPython(fill),\n"
            "migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),\n"
            "migrations.AlterModelOptions('book', {'ordering': ['title']}),\n",
            header=FILL,
        ),
    )
    fill, noop, options = operations_of(plan_json(root))
    assert fill["lock"] == "unknown"
    assert [effect["lock"] for effect in fill["effects"]] == ["unknown"]
    # Providers may describe them ("no database change"), never with a lock.
    assert noop["lock"] == options["lock"] == "none"


def test_operations_run_in_the_migrations_transaction_when_it_is_atomic(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        step(ADD_SUBTITLE + "migrations.RunPython(fill, atomic=False),\n", header=FILL),
    )
    second = migration_named(plan_json(root), "0002_step")
    assert second["atomic"] is True
    # RunPython(atomic=False) only matters in a non-atomic migration.
    assert [op["atomic"] for op in second["operations"]] == [True, True]


def test_in_a_non_atomic_migration_only_atomic_run_python_gets_a_transaction(
    tmp_path: Path,
) -> None:
    operations = (
        ADD_SUBTITLE
        + "migrations.RunPython(fill),\n"
        + "migrations.RunPython(fill, atomic=True),\n"
        + f"AddIndexConcurrently('book', {TITLE_INDEX}),\n"
    )
    header = "from django.contrib.postgres.operations import AddIndexConcurrently\n"
    root = project(tmp_path, step(operations, "atomic = False\n", header + FILL))
    second = migration_named(plan_json(root), "0002_step")
    assert second["atomic"] is False
    assert [op["atomic"] for op in second["operations"]] == [False, False, True, False]


def parsed(operations: str, extra: str = "", header: str = "") -> MigrationFile:
    source = step(operations, extra, header).encode()
    return parse_migration(source, app_label="shop", name="0002_step", path="0002_step.py")


@pytest.mark.parametrize(
    ("database", "atomic", "operation", "expected"),
    [
        # Transactional DDL: an atomic migration runs everything in one transaction.
        ("postgresql", True, ADD_SUBTITLE, True),
        ("sqlite", True, "migrations.RunPython(fill, atomic=False),\n", True),
        ("postgresql", False, ADD_SUBTITLE, False),
        ("postgresql", False, "migrations.RunPython(fill, atomic=flag),\n", None),
        # MySQL: no transactional DDL; RunPython still gets its own transaction.
        ("mysql", True, ADD_SUBTITLE, False),
        ("mysql", True, "migrations.RunSQL('SELECT 1'),\n", False),
        ("mysql", True, "migrations.RunPython(fill),\n", True),
        ("mysql", True, "migrations.RunPython(fill, atomic=False),\n", False),
        ("mysql", False, "migrations.RunPython(fill, atomic=True),\n", True),
    ],
)
def test_runs_in_transaction(
    database: str, atomic: bool, operation: str, expected: bool | None
) -> None:
    migration_file = parsed(operation, f"atomic = {atomic}\n", "from x import flag\n" + FILL)
    result = runs_in_transaction(migration_file, migration_file.operations[0], Target(database))
    assert result is expected


# -- deploy stages -----------------------------------------------------------------------------


def test_a_declared_stage_is_reported_as_declared(tmp_path: Path) -> None:
    header = "from django_safemigrate import Safe\n"
    root = project(tmp_path, step(ADD_SUBTITLE, "safe = Safe.after_deploy()\n", header))
    document = plan_json(root)
    second = migration_named(document, "0002_step")
    assert (second["stage"], second["stage_source"]) == ("post-deploy", "declared")
    assert migration_named(document, "0001_initial")["stage_source"] == "inferred"
    assert document["summary"]["post_deploy"] == 1


def synthetic_operation(effects: tuple[Effect, ...], index: int = 0) -> OperationPlan:
    operation = parsed(ADD_SUBTITLE).operations[0]
    return OperationPlan(
        index, operation, describe_operation_detail(operation, False), True, True, effects
    )


def drop(code: str | None = None, stage: str | None = "post-deploy") -> Effect:
    return Effect(
        "shop_book",
        ("shop", "book"),
        "ACCESS EXCLUSIVE",
        'drops column "legacy"',
        code=code,
        kind="compat",
        message="dropping a column breaks the running release" if code else "",
        stage="post-deploy" if stage else None,
    )


def test_an_undeclared_stage_is_inferred_from_the_effects() -> None:
    migration_file = parsed(ADD_SUBTITLE)
    drops = MigrationPlan(migration_file, False, (synthetic_operation((drop(),)),))
    adds = MigrationPlan(migration_file, False, (synthetic_operation((drop(stage=None),)),))
    assert (drops.stage, drops.stage_declared) == ("post-deploy", False)
    assert (adds.stage, adds.stage_declared) == ("pre-deploy", False)


def test_flagged_effects_are_what_check_reports(tmp_path: Path) -> None:
    root = project(tmp_path, step(f"migrations.AddIndex('book', {TITLE_INDEX}),\n"))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    (flagged,) = migration_named(document, "0002_step")["flagged"]
    assert (flagged["operation"], flagged["code"], flagged["table"]) == (0, "ML120", "shop_book")
    (effect,) = operations_of(document)[0]["effects"]
    assert effect["model"] == "shop.book"
    # A table listed in small-tables: check stays quiet, so the plan flags nothing, but the
    # effect still says which rule judges it.
    small = project(
        tmp_path / "small",
        step(f"migrations.AddIndex('book', {TITLE_INDEX}),\n"),
        config="small-tables = ['shop_book']\n",
    )
    document = plan_json(small, "--applied", applied(small, "shop.0001_initial"))
    assert migration_named(document, "0002_step")["flagged"] == []
    assert operations_of(document)[0]["effects"][0]["code"] == "ML120"


# -- targets, applied sets, backwards plans ----------------------------------------------------


def test_applied_migrations_are_not_planned(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    assert [m["name"] for m in document["migrations"]] == ["0002_step"]


def test_an_empty_plan(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE))
    everything = applied(root, "shop.0001_initial", "shop.0002_step")
    document = plan_json(root, "--applied", everything)
    assert document["migrations"] == []
    assert document["summary"] == {
        "migrations": 0,
        "operations": 0,
        "irreversible": 0,
        "strongest_lock": "none",
        "rewrites": 0,
        "scans": 0,
        "post_deploy": 0,
    }
    markdown = run(root, "plan", "--no-cache", "--format", "markdown", "--applied", everything)
    assert markdown.stdout == "## Migration plan\n\n_No planned migration operations._\n"


def test_a_backwards_plan_unapplies_with_undo_lines(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE))
    everything = applied(root, "shop.0001_initial", "shop.0002_step")
    document = plan_json(root, "--applied", everything, "--target", "shop.0001")
    assert document["targets"] == [{"app": "shop", "name": "0001_initial"}]
    (second,) = document["migrations"]
    assert (second["name"], second["direction"]) == ("0002_step", "unapply")
    assert second["operations"][0]["description"] == "Undo Add field subtitle to book"
    zero = plan_json(root, "--applied", everything, "--target", "shop.zero")
    assert zero["targets"] == [{"app": "shop", "name": None}]
    assert [(m["name"], m["direction"]) for m in zero["migrations"]] == [
        ("0002_step", "unapply"),
        ("0001_initial", "unapply"),
    ]


def test_unapplying_a_migration_with_an_irreversible_operation_runs_none_of_it(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE + "migrations.RunPython(fill),\n", header=FILL))
    everything = applied(root, "shop.0001_initial", "shop.0002_step")
    document = plan_json(root, "--applied", everything, "--target", "shop.0001")
    add, fill = operations_of(document)
    assert fill["description"] == "Raw Python operation -> IRREVERSIBLE"
    assert "IrreversibleError" in fill["effects"][0]["what"]
    assert add["effects"][0]["what"].startswith("not run")
    assert (add["lock"], fill["lock"]) == ("none", "none")
    markdown = run(
        root,
        "plan",
        "--no-cache",
        "--format",
        "markdown",
        "--applied",
        everything,
        "--target",
        "shop.0001",
    ).stdout.splitlines()
    assert markdown[0] == "## Migration plan: 1 migration (1 to unapply)"
    assert "### Unapply `shop.0002_step`" in markdown


def test_a_replaced_migration_as_target_plans_without_the_squash(tmp_path: Path) -> None:
    """``migrate shop 0001_initial`` when a squash replaces it: Django plans again on the
    graph without replacements, and so does the report."""
    squash = INITIAL.replace(
        "    initial = True\n",
        "    initial = True\n    replaces = [('shop', '0001_initial'), ('shop', '0002_step')]\n",
    )
    root = project(tmp_path, step(ADD_SUBTITLE))
    (root / "shop/migrations/0001_squashed_0002.py").write_text(squash)
    document = plan_json(root, "--target", "shop.0001_initial")
    assert [m["name"] for m in document["migrations"]] == ["0001_initial"]
    assert [m["name"] for m in plan_json(root)["migrations"]] == ["0001_squashed_0002"]


# -- what the providers are asked: fresh tables and rollbacks -----------------------------------


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Site]]:
    """The sites the plan asks the effect providers about (providers replaced: no effects)."""
    sites: list[Site] = []

    def record(site: Site, target: Target) -> tuple[Effect, ...]:
        sites.append(site)
        return ()

    monkeypatch.setattr(plan_report, "effects_of", record)
    yield sites


def test_a_table_created_earlier_in_the_plan_is_fresh(tmp_path: Path, asked: list[Site]) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE))
    plan_json(root)
    add = next(site for site in asked if site.operation.name == "AddField")
    assert add.is_fresh("book")
    asked.clear()
    plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    (add,) = asked
    assert not add.is_fresh("book")


def test_separate_database_and_state_is_judged_by_its_database_operations(
    tmp_path: Path, asked: list[Site]
) -> None:
    operation = (
        "migrations.SeparateDatabaseAndState(\n"
        "    state_operations=[migrations.RemoveField('book', 'isbn')],\n"
        "    database_operations=[migrations.RunSQL('DROP INDEX IF EXISTS x')],\n"
        "),\n"
    )
    root = project(tmp_path, step(operation))
    plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    (site,) = asked
    assert (site.operation.name, site.nested, site.index) == ("RunSQL", True, 0)


def rollback(root: Path, asked: list[Site]) -> list[Site]:
    """The sites asked about when unapplying ``0002_step``."""
    everything = applied(root, "shop.0001_initial", "shop.0002_step")
    asked.clear()
    plan_json(root, "--applied", everything, "--target", "shop.0001")
    return list(asked)


def kwargs(site: Site) -> dict[str, Any]:
    return dict(site.operation.kwargs)


def test_unapplying_a_field_change_is_the_change_back(tmp_path: Path, asked: list[Site]) -> None:
    root = project(
        tmp_path,
        step(
            ADD_SUBTITLE
            + "migrations.RemoveField('book', 'isbn'),\n"
            + "migrations.AlterField('book', 'pages', models.BigIntegerField(default=0)),\n"
            + "migrations.RenameField('book', 'summary', 'blurb'),\n"
        ),
    )
    remove_subtitle, add_isbn, alter_back, rename_back = rollback(root, asked)
    assert remove_subtitle.operation.name == "RemoveField"
    assert kwargs(remove_subtitle) == {"model_name": "book", "name": "subtitle"}
    # The rollback starts from the state after the operation and ends before it.
    assert "subtitle" in remove_subtitle.model("book").fields  # type: ignore[union-attr]
    assert "subtitle" not in remove_subtitle.model_after("book").fields  # type: ignore[union-attr]
    assert add_isbn.operation.name == "AddField"
    isbn = kwargs(add_isbn)["field"]
    assert isinstance(isbn, Call)
    assert (isbn.func, dict(isbn.kwargs)) == (
        "django.db.models.CharField",
        {"max_length": 13, "null": True},
    )
    back = kwargs(alter_back)["field"]
    assert isinstance(back, Call)
    assert (alter_back.operation.name, back.func) == ("AlterField", "django.db.models.IntegerField")
    assert kwargs(rename_back) == {"model_name": "book", "old_name": "blurb", "new_name": "summary"}


def test_unapplying_indexes_models_and_sql(tmp_path: Path, asked: list[Site]) -> None:
    root = project(
        tmp_path,
        step(
            f"migrations.AddIndex('book', {TITLE_INDEX}),\n"
            "migrations.RemoveIndex('book', 'book_published_idx'),\n"
            "migrations.RenameIndex('book', 'book_isbn_idx', old_fields=('isbn',)),\n"
            "migrations.CreateModel('Shelf', [('id', models.BigAutoField(primary_key=True))]),\n"
            "migrations.DeleteModel('Tag'),\n"
            "migrations.RunSQL('CREATE EXTENSION hstore', 'DROP EXTENSION hstore'),\n"
        ),
    )
    sites = rollback(root, asked)
    assert [site.operation.name for site in sites] == [
        "RemoveIndex",
        "AddIndex",
        # RenameIndex(old_fields=...) backwards is a no-op: nothing to ask about.
        "DeleteModel",
        "CreateModel",
        "RunSQL",
    ]
    remove, add, delete, create, sql = sites
    assert kwargs(remove) == {"model_name": "book", "name": "book_title_idx"}
    index = kwargs(add)["index"]
    assert isinstance(index, Call) and index.kwarg("name") == "book_published_idx"
    assert kwargs(delete) == {"name": "Shelf"}
    assert kwargs(create)["name"] == "Tag"
    assert [field.items[0] for field in kwargs(create)["fields"].items] == ["id", "name"]
    assert kwargs(sql) == {"sql": "DROP EXTENSION hstore"}


def test_unapplying_constraints_renames_and_options(tmp_path: Path, asked: list[Site]) -> None:
    unique = "models.UniqueConstraint(fields=['isbn'], name='book_isbn_unique')"
    root = project(
        tmp_path,
        step(
            f"migrations.AddConstraint('book', {unique}),\n"
            "migrations.RemoveConstraint('book', 'book_pages_positive'),\n"
            "migrations.AlterUniqueTogether('book', {('title', 'author')}),\n"
            "migrations.RenameModel('Tag', 'Label'),\n"
        ),
    )
    remove, add, together, rename = rollback(root, asked)
    assert (remove.operation.name, kwargs(remove)) == (
        "RemoveConstraint",
        {"model_name": "book", "name": "book_isbn_unique"},
    )
    check = kwargs(add)["constraint"]
    assert add.operation.name == "AddConstraint"
    assert isinstance(check, Call) and check.kwarg("name") == "book_pages_positive"
    # Back to the option as it was: Book had no unique_together.
    assert kwargs(together) == {"name": "book", "unique_together": None}
    assert kwargs(rename) == {"old_name": "Label", "new_name": "Tag"}
    assert rename.model("Label") is not None


# -- markdown ------------------------------------------------------------------------------------


def test_markdown_has_a_section_and_a_table_per_migration(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE + "migrations.RunPython(fill),\n", header=FILL))
    everything = applied(root, "shop.0001_initial")
    text = run(root, "plan", "--no-cache", "--format", "markdown", "--applied", everything).stdout
    lines = text.splitlines()
    assert lines[0] == "## Migration plan: 1 migration (1 to apply)"
    assert lines[2].startswith("2 operations · strongest lock `unknown` · ")
    assert "1 irreversible operation" in lines[2]
    assert "### Apply `shop.0002_step`" in lines
    facts = lines[lines.index("### Apply `shop.0002_step`") + 2]
    assert facts.startswith("`shop/migrations/0002_step.py` · atomic · pre-deploy (inferred)")
    assert (
        "| # | Operation | What the database does | Lock | Rewrite / scan | Reversible |" in lines
    )
    row = next(line for line in lines if line.startswith("| 1 |"))
    assert row.startswith("| 1 | Raw Python operation -> Fill the subtitles. | runs project code")
    assert row.endswith("| unknown | no | **no** |")


def test_markdown_stays_under_the_comment_limit() -> None:
    migration_file = parsed(ADD_SUBTITLE)
    long_effect = Effect("shop_book", ("shop", "book"), "SHARE", "x" * 500, scans=True)
    operations = tuple(synthetic_operation((long_effect,), index) for index in range(400))
    plans = tuple(MigrationPlan(migration_file, False, operations) for _ in range(3))
    text = render_plan_markdown(PlanReport((), Target(), plans))
    assert len(text) <= MAX_CHARACTERS
    shown = sum(1 for line in text.splitlines() if line.startswith("| ") and "x" * 500 in line)
    assert 0 < shown < 1200
    assert text.endswith(
        f"_…the plan is too long for this summary: {1200 - shown} more operations not shown; "
        "run `migration-lint plan --format json` for all of it._\n"
    )


def test_pipes_and_newlines_stay_inside_their_cell() -> None:
    migration_file = parsed("migrations.RunSQL('SELECT 1 | 2')\n")
    effect = Effect(None, None, "unknown", "runs\nSQL | we cannot read")
    operation = migration_file.operations[0]
    op = OperationPlan(
        0, operation, describe_operation_detail(operation, False), False, True, (effect,)
    )
    text = render_plan_markdown(
        PlanReport((), Target(), (MigrationPlan(migration_file, False, (op,)),))
    )
    row = next(line for line in text.splitlines() if line.startswith("| 0 |"))
    assert "runs<br>SQL \\| we cannot read" in row
    assert row.count(" | ") == 5


# -- the command line ----------------------------------------------------------------------------


def test_text_stays_djangos_plan(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE))
    default = run(root, "plan", "--no-cache")
    assert run(root, "plan", "--no-cache", "--format", "text").stdout == default.stdout
    assert default.stdout.startswith("Planned operations:\nshop.0001_initial\n")


def test_list_is_text_only(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE))
    result = run(root, "plan", "--no-cache", "--list", "--format", "json")
    assert result.exit_code == 2
    assert "--list prints `showmigrations --plan` text" in result.stderr


def test_the_configured_database_is_the_one_judged(tmp_path: Path) -> None:
    root = project(tmp_path, step(ADD_SUBTITLE), config="database-version = 13\n")
    document = plan_json(root)
    assert (document["database"], document["database_version"]) == ("postgresql", 13)
    markdown = run(root, "plan", "--no-cache", "--format", "markdown").stdout
    assert "judged for PostgreSQL 13" in markdown.splitlines()[2]


# -- PostgreSQL facts, as the effect providers report them ---------------------------------------


@pytest.mark.parametrize(
    ("operation", "lock", "rewrites", "scans"),
    [
        (f"migrations.AddIndex('book', {TITLE_INDEX})", "SHARE", False, True),
        (ADD_SUBTITLE.rstrip(",\n"), "ACCESS EXCLUSIVE", False, False),
        (
            "migrations.AlterField('book', 'pages', models.BigIntegerField(default=0))",
            "ACCESS EXCLUSIVE",
            True,
            False,
        ),
        ("migrations.RemoveField('book', 'isbn')", "ACCESS EXCLUSIVE", False, False),
    ],
    ids=["add-index", "add-nullable-field", "integer-to-bigint", "remove-field"],
)
def test_postgresql_facts_of_operations_on_a_deployed_table(
    tmp_path: Path, operation: str, lock: str, rewrites: bool, scans: bool
) -> None:
    root = project(tmp_path, step(f"{operation},\n"))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    (op,) = operations_of(document)
    assert (op["lock"], op["rewrites"], op["scans"]) == (lock, rewrites, scans)
    assert "shop_book" in {effect["table"] for effect in op["effects"]}


def test_a_concurrent_index_takes_share_update_exclusive(tmp_path: Path) -> None:
    header = "from django.contrib.postgres.operations import AddIndexConcurrently\n"
    operation = f"AddIndexConcurrently('book', {TITLE_INDEX}),\n"
    root = project(tmp_path, step(operation, "atomic = False\n", header))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    (op,) = operations_of(document)
    assert (op["lock"], op["scans"], op["atomic"]) == ("SHARE UPDATE EXCLUSIVE", True, False)


def test_creating_a_table_locks_no_deployed_table(tmp_path: Path) -> None:
    operation = (
        "migrations.CreateModel('Shelf', [('id', models.BigAutoField(primary_key=True))]),\n"
    )
    root = project(tmp_path, step(operation))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    (op,) = operations_of(document)
    assert "shop_shelf" in {effect["table"] for effect in op["effects"]}
    assert all(effect["lock"] == "none" for effect in op["effects"] if effect["table"] in DEPLOYED)


def test_operations_on_a_table_created_earlier_in_the_plan_are_not_flagged(
    tmp_path: Path,
) -> None:
    operations = (
        "migrations.CreateModel('Shelf', [('id', models.BigAutoField(primary_key=True)),"
        " ('label', models.TextField())]),\n"
        "migrations.AddIndex('shelf', models.Index(fields=['label'], name='shelf_label_idx')),\n"
    )
    root = project(tmp_path, step(operations))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    _, index = operations_of(document)
    assert index["effects"], "the index is still described"
    assert migration_named(document, "0002_step")["flagged"] == []


def test_dropping_a_column_is_inferred_post_deploy(tmp_path: Path) -> None:
    root = project(tmp_path, step("migrations.RemoveField('book', 'isbn'),\n"))
    document = plan_json(root, "--applied", applied(root, "shop.0001_initial"))
    second = migration_named(document, "0002_step")
    assert (second["stage"], second["stage_source"]) == ("post-deploy", "inferred")


@pytest.mark.parametrize(
    ("operation", "lock"),
    [
        (ADD_SUBTITLE, "ACCESS EXCLUSIVE"),  # DROP COLUMN
        (f"migrations.AddIndex('book', {TITLE_INDEX}),\n", "ACCESS EXCLUSIVE"),  # DROP INDEX
    ],
    ids=["drop-column", "drop-index"],
)
def test_postgresql_facts_of_rollbacks(tmp_path: Path, operation: str, lock: str) -> None:
    root = project(tmp_path, step(operation))
    everything = applied(root, "shop.0001_initial", "shop.0002_step")
    document = plan_json(root, "--applied", everything, "--target", "shop.0001")
    (op,) = operations_of(document)
    assert op["lock"] == lock
    assert "shop_book" in {effect["table"] for effect in op["effects"]}
