"""The labelled corpus: small migrations, each named after what the linter must say of it.

``tests/fixtures/labelled/<database>/<EXPECTED>__<what>.py`` is migration ``0002`` of an app
``shop`` whose ``0001_initial`` (``tests/fixtures/labelled/0001_initial.py``) is deployed: its
tables exist and have rows. ``EXPECTED`` is ``ok`` (no safety finding at all) or the codes that
must be found in the case, joined by ``+`` (``ML101+ML120``). The agreement must be exact:
a missing code is a false negative, an extra one a false positive. ``<database>`` is the
``database`` the project is configured for.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.projects import check_json

LABELLED = Path(__file__).parent / "fixtures" / "labelled"
CASES = sorted(LABELLED.glob("*/*.py"))
#: Families judged here: schema (ML1xx), data (ML2xx), raw SQL (ML3xx).
SAFETY_PREFIXES = ("ML1", "ML2", "ML3")


def expected_codes(case: Path) -> set[str]:
    label = case.stem.split("__", 1)[0]
    return set() if label == "ok" else set(label.split("+"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_labelled_case(case: Path, tmp_path: Path) -> None:
    migrations = tmp_path / "shop" / "migrations"
    migrations.mkdir(parents=True)
    for package in (tmp_path / "shop", migrations):
        (package / "__init__.py").touch()
    shutil.copy(LABELLED / "0001_initial.py", migrations / "0001_initial.py")
    shutil.copy(case, migrations / "0002_case.py")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.migration-lint]\n"
        "django-contrib = 'never'\n"
        f"database = '{case.parent.name}'\n"
        "deploy-sets-lock-timeout = true\n"
    )
    _, findings = check_json(tmp_path)
    found = {
        f["code"]
        for f in findings
        if f["code"].startswith(SAFETY_PREFIXES) and f["path"].endswith("0002_case.py")
    }
    assert found == expected_codes(case), [
        (f["code"], f["line"], f["message"]) for f in findings if f["code"].startswith("ML")
    ]


def test_the_corpus_is_big_enough_and_covers_both_outcomes() -> None:
    """At least 60 cases, and as many safe twins as there are rules with cases."""
    labels = [expected_codes(case) for case in CASES]
    assert len(CASES) >= 60
    assert sum(1 for label in labels if not label) >= 20


def test_every_safety_rule_has_a_labelled_case() -> None:
    from migration_lint.rules import REGISTRY

    labelled = set().union(*(expected_codes(case) for case in CASES))
    once_per_run = {"ML131"}  # reported once per run, tested in tests/test_rules_deploy.py
    safety = {code for code in REGISTRY if code.startswith(SAFETY_PREFIXES)} - once_per_run
    assert safety - labelled == set()
