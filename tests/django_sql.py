"""The SQL real Django runs for each operation of a migration, on a real PostgreSQL server.

This is the oracle of ``tests/test_effects_oracle.py``. Each *case* is the text of migration
``0002`` of the app ``shop`` whose ``0001_initial`` is ``tests/fixtures/labelled/0001_initial.py``
(as in the labelled corpus). One Django process handles every case:

1. ``migrate`` of Django's contrib apps on a fresh database ``oracle`` (no rows anywhere);
2. per case, a schema of its own first on the ``search_path``, in which Django applies
   ``0001`` (a schema is much cheaper than a database copy); then the case's file is imported
   by path (it is not in the migrations package, so every case can be called ``0002_case``)
   and its operations run one by one, *for real*, each in a schema editor of its own whose
   ``execute`` records every statement.

Why not ``sqlmigrate``: its ``collect_sql`` mode executes nothing, so operations that look at
the database (Django introspects constraint names before dropping or altering them) see the
state of ``0001`` instead of the one the earlier operations left, and its output is one stream
for the whole migration in which deferred statements (foreign keys, indexes of a new table)
come last, separated from the operation that produced them. A schema editor per operation
flushes the deferred statements at its exit, so they are recorded with their operation.

Next to the SQL, each operation reports which tables existed before the migration
(``deployed``: the tables of ``0001`` and of Django's contrib apps under the names they have
before and after this operation, found by their oid so that a renamed table stays deployed;
``renamed``: old name -> new name of those the operation renamed) and which table each index
belongs to (``DROP INDEX`` names no table), read from the catalog.

It also reports what PostgreSQL itself did to the deployed tables: the tables whose file
(``relfilenode``) changed, i.e. were rewritten, and, for an atomic migration (whose
operation runs in a transaction we keep open until we have looked), the table locks the
transaction holds (``pg_locks``) and the sequential scans it ran. The tables have no rows:
Django's SQL does not depend on them, and PostgreSQL still takes the same locks and starts
the same scans and rewrites.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tests.oracle import App, OracleProject, run_django_script
from tests.postgres_server import PostgresServer

LABELLED = Path(__file__).parent / "fixtures" / "labelled"
APP_LABEL = "shop"
DATABASE = "oracle"


@dataclass(frozen=True)
class Observed:
    """What PostgreSQL itself says an operation did to the deployed tables, read inside its
    transaction (so only for operations of an atomic migration): ``locks``, the lock modes
    it holds per table (``pg_locks``: ``AccessExclusiveLock``...), and ``scans``, the
    sequential scans it ran per table (``pg_stat_get_xact_numscans``).
    """

    locks: Mapping[str, tuple[str, ...]]
    scans: Mapping[str, int]


@dataclass(frozen=True)
class OperationSQL:
    """What Django did for one top-level operation of a case.

    ``statements``: the SQL run, in order (deferred statements included); ``error``: the
    exception the operation raised (``"ClassName: message"``), after which nothing more of
    the case runs; ``runs``: ``sql``, ``python`` (``RunPython``: code, not DDL) or
    ``unknown`` (an operation of a package not installed here, which the import stubs of
    ``tests/oracle_stubs.py`` replaced: it is not run, and nothing more of the case either).
    """

    index: int
    description: str
    statements: tuple[str, ...]
    error: str | None
    runs: Literal["sql", "python", "unknown"]
    deployed: frozenset[str]
    renamed: Mapping[str, str]
    index_tables: Mapping[str, str]
    rewritten: frozenset[str]
    observed: Observed | None


_SCRIPT = """
import importlib.util
import json

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation

SPEC = json.loads(open("spec.json").read())
VISIBLE = "relnamespace::regnamespace::text = ANY(current_schemas(false))"
TABLES = "SELECT oid, relname FROM pg_class WHERE relkind IN ('r', 'p') AND " + VISIBLE
INDEXES = (
    "SELECT ic.relname, t.relname FROM pg_index i "
    "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
    "WHERE t." + VISIBLE
)
FILES = "SELECT oid, relfilenode FROM pg_class WHERE oid = ANY(%s::oid[])"
LOCKS = (
    "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() "
    "AND locktype = 'relation' AND relation = ANY(%s::oid[])"
)
SCANS = "SELECT o, pg_stat_get_xact_numscans(o) FROM unnest(%s::oid[]) AS o"


def rows(query, *params):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def recorded(editor, statements):
    # The PostgreSQL editor composes parameters client-side before running a statement;
    # record the statement as the server receives it.
    execute = editor.execute

    def execute_and_record(sql, params=()):
        text = str(sql)
        if params is not None:
            text = connection.ops.compose_sql(text, params)
        statements.append(text)
        return execute(sql, params)

    editor.execute = execute_and_record


def observed(oids, names, scans_before):
    # Inside the operation's transaction, after all its statements: PostgreSQL holds every
    # table lock until the end of the transaction. Its scan counters are the backend's
    # pending ones (several transactions' worth, until the next flush, which never happens
    # inside a transaction): the difference is this operation's.
    locks = {}
    for oid, mode in rows(LOCKS, oids):
        locks.setdefault(names[oid], []).append(mode)
    scans = {
        names[oid]: count - scans_before[oid]
        for oid, count in rows(SCANS, oids)
        if count > scans_before[oid]
    }
    return {"locks": locks, "scans": scans}


def run_operation(migration, operation, state, result, deployed_oids):
    # A one-operation copy of the migration: Migration.apply decides, as in a real migrate,
    # whether the operation needs a transaction of its own.
    single = type(migration)(migration.name, migration.app_label)
    single.operations = [operation]
    oids = sorted(deployed_oids)
    names = {oid: name for oid, name in rows(TABLES) if oid in deployed_oids}
    before = dict(names)
    files = dict(rows(FILES, oids))
    if migration.atomic:
        with transaction.atomic():
            scans_before = dict(rows(SCANS, oids))
            with connection.schema_editor(atomic=True) as editor:
                recorded(editor, result["statements"])
                state = single.apply(state, editor)
            names.update((oid, name) for oid, name in rows(TABLES) if oid in deployed_oids)
            result["observed"] = observed(oids, names, scans_before)
    else:
        with connection.schema_editor(atomic=False) as editor:
            recorded(editor, result["statements"])
            state = single.apply(state, editor)
        names.update((oid, name) for oid, name in rows(TABLES) if oid in deployed_oids)
    result["deployed"] = sorted(set(before.values()) | set(names.values()))
    result["renamed"] = {before[oid]: names[oid] for oid in before if names[oid] != before[oid]}
    result["rewritten"] = sorted(
        names[oid] for oid, node in rows(FILES, oids) if files.get(oid) != node
    )
    return state


def runs(operation):
    if not isinstance(operation, Operation):
        return "unknown"
    return "sql" if operation.reduces_to_sql else "python"


def load(name, path):
    module_spec = importlib.util.spec_from_file_location("oracle_case_" + name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.Migration("0002_case", SPEC["app"])


def run_case(migration, state, deployed_oids):
    results = []
    for index, operation in enumerate(migration.operations):
        result = {
            "index": index,
            "description": str(operation.describe()),
            "statements": [],
            "error": None,
            "runs": runs(operation),
            "index_tables": dict(rows(INDEXES)),
            "deployed": [],
            "renamed": {},
            "rewritten": [],
            "observed": None,
        }
        results.append(result)
        if result["runs"] == "unknown":
            break
        try:
            state = run_operation(migration, operation, state, result, deployed_oids)
        except Exception as exc:
            result["error"] = "%s: %s" % (type(exc).__name__, exc)
            break
    return results


def deploy_initial(schema):
    # The app's 0001 in a schema of its own, first on the search_path (Django's contrib
    # tables stay in public, behind it), as migrate would create it.
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "%s"' % schema)
        cursor.execute('SET search_path TO "%s", public' % schema)
    with connection.schema_editor() as editor:
        initial.apply(loader.project_state(initial_key, at_end=False), editor)
    return set(dict(rows(TABLES)))


# Contrib apps once, in public; the app itself per case.
call_command("migrate", verbosity=0)
call_command("migrate", SPEC["app"], "zero", verbosity=0)
loader = MigrationLoader(connection)
initial_key = (SPEC["app"], "0001_initial")
initial = loader.get_migration(*initial_key)
state = loader.project_state()
state.apps  # rendered once: every case's clone of the state then copies the rendered models
report = {"operations": {}, "unloadable": {}}
for number, (name, path) in enumerate(sorted(SPEC["cases"].items())):
    try:
        migration = load(name, path)
    except Exception as exc:
        report["unloadable"][name] = "%s: %s" % (type(exc).__name__, exc)
        continue
    deployed_oids = deploy_initial("case_%d" % number)
    report["operations"][name] = run_case(migration, state.clone(), deployed_oids)
with open("report.json", "w") as output:
    json.dump(report, output)
"""


def write_app(root: Path) -> Path:
    """The app ``shop`` with only ``0001_initial`` in its migrations package."""
    migrations = root / APP_LABEL / "migrations"
    migrations.mkdir(parents=True)
    for package in (root / APP_LABEL, migrations):
        (package / "__init__.py").touch()
    shutil.copy(LABELLED / "0001_initial.py", migrations / "0001_initial.py")
    return root


def _observed(data: dict[str, Any] | None) -> Observed | None:
    if data is None:
        return None
    return Observed(
        locks={table: tuple(modes) for table, modes in data["locks"].items()},
        scans=dict(data["scans"]),
    )


@dataclass(frozen=True)
class DjangoRun:
    """Django's run of every case: the operations of each, and the cases whose module
    could not even be imported (case -> the exception)."""

    operations: Mapping[str, list[OperationSQL]]
    unloadable: Mapping[str, str]


def django_sql(server: PostgresServer, workdir: Path, cases: Mapping[str, str]) -> DjangoRun:
    """Django's SQL per operation of each case (case name -> its migration ``0002``'s text).

    Uses the database ``oracle`` of ``server``: call it once per server.
    """
    root = write_app(workdir / "project")
    case_dir = workdir / "cases"
    case_dir.mkdir()
    paths = {}
    for name, text in cases.items():
        path = case_dir / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    server.create_database(DATABASE)
    project = OracleProject(
        root,
        [App(APP_LABEL, APP_LABEL)],
        extra_settings={"DATABASES": {"default": server.django_settings(DATABASE)}},
        # Cases may import deploy-stage markers (django_safemigrate, syzygy) not installed here.
        stub_missing_imports=True,
    )
    django_dir = workdir / "django"
    django_dir.mkdir()
    spec = {"app": APP_LABEL, "admin_url": server.url("postgres"), "cases": paths}
    (django_dir / "spec.json").write_text(json.dumps(spec))
    run_django_script(project, django_dir, _SCRIPT)
    report: dict[str, Any] = json.loads((django_dir / "report.json").read_text())
    operations = {
        name: [
            OperationSQL(
                index=op["index"],
                description=op["description"],
                statements=tuple(op["statements"]),
                error=op["error"],
                runs=op["runs"],
                deployed=frozenset(op["deployed"]),
                renamed=op["renamed"],
                index_tables=op["index_tables"],
                rewritten=frozenset(op["rewritten"]),
                observed=_observed(op["observed"]),
            )
            for op in ops
        ]
        for name, ops in report["operations"].items()
    }
    return DjangoRun(operations, report["unloadable"])
