"""ML0xx: the migration graph and history (conflicts, missing parents, cycles, squashes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.graph import Key
from migration_lint.model import MigrationFile, Span
from migration_lint.rules.base import FILE_START, rule

if TYPE_CHECKING:
    from migration_lint.loader import GraphProblem
    from migration_lint.pipeline import Analysis

MERGE_HINT = (
    "add a merge migration with `python manage.py makemigrations --merge {app}`, or rebase "
    "one branch and renumber its migration so it depends on the other"
)


def _class_span(migration: MigrationFile | None) -> Span:
    if migration is not None and migration.class_span is not None:
        return migration.class_span
    return FILE_START


def _edge_span(migration: MigrationFile | None, target: Key) -> Span:
    """Where ``migration`` names ``target`` (a dependency, run_before or replaces entry)."""
    if migration is None:
        return FILE_START
    for entry in (*migration.dependencies, *migration.run_before, *migration.replaces):
        if (entry.app_label, entry.name) == target or (
            entry.swappable is not None and entry.name == target[1]
        ):
            return entry.span
    return _class_span(migration)


def _problem_issue(analysis: Analysis, problem: GraphProblem, hint: str) -> Issue:
    origin = problem.origin
    migration = analysis.by_key.get(origin) if origin else None
    if problem.span is not None:
        span = problem.span
    elif problem.related:
        span = _edge_span(migration, problem.related[0])
    else:
        span = _class_span(migration)
    return Issue(
        path=analysis.display_path(origin) if origin else "",
        span=span,
        message=problem.message,
        hint=hint,
        app=origin[0] if origin else None,
        migration=origin[1] if origin else None,
    )


def _problems(analysis: Analysis, *kinds: str) -> Iterator[GraphProblem]:
    return (problem for problem in analysis.loaded.problems if problem.kind in kinds)


@rule("ML001", "conflicting-leaves", Severity.ERROR, "An app has more than one leaf migration")
def conflicting_leaves(analysis: Analysis) -> Iterator[Issue]:
    """Finds apps whose migration graph has more than one leaf node.

    This is what Django's ``migrate`` and ``makemigrations`` refuse with "Conflicting
    migrations detected; multiple leaf nodes in the migration graph". It happens when two
    branches each added a migration on top of the same parent, e.g. ``0042_add_price`` and
    ``0042_add_stock`` both depending on ``0041_...``.

    ## Why it hurts
    Deploying the merged branch fails: ``migrate`` stops before doing anything, so the release
    that needs either migration cannot go out until someone adds a merge migration by hand.

    ## What to do instead
    Add a merge migration that depends on every leaf (it has no operations)::

        python manage.py makemigrations --merge shop

    or, when the branch is not merged yet, rebase it and renumber its migration so that it
    depends on the other one (``0043_add_stock`` depending on ``0042_add_price``).

    Apps with a migration whose dependencies could not be read (ML009) are not judged: that
    file could be what joins the branches.
    """
    unsure = {m.app_label for m in analysis.files if not m.complete}
    for app, names in sorted(analysis.loaded.detect_conflicts().items()):
        if app in unsure:
            continue  # a file whose dependencies we could not read (ML009) may be the cause
        last = (app, names[-1])
        folder = analysis.display_path(last).rpartition("/")[0]
        yield Issue(
            path=analysis.display_path(last),
            span=_class_span(analysis.by_key.get(last)),
            message=(
                f"Conflicting migrations in app '{app}': multiple leaf nodes in "
                f"{folder}/ ({', '.join(names)}); Django's migrate refuses to run until "
                "they are merged"
            ),
            hint=MERGE_HINT.format(app=app),
            app=app,
            migration=last[1],
        )


@rule(
    "ML002",
    "missing-dependency",
    Severity.ERROR,
    "A migration depends on a migration that does not exist",
)
def missing_dependency(analysis: Analysis) -> Iterator[Issue]:
    """Finds dependencies (and ``run_before`` entries) naming a migration that is not there.

    Django raises ``NodeNotFoundError`` ("Migration shop.0005_x dependencies reference
    nonexistent parent node ('shop', '0004_y')") when it loads such a graph, which breaks
    ``migrate``, ``makemigrations``, ``showmigrations`` and the test runner. Typical causes: a
    migration deleted or renamed after others started depending on it, a squash whose
    replaced migrations were deleted too early, or a dependency on an app that is not
    installed.

    ## Why it hurts
    Every management command that loads migrations fails, in every environment.

    ## What to do instead
    Point the dependency at a migration that exists (``showmigrations app`` lists them), or
    restore the deleted file. When the missing migration was squashed, keep the replaced
    files until every environment has applied the squash, and make dependents depend on the
    squash instead.
    """
    for problem in _problems(analysis, "missing-node", "unknown-app", "app-without-migrations"):
        yield _problem_issue(
            analysis,
            problem,
            "make the dependency name a migration that exists, or restore the missing file",
        )


@rule("ML003", "circular-dependency", Severity.ERROR, "Migrations depend on each other in a cycle")
def circular_dependency(analysis: Analysis) -> Iterator[Issue]:
    """Finds cycles in the migration graph (``A`` depends on ``B`` which depends on ``A``).

    Django raises ``CircularDependencyError`` while loading migrations. Cycles usually come
    from ``run_before`` entries or from two apps whose migrations each depend on the other's
    latest migration.

    ## Why it hurts
    No order of applying the migrations exists, so every command that loads the graph fails.

    ## What to do instead
    Break the cycle: split one migration in two so that the cross-app part comes later (this
    is what ``makemigrations`` does for foreign keys between apps), or drop a ``run_before``.
    """
    for problem in _problems(analysis, "cycle"):
        yield _problem_issue(
            analysis,
            problem,
            "remove one of the dependencies in the cycle, or split a migration so the "
            "cross-app part depends on the other app's later migration",
        )


@rule(
    "ML004",
    "inconsistent-squash",
    Severity.ERROR,
    "A squashed migration's replaced set cannot be used",
)
def inconsistent_squash(analysis: Analysis) -> Iterator[Issue]:
    """Finds squashed migrations whose ``replaces`` Django cannot honour.

    Examples: two squashes that replace each other (Django: "Cyclical squash replacement
    found"), or a migration depending on a replaced migration that was deleted while some of
    the replaced migrations are still needed, which Django reports as "Django tried to replace
    migration ... but wasn't able to because some of the replaced migrations are already
    applied".

    ## Why it hurts
    Loading the graph fails on the databases where the squash cannot be used, typically
    production, which is the one database you cannot recreate.

    ## What to do instead
    Keep the replaced migrations on disk until every database has applied all of them, make
    new migrations depend on the squash, and never let squashes replace one another in a
    loop.
    """
    for problem in _problems(analysis, "squash"):
        yield _problem_issue(
            analysis,
            problem,
            "keep the replaced migrations until every database has applied them, and make "
            "dependents depend on the squash",
        )


_NUMBER = re.compile(r"^\d+")


def _number(name: str) -> int | None:
    match = _NUMBER.match(name)
    return int(match.group()) if match else None


@rule(
    "ML005",
    "duplicate-number",
    Severity.WARNING,
    "Two migrations of an app share a number but are not parallel branches of a merge",
    scope="file",
)
def duplicate_number(analysis: Analysis) -> Iterator[Issue]:
    """Finds two migrations of one app with the same number where one depends on the other.

    After a rebase, a branch's ``0042_add_stock`` often keeps its number while being made to
    depend on ``0042_add_price``. Parallel branches that share a number and are joined by a
    merge migration are how Django resolves conflicts, and are not reported; parallel leaves
    are ML001.

    ## Why it hurts
    ``migrate shop 0042`` is now ambiguous ("More than one migration matches"), and readers of
    the history assume the two are independent when they are not.

    ## What to do instead
    Renumber the later migration (``0043_add_stock``) and update migrations that depend on it.
    """
    graph = analysis.loaded.graph
    by_app: dict[str, dict[int, list[Key]]] = {}
    for key in graph.nodes:
        number = _number(key[1])
        if number is not None and key[0] not in analysis.external_apps:
            by_app.setdefault(key[0], {}).setdefault(number, []).append(key)
    for app, numbered in sorted(by_app.items()):
        for number, keys in sorted(numbered.items()):
            if len(keys) < 2:
                continue
            keys.sort()
            for later in keys:
                ancestors = set(graph.forwards_plan(later))
                earlier = [key for key in keys if key != later and key in ancestors]
                if earlier:
                    yield Issue(
                        path=analysis.display_path(later),
                        span=_edge_span(analysis.by_key.get(later), earlier[0]),
                        message=(
                            f"Migration {app}.{later[1]} has number {number:04d} like "
                            f"{', '.join(f'{app}.{k[1]}' for k in earlier)}, which it depends on"
                        ),
                        hint=f"renumber {later[1]} and the migrations that depend on it",
                        app=app,
                        migration=later[1],
                    )
