"""Migration histories built by hand for the graph, loader and plan tests.

The builders make ``MigrationFile`` objects with only graph attributes; the histories are
Django's own test fixtures (``tests/migrations/test_migrations*``) in that form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migration_lint.graph import Key
from migration_lint.model import Dependency, MigrationFile, Span

SPAN = Span(1, 1, 1, 1)


def key(ref: str) -> Key:
    """``"app.name"`` -> ``("app", "name")``."""
    app, name = ref.split(".", 1)
    return (app, name)


def dep(ref: str) -> Dependency:
    app, name = key(ref)
    return Dependency(app, name, SPAN)


def swappable(setting: str) -> Dependency:
    """``migrations.swappable_dependency(settings.<setting>)`` as the parser records it."""
    return Dependency("", "__first__", SPAN, swappable=setting)


def mig(
    ref: str,
    deps: Sequence[str | Dependency] = (),
    replaces: Sequence[str] = (),
    run_before: Sequence[str] = (),
    **extra: Any,
) -> MigrationFile:
    """A migration file ``ref`` (``"app.name"``) with the given graph attributes."""
    app, name = key(ref)
    return MigrationFile(
        app_label=app,
        name=name,
        path=f"{app}/migrations/{name}.py",
        dependencies=tuple(d if isinstance(d, Dependency) else dep(d) for d in deps),
        replaces=tuple(dep(r) for r in replaces),
        run_before=tuple(dep(r) for r in run_before),
        **extra,
    )


def chain(app: str, *names: str) -> list[MigrationFile]:
    """``app``'s migrations, each depending on the previous one."""
    result = []
    for index, name in enumerate(names):
        deps = [f"{app}.{names[index - 1]}"] if index else []
        result.append(mig(f"{app}.{name}", deps))
    return result


BASIC = chain("migrations", "0001_initial", "0002_second")

RUN_BEFORE = [
    mig("migrations.0001_initial"),
    mig("migrations.0002_second", ["migrations.0001_initial"]),
    mig(
        "migrations.0003_third",
        ["migrations.0001_initial"],
        run_before=["migrations.0002_second"],
    ),
]

FIRST = [
    mig("migrations.second", ["migrations.thefirst", "migrations2.0002_second"]),
    mig("migrations.thefirst"),
    mig("migrations2.0001_initial", ["migrations.__first__"]),
    mig("migrations2.0002_second", ["migrations2.0001_initial"]),
]

SQUASHED = [
    mig("migrations.0001_initial"),
    mig(
        "migrations.0001_squashed_0002",
        replaces=["migrations.0001_initial", "migrations.0002_second"],
    ),
    mig("migrations.0002_second", ["migrations.0001_initial"]),
]

SQUASHED_COMPLEX = [
    mig("migrations.1_auto"),
    mig("migrations.2_auto", ["migrations.1_auto"]),
    mig("migrations.3_auto", ["migrations.2_auto"]),
    mig(
        "migrations.3_squashed_5",
        ["migrations.2_auto"],
        replaces=["migrations.3_auto", "migrations.4_auto", "migrations.5_auto"],
    ),
    mig("migrations.4_auto", ["migrations.3_auto"]),
    mig("migrations.5_auto", ["migrations.4_auto"]),
    mig("migrations.6_auto", ["migrations.5_auto"]),
    mig("migrations.7_auto", ["migrations.6_auto"]),
]
