"""What the parser learns about the functions RunPython may run (the ML2xx rules' input)."""

from __future__ import annotations

import textwrap

from migration_lint.model import FunctionFacts, Local, ModelUse, Span
from migration_lint.parsing.functions import analyse_functions
from migration_lint.parsing.migrations import parse_migration


def facts(source: str) -> dict[str, FunctionFacts]:
    """The facts of ``source``'s functions, by name."""
    return {each.name: each for each in analyse_functions(textwrap.dedent(source))}


def used(source: str, function: str = "forwards") -> list[tuple[str, str]]:
    """The model classes ``function`` uses, as ``(name, module)``."""
    return [(use.name, use.module) for use in facts(source)[function].model_uses]


def test_a_model_imported_at_module_level_is_found_where_it_is_queried() -> None:
    source = """\
        from shop.models import Book

        def forwards(apps, schema_editor):
            Book.objects.filter(pages=0).delete()
    """
    [use] = facts(source)["forwards"].model_uses
    assert use == ModelUse("Book", "shop.models", Span(4, 5, 4, 9))


def test_imports_are_followed_through_aliases_and_module_imports() -> None:
    source = """\
        import shop.models
        from shop import models as shop_models
        from shop.models import Author as Writer
        from django.contrib.auth.models import User

        def forwards(apps, schema_editor):
            shop_models.Book.objects.all()
            shop.models.Tag(name="new").save()
            Writer._default_manager.count()
            User.objects.create(username="robot")
    """
    assert used(source) == [
        ("Book", "shop.models"),
        ("Tag", "shop.models"),
        ("Author", "shop.models"),
        ("User", "django.contrib.auth.models"),
    ]


def test_an_import_inside_the_function_counts_like_one_at_module_level() -> None:
    source = """\
        def forwards(apps, schema_editor):
            from shop.models import Book

            Book.objects.update(pages=1)
    """
    assert used(source) == [("Book", "shop.models")]


def test_get_user_model_is_the_current_user_model() -> None:
    source = """\
        from django.contrib.auth import get_user_model

        def forwards(apps, schema_editor):
            get_user_model().objects.filter(is_active=False).delete()
    """
    [use] = facts(source)["forwards"].model_uses
    assert (use.name, use.module, use.span.column) == ("get_user_model()", "django.contrib.auth", 5)


def test_the_historical_model_shadows_the_import_of_the_same_name() -> None:
    source = """\
        from shop.models import Book

        def forwards(apps, schema_editor):
            Book.objects.update(pages=0)
            Book = apps.get_model("shop", "Book")

        def backwards(apps, Book):
            Book.objects.update(pages=1)
    """
    assert used(source) == []
    assert used(source, "backwards") == []


def test_what_is_not_a_query_of_a_current_model_is_not_a_use() -> None:
    source = """\
        from django.db import models
        from django.db.models import F, Q
        from shop.models import STATUS_CHOICES, Book
        from shop.forms import BookForm
        from shop.models.managers import BookManager, BookQuerySet

        def forwards(apps, schema_editor):
            Model = apps.get_model("shop", "Book")
            Model.objects.filter(Q(pages=0) | Q(status=Book.Status.DRAFT)).update(pages=F("id"))
            Model.objects.filter(status__in=[value for value, _ in STATUS_CHOICES])
            Book.Status("draft")
            BookForm(data={})
            BookManager(model=Model)
            BookQuerySet(model=Model).none()
            models.Value(1)
            isinstance(None, Book)
    """
    assert used(source) == []


def test_module_level_helpers_are_followed_and_uses_point_into_them() -> None:
    source = """\
        from shop.models import Book, Tag

        def count_books():
            return Book.objects.count() + count_tags()

        def count_tags():
            return Tag.objects.count() + count_books()

        def forwards(apps, schema_editor):
            count_books()

        def backwards(apps, count_books):
            count_books()
    """
    found = facts(source)
    assert [(use.name, use.span.line) for use in found["forwards"].model_uses] == [
        ("Book", 4),
        ("Tag", 7),
    ]
    assert found["backwards"].model_uses == ()  # its parameter, not the helper


def test_nested_functions_are_read_as_part_of_their_function() -> None:
    source = """\
        from shop.models import Book

        def forwards(apps, schema_editor):
            def rename(book):
                Book.objects.filter(pk=book.pk).update(title=book.title.upper())
            for book in apps.get_model("shop", "Book").objects.iterator():
                rename(book)
    """
    assert used(source) == [("Book", "shop.models")]


def test_functions_of_the_class_body_decorated_functions_and_lambdas_are_analysed() -> None:
    source = """\
        from django.db import migrations
        from shop.models import Book

        def forwards(apps, schema_editor):
            pass

        @staticmethod
        def decorated(apps, schema_editor):
            pass

        class Migration(migrations.Migration):
            def backwards(apps, schema_editor):
                pass

            operations = [migrations.RunPython(lambda apps, e: Book.objects.all())]
    """
    found = analyse_functions(textwrap.dedent(source))
    assert [(each.name, each.span.line, each.span.column) for each in found] == [
        ("forwards", 4, 1),
        ("decorated", 8, 1),
        ("backwards", 12, 5),
        ("<lambda>", 15, 40),
    ]
    assert [use.name for use in found[-1].model_uses] == ["Book"]


def test_fact_spans_match_the_spans_runpython_arguments_evaluate_to() -> None:
    """Columns count characters, like the rest of the parsed model, not UTF-8 bytes."""
    source = textwrap.dedent(
        """\
        from django.db import migrations

        class Migration(migrations.Migration):
            def forwards(apps, schema_editor):
                pass

            operations = [
                migrations.RunPython(forwards, lambda apps, e: None, hints={"é": "ü"}),
                migrations.RunPython(hints={"ééé": 1}, code=lambda apps, e: None),
            ]
        """
    )
    migration = parse_migration(source.encode(), app_label="shop", name="0002_x", path="x.py")
    locals_ = [
        value
        for operation in migration.operations
        for value in (operation.argument(0, "code"), operation.argument(1, "reverse_code"))
        if isinstance(value, Local)
    ]
    assert len(locals_) == 3
    assert {(local.name, local.span.line, local.span.column) for local in locals_} == {
        (each.name, each.span.line, each.span.column) for each in migration.functions
    }


def test_loops_that_save_every_row_of_a_whole_queryset_are_unbatched() -> None:
    source = """\
        def forwards(apps, schema_editor):
            Book = apps.get_model("shop", "Book")
            for book in Book.objects.all():
                book.save()
            for book in Book.objects.filter(pages=0).select_related("author"):
                book.author.save(update_fields=["name"])
            pending = Book._base_manager.exclude(isbn=None)
            for book in pending:
                if book.isbn:
                    book.save()
            for book in apps.get_model("shop", "Book").objects.all():
                book.save()
    """
    loops = facts(source)["forwards"].unbatched_loops
    assert [(loop.line, loop.column, loop.end_line) for loop in loops] == [
        (3, 5, 3),
        (5, 5, 5),
        (8, 5, 8),
        (11, 5, 11),
    ]
    assert loops[0].end_column == len("    for book in Book.objects.all()") + 1


def test_streamed_bounded_or_read_only_loops_are_not_unbatched() -> None:
    source = """\
        def forwards(apps, schema_editor):
            Book = apps.get_model("shop", "Book")
            for book in Book.objects.all().iterator(chunk_size=2000):
                book.save()
            for book in Book.objects.order_by("id")[:100]:
                book.save()
            for book in Book.objects.all():
                print(book.title)
            for book in Book.objects.all():
                log.save()
            for author in authors:
                author.save()
            for book in sorted(Book.objects.all()):
                book.save()
    """
    assert facts(source)["forwards"].unbatched_loops == ()


def test_a_transaction_is_opened_by_a_with_block_a_decorator_or_a_helper() -> None:
    source = """\
        from django.db import transaction
        from django.db.transaction import atomic as in_transaction

        def with_block(apps, schema_editor):
            with transaction.atomic(using=schema_editor.connection.alias):
                pass

        @transaction.atomic
        def decorated(apps, schema_editor):
            pass

        @in_transaction()
        def decorated_call(apps, schema_editor):
            pass

        def helper_opens_it(apps, schema_editor):
            with_block(apps, schema_editor)

        def none(apps, schema_editor):
            with open("books.csv") as books:
                transaction.on_commit(books.close)
    """
    found = facts(source)
    assert {name for name, each in found.items() if each.manages_transaction} == {
        "with_block",
        "decorated",
        "decorated_call",
        "helper_opens_it",
    }


def test_writes_through_the_orm_are_noticed_in_the_function_or_its_helpers() -> None:
    source = """\
        def reads(apps, schema_editor):
            Book = apps.get_model("shop", "Book")
            print(Book.objects.filter(pages=0).count())
            schema_editor.execute("SET LOCAL statement_timeout = 0")

        def saves(apps, schema_editor):
            for book in apps.get_model("shop", "Book").objects.iterator():
                book.save()

        def deletes(apps, schema_editor):
            apps.get_model("shop", "Tag").objects.filter(name="").delete()

        def calls_a_writer(apps, schema_editor):
            deletes(apps, schema_editor)
    """
    found = facts(source)
    assert {name for name, each in found.items() if each.writes_rows} == {
        "saves",
        "deletes",
        "calls_a_writer",
    }


def test_a_file_without_functions_has_no_facts() -> None:
    assert analyse_functions("from django.db import migrations\nX = 1\n") == ()
