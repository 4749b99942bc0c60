"""Differential tests of ``plan`` against a partly migrated database, real Django as oracle.

For each case, real Django runs ``migrate`` step by step on a SQLite file (one interpreter
per case); after each step the file is copied and Django's ``migrate --plan [app [name]]``
for several targets, ``showmigrations --plan`` and ``showmigrations --list`` are recorded.
Our ``plan`` then reads the same copy (``--database sqlite:///...``) or Django's own
``showmigrations`` output (``--applied FILE``), and must print the same text, or exit 1 with
the same error text where Django raises (``CommandError``, ``InconsistentMigrationHistory``).

``--from-ref`` is checked on a git repository: everything committed is migrated for real,
then a new migration is added, and "what would deploying run" must be Django's plan.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migration_lint.applied import AppliedSourceError, parse_applied_text
from tests.oracle import OracleProject, django_version, run_django, run_django_script
from tests.projects import run, write_tree
from tests.scenarios import BY_NAME, Scenario, ScenarioApp

#: One step towards a database state: ``("migrate", *args)`` or ``("sql", statement)``.
Step = tuple[str, ...]
#: The arguments of ``migrate --plan``: ``()``, ``(app,)`` or ``(app, name_or_prefix)``.
MigrateArgs = tuple[str, ...]

_MARK = "@@PLAN-ORACLE@@"

_ORACLE_SCRIPT = """
import io
import json
import shutil

from django.core.management import call_command
from django.db import connection, connections

SPEC = json.loads(SPEC_JSON)


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err, no_color=True)
    except BaseException as exc:
        return {"stdout": out.getvalue(), "error": "%s: %s" % (type(exc).__name__, exc)}
    return {"stdout": out.getvalue(), "error": None}


def snapshot(index):
SNAPSHOT


states = []
for index, steps in enumerate(SPEC["states"]):
    for kind, *args in steps:
        if kind == "migrate":
            call_command("migrate", *args, verbosity=0)
        else:
            with connection.cursor() as cursor:
                cursor.execute(args[0])
    connection.ensure_connection()  # an empty state still gets its database
    connections.close_all()  # nothing may hold the database while it is copied
    snapshot(index)
    states.append({
        "plans": [command("migrate", *target, "--plan") for target in SPEC["targets"]],
        "showmigrations_plan": command("showmigrations", "--plan"),
        "showmigrations_list": command("showmigrations", "--list"),
    })
print(MARK + json.dumps(states))
"""

#: The body of ``snapshot(index)`` for SQLite: a copy of the database file.
SQLITE_SNAPSHOT = 'shutil.copy("db.sqlite3", "state%d.sqlite3" % index)'


def run_states(
    project: OracleProject,
    workdir: Path,
    states: Sequence[Sequence[Step]],
    targets: Sequence[MigrateArgs],
    snapshot: str = SQLITE_SNAPSHOT,
    **spec: object,
) -> list[dict[str, Any]]:
    """Run real Django through ``states`` (each a list of steps, applied in turn to one
    database), calling ``snapshot`` (Python source, with ``index`` and ``SPEC`` in scope)
    after each; the result holds, per state, ``plans`` (one per target),
    ``showmigrations_plan`` and ``showmigrations_list``, each ``{"stdout", "error"}``."""
    document = json.dumps({"states": states, "targets": targets, **spec})
    script = (
        _ORACLE_SCRIPT.replace("SPEC_JSON", repr(document))
        .replace("MARK", repr(_MARK))
        .replace("SNAPSHOT", textwrap.indent(snapshot, "    "))
    )
    result = run_django_script(project, workdir, script)
    for line in result.stdout.splitlines():
        if line.startswith(_MARK):
            report: list[dict[str, Any]] = json.loads(line[len(_MARK) :])
            return report
    raise AssertionError(f"no oracle output:\n{result.stdout}\n{result.stderr}")


def django_states(
    scenario: Scenario,
    root: Path,
    workdir: Path,
    states: Sequence[Sequence[Step]],
    targets: Sequence[MigrateArgs],
) -> list[dict[str, Any]]:
    """:func:`run_states` on SQLite: ``workdir/state<i>.sqlite3`` is a copy of state ``i``."""
    return run_states(scenario.oracle_project(root), workdir, states, targets)


def target_options(args: MigrateArgs) -> list[str]:
    """``migrate`` arguments as ``plan`` options: ``app`` / ``app.name`` after --target."""
    return ["--target", ".".join(args)] if args else []


def compare(django: dict[str, Any], root: Path, *args: str) -> str | None:
    """Why ``plan ARGS`` differs from Django's command result, or ``None`` when it agrees:
    the same stdout with exit 0, or exit 1 and stderr starting with Django's error."""
    ours = run(root, "plan", "--no-cache", *args)
    if django["error"] is None:
        if ours.exit_code == 0 and ours.stdout == django["stdout"]:
            return None
    elif ours.exit_code == 1 and ours.stderr.startswith(django["error"]):
        return None
    return (
        f"plan {' '.join(args)}: exit {ours.exit_code}\n--- ours:\n{ours.stdout}{ours.stderr}"
        f"--- Django:\n{django['stdout']}{django['error'] or ''}"
    )


@dataclass(frozen=True)
class Case:
    """A scenario, the database states to reach in turn, and the targets to plan in each."""

    scenario: Scenario
    states: tuple[tuple[Step, ...], ...]
    targets: tuple[MigrateArgs, ...]

    @property
    def id(self) -> str:
        return self.scenario.name


#: Two apps with data operations (docstrings, a long SQL, irreversible steps) and a
#: dependency each way, written by the tests (no fixture copy of Django's has RunSQL).
TWO_APPS_FILES: dict[str, str] = {
    "shop/migrations/0001_initial.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [
                migrations.CreateModel(
                    name="Product",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=50)),
                    ],
                ),
            ]
        """,
    "shop/migrations/0002_fill.py": '''
        from django.db import migrations


        def forwards(apps, schema_editor):
            """Name every product."""


        def backwards(apps, schema_editor):
            """Forget the names again."""


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [
                migrations.RunPython(forwards, backwards),
                migrations.RunSQL(
                    "UPDATE shop_product SET name = name WHERE name IS NOT NULL",
                    reverse_sql="UPDATE shop_product SET name = name",
                ),
            ]
        ''',
    "billing/migrations/0001_initial.py": """
        import django.db.models.deletion
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = [("shop", "0002_fill")]
            operations = [
                migrations.CreateModel(
                    name="Invoice",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, to="shop.product"
                            ),
                        ),
                    ],
                ),
            ]
        """,
    "billing/migrations/0002_backfill.py": '''
        from django.db import migrations


        def backfill(apps, schema_editor):
            """Backfill invoices."""


        class Migration(migrations.Migration):
            dependencies = [("billing", "0001_initial")]
            operations = [
                migrations.RunPython(backfill),
                migrations.RunSQL(["SELECT 1", "SELECT 2"]),
            ]
        ''',
    "shop/migrations/0003_price.py": """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("shop", "0002_fill"), ("billing", "0001_initial")]
            operations = [
                migrations.AddField(
                    model_name="product", name="price", field=models.IntegerField(default=0)
                ),
            ]
        """,
}

TWO_APPS = Scenario("two_apps", (ScenarioApp("shop"), ScenarioApp("billing")))

EMPTY: tuple[Step, ...] = ()
ALL: tuple[Step, ...] = (("migrate",),)

CASES: list[Case] = [
    Case(
        BY_NAME["base"],
        (
            EMPTY,
            (("migrate", "migrations", "0001"),),
            ALL,
            # Applied child, unapplied parent: InconsistentMigrationHistory.
            (("sql", "DELETE FROM django_migrations WHERE name = '0001_initial'"),),
        ),
        (
            (),
            ("migrations",),
            ("migrations", "zero"),
            ("migrations", "0001"),
            ("migrations", "0002_second"),
            ("migrations", "0"),
            ("migrations", "9999"),
            ("nope",),
        ),
    ),
    Case(
        BY_NAME["squashed"],
        (EMPTY, (("migrate", "migrations", "0001_initial"),), ALL),
        (
            (),
            ("migrations", "zero"),
            ("migrations", "0001_initial"),
            ("migrations", "0001_squashed"),
            ("migrations", "0002"),
            ("migrations", "0001"),
        ),
    ),
    Case(
        BY_NAME["squashed_complex"],
        (
            EMPTY,
            (("migrate", "migrations", "3_auto"),),
            (("migrate", "migrations", "5_auto"),),
            ALL,
        ),
        (
            (),
            ("migrations", "zero"),
            ("migrations", "2_auto"),
            ("migrations", "4_auto"),
            ("migrations", "3_squashed"),
            ("migrations", "6"),
        ),
    ),
    Case(
        BY_NAME["squashed_complex_multi_apps"],
        (
            EMPTY,
            (("migrate", "app1", "1_auto"),),
            (("migrate", "app2", "1_squashed_2"),),
            ALL,
        ),
        (
            (),
            ("app1",),
            ("app1", "zero"),
            ("app2", "zero"),
            ("app1", "2_auto"),
            ("app1", "2_squashed"),
            ("app2", "1_auto"),
        ),
    ),
    Case(
        BY_NAME["squashed_double"],
        (
            EMPTY,
            (("migrate", "migrations", "0002_auto"),),
            (("migrate", "migrations", "0004"),),
        ),
        (
            (),
            ("migrations", "zero"),
            ("migrations", "0001"),
            ("migrations", "0003"),
            ("migrations", "0004"),
            ("migrations", "0005"),
        ),
    ),
    Case(
        BY_NAME["squashed_partially_applied"],
        (EMPTY, (("migrate", "migrations", "0002"),), ALL),
        ((), ("migrations", "0001"), ("migrations", "zero"), ("migrations", "0003")),
    ),
    Case(
        BY_NAME["run_before"],
        (EMPTY, (("migrate", "migrations", "0001"),), (("migrate", "migrations", "0003"),), ALL),
        ((), ("migrations", "0001"), ("migrations", "0002"), ("migrations", "zero")),
    ),
    Case(
        BY_NAME["alter_fk"],
        (EMPTY, (("migrate", "author_app", "0001"),), ALL),
        (
            (),
            ("author_app", "0001"),
            ("author_app", "zero"),
            ("book_app",),
            ("book_app", "zero"),
        ),
    ),
    Case(
        TWO_APPS,
        (
            EMPTY,
            (("migrate", "shop", "0002"),),
            (("migrate", "billing", "0001"),),
            ALL,
        ),
        (
            (),
            ("shop",),
            ("shop", "0001"),
            ("shop", "zero"),
            ("billing", "zero"),
            ("billing", "0001"),
            ("shop", "0003"),
        ),
    ),
]


def _case_param(case: Case) -> Any:
    version = django_version()
    return pytest.param(
        case,
        id=case.id,
        marks=pytest.mark.skipif(version < case.scenario.min_django, reason="needs a newer Django"),
    )


def write_two_apps(root: Path) -> Path:
    """The :data:`TWO_APPS` tree, configured for our tool like the oracle's settings."""
    write_tree(root, {path: textwrap.dedent(text) for path, text in TWO_APPS_FILES.items()})
    (root / "pyproject.toml").write_text(TWO_APPS.pyproject())
    return root


@dataclass
class Prepared:
    """A case's tree, Django's results per state, and where the state databases are."""

    case: Case
    root: Path
    workdir: Path
    django: list[dict[str, Any]]

    def database(self, index: int) -> str:
        return f"sqlite:///{self.workdir / f'state{index}.sqlite3'}"


_PREPARED: dict[str, Prepared] = {}


@pytest.fixture
def prepared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """Django's run of ``request.param`` (once per worker: one interpreter per case)."""
    case: Case = request.param
    if case.id not in _PREPARED:
        base = tmp_path_factory.mktemp(case.id)
        if case.scenario is TWO_APPS:
            root = write_two_apps(base / "project")
        else:
            root = case.scenario.copy_to(base / "project")
        workdir = base / "django"
        django = django_states(case.scenario, root, workdir, case.states, case.targets)
        _PREPARED[case.id] = Prepared(case, root, workdir, django)
    return _PREPARED[case.id]


CASE_PARAMS = [_case_param(case) for case in CASES]


@pytest.mark.parametrize("prepared", CASE_PARAMS, indirect=True)
def test_plan_with_database_matches_migrate_plan(prepared: Prepared) -> None:
    """``plan --database`` = ``migrate --plan`` for every state and target, errors included."""
    failures = [
        failure
        for index, state in enumerate(prepared.django)
        for target, django in zip(prepared.case.targets, state["plans"], strict=True)
        if (
            failure := compare(
                django,
                prepared.root,
                "--database",
                prepared.database(index),
                *target_options(target),
            )
        )
    ]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("prepared", CASE_PARAMS, indirect=True)
def test_plan_list_with_database_matches_showmigrations_plan(prepared: Prepared) -> None:
    """``plan --list --database`` marks the applied migrations as ``showmigrations --plan``."""
    failures = [
        failure
        for index, state in enumerate(prepared.django)
        if (
            failure := compare(
                state["showmigrations_plan"],
                prepared.root,
                "--list",
                "--database",
                prepared.database(index),
            )
        )
    ]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("source", ["showmigrations_plan", "showmigrations_list"])
@pytest.mark.parametrize("prepared", CASE_PARAMS, indirect=True)
def test_applied_file_from_showmigrations_plans_like_the_database(
    prepared: Prepared, source: str, tmp_path: Path
) -> None:
    """Django's own ``showmigrations`` output as ``--applied`` gives ``migrate --plan``'s
    text, as reading the database does (states whose history Django rejects are skipped:
    the printed set no longer says which rows were recorded)."""
    failures = []
    for index, state in enumerate(prepared.django):
        if any(plan["error"] and "Inconsistent" in plan["error"] for plan in state["plans"]):
            continue
        applied = tmp_path / f"{source}{index}.txt"
        applied.write_text(state[source]["stdout"])
        for target, django in zip(prepared.case.targets, state["plans"], strict=True):
            failure = compare(
                django, prepared.root, "--applied", str(applied), *target_options(target)
            )
            if failure:
                failures.append(failure)
    assert not failures, "\n\n".join(failures)


def test_json_applied_file_and_inconsistent_history(tmp_path: Path) -> None:
    """A JSON list is an applied set too; a child without its parent is Django's
    ``InconsistentMigrationHistory``, exit 1."""
    root = write_two_apps(tmp_path / "project")
    applied = tmp_path / "applied.json"
    applied.write_text(json.dumps(["shop.0001_initial", "shop.0002_fill"]))
    result = run(root, "plan", "--no-cache", "--applied", str(applied))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:2] == ["billing.0001_initial"]
    applied.write_text(json.dumps(["shop.0001_initial", "billing.0001_initial"]))
    result = run(root, "plan", "--no-cache", "--applied", str(applied))
    assert result.exit_code == 1
    assert result.stderr == (
        "InconsistentMigrationHistory: Migration billing.0001_initial is applied before its "
        "dependency shop.0002_fill on database 'default'.\n"
    )


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_from_ref_plans_what_deploying_the_work_tree_runs(tmp_path: Path) -> None:
    """Committed migrations count as applied: with them migrated for real, Django's
    ``migrate --plan`` / ``showmigrations --plan`` after adding a migration equal ours."""
    root = write_two_apps(tmp_path / "project")
    added = root / "shop/migrations/0003_price.py"
    text = added.read_text()
    added.unlink()
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "deployed")
    workdir = tmp_path / "django"
    run_django(TWO_APPS.oracle_project(root), workdir, "migrate", "--verbosity", "0")
    added.write_text(text)
    # A migration added but not committed, and one committed later, are both unapplied.
    (root / "billing/migrations/0003_more.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("billing", "0002_backfill")]\n'
        "    operations = [migrations.RunSQL('SELECT 3', 'SELECT 4')]\n"
    )
    _git(root, "add", "billing")
    _git(root, "commit", "-q", "-m", "not deployed yet")
    targets: list[MigrateArgs] = [(), ("shop", "0002"), ("billing", "0003")]
    (state,) = django_states(TWO_APPS, root, workdir, [()], targets)
    assert "shop.0003_price" in state["plans"][0]["stdout"]
    failures = [
        failure
        for target, django in zip(targets, state["plans"], strict=True)
        if (failure := compare(django, root, "--from-ref", "HEAD~1", *target_options(target)))
    ]
    listed = compare(state["showmigrations_plan"], root, "--list", "--from-ref", "HEAD~1")
    assert not failures and not listed, "\n\n".join([*failures, listed or ""])


def test_from_ref_errors_are_usage_errors(tmp_path: Path) -> None:
    """Outside a git repository, or with an unknown ref, ``--from-ref`` exits 2 and says so."""
    root = write_two_apps(tmp_path / "project")
    outside = run(root, "plan", "--no-cache", "--from-ref", "HEAD")
    assert outside.exit_code == 2
    assert "git rev-parse failed" in outside.stderr
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "one")
    unknown = run(root, "plan", "--no-cache", "--from-ref", "no-such-ref")
    assert unknown.exit_code == 2
    assert "git rev-parse failed" in unknown.stderr
    assert run(root, "plan", "--no-cache", "--from-ref", "HEAD").stdout == (
        "Planned operations:\n  No planned migration operations.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--database", "mysql://localhost/db"], "unsupported database URL"),
        (["--database", "sqlite:///missing.sqlite3"], "no such database file: missing.sqlite3"),
        (["--database", "sqlite:///x", "--from-ref", "HEAD"], "cannot be combined"),
        (["--applied", "missing.txt"], "cannot read missing.txt"),
        (["--list", "--target", "shop.0001"], "--list takes app labels"),
    ],
)
def test_applied_source_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    """Sources that cannot be read are usage errors (exit 2), never an empty database."""
    root = write_two_apps(tmp_path / "project")
    result = run(root, "plan", "--no-cache", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_parse_applied_text_reads_every_showmigrations_shape() -> None:
    """``[X]`` lines count, ``[ ]`` and ``[-]`` do not; suffixes are dropped."""
    text = (
        "[X]  shop.0001_initial\n[ ]  shop.0002_fill ... (shop.0001_initial)\n"
        "billing\n [X] 0001_squashed_0002 (2 squashed migrations)\n"
        " [X] 0003_x (applied at 2024-01-01 10:00:00)\n [-] 0004_sq Run 'manage.py migrate'\n"
        " [ ] 0005_y\nempty\n (no migrations)\n"
    )
    assert parse_applied_text(text) == [
        ("shop", "0001_initial"),
        ("billing", "0001_squashed_0002"),
        ("billing", "0003_x"),
    ]
    assert parse_applied_text('["a.0001"]') == [("a", "0001")]
    with pytest.raises(AppliedSourceError):
        parse_applied_text("Planned operations:\n")
    with pytest.raises(AppliedSourceError):
        parse_applied_text('["no_dot"]')
