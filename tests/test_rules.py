"""Each graph rule fires on the situation it describes and stays quiet on the healthy twin."""

from __future__ import annotations

import json
from pathlib import Path

from tests.projects import check_json, migration, run, write_tree

INITIAL = migration(
    operations="migrations.CreateModel('Book', [('id', models.AutoField(primary_key=True))]),\n"
)


def codes(findings: list[dict[str, object]]) -> list[object]:
    return [finding["code"] for finding in findings]


def test_conflicting_leaves_fire_once_per_app_and_name_both_leaves(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
            "shop/migrations/0002_stock.py": migration(("shop", "0001_initial")),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    assert codes(findings) == ["ML001"]
    assert "0002_price, 0002_stock" in str(findings[0]["message"])
    assert findings[0]["path"] == "shop/migrations/0002_stock.py"
    assert findings[0]["app"] == "shop"


def test_merged_branches_are_not_a_conflict(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
            "shop/migrations/0002_stock.py": migration(("shop", "0001_initial")),
            "shop/migrations/0003_merge.py": migration(
                ("shop", "0002_price"), ("shop", "0002_stock")
            ),
        },
    )
    assert check_json(tmp_path) == (0, [])


def test_missing_parent_points_at_the_dependency_line(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_price.py": migration(
                ("shop", "0001_initial"), ("shop", "0009_gone")
            ),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    assert codes(findings) == ["ML002"]
    assert "nonexistent parent node ('shop', '0009_gone')" in str(findings[0]["message"])
    assert findings[0]["line"] == 8  # the line of ('shop', '0009_gone')


def test_cycle_is_reported_with_its_members(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": migration(("shop", "0002_second")),
            "shop/migrations/0002_second.py": migration(("shop", "0001_initial")),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    assert "ML003" in codes(findings)
    cycle = next(f for f in findings if f["code"] == "ML003")
    assert "shop.0001_initial" in str(cycle["message"])
    assert "shop.0002_second" in str(cycle["message"])


def test_squashes_that_replace_each_other_are_inconsistent(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_auto.py": migration(
                ("shop", "0001_initial"), extra="replaces = [('shop', '0002_squashed')]\n"
            ),
            "shop/migrations/0002_squashed.py": migration(
                ("shop", "0001_initial"), extra="replaces = [('shop', '0002_auto')]\n"
            ),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    assert "ML004" in codes(findings)
    assert any("Cyclical squash replacement" in str(f["message"]) for f in findings)


def test_renumbering_forgotten_after_a_rebase_is_a_warning(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
            "shop/migrations/0002_stock.py": migration(("shop", "0002_price")),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    assert codes(findings) == ["ML005"]
    assert findings[0]["severity"] == "warning"
    assert findings[0]["migration"] == "0002_stock"


def test_custom_operations_are_named_but_do_not_fail_the_run(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": "from shop.ops import Trigger\n"
            + migration(operations="Trigger('audit'),\n"),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 0
    assert codes(findings) == ["ML008"]
    assert findings[0]["severity"] == "info"
    assert "shop.ops.Trigger" in str(findings[0]["message"])


def test_unreadable_file_is_reported_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_broken.py": "class Migration(\n",
            "blog/migrations/0001_initial.py": INITIAL,
            "blog/migrations/0002_a.py": migration(("blog", "0001_initial")),
            "blog/migrations/0002_b.py": migration(("blog", "0001_initial")),
        },
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    broken = [f for f in findings if f["code"] == "ML009"]
    assert broken and broken[0]["path"] == "shop/migrations/0002_broken.py"
    assert broken[0]["line"] >= 1
    assert any(f["code"] == "ML001" and f["app"] == "blog" for f in findings)


def test_noqa_on_the_line_and_for_the_file(tmp_path: Path) -> None:
    custom = "from shop.ops import Trigger\n" + migration(
        operations="Trigger('audit'),  # noqa: ML008\n"
    )
    file_wide = "# migration-lint: noqa: ML008\nfrom shop.ops import Trigger\n" + migration(
        ("shop", "0001_initial"), operations="Trigger('audit'),\n"
    )
    other_code = "from shop.ops import Trigger\n" + migration(
        ("shop", "0002_file"), operations="Trigger('audit'),  # noqa: ML001\n"
    )
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": custom,
            "shop/migrations/0002_file.py": file_wide,
            "shop/migrations/0003_other.py": other_code,
        },
    )
    _, findings = check_json(tmp_path)
    assert sorted((f["code"], f["migration"]) for f in findings) == [
        ("ML008", "0003_other"),
        ("ML504", "0003_other"),  # the noqa names a code that reports nothing there
    ]


def test_select_ignore_and_per_file_ignores(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
            "shop/migrations/0002_stock.py": migration(("shop", "0001_initial")),
        },
    )
    assert check_json(tmp_path, "--ignore", "ML001") == (0, [])
    assert check_json(tmp_path, "--select", "ML002,ML003") == (0, [])
    _, findings = check_json(tmp_path, "--select", "conflicting-leaves")
    assert codes(findings) == ["ML001"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\n"
        "per-file-ignores = { 'shop/*' = ['ML001'] }\n"
    )
    assert check_json(tmp_path) == (0, [])


def test_bad_inputs_each_get_a_finding_with_a_line_and_the_run_goes_on(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0003_dynamic.py": (
                "from django.db import migrations\n"
                "from shop.util import deps\n"
                "\n"
                "\n"
                "class Migration(migrations.Migration):\n"
                "    dependencies = deps()\n"
                "    operations = []\n"
            ),
            "blog/migrations/0001_initial.py": INITIAL,
            "blog/migrations/0002_a.py": migration(("blog", "0001_initial")),
            "blog/migrations/0002_b.py": migration(("blog", "0001_initial")),
        },
    )
    (tmp_path / "shop/migrations/0002_latin1.py").write_bytes(
        "# caf\xe9\n".encode("latin-1") + migration(("shop", "0001_initial")).encode()
    )
    (tmp_path / "legacy/migrations").mkdir(parents=True)
    (tmp_path / "legacy/__init__.py").touch()
    (tmp_path / "legacy/migrations/0001_initial.py").write_text(INITIAL)
    status, findings = check_json(tmp_path)
    assert status == 1
    by_code = {(f["code"], f["path"]): f for f in findings}
    latin1 = by_code["ML009", "shop/migrations/0002_latin1.py"]
    assert latin1["line"] == 1
    dynamic = by_code["ML009", "shop/migrations/0003_dynamic.py"]
    assert dynamic["line"] == 6  # dependencies = deps()
    assert "shop.util.deps" in str(dynamic["message"])
    namespace = by_code["ML006", "legacy/migrations"]
    assert namespace["severity"] == "info"
    assert "__init__.py" in str(namespace["message"])
    assert any(f["code"] == "ML001" and f["app"] == "blog" for f in findings)


def test_a_huge_migration_is_read(tmp_path: Path) -> None:
    operations = "migrations.CreateModel('Book', [('id', models.AutoField(primary_key=True))]),\n"
    operations += "".join(
        f"migrations.AddField('book', 'f{n}', models.IntegerField(default={n})),\n"
        for n in range(2000)
    )
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration(operations=operations)})
    assert check_json(tmp_path) == (0, [])


def test_no_conflict_is_claimed_when_a_file_of_the_app_is_unreadable(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_broken.py": "class Migration(\n",
        },
    )
    _, findings = check_json(tmp_path)
    assert codes(findings) == ["ML009"]


def test_unknown_operations_are_a_warning_unknown_dependencies_an_error(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": (
                "from django.db import connection, migrations\n\n\n"
                "class Migration(migrations.Migration):\n"
                "    dependencies = []\n"
                "    if connection.vendor == 'postgresql':\n"
                "        operations = [migrations.RunSQL('SELECT 1')]\n"
                "    else:\n"
                "        operations = []\n"
            ),
        },
    )
    _, findings = check_json(tmp_path)
    assert [(f["code"], f["severity"]) for f in findings] == [("ML009", "warning")]


def test_operation_aliases_make_a_custom_operation_behave_like_djangos(tmp_path: Path) -> None:
    custom = "from shop.ops import FakeAddField\n" + migration(
        ("shop", "0001_initial"),
        operations="FakeAddField('book', 'isbn', models.CharField(max_length=13)),\n",
    )
    write_tree(
        tmp_path,
        {"shop/migrations/0001_initial.py": INITIAL, "shop/migrations/0002_isbn.py": custom},
    )
    assert codes(check_json(tmp_path)[1]) == ["ML008"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\n"
        "operation-aliases = { 'shop.ops.FakeAddField' = 'AddField' }\n"
    )
    # Judged as Django's AddField: a NOT NULL column without a default on an existing table.
    assert codes(check_json(tmp_path, "--ignore", "ML131")[1]) == ["ML101"]
    state = json.loads(run(tmp_path, "state", "--format", "json", "--no-cache").output)
    fields = dict(state["models"]["shop.book"]["fields"])
    assert fields["isbn"] == {
        "path": "django.db.models.CharField",
        "args": [],
        "kwargs": {"max_length": 13},
    }
    (tmp_path / "pyproject.toml").write_text(
        "[tool.migration-lint]\noperation-aliases = { 'shop.ops.FakeAddField' = 'AddThing' }\n"
    )
    result = run(tmp_path, "check", "--no-cache")
    assert result.exit_code == 2
    assert "'AddThing'" in result.output
