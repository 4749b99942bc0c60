"""Rules ML201-ML206: data migrations (``RunPython``).

The rules read the RunPython operations of the linted migrations and the facts the parser
gathered about the functions they are given (:mod:`migration_lint.parsing.functions`): the
code is never imported or run. A function the file does not define (imported from
elsewhere) or that cannot be identified is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.model import FunctionFacts, Local, MigrationFile, ModelUse, Opaque, Ref, Value
from migration_lint.rules.base import rule
from migration_lint.safety.effects import Effect, Target, linted_effects
from migration_lint.safety.scope import Site, linted_sites

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

_DJANGO = "django.db.migrations."
_POSTGRES = "django.contrib.postgres.operations."
_RUN_PYTHON = _DJANGO + "RunPython"
_NOOP = _RUN_PYTHON + ".noop"
#: Operations that change one model's existing table, by the parameter naming the model (the
#: first one). Left out: ``CreateModel`` (a new table), the state-only ``AlterModelOptions``,
#: ``AlterModelManagers`` and ``AlterConstraint``, and the concurrent index operations
#: (which cannot run in a transaction at all).
_TABLE_CHANGES = {
    **{
        _DJANGO + name: "model_name"
        for name in (
            "AddField RemoveField AlterField RenameField AddIndex RemoveIndex RenameIndex "
            "AddConstraint RemoveConstraint"
        ).split()
    },
    **{_POSTGRES + name: "model_name" for name in ("AddConstraintNotValid", "ValidateConstraint")},
    **{
        _DJANGO + name: "name"
        for name in (
            "DeleteModel AlterModelTable AlterModelTableComment AlterUniqueTogether "
            "AlterIndexTogether AlterOrderWithRespectTo"
        ).split()
    },
    _DJANGO + "RenameModel": "old_name",
}
#: What Django passes to RunPython's functions, in order.
_ARGUMENTS = ("apps", "schema_editor")


def _run_python_sites(analysis: Analysis) -> Iterator[Site]:
    """The linted RunPython operations (top-level or in ``SeparateDatabaseAndState``)."""
    return (site for site in linted_sites(analysis) if site.operation.path == _RUN_PYTHON)


def _callables(site: Site) -> Iterator[tuple[str, Value]]:
    """RunPython's ``code`` and (when given) ``reverse_code``, with the parameter's name."""
    for position, parameter in enumerate(("code", "reverse_code")):
        value = site.operation.argument(position, parameter)
        if value is not None:
            yield parameter, value


def _facts(migration: MigrationFile, value: Value) -> FunctionFacts | None:
    """The facts of the function ``value`` is, when the file defines it."""
    if isinstance(value, Local):
        return next(
            (
                facts
                for facts in migration.functions
                if facts.name == value.name
                and (facts.span.line, facts.span.column) == (value.span.line, value.span.column)
            ),
            None,
        )
    if isinstance(value, Opaque) and value.source.isidentifier():  # a decorated function
        named = [facts for facts in migration.functions if facts.name == value.source]
        return named[0] if len(named) == 1 else None
    return None


def _judged_functions(analysis: Analysis) -> Iterator[tuple[Site, FunctionFacts]]:
    """Every function the linted RunPython operations run, with the first one running it."""
    seen: set[tuple[tuple[str, str], FunctionFacts]] = set()
    for site in _run_python_sites(analysis):
        for _, value in _callables(site):
            facts = _facts(site.migration, value)
            if facts is not None and (site.migration.key, facts) not in seen:
                seen.add((site.migration.key, facts))
                yield site, facts


def _once(issues: Iterable[Issue]) -> Iterator[Issue]:
    """``issues`` without repeats (a helper shared by two functions is read twice)."""
    seen: set[Issue] = set()
    for issue in issues:
        if issue not in seen:
            seen.add(issue)
            yield issue


@rule(
    "ML201",
    "run-python-without-reverse",
    Severity.WARNING,
    "RunPython without reverse_code: the migration cannot be unapplied",
    scope="file",
)
def run_python_without_reverse(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``RunPython`` operations without ``reverse_code`` (or with
    ``reverse_code=None``, which is the same).

    ## Why it hurts
    Such an operation is irreversible: ``migrate app 0001`` stops with
    ``IrreversibleError: Operation <RunPython> in app.0002 is not reversible`` before it has
    undone anything: the history can no longer be rolled back past this migration, not in
    a failed deploy, not on a developer's database while switching branches.

    ## What to do instead
    Give a function that undoes the change, or ``RunPython.noop`` when there is nothing to
    undo (the data can stay as it is when the schema goes back):

    ```python
    def fill_slugs(apps, schema_editor):
        Book = apps.get_model("shop", "Book")
        ...


    operations = [
        migrations.RunPython(fill_slugs, reverse_code=migrations.RunPython.noop),
    ]
    ```
    """
    for site in _run_python_sites(analysis):
        if site.operation.argument(1, "reverse_code") is None:
            yield site.issue(
                "RunPython without `reverse_code`: this migration cannot be unapplied",
                "pass `reverse_code=migrations.RunPython.noop` when there is nothing to undo, "
                "or a function that undoes the change",
            )


def _get_model(use: ModelUse, app_label: str) -> str:
    """How the function should get the model instead of ``use``."""
    if use.name == "get_user_model()":
        return "apps.get_model(settings.AUTH_USER_MODEL)"
    parts = use.module.split(".")
    position = parts.index("models")
    label = (parts[position - 1] if position else "") or app_label  # ``..models``: this app
    return f'{use.name} = apps.get_model("{label}", "{use.name}")'


@rule(
    "ML202",
    "run-python-model-import",
    Severity.ERROR,
    "RunPython code uses the project's current model class instead of apps.get_model()",
    scope="file",
)
def run_python_model_import(analysis: Analysis) -> Iterator[Issue]:
    """Finds RunPython functions that query or create rows through a model class imported
    from the project or from Django's contrib apps (``from shop.models import Book``,
    ``from django.contrib.auth.models import User``, ``get_user_model()``), at module level
    or inside the function, directly or through a helper function of the same file.

    A name the function assigns itself (``Book = apps.get_model("shop", "Book")``) is not
    the import any more; ``from django.db import models`` (``F``, ``Q``, ``Count``) is fine;
    a class of the models module that is only mentioned (a ``TextChoices`` value) is not
    reported: only ``X.objects`` / ``X._default_manager`` and ``X(...)`` are.

    ## Why it hurts
    The imported class is the model as the code defines it *today*, not as it was when the
    migration runs. Once a later migration adds a field to ``Book``, running this migration
    on a fresh database (tests, a new environment, a developer's ``migrate`` from scratch)
    selects a column that does not exist yet and crashes with ``column "..." does not
    exist``; once the model is deleted, the import itself fails and every ``migrate``
    breaks. Custom methods and managers of the current class run against the old schema too.

    ## What to do instead
    Get the historical model from the ``apps`` registry Django passes in, which matches the
    schema at this point of the history:

    ```python
    def publish_all(apps, schema_editor):
        Book = apps.get_model("shop", "Book")
        Book.objects.filter(published__isnull=True).update(published=Now())
    ```

    For the user model: ``apps.get_model(settings.AUTH_USER_MODEL)``. Historical models
    have no custom methods: copy the logic you need into the migration.
    """

    def issues() -> Iterator[Issue]:
        for site, facts in _judged_functions(analysis):
            for use in facts.model_uses:
                yield site.issue(
                    f"`{use.name}` from `{use.module}` is the model class as the code "
                    "defines it today, not the historical model this migration runs against",
                    f"use `{_get_model(use, site.app_label)}`",
                    span=use.span,
                )

    return _once(issues())


def _call_problem(params: tuple[str, ...]) -> str | None:
    """Why a function with the signature ``params`` (as :class:`Local` spells it) cannot be
    called as ``f(apps, schema_editor)``, or ``None`` when it can."""
    positional: list[str] = []
    required_keywords: list[str] = []
    varargs = keyword_only = False
    for param in params:
        if param == "/" or param.startswith("**"):
            continue
        if param.startswith("*"):
            varargs = varargs or param != "*"
            keyword_only = True
        elif keyword_only:
            if not param.endswith("="):
                required_keywords.append(param)
        else:
            positional.append(param)
    if len(positional) < len(_ARGUMENTS) and not varargs:
        return f"it takes {len(positional)} positional argument(s), Django passes 2"
    required = [param for param in positional if not param.endswith("=")]
    if len(required) > len(_ARGUMENTS):
        names = ", ".join(f"`{param}`" for param in required)
        return f"it requires {len(required)} arguments ({names}), Django passes 2"
    if required_keywords:
        return f"keyword-only parameter `{required_keywords[0]}` has no default"
    return None


def _swapped(params: tuple[str, ...]) -> bool:
    """Whether ``apps`` / ``schema_editor`` are named in each other's place."""
    names = [param.rstrip("=") for param in params if param != "/"][: len(_ARGUMENTS)]
    return any(name == other for name, other in zip(names, reversed(_ARGUMENTS), strict=False))


@rule(
    "ML203",
    "run-python-signature",
    Severity.ERROR,
    "A RunPython function that cannot be called as f(apps, schema_editor)",
    scope="file",
)
def run_python_signature(analysis: Analysis) -> Iterator[Issue]:
    """Finds RunPython functions (``code`` or ``reverse_code``, a function of the file or a
    lambda) that Django cannot call: it always calls ``code(apps, schema_editor)``, two
    positional arguments. Reported as an error: too few positional parameters (a method
    written with ``self``: ``def forwards(self, apps, schema_editor)``), a third parameter
    or a keyword-only one without a default. Reported as a warning: parameters named
    ``apps`` and ``schema_editor`` in each other's place (``def forwards(schema_editor,
    apps)``), which calls ``schema_editor.get_model`` at the first line. Other names are
    fine: Django passes the arguments by position.

    ## Why it hurts
    The migration is loaded without complaint and crashes when it runs, with ``TypeError:
    forwards() missing 1 required positional argument`` (or ``AttributeError`` for swapped
    names), in the middle of a deploy; the reverse function crashes only on rollback, when
    it is needed most.

    ## What to do instead
    Define the function with exactly the two parameters Django passes:

    ```python
    def forwards(apps, schema_editor):
        Book = apps.get_model("shop", "Book")
        ...


    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
    ```

    A function defined in the ``Migration`` class body takes no ``self`` either: it is
    handed to RunPython as a plain function.
    """
    for site in _run_python_sites(analysis):
        for parameter, value in _callables(site):
            if not isinstance(value, Local) or value.kind not in ("function", "lambda"):
                continue
            called = f"`{value.name}` (line {value.span.line}, the `{parameter}`)"
            problem = _call_problem(value.params)
            if problem is not None:
                yield site.issue(
                    f"{called} cannot be called as `{value.name}(apps, schema_editor)`: {problem}",
                    "define it as `def f(apps, schema_editor):`",
                )
            elif _swapped(value.params):
                yield site.issue(
                    f"{called} names its parameters in the wrong order: Django passes "
                    "`apps` first, then `schema_editor`",
                    "define it as `def f(apps, schema_editor):`",
                    severity=Severity.WARNING,
                )


@rule(
    "ML204",
    "run-python-unbatched",
    Severity.WARNING,
    "A RunPython loop that loads a whole table and saves it row by row",
    scope="file",
)
def run_python_unbatched(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``for`` loops of RunPython functions over a whole queryset
    (``Book.objects.all()``, ``.filter(...)``, a name assigned such a queryset) without
    ``.iterator(...)``, whose body saves the loop's object (``book.save()``). A loop that
    only reads, or over a slice (``[:100]``), is not reported.

    ## Why it hurts
    Iterating a queryset fetches and caches every row in memory at once: on a big table the
    migration runs out of memory. Each ``save()`` is then one ``UPDATE`` (of every column)
    per row, all in the migration's single transaction: the migration takes minutes to
    hours, holds the row locks of every updated row until it commits, and a failure near
    the end rolls everything back.

    ## What to do instead
    Let the database do it in one statement when the new value can be computed in SQL:

    ```python
    Book.objects.filter(slug="").update(slug=Lower("title"))
    ```

    Otherwise stream the rows and write them in batches:

    ```python
    def fill_slugs(apps, schema_editor):
        Book = apps.get_model("shop", "Book")
        batch = []
        for book in Book.objects.only("id", "title").iterator(chunk_size=2000):
            book.slug = slugify(book.title)
            batch.append(book)
            if len(batch) == 2000:
                Book.objects.bulk_update(batch, ["slug"])
                batch = []
        Book.objects.bulk_update(batch, ["slug"])
    ```

    On a table big enough for this to matter, run the backfill outside the deploy (a
    management command, or a non-atomic migration committing each batch).
    """

    def issues() -> Iterator[Issue]:
        for site, facts in _judged_functions(analysis):
            if _only_on_new_databases(site.migration):
                continue
            for loop in facts.unbatched_loops:
                yield site.issue(
                    "this loop loads every row of the queryset at once and saves them one "
                    "by one: one UPDATE per row, all in one transaction",
                    "iterate with `.iterator(chunk_size=2000)` and write with "
                    "`bulk_update(batch, fields)`, or use a single `.update(...)`",
                    span=loop,
                )

    return _once(issues())


#: How many schema changes an ML205 message names.
_LISTED = 3


def _only_on_new_databases(migration: MigrationFile) -> bool:
    """Whether ``migration`` is a squash (it ``replaces`` others), which Django runs only
    where none of the migrations it replaces ran: on a new, empty database. Where they all
    ran it is recorded as applied without running. Its locks and its speed do not matter."""
    return bool(migration.replaces)


def _changed_model(site: Site, effects: tuple[Effect, ...]) -> str | None:
    """The model whose existing table the operation at ``site`` changes, if it does.

    When the effect providers describe the operation and none of its effects takes a table
    lock (an ``AlterField`` of ``help_text`` runs no SQL), it changes nothing; an operation
    they do not describe is taken at its word.
    """
    parameter = _TABLE_CHANGES.get(site.operation.path)
    if parameter is None or (effects and all(effect.lock == "none" for effect in effects)):
        return None
    name = site.operation.argument(0, parameter)
    return name if isinstance(name, str) and not site.is_fresh(name) else None


@rule(
    "ML205",
    "mixed-schema-and-data",
    Severity.WARNING,
    "An atomic migration that changes an existing table and runs RunPython in one transaction",
)
def mixed_schema_and_data(analysis: Analysis) -> Iterator[Issue]:
    """Finds RunPython operations in an atomic migration (the default) that also changes
    the schema of an existing table (``AddField``, ``AlterField``, ``AddIndex``,
    ``RemoveField`` ...), on PostgreSQL, in either order. Creating a table and filling it in
    the same migration (``CreateModel`` then ``RunPython``) is fine and not reported, as
    are a change to a table created earlier in the same migration (or deploy) and an
    operation that runs no DDL (an ``AlterField`` of ``help_text``). Reported at the
    RunPython.

    ## Why it hurts
    PostgreSQL runs an atomic migration in one transaction, and the lock a schema change
    takes is held until it commits: for the whole data migration, every query on the table
    waits (``ACCESS EXCLUSIVE``, most ``ALTER TABLE``: reads too) or every write does
    (``SHARE``, ``CREATE INDEX``). A schema change after the data migration can fail
    outright: once rows of a table with foreign keys (Django makes them ``DEFERRABLE
    INITIALLY DEFERRED``) were written in the transaction, ``ALTER TABLE`` on it raises
    ``cannot ALTER TABLE "shop_book" because it has pending trigger events``.

    ## What to do instead
    Put the data migration in a migration of its own, between the schema changes it
    needs:

    ```python
    # 0002_book_slug.py: operations = [migrations.AddField("book", "slug", ...)]
    # 0003_fill_book_slug.py
    class Migration(migrations.Migration):
        dependencies = [("shop", "0002_book_slug")]
        operations = [migrations.RunPython(fill_slugs, migrations.RunPython.noop)]
    # 0004_book_slug_unique.py: the AlterField that needs the filled column
    ```
    """
    if not Target.of(analysis.config).postgresql:
        return  # no transactional DDL on MySQL; SQLite locks the whole database anyway
    by_migration = groupby(linted_effects(analysis), key=lambda pair: pair[0].migration.key)
    for _, group in by_migration:
        pairs = list(group)
        changed = dict.fromkeys(
            f"{site.operation.name} of `{model}`"
            for site, effects in pairs
            if (model := _changed_model(site, effects)) is not None
        )
        migration = pairs[0][0].migration
        if not migration.atomic or _only_on_new_databases(migration) or not changed:
            continue
        listed = list(changed)
        if len(listed) > _LISTED:
            listed[_LISTED:] = [f"{len(listed) - _LISTED} more"]
        for site, _ in pairs:
            code = site.operation.argument(0, "code")
            if site.operation.path == _RUN_PYTHON and code != Ref(_NOOP):
                yield site.issue(
                    "this data migration runs in the same transaction as "
                    f"{', '.join(listed)}: the changed tables stay locked until it ends",
                    "move the RunPython into a migration of its own",
                )


@rule(
    "ML206",
    "run-python-non-atomic",
    Severity.WARNING,
    "RunPython in a non-atomic migration without a transaction of its own",
    scope="file",
)
def run_python_non_atomic(analysis: Analysis) -> Iterator[Issue]:
    """Finds RunPython operations of a migration with ``atomic = False`` that write rows
    without a transaction: the operation does not say ``atomic=True`` and its function (or
    a helper of the file it calls) writes through the ORM (``save()``, ``update()``,
    ``bulk_create()`` ...) but does not open a transaction (``with transaction.atomic():``,
    ``@transaction.atomic``). A function the file does not define, or one that only reads
    or runs raw SQL (a ``PRAGMA``, a ``SET``), is not judged.

    ## Why it hurts
    Every statement commits on its own. When the function fails half-way (a bad row, a
    timeout, a deploy killed), the rows written so far stay written and the migration is not
    recorded as applied: the data is half-migrated, and running the migration again must
    cope with rows it already changed.

    ## What to do instead
    Keep the work in transactions: the whole operation, with ``atomic=True`` on it, or one
    transaction per batch when the point of ``atomic = False`` was to commit as it goes
    (and make each batch safe to run twice):

    ```python
    def fill_slugs(apps, schema_editor):
        Book = apps.get_model("shop", "Book")
        pending = Book.objects.filter(slug=None)
        while ids := list(pending.values_list("id", flat=True)[:2000]):
            with transaction.atomic():
                Book.objects.filter(id__in=ids).update(slug=Lower("title"))


    operations = [migrations.RunPython(fill_slugs, migrations.RunPython.noop)]
    ```

    A backfill whose every batch is one statement that only touches rows not done yet
    (``filter(workspace=None).update(workspace=...)``) already commits batch by batch and
    resumes where it stopped: say so with ``# noqa: ML206`` on the RunPython.
    """
    for site in _run_python_sites(analysis):
        if site.migration.atomic or site.operation.argument(2, "atomic") is True:
            continue
        for parameter, value in _callables(site):
            facts = _facts(site.migration, value)
            if facts is not None and facts.writes_rows and not facts.manages_transaction:
                yield site.issue(
                    f"`{facts.name}` (the `{parameter}`) runs outside any transaction in this "
                    "non-atomic migration: a failure half-way leaves half-migrated rows",
                    "pass `atomic=True` to the RunPython, or wrap the work in "
                    "`transaction.atomic()`",
                )
