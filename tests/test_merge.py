"""``migration-lint merge`` against real ``makemigrations --merge --noinput``.

Every differential test builds a conflict scenario twice in tmp, lets real Django write its
merge migration in one copy and our command in the other, and compares the new files' names
and text byte for byte; only the header line differs by design (it names the tool and the
minute it ran), and Django's timestamp names depend on the clock, so those digits are masked.
Django runs with a PATH without ``black``, which it would otherwise run on the file.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import Result

from migration_lint.cli import _write_new_file
from migration_lint.config import load_config
from migration_lint.merge import merge_name, parse_number, plan_merge
from migration_lint.pipeline import analyse
from migration_lint.writer import MigrationText, render_migration
from tests.oracle import App, OracleProject, run_django
from tests.projects import migration, run, write_tree

Files = dict[str, str]

MODEL = """\
migrations.CreateModel(
    name='Book',
    fields=[
        ('id', models.AutoField(primary_key=True)),
        ('title', models.CharField(max_length=10)),
    ],
),
migrations.CreateModel(
    name='Shelf',
    fields=[('id', models.AutoField(primary_key=True))],
),
"""


def initial(app: str) -> Files:
    """An app's first migration: the models every scenario's branches work on."""
    return {f"{app}/migrations/0001_initial.py": migration(operations=MODEL)}


def branch(app: str, name: str, parent: str, operations: str = "") -> Files:
    """One migration of ``app`` named ``name`` on top of ``parent``."""
    return {f"{app}/migrations/{name}.py": migration((app, parent), operations=operations)}


def add_field(model: str, field: str) -> str:
    return f"migrations.AddField('{model}', '{field}', models.IntegerField(default=0)),\n"


#: Two branches of app "shop" that change different fields: a merge Django and we agree on.
SAFE = {
    **initial("shop"),
    **branch("shop", "0002_a", "0001_initial", add_field("book", "pages")),
    **branch("shop", "0002_b", "0001_initial", add_field("book", "isbn")),
}


def _apps(files: Files) -> list[str]:
    return sorted({relative.split("/")[0] for relative in files})


def build(root: Path, files: Files, pyproject_extra: str = "") -> Path:
    """The tree ``files`` under ``root``, configured for our tool like the oracle's settings."""
    root.mkdir(parents=True)
    installed = ", ".join(repr(app) for app in _apps(files))
    (root / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\n"
        f"installed-apps = [{installed}]\n{pyproject_extra}"
    )
    return write_tree(root, files)


def _snapshot(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in root.rglob("migrations/*.py")
    }


def _new_files(root: Path, before: dict[str, str]) -> dict[str, str]:
    after = _snapshot(root)
    assert {k: v for k, v in after.items() if k in before} == before, "a file was changed"
    return {k: v for k, v in after.items() if k not in before}


@pytest.fixture
def no_black(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django 4.1+ runs ``black`` on the files it writes when it is on PATH: hide it."""
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    monkeypatch.setenv("PATH", os.pathsep.join(e for e in path if not (Path(e) / "black").exists()))
    assert shutil.which("black") is None


def django_merge(tmp: Path, files: Files, *args: str) -> tuple[dict[str, str], str, str, int]:
    """New files, stdout, stderr and exit status of real ``makemigrations --merge``."""
    root = build(tmp / "django", files)
    before = _snapshot(root)
    project = OracleProject(root=root, apps=[App(app, app) for app in _apps(files)], contrib=[])
    result = run_django(
        project, tmp / "work", "makemigrations", "--merge", "--noinput", *args, check=False
    )
    return _new_files(root, before), result.stdout, result.stderr, result.returncode


def our_merge(
    tmp: Path, files: Files, *args: str, pyproject_extra: str = ""
) -> tuple[dict[str, str], Result]:
    """New files and the result of ``migration-lint merge --no-cache ARGS``."""
    root = build(tmp / "ours", files, pyproject_extra)
    before = _snapshot(root)
    result = run(root, "merge", "--no-cache", *args)
    return _new_files(root, before), result


_TIMESTAMP = re.compile(r"merge_\d{8}_\d{4}")


def _comparable(files: dict[str, str], header: str | None) -> dict[str, str]:
    """Mask what legitimately differs: the header line (checked) and timestamp names."""
    masked = {}
    for name, text in files.items():
        if header is not None:
            first, _, text = text.partition("\n")
            assert re.fullmatch(header, first), first
        masked[_TIMESTAMP.sub("merge_TIMESTAMP", name)] = text
    return masked


DJANGO_HEADER = r"# Generated by Django [\w.]+ on \d{4}-\d\d-\d\d \d\d:\d\d"
OUR_HEADER = r"# Generated by django-migration-lint [\w.]+ on \d{4}-\d\d-\d\d \d\d:\d\d"


def assert_same_as_django(tmp: Path, files: Files, *args: str) -> dict[str, str]:
    """Both tools' merge files: equal names and text (header masked), Django's listing too."""
    theirs, django_out, django_err, status = django_merge(tmp, files, *args)
    assert status == 0, django_err
    ours, result = our_merge(tmp, files, *args)
    assert result.exit_code == 0, result.output
    assert theirs, "Django wrote no merge file: the scenario has no conflict"
    headers = (None, None) if "--no-header" in args else (OUR_HEADER, DJANGO_HEADER)
    assert _comparable(ours, headers[0]) == _comparable(theirs, headers[1])
    # The "Merging app / Branch leaf / operations" listing precedes each "Created" line.
    assert "Merging " in django_out and _listing(result.stdout) == _listing(django_out)
    return ours


def _listing(stdout: str) -> list[str]:
    """The per-app blocks of the listing, sorted: Django orders apps by set order (and
    interleaves "Created ..." lines, which name absolute paths)."""
    text = re.sub(r"\nCreated new merge migration .*\n", "", stdout)
    return sorted(block for block in re.split(r"(?m)^(?=Merging )", text) if block)


@pytest.mark.usefixtures("no_black")
@pytest.mark.parametrize(
    ("files", "args"),
    [
        pytest.param(SAFE, (), id="one-app"),
        pytest.param(SAFE, ("--no-header",), id="no-header-byte-for-byte"),
        pytest.param(SAFE, ("--name", "join_branches"), id="custom-name"),
        pytest.param(
            {
                **SAFE,
                **initial("blog"),
                **branch("blog", "0002_x", "0001_initial", add_field("shelf", "size")),
                **branch("blog", "0002_y", "0001_initial", "migrations.RunSQL('SELECT 1'),\n"),
                **branch("blog", "0003_z", "0002_y", add_field("book", "year")),
            },
            (),
            id="two-apps-uneven-branches",
        ),
        pytest.param(
            {
                **initial("shop"),
                **branch("shop", "0002_add_the_page_count_to_books", "0001_initial"),
                **branch("shop", "0002_add_the_isbn_to_every_book", "0001_initial"),
            },
            (),
            id="long-names-timestamp",
        ),
        pytest.param(
            {
                **initial("shop"),
                **branch("shop", "0002_a", "0001_initial", add_field("book", "pages")),
                **branch("shop", "0003_b", "0002_a", add_field("book", "isbn")),
                "shop/migrations/0002_squashed_0003_b.py": migration(
                    ("shop", "0001_initial"),
                    operations=add_field("book", "pages") + add_field("book", "isbn"),
                    extra="replaces = [('shop', '0002_a'), ('shop', '0003_b')]\n",
                ),
                **branch("shop", "0002_c", "0001_initial", add_field("shelf", "size")),
            },
            (),
            id="squashed-leaf-numbering",
        ),
        pytest.param(
            {
                **initial("shop"),
                **branch("shop", "alpha", "0001_initial"),
                **branch("shop", "beta", "0001_initial"),
            },
            (),
            id="non-numeric-names",
        ),
        pytest.param(
            {
                **initial("shop"),
                **branch("shop", "0002_a", "0001_initial"),
                **branch("shop", "0002_b", "0001_initial"),
                **branch("shop", "0002_c", "0001_initial"),
            },
            (),
            id="three-leaves",
        ),
    ],
)
def test_merge_file_is_djangos(tmp_path: Path, files: Files, args: tuple[str, ...]) -> None:
    ours = assert_same_as_django(tmp_path, files, *args)
    assert ours


@pytest.mark.usefixtures("no_black")
def test_squashed_leaf_gets_the_squash_number(tmp_path: Path) -> None:
    """Not just equal to Django: the name really comes from ``_squashed_3`` (Django 4.1+)."""
    files = {
        **initial("shop"),
        **branch("shop", "0002_a", "0001_initial"),
        "shop/migrations/0002_squashed_0003_b.py": migration(
            ("shop", "0001_initial"), extra="replaces = [('shop', '0002_a')]\n"
        ),
        **branch("shop", "0002_c", "0001_initial"),
    }
    ours = assert_same_as_django(tmp_path, files)
    assert list(ours) == ["shop/migrations/0004_merge_0002_c_0002_squashed_0003_b.py"]


@pytest.mark.usefixtures("no_black")
def test_no_common_ancestor_is_djangos_error(tmp_path: Path) -> None:
    files = {
        "shop/migrations/0001_a.py": migration(),
        "shop/migrations/0001_b.py": migration(),
    }
    theirs, _, django_err, status = django_merge(tmp_path, files)
    ours, result = our_merge(tmp_path, files)
    message = "Could not find common ancestor of ['0001_a', '0001_b']"
    assert status != 0 and message in django_err and not theirs
    assert result.exit_code == 1 and not ours
    assert f"error: {message}" in result.stderr


CONFLICTS = {
    "same-field": (
        "migrations.AlterField('book', 'title', models.CharField(max_length=20)),\n",
        "migrations.RemoveField('Book', 'title'),\n",
        "both branches change the field shop.book.title",
    ),
    "two-addfield": (
        add_field("book", "pages"),
        add_field("Book", "Pages"),
        "both branches add the field shop.book.pages",
    ),
    "same-model": (
        "migrations.AlterModelOptions('book', options={'ordering': ['id']}),\n",
        "migrations.AlterModelTable('book', 'books'),\n",
        "both branches change the model shop.book",
    ),
    "same-index-name": (
        "migrations.AddIndex('book', models.Index(fields=['title'], name='book_idx')),\n",
        "migrations.AddIndex('shelf', models.Index(fields=['id'], name='book_idx')),\n",
        "both branches change the index shop.book_idx",
    ),
    "same-constraint-name": (
        "migrations.AddConstraint('book', models.UniqueConstraint(fields=['title'], "
        "name='uniq')),\n",
        "migrations.AddConstraint('book', models.CheckConstraint("
        "condition=models.Q(id__gt=0), name='uniq')),\n",
        "both branches change the constraint shop.uniq",
    ),
    "rename-model-then-use": (
        "migrations.RenameModel('Book', 'Novel'),\n",
        add_field("book", "pages"),
        "one branch renames shop.book, the other still uses the old name",
    ),
    "rename-model-then-relation": (
        "migrations.RenameModel('Book', 'Novel'),\n",
        "migrations.AddField('shelf', 'book', "
        "models.ForeignKey('shop.Book', on_delete=models.CASCADE, null=True)),\n",
        "one branch renames shop.book, the other still uses the old name",
    ),
    "rename-field-then-use": (
        "migrations.RenameField('book', 'title', 'name'),\n",
        "migrations.AlterField('book', 'title', models.CharField(max_length=30)),\n",
        "one branch renames shop.book.title, the other still uses the old name",
    ),
    "delete-model-then-use": (
        "migrations.DeleteModel('Shelf'),\n",
        add_field("shelf", "size"),
        "one branch deletes the model shop.shelf, the other uses it",
    ),
}


def conflicting(first: str, second: str) -> Files:
    return {
        **initial("shop"),
        **branch("shop", "0002_a", "0001_initial", first),
        **branch("shop", "0002_b", "0001_initial", second),
    }


@pytest.mark.parametrize(("first", "second", "reason"), CONFLICTS.values(), ids=list(CONFLICTS))
def test_real_conflicts_are_refused(tmp_path: Path, first: str, second: str, reason: str) -> None:
    ours, result = our_merge(tmp_path, conflicting(first, second))
    assert result.exit_code == 1
    assert not ours
    assert f"error: shop: {reason}\n" in result.stderr
    # Each side of the conflict is located by file and line (line 11: the first operation).
    assert "shop/migrations/0002_a.py:11: " in result.stderr
    assert "shop/migrations/0002_b.py:11: " in result.stderr


def test_force_merges_real_conflicts_with_warnings(tmp_path: Path) -> None:
    first, second, reason = CONFLICTS["same-field"]
    ours, result = our_merge(tmp_path, conflicting(first, second), "--force")
    assert result.exit_code == 0
    assert list(ours) == ["shop/migrations/0003_merge_0002_a_0002_b.py"]
    assert f"warning: shop: {reason}" in result.stderr


def test_unrelated_changes_to_one_model_are_not_conflicts(tmp_path: Path) -> None:
    """Different fields, a field and the model's options, relations to a model both keep."""
    ours, result = our_merge(
        tmp_path,
        conflicting(
            add_field("book", "pages")
            + "migrations.AlterModelOptions('book', options={'ordering': ['id']}),\n",
            add_field("book", "isbn") + "migrations.AddField('shelf', 'book', "
            "models.ForeignKey('shop.Book', on_delete=models.CASCADE, null=True)),\n",
        ),
    )
    assert result.exit_code == 0, result.stderr
    assert len(ours) == 1


def _conflict_blocks(stderr: str) -> list[str]:
    """Each ``error: app: reason`` line with the two ``path:line`` lines under it."""
    return re.findall(r"(?m)^error: .*\n(?: {4}.*\n){2}", stderr)


def _refused_for(files: Files, tmp: Path, reason: str, *places: str) -> None:
    """The merge is refused, and one conflict has ``reason`` and both ``places``."""
    ours, result = our_merge(tmp, files)
    assert (result.exit_code, ours) == (1, {}), result.stderr
    blocks = [b for b in _conflict_blocks(result.stderr) if f"error: shop: {reason}\n" in b]
    assert any(all(f"    {place}: " in b for place in places) for b in blocks), result.stderr


def test_field_renamed_earlier_on_a_branch_is_compared_under_its_old_name(tmp_path: Path) -> None:
    """``title`` became ``name`` in 0002_a; 0003_a's AlterField of ``name`` and 0002_b's of
    ``title`` change the same column, which literal names alone cannot tell."""
    files = {
        **initial("shop"),
        **branch(
            "shop", "0002_a", "0001_initial", "migrations.RenameField('book', 'title', 'name'),\n"
        ),
        **branch(
            "shop",
            "0003_a",
            "0002_a",
            "migrations.AlterField('book', 'name', models.CharField(max_length=40)),\n",
        ),
        **branch(
            "shop",
            "0002_b",
            "0001_initial",
            "migrations.AlterField('book', 'title', models.CharField(max_length=30)),\n",
        ),
    }
    places = ("shop/migrations/0003_a.py:11", "shop/migrations/0002_b.py:11")
    _refused_for(files, tmp_path, "both branches change the field shop.book.title", *places)


def test_model_renamed_earlier_on_a_branch_is_the_model_the_other_deletes(tmp_path: Path) -> None:
    """0003_a adds a field to ``Novel``, which is ``Book`` renamed: 0002_b deletes it."""
    files = {
        **initial("shop"),
        **branch("shop", "0002_a", "0001_initial", "migrations.RenameModel('Book', 'Novel'),\n"),
        **branch("shop", "0003_a", "0002_a", add_field("novel", "pages")),
        **branch("shop", "0002_b", "0001_initial", "migrations.DeleteModel('Book'),\n"),
    }
    places = ("shop/migrations/0003_a.py:11", "shop/migrations/0002_b.py:11")
    _refused_for(
        files, tmp_path, "one branch deletes the model shop.book, the other uses it", *places
    )


def test_same_index_name_from_create_model_options(tmp_path: Path) -> None:
    """An index declared in ``CreateModel(options=...)`` is found in the state as well as
    one added by ``AddIndex`` (a model's indexes share the app's namespace of names)."""
    create = (
        "migrations.CreateModel('Author', fields=[('id', models.AutoField(primary_key=True))], "
        "options={'indexes': [models.Index(fields=['id'], name='book_idx')]}),\n"
    )
    add = "migrations.AddIndex('book', models.Index(fields=['title'], name='book_idx')),\n"
    places = ("shop/migrations/0002_a.py:11", "shop/migrations/0002_b.py:11")
    reason = "both branches change the index shop.book_idx"
    _refused_for(conflicting(create, add), tmp_path, reason, *places)


def test_state_operations_of_run_sql_are_compared(tmp_path: Path) -> None:
    run_sql = (
        "migrations.RunSQL('ALTER TABLE shop_book ALTER title TYPE varchar(30)', "
        "state_operations=[migrations.AlterField('book', 'title', "
        "models.CharField(max_length=30))]),\n"
    )
    remove = "migrations.RemoveField('book', 'title'),\n"
    places = ("shop/migrations/0002_a.py:11", "shop/migrations/0002_b.py:11")
    reason = "both branches change the field shop.book.title"
    _refused_for(conflicting(run_sql, remove), tmp_path, reason, *places)


def test_a_field_rename_does_not_claim_the_rest_of_the_model(tmp_path: Path) -> None:
    """Renaming ``title`` rewrites the model (and relations to it) in the state; the other
    branch's new field and index on the same model are still no conflict."""
    ours, result = our_merge(
        tmp_path,
        conflicting(
            "migrations.RenameField('book', 'title', 'name'),\n"
            "migrations.AlterUniqueTogether('book', {('name', 'id')}),\n",
            add_field("book", "pages")
            + "migrations.AddIndex('book', models.Index(fields=['pages'], name='pages_idx')),\n"
            + "migrations.AlterField('book', 'id', models.BigAutoField(primary_key=True)),\n",
        ),
    )
    assert result.exit_code == 0, result.stderr
    assert len(ours) == 1


def test_operations_the_replay_cannot_follow_are_reported_once_per_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RunPython, RunSQL without state_operations and custom operations touch the schema in
    ways the state does not record: they are named, per branch, as not checked."""
    files = {
        **initial("shop"),
        **branch(
            "shop",
            "0002_a",
            "0001_initial",
            "migrations.RunSQL('DROP TABLE shop_book'),\nmigrations.RunPython(print),\n",
        ),
        **branch("shop", "0003_a", "0002_a", "Custom(),\n"),
        **branch("shop", "0002_b", "0001_initial", add_field("book", "pages")),
    }
    root = build(tmp_path / "ours", files)
    monkeypatch.chdir(root)
    config = load_config(root, overrides={"cache-dir": False})
    analysis = analyse(config)
    [plan] = [
        plan_merge(analysis.loaded, app, leaves, analysis.by_key)
        for app, leaves in analysis.loaded.detect_conflicts().items()
    ]
    assert plan.conflicts() == []
    assert plan.unchecked() == [
        "branch 0003_a: not checked for conflicts, their effect on the models is unknown:\n"
        "    shop/migrations/0002_a.py:11: Raw SQL operation\n"
        "    shop/migrations/0002_a.py:12: Raw Python operation\n"
        "    shop/migrations/0003_a.py:11: Custom()"
    ]
    _, result = our_merge(tmp_path / "cli", files, "--dry-run")
    assert result.exit_code == 0
    assert "warning: shop: branch 0003_a: not checked for conflicts" in result.stderr


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    """``--name fix`` names the merge ``0003_fix``, which an ancestor already is (numbers
    come from the leaves only): Django would overwrite it, we refuse and keep it."""
    files = {
        **initial("shop"),
        **branch("shop", "0003_fix", "0001_initial", add_field("book", "pages")),
        **branch("shop", "0002_a", "0003_fix"),
        **branch("shop", "0002_b", "0003_fix"),
    }
    ours, result = our_merge(tmp_path, files, "--name", "fix")
    assert result.exit_code == 2
    assert "shop/migrations/0003_fix.py already exists; not overwriting it" in result.stderr
    assert not ours  # and _new_files checked that 0003_fix.py is unchanged


def test_write_never_replaces_a_file_that_appears_late(tmp_path: Path) -> None:
    """The last line of defence: the link fails if the name was taken after the check."""
    path = tmp_path / "0003_merge.py"
    path.write_text("mine\n")
    with pytest.raises(FileExistsError):
        _write_new_file(path, "theirs\n")
    assert path.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["0003_merge.py"]


def test_write_is_complete_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    _write_new_file(tmp_path / "new.py", "text\n")
    assert [(p.name, p.read_text()) for p in tmp_path.iterdir()] == [("new.py", "text\n")]


def test_check_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    ours, result = our_merge(tmp_path, SAFE, "--check")
    assert (result.exit_code, ours) == (1, {})
    assert "shop: merge needed (0002_a, 0002_b)" in result.stdout


def test_check_without_conflicts_exits_0(tmp_path: Path) -> None:
    ours, result = our_merge(tmp_path, {**initial("shop")}, "--check")
    assert (result.exit_code, ours) == (0, {})
    assert result.stdout == "No conflicts detected to merge.\n"


def test_dry_run_prints_the_file_and_writes_nothing(tmp_path: Path) -> None:
    ours, result = our_merge(tmp_path, SAFE, "--dry-run", "--no-header")
    assert result.exit_code == 0
    assert not ours
    expected = render_migration(
        MigrationText([("shop", "0002_a"), ("shop", "0002_b")]), include_header=False
    )
    assert f"Full merge migrations file '0003_merge_0002_a_0002_b.py':\n{expected}" in (
        result.stdout
    )


def test_app_option_limits_the_merge_and_rejects_unknown_labels(tmp_path: Path) -> None:
    files = {**SAFE, **initial("blog"), **branch("blog", "0002_x", "0001_initial")}
    files.update(branch("blog", "0002_y", "0001_initial"))
    ours, result = our_merge(tmp_path, files, "--app", "blog")
    assert result.exit_code == 0
    assert list(ours) == ["blog/migrations/0003_merge_0002_x_0002_y.py"]
    assert run(tmp_path / "ours", "merge", "--no-cache", "--app", "nope").exit_code == 2


def test_invalid_name_is_a_usage_error(tmp_path: Path) -> None:
    ours, result = our_merge(tmp_path, SAFE, "--name", "not-an-identifier")
    assert (result.exit_code, ours) == (2, {})
    assert "valid Python identifier" in result.stderr


def test_header_names_the_tool_in_utc() -> None:
    text = render_migration(MigrationText([("a", "0001")]), now=datetime(2026, 1, 2, 3, 4))
    assert text.startswith("# Generated by django-migration-lint ")
    assert text.splitlines()[0].endswith(" on 2026-01-02 03:04")
    assert text.splitlines()[1] == ""


def test_writer_sorts_dependencies_and_optional_attributes_like_django() -> None:
    """Swappable lines sort after tuples; attributes appear in Django's order."""
    text = render_migration(
        MigrationText(
            dependencies=[("__setting__", "AUTH_USER_MODEL"), ("b", "0002"), ("a", "0001")],
            replaces=[("a", "0001_x")],
            initial=True,
            atomic=False,
        ),
        include_header=False,
    )
    assert text == (
        "from django.conf import settings\nfrom django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n\n"
        "    replaces = [('a', '0001_x')]\n\n    initial = True\n\n    atomic = False\n\n"
        "    dependencies = [\n        ('a', '0001'),\n        ('b', '0002'),\n"
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n    ]\n\n"
        "    operations = [\n    ]\n"
    )


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("0003_a", 3),
        ("0001_squashed_0004_x", 4),
        ("0001_squashed_0004_squashed_0007_y", 7),
        ("alpha", None),
        ("10000_big", 10000),
    ],
)
def test_parse_number(name: str, number: int | None) -> None:
    assert parse_number(name) == number


def test_merge_name_forms() -> None:
    now = datetime(2026, 1, 2, 3, 4)
    assert merge_name(["0003_b", "0003_a"]) == "0004_merge_0003_a_0003_b"
    assert merge_name(["alpha", "beta"]) == "0002_merge_alpha_beta"
    assert merge_name(["9999_a", "0001_b"], name="x") == "10000_x"
    long_leaves = ["0002_" + "a" * 21, "0002_" + "b" * 21]  # joined: exactly 53 > 47
    assert merge_name(long_leaves, now=now) == "0003_merge_20260102_0304"
    fits = ["0002_" + "a" * 18, "0002_" + "b" * 18]  # joined: exactly 47
    assert merge_name(fits, now=now) == f"0003_merge_{'_'.join(fits)}"
