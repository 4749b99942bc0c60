"""Differential tests of migration_lint.describe against real Django.

Each migration below is written to disk as text, parsed by our static parser, and imported
by Django in a subprocess; for every operation we compare ``describe()``,
``migrate.Command.describe_operation()`` both ways, ``migration_name_fragment`` and
``reversible``. Django's PostgreSQL operations import psycopg, which the test environment
does not have: the subprocess stubs it with ``tests/oracle_stubs.py`` (describing an
operation never touches a database).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migration_lint.describe import (
    Description,
    describe,
    describe_detail,
    describe_is_exact,
    describe_operation,
    describe_operation_detail,
    is_reversible,
    migration_name_fragment,
    migration_name_fragment_detail,
    runtime_docstring,
    truncate_chars,
)
from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    Local,
    Opaque,
    OperationCall,
    Ref,
    Setting,
    SetValue,
    Span,
    TupleValue,
)

_ORACLE = textwrap.dedent(
    """
    import importlib.util, json, sys

    import oracle_stubs

    oracle_stubs.install()  # psycopg, which django.contrib.postgres imports, is not installed

    import django
    from django.conf import settings

    settings.configure(INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"])
    django.setup()

    from django.core.management.commands.migrate import Command
    from django.db.models import functions
    from django.db.models.expressions import Func
    from django.utils.text import Truncator

    request = json.load(sys.stdin)
    files = []
    for index, path in enumerate(request["files"]):
        spec = importlib.util.spec_from_file_location(f"oracle_migration_{index}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        operations = []
        for op in module.Migration.operations:
            operations.append({
                "describe": op.describe(),
                "forwards": list(Command.describe_operation(op, False)),
                "backwards": list(Command.describe_operation(op, True)),
                "fragment": op.migration_name_fragment,
                "reversible": op.reversible,
            })
        files.append(operations)
    plain_funcs = sorted(
        name
        for name, cls in vars(functions).items()
        if isinstance(cls, type) and issubclass(cls, Func)
        and cls.__init__ is Func.__init__ and cls.__repr__ is Func.__repr__
        and cls._get_repr_options is Func._get_repr_options
    )
    json.dump({
        "files": files,
        "truncated": [Truncator(text).chars(40) for text in request["truncate"]],
        "plain_funcs": plain_funcs,
    }, sys.stdout)
    """
)

_HEADER = "from django.db import migrations, models\n"

#: The migrations the differential test runs. All their operations must be described
#: exactly, except in the modules listed in _INEXACT.
MIGRATIONS: dict[str, str] = {
    "0001_models": _HEADER
    + textwrap.dedent(
        """
        from django.conf import settings
        from django.db.migrations.operations import DeleteModel

        TABLE = "authors"


        class Migration(migrations.Migration):
            initial = True
            dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
            operations = [
                migrations.CreateModel(
                    name="Author",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("name", models.CharField(max_length=10)),
                    ],
                    options={
                        "ordering": ["name"],
                        "indexes": [models.Index(fields=["name"], name="n_idx")],
                    },
                ),
                migrations.CreateModel("Proxy", [], {"proxy": True}, ("library.author",)),
                migrations.CreateModel(name="NotProxy", fields=[], options={"proxy": False}),
                migrations.CreateModel("ProxyOne", [], options={"proxy": 1, "proxy": 0}),
                migrations.DeleteModel("Gone"),
                migrations.DeleteModel(name="GoneAgain"),
                migrations.DeleteModel("Ünïcödé_Straße"),
                migrations.RenameModel("Old", "New"),
                migrations.RenameModel(old_name="OldX", new_name="NewX"),
                migrations.AlterModelTable("Author", TABLE),
                DeleteModel("ViaOperationsPackage"),
                migrations.AlterModelTable(name="Author", table=None),
                migrations.AlterModelTableComment("Author", "A comment"),
                migrations.AlterModelTableComment(name="Author", table_comment=None),
                migrations.AlterUniqueTogether("Author", {("a", "b"), ("c", "d")}),
                migrations.AlterUniqueTogether(name="Author", unique_together=("a", "b")),
                migrations.AlterUniqueTogether("Author", [["a", "b"], ("a", "b"), ("c",)]),
                migrations.AlterUniqueTogether(name="Author", unique_together=()),
                migrations.AlterUniqueTogether(name="Author", unique_together=None),
                migrations.AlterUniqueTogether("Author", ["ab", "cd", "ab"]),
                migrations.AlterIndexTogether("Author", [("a",)]),
                migrations.AlterIndexTogether(name="Author", index_together={("x", "y")}),
                migrations.AlterOrderWithRespectTo("Author", "book"),
                migrations.AlterOrderWithRespectTo(name="Author", order_with_respect_to=None),
                migrations.AlterModelOptions("Author", {"verbose_name": "x"}),
                migrations.AlterModelOptions(name="Author", options={}),
                migrations.AlterModelManagers("Author", [("objects", models.Manager())]),
                migrations.AddField(
                    "Author", "Email", models.EmailField(default=""), preserve_default=False
                ),
                migrations.AddField(
                    model_name="author", name="age", field=models.IntegerField(null=True)
                ),
                migrations.AddField(
                    model_name="Author",
                    name="owner",
                    field=models.ForeignKey(
                        on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL
                    ),
                ),
                migrations.RemoveField("Author", "age"),
                migrations.RemoveField(model_name="AUTHOR", name="Email"),
                migrations.AlterField(
                    model_name="Author", name="name", field=models.CharField(max_length=20)
                ),
                migrations.RenameField("Author", "name", "Full_Name"),
                migrations.RenameField(model_name="Author", old_name="a", new_name="b"),
            ]
        """
    ),
    "0002_indexes": _HEADER
    + textwrap.dedent(
        """
        from django.db.models import F, Value
        from django.db.models.functions import Abs, Lower, Upper


        class Migration(migrations.Migration):
            operations = [
                migrations.AddIndex("Author", models.Index(fields=["name", "-age"], name="N_Idx")),
                migrations.AddIndex(
                    model_name="author", index=models.Index(fields=("name",), name="t_idx")
                ),
                migrations.AddIndex("author", models.Index(F("name"), "age", name="expr_idx")),
                migrations.AddIndex(
                    "author",
                    models.Index(
                        Lower("name"), Upper(F("title")), Abs(1), Lower(Upper("x")), name="fn"
                    ),
                ),
                migrations.AddIndex("author", models.Index(Value("x"), name="value_idx")),
                migrations.RemoveIndex("Author", "N_Idx"),
                migrations.RemoveIndex(model_name="author", name="expr_idx"),
                migrations.RenameIndex("Author", new_name="New_Idx", old_name="Old_Idx"),
                migrations.RenameIndex("Author", "New_Idx", old_fields=("a", "b")),
                migrations.RenameIndex(model_name="Author", new_name="new2", old_fields=["a", "b"]),
                migrations.AddConstraint(
                    "Author", models.UniqueConstraint(fields=["name"], name="Uniq_Name")
                ),
                migrations.AddConstraint(
                    model_name="author",
                    constraint=models.CheckConstraint(
                        condition=models.Q(age__gte=0), name="age_gte_0"
                    ),
                ),
                migrations.AddConstraint(
                    "author", models.UniqueConstraint(Lower("name"), name="uniq_lower")
                ),
                migrations.RemoveConstraint("Author", "Uniq_Name"),
                migrations.RemoveConstraint(model_name="author", name="age_gte_0"),
                migrations.AlterConstraint(
                    "Author",
                    "age_gte_0",
                    models.CheckConstraint(condition=models.Q(age__gte=1), name="Age_Gte_1"),
                ),
                migrations.AlterConstraint(
                    model_name="author",
                    name="u",
                    constraint=models.UniqueConstraint(fields=["a"], name="U"),
                ),
            ]
        """
    ),
    "0003_code": _HEADER
    + textwrap.dedent(
        '''
        import functools

        from django.db.migrations import RunPython, RunSQL


        def forwards(apps, schema_editor):
            """Copy the names."""


        def multi_line(apps, schema_editor):
            """
            Fill in the slugs.

                An indented line.
            """


        def long_doc(apps, schema_editor):
            """This docstring is long enough that Django cuts it at forty characters."""


        def exactly(apps, schema_editor):
            """Thirty-six characters of docs!!"""


        def no_doc(apps, schema_editor):
            return None


        def unicode_doc(apps, schema_editor):
            """Crée les entrées — ça marche très bien, vraiment très très bien."""


        def combining(apps, schema_editor):
            """Cafe\\u0301 e\\u0301e\\u0301e\\u0301e\\u0301e\\u0301e\\u0301 and then more text"""


        def decomposed_short(apps, schema_editor):
            """Cafe\\u0301"""


        def escapes(apps, schema_editor):
            """Tab\\there\\r\\nand a CRLF"""


        def single_quoted(apps, schema_editor):
            'Single-quoted docstring.'


        class CallableClass:
            """A callable class."""

            def __call__(self, apps, schema_editor):
                return None


        class Migration(migrations.Migration):
            operations = [
                RunPython(forwards),
                RunPython(forwards, multi_line),
                migrations.RunPython(code=forwards, reverse_code=migrations.RunPython.noop),
                RunPython(long_doc, long_doc, atomic=False),
                RunPython(exactly, exactly),
                RunPython(no_doc, reverse_code=None),
                RunPython(lambda apps, schema_editor: None, lambda apps, schema_editor: None),
                RunPython(unicode_doc, elidable=True),
                RunPython(combining, decomposed_short),
                RunPython(escapes, single_quoted),
                RunPython(CallableClass),
                RunPython(RunPython.noop, RunPython.noop),
                RunPython(functools.partial(forwards)),
                RunSQL("SELECT 1"),
                RunSQL("SELECT 1;\\nSELECT 2;", "SELECT 3"),
                RunSQL(sql=["SELECT 1", "SELECT 2"], reverse_sql=("DROP 1", "DROP 2")),
                RunSQL([("INSERT INTO t VALUES (%s)", [1]), "SELECT 'é'"], RunSQL.noop),
                RunSQL("SELECT * FROM some_table_with_a_rather_long_name", reverse_sql=None),
                RunSQL(migrations.RunSQL.noop, migrations.RunSQL.noop),
                RunSQL("SELECT 'ünïcödé' — 漢字 text that is long enough to truncate"),
                RunSQL("", reverse_sql=""),
                RunSQL(["SELECT 1;\\nSELECT 2;"], ["x\\ny"]),
                RunSQL(sql="SELECT 12345678901234567890123456789012", reverse_sql="x"),
                RunSQL(
                    """
                    CREATE TABLE t (
                        id integer
                    );
                    """,
                    hints={"target_db": "default"},
                    elidable=True,
                ),
                migrations.SeparateDatabaseAndState(
                    database_operations=[RunSQL("SELECT 1")],
                    state_operations=[migrations.DeleteModel("Gone")],
                ),
                migrations.SeparateDatabaseAndState(),
                migrations.SeparateDatabaseAndState([], [migrations.DeleteModel("Gone")]),
            ]
        '''
    ),
    "0004_postgres": _HEADER
    + textwrap.dedent(
        """
        import django.contrib.postgres.operations
        from django.contrib.postgres import operations as pg
        from django.contrib.postgres.indexes import BTreeIndex, GinIndex
        from django.contrib.postgres.operations import (
            AddConstraintNotValid,
            AddIndexConcurrently,
            BloomExtension,
            BtreeGinExtension,
            BtreeGistExtension,
            CITextExtension,
            CreateCollation,
            CreateExtension,
            CryptoExtension,
            HStoreExtension,
            RemoveCollation,
            RemoveIndexConcurrently,
            TrigramExtension,
            UnaccentExtension,
            ValidateConstraint,
        )
        from django.db.models.functions import Lower


        class Migration(migrations.Migration):
            atomic = False
            operations = [
                CreateExtension("PostGIS"),
                CreateExtension(name="hstore", hints={"a": 1}),
                BloomExtension(),
                BtreeGinExtension(),
                BtreeGistExtension(),
                CITextExtension(),
                CryptoExtension(),
                HStoreExtension(),
                TrigramExtension(),
                UnaccentExtension(hints=None),
                pg.TrigramExtension(),
                django.contrib.postgres.operations.HStoreExtension(),
                AddIndexConcurrently("Book", GinIndex(fields=["tags"], name="Tags_Gin")),
                AddIndexConcurrently(
                    model_name="book", index=BTreeIndex(fields=("a", "b"), name="ab_btree")
                ),
                AddIndexConcurrently("book", models.Index(Lower("title"), name="lower_title")),
                RemoveIndexConcurrently("Book", "Tags_Gin"),
                RemoveIndexConcurrently(model_name="book", name="ab_btree"),
                CreateCollation(
                    "Case_Insensitive",
                    provider="icu",
                    locale="und-u-ks-level2",
                    deterministic=False,
                ),
                RemoveCollation("german", "de-x-icu"),
                pg.CreateCollation(name="French", locale="fr-x-icu"),
                AddConstraintNotValid(
                    "Book",
                    models.CheckConstraint(condition=models.Q(price__gt=0), name="Price_GT_0"),
                ),
                ValidateConstraint("Book", "Price_GT_0"),
                pg.ValidateConstraint(model_name="book", name="price_gt_0"),
            ]
        """
    ),
    "0005_custom": textwrap.dedent(
        """
        from django.db import migrations
        from django.db.migrations.operations.base import Operation


        class PlainOperation(Operation):
            def __init__(self, *args, **kwargs):
                pass

            def state_forwards(self, app_label, state):
                pass


        class Migration(migrations.Migration):
            operations = [
                PlainOperation("a", 1, [1, 2.5], key={"x": (1,)}, flag=None),
                PlainOperation(),
                PlainOperation(b"bytes", "it's", 'say "hi"', {1: {2, 3}}, -1, 1e100, 1j),
                PlainOperation(("one",), [], (), {}, True, multi="line\\nbreak"),
            ]
        """
    ),
    "0006_guessed": textwrap.dedent(
        '''
        import os
        from os.path import join

        from django.db import migrations, models


        class MyRunPython(migrations.RunPython):
            """Django treats this as RunPython; we only see an unknown class."""


        class Described(migrations.AddField):
            def describe(self):
                return "Something else entirely"


        def make_operation():
            return migrations.DeleteModel("Made")


        def forwards(apps, schema_editor):
            """Forwards."""


        class Migration(migrations.Migration):
            operations = [
                MyRunPython(forwards),
                Described("Author", "x", models.IntegerField()),
                make_operation(),
                migrations.RunPython(join, join),
                migrations.AddField(os.environ.get("MODEL", "Author"), "y", models.IntegerField()),
                migrations.AlterUniqueTogether("Author", os.environ.get("X", {("a", "b")})),
            ]
        '''
    ),
}

#: Modules of third-party classes that keep the base describe(): the text matches Django's
#: but cannot be promised (a class may override describe()), so it is marked inexact.
_EQUAL_BUT_INEXACT = {"0005_custom"}
#: Modules where Django's text depends on things we cannot see: every operation must have at
#: least one line marked inexact (and exact lines must still be right).
_GUESSED = {"0006_guessed"}


@dataclass(frozen=True)
class Compared:
    """One operation: ours and Django's strings, and where it comes from."""

    where: str
    op: OperationCall
    django: dict[str, Any]


_TRUNCATE_SAMPLES = [
    "",
    "a" * 39,
    "a" * 40,
    "a" * 41,
    "é" * 45,
    "e\u0301" * 45,
    "e\u0301" * 40 + "x",
    "x" * 38 + "e\u0301" * 3,
    "x" * 39 + "\u0301" * 5 + "yz",
    "\u0301" + "a" * 45,
    "漢字" * 30,
    "🙂" * 41,
    "a" * 39 + "…" + "b",
    " -> " + "text " * 10,
    "None",
]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Django's answers for every migration module and sample text above."""
    root = tmp_path_factory.mktemp("describe")
    paths = []
    for name, source in MIGRATIONS.items():
        path = root / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        paths.append(str(path))
    request = {"files": paths, "truncate": _TRUNCATE_SAMPLES}
    result = subprocess.run(
        [sys.executable, "-c", _ORACLE],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=root,
        env={
            **os.environ,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONPATH": str(Path(__file__).parent),
        },
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    answer["root"] = root
    return answer


def _compared(oracle: dict[str, Any]) -> Iterator[tuple[str, Compared]]:
    parsing = pytest.importorskip("migration_lint.parsing.migrations")
    root: Path = oracle["root"]
    for (name, source), expected in zip(MIGRATIONS.items(), oracle["files"], strict=True):
        migration = parsing.parse_migration(
            source.encode(), app_label="library", name=name, path=str(root / f"{name}.py")
        )
        assert len(migration.operations) == len(expected), name
        for op, django in zip(migration.operations, expected, strict=True):
            yield name, Compared(f"{name}:{op.span.line}", op, django)


def test_every_operation_matches_django(oracle: dict[str, Any]) -> None:
    mismatches = []
    for module, case in _compared(oracle):
        op, django = case.op, case.django
        ours = {
            "describe": describe_detail(op),
            "forwards": describe_operation_detail(op, False),
            "backwards": describe_operation_detail(op, True),
        }
        for key, detail in ours.items():
            theirs = django[key] if key == "describe" else django[key][0]
            if detail.text != theirs and (detail.exact or module not in _GUESSED):
                mismatches.append(f"{case.where} {key}: {detail.text!r} != {theirs!r}")
            if module not in _GUESSED and detail.exact != (module not in _EQUAL_BUT_INEXACT):
                mismatches.append(f"{case.where} {key}: exact={detail.exact}")
        if module in _GUESSED:
            if all(detail.exact for detail in ours.values()):
                mismatches.append(f"{case.where}: a guess was marked exact")
            continue
        for key in ("forwards", "backwards"):
            if ours[key].warning != django[key][1]:
                mismatches.append(f"{case.where} {key} warning: {ours[key].warning}")
        if migration_name_fragment(op) != django["fragment"]:
            mismatches.append(
                f"{case.where} fragment: {migration_name_fragment(op)!r} != {django['fragment']!r}"
            )
        if is_reversible(op) != django["reversible"]:
            mismatches.append(f"{case.where} reversible: {is_reversible(op)}")
    assert not mismatches, "\n".join(mismatches)


def test_thin_wrappers_agree(oracle: dict[str, Any]) -> None:
    for _, case in _compared(oracle):
        assert describe(case.op) == describe_detail(case.op).text
        assert describe_is_exact(case.op) == describe_detail(case.op).exact
        for backwards in (False, True):
            expected = describe_operation_detail(case.op, backwards).text
            assert describe_operation(case.op, backwards) == expected
        detail = migration_name_fragment_detail(case.op)
        assert migration_name_fragment(case.op) == (None if detail is None else detail.text)


def test_truncate_chars_is_djangos_truncator(oracle: dict[str, Any]) -> None:
    ours = [truncate_chars(text, 40) for text in _TRUNCATE_SAMPLES]
    assert ours == oracle["truncated"]


def test_plain_func_list_matches_django(oracle: dict[str, Any]) -> None:
    from migration_lint import describe as module

    # Every function we format as Name(args) has Func's own __init__ and repr here.
    assert set(oracle["plain_funcs"]) >= module._PLAIN_FUNCS


# -- values the evaluator could not resolve --------------------------------------------------

_SPAN = Span(1, 1, 1, 2)


def _op(class_name: str, /, *args: Any, **kwargs: Any) -> OperationCall:
    return OperationCall(f"django.db.migrations.{class_name}", args, tuple(kwargs.items()), _SPAN)


@pytest.mark.parametrize(
    ("op", "text"),
    [
        (_op("AddField", Opaque("MODEL", _SPAN, "name"), "f", None), "Add field f to MODEL"),
        (_op("DeleteModel", Setting("AUTH_USER_MODEL")), "Delete model settings.AUTH_USER_MODEL"),
        (_op("CreateModel", "A", ListValue(()), Opaque("OPTS", _SPAN, "name")), "Create model A"),
        (
            _op("CreateModel", "A", ListValue(()), DictValue(((Opaque("K", _SPAN, "x"), True),))),
            "Create model A",
        ),
        (
            _op("AddIndex", "A", Ref("app.indexes.INDEX")),
            "Create index None on field(s)  of model A",
        ),
        (
            _op(
                "AddIndex",
                "A",
                Call(
                    "django.db.models.Index",
                    (Call("x.Func", ("a",), (), _SPAN),),
                    (("name", "i"),),
                    _SPAN,
                ),
            ),
            "Create index i on x.Func('a') on model A",
        ),
        (
            _op("AlterUniqueTogether", "A", Opaque("T", _SPAN, "name")),
            "Alter unique_together for A (0 constraint(s))",
        ),
        (
            _op("AlterOrderWithRespectTo", "A", SetValue(("a", "b"))),
            None,  # a set of strings prints in hash order
        ),
        (
            _op("RenameIndex", "A", "new", old_name=Local("f", "function", None, _SPAN)),
            "Rename index f on A to new",
        ),
        (OperationCall("x.Y", (), (), _SPAN, raw=Opaque("make_op()", _SPAN, "call")), "make_op()"),
        # Calls that would not bind make Django raise: whatever we print is a guess.
        (_op("DeleteModel"), "Delete model None"),
        (_op("RemoveField", "A", "f", "extra"), "Remove field f from A"),
        (_op("AddField", "A", "f", None, unknown=1), "Add field f to A"),
        (_op("AddField", "A", "f", None, name="g"), None),
        (
            OperationCall(
                "django.contrib.postgres.operations.CreateCollation", ("n", "l", "icu"), (), _SPAN
            ),
            "Create collation n",
        ),
    ],
)
def test_unresolved_values_are_marked_inexact(op: OperationCall, text: str | None) -> None:
    detail = describe_detail(op)
    assert not detail.exact
    if text is not None:
        assert detail.text == text


def test_sets_of_numbers_and_single_strings_stay_exact() -> None:
    assert describe_detail(_op("AlterOrderWithRespectTo", "A", SetValue((3, 1, 2)))) == Description(
        "Set order_with_respect_to on A to {1, 2, 3}", True
    )
    assert describe_detail(_op("AlterOrderWithRespectTo", "A", SetValue(("a", "a")))).exact
    together = _op("AlterUniqueTogether", "A", SetValue(tuple(TupleValue((c, "z")) for c in "abc")))
    assert describe_detail(together) == Description(
        "Alter unique_together for A (3 constraint(s))", True
    )


@pytest.mark.parametrize(
    ("code", "exact", "text"),
    [
        (Ref("app.utils.forwards"), False, "Raw Python operation"),
        (Call("app.utils.make", (), (), _SPAN), False, "Raw Python operation"),
        (Opaque("HELPERS[0]", _SPAN, "subscript"), False, "Raw Python operation"),
        (Local("<lambda>", "lambda", None, _SPAN), True, "Raw Python operation"),
        (Local("f", "function", "Doc.", _SPAN), True, "Raw Python operation -> Doc."),
    ],
)
def test_runpython_docstrings(code: Any, exact: bool, text: str) -> None:
    detail = describe_operation_detail(_op("RunPython", code), False)
    assert (detail.text, detail.exact) == (text, exact)


def test_runsql_none_forwards_prints_none() -> None:
    # Truncator(None) is "None": Django really prints this for RunSQL(None).
    assert describe_operation(_op("RunSQL", None), False) == "Raw SQL operationNone"


def test_runtime_docstring_follows_this_interpreter() -> None:
    def sample() -> None:
        """
        Indented.
            More.
        """

    raw = "\n        Indented.\n            More.\n        "
    if sys.flags.optimize < 2:
        assert runtime_docstring(raw) == sample.__doc__


def test_reversibility_of_unresolved_reverse_is_assumed() -> None:
    assert is_reversible(_op("RunSQL", "x", Opaque("REVERSE", _SPAN, "name")))
    assert not is_reversible(_op("RunSQL", "x", reverse_sql=None))
    assert is_reversible(_op("RunPython", Local("f", "function", None, _SPAN), Ref("x.y")))
