"""Differential tests of ``plan --database postgresql://...`` on a real PostgreSQL server.

The SQLite differential tests (``tests/test_plan_applied.py``) prove the planning; these
prove that reading ``django_migrations`` from PostgreSQL gives the same rows Django's
recorder sees there. Per case, real Django (``django.db.backends.postgresql``) migrates one
database forwards step by step; after each step the database is copied with ``CREATE
DATABASE ... TEMPLATE`` (the state our tool reads later) and Django's ``migrate --plan``
for several targets and ``showmigrations --plan`` are recorded. ``plan --database`` on the
copy must print the same text, or exit 1 with Django's error.

The server is a throwaway cluster (``tests/postgres_server.py``); without PostgreSQL
binaries these tests skip, unless ``MIGRATION_LINT_REQUIRE_POSTGRES=1`` (CI) makes them fail.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests.postgres_server import PostgresServer, free_port, start_server
from tests.projects import run
from tests.test_plan_applied import (
    CASES as SQLITE_CASES,
)
from tests.test_plan_applied import (
    TWO_APPS,
    Case,
    MigrateArgs,
    compare,
    run_states,
    target_options,
    write_two_apps,
)

#: The body of the oracle's ``snapshot(index)``: a template copy of the database.
_POSTGRES_SNAPSHOT = """
import psycopg

with psycopg.connect(SPEC["admin_url"], autocommit=True) as admin:
    admin.execute('CREATE DATABASE "%s_state%d" TEMPLATE "%s"' % (SPEC["db"], index, SPEC["db"]))
"""


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway server per test session (per xdist worker)."""
    yield from start_server()


#: The SQLite differential cases whose states PostgreSQL replays too: a plain history with an
#: inconsistent state, squashes, and two apps with RunPython/RunSQL.
CASES: list[Case] = [
    case for case in SQLITE_CASES if case.scenario.name in {"base", "squashed_complex", "two_apps"}
]


@dataclass
class Prepared:
    """A case's tree, Django's results per state, and the databases holding the states."""

    case: Case
    root: Path
    server: PostgresServer
    database: str
    django: list[dict[str, Any]]

    def url(self, index: int) -> str:
        return self.server.url(f"{self.database}_state{index}")


def django_states(
    case: Case,
    root: Path,
    workdir: Path,
    server: PostgresServer,
    database: str,
    targets: Sequence[MigrateArgs],
) -> list[dict[str, Any]]:
    """Real Django on PostgreSQL through ``case.states``; ``<database>_state<i>`` holds a
    copy of state ``i``, and the result its ``plans`` and ``showmigrations_plan``."""
    server.create_database(database)
    project = case.scenario.oracle_project(root)
    project = replace(
        project,
        extra_settings={
            **project.extra_settings,
            "DATABASES": {"default": server.django_settings(database)},
        },
    )
    return run_states(
        project,
        workdir,
        case.states,
        targets,
        _POSTGRES_SNAPSHOT,
        db=database,
        admin_url=server.url("postgres"),
    )


_PREPARED: dict[str, Prepared] = {}


@pytest.fixture
def prepared(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresServer,
) -> Prepared:
    """Django's run of ``request.param`` on the server (once per worker)."""
    case: Case = request.param
    if case.id not in _PREPARED:
        base = tmp_path_factory.mktemp(case.id)
        if case.scenario is TWO_APPS:
            root = write_two_apps(base / "project")
        else:
            root = case.scenario.copy_to(base / "project")
        database = f"case_{case.id}"
        django = django_states(case, root, base / "django", postgres, database, case.targets)
        _PREPARED[case.id] = Prepared(case, root, postgres, database, django)
    return _PREPARED[case.id]


CASE_PARAMS = [pytest.param(case, id=case.id) for case in CASES]


@pytest.mark.parametrize("prepared", CASE_PARAMS, indirect=True)
def test_plan_with_postgres_matches_migrate_plan(prepared: Prepared) -> None:
    """``plan --database postgresql://`` = ``migrate --plan`` per state and target."""
    failures = [
        failure
        for index, state in enumerate(prepared.django)
        for target, django in zip(prepared.case.targets, state["plans"], strict=True)
        if (
            failure := compare(
                django, prepared.root, "--database", prepared.url(index), *target_options(target)
            )
        )
    ]
    assert not failures, "\n\n".join(failures)
    # The states differ, so a reader that returned nothing would have failed above.
    assert len({state["plans"][0]["stdout"] for state in prepared.django}) > 1


@pytest.mark.parametrize("prepared", CASE_PARAMS, indirect=True)
def test_plan_list_with_postgres_matches_showmigrations_plan(prepared: Prepared) -> None:
    """``plan --list --database postgresql://`` = ``showmigrations --plan`` per state."""
    failures = [
        failure
        for index, state in enumerate(prepared.django)
        if (
            failure := compare(
                state["showmigrations_plan"],
                prepared.root,
                "--list",
                "--database",
                prepared.url(index),
            )
        )
    ]
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("prepared", [CASE_PARAMS[-1]], indirect=True)
def test_socket_url_reads_the_same_rows(prepared: Prepared) -> None:
    """``postgres://user@/db?host=/socket/dir`` (libpq's unix-socket form) reads the same
    state as the TCP URL: the partly migrated state Django listed."""
    index = 2
    database = f"{prepared.database}_state{index}"
    django = prepared.django[index]["showmigrations_plan"]
    assert "[X]  billing.0001_initial" in django["stdout"]
    failure = compare(
        django, prepared.root, "--list", "--database", prepared.server.socket_url(database)
    )
    assert failure is None, failure


def test_database_without_django_migrations_has_nothing_applied(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """A database without ``django_migrations`` (but with other tables, and with the name
    taken in another schema off the ``search_path``) plans like an empty database."""
    root = write_two_apps(tmp_path / "project")
    url = postgres.create_database("no_recorder")
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE other (id int)")
        connection.execute("CREATE SCHEMA elsewhere")
        connection.execute("CREATE TABLE elsewhere.django_migrations (id int, app text, name text)")
        connection.execute(
            "INSERT INTO elsewhere.django_migrations VALUES (1, 'shop', '0001_initial')"
        )
    empty = run(root, "plan", "--no-cache", "--list")
    ours = run(root, "plan", "--no-cache", "--list", "--database", url)
    assert ours.exit_code == 0, ours.output
    assert ours.stdout == empty.stdout
    assert "[X]" not in ours.stdout
    # With the table on the search_path, the row counts.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ALTER DATABASE no_recorder SET search_path = elsewhere, public")
    applied = run(root, "plan", "--no-cache", "--list", "--database", url)
    assert "[X]  shop.0001_initial" in applied.stdout


def test_unknown_database_is_a_usage_error(postgres: PostgresServer, tmp_path: Path) -> None:
    """A database that does not exist is exit 2 naming it, never an empty database."""
    root = write_two_apps(tmp_path / "project")
    result = run(root, "plan", "--no-cache", "--database", postgres.url("no_such_db"))
    assert result.exit_code == 2
    assert f"cannot connect to {postgres.url('no_such_db')}" in result.stderr
    assert 'database "no_such_db" does not exist' in result.stderr


def test_connection_refused_is_a_usage_error_without_the_password(tmp_path: Path) -> None:
    """Nothing listening: exit 2, libpq's reason, and the password masked in the message."""
    pytest.importorskip("psycopg")
    root = write_two_apps(tmp_path / "project")
    url = f"postgresql://deploy:s3cret@127.0.0.1:{free_port()}/app"
    result = run(root, "plan", "--no-cache", "--database", url)
    assert result.exit_code == 2
    assert "cannot connect to postgresql://deploy:***@127.0.0.1:" in result.stderr
    assert "Connection refused" in result.stderr
    assert "s3cret" not in result.stderr


def test_missing_psycopg_names_the_postgres_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without psycopg, a PostgreSQL URL is exit 2 saying which extra to install."""
    root = write_two_apps(tmp_path / "project")
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` fail
    result = run(root, "plan", "--no-cache", "--database", "postgres://localhost/app")
    assert result.exit_code == 2
    assert "django-migration-lint[postgres]" in result.stderr


def test_unsupported_scheme_is_a_usage_error(tmp_path: Path) -> None:
    """Other database URLs are refused with the supported forms, password masked."""
    root = write_two_apps(tmp_path / "project")
    result = run(root, "plan", "--no-cache", "--database", "mysql://u:pw@localhost/app")
    assert result.exit_code == 2
    assert "unsupported database URL 'mysql://u:***@localhost/app'" in result.stderr
    assert "postgresql://" in result.stderr
