"""Where ``plan`` gets the set of applied migrations from, without Django.

``migrate --plan`` depends on what the database has recorded in ``django_migrations``. We
read the same facts from one of four sources:

* nothing: an empty database (the default);
* a file: the text ``showmigrations --plan`` or ``showmigrations --list`` printed (so a
  user can paste what production says), or a JSON list of ``"app.name"``;
* a git ref: the migrations that existed at that commit count as applied - the question
  "what will deploying this branch run?" when the ref is what is deployed now;
* a database URL: the ``django_migrations`` rows of a SQLite file or of a PostgreSQL
  database (through ``psycopg``, the optional ``[postgres]`` extra), read-only.

Every source yields *recorder rows* (:func:`migration_lint.loader.build_graph`'s
``applied``), in the order the database would hold them, because both the squash
adjustments and ``check_consistent_history`` are defined on the raw rows. The database rows
are taken as they are; the rows a file or a git ref imply are completed as ``migrate``
records them (applying a squash records every migration it replaces, recursively, and the
squash itself), since those sources only show the squash once it is in use.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from migration_lint.discovery import Project
from migration_lint.git import GitError, app_migrations_at, open_ref
from migration_lint.graph import Key
from migration_lint.loader import LoadedGraph, build_graph

__all__ = [
    "AppliedSourceError",
    "applied_from_database",
    "applied_from_git_ref",
    "applied_rows",
    "parse_applied_text",
    "read_applied_file",
    "with_applied",
    "with_replaced",
]


class AppliedSourceError(Exception):
    """The applied set could not be read (a usage problem: bad file, URL or git ref)."""


# --------------------------------------------------------------------------------------------
# Files: showmigrations output or JSON


def _split_key(text: str) -> Key:
    """``"app.name"`` -> ``("app", "name")``; app labels never contain a dot, names may not."""
    app, dot, name = text.partition(".")
    if not dot or not app or not name:
        raise AppliedSourceError(f"not a migration of the form app.name: {text!r}")
    return (app, name)


def _parse_json(text: str) -> list[Key]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AppliedSourceError(f"invalid JSON: {error}") from None
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise AppliedSourceError('the JSON must be a list of "app.name" strings')
    return [_split_key(item) for item in data]


def _strip_suffix(title: str) -> str:
    """The migration name of a ``--list`` title: drop ``(N squashed migrations)`` and the
    ``(applied at ...)`` of verbosity 2 (names never contain spaces)."""
    return title.split(" ", 1)[0]


def parse_applied_text(text: str) -> list[Key]:
    """The applied migrations a ``showmigrations --plan`` / ``--list`` text or JSON shows.

    ``--plan`` lines are ``[X]  app.name`` (optionally `` ... (deps)``); ``--list`` gives an
    app line, then `` [X] name`` lines. ``[-]`` (a squash whose replaced migrations are all
    applied but which is not recorded itself) is not a row; ``[ ]`` lines are unapplied.
    """
    stripped = text.strip()
    if stripped.startswith("[") and stripped[:3] not in ("[X]", "[ ]"):
        return _parse_json(stripped)
    rows: list[Key] = []
    app: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip() == "(no migrations)":
            continue
        if line.startswith("[X]  ") or line.startswith("[ ]  "):
            if line.startswith("[X]"):
                rows.append(_split_key(line[5:].split(" ", 1)[0]))
        elif line.startswith(" [X] ") or line.startswith(" [ ] ") or line.startswith(" [-] "):
            if app is None:
                raise AppliedSourceError(f"line {number}: a migration before any app line")
            if line.startswith(" [X] "):
                rows.append((app, _strip_suffix(line[5:])))
        elif not line.startswith(" ") and " " not in line.strip():
            app = line.strip()
        else:
            raise AppliedSourceError(
                f"line {number}: not showmigrations --plan/--list output: {line!r}"
            )
    return rows


def read_applied_file(path: Path) -> list[Key]:
    """:func:`parse_applied_text` of a file, with a clear error when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AppliedSourceError(f"cannot read {path}: {error}") from None
    try:
        return parse_applied_text(text)
    except AppliedSourceError as error:
        raise AppliedSourceError(f"{path}: {error}") from None


# --------------------------------------------------------------------------------------------
# A database: django_migrations


_POSTGRES_SCHEMES = ("postgres", "postgresql")


def _sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative/path`` or ``sqlite:////absolute/path``.

    The convention of dj-database-url (what most settings files parse ``DATABASE_URL``
    with): everything after ``sqlite:///`` is the path.
    """
    parts = urlsplit(url)
    if parts.netloc:
        raise AppliedSourceError(f"a SQLite URL has no host: use sqlite:///path, not {url!r}")
    path = unquote(parts.path[1:])
    if not path:
        raise AppliedSourceError(f"no file in database URL {url!r}")
    return Path(path)


def _redacted(url: str) -> str:
    """``url`` without its password, so that error messages (CI logs) never show it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def _sqlite_rows(url: str) -> list[Key]:
    """``django_migrations`` of a SQLite file, opened read-only through a URI so that a
    mistyped path is an error instead of a new empty database."""
    path = _sqlite_path(url)
    if not path.is_file():
        raise AppliedSourceError(f"no such database file: {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        raise AppliedSourceError(f"cannot open {path}: {error}") from None
    try:
        has_table = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
        if not has_table:
            return []
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return [(str(app), str(name)) for app, name in rows]
    except sqlite3.Error as error:
        raise AppliedSourceError(f"cannot read django_migrations from {path}: {error}") from None
    finally:
        connection.close()


def _postgres_rows(url: str) -> list[Key]:
    """``django_migrations`` of a PostgreSQL database, in a read-only transaction.

    The URL goes to libpq as it is, so everything libpq's URIs accept works: ``postgres://``
    and ``postgresql://``, ``user:password@host:port/name``, and query parameters such as
    ``?host=/socket/dir`` or ``?sslmode=require``. ``psycopg`` is imported only here: the
    linter itself needs no database driver. The table is looked up through the
    ``search_path``, as Django's introspection (``MigrationRecorder.has_table``) does.
    """
    try:
        import psycopg
    except ImportError:
        raise AppliedSourceError(
            "reading a PostgreSQL database needs psycopg: "
            "pip install 'django-migration-lint[postgres]'"
        ) from None
    shown = _redacted(url)
    try:
        connection = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as error:
        raise AppliedSourceError(f"cannot connect to {shown}: {error}") from None
    try:
        connection.read_only = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
            found = cursor.fetchone()
            if not found or not found[0]:
                return []
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            return [(str(app), str(name)) for app, name in cursor.fetchall()]
    except psycopg.Error as error:
        raise AppliedSourceError(f"cannot read django_migrations from {shown}: {error}") from None
    finally:
        connection.close()


def applied_from_database(url: str) -> list[Key]:
    """The ``(app, name)`` rows of ``django_migrations`` in id order, as the recorder reads
    them; a database without the table has nothing applied (``MigrationRecorder``).

    ``sqlite:///path`` reads a SQLite file, ``postgres(ql)://...`` a PostgreSQL server.
    """
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return _sqlite_rows(url)
    if scheme in _POSTGRES_SCHEMES:
        return _postgres_rows(url)
    raise AppliedSourceError(
        f"unsupported database URL {_redacted(url)!r}: "
        "use sqlite:///path or postgresql://user:password@host:port/name"
    )


# --------------------------------------------------------------------------------------------
# A git ref


def applied_from_git_ref(project: Project, loaded: LoadedGraph, ref: str) -> list[Key]:
    """Every migration whose file exists at ``ref``, in the current graph's plan order.

    Each migrated app's migrations directory (as discovered now) is listed at ``ref`` with
    ``git ls-tree``. Apps whose migrations live outside the repository (Django's contrib
    apps, installed packages) are not versioned with the project: their migrations all count
    as applied. Rows are ordered as the full plan orders them (files the ref has but the
    work tree has not go last), so ``check_consistent_history`` sees a plausible history.
    """
    try:
        ref_migrations = app_migrations_at(open_ref(project.config.root, ref), project.apps)
    except GitError as error:
        raise AppliedSourceError(str(error)) from None
    rows: list[Key] = []
    for app in project.apps:
        if app.label not in ref_migrations:
            continue
        names = ref_migrations[app.label]
        if names is None:
            rows.extend(key for key in loaded.disk_migrations if key[0] == app.label)
        else:
            rows.extend((app.label, name) for name in names)
    order = {key: index for index, key in enumerate(loaded.graph.leaf_nodes())}
    plan_order: dict[Key, int] = {}
    seen: set[Key] = set()
    for leaf in order:
        for key in loaded.graph.iterative_dfs(leaf, seen=seen):
            plan_order.setdefault(key, len(plan_order))
    return sorted(rows, key=lambda key: plan_order.get(key, len(plan_order)))


# --------------------------------------------------------------------------------------------
# Using the rows


def with_replaced(loaded: LoadedGraph, rows: Sequence[Key]) -> list[Key]:
    """``rows`` plus what ``migrate`` records along with each applied squash.

    Applying a squash records everything it replaces (recursively, Django 6.0+) and the
    squash. ``showmigrations --plan`` shows only the squash once it is in use, and a git ref
    only says the file existed, so without this the loader would see a recorded squash with
    unrecorded replaced migrations and treat it as unapplied.
    """
    result: dict[Key, None] = {}

    def add(key: Key, visiting: frozenset[Key]) -> None:
        migration = loaded.disk_migrations.get(key)
        if migration is not None and key not in visiting:
            for dependency in migration.replaces:
                add((dependency.app_label, dependency.name), visiting | {key})
        result[key] = None

    for row in rows:
        add(row, frozenset())
    return list(result)


def with_applied(loaded: LoadedGraph, rows: Sequence[Key]) -> LoadedGraph:
    """The graph ``loaded`` was built from, built again as Django's loader would build it
    with a connection whose ``django_migrations`` holds ``rows``."""
    if loaded.options is None:
        raise ValueError("this LoadedGraph was not made by build_graph()")
    options = {
        item.name: getattr(loaded.options, item.name)
        for item in fields(loaded.options)
        if item.name != "applied"
    }
    return build_graph(applied=tuple(rows), **options)


def applied_rows(
    project: Project,
    loaded: LoadedGraph,
    *,
    applied_file: Path | None = None,
    from_ref: str | None = None,
    database: str | None = None,
) -> list[Key] | None:
    """The recorder rows from the one source given, or ``None`` when none is (empty DB).

    Raises :class:`AppliedSourceError` when more than one source is given or the source
    cannot be read.
    """
    given = [
        name
        for name, value in (
            ("--applied", applied_file),
            ("--from-ref", from_ref),
            ("--database", database),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise AppliedSourceError(f"{' and '.join(given)} cannot be combined: give one source")
    if applied_file is not None:
        return with_replaced(loaded, read_applied_file(applied_file))
    if from_ref is not None:
        return with_replaced(loaded, applied_from_git_ref(project, loaded, from_ref))
    if database is not None:
        return applied_from_database(database)
    return None
