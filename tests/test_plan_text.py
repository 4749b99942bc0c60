"""``format_migrate_plan`` against real ``manage.py migrate --plan`` on a small project.

The project has two apps whose migrations use RunPython (with and without docstrings and
reverse code) and RunSQL (strings, lists, no reverse), so that forwards and backwards plans
exercise every branch of ``describe_operation``. Plans on our side come from the static
pipeline: parsed files, :func:`migration_lint.loader.build_graph` and
:func:`migration_lint.plan.migration_plan`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from migration_lint.loader import build_graph
from migration_lint.model import MigrationFile, OperationCall, ParseProblem, Span
from migration_lint.plan import migrate_targets, migration_plan, resolve_target
from migration_lint.plan_text import PlanText, format_migrate_plan, render_migrate_plan
from migration_lint.settings_facts import SettingsFacts
from tests.oracle import App, OracleProject, run_django

_HEADER = "from django.db import migrations, models\n\n\n"

FILES: dict[str, str] = {
    "library/migrations/0001_initial.py": _HEADER
    + textwrap.dedent(
        '''
        def load_authors(apps, schema_editor):
            """Load the first authors from the fixture file shipped with the app."""


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.CreateModel(
                    name="Author",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("name", models.CharField(max_length=50)),
                    ],
                ),
                migrations.RunPython(load_authors, migrations.RunPython.noop),
            ]
        '''
    ),
    "library/migrations/0002_book.py": _HEADER
    + textwrap.dedent(
        """
        class Migration(migrations.Migration):
            dependencies = [("library", "0001_initial")]
            operations = [
                migrations.CreateModel(
                    name="Book",
                    fields=[("id", models.AutoField(primary_key=True))],
                ),
                migrations.AddField(
                    "Book",
                    "author",
                    models.ForeignKey("library.Author", on_delete=models.CASCADE),
                ),
                migrations.RunSQL("SELECT 1;\\nSELECT 2;"),
                migrations.AddIndex("Book", models.Index(fields=["author"], name="book_author")),
            ]
        """
    ),
    "shop/migrations/0001_initial.py": _HEADER
    + textwrap.dedent(
        '''
        def forwards(apps, schema_editor):
            """
            Create the default orders for every book in the library.
            """


        class Migration(migrations.Migration):
            initial = True
            dependencies = [("library", "0002_book")]
            operations = [
                migrations.CreateModel(
                    name="Order",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("book", models.ForeignKey("library.Book", on_delete=models.CASCADE)),
                    ],
                ),
                migrations.RunSQL(
                    ["SELECT 'a long statement that will be truncated'", "SELECT 2"],
                    reverse_sql=("SELECT 3",),
                ),
                migrations.RunPython(lambda apps, schema_editor: None),
                migrations.RunPython(forwards, forwards),
            ]
        '''
    ),
    "shop/migrations/0002_order_note.py": _HEADER
    + textwrap.dedent(
        """
        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [
                migrations.AddField("Order", "note", models.TextField(default="")),
                migrations.RunSQL(migrations.RunSQL.noop, migrations.RunSQL.noop),
            ]
        """
    ),
}

_APPS = ("library", "shop")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[OracleProject, Path]:
    """The project tree, and a work directory for Django's settings and database."""
    root = tmp_path_factory.mktemp("plan") / "project"
    for app in _APPS:
        (root / app / "migrations").mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
        (root / app / "migrations" / "__init__.py").write_text("")
    for relative, source in FILES.items():
        (root / relative).write_text(source)
    oracle = OracleProject(root=root, apps=[App(label, label) for label in _APPS], contrib=[])
    return oracle, root.parent / "work"


@pytest.fixture(scope="module")
def migrations(project: tuple[OracleProject, Path]) -> list[MigrationFile]:
    parsing = pytest.importorskip("migration_lint.parsing.migrations")
    root = project[0].root
    parsed = []
    for relative, source in FILES.items():  # apps in INSTALLED_APPS order, files sorted
        app_label, _, filename = relative.split("/")
        parsed.append(
            parsing.parse_migration(
                source.encode(),
                app_label=app_label,
                name=filename.removesuffix(".py"),
                path=str(root / relative),
            )
        )
    return parsed


def _our_plan(
    migrations: Sequence[MigrationFile], applied: bool, app: str | None, name: str | None
) -> str:
    keys = [migration.key for migration in migrations] if applied else []
    loaded = build_graph(
        migrations,
        settings=SettingsFacts(installed_apps=_APPS),
        migrated_apps=_APPS,
        applied=keys,
        strict_apps=True,
    )
    if app is not None and name is not None:
        targets = [resolve_target(loaded, app, name)]
    else:
        targets = migrate_targets(loaded, app)
    plan = migration_plan(loaded, targets)
    return format_migrate_plan([(loaded.disk_migrations[key], back) for key, back in plan])


def _django_plan(project: tuple[OracleProject, Path], *args: str) -> str:
    return run_django(*project, "migrate", *args, "--plan").stdout


def test_plans_match_django(
    project: tuple[OracleProject, Path], migrations: list[MigrationFile]
) -> None:
    # Fresh database: everything forwards, then a target inside an app.
    assert _our_plan(migrations, False, None, None) == _django_plan(project)
    assert _our_plan(migrations, False, "library", "0001") == _django_plan(
        project, "library", "0001"
    )
    run_django(*project, "migrate")
    # Everything applied: an empty plan, then backwards plans (IRREVERSIBLE, "Undo ").
    assert _our_plan(migrations, True, None, None) == _django_plan(project)
    assert _our_plan(migrations, True, "library", "zero") == _django_plan(
        project, "library", "zero"
    )
    assert _our_plan(migrations, True, "shop", "0001") == _django_plan(project, "shop", "0001")


def test_backwards_plan_text(migrations: list[MigrationFile]) -> None:
    text = _our_plan(migrations, True, "library", "zero")
    assert text == textwrap.dedent(
        """\
        Planned operations:
        shop.0002_order_note
            Undo Add field note to Order
            Raw SQL operation
        shop.0001_initial
            Undo Create model Order
            Raw SQL operation -> ('SELECT 3',)
            Raw Python operation -> IRREVERSIBLE
            Raw Python operation ->     Create the default orders for e…
        library.0002_book
            Undo Create model Book
            Undo Add field author to Book
            Raw SQL operation -> IRREVERSIBLE
            Undo Create index book_author on field(s) author of model Book
        library.0001_initial
            Undo Create model Author
            Raw Python operation
        """
    )


_SPAN = Span(1, 1, 1, 2)


def _migration(name: str, *operations: OperationCall) -> MigrationFile:
    return MigrationFile("app", name, f"app/migrations/{name}.py", operations=operations)


def test_empty_plan() -> None:
    assert format_migrate_plan([]) == "Planned operations:\n  No planned migration operations.\n"


def test_inexact_and_irreversible_lines_are_reported() -> None:
    unknown = OperationCall("thirdparty.ops.Magic", ("x",), (), _SPAN)
    irreversible = OperationCall("django.db.migrations.RunSQL", ("SELECT 1",), (), _SPAN)
    migration = _migration("0001_initial", unknown, irreversible)
    result = render_migrate_plan([(migration, True)])
    assert result == PlanText(
        "Planned operations:\n"
        "app.0001_initial\n"
        "    Undo Magic: (('x',), {})\n"
        "    Raw SQL operation -> IRREVERSIBLE\n",
        inexact=((migration, unknown),),
        irreversible=((migration, irreversible),),
    )


def test_migrations_with_parse_problems_are_reported() -> None:
    problem = ParseProblem("`operations` cannot be evaluated", _SPAN)
    unreadable = MigrationFile(
        "app", "0003_dynamic", "app/migrations/0003_dynamic.py", problems=(problem,)
    )
    result = render_migrate_plan([(unreadable, False)])
    assert result.text == "Planned operations:\napp.0003_dynamic\n"
    assert result.incomplete == (unreadable,)


def test_a_line_ending_in_a_newline_gets_no_second_one() -> None:
    # OutputWrapper.write only appends "\n" when the message does not end with it.
    op = OperationCall("django.db.migrations.DeleteModel", ("Odd\n",), (), _SPAN)
    text = format_migrate_plan([(_migration("0002_odd", op), False)])
    assert text == "Planned operations:\napp.0002_odd\n    Delete model Odd\n"
