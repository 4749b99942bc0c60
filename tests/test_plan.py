"""Executor plans, migrate's target resolution and showmigrations text.

Expected values are those of Django's ``tests/migrations/test_executor.py`` and
``test_commands.py``; ``tests/test_loader.py`` checks the same functions against real Django
on random histories.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from migration_lint.graph import Key
from migration_lint.loader import LoadedGraph, build_graph
from migration_lint.model import MigrationFile
from migration_lint.plan import (
    PlanError,
    migrate_targets,
    migration_plan,
    resolve_target,
    showmigrations_list,
    showmigrations_plan,
)
from migration_lint.settings_facts import SettingsFacts
from tests.histories import BASIC, RUN_BEFORE, SQUASHED, SQUASHED_COMPLEX, key, mig


def load(
    migrations: Sequence[MigrationFile], applied: Sequence[str] = (), **options: Any
) -> LoadedGraph:
    options.setdefault("migrated_apps", sorted({m.app_label for m in migrations}))
    return build_graph(
        migrations,
        settings=SettingsFacts(),
        applied=[key(a) for a in applied],
        strict_apps=True,
        **options,
    )


def forwards(*refs: str) -> list[tuple[Key, bool]]:
    return [(key(ref), False) for ref in refs]


def backwards(*refs: str) -> list[tuple[Key, bool]]:
    return [(key(ref), True) for ref in refs]


ALTER_FK = [
    mig("author_app.0001_initial"),
    mig("author_app.0002_alter_id", ["author_app.0001_initial", "book_app.0001_initial"]),
    mig("book_app.0001_initial", ["author_app.0001_initial"]),
    mig("mutate_state_b.0001_initial"),
    mig("mutate_state_b.0002_add_field", ["mutate_state_b.0001_initial"]),
]


# -- MigrationExecutor.migration_plan -------------------------------------------------------


def test_run() -> None:
    loaded = load(BASIC)
    assert migration_plan(loaded, [key("migrations.0002_second")]) == forwards(
        "migrations.0001_initial", "migrations.0002_second"
    )
    applied = load(BASIC, ["migrations.0001_initial", "migrations.0002_second"])
    assert migration_plan(applied, [("migrations", None)]) == backwards(
        "migrations.0002_second", "migrations.0001_initial"
    )


def test_run_with_squashed() -> None:
    loaded = load(SQUASHED)
    assert loaded.graph.leaf_nodes() == [key("migrations.0001_squashed_0002")]
    squash = key("migrations.0001_squashed_0002")
    assert migration_plan(loaded, [squash]) == [(squash, False)]
    applied = load(SQUASHED, ["migrations.0001_initial", "migrations.0002_second", str_key(squash)])
    assert migration_plan(applied, [("migrations", None)]) == [(squash, True)]


def str_key(k: Key) -> str:
    return f"{k[0]}.{k[1]}"


def test_migrate_backward_to_squashed_migration() -> None:
    """A replaced target makes Django rebuild without replacements (4.0+)."""
    applied = ["migrations.0001_initial", "migrations.0002_second", "migrations.0001_squashed_0002"]
    loaded = load(SQUASHED, applied)
    assert migration_plan(loaded, [key("migrations.0001_initial")]) == backwards(
        "migrations.0002_second"
    )
    # Forwards to a replaced migration from scratch.
    assert migration_plan(load(SQUASHED), [key("migrations.0001_initial")]) == forwards(
        "migrations.0001_initial"
    )


def test_replaced_target_rebuild_that_fails_is_a_plan_error() -> None:
    migrations = [
        mig("a.0001_initial"),
        mig("a.0001_squashed_0002", replaces=["a.0001_initial", "a.0002_gone"]),
        mig("a.0003", ["a.0002_gone"]),
    ]
    loaded = load(migrations)
    assert loaded.problems == []
    with pytest.raises(PlanError, match=r"nonexistent parent node \('a', '0002_gone'\)"):
        migration_plan(loaded, [key("a.0001_initial")])


def test_empty_plan() -> None:
    migrations = [*BASIC, mig("migrations2.0001_initial", ["migrations.0002_second"])]
    targets = [key("migrations.0002_second"), key("migrations2.0001_initial")]
    assert migration_plan(load(migrations), targets) == forwards(
        "migrations.0001_initial", "migrations.0002_second", "migrations2.0001_initial"
    )
    everything = ["migrations.0001_initial", "migrations.0002_second", "migrations2.0001_initial"]
    assert migration_plan(load(migrations, everything), targets) == []


def test_mixed_plan() -> None:
    migrations = [*BASIC, mig("migrations2.0001_initial")]
    loaded = load(migrations, ["migrations.0001_initial", "migrations.0002_second"])
    plan = migration_plan(loaded, [("migrations", None), key("migrations2.0001_initial")])
    assert plan == [
        *backwards("migrations.0002_second", "migrations.0001_initial"),
        *forwards("migrations2.0001_initial"),
    ]


def test_minimize_rollbacks() -> None:
    migrations = [mig("a.1"), mig("a.2", ["a.1"]), mig("b.1", ["a.1"])]
    loaded = load(migrations, ["a.1", "b.1", "a.2"])
    assert migration_plan(loaded, [key("a.1")]) == backwards("a.2")


def test_minimize_rollbacks_branchy() -> None:
    migrations = [
        mig("a.1"),
        mig("a.2", ["a.1"]),
        mig("a.3", ["a.1"]),
        mig("a.4", ["a.2", "a.3"]),
        mig("b.1", ["a.1"]),
        mig("b.2", ["b.1", "a.2"]),
    ]
    loaded = load(migrations, ["a.1", "b.1", "a.2", "b.2", "a.3", "a.4"])
    assert migration_plan(loaded, [key("a.1")]) == backwards("b.2", "a.4", "a.2", "a.3")


def test_backwards_nothing_to_do() -> None:
    migrations = [mig("a.1"), mig("a.2", ["a.1"]), mig("b.1", ["a.1"]), mig("c.1", ["a.1"])]
    loaded = load(migrations, ["a.1", "b.1"])
    assert migration_plan(loaded, [key("a.1")]) == []


def test_applied_leaf_target_is_empty() -> None:
    loaded = load(BASIC, ["migrations.0001_initial", "migrations.0002_second"])
    assert migration_plan(loaded, [key("migrations.0002_second")]) == []


def test_zero_unapplies_dependents_in_other_apps() -> None:
    migrations = [*BASIC, mig("other.0001", ["migrations.0001_initial"])]
    loaded = load(migrations, ["migrations.0001_initial", "other.0001", "migrations.0002_second"])
    assert migration_plan(loaded, [("migrations", None)]) == backwards(
        "other.0001", "migrations.0002_second", "migrations.0001_initial"
    )
    assert migration_plan(loaded, [("nothing", None)]) == []


def test_clean_start_ignores_applied() -> None:
    loaded = load(RUN_BEFORE, ["migrations.0001_initial"])
    assert migration_plan(loaded, loaded.graph.leaf_nodes(), clean_start=True) == forwards(
        "migrations.0001_initial", "migrations.0003_third", "migrations.0002_second"
    )


def test_unknown_target() -> None:
    with pytest.raises(PlanError, match=r"Node \('migrations', '0009'\) not a valid node"):
        migration_plan(load(BASIC), [key("migrations.0009")])


def test_forward_then_backward_then_forward_again() -> None:
    """Shared DFS state must be dropped when a step undoes an earlier one."""
    loaded = load(BASIC)
    targets: list[tuple[str, str | None]] = [
        key("migrations.0002_second"),
        ("migrations", None),
        key("migrations.0001_initial"),
    ]
    assert migration_plan(loaded, targets) == [
        *forwards("migrations.0001_initial", "migrations.0002_second"),
        *backwards("migrations.0002_second", "migrations.0001_initial"),
        *forwards("migrations.0001_initial"),
    ]
    applied = load(BASIC, ["migrations.0001_initial", "migrations.0002_second"])
    targets = [("migrations", None), key("migrations.0002_second"), ("migrations", None)]
    assert migration_plan(applied, targets) == [
        *backwards("migrations.0002_second", "migrations.0001_initial"),
        *forwards("migrations.0001_initial", "migrations.0002_second"),
        *backwards("migrations.0002_second", "migrations.0001_initial"),
    ]


# -- migrate's targets ----------------------------------------------------------------------


def test_resolve_target() -> None:
    migrations = [
        *BASIC,
        mig("migrations.a", ["migrations.0002_second"]),
        mig("migrations.ab", ["migrations.a"]),
    ]
    loaded = load(migrations, unmigrated_apps=["legacy"])
    assert resolve_target(loaded, "migrations", "zero") == ("migrations", None)
    assert resolve_target(loaded, "migrations", "0001") == key("migrations.0001_initial")
    assert resolve_target(loaded, "migrations", "ab") == key("migrations.ab")
    with pytest.raises(PlanError) as info:
        resolve_target(loaded, "migrations", "a")
    assert str(info.value) == (
        "More than one migration matches 'a' in app 'migrations'. Please be more specific."
    )
    with pytest.raises(PlanError) as info:
        resolve_target(loaded, "migrations", "blarg")
    assert str(info.value) == "Cannot find a migration matching 'blarg' from app 'migrations'."
    with pytest.raises(PlanError) as info:
        resolve_target(loaded, "legacy", "0001")
    assert str(info.value) == "App 'legacy' does not have migrations."
    with pytest.raises(PlanError) as info:
        resolve_target(loaded, "nope", "0001")
    assert str(info.value) == "No installed app with label 'nope'."
    external = load(migrations, external_apps=["auth"])
    with pytest.raises(PlanError, match="outside the scanned project"):
        resolve_target(external, "auth", "0001")
    with pytest.raises(PlanError, match="outside the scanned project"):
        migrate_targets(external, "auth")
    with pytest.raises(PlanError, match="'legacy' does not have migrations"):
        migrate_targets(loaded, "legacy")


def test_resolve_target_partially_applied_squash() -> None:
    loaded = load(SQUASHED_COMPLEX, ["migrations.1_auto", "migrations.2_auto", "migrations.3_auto"])
    assert key("migrations.3_squashed_5") not in loaded.graph.nodes
    assert resolve_target(loaded, "migrations", "3_squashed") == key("migrations.5_auto")
    full = load(SQUASHED_COMPLEX)
    assert resolve_target(full, "migrations", "3_squashed") == key("migrations.3_squashed_5")


def test_migrate_targets() -> None:
    loaded = load(ALTER_FK)
    assert migrate_targets(loaded) == [
        key("author_app.0002_alter_id"),
        key("book_app.0001_initial"),
        key("mutate_state_b.0002_add_field"),
    ]
    assert migrate_targets(loaded, "book_app") == [key("book_app.0001_initial")]
    assert migrate_targets(loaded, "author_app", "0001") == [key("author_app.0001_initial")]
    plan = migration_plan(loaded, migrate_targets(loaded, "author_app"))
    assert plan == forwards(
        "author_app.0001_initial", "book_app.0001_initial", "author_app.0002_alter_id"
    )


# -- showmigrations -------------------------------------------------------------------------


def test_showmigrations_list() -> None:
    assert showmigrations_list(load(BASIC)) == ("migrations\n [ ] 0001_initial\n [ ] 0002_second\n")
    assert showmigrations_list(load(BASIC, ["migrations.0001_initial"])) == (
        "migrations\n [X] 0001_initial\n [ ] 0002_second\n"
    )


def test_showmigrations_list_apps_order_and_empty_apps() -> None:
    loaded = load(BASIC, migrated_apps=["migrations", "empty"], unmigrated_apps=["legacy"])
    assert showmigrations_list(loaded) == (
        "empty\n (no migrations)\nmigrations\n [ ] 0001_initial\n [ ] 0002_second\n"
    )
    assert showmigrations_list(loaded, ["legacy", "migrations"]) == (
        "legacy\n (no migrations)\nmigrations\n [ ] 0001_initial\n [ ] 0002_second\n"
    )
    with pytest.raises(PlanError) as info:
        showmigrations_list(loaded, ["nope", "migrations", "nada"])
    assert str(info.value) == (
        "No installed app with label 'nope'.\nNo installed app with label 'nada'."
    )


def test_showmigrations_list_squashed() -> None:
    title = "0001_squashed_0002 (2 squashed migrations)"
    assert showmigrations_list(load(SQUASHED)) == f"migrations\n [ ] {title}\n"
    recorded = ["migrations.0001_initial", "migrations.0002_second"]
    assert showmigrations_list(load(SQUASHED, recorded)) == (
        f"migrations\n [-] {title} Run 'manage.py migrate' to finish recording.\n"
    )
    everything = [*recorded, "migrations.0001_squashed_0002"]
    assert showmigrations_list(load(SQUASHED, everything)) == f"migrations\n [X] {title}\n"
    partial = load(SQUASHED, ["migrations.0001_initial"])
    assert showmigrations_list(partial) == "migrations\n [X] 0001_initial\n [ ] 0002_second\n"


def test_showmigrations_list_merge_graph() -> None:
    migrations = [
        mig("library.0001_initial"),
        mig("library.0002_book_published_date", ["library.0001_initial"]),
        mig("library.0003_a", ["library.0002_book_published_date"]),
        mig("library.0003_b", ["library.0002_book_published_date"]),
        mig("library.0004_merge_0003_a_0003_b", ["library.0003_a", "library.0003_b"]),
    ]
    applied = ["library.0001_initial", "library.0002_book_published_date", "library.0003_a"]
    assert showmigrations_list(load(migrations, applied)) == (
        "library\n"
        " [X] 0001_initial\n"
        " [X] 0002_book_published_date\n"
        " [ ] 0003_b\n"
        " [X] 0003_a\n"
        " [ ] 0004_merge_0003_a_0003_b\n"
    )


def test_showmigrations_plan() -> None:
    loaded = load(RUN_BEFORE)
    assert showmigrations_plan(loaded) == (
        "[ ]  migrations.0001_initial\n[ ]  migrations.0003_third\n[ ]  migrations.0002_second\n"
    )
    assert showmigrations_plan(loaded, verbosity=2) == (
        "[ ]  migrations.0001_initial\n"
        "[ ]  migrations.0003_third ... (migrations.0001_initial)\n"
        "[ ]  migrations.0002_second ... (migrations.0001_initial, migrations.0003_third)\n"
    )
    applied = load(RUN_BEFORE, ["migrations.0001_initial", "migrations.0003_third"])
    assert showmigrations_plan(applied) == (
        "[X]  migrations.0001_initial\n[X]  migrations.0003_third\n[ ]  migrations.0002_second\n"
    )


def test_showmigrations_plan_no_migrations() -> None:
    assert showmigrations_plan(load([], migrated_apps=["migrations"])) == "(no migrations)\n"
    assert showmigrations_list(load([], migrated_apps=["migrations"])) == (
        "migrations\n (no migrations)\n"
    )


def test_showmigrations_plan_squashed() -> None:
    assert showmigrations_plan(load(SQUASHED_COMPLEX)) == (
        "[ ]  migrations.1_auto\n"
        "[ ]  migrations.2_auto\n"
        "[ ]  migrations.3_squashed_5\n"
        "[ ]  migrations.6_auto\n"
        "[ ]  migrations.7_auto\n"
    )
    applied = [f"migrations.{n}" for n in ("1_auto", "2_auto", "3_auto", "4_auto", "5_auto")]
    assert showmigrations_plan(load(SQUASHED_COMPLEX, applied)) == (
        "[X]  migrations.1_auto\n"
        "[X]  migrations.2_auto\n"
        "[X]  migrations.3_squashed_5\n"
        "[ ]  migrations.6_auto\n"
        "[ ]  migrations.7_auto\n"
    )


def test_showmigrations_plan_app_labels() -> None:
    loaded = load(ALTER_FK)
    assert showmigrations_plan(loaded, ["mutate_state_b"]) == (
        "[ ]  mutate_state_b.0001_initial\n[ ]  mutate_state_b.0002_add_field\n"
    )
    expected = (
        "[ ]  author_app.0001_initial\n"
        "[ ]  book_app.0001_initial\n"
        "[ ]  author_app.0002_alter_id\n"
        "[ ]  mutate_state_b.0001_initial\n"
        "[ ]  mutate_state_b.0002_add_field\n"
    )
    assert showmigrations_plan(loaded, ["mutate_state_b", "author_app"]) == expected
    assert showmigrations_plan(loaded, ["author_app", "mutate_state_b"]) == expected
    partly = load(ALTER_FK, ["author_app.0001_initial"])
    assert showmigrations_plan(partly, ["author_app"]) == (
        "[X]  author_app.0001_initial\n[ ]  book_app.0001_initial\n[ ]  author_app.0002_alter_id\n"
    )
    with pytest.raises(PlanError, match=r"No installed app with label 'nope'\."):
        showmigrations_plan(loaded, ["nope"])


# -- size -----------------------------------------------------------------------------------


def test_large_history_is_fast() -> None:
    """60 apps x 40 migrations, every app depending on the previous apps' __first__ and
    __latest__: building, planning and listing stay well under a second."""
    migrations: list[MigrationFile] = []
    apps = [f"app{i:02d}" for i in range(60)]
    for index, app in enumerate(apps):
        for n in range(1, 41):
            deps = [f"{app}.{n - 1:04d}"] if n > 1 else []
            if n == 1 and index:
                deps += [f"{apps[index - 1]}.__latest__", f"{apps[0]}.__first__"]
            migrations.append(mig(f"{app}.{n:04d}", deps))
    start = time.perf_counter()
    loaded = load(migrations)
    plan = migration_plan(loaded, loaded.graph.leaf_nodes())
    text = showmigrations_list(loaded) + showmigrations_plan(loaded)
    elapsed = time.perf_counter() - start
    assert loaded.problems == []
    assert len(plan) == 2400
    assert text.count("[ ]") == 4800
    assert elapsed < 2.0, elapsed
