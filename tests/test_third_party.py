"""Known third-party operations (django-pg-migration-tools, django-pgtrigger): no ML008, the
state Django would build with them, no lock finding, and what the plan says they do."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from migration_lint.state.operations import OPERATIONS
from migration_lint.third_party import THIRD_PARTY
from tests.projects import check_json, migration, run, write_tree

INITIAL = (Path(__file__).parent / "fixtures" / "labelled" / "0001_initial.py").read_text()

#: As django-pg-migration-tools' documentation writes them.
PG_TOOLS = """\
from django_pg_migration_tools import operations
""" + migration(
    ("shop", "0001_initial"),
    extra="atomic = False",
    operations="""\
    operations.SaferAddIndexConcurrently(
        model_name="book",
        index=models.Index(fields=["title"], name="book_title_idx"),
    ),
    operations.SaferRemoveIndexConcurrently(model_name="book", name="book_published_idx"),
    operations.SaferAddUniqueConstraint(
        model_name="book",
        constraint=models.UniqueConstraint(fields=("isbn",), name="book_isbn_uniq"),
        raise_if_exists=False,
    ),
    operations.SaferAddCheckConstraint(
        model_name="book",
        constraint=models.CheckConstraint(condition=models.Q(price__gte=0), name="price_gte_0"),
    ),
    operations.SaferRemoveCheckConstraint(model_name="book", name="book_pages_positive"),
    operations.SaferAddFieldForeignKey(
        model_name="book",
        name="editor",
        field=models.ForeignKey(
            "shop.author", null=True, on_delete=models.SET_NULL, related_name="+"
        ),
    ),
    operations.SaferAddFieldOneToOne(
        model_name="book",
        name="cover_author",
        field=models.OneToOneField(
            "shop.author", null=True, on_delete=models.SET_NULL, related_name="+"
        ),
    ),
    operations.SaferAlterFieldSetNotNull(
        model_name="book",
        name="isbn",
        field=models.CharField(max_length=13),
    ),
    operations.SaferRemoveFieldForeignKey(model_name="book", name="cover_author"),
    """,
)

#: As ``makemigrations`` writes them with django-pgtrigger installed.
PGTRIGGER = """\
import pgtrigger.compiler
import pgtrigger.migrations
""" + migration(
    ("shop", "0001_initial"),
    operations="""\
    pgtrigger.migrations.AddTrigger(
        model_name="book",
        trigger=pgtrigger.compiler.Trigger(
            name="protect_deletes",
            sql=pgtrigger.compiler.UpsertTriggerSql(
                func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                hash="2b3c4d",
                operation="DELETE",
                pgid="pgtrigger_protect_deletes_1a2b3",
                table="shop_book",
                when="BEFORE",
            ),
        ),
    ),
    pgtrigger.migrations.RemoveTrigger(model_name="book", name="protect_deletes"),
    """,
)


def project(tmp_path: Path, second: str) -> Path:
    return write_tree(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.migration-lint]\ndjango-contrib = 'never'\ndeploy-sets-lock-timeout = true\n"
            ),
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_third_party.py": second,
        },
    )


def book(root: Path) -> dict[str, Any]:
    result = run(root, "state", "--format", "json", "--model", "shop.Book")
    assert result.exit_code == 0, result.output
    model: dict[str, Any] = json.loads(result.output)["models"]["shop.book"]
    return model


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["kwargs"]["name"] for item in items]


@pytest.mark.parametrize("second", [PG_TOOLS, PGTRIGGER], ids=["pg-tools", "pgtrigger"])
def test_known_operations_are_not_unknown_and_judged_safe(tmp_path: Path, second: str) -> None:
    _, findings = check_json(project(tmp_path, second))
    assert [(f["code"], f["message"]) for f in findings] == []


def test_an_operation_of_another_package_is_still_unknown(tmp_path: Path) -> None:
    second = "from django_pg_migration_tools import operations\n" + migration(
        ("shop", "0001_initial"),
        operations="operations.SaferSomethingNew(model_name='book'),\n",
    )
    _, findings = check_json(project(tmp_path, second))
    assert [f["code"] for f in findings] == ["ML008"]


def test_pg_tools_operations_build_the_state_of_their_django_equivalents(tmp_path: Path) -> None:
    model = book(project(tmp_path, PG_TOOLS))
    fields = dict(model["fields"])
    assert "editor" in fields and "cover_author" not in fields  # added, added then removed
    assert fields["isbn"]["kwargs"] == {"max_length": 13}  # NOT NULL now
    assert names(model["options"]["indexes"]) == ["book_title_idx"]
    assert names(model["options"]["constraints"]) == ["book_isbn_uniq", "price_gte_0"]


def test_pgtrigger_operations_leave_the_models_alone(tmp_path: Path) -> None:
    root = project(tmp_path, PGTRIGGER)
    model = book(root)
    assert [name for name, _ in model["fields"]][-1] == "tags"
    assert "triggers" not in model["options"]


def test_a_call_that_does_not_bind_is_still_reported(tmp_path: Path) -> None:
    second = "from django_pg_migration_tools import operations\n" + migration(
        ("shop", "0001_initial"),
        extra="atomic = False",
        operations="operations.SaferRemoveIndexConcurrently('book', 'x', 'y'),\n",
    )
    _, findings = check_json(project(tmp_path, second))
    assert [f["code"] for f in findings] == ["ML010"]
    assert "takes 3 positional arguments but 4 were given" in findings[0]["message"]


def test_pg_tools_operations_need_a_non_atomic_migration(tmp_path: Path) -> None:
    _, findings = check_json(project(tmp_path, PG_TOOLS.replace("atomic = False", "")))
    assert {f["code"] for f in findings} == {"ML121"}
    assert len(findings) == 9  # every one of them refuses a transaction


def test_the_plan_lists_what_they_run(tmp_path: Path) -> None:
    result = run(project(tmp_path, PG_TOOLS), "plan", "--format", "json")
    plan = json.loads(result.output)
    (second,) = [m for m in plan["migrations"] if m["name"] == "0002_third_party"]
    first = second["operations"][0]
    assert [(e["lock"], e["scans"], e["code"]) for e in first["effects"]] == [
        ("SHARE UPDATE EXCLUSIVE", True, None)
    ]
    assert "CONCURRENTLY" in first["effects"][0]["what"]


REPLAYED = sorted(path for path, known in THIRD_PARTY.items() if known.replays_as is not None)


def test_only_pgtrigger_operations_leave_the_state_alone() -> None:
    assert sorted(set(THIRD_PARTY) - set(REPLAYED)) == [
        "pgtrigger.migrations.AddTrigger",
        "pgtrigger.migrations.RemoveTrigger",
    ]


@pytest.mark.parametrize("path", REPLAYED)
def test_each_replays_as_a_django_operation_it_extends(path: str) -> None:
    """The package's class inherits from the Django operation it replays as, and takes its
    parameters first (checked against Django's own constructor)."""
    from django.db import migrations

    known = THIRD_PARTY[path]
    assert known.replays_as is not None

    assert known.replays_as in OPERATIONS
    django_class = getattr(migrations, known.replays_as.rsplit(".", 1)[1])
    parameters = list(inspect.signature(django_class.__init__).parameters)[1:]
    assert [*known.required, *known.optional][: len(parameters)] == parameters
