"""The static state replay: Django's ``state_forwards`` semantics, operation by operation.

Each test replays a short history written as migration source and checks one rule of spec
§6.2 (the surprises first), the errors Django would raise (rule ML010), the sharing of
unchanged models between states, and the ``state`` command. Whole histories are compared with
real Django in ``tests/test_state_differential.py``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import textwrap
from pathlib import Path
from typing import Any

from migration_lint.model import ListValue, MigrationFile, Ref, SetValue, TupleValue
from migration_lint.operations import KNOWN_OPERATIONS
from migration_lint.parsing.migrations import parse_migration
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.encode import encode_state, select_models
from migration_lint.state.operations import OPERATIONS
from migration_lint.state.project import ModelState, ProjectState
from migration_lint.state.replay import Replay, replay
from tests.projects import check_json, migration, run, write_tree

BOOK = """\
migrations.CreateModel(
    name="Book",
    fields=[
        ("id", models.AutoField(primary_key=True)),
        ("title", models.CharField(max_length=100)),
        ("author", models.ForeignKey("Author", models.CASCADE, to_field="code")),
        ("price", models.IntegerField(default=1)),
    ],
    options={"unique_together": [("title", "price")], "ordering": ["title"]},
),
"""
AUTHOR = """\
migrations.CreateModel(
    "Author",
    [("id", models.AutoField(primary_key=True)), ("code", models.CharField(max_length=5))],
),
"""


def history(*steps: str | tuple[str, str]) -> list[MigrationFile]:
    """One migration per step (operations source; or ``(app, operations)``), in order."""
    files = []
    for number, step in enumerate(steps, start=1):
        app, operations = step if isinstance(step, tuple) else ("shop", step)
        source = "import myapp.operations\n" + migration(operations=textwrap.dedent(operations))
        name = f"{number:04d}_step"
        files.append(
            parse_migration(source.encode(), app_label=app, name=name, path=f"{app}/{name}.py")
        )
    return files


def replayed(*steps: str | tuple[str, str]) -> Replay:
    files = history(*steps)
    return replay([m.key for m in files], {m.key: m for m in files}, SettingsFacts())


def final(*steps: str | tuple[str, str]) -> ProjectState:
    return replayed(*steps).state


def fields(model: ModelState | None) -> list[str]:
    assert model is not None
    return list(model.fields)


def kwargs(model: ModelState | None, field: str) -> dict[str, Any]:
    assert model is not None
    return dict(model.fields[field].kwargs)


def notes(result: Replay, kind: str = "error") -> list[tuple[str, int, str]]:
    return [(m.name, n.span.line, n.message) for m, _, n in result.notes() if n.kind == kind]


# -- the surprises of spec §6.2 ------------------------------------------------------------------


def test_create_model_silently_replaces_a_model_of_the_same_name_in_place() -> None:
    state = final(
        BOOK + AUTHOR,
        'migrations.CreateModel("book", [("isbn", models.CharField(max_length=13))]),',
    )
    assert list(state) == [("shop", "book"), ("shop", "author")]
    assert state[("shop", "book")].name == "book"
    assert fields(state[("shop", "book")]) == ["isbn"]


def test_rename_field_moves_the_field_to_the_end_and_renames_it_where_django_does() -> None:
    state = final(
        AUTHOR + BOOK,
        """\
        migrations.AddIndex("book", models.Index(fields=["title"], name="title_idx")),
        migrations.RenameField("book", "title", "name"),
        migrations.RenameField("author", "code", "handle"),
        """,
    )
    book = state[("shop", "book")]
    assert fields(book) == ["id", "author", "price", "name"]
    # unique_together renamed and turned into a set of tuples (Django 6.1)
    assert book.options["unique_together"] == SetValue((TupleValue(("name", "price")),))
    # Meta.indexes keep the old field name
    (index,) = book.option_items("indexes")
    assert "title" in json.dumps(encode_state([(book.key, book)]))
    assert index is not None
    # another model's to_field follows the rename of the field it points to
    assert kwargs(book, "author")["to_field"] == "handle"


def test_rename_model_moves_it_to_the_end_and_repoints_every_relation() -> None:
    state = final(
        AUTHOR + BOOK,
        (
            "library",
            """\
            migrations.CreateModel("Shelf", [
                ("id", models.AutoField(primary_key=True)),
                ("author", models.ForeignKey("shop.Author", models.CASCADE)),
                ("books", models.ManyToManyField("shop.book", through="shop.Author")),
            ]),
            """,
        ),
        """\
        migrations.AddField("author", "mentor", models.ForeignKey("self", models.CASCADE)),
        migrations.RenameModel("Author", "Writer"),
        """,
    )
    assert list(state) == [("shop", "book"), ("library", "shelf"), ("shop", "writer")]
    writer = state[("shop", "writer")]
    assert writer.name == "Writer"
    assert kwargs(writer, "mentor")["to"] == "self"
    assert kwargs(state[("shop", "book")], "author")["to"] == "shop.writer"
    shelf = state[("library", "shelf")]
    assert kwargs(shelf, "author")["to"] == "shop.writer"
    assert kwargs(shelf, "books")["through"] == "shop.Writer"  # not lower-cased


def test_alter_field_of_a_missing_field_appends_it_without_error() -> None:
    result = replayed(AUTHOR, 'migrations.AlterField("author", "bio", models.TextField()),')
    assert fields(result.state[("shop", "author")]) == ["id", "code", "bio"]
    assert notes(result) == []


def test_add_field_replaces_in_place_and_preserve_default_false_drops_the_default() -> None:
    state = final(
        BOOK + AUTHOR,
        'migrations.AddField("book", "title", models.IntegerField(default=3), False),',
        'migrations.AlterField("book", "price", models.IntegerField(default=5), False),',
    )
    book = state[("shop", "book")]
    assert fields(book) == ["id", "title", "author", "price"]
    assert "default" not in kwargs(book, "title")
    assert "default" not in kwargs(book, "price")


def test_remove_index_and_constraint_of_a_missing_name_do_nothing() -> None:
    result = replayed(
        AUTHOR,
        """\
        migrations.AddConstraint("author", models.UniqueConstraint(fields=["code"], name="u")),
        migrations.RemoveIndex("author", "nope"),
        migrations.RemoveConstraint("author", "nope"),
        """,
    )
    author = result.state[("shop", "author")]
    assert len(author.option_items("constraints")) == 1
    assert author.option_items("indexes") == ()
    assert notes(result) == []


def test_alter_model_options_drops_the_alter_option_keys_it_does_not_set() -> None:
    state = final(
        BOOK + AUTHOR,
        'migrations.AlterModelTable("book", "books"),',
        'migrations.AlterModelOptions("book", {"verbose_name": "tome"}),',
    )
    options = state[("shop", "book")].options
    assert "ordering" not in options  # an ALTER_OPTION_KEYS key not given: removed
    assert options["verbose_name"] == "tome"
    assert options["db_table"] == "books"  # not one of ALTER_OPTION_KEYS: kept
    assert options["unique_together"] == ListValue((TupleValue(("title", "price")),))


def test_alter_unique_together_normalises_a_flat_tuple_and_keeps_falsy_values() -> None:
    state = final(
        BOOK + AUTHOR,
        'migrations.AlterUniqueTogether("book", ("title", "price", "title")),',
        'migrations.AlterIndexTogether("author", None),',
    )
    assert state[("shop", "book")].options["unique_together"] == SetValue(
        (TupleValue(("title", "price", "title")),)
    )
    assert state[("shop", "author")].options["index_together"] is None


def test_rename_index_by_old_fields_adds_an_index_and_drops_the_index_together_entry() -> None:
    state = final(
        AUTHOR,
        'migrations.AlterIndexTogether("author", {("id", "code")}),',
        'migrations.RenameIndex("author", new_name="author_idx", old_fields=("id", "code")),',
    )
    author = state[("shop", "author")]
    assert author.options["index_together"] == SetValue(())
    (index,) = encode_state([(author.key, author)])["models"]["shop.author"]["options"]["indexes"]
    assert index == {
        "call": "django.db.models.Index",
        "args": [],
        "kwargs": {"name": "author_idx", "fields": ["id", "code"]},
    }


def test_state_operations_apply_and_database_operations_do_not() -> None:
    state = final(
        AUTHOR,
        """\
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.DeleteModel("Author")],
            state_operations=[migrations.AddField("author", "x", models.IntegerField())],
        ),
        migrations.RunSQL("SELECT 1", state_operations=[migrations.RemoveField("author", "code")]),
        migrations.RunPython(migrations.RunPython.noop),
        """,
    )
    assert fields(state[("shop", "author")]) == ["id", "x"]


def test_delete_model_leaves_relations_to_it_dangling() -> None:
    state = final(AUTHOR + BOOK, 'migrations.DeleteModel("Author"),')
    assert list(state) == [("shop", "book")]
    assert kwargs(state[("shop", "book")], "author")["to"] == "author"


def test_values_are_stored_as_deconstruct_reports_them() -> None:
    state = final(
        """\
        migrations.CreateModel(
            "Author",
            [("id", models.AutoField(primary_key=True))],
            options={"indexes": [models.Index("code", name="i")]},
            managers=[("people", models.Manager())],
        ),
        migrations.AddConstraint(
            "author", models.CheckConstraint(check=models.Q(id__gt=0), name="c")
        ),
        """
    )
    encoded = encode_state(select_models(state))["models"]["shop.author"]
    assert encoded["bases"] == [{"ref": "django.db.models.base.Model"}]
    assert encoded["managers"] == [
        ["people", {"call": "django.db.models.manager.Manager", "args": [], "kwargs": {}}]
    ]
    assert encoded["options"]["indexes"] == [
        {
            "call": "django.db.models.Index",
            "args": [{"call": "django.db.models.F", "args": ["code"], "kwargs": {}}],
            "kwargs": {"name": "i"},
        }
    ]
    assert encoded["options"]["constraints"] == [
        {
            "call": "django.db.models.CheckConstraint",
            "args": [],
            "kwargs": {
                "name": "c",
                "condition": {"call": "django.db.models.Q", "args": [["id__gt", 0]], "kwargs": {}},
            },
        }
    ]


# -- what Django rejects --------------------------------------------------------------------------


def test_errors_are_notes_with_their_line_and_the_replay_goes_on() -> None:
    result = replayed(
        AUTHOR,
        """\
        migrations.RemoveField("author", "Code"),
        migrations.RenameField("author", "nope", "other"),
        migrations.DeleteModel("Book"),
        migrations.AddField("book", "x", models.IntegerField()),
        migrations.AddField("author", "bio", models.TextField()),
        """,
    )
    errors = notes(result)
    assert [(name, line) for name, line, _ in errors] == [
        ("0002_step", 11),
        ("0002_step", 12),
        ("0002_step", 13),
        ("0002_step", 14),
    ]
    assert "KeyError: 'Code'" in errors[0][2]
    assert "shop.author has no field named 'nope'" in errors[1][2]
    assert "KeyError: ('shop', 'book')" in errors[2][2]
    assert fields(result.state[("shop", "author")]) == ["id", "code", "bio"]


def test_constructor_errors_are_reported() -> None:
    result = replayed(
        """\
        migrations.CreateModel("A", [("x", models.IntegerField()), ("x", models.TextField())]),
        migrations.AddIndex("a", models.Index(fields=["x"])),
        migrations.AddField("a", "y"),
        migrations.RunPython("not callable"),
        migrations.RenameIndex("a", "new"),
        migrations.RenameField("a"),
        migrations.RemoveField("a", "x", "y", "z"),
        migrations.DeleteModel(name="a", model_name="a"),
        """
    )
    messages = [message for _, _, message in notes(result)]
    assert messages[0].startswith("Found duplicate value x in CreateModel fields argument.")
    assert messages[1].startswith("Indexes passed to AddIndex operations require a name")
    assert "missing 1 required positional argument: 'field'" in messages[2]
    assert messages[3] == "RunPython must be supplied with a callable"
    assert messages[4].startswith("RenameIndex requires one of old_name and old_fields")
    assert messages[5].startswith(  # Python's own TypeError texts
        "RenameField.__init__() missing 2 required positional arguments: 'old_name' and 'new_name'"
    )
    assert messages[6].startswith(
        "FieldOperation.__init__() takes from 3 to 4 positional arguments but 5 were given"
    )
    assert messages[7].startswith(
        "ModelOperation.__init__() got an unexpected keyword argument 'model_name'"
    )
    assert len(messages) == 8


def test_every_operation_binds_its_arguments_like_djangos_constructor() -> None:
    for path, spec in OPERATIONS.items():
        module, _, name = path.rpartition(".")
        init = getattr(importlib.import_module(module), name).__init__
        parameters = list(inspect.signature(init).parameters.values())[1:]
        positional = [p for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD]
        signature = spec.signature
        assert signature.positional == tuple(p.name for p in positional), path
        assert signature.required == sum(p.default is p.empty for p in positional), path
        assert signature.keyword_only == tuple(
            p.name for p in parameters if p.kind == p.KEYWORD_ONLY
        ), path
        assert f"{signature.owner or name}.__init__" == init.__qualname__, path
    assert OPERATIONS.keys() == KNOWN_OPERATIONS  # the list the other checks share


def test_after_an_unknown_operation_a_missing_model_is_not_an_error() -> None:
    result = replayed(
        AUTHOR,
        """\
        myapp.operations.CreateTheModel("Book"),
        migrations.AddField("book", "x", models.IntegerField()),
        """,
    )
    assert notes(result) == []
    unknown = [message for _, _, message in notes(result, "unknown")]
    assert unknown[0] == "cannot know what myapp.operations.CreateTheModel does to the models"
    assert "KeyError" in unknown[1]
    assert list(result.state) == [("shop", "author")]


def test_an_app_with_an_unreadable_migration_has_no_missing_model_errors() -> None:
    files = history(
        'migrations.AddField("book", "x", models.IntegerField()),',
        ("library", 'migrations.AddField("shelf", "x", models.IntegerField()),'),
    )
    unreadable = parse_migration(
        b"from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        b"    operations = make_operations()\n",
        app_label="shop",
        name="0003_dynamic",
        path="shop/0003_dynamic.py",
    )
    assert unreadable.problems
    files.append(unreadable)
    result = replay([m.key for m in files], {m.key: m for m in files}, SettingsFacts())
    found = [(migration.app_label, note.kind) for migration, _, note in result.notes()]
    assert found == [("shop", "unknown"), ("library", "error")]


# -- states along the way -------------------------------------------------------------------------


def test_unchanged_models_are_shared_and_every_step_has_its_state() -> None:
    result = replayed(
        AUTHOR + BOOK,
        """\
        migrations.AddField("book", "isbn", models.CharField(max_length=13)),
        migrations.RemoveField("book", "price"),
        """,
    )
    first, second = result.steps.values()
    assert first.after is second.before
    author_key, book_key = ("shop", "author"), ("shop", "book")
    assert second.after[author_key] is second.before[author_key]  # shared, not copied
    assert second.after[book_key] is not second.before[book_key]
    assert fields(second.state_before(1)[book_key]) == ["id", "title", "author", "price", "isbn"]
    assert fields(second.model_after(0, book_key)) == fields(second.state_after(0)[book_key])
    assert fields(second.model_before(0, book_key)) == ["id", "title", "author", "price"]
    assert second.state_after(1)[book_key] == second.after[book_key]
    assert second.operations[1].events == ((book_key, second.after[book_key]),)


def test_bases_are_kept_as_written() -> None:
    state = final(
        AUTHOR,
        'migrations.CreateModel("Poet", [], bases=("shop.author", models.Model)),',
    )
    assert state[("shop", "poet")].bases == ("shop.author", Ref("django.db.models.base.Model"))


# -- the command and the rule ---------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "shop/migrations/0001_initial.py": migration(operations=AUTHOR + BOOK),
            "shop/migrations/0002_rename.py": migration(
                ("shop", "0001_initial"),
                operations='migrations.RenameField("book", "title", "name"),\n',
            ),
            "shop/migrations/0003_broken.py": migration(
                ("shop", "0002_rename"),
                operations='migrations.RemoveField("book", "title"),\n',
            ),
        },
    )


def test_state_command_json_text_and_filters(tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = run(root, "state", "--no-cache", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert list(document["models"]) == ["shop.author", "shop.book"]
    book = document["models"]["shop.book"]
    assert [name for name, _ in book["fields"]] == ["id", "author", "price", "name"]
    assert book["fields"][-1][1] == {
        "path": "django.db.models.CharField",
        "args": [],
        "kwargs": {"max_length": 100},
    }
    assert "shop/migrations/0003_broken.py:11: ML010" in result.stderr

    at = run(
        root, "state", "--no-cache", "--format", "json", "--at", "shop.0001", "--model", "Book"
    )
    assert list(json.loads(at.stdout)["models"]) == ["shop.book"]
    assert json.loads(at.stdout)["models"]["shop.book"]["fields"][1][0] == "title"

    text = run(root, "state", "--no-cache", "--app", "shop", "--model", "shop.author").stdout
    assert text.splitlines()[0] == "shop.author (Author)"
    assert "code  django.db.models.CharField(max_length=5)" in text

    missing = run(root, "state", "--no-cache", "--at", "shop.0009")
    assert missing.exit_code == 2
    assert "There is no migration for 'shop' with the prefix '0009'" in missing.output


def test_ml010_is_reported_by_check_with_file_and_line(tmp_path: Path) -> None:
    status, findings = check_json(_project(tmp_path))
    assert status == 1
    (finding,) = [f for f in findings if f["code"] == "ML010"]
    assert finding["path"] == "shop/migrations/0003_broken.py"
    assert finding["line"] == 11
    assert finding["name"] == "invalid-state-operation"
    assert "KeyError: 'title'" in str(finding["message"])
