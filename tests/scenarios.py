"""Scenario projects re-creating Django's migration test fixtures (spec §10).

Each scenario is a project root under ``tests/fixtures/scenarios/<name>/`` holding app packages
with real migration files (copied verbatim from Django 6.1.3's ``tests/migrations`` and
``tests/migrations2``, or hand-written for the graph-error cases). A :class:`Scenario` is the one
description of its settings: :meth:`Scenario.oracle_project` gives the settings to real Django and
:meth:`Scenario.pyproject` the same settings as ``[tool.migration-lint]`` for our tool, so the two
sides cannot drift.

``python -m tests.scenarios`` rewrites the ``pyproject.toml`` of every scenario (the committed
copies are for running the CLI by hand; the tests generate their own into a temporary copy and
check that the committed ones are current).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.oracle import App, OracleProject

SCENARIOS_DIR = Path(__file__).parent / "fixtures" / "scenarios"

#: INSTALLED_APPS order of Django's own test runner (``tests/runtests.py``), restricted to the
#: contrib apps that ship migrations, followed by the two that need ``sites``.
ALL_CONTRIB = ("contenttypes", "auth", "sites", "sessions", "admin", "flatpages", "redirects")


@dataclass(frozen=True)
class ScenarioApp:
    """An app of a scenario: its dotted module under the scenario root and its label."""

    module: str
    label: str | None = None  # None: Django's default, the last component of ``module``

    @property
    def app_label(self) -> str:
        return self.label or self.module.rpartition(".")[2]


@dataclass(frozen=True)
class Scenario:
    """One scenario project: its apps in INSTALLED_APPS order and the settings that matter."""

    name: str
    apps: tuple[ScenarioApp, ...]
    contrib: tuple[str, ...] = ()  # labels of django.contrib apps, installed before ``apps``
    auth_user_model: str | None = None
    migration_modules: dict[str, str] = field(default_factory=dict)  # label -> module
    min_django: tuple[int, int] = (3, 2)
    about: str = ""

    @property
    def root(self) -> Path:
        return SCENARIOS_DIR / self.name

    def oracle_project(self, root: Path | None = None) -> OracleProject:
        return OracleProject(
            root=root or self.root,
            apps=[App(app.module, app.app_label) for app in self.apps],
            contrib=list(self.contrib),
            auth_user_model=self.auth_user_model,
            migration_modules=dict(self.migration_modules),
        )

    def pyproject(self) -> str:
        """``pyproject.toml`` text configuring our tool exactly like :meth:`oracle_project`."""
        installed = [f"django.contrib.{label}" for label in self.contrib]
        installed += [app.module for app in self.apps]
        lines = ["[tool.migration-lint]", f"installed-apps = {_toml_list(installed)}"]
        labels = {app.module: app.label for app in self.apps if app.label}
        if labels:
            lines.append(f"app-labels = {_toml_table(labels)}")
        if self.auth_user_model:
            lines.append(f"auth-user-model = {json.dumps(self.auth_user_model)}")
        if self.migration_modules:
            lines.append(f"migration-modules = {_toml_table(self.migration_modules)}")
        return "\n".join(lines) + "\n"

    def copy_to(self, dest: Path) -> Path:
        """Copy the scenario tree to ``dest`` with a freshly generated ``pyproject.toml``."""
        shutil.copytree(self.root, dest, ignore=shutil.ignore_patterns("__pycache__"))
        (dest / "pyproject.toml").write_text(self.pyproject())
        return dest


def _toml_list(values: list[str]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {json.dumps(v)},\n" for v in values) + "]"


def _toml_table(mapping: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in mapping.items()) + " }"


MIG = ScenarioApp("migrations_app", "migrations")


def _django(name: str, about: str = "", **kwargs: object) -> Scenario:
    """A scenario of one app labelled "migrations" (``migrations_app/migrations/``)."""
    return Scenario(name, (MIG,), about=about, **kwargs)  # type: ignore[arg-type]


SCENARIOS: list[Scenario] = [
    # --- Django's fixtures, app label "migrations" -----------------------------------------
    _django("base", "test_migrations: 0001_initial <- 0002_second"),
    _django(
        "contrib_full",
        "test_migrations with every contrib app that has migrations, runtests.py order",
        contrib=ALL_CONTRIB,
    ),
    _django("run_before", "test_migrations_run_before: 0003_third run_before 0002_second"),
    Scenario(
        "first",
        (MIG, ScenarioApp("migrations2_app", "migrations2")),
        migration_modules={
            "migrations": "migrations_app.test_migrations_first",
            "migrations2": "migrations2_app.test_migrations_2_first",
        },
        about="test_migrations_first + migrations2/test_migrations_2_first via MIGRATION_MODULES",
    ),
    _django(
        "unmigdep",
        "test_migrations_unmigdep: depends on ('auth', '__first__')",
        contrib=("contenttypes", "auth"),
    ),
    _django("private", "test_migrations_private: _util.py, ~util.py, .util.py are not migrations"),
    _django("namespace_package", "test_migrations_namespace_package: no __init__ -> unmigrated"),
    _django("empty", "test_migrations_empty: package with only __init__"),
    _django("conflict", "test_migrations_conflict: two 0002 leaves"),
    _django("conflict_long_name", "test_migrations_conflict_long_name"),
    _django("no_ancestor", "test_migrations_no_ancestor: conflicting 0002 without dependencies"),
    _django("squashed", "test_migrations_squashed: 0001_squashed_0002"),
    _django("squashed_complex", "test_migrations_squashed_complex: 3_squashed_5 in 1..7"),
    Scenario(
        "squashed_complex_multi_apps",
        (ScenarioApp("app1"), ScenarioApp("app2")),
        migration_modules={"app1": "app1", "app2": "app2"},
        about="test_migrations_squashed_complex_multi_apps; app package = migrations package",
    ),
    _django("squashed_erroneous", "test_migrations_squashed_erroneous: replaced 3-5 deleted"),
    _django("squashed_extra", "test_migrations_squashed_extra: 0003 depends on replaced 0002"),
    Scenario(
        "squashed_ref_squashed",
        (ScenarioApp("app1"), ScenarioApp("app2")),
        about="test_migrations_squashed_ref_squashed: app1 squash depends on app2 squash",
    ),
    _django(
        "squashed_double",
        "test_migrations_squashed_double: 0005 squashes (0003_squashed, 0004)",
        min_django=(6, 0),
    ),
    _django(
        "squashed_partially_applied",
        "test_migrations_squashed_partially_applied: nested squash",
        min_django=(6, 0),
    ),
    _django(
        "squashed_loop",
        "test_migrations_squashed_loop: 2_auto and 2_squashed replace each other",
        min_django=(6, 0),
    ),
    Scenario(
        "squashed_replaced_order",
        (ScenarioApp("app1"), ScenarioApp("app2")),
        migration_modules={"app1": "app1", "app2": "app2"},
        min_django=(6, 1),
        about="test_migrations_squashed_replaced_order: two squashes replace app1.0001",
    ),
    _django("squashed_no_replaces", "test_migrations_squashed_no_replaces"),
    _django("clashing_prefix", "test_migrations_clashing_prefix: a.py and ab.py"),
    _django(
        "custom_user",
        "test_migrations_custom_user with AUTH_USER_MODEL = migrations.Author",
        contrib=("contenttypes", "auth"),
        auth_user_model="migrations.Author",
    ),
    Scenario(
        "swappable_default",
        (ScenarioApp("accounts"),),
        contrib=("contenttypes", "auth"),
        about="test_migrations_custom_user's 0001 in an app sorting before auth, default user",
    ),
    Scenario(
        "swappable_other_app",
        (ScenarioApp("accounts"), ScenarioApp("users")),
        contrib=("contenttypes", "auth"),
        auth_user_model="users.User",
        about="test_migrations_custom_user's 0001 with AUTH_USER_MODEL in another migrated app",
    ),
    # --- Django's migrations_test_apps ----------------------------------------------------------
    Scenario(
        "alter_fk",
        (ScenarioApp("alter_fk.author_app"), ScenarioApp("alter_fk.book_app")),
        about="migrations_test_apps/alter_fk (nested modules, default labels)",
    ),
    Scenario(
        "lookuperror",
        tuple(ScenarioApp(f"lookuperror_{x}") for x in "abc"),
        about="migrations_test_apps/lookuperror_a/b/c",
    ),
    Scenario(
        "mutate_state",
        (ScenarioApp("mutate_state_a"), ScenarioApp("mutate_state_b")),
        about="migrations_test_apps/mutate_state_a/b",
    ),
    Scenario(
        "unmigrated_app",
        (MIG, ScenarioApp("unmigrated_app")),
        about="test_migrations + migrations_test_apps/unmigrated_app (models.py only)",
    ),
    # --- hand-written graph cases ---------------------------------------------------------------
    _django("cycle", "0002_a and 0003_b depend on each other"),
    Scenario(
        "cycle_cross_app",
        (ScenarioApp("app_a"), ScenarioApp("app_b")),
        about="app_a.0002 -> app_b.0002 -> app_b.0001 -> app_a.0002",
    ),
    _django("missing_parent", "0002_second depends on a misspelt 0001_inital"),
    Scenario(
        "missing_parent_cross_app",
        (ScenarioApp("app_a"), ScenarioApp("app_b")),
        about="app_b.0001 depends on a deleted app_a.0002_deleted",
    ),
    _django("missing_run_before", "run_before names a migration that does not exist"),
    _django("unknown_app", "depends on ('ghost', '__first__'), an app not installed"),
    Scenario(
        "no_migrations_app",
        (MIG, ScenarioApp("empty_app")),
        about="depends on ('empty_app', '__first__'), a migrated app without migrations",
    ),
    Scenario(
        "latest_first",
        (ScenarioApp("early"), ScenarioApp("middle"), ScenarioApp("late")),
        about="early depends on (late, __latest__), middle on (late, __first__)",
    ),
    _django("same_app_first", "a same-app ('migrations', '__first__') dependency is dropped"),
    Scenario(
        "unmigrated_dependency",
        (MIG, ScenarioApp("plain_app"), ScenarioApp("ns_app")),
        about="dependencies on an app without migrations package / with a namespace one",
    ),
]

BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}


def write_pyprojects() -> None:
    for scenario in SCENARIOS:
        (scenario.root / "pyproject.toml").write_text(scenario.pyproject())


if __name__ == "__main__":
    write_pyprojects()
