"""build_graph: Django's loader and executor scenarios, each also checked against real Django.

Every scenario is a list of hand-built :class:`MigrationFile` objects (see :func:`mig`). Where
it is cheap, the same migrations are fed to Django's real ``MigrationLoader`` (``load_disk``
replaced by our list, the recorder by our applied rows) and everything observable is
compared: nodes, edges, roots, leaves, plans, adjusted applied set, conflicts, executor plans
and ``showmigrations`` output - or, when Django raises, the text of the first problem.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError
from django.core.management.commands import showmigrations as showmigrations_command
from django.db.migrations import loader as django_loader_module
from django.db.migrations.exceptions import CircularDependencyError, NodeNotFoundError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration

from migration_lint.graph import Key
from migration_lint.loader import AmbiguityError, LoadedGraph, build_graph
from migration_lint.model import Dependency, MigrationFile
from migration_lint.plan import PlanError, migration_plan, showmigrations_list, showmigrations_plan
from migration_lint.settings_facts import SettingsFacts
from tests.histories import (
    BASIC,
    FIRST,
    RUN_BEFORE,
    SQUASHED,
    SQUASHED_COMPLEX,
    chain,
    key,
    mig,
    swappable,
)


def load(
    migrations: Sequence[MigrationFile],
    applied: Sequence[str | Key] = (),
    **options: Any,
) -> LoadedGraph:
    """build_graph in Django-compatible (strict) mode unless told otherwise."""
    options.setdefault("strict_apps", True)
    options.setdefault("settings", SettingsFacts())
    options.setdefault("migrated_apps", sorted({m.app_label for m in migrations}))
    return build_graph(
        migrations,
        applied=[key(a) if isinstance(a, str) else a for a in applied],
        **options,
    )


def keys(*refs: str) -> list[Key]:
    return [key(ref) for ref in refs]


# -- the Django oracle ----------------------------------------------------------------------


def to_django(migration: MigrationFile) -> Migration:
    def plain(deps: Sequence[Dependency]) -> list[tuple[str, str]]:
        return [(d.app_label, d.name) for d in deps]

    attributes = {
        "dependencies": plain(migration.dependencies),
        "replaces": plain(migration.replaces),
        "run_before": plain(migration.run_before),
    }
    cls = type("Migration", (Migration,), attributes)
    return cls(migration.name, migration.app_label)


@contextmanager
def recorder_rows(applied: Sequence[Key]) -> Iterator[None]:
    """Make Django's recorder report ``applied`` (in order), wherever it is used."""
    rows = {k: SimpleNamespace(app=k[0], name=k[1]) for k in applied}

    class FakeRecorder:
        def __init__(self, connection: object) -> None:
            pass

        def applied_migrations(self) -> dict[Key, SimpleNamespace]:
            return dict(rows)

    with (
        mock.patch.object(django_loader_module, "MigrationRecorder", FakeRecorder),
        mock.patch.object(showmigrations_command, "MigrationRecorder", FakeRecorder),
    ):
        yield


def django_loader(
    migrations: Sequence[MigrationFile],
    migrated: Sequence[str],
    unmigrated: Sequence[str] = (),
    replace_migrations: bool = True,
) -> MigrationLoader:
    """Django's loader on our files; must run inside :func:`recorder_rows`."""
    disk = {m.key: to_django(m) for m in migrations}
    loader = MigrationLoader(object(), load=False, replace_migrations=replace_migrations)

    def load_disk() -> None:
        loader.disk_migrations = dict(disk)
        loader.migrated_apps = set(migrated)
        loader.unmigrated_apps = set(unmigrated)

    loader.load_disk = load_disk
    loader.build_graph()
    return loader


def django_plan(
    migrations: Sequence[MigrationFile],
    migrated: Sequence[str],
    unmigrated: Sequence[str],
    targets: Sequence[tuple[str, str | None]],
    clean_start: bool = False,
) -> list[tuple[Key, bool]]:
    executor = MigrationExecutor.__new__(MigrationExecutor)
    executor.loader = django_loader(migrations, migrated, unmigrated)
    plan = executor.migration_plan(targets, clean_start=clean_start)
    return [((m.app_label, m.name), backwards) for m, backwards in plan]


def django_showmigrations(loader: MigrationLoader, fmt: str, verbosity: int = 1) -> str:
    command = showmigrations_command.Command(stdout=io.StringIO())
    command.verbosity = verbosity
    with mock.patch.object(showmigrations_command, "MigrationLoader", lambda *a, **k: loader):
        if fmt == "plan":
            command.show_plan(None)
        else:
            command.show_list(None)
    return str(command.stdout._out.getvalue())


def compare_with_django(
    migrations: Sequence[MigrationFile],
    applied: Sequence[Key] = (),
    unmigrated: Sequence[str] = (),
    extra_migrated: Sequence[str] = (),
    rng: random.Random | None = None,
) -> LoadedGraph:
    """Build with both loaders and assert they agree on everything observable."""
    migrated = sorted({m.app_label for m in migrations} | set(extra_migrated))
    ours = load(migrations, list(applied), migrated_apps=migrated, unmigrated_apps=unmigrated)
    with recorder_rows(applied):
        try:
            loader = django_loader(migrations, migrated, unmigrated)
        except CircularDependencyError as exc:
            assert ours.problems, f"Django raised {exc!r}"
            assert ours.problems[0].kind == "cycle", ours.problems
            django_cycle = {key(part) for part in str(exc).split(", ")}
            components = ours.graph._strongly_connected_components()
            assert any(django_cycle <= component for component in components)
            return ours
        except (NodeNotFoundError, CommandError, ValueError) as exc:
            assert ours.problems, f"Django raised {exc!r}"
            assert ours.problems[0].message == str(exc)
            return ours
        assert ours.problems == []
        graph, theirs = ours.graph, loader.graph
        assert list(graph.nodes) == list(theirs.nodes)
        for k in graph.nodes:
            assert graph.parents(k) == sorted(p.key for p in theirs.node_map[k].parents)
            assert graph.children(k) == sorted(c.key for c in theirs.node_map[k].children)
        assert graph.leaf_nodes() == theirs.leaf_nodes()
        assert graph.root_nodes() == theirs.root_nodes()
        for leaf in graph.leaf_nodes():
            assert graph.forwards_plan(leaf) == theirs.forwards_plan(leaf)
        for root in graph.root_nodes():
            assert graph.backwards_plan(root) == theirs.backwards_plan(root)
        disk = {m.key for m in migrations}
        assert list(ours.applied) == [k for k in loader.applied_migrations if k in disk]
        assert ours.detect_conflicts() == dict(sorted(loader.detect_conflicts().items()))
        assert list(ours.replacements) == list(loader.replacements)
        for verbosity in (1, 2):
            assert showmigrations_plan(ours, verbosity=verbosity) == django_showmigrations(
                loader, "plan", verbosity
            )
        assert showmigrations_list(ours) == django_showmigrations(loader, "list")

        target_sets: list[list[tuple[str, str | None]]] = [list(graph.leaf_nodes())]
        apps = sorted({m.app_label for m in migrations})
        target_sets += [[(app, None)] for app in apps]
        target_sets += [[m.key] for m in migrations]
        if rng is not None:
            target_sets = rng.sample(target_sets, min(len(target_sets), 6))
            target_sets.append([rng.choice(target_sets)[0], (rng.choice(apps), None)])
        for targets in target_sets:
            try:
                expected = django_plan(migrations, migrated, unmigrated, targets)
            except NodeNotFoundError as exc:  # the rebuild without replacements failed
                with pytest.raises(PlanError) as info:
                    migration_plan(ours, targets)
                assert str(info.value) == str(exc)
                continue
            except CircularDependencyError as exc:  # ... on a cycle the squash had hidden
                with pytest.raises(PlanError) as info:
                    migration_plan(ours, targets)
                ours_cycle = {key(part) for part in str(info.value).split(", ")}
                django_cycle = {key(part) for part in str(exc).split(", ")}
                rebuilt = ours.rebuild(replace_migrations=False).graph
                assert any(
                    ours_cycle | django_cycle <= component
                    for component in rebuilt._strongly_connected_components()
                )
                continue
            assert migration_plan(ours, targets) == expected, targets
        leaves = list(graph.leaf_nodes())
        assert migration_plan(ours, leaves, clean_start=True) == django_plan(
            migrations, migrated, unmigrated, leaves, clean_start=True
        )
    return ours


# -- fixtures (Django's tests/migrations/test_migrations_*) ---------------------------------

SQUASHED_ERRONEOUS = [m for m in SQUASHED_COMPLEX if m.name not in ("3_auto", "4_auto", "5_auto")]

MULTI_APPS = [
    mig("app1.1_auto"),
    mig("app1.2_auto", ["app1.1_auto"]),
    mig(
        "app1.2_squashed_3", ["app1.1_auto", "app2.2_auto"], replaces=["app1.2_auto", "app1.3_auto"]
    ),
    mig("app1.3_auto", ["app1.2_auto", "app2.2_auto"]),
    mig("app1.4_auto", ["app1.3_auto"]),
    mig("app2.1_auto", ["app1.1_auto"]),
    mig("app2.1_squashed_2", ["app1.1_auto"], replaces=["app2.1_auto", "app2.2_auto"]),
    mig("app2.2_auto", ["app2.1_auto"]),
]

SQUASHED_DOUBLE = [
    mig("migrations.0001_initial"),
    mig("migrations.0002_auto", ["migrations.0001_initial"]),
    mig(
        "migrations.0003_squashed_0001_and_0002",
        replaces=["migrations.0001_initial", "migrations.0002_auto"],
    ),
    mig("migrations.0004_auto", ["migrations.0002_auto"]),
    mig(
        "migrations.0005_squashed_0003_and_0004",
        replaces=["migrations.0003_squashed_0001_and_0002", "migrations.0004_auto"],
    ),
]

SQUASHED_LOOP = [
    mig("migrations.1_auto"),
    mig("migrations.2_auto", ["migrations.1_auto"], replaces=["migrations.2_squashed"]),
    mig("migrations.2_squashed", ["migrations.1_auto"], replaces=["migrations.2_auto"]),
]

REPLACED_ORDER = [
    mig("app1.0001_initial"),
    mig("app1.0001_squashed_initial", replaces=["app1.0001_initial"]),
    mig(
        "app1.0002_squashed_initial",
        ["app1.0001_squashed_initial", "app2.0001_squashed_initial"],
        replaces=["app1.0001_initial"],
    ),
    mig("app2.0001_initial", ["app1.0001_initial"]),
    mig("app2.0001_squashed_initial", replaces=["app2.0001_initial"]),
]


# -- plain loading --------------------------------------------------------------------------


def test_load() -> None:
    loaded = compare_with_django(BASIC)
    assert loaded.graph.forwards_plan(key("migrations.0002_second")) == keys(
        "migrations.0001_initial", "migrations.0002_second"
    )
    assert loaded.migrated_apps == {"migrations"}
    assert loaded.problems == []


def test_load_unmigrated_dependency() -> None:
    migrations = [
        mig("contenttypes.0001_initial"),
        mig("auth.0001_initial", ["contenttypes.__first__"]),
        mig("migrations.0001_initial", ["auth.__first__"]),
    ]
    loaded = compare_with_django(migrations)
    assert loaded.graph.forwards_plan(key("migrations.0001_initial")) == keys(
        "contenttypes.0001_initial", "auth.0001_initial", "migrations.0001_initial"
    )


def test_dependency_on_unmigrated_app_is_ignored() -> None:
    migrations = [mig("migrations.0001_initial", ["basic.__first__", "basic.__latest__"])]
    loaded = compare_with_django(migrations, unmigrated=["basic"])
    assert loaded.graph.parents(key("migrations.0001_initial")) == []
    assert loaded.unmigrated_apps == {"basic"}


def test_run_before() -> None:
    loaded = compare_with_django(RUN_BEFORE)
    assert loaded.graph.forwards_plan(key("migrations.0002_second")) == keys(
        "migrations.0001_initial", "migrations.0003_third", "migrations.0002_second"
    )


def test_first() -> None:
    loaded = compare_with_django(FIRST)
    assert loaded.graph.forwards_plan(key("migrations.second")) == keys(
        "migrations.thefirst",
        "migrations2.0001_initial",
        "migrations2.0002_second",
        "migrations.second",
    )


def test_latest_resolves_to_smallest_leaf() -> None:
    migrations = [
        *chain("a", "0001_initial", "0002_x"),
        mig("a.0002_y", ["a.0001_initial"]),
        mig("b.0001_initial", ["a.__latest__"]),
    ]
    loaded = compare_with_django(migrations)
    assert loaded.graph.parents(key("b.0001_initial")) == [key("a.0002_x")]
    assert loaded.detect_conflicts() == {"a": ["0002_x", "0002_y"]}


def test_same_app_first_is_dropped() -> None:
    """A same-app ``__first__`` dependency is silently dropped (#22325): another root."""
    migrations = [
        mig("a.0001_initial"),
        mig("a.0002_second", ["a.__first__"]),
    ]
    loaded = compare_with_django(migrations)
    assert loaded.graph.root_nodes("a") == keys("a.0001_initial", "a.0002_second")
    assert loaded.detect_conflicts() == {"a": ["0001_initial", "0002_second"]}
    assert loaded.problems == []


def test_same_app_latest_is_a_missing_node() -> None:
    migrations = [mig("a.0001_initial"), mig("a.0002_second", ["a.__latest__"])]
    loaded = compare_with_django(migrations)
    assert loaded.problems[0].kind == "missing-node"
    assert loaded.problems[0].message == (
        "Migration a.0002_second dependencies reference nonexistent parent node ('a', '__latest__')"
    )


def test_first_of_app_picks_a_replaced_node_consistently() -> None:
    """check_key runs before replacements; the squash then takes the edge over."""
    migrations = [*SQUASHED, mig("other.0001_initial", ["migrations.__first__"])]
    loaded = compare_with_django(migrations)
    assert loaded.graph.parents(key("other.0001_initial")) == [key("migrations.0001_squashed_0002")]


# -- missing nodes --------------------------------------------------------------------------


def test_dangling_dependency_is_reported_and_dropped() -> None:
    migrations = [
        *chain("app_a", "0001", "0002"),
        mig("app_a.0003", ["app_a.0002", "app_b.0009"]),
        mig("app_b.0001"),
        mig("app_c.0001", ["app_b.0009"]),
    ]
    loaded = compare_with_django(migrations)
    assert [(p.kind, p.origin, p.related) for p in loaded.problems] == [
        ("missing-node", key("app_a.0003"), (key("app_b.0009"),)),
        ("missing-node", key("app_c.0001"), (key("app_b.0009"),)),
    ]
    assert loaded.problems[0].message == (
        "Migration app_a.0003 dependencies reference nonexistent parent node ('app_b', '0009')"
    )
    assert loaded.problems[1].message.startswith("Migration app_c.0001 dependencies")
    # The graph is usable: no dummy node left, plans work.
    assert loaded.graph.dummy_nodes() == []
    assert key("app_b.0009") not in loaded.graph.node_map
    assert loaded.graph.forwards_plan(key("app_a.0003")) == keys(
        "app_a.0001", "app_a.0002", "app_a.0003"
    )


def test_dangling_run_before_names_the_child() -> None:
    migrations = [mig("a.0001", run_before=["b.0007"]), mig("b.0001")]
    loaded = compare_with_django(migrations)
    assert loaded.problems[0].message == (
        "Migration a.0001 dependencies reference nonexistent child node ('b', '0007')"
    )


def test_first_dummy_in_disk_order_is_reported_first() -> None:
    """Internal edges come first, so a same-app dangling node beats an earlier app's."""
    migrations = [mig("a.0001", ["b.0404"]), mig("b.0001"), mig("b.0002", ["b.0405"])]
    loaded = compare_with_django(migrations)
    assert [p.related for p in loaded.problems] == [(key("b.0405"),), (key("b.0404"),)]


def test_squash_of_deleted_migrations_satisfies_other_apps() -> None:
    """Replaced files are gone; dependencies on them resolve to the squash."""
    migrations = [
        mig("a.0001_squashed_0002", replaces=["a.0001_initial", "a.0002_second"]),
        mig("a.0003_third", ["a.0002_second"]),
        mig("b.0001_initial", ["a.0002_second"]),
        mig("c.0001_initial", ["a.0001_initial"]),
    ]
    loaded = compare_with_django(migrations)
    assert loaded.problems == []
    squash = key("a.0001_squashed_0002")
    assert loaded.graph.parents(key("b.0001_initial")) == [squash]
    assert loaded.graph.parents(key("c.0001_initial")) == [squash]
    assert loaded.graph.parents(key("a.0003_third")) == [squash]
    # Everything replaced recorded: the squash counts as applied but is not recorded.
    loaded = compare_with_django(migrations, applied=keys("a.0001_initial", "a.0002_second"))
    assert squash in loaded.applied and squash not in loaded.recorded


def test_squash_of_deleted_migrations_partially_applied() -> None:
    migrations = [
        mig("a.0001_squashed_0002", replaces=["a.0001_initial", "a.0002_second"]),
        mig("b.0001_initial", ["a.0002_second"]),
    ]
    loaded = compare_with_django(migrations, applied=keys("a.0001_initial"))
    assert loaded.problems[0].message == (
        "Migration b.0001_initial depends on nonexistent node ('a', '0002_second'). "
        "Django tried to replace migration a.0002_second with any of [a.0001_squashed_0002] "
        "but wasn't able to because some of the replaced migrations are already applied."
    )


# -- squashes -------------------------------------------------------------------------------


def test_loading_squashed() -> None:
    loaded = compare_with_django(SQUASHED)
    assert list(loaded.graph.nodes) == keys("migrations.0001_squashed_0002")
    loaded = compare_with_django(SQUASHED, applied=keys("migrations.0001_initial"))
    assert sorted(loaded.graph.nodes) == keys("migrations.0001_initial", "migrations.0002_second")
    loaded = compare_with_django(
        SQUASHED, applied=keys("migrations.0001_initial", "migrations.0002_second")
    )
    assert list(loaded.graph.nodes) == keys("migrations.0001_squashed_0002")
    assert key("migrations.0001_squashed_0002") in loaded.applied


def test_recorded_squash_with_unapplied_children_is_unapplied() -> None:
    loaded = compare_with_django(
        SQUASHED, applied=keys("migrations.0001_squashed_0002", "migrations.0001_initial")
    )
    assert key("migrations.0001_squashed_0002") not in loaded.applied
    assert key("migrations.0001_squashed_0002") in loaded.recorded


def unapplied_count(loaded: LoadedGraph, target: str) -> int:
    return len(set(loaded.graph.forwards_plan(key(target))) - set(loaded.applied))


def test_loading_squashed_complex() -> None:
    applied: list[Key] = []
    counts = []
    for step in ("1_auto", "2_auto", "3_auto", "4_auto", "5_auto", "6_auto", "7_auto", None):
        loaded = compare_with_django(SQUASHED_COMPLEX, applied=applied)
        counts.append(unapplied_count(loaded, "migrations.7_auto"))
        if step:
            applied.append(("migrations", step))
    assert counts == [5, 4, 3, 4, 3, 2, 1, 0]
    assert load(SQUASHED_COMPLEX).graph.forwards_plan(key("migrations.7_auto")) == keys(
        "migrations.1_auto",
        "migrations.2_auto",
        "migrations.3_squashed_5",
        "migrations.6_auto",
        "migrations.7_auto",
    )


def test_loading_squashed_complex_multi_apps() -> None:
    loaded = compare_with_django(MULTI_APPS)
    assert set(loaded.graph.forwards_plan(key("app1.4_auto"))) == set(
        keys("app1.1_auto", "app2.1_squashed_2", "app1.2_squashed_3", "app1.4_auto")
    )


def test_loading_squashed_complex_multi_apps_partially_applied() -> None:
    loaded = compare_with_django(MULTI_APPS, applied=keys("app1.1_auto", "app1.2_auto"))
    plan = set(loaded.graph.forwards_plan(key("app1.4_auto"))) - set(loaded.applied)
    assert plan == set(keys("app2.1_squashed_2", "app1.3_auto", "app1.4_auto"))


def test_loading_squashed_erroneous() -> None:
    message = (
        "Migration migrations.6_auto depends on nonexistent node ('migrations', '5_auto'). "
        "Django tried to replace migration migrations.5_auto with any of "
        "[migrations.3_squashed_5] but wasn't able to because some of the replaced "
        "migrations are already applied."
    )
    applied: list[Key] = []
    for step, expected in [
        ("1_auto", 5),
        ("2_auto", 4),
        ("3_auto", 3),
        ("4_auto", message),
        ("5_auto", message),
        ("6_auto", 2),
        ("7_auto", 1),
        (None, 0),
    ]:
        loaded = compare_with_django(SQUASHED_ERRONEOUS, applied=applied)
        if isinstance(expected, str):
            assert [(p.kind, p.message) for p in loaded.problems] == [("missing-node", expected)]
            assert loaded.problems[0].origin == key("migrations.6_auto")
        else:
            assert loaded.problems == []
            assert unapplied_count(loaded, "migrations.7_auto") == expected
        if step:
            applied.append(("migrations", step))


def test_squashed_double() -> None:
    """A squash of a squash (6.0+): nothing applied -> the outer squash alone."""
    loaded = compare_with_django(SQUASHED_DOUBLE)
    assert list(loaded.graph.nodes) == keys("migrations.0005_squashed_0003_and_0004")
    everything = keys("migrations.0001_initial", "migrations.0002_auto", "migrations.0004_auto")
    loaded = compare_with_django(SQUASHED_DOUBLE, applied=everything)
    assert set(loaded.applied) == {
        *everything,
        key("migrations.0003_squashed_0001_and_0002"),
        key("migrations.0005_squashed_0003_and_0004"),
    }
    loaded = compare_with_django(SQUASHED_DOUBLE, applied=keys("migrations.0001_initial"))
    assert loaded.graph.leaf_nodes() == keys("migrations.0004_auto")
    assert unapplied_count(loaded, "migrations.0004_auto") == 2


def test_squash_partially_applied_then_squashed_again() -> None:
    """Django's test_squash_partially_applied: the plan is only 0003, 0004."""
    migrations = [
        mig("migrations.0001_initial"),
        mig(
            "migrations.0001_squashed_0001_0003",
            replaces=["migrations.0001_initial", "migrations.0002_more", "migrations.0003_alter"],
        ),
        mig(
            "migrations.0001_squashed_0001_0004",
            replaces=["migrations.0001_squashed_0001_0003", "migrations.0004_remove"],
        ),
        mig("migrations.0002_more", ["migrations.0001_initial"]),
        mig("migrations.0003_alter", ["migrations.0002_more"]),
        mig("migrations.0004_remove", ["migrations.0001_squashed_0001_0003"]),
    ]
    loaded = compare_with_django(
        migrations, applied=keys("migrations.0001_initial", "migrations.0002_more")
    )
    plan = migration_plan(loaded, loaded.graph.leaf_nodes())
    assert plan == [(key("migrations.0003_alter"), False), (key("migrations.0004_remove"), False)]


def test_cyclical_squash_replacement() -> None:
    loaded = compare_with_django(SQUASHED_LOOP)
    problem = loaded.problems[0]
    assert problem.kind == "squash"
    assert problem.message == (
        "Cyclical squash replacement found, starting at ('migrations', '2_auto')"
    )
    assert set(problem.related) == set(keys("migrations.2_auto", "migrations.2_squashed"))
    # Both stay in the graph, unreplaced, and the graph is still usable.
    assert loaded.graph.leaf_nodes() == keys("migrations.2_auto", "migrations.2_squashed")
    assert len(loaded.problems) == 1


def test_cyclical_squash_does_not_hang_a_squash_of_it() -> None:
    migrations = [
        *SQUASHED_LOOP,
        mig("migrations.3_squashed", ["migrations.1_auto"], replaces=["migrations.2_auto"]),
    ]
    loaded = load(migrations)
    assert [p.kind for p in loaded.problems] == ["squash"]


def test_squashed_replaced_order() -> None:
    """Django 6.1: two squashes replace app1.0001; disk order must not create a cycle."""
    loaded = compare_with_django(REPLACED_ORDER)
    assert loaded.problems == []
    assert loaded.graph.forwards_plan(key("app1.0002_squashed_initial")) == keys(
        "app1.0001_squashed_initial", "app2.0001_squashed_initial", "app1.0002_squashed_initial"
    )


def test_squashed_replaced_order_reversed_is_a_cycle() -> None:
    """Swap which squash sorts first and Django (6.1) finds a cycle."""
    migrations = [
        mig("app1.0001_initial"),
        mig(
            "app1.0001_squashed_a",
            ["app1.0001_squashed_b", "app2.0001_squashed_initial"],
            replaces=["app1.0001_initial"],
        ),
        mig("app1.0001_squashed_b", replaces=["app1.0001_initial"]),
        mig("app2.0001_initial", ["app1.0001_initial"]),
        mig("app2.0001_squashed_initial", replaces=["app2.0001_initial"]),
    ]
    loaded = compare_with_django(migrations)
    assert [p.kind for p in loaded.problems] == ["cycle"]
    assert set(loaded.problems[0].related) == set(
        keys("app1.0001_squashed_a", "app2.0001_squashed_initial")
    )


# -- cycles, apps, settings -----------------------------------------------------------------


def test_cycles_are_all_reported_and_plans_terminate() -> None:
    migrations = [
        mig("a.0001", ["b.0002"]),
        mig("a.0002", ["a.0001"]),
        mig("b.0001", ["a.0002"]),
        mig("b.0002", ["b.0001"]),
        mig("c.0001", ["c.0002"]),
        mig("c.0002", ["c.0001"]),
    ]
    loaded = compare_with_django(migrations)
    cycles = [set(p.related) for p in loaded.problems if p.kind == "cycle"]
    assert cycles == [
        set(keys("a.0001", "a.0002", "b.0001", "b.0002")),
        set(keys("c.0001", "c.0002")),
    ]
    for problem in loaded.problems:
        assert problem.message == ", ".join(f"{a}.{n}" for a, n in problem.related)
    assert set(loaded.graph.forwards_plan(key("a.0002"))) == set(
        keys("a.0001", "a.0002", "b.0001", "b.0002")
    )


def test_self_dependency_is_a_cycle() -> None:
    loaded = compare_with_django([mig("a.0001", ["a.0001"])])
    assert [(p.kind, p.message) for p in loaded.problems] == [("cycle", "a.0001")]


def test_unknown_app_strict() -> None:
    migrations = [mig("a.0001", ["zz.__first__"])]
    loaded = compare_with_django(migrations)
    assert [(p.kind, p.message, p.origin) for p in loaded.problems] == [
        ("unknown-app", "Dependency on unknown app: zz", key("a.0001"))
    ]


def test_app_without_migrations() -> None:
    migrations = [mig("a.0001", ["empty.__latest__"])]
    loaded = compare_with_django(migrations, extra_migrated=["empty"])
    assert [(p.kind, p.message) for p in loaded.problems] == [
        ("app-without-migrations", "Dependency on app with no migrations: empty")
    ]
    quiet = load(migrations, migrated_apps=["a", "empty"], ignore_no_migrations=True)
    assert quiet.problems == []


def test_unknown_apps_are_external_by_default() -> None:
    migrations = [
        mig("a.0001", ["auth.0012_alter_user", "contenttypes.__first__"]),
        mig("a.0002", ["a.0001"], run_before=["oauth.0001_initial"]),
    ]
    loaded = load(migrations, strict_apps=False)
    assert loaded.problems == []
    assert loaded.graph.parents(key("a.0001")) == []
    assert loaded.graph.dummy_nodes() == []
    assert loaded.external_references == [
        (key("a.0001"), key("auth.0012_alter_user")),
        (key("a.0001"), key("contenttypes.__first__")),
        (key("a.0002"), key("oauth.0001_initial")),
    ]
    strict = load(migrations)
    assert [p.kind for p in strict.problems] == ["unknown-app", "missing-node", "missing-node"]


def test_external_apps_even_in_strict_mode() -> None:
    migrations = [mig("a.0001", ["auth.0012_alter_user", "contenttypes.__first__"])]
    loaded = load(migrations, external_apps=["auth", "contenttypes"])
    assert loaded.problems == []
    assert "auth" in loaded.installed_apps
    # An app we do see is never external, even if listed.
    seen = load([*migrations, mig("auth.0001_initial")], external_apps=["auth", "contenttypes"])
    assert [p.related for p in seen.problems] == [(key("auth.0012_alter_user"),)]


def test_unmigrated_app_named_migration_is_missing_even_when_lenient() -> None:
    migrations = [mig("a.0001", ["legacy.0001_initial"])]
    loaded = load(migrations, strict_apps=False, unmigrated_apps=["legacy"])
    assert [p.kind for p in loaded.problems] == ["missing-node"]


def test_swappable_dependency_uses_the_setting() -> None:
    migrations = [
        mig("accounts.0001_initial"),
        mig("accounts.0002_more", ["accounts.0001_initial"]),
        mig("shop.0001_initial", [swappable("AUTH_USER_MODEL")]),
        mig("accounts.0003_self", [swappable("AUTH_USER_MODEL"), "accounts.0002_more"]),
    ]
    settings = SettingsFacts(auth_user_model="accounts.User")
    loaded = load(migrations, settings=settings)
    assert loaded.problems == []
    assert loaded.graph.parents(key("shop.0001_initial")) == [key("accounts.0001_initial")]
    # Same-app swappable dependency: ("accounts", "__first__") is dropped.
    assert loaded.graph.parents(key("accounts.0003_self")) == [key("accounts.0002_more")]
    # Default auth.User: a dependency on the (unseen) auth app.
    default = load(migrations, strict_apps=False)
    assert (key("shop.0001_initial"), ("auth", "__first__")) in default.external_references


def test_swappable_dependency_on_unknown_setting() -> None:
    migrations = [mig("a.0001", [swappable("WAGTAILIMAGES_IMAGE_MODEL")])]
    loaded = load(migrations)
    assert [(p.kind, p.origin) for p in loaded.problems] == [("unknown-setting", key("a.0001"))]
    assert "WAGTAILIMAGES_IMAGE_MODEL" in loaded.problems[0].message
    known = load(
        [*migrations, mig("wagtailimages.0001_initial")],
        settings=SettingsFacts(values={"WAGTAILIMAGES_IMAGE_MODEL": "wagtailimages.Image"}),
    )
    assert known.problems == []
    assert known.graph.parents(key("a.0001")) == [key("wagtailimages.0001_initial")]


def test_bad_and_incomplete_migrations_still_take_part() -> None:
    migrations = [
        mig("a.0001_initial"),
        mig("a.0002_broken", ["a.0001_initial"], has_migration_class=False),
        mig("a.0003_partial", ["a.0002_broken"], complete=False),
    ]
    loaded = load(migrations)
    assert [(p.kind, p.message) for p in loaded.problems] == [
        ("bad-migration", "Migration 0002_broken in app a has no Migration class")
    ]
    assert loaded.graph.leaf_nodes() == [key("a.0003_partial")]


def test_migrated_apps_include_apps_of_the_files() -> None:
    loaded = load(BASIC, migrated_apps=[], unmigrated_apps=["migrations", "other"])
    assert loaded.migrated_apps == {"migrations"}
    assert loaded.unmigrated_apps == {"other"}


def test_stale_recorded_rows() -> None:
    loaded = load(BASIC, applied=["migrations.0001_initial", "migrations.0099_gone"])
    assert list(loaded.applied) == keys("migrations.0001_initial")
    assert loaded.recorded == set(keys("migrations.0001_initial", "migrations.0099_gone"))
    assert loaded.recorded_order == tuple(keys("migrations.0001_initial", "migrations.0099_gone"))


# -- LoadedGraph helpers --------------------------------------------------------------------


def test_detect_conflicts() -> None:
    migrations = [
        *chain("b", "0001_initial", "0002_a"),
        mig("b.0002_b", ["b.0001_initial"]),
        *chain("a", "0001_initial", "0002_z"),
        mig("a.0002_c", ["a.0001_initial"]),
        *chain("c", "0001_initial"),
    ]
    conflicts = compare_with_django(migrations).detect_conflicts()
    assert list(conflicts.items()) == [("a", ["0002_c", "0002_z"]), ("b", ["0002_a", "0002_b"])]


def test_get_migration_by_prefix() -> None:
    migrations = [*BASIC, mig("migrations.a"), mig("migrations.ab")]
    loaded = load(migrations)
    assert loaded.get_migration_by_prefix("migrations", "0001").name == "0001_initial"
    with pytest.raises(AmbiguityError, match="more than one migration for 'migrations'"):
        loaded.get_migration_by_prefix("migrations", "0")
    with pytest.raises(AmbiguityError):
        loaded.get_migration_by_prefix("migrations", "a")
    with pytest.raises(KeyError, match="no migration for 'migrations' with the prefix 'blarg'"):
        loaded.get_migration_by_prefix("migrations", "blarg")
    # Replaced migrations count too.
    squashed = load(SQUASHED)
    assert squashed.get_migration_by_prefix("migrations", "0002").name == "0002_second"


def test_check_consistent_history() -> None:
    loaded = load(BASIC, applied=["migrations.0002_second"])
    assert [p.message for p in loaded.check_consistent_history()] == [
        "Migration migrations.0002_second is applied before its dependency "
        "migrations.0001_initial on database 'default'."
    ]
    assert load(BASIC).check_consistent_history() == []


def test_check_consistent_history_squashed() -> None:
    """test_migrations_squashed_extra: an unrecorded squash whose replaces are applied."""
    migrations = [
        mig("migrations.0001_initial"),
        mig(
            "migrations.0001_squashed_0002",
            replaces=["migrations.0001_initial", "migrations.0002_second"],
        ),
        mig("migrations.0002_second", ["migrations.0001_initial"]),
        mig("migrations.0003_third", ["migrations.0002_second"]),
    ]
    applied = ["migrations.0001_initial", "migrations.0002_second", "migrations.0003_third"]
    assert load(migrations, applied=applied).check_consistent_history() == []
    nested = [*SQUASHED_DOUBLE, mig("migrations.0006", ["migrations.0005_squashed_0003_and_0004"])]
    applied = [
        "migrations.0001_initial",
        "migrations.0002_auto",
        "migrations.0004_auto",
        "migrations.0006",
    ]
    assert load(nested, applied=applied).check_consistent_history() == []
    assert load(nested, applied=applied[1:]).check_consistent_history() != []


def test_rebuild_without_replacements() -> None:
    loaded = load(SQUASHED, applied=["migrations.0001_squashed_0002"])
    assert loaded.replace_migrations
    raw = loaded.rebuild(replace_migrations=False)
    assert not raw.replace_migrations
    assert sorted(raw.graph.nodes) == keys(
        "migrations.0001_initial", "migrations.0001_squashed_0002", "migrations.0002_second"
    )
    assert list(raw.applied) == keys("migrations.0001_squashed_0002")
    assert list(raw.replacements) == keys("migrations.0001_squashed_0002")


# -- differential on random histories -------------------------------------------------------


def random_history(
    rng: random.Random,
) -> tuple[list[MigrationFile], list[Key], list[str], list[str]]:
    """Random apps with branches, merges, cross-app deps, run_before, squashes, deleted files.

    Returns (migrations in disk order, applied rows, unmigrated apps, extra migrated apps).
    """
    apps = sorted(rng.sample(["a", "b", "c", "d"], rng.randint(1, 4)))
    order: list[Key] = []  # a global topological order: edges go to earlier keys
    per_app: dict[str, list[Key]] = {app: [] for app in apps}
    for _ in range(rng.randint(1, 14)):
        app = rng.choice(apps)
        name = f"{len(per_app[app]) + 1:04d}_{rng.choice(['auto', 'x', 'y'])}"
        per_app[app].append((app, name))
        order.append((app, name))
    deps: dict[Key, list[str]] = {k: [] for k in order}
    run_before: dict[Key, list[str]] = {k: [] for k in order}
    special_apps = [*apps, "unmig", "empty"] + (["zz"] if rng.random() < 0.1 else [])
    for index, k in enumerate(order):
        earlier = order[:index]
        same = [e for e in earlier if e[0] == k[0]]
        if same and rng.random() < 0.9:
            deps[k] += [
                f"{p[0]}.{p[1]}" for p in rng.sample(same, min(len(same), rng.choice([1, 1, 2])))
            ]
        other = [e for e in earlier if e[0] != k[0]]
        if other and rng.random() < 0.35:
            p = rng.choice(other)
            deps[k].append(f"{p[0]}.{p[1]}")
        if rng.random() < 0.15:
            special = rng.choice(special_apps)
            if special != "empty" or rng.random() < 0.3:
                deps[k].append(f"{special}.{rng.choice(['__first__', '__latest__'])}")
        if rng.random() < 0.04:
            deps[k].append(f"{rng.choice(apps)}.9999_missing")
        later = order[index + 1 :]
        if later and rng.random() < 0.12:
            c = rng.choice(later)
            run_before[k].append(f"{c[0]}.{c[1]}")
        if earlier and rng.random() < 0.03:  # an edge against the order: maybe a cycle
            p = rng.choice(earlier)
            run_before[k].append(f"{p[0]}.{p[1]}")

    files = {k: mig(f"{k[0]}.{k[1]}", deps[k], run_before=run_before[k]) for k in order}
    squashes: list[MigrationFile] = []
    deleted: set[Key] = set()
    for app in apps:
        members = per_app[app]
        if len(members) < 2 or rng.random() < 0.5:
            continue
        start = rng.randrange(len(members) - 1)
        replaced = members[start : start + rng.randint(2, 3)]
        replaced_set = set(replaced)
        outside = [
            d
            for r in replaced
            for d in deps[r]
            if key(d) not in replaced_set and key(d)[1] not in ("__first__", "__latest__")
        ]
        name = f"{replaced[0][1][:4]}_squashed_{replaced[-1][1][:4]}"
        squash = mig(
            f"{app}.{name}",
            list(dict.fromkeys(outside)),
            replaces=[f"{r[0]}.{r[1]}" for r in replaced],
        )
        squashes.append(squash)
        if rng.random() < 0.3:
            deleted |= set(rng.sample(replaced, rng.randint(1, len(replaced))))
        if rng.random() < 0.3:  # squash the squash together with the next migration
            rest = [m for m in members if m not in replaced_set and m > replaced[-1]]
            if rest:
                outer = mig(
                    f"{app}.{name}_squashed_{rest[0][1][:4]}",
                    [d for d in deps[rest[0]] if key(d) not in replaced_set],
                    replaces=[f"{app}.{name}", f"{rest[0][0]}.{rest[0][1]}"],
                )
                squashes.append(outer)
    everything = [files[k] for k in order if k not in deleted] + squashes
    disk_order = sorted(everything, key=lambda m: (apps.index(m.app_label), m.name))
    candidates = order + [s.key for s in squashes]
    mode = rng.choice(["none", "prefix", "random", "all"])
    if mode == "none":
        applied: list[Key] = []
    elif mode == "prefix":
        applied = order[: rng.randint(0, len(order))]
    elif mode == "all":
        applied = list(order)
    else:
        applied = [k for k in candidates if rng.random() < 0.5]
    rng.shuffle(applied)
    extra_migrated = ["empty"] if rng.random() < 0.7 else []
    return disk_order, applied, ["unmig"], extra_migrated


@pytest.mark.parametrize("seed", range(400))
def test_differential_random_histories(seed: int) -> None:
    rng = random.Random(seed)
    migrations, applied, unmigrated, extra = random_history(rng)
    compare_with_django(migrations, applied, unmigrated=unmigrated, extra_migrated=extra, rng=rng)
