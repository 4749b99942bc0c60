"""ML501-ML503: what a branch did to the migrations its base ref (production) has.

Each test commits a history on ``main``, changes the work tree as a branch would, and runs
``check --base main`` restricted to the ML5xx rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.projects import check_json, git, migration, run, write_tree
from tests.test_baseline import CREATE_BOOK, add_pages, committed

MIGRATIONS = "shop/migrations"
RENAME_TITLE = migration(
    ("shop", "0002_pages"),
    operations='migrations.RenameField("book", "pages", "page_count"),\n',
)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """``main``: Book (0001), its ``pages`` column (0002) and a rename (0003)."""
    return committed(
        tmp_path / "project",
        {
            f"{MIGRATIONS}/0001_initial.py": CREATE_BOOK,
            f"{MIGRATIONS}/0002_pages.py": add_pages("book", "0001_initial"),
            f"{MIGRATIONS}/0003_rename.py": RENAME_TITLE,
        },
    )


def findings(root: Path) -> list[dict[str, Any]]:
    """The ML5xx findings of ``check --base main``."""
    _, found = check_json(root, "--select", "ML5", "--base", "main")
    return found


def where(found: list[dict[str, Any]]) -> list[tuple[str, str, int, int]]:
    return [(f["code"], f["path"], f["line"], f["column"]) for f in found]


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / MIGRATIONS / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_untouched_history_is_fine(shop: Path) -> None:
    write_tree(shop, {f"{MIGRATIONS}/0004_more.py": add_pages("book", "0003_rename")})
    assert findings(shop) == []


def test_an_edited_operation_is_reported_where_it_changed(shop: Path) -> None:
    edit(shop, "0002_pages.py", "IntegerField(default=0)", "IntegerField(default=1)")
    (found,) = findings(shop)
    assert where([found]) == [("ML501", f"{MIGRATIONS}/0002_pages.py", 11, 9)]
    assert found["severity"] == "error"
    assert found["message"].startswith("shop.0002_pages exists at main and was edited")
    assert "new migration" in found["hint"]


def test_an_added_operation_is_reported_at_the_addition(shop: Path) -> None:
    edit(
        shop,
        "0003_rename.py",
        '"page_count"),\n',
        '"page_count"),\n        migrations.DeleteModel("Book"),\n',
    )
    assert where(findings(shop)) == [("ML501", f"{MIGRATIONS}/0003_rename.py", 12, 9)]


def test_a_removed_operation_is_reported_at_the_list(shop: Path) -> None:
    edit(shop, "0003_rename.py", 'migrations.RenameField("book", "pages", "page_count"),', "")
    assert where(findings(shop)) == [("ML501", f"{MIGRATIONS}/0003_rename.py", 10, 5)]


def test_comments_formatting_and_docstrings_do_not_count(shop: Path) -> None:
    path = shop / MIGRATIONS / "0002_pages.py"
    text = '"""Adds the page count."""\n# Reviewed.\n' + path.read_text()
    text = text.replace(":\n", ':\n    """Pages."""  # a comment\n', 1)
    path.write_text(text.replace("IntegerField(default=0)", "IntegerField( default = 0 )"))
    assert findings(shop) == []


def test_dependency_changes_count_only_towards_new_migrations(shop: Path) -> None:
    """Pointing an applied migration at another applied one changes nothing that ran;
    pointing it at a new one makes ``migrate`` refuse where it is applied."""
    edit(shop, "0003_rename.py", "0002_pages", "0001_initial")
    assert findings(shop) == []
    write_tree(shop, {f"{MIGRATIONS}/0004_new.py": migration(("shop", "0002_pages"))})
    edit(shop, "0003_rename.py", "0001_initial", "0004_new")
    (found,) = findings(shop)
    assert where([found]) == [("ML501", f"{MIGRATIONS}/0003_rename.py", 7, 9)]
    assert "InconsistentMigrationHistory" in found["message"]


def test_an_unparsable_edit_is_reported_at_the_class(shop: Path) -> None:
    edit(shop, "0003_rename.py", "operations = [", "operations = [[")
    assert [f["code"] for f in findings(shop)] == ["ML501"]


def test_a_deleted_migration_points_at_its_package(shop: Path) -> None:
    (shop / MIGRATIONS / "0003_rename.py").unlink()
    (found,) = findings(shop)
    assert where([found]) == [("ML502", f"{MIGRATIONS}/__init__.py", 1, 1)]
    assert f"({MIGRATIONS}/0003_rename.py)" in found["message"]
    assert (found["app"], found["migration"]) == ("shop", "0003_rename")
    text = run(shop, "check", "--no-cache", "--select", "ML5", "--base", "main")
    assert text.exit_code == 1
    assert f"{MIGRATIONS}/__init__.py:1:1: ML502" in text.output


def test_a_renamed_migration_is_reported_at_its_new_name(shop: Path) -> None:
    git(shop, "mv", f"{MIGRATIONS}/0003_rename.py", f"{MIGRATIONS}/0003_page_count.py")
    (found,) = findings(shop)
    assert where([found]) == [("ML503", f"{MIGRATIONS}/0003_page_count.py", 4, 1)]
    assert "shop.0003_rename of main" in found["message"]


def test_a_renamed_and_edited_migration_is_a_deletion(shop: Path) -> None:
    git(shop, "mv", f"{MIGRATIONS}/0003_rename.py", f"{MIGRATIONS}/0003_page_count.py")
    edit(shop, "0003_page_count.py", '"page_count"', '"n_pages"')
    assert [f["code"] for f in findings(shop)] == ["ML502"]


SQUASH = migration(
    operations="""\
    migrations.CreateModel(
        name="Book",
        fields=[
            ("id", models.BigAutoField(primary_key=True)),
            ("pages", models.IntegerField(default=0)),
        ],
    ),
    """,
    extra='replaces = [("shop", "0001_initial"), ("shop", "0002_pages")]\ninitial = True',
)


def squash_cleanup(root: Path) -> None:
    """Django's documented clean-up: delete the replaced files, drop ``replaces`` and point
    the dependants at the squash."""
    for name in ("0001_initial.py", "0002_pages.py"):
        (root / MIGRATIONS / name).unlink()
    edit(
        root,
        "0001_squashed_0002.py",
        'replaces = [("shop", "0001_initial"), ("shop", "0002_pages")]',
        "",
    )
    edit(root, "0003_rename.py", "0002_pages", "0001_squashed_0002")


def test_squash_cleanup_once_the_squash_is_deployed_is_fine(shop: Path) -> None:
    write_tree(shop, {f"{MIGRATIONS}/0001_squashed_0002.py": SQUASH})
    git(shop, "add", ".")
    git(shop, "commit", "-q", "-m", "squash")
    squash_cleanup(shop)
    assert findings(shop) == []


def test_squash_cleanup_in_the_deploy_that_adds_the_squash_is_not(shop: Path) -> None:
    """Databases where only 0001 is applied need 0002's file; and 0003 is applied where
    its new dependency, the squash, is not recorded yet."""
    write_tree(shop, {f"{MIGRATIONS}/0001_squashed_0002.py": SQUASH})
    squash_cleanup(shop)
    assert [(f["code"], f["migration"]) for f in findings(shop)] == [
        ("ML501", "0003_rename"),
        ("ML502", "0001_initial"),
        ("ML502", "0002_pages"),
    ]
