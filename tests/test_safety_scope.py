"""Which tables are new to an operation: the context that keeps the safety rules quiet."""

from __future__ import annotations

from pathlib import Path

from tests.projects import check_json, migration, write_tree

AUTHOR = migration(
    operations="""\
    migrations.CreateModel('Author', [('id', models.AutoField(primary_key=True))]),
    migrations.CreateModel('Book', [('id', models.AutoField(primary_key=True))]),
    """,
    extra="initial = True",
)
BOOK_AUTHOR = """\
migrations.AddField(
    'book', 'author', models.ForeignKey('shop.author', models.CASCADE, null=True)
),
"""


def safety_codes(root: Path) -> dict[str, list[str]]:
    _, findings = check_json(root, "--select", "ML1,ML2,ML3")
    found: dict[str, list[str]] = {}
    for finding in findings:
        if finding["code"] != "ML131":
            found.setdefault(str(finding["migration"]), []).append(str(finding["code"]))
    return found


def test_a_split_initial_migration_works_on_new_tables(tmp_path: Path) -> None:
    """``makemigrations`` splits an app's first migration when foreign keys form a cycle:
    ``0002_initial`` adds them to tables nobody has used yet."""
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": AUTHOR,
            "shop/migrations/0002_initial.py": migration(
                ("shop", "0001_initial"), operations=BOOK_AUTHOR, extra="initial = True"
            ),
            "shop/migrations/0003_book_editor.py": migration(
                ("shop", "0002_initial"), operations=BOOK_AUTHOR.replace("'author'", "'editor'", 1)
            ),
        },
    )
    assert safety_codes(tmp_path) == {"0003_book_editor": ["ML120", "ML123"]}


def test_a_squash_reports_only_what_fails_wherever_it_runs(tmp_path: Path) -> None:
    """Django runs a squash only where none of the migrations it replaces ran: a new
    database. Its locks and drops harm nobody; an operation that cannot run at all does."""
    squash = migration(
        ("shop", "0001_initial"),
        operations=BOOK_AUTHOR
        + "migrations.RemoveField('book', 'author'),\n"
        + "AddIndexConcurrently('author', models.Index(fields=['id'], name='author_idx')),\n",
        extra="replaces = [('shop', '0002_author'), ('shop', '0003_drop')]",
    )
    write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": AUTHOR.replace("initial = True", ""),
            "shop/migrations/0002_squashed_0003.py": (
                "from django.contrib.postgres.operations import AddIndexConcurrently\n" + squash
            ),
        },
    )
    assert safety_codes(tmp_path) == {"0002_squashed_0003": ["ML121"]}
