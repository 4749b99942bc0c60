"""Differential tests: our tool against real Django on re-creations of Django's own fixtures.

Every scenario of :mod:`tests.scenarios` is copied to a temporary directory with a generated
``pyproject.toml``; real Django (:func:`tests.oracle.django_report`, one interpreter per scenario)
and ``python -m migration_lint`` (one subprocess per command) then run on the same tree:

* ``plan --list`` must print what ``showmigrations --plan`` prints on a fresh database, and
  ``plan`` what ``migrate --plan`` prints; where Django refuses (conflicts, graph errors) we must
  exit non-zero and show Django's message (a cycle's nodes in any order);
* ``check --format json``: ML001 findings name exactly the apps and leaves of
  ``MigrationLoader.detect_conflicts()``; ``MigrationLoader(None)`` raising
  NodeNotFoundError / CircularDependencyError / CommandError / ValueError ⇔ we report
  ML002 / ML003 / ML004 carrying Django's text (cycles compared as sets of nodes); no ML009.

Plans are compared on an empty database here; tests/test_plan_applied.py compares them on
databases that real `migrate` brought to intermediate states.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.oracle import django_report, django_version
from tests.scenarios import SCENARIOS, SCENARIOS_DIR, Scenario

GRAPH_CODES = ("ML002", "ML003", "ML004")
FINDING_KEYS = {
    "code",
    "name",
    "severity",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "app",
    "migration",
    "message",
    "hint",
}


def _params() -> list[Any]:
    version = django_version()
    return [
        pytest.param(
            scenario,
            id=scenario.name,
            marks=pytest.mark.skipif(
                version < scenario.min_django,
                reason=f"needs Django >= {'.'.join(map(str, scenario.min_django))} "
                f"(installed: {'.'.join(map(str, version))})",
            ),
        )
        for scenario in SCENARIOS
    ]


PARAMS = _params()


@dataclass
class Ours:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Prepared:
    """A scenario copied to a temporary root, Django's report on it, and our runs (cached)."""

    scenario: Scenario
    root: Path
    django: dict[str, Any]
    cache_dir: Path
    runs: dict[tuple[str, ...], Ours] = field(default_factory=dict)

    def ours(self, *args: str) -> Ours:
        if args not in self.runs:
            done = subprocess.run(
                [sys.executable, "-m", "migration_lint", *args, "--cache-dir", str(self.cache_dir)],
                cwd=self.root,
                env={**os.environ, "NO_COLOR": "1"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.runs[args] = Ours(done.returncode, done.stdout, done.stderr)
        return self.runs[args]

    def findings(self) -> list[dict[str, Any]]:
        run = self.ours("check", "--format", "json")
        assert run.returncode in (0, 1), f"check crashed ({run.returncode}):\n{run.output}"
        report = json.loads(run.stdout)
        assert report["version"] == 1
        findings: list[dict[str, Any]] = report["findings"]
        return findings


_PREPARED: dict[str, Prepared] = {}


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Any:
    def get(scenario: Scenario) -> Prepared:
        if scenario.name not in _PREPARED:
            base = tmp_path_factory.mktemp(scenario.name)
            root = scenario.copy_to(base / "project")
            report = django_report(scenario.oracle_project(root), base / "django")
            # The first command on a scenario parses its files, later ones read this cache.
            _PREPARED[scenario.name] = Prepared(scenario, root, report, base / "parse-cache")
        return _PREPARED[scenario.name]

    return get


# --- the scenarios themselves -------------------------------------------------------------------


def test_every_scenario_directory_is_described() -> None:
    on_disk = {p.name for p in SCENARIOS_DIR.iterdir() if p.is_dir()}
    assert on_disk == {s.name for s in SCENARIOS}


@pytest.mark.parametrize("scenario", PARAMS)
def test_committed_pyproject_is_current(scenario: Scenario) -> None:
    """The committed ``pyproject.toml`` (for running the CLI by hand) matches the description;
    regenerate with ``python -m tests.scenarios``."""
    assert (scenario.root / "pyproject.toml").read_text() == scenario.pyproject()


#: What Django's own tests (or spec §10) say about a fixture: the nodes of the fresh-database
#: plan in order, or the loader's exception, or its conflicts/unmigrated apps. Checks that each
#: scenario really reproduces the fixture before we compare our tool with it.
DJANGO_FACTS: dict[str, dict[str, Any]] = {
    "base": {"plan": ["migrations.0001_initial", "migrations.0002_second"]},
    "run_before": {
        "plan": ["migrations.0001_initial", "migrations.0003_third", "migrations.0002_second"]
    },
    "first": {
        "plan": [
            "migrations.thefirst",
            "migrations2.0001_initial",
            "migrations2.0002_second",
            "migrations.second",
        ]
    },
    "private": {"plan": ["migrations.0001_initial"]},
    "namespace_package": {"plan": [], "unmigrated": ["migrations"]},
    "empty": {"plan": [], "unmigrated": []},
    "conflict": {"conflicts": {"migrations": ["0002_conflicting_second", "0002_second"]}},
    "no_ancestor": {"conflicts": {"migrations": ["0002_conflicting_second", "0002_second"]}},
    "squashed": {"plan": ["migrations.0001_squashed_0002"]},
    "squashed_complex": {
        "plan": [
            f"migrations.{n}" for n in ("1_auto", "2_auto", "3_squashed_5", "6_auto", "7_auto")
        ]
    },
    "squashed_double": {"plan": ["migrations.0005_squashed_0003_and_0004"]},
    "squashed_loop": {
        "error": ("CommandError", "Cyclical squash replacement found, starting at ('migrations', ")
    },
    "alter_fk": {
        "plan": ["author_app.0001_initial", "book_app.0001_initial", "author_app.0002_alter_id"]
    },
    "unmigrated_app": {"unmigrated": ["unmigrated_app"]},
    "cycle": {"error": ("CircularDependencyError", "migrations.0")},
    "cycle_cross_app": {"error": ("CircularDependencyError", "app_a.0002_second")},
    "missing_parent": {"error": ("NodeNotFoundError", "nonexistent parent node")},
    "missing_parent_cross_app": {"error": ("NodeNotFoundError", "('app_a', '0002_deleted')")},
    "missing_run_before": {"error": ("NodeNotFoundError", "nonexistent child node")},
    "unknown_app": {"error": ("ValueError", "Dependency on unknown app: ghost")},
    "no_migrations_app": {"error": ("ValueError", "Dependency on app with no migrations")},
    "latest_first": {
        "plan": [
            "late.0001_initial",
            "late.0002_second",
            "late.0003_third",
            "early.0001_initial",
            "middle.0001_initial",
        ]
    },
    "swappable_default": {
        "plan_prefix": [
            "contenttypes.0001_initial",
            "auth.0001_initial",
            "accounts.0001_initial",
        ]
    },
    "swappable_other_app": {"plan_prefix": ["users.0001_initial", "accounts.0001_initial"]},
    "same_app_first": {"conflicts": {"migrations": ["0001_initial", "0002_second"]}},
}


def _plan_nodes(stdout: str) -> list[str]:
    return [line[5:] for line in stdout.splitlines() if line.startswith("[")]


@pytest.mark.parametrize("scenario", PARAMS)
def test_django_reproduces_the_fixture(scenario: Scenario, prepared: Any) -> None:
    report = prepared(scenario).django
    loader = report["loader"]
    facts = DJANGO_FACTS.get(scenario.name, {})
    if "error" in facts:
        cls, text = facts["error"]
        assert loader["error"] is not None, "Django loaded the graph"
        assert loader["error"]["class"] == cls
        assert text in loader["error"]["message"]
        return
    # Every other scenario must load and let showmigrations print a plan.
    assert loader["error"] is None, loader["error"]
    assert report["showmigrations_plan"]["error"] is None
    nodes = _plan_nodes(report["showmigrations_plan"]["stdout"])
    if "plan" in facts:
        assert nodes == facts["plan"]
    if "plan_prefix" in facts:
        assert nodes[: len(facts["plan_prefix"])] == facts["plan_prefix"]
    if "conflicts" in facts:
        assert loader["conflicts"] == facts["conflicts"]
    if "unmigrated" in facts:
        assert loader["unmigrated_apps"] == facts["unmigrated"]


# --- plans ----------------------------------------------------------------------------------------


def _compare_command(prepared: Prepared, django_key: str, *args: str) -> None:
    django = prepared.django[django_key]
    ours = prepared.ours(*args)
    if django["error"] is not None:
        assert ours.returncode != 0, (
            f"Django refuses ({django['error']['class']}: {django['error']['message']}), "
            f"we exited 0 with:\n{ours.output}"
        )
        assert _carries(ours.output, django["error"]), (
            f"Django's message {django['error']['message']!r} not in our output:\n{ours.output}"
        )
        return
    assert ours.returncode == 0, f"exit {ours.returncode}:\n{ours.output}"
    assert ours.stdout == django["stdout"]


@pytest.mark.parametrize("scenario", PARAMS)
def test_plan_list_matches_showmigrations_plan(scenario: Scenario, prepared: Any) -> None:
    _compare_command(prepared(scenario), "showmigrations_plan", "plan", "--list")


@pytest.mark.parametrize("scenario", PARAMS)
def test_plan_matches_migrate_plan(scenario: Scenario, prepared: Any) -> None:
    _compare_command(prepared(scenario), "migrate_plan", "plan")


# --- graph findings -------------------------------------------------------------------------------


def _expected_graph_code(error: dict[str, str]) -> str:
    """The code we must report for the exception ``MigrationLoader(None)`` raised."""
    if error["class"] == "NodeNotFoundError":
        return "ML004" if "Django tried to replace migration" in error["message"] else "ML002"
    if error["class"] == "CircularDependencyError":
        return "ML003"
    if error["class"] == "CommandError":  # "Cyclical squash replacement found, …"
        return "ML004"
    if error["class"] == "ValueError":  # "Dependency on unknown app / app with no migrations"
        return "ML002"
    raise AssertionError(f"unexpected loader error {error}")


_NODE_LIST = re.compile(r"[\w-]+\.[\w-]+(?:, [\w-]+\.[\w-]+)*")
_ORIGIN = re.compile(r"^Migration (\w+)\.(\S+) (?:dependencies reference|depends on)")


def _carries(message: str, error: dict[str, str]) -> bool:
    if error["class"] == "CircularDependencyError":
        cycle = set(error["message"].split(", "))
        return any(set(m.split(", ")) == cycle for m in _NODE_LIST.findall(message))
    return error["message"] in message


@pytest.mark.parametrize("scenario", PARAMS)
def test_graph_findings_match_the_loader(scenario: Scenario, prepared: Any) -> None:
    run = prepared(scenario)
    findings = run.findings()
    for finding in findings:
        assert set(finding) == FINDING_KEYS, finding
    assert [f for f in findings if f["code"] == "ML009"] == []

    error = run.django["loader"]["error"]
    graph = [f for f in findings if f["code"] in GRAPH_CODES]
    if error is None:
        assert graph == [], "Django loads this graph"
    else:
        code = _expected_graph_code(error)
        assert {f["code"] for f in graph} == {code}, (
            f"Django raises {error['class']}: {error['message']}; we report {graph}"
        )
        carrying = [f for f in graph if _carries(f["message"], error)]
        assert carrying, f"no {code} finding carries Django's text {error['message']!r}: {graph}"
        origin = _ORIGIN.match(error["message"])
        if origin:
            assert any((f["app"], f["migration"]) == origin.groups() for f in carrying), (
                f"expected a finding on {origin.groups()}: {carrying}"
            )
        assert run.ours("check", "--format", "json").returncode == 1


@pytest.mark.parametrize("scenario", PARAMS)
def test_conflict_findings_match_detect_conflicts(scenario: Scenario, prepared: Any) -> None:
    run = prepared(scenario)
    lenient = run.django["loader_lenient"]
    if lenient["error"] is not None:
        # Django cannot tell which leaves conflict; all we ask is that we do not crash.
        run.findings()
        return
    conflicts: dict[str, list[str]] = lenient["conflicts"]
    ml001 = [f for f in run.findings() if f["code"] == "ML001"]
    assert sorted(f["app"] for f in ml001) == sorted(conflicts), ml001
    for finding in ml001:
        for leaf in conflicts[finding["app"]]:
            assert leaf in finding["message"], (leaf, finding["message"])
    if conflicts:
        assert run.ours("check", "--format", "json").returncode == 1
