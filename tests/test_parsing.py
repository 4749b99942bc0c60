"""The static parser: what each kind of expression and statement evaluates to, and bad input.

Each test is a small readable example; ``test_parsing_differential.py`` checks the same
features against real Django importing the files.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import django
import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

from migration_lint.model import (
    Call,
    Dependency,
    DictValue,
    ListValue,
    Local,
    MigrationFile,
    Opaque,
    Ref,
    Setting,
    SetValue,
    Span,
    Suppressions,
    TupleValue,
    Value,
)
from migration_lint.parsing.migrations import parse_migration
from migration_lint.parsing.suppressions import parse_suppressions
from migration_lint.parsing.values import Evaluator, SpanMap, normalise_path

CONTRIB_MIGRATIONS = sorted((Path(django.__file__).parent / "contrib").glob("*/migrations/0*.py"))
HEADER = "from django.db import migrations, models\nfrom django.conf import settings\n"


def value_of(expression: str, prelude: str = HEADER, module_name: str | None = None) -> Value:
    """What ``expression`` evaluates to after the module-level statements of ``prelude``."""
    text = textwrap.dedent(prelude) + f"\nRESULT = {expression}\n"
    tree = cst.parse_module(text)
    evaluator = Evaluator(tree, SpanMap(tree, text), module_name=module_name)
    evaluator.run()
    return evaluator.globals.names["RESULT"]


def opaque_reason(expression: str, prelude: str = HEADER) -> str:
    value = value_of(expression, prelude)
    assert isinstance(value, Opaque), value
    return value.reason


def parse(text: str, **kwargs: str) -> MigrationFile:
    arguments = {"app_label": "shop", "name": "0002_price", "path": "shop/migrations/0002.py"}
    arguments.update(kwargs)
    return parse_migration(textwrap.dedent(text).encode(), **arguments)


def migration(body: str, prelude: str = HEADER) -> MigrationFile:
    """A file with ``prelude`` and a Migration class whose body is ``body``."""
    class_body = textwrap.indent(textwrap.dedent(body), "    ")
    return parse(prelude + "\n\nclass Migration(migrations.Migration):\n" + class_body)


# -- literals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1_000_000", 1_000_000),
        ("0x1F", 31),
        ("0o17", 15),
        ("0b101", 5),
        ("-3", -3),
        ("+3", 3),
        ("~0", -1),
        ("-1.5e3", -1500.0),
        ("2j", 2j),
        ("True", True),
        ("False", False),
        ("None", None),
        ("b'raw'", b"raw"),
        ("b'\\x00'", b"\x00"),
        ("'a' 'b' \"c\"", "abc"),
        ("b'a' b'b'", b"ab"),
        ("r'\\d+'", "\\d+"),
        ("'\\d'", "\\d"),
        ("'tab\\there'", "tab\there"),
        ("'\\N{EM DASH}'", "\N{EM DASH}"),
        ("'''two\nlines'''", "two\nlines"),
        ("u'unicode'", "unicode"),
        ("()", TupleValue(())),
        ("(1,)", TupleValue((1,))),
        ("[]", ListValue(())),
        ("{}", DictValue(())),
        ("{'a': (1, [2])}", DictValue((("a", TupleValue((1, ListValue((2,))))),))),
        ("not []", True),
    ],
)
def test_literals(expression: str, expected: Value) -> None:
    assert value_of(expression) == expected


def test_containers_keep_their_kind() -> None:
    assert value_of("{1, 2}") == SetValue((1, 2))
    assert value_of("[1, 2]") == ListValue((1, 2))
    assert value_of("(1, 2)") == TupleValue((1, 2))


def test_duplicate_dict_keys_and_set_items_collapse_as_in_python() -> None:
    # {1: "a", True: "b"} == {1: "b"}: the first key stays, the last value wins
    assert value_of("{1: 'a', True: 'b', 'k': 0}") == DictValue(((1, "b"), ("k", 0)))
    assert value_of("{1, 1.0, True, 2}") == SetValue((1, 2))
    assert value_of("{('a', 'b'), ('a', 'b')}") == SetValue((TupleValue(("a", "b")),))


def test_unhashable_set_item_is_opaque() -> None:
    assert "unhashable" in opaque_reason("{[1]}")
    assert "unhashable" in opaque_reason("{(1, [2]): 0}")


def test_newlines_inside_literals_read_as_newline() -> None:
    text = "X = '''a\r\nb'''\r\nY = '''c\r\n\\td'''\r\n"
    tree = cst.parse_module(text)
    evaluator = Evaluator(tree, SpanMap(tree, text))
    evaluator.run()
    assert evaluator.globals.names["X"] == "a\nb"
    assert evaluator.globals.names["Y"] == "c\n\td"


# -- names and paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prelude", "expression", "path"),
    [
        (
            "from django.db import migrations",
            "migrations.AddField",
            "django.db.migrations.AddField",
        ),
        (
            "from django.db import migrations",
            "migrations.operations.AddField",
            "django.db.migrations.AddField",
        ),
        (
            "import django.db.migrations.operations.fields",
            "django.db.migrations.operations.fields.AddField",
            "django.db.migrations.AddField",
        ),
        (
            "from django.db.migrations.operations.fields import AddField",
            "AddField",
            "django.db.migrations.AddField",
        ),
        ("from django.db.migrations import AddField", "AddField", "django.db.migrations.AddField"),
        (
            "from django.db.migrations import operations as ops",
            "ops.special.RunSQL",
            "django.db.migrations.RunSQL",
        ),
        ("import django.db.migrations as m", "m.RunPython", "django.db.migrations.RunPython"),
        (
            "from django.db import migrations",
            "migrations.RunPython.noop",
            "django.db.migrations.RunPython.noop",
        ),
        (
            "from django.db import migrations",
            "migrations.RunSQL.noop",
            "django.db.migrations.RunSQL.noop",
        ),
        (
            "from django.db.migrations.migration import Migration",
            "Migration",
            "django.db.migrations.Migration",
        ),
        (
            "from django.contrib.postgres.operations import CreateExtension",
            "CreateExtension",
            "django.contrib.postgres.operations.CreateExtension",
        ),
        (
            "from django.db.migrations.operations.base import Operation",
            "Operation",
            "django.db.migrations.operations.base.Operation",
        ),
        ("from django.db import models", "models.CharField", "django.db.models.CharField"),
        (
            "from django.db import models",
            "models.fields.CharField",
            "django.db.models.fields.CharField",
        ),
        (
            "from django.db import models",
            "models.deletion.CASCADE",
            "django.db.models.deletion.CASCADE",
        ),
        (
            "import django.db.models.deletion",
            "django.db.models.deletion.CASCADE",
            "django.db.models.deletion.CASCADE",
        ),
        (
            "import django.contrib.auth.models as auth",
            "auth.User",
            "django.contrib.auth.models.User",
        ),
        ("from . import helpers", "helpers.forwards", ".helpers.forwards"),
        ("from .helpers import forwards", "forwards", ".helpers.forwards"),
        ("from .. import utils", "utils.f", "..utils.f"),
    ],
)
def test_names_resolve_through_imports(prelude: str, expression: str, path: str) -> None:
    assert value_of(expression, prelude) == Ref(path)


def test_relative_imports_resolve_against_the_module_when_known() -> None:
    module = "shop.migrations.0002_price"
    assert value_of("h.f", "from . import h", module) == Ref("shop.migrations.h.f")
    assert value_of("f", "from ..utils import f", module) == Ref("shop.utils.f")
    assert value_of("f", "from ...x import f", module) == Ref("...x.f")  # above the top


def test_operation_names_track_django() -> None:
    from django.db.migrations import operations

    for name in operations.__all__:
        spelt = f"django.db.migrations.operations.{name}"
        assert normalise_path(spelt) == f"django.db.migrations.{name}"


def test_settings_become_setting_values() -> None:
    assert value_of("settings.AUTH_USER_MODEL") == Setting("AUTH_USER_MODEL")
    assert value_of("django.conf.settings.X", "import django.conf") == Setting("X")
    assert value_of("s.X", "from django.conf import settings as s") == Setting("X")
    assert "not evaluated" in opaque_reason("settings.AUTH_USER_MODEL.lower()")


def test_unknown_names_are_opaque_with_a_reason() -> None:
    assert opaque_reason("sorted((1,))") == "the builtin `sorted` is not evaluated"
    assert opaque_reason("undefined") == "`undefined` is not defined before this point"
    assert "import *" in opaque_reason("anything", "from shop.helpers import *")


def test_a_name_is_known_only_after_its_assignment() -> None:
    prelude = "A = 1\nB = A\nA = 2\n"
    assert value_of("(A, B)", prelude) == TupleValue((2, 1))
    assert "not defined before" in opaque_reason("X", "X = LATER\nLATER = 1")


def test_opaque_keeps_source_and_span() -> None:
    value = value_of("helpers.make( 'x' )", "from shop import helpers\nhelpers = helpers.x()")
    assert isinstance(value, Opaque)
    assert value.source == "helpers.make( 'x' )"
    assert value.span == Span(3, 10, 3, 29)
    assert value.reason == "attribute `make` of a call of `shop.helpers.x` is not evaluated"


# -- module-level statements -------------------------------------------------------------------


def test_conditional_bindings() -> None:
    assert value_of("X", "if True:\n    X = 1\nelse:\n    X = 2") == 1
    assert value_of("X", "if 0:\n    X = 1\nelif 'y':\n    X = 2") == 2
    assert value_of("X", "X = 0\nif False:\n    X = 1") == 0
    assert opaque_reason("X", HEADER + "if settings.DEBUG:\n    X = 1") == (
        "`X` (line 3) is not known: "
        "bound inside `if settings.DEBUG:`, whose outcome is not known statically"
    )
    assert "`try`" in opaque_reason("X", "try:\n    X = 1\nexcept ImportError:\n    X = 2")
    assert "`for`" in opaque_reason("X", "for X in (1, 2):\n    pass")
    type_checking = "from typing import TYPE_CHECKING\nX = 1\nif TYPE_CHECKING:\n    X = 2"
    assert value_of("X", type_checking) == 1  # False when the module runs
    # what a `try` does not bind stays known
    assert value_of("Y", "Y = 3\ntry:\n    X = 1\nexcept ImportError:\n    pass") == 3


def test_statements_that_may_mutate_a_list_make_it_opaque() -> None:
    assert "line 2" in opaque_reason("OPS", "OPS = [1]\nOPS.append(2)")
    assert "line 2" in opaque_reason("OPS", "OPS = [1]\nOPS[0] = 2")
    assert "line 2" in opaque_reason("OPS", "OPS = [1]\ndel OPS[0]")
    # a tuple cannot change, and a mere mention changes nothing else
    assert value_of("T", "T = (1,)\nprint(T)") == TupleValue((1,))


def test_unpacking_and_chained_assignment() -> None:
    assert value_of("(A, B, C, D)", "A, (B, C) = 1, [2, 3]\nD = E = 4") == TupleValue((1, 2, 3, 4))
    assert "unpacking" in opaque_reason("A", "A, *B = 1, 2, 3")


def test_augmented_assignment_concatenates() -> None:
    assert value_of("X", "X = [1]\nX += [2]") == ListValue((1, 2))
    assert value_of("X", "X = 'a'\nX += 'b'") == "ab"
    assert "not evaluated" in opaque_reason("X", "X = 4\nX *= 2")


def test_local_functions_classes_and_lambdas() -> None:
    prelude = '''
    def forwards(apps, schema_editor, /, using=None, *args, flag, **kwargs):
        """Copy prices.

        Second line."""
        return 1

    class Helper:
        "Class doc."

    def plain(*, a): pass
    '''
    forwards = value_of("forwards", prelude)
    assert isinstance(forwards, Local)
    assert (forwards.name, forwards.kind) == ("forwards", "function")
    assert forwards.docstring == "Copy prices.\n\n    Second line."
    assert forwards.params == ("apps", "schema_editor", "/", "using=", "*args", "flag", "**kwargs")
    assert forwards.span == Span(2, 1, 6, 13)
    helper = value_of("Helper", prelude)
    assert isinstance(helper, Local)
    assert (helper.kind, helper.docstring) == ("class", "Class doc.")
    plain = value_of("plain", prelude)
    assert isinstance(plain, Local)
    assert (plain.docstring, plain.params) == (None, ("*", "a"))
    lambda_ = value_of("lambda apps, schema_editor: None")
    assert isinstance(lambda_, Local)
    assert (lambda_.name, lambda_.kind, lambda_.params) == (
        "<lambda>",
        "lambda",
        ("apps", "schema_editor"),
    )


def test_decorated_definitions_are_what_the_decorator_returns() -> None:
    prelude = "import functools\n@functools.cache\ndef f(apps, schema_editor): pass"
    assert "decorator" in opaque_reason("f", prelude)


def test_class_attributes_through_inheritance() -> None:
    prelude = """
    class A:
        x = 1
        y = 1
    class B(A):
        y = 2
    class C(A):
        x = 3
    class D(B, C):
        pass
    """
    assert value_of("(D.x, D.y)", prelude) == TupleValue((3, 2))  # C3: D, B, C, A


# -- expressions -------------------------------------------------------------------------------


def test_concatenation_and_unpacking() -> None:
    prelude = "A = [1]\nB = (2,)\nC = {'k': 1}\n"
    assert value_of("A + [3]", prelude) == ListValue((1, 3))
    assert value_of("B + B", prelude) == TupleValue((2, 2))
    assert value_of("[*A, *B, *'xy', *C]", prelude) == ListValue((1, 2, "x", "y", "k"))
    assert value_of("(*A, 0)", prelude) == TupleValue((1, 0))
    assert value_of("{**C, 'j': 2}", prelude) == DictValue((("k", 1), ("j", 2)))
    assert "cannot add" in opaque_reason("A + B", prelude)
    assert "set" in opaque_reason("[*{1, 2}]", prelude)


def test_comprehensions_over_known_values() -> None:
    assert value_of("[(x, '0001') for x in ('a', 'b')]") == ListValue(
        (TupleValue(("a", "0001")), TupleValue(("b", "0001")))
    )
    assert value_of("[x * 1 for x in []]") == ListValue(())
    assert value_of("[a + b for a, b in [('x', 'y')] if a]") == ListValue(("xy",))
    assert value_of("[a + b for a in 'xy' for b in 'z' if b != a]") != ListValue(())  # opaque if
    assert value_of("{k: v for k, v in {'a': 1}.items()}") != DictValue(())
    assert value_of("{x for x in (1, 1)}") == SetValue((1,))
    assert value_of("{x: 0 for x in 'ab'}") == DictValue((("a", 0), ("b", 0)))
    assert "not evaluated" in opaque_reason("[x for x in range(3)]")


def test_comprehension_in_a_class_body_does_not_see_class_names() -> None:
    prelude = "class K:\n    n = 'c'\n    r = [n for _ in 'a']\n"
    (item,) = value_of("K.r", prelude).items  # type: ignore[union-attr]
    assert isinstance(item, Opaque)
    assert item.reason == "`n` is not defined before this point"


def test_conditional_expressions() -> None:
    assert value_of("'yes' if 1 else 'no'") == "yes"
    assert value_of("'yes' if () else 'no'") == "no"
    assert "truth" in opaque_reason("1 if settings.DEBUG else 2")


def test_string_formatting() -> None:
    prelude = "NAME = 'price'\nWIDTH = 6\n"
    assert value_of("'%s_%02d' % (NAME, 3)", prelude) == "price_03"
    assert value_of("'%(n)s' % {'n': NAME}", prelude) == "price"
    assert value_of("f'{NAME}_{WIDTH:03}'", prelude) == "price_006"
    assert value_of("f'{NAME!r:>{WIDTH + 2}}'", prelude) == " 'price'"
    assert value_of("f'{{literal}} {NAME}' 'tail'", prelude) == "{literal} pricetail"
    assert value_of("rf'\\d{NAME}'", prelude) == "\\dprice"
    assert value_of("f'\\t{NAME}\\N{EM DASH}'", prelude) == "\tprice\N{EM DASH}"
    assert "self-documenting" in opaque_reason("f'{NAME=}'", prelude)
    assert "formatting fails" in opaque_reason("'%d' % 'x'", prelude)


def test_calls() -> None:
    value = value_of("models.CharField('Price', max_length=10, **{'null': True})")
    assert isinstance(value, Call)
    assert value.func == "django.db.models.CharField"
    assert value.args == ("Price",)
    assert value.kwargs == (("max_length", 10), ("null", True))
    assert value.span == Span(
        4, 10, 4, 10 + len("models.CharField('Price', max_length=10, **{'null': True})")
    )
    prelude = HEADER + "ARGS = ('a',)\nOPTS = {'null': False}\ndef make(*a, **k): pass\n"
    assert value_of("models.F(*ARGS, **OPTS)", prelude) == Call(
        "django.db.models.F", ("a",), (("null", False),), Span(7, 10, 7, 33)
    )
    assert value_of("make(1)", prelude) == Call("make", (1,), (), Span(7, 10, 7, 17))
    assert "twice" in opaque_reason("models.F(null=1, **OPTS)", prelude)
    assert "builtin" in opaque_reason("sorted([2, 1])", prelude)
    assert "calling" in opaque_reason("(lambda: 1)()", prelude)


def test_calls_of_local_definitions_are_qualified_when_the_module_is_known() -> None:
    value = value_of("make()", "def make(): pass", module_name="shop.migrations.0002")
    assert isinstance(value, Call)
    assert value.func == "shop.migrations.0002.make"


def test_unsupported_expressions_are_opaque() -> None:
    assert "Subscript" in opaque_reason("(1, 2)[0]")
    assert "Comparison" in opaque_reason("1 < 2")


def test_evaluation_never_raises_on_pathological_input() -> None:
    deep = "[" * 200 + "]" * 200
    assert isinstance(value_of(deep), ListValue)
    prelude = f"X = '{'a' * 50}'"  # 50 ** 3 iterations
    assert "runs more than" in opaque_reason("[a for a in X for b in X for c in X]", prelude)


# -- spans -------------------------------------------------------------------------------------

SPAN_SAMPLE = '''\
"""Every kind of statement, to compare our positions with libcst's PositionProvider."""
import os, sys as system
from .x import (a,
    b)


@decorator(1)
async def f(x: int = 1, *args, **kw) -> None:
    async with x as y, z:
        pass
    async for q in y:
        await q
    return (yield x)


class C(Base, metaclass=Meta):
    """Doc."""

    attribute: int = 1

    def method(self): return [i for i in self if i]


try:
    import z
except (ImportError, KeyError) as error:
    raise
else:
    pass
finally:
    del z
while x:
    break
else:
    x = {**y, 'k': lambda a, *, b: a if b else not a}
if x: y = f"{x!r:>{w}}"  # comment
elif y:
    pass
with open("f") as handle: global g
match x:
    case [1, *rest] | {"k": rest, **kw} if rest:
        pass
    case Point(x=0) as p:
        pass
type Alias = list[int]
x = (  # parenthesised
    (1)
    + 2 ** -3
)
'''


def _recorded_ranges(text: str) -> tuple[cst.Module, dict[cst.CSTNode, tuple[int, int, int, int]]]:
    tree = cst.parse_module(text)
    spans = SpanMap(tree, text)
    return tree, spans._ranges


@pytest.mark.parametrize(
    "path", [None, *CONTRIB_MIGRATIONS[:5]], ids=lambda p: "sample" if p is None else p.stem
)
def test_spans_match_libcst_position_providers(path: Path | None) -> None:
    text = SPAN_SAMPLE if path is None else path.read_text()
    tree, ranges = _recorded_ranges(text)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    syntactic = wrapper.resolve(PositionProvider)
    inclusive = wrapper.resolve(WhitespaceInclusivePositionProvider)
    assert ranges.keys() == syntactic.keys()
    for node, recorded in ranges.items():
        if isinstance(node, cst.Module):
            continue
        expected = (inclusive if isinstance(node, cst.BaseExpression) else syntactic)[node]
        start, end = expected.start, expected.end
        assert recorded == (start.line, start.column, end.line, end.column), node


def test_spans_are_one_based_with_exclusive_end() -> None:
    text = "X = [\n    ('app', '0001'),  # c\n]\n\n\ndef f():\n    pass\n\n# trailing\n"
    tree = cst.parse_module(text)
    spans = SpanMap(tree, text)
    assignment = cst.ensure_type(
        cst.ensure_type(tree.body[0], cst.SimpleStatementLine).body[0], cst.Assign
    )
    element = cst.ensure_type(assignment.value, cst.List).elements[0].value
    assert spans.span(element) == Span(2, 5, 2, 20)
    assert spans.source(spans.span(element)) == "('app', '0001')"
    function = tree.body[1]
    assert spans.span(function) == Span(6, 1, 7, 9)  # ends on its last line, not the next


# -- migration files ---------------------------------------------------------------------------


def test_a_plain_migration() -> None:
    parsed = parse(
        """\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            atomic = False

            dependencies = [
                ("shop", "0001_initial"),
            ]

            operations = [
                migrations.AddField(
                    model_name="product",
                    name="price",
                    field=models.DecimalField(max_digits=8, decimal_places=2),
                ),
            ]
        """
    )
    assert parsed.problems == ()
    assert parsed.complete and parsed.has_migration_class
    assert (parsed.initial, parsed.atomic) == (True, False)
    assert parsed.dependencies == (Dependency("shop", "0001_initial", Span(9, 9, 9, 33)),)
    assert parsed.class_span == Span(4, 1, 18, 6)
    (operation,) = parsed.operations
    assert operation.path == "django.db.migrations.AddField"
    assert operation.span == Span(13, 9, 17, 10)
    assert operation.argument(0, "model_name") == "product"
    field = operation.kwarg("field")
    assert isinstance(field, Call)
    assert field.func == "django.db.models.DecimalField"
    assert field.kwargs == (("max_digits", 8), ("decimal_places", 2))


def test_defaults_when_the_class_sets_nothing() -> None:
    parsed = migration("pass")
    assert parsed.problems == ()
    assert (parsed.dependencies, parsed.operations) == ((), ())
    assert (parsed.initial, parsed.atomic, parsed.complete) == (None, True, True)


def test_swappable_dependencies() -> None:
    parsed = migration(
        """
        dependencies = [
            migrations.swappable_dependency(settings.AUTH_USER_MODEL),
            migrations.swappable_dependency("accounts.Person"),
            swappable_dependency(value=settings.PROFILE_MODEL),
        ]
        """,
        HEADER + "from django.db.migrations.migration import swappable_dependency\n",
    )
    assert parsed.problems == ()
    assert [(d.app_label, d.name, d.swappable) for d in parsed.dependencies] == [
        ("", "__first__", "AUTH_USER_MODEL"),
        ("accounts", "__first__", None),
        ("", "__first__", "PROFILE_MODEL"),
    ]
    assert parsed.dependencies[0].span == Span(9, 9, 9, 66)


def test_graph_attributes_built_from_module_values() -> None:
    parsed = migration(
        """
        dependencies = BASE + [(app, "0001_initial") for app in APPS]
        replaces = (*BASE,)
        run_before = [NEXT]
        """,
        HEADER + 'BASE = [("core", "0003")]\nAPPS = ("a", "b")\nNEXT = ("z", "0001")\n',
    )
    assert parsed.problems == ()
    assert [(d.app_label, d.name) for d in parsed.dependencies] == [
        ("core", "0003"),
        ("a", "0001_initial"),
        ("b", "0001_initial"),
    ]
    # each entry points where its tuple was written
    assert parsed.dependencies[0].span.line == 3
    assert parsed.dependencies[1].span.line == 10
    assert parsed.replaces == (Dependency("core", "0003", parsed.dependencies[0].span),)
    assert parsed.run_before[0].span.line == 5


def test_dependencies_built_by_a_function_call_are_a_problem_with_its_line() -> None:
    parsed = migration(
        "dependencies = helpers.previous('shop')\noperations = []\n",
        HEADER + "from shop import helpers\n",
    )
    assert not parsed.complete
    (problem,) = parsed.problems
    assert problem.span.line == 7
    assert problem.message == (
        "`dependencies` is the result of a call of `shop.helpers.previous`, which is not evaluated"
    )
    assert "literal list" in problem.hint
    assert parsed.dependencies == ()


def test_bad_dependency_entries_are_dropped_with_a_problem_at_the_entry() -> None:
    parsed = migration(
        """
        dependencies = [
            ("shop", "0001"),
            ["shop", "0002"],
            ("shop",),
            migrations.swappable_dependency(get_model()),
        ]
        """
    )
    assert not parsed.complete
    assert [d.name for d in parsed.dependencies] == ["0001"]
    assert [(p.span.line, p.span.column) for p in parsed.problems] == [(9, 9), (10, 9), (11, 9)]
    assert '`["shop", "0002"]` is a list' in parsed.problems[0].message
    assert parsed.problems[2].message == (
        "`dependencies` entry `migrations.swappable_dependency(get_model())` names a model that "
        "cannot be evaluated: `get_model` is not defined before this point"
    )


def test_unknown_operation_classes_keep_their_path() -> None:
    parsed = migration(
        "operations = [Custom('x'), ops.Other(), Local()]\n",
        HEADER + "from shop.operations import Custom\nimport shop.ops as ops\nclass Local: pass\n",
    )
    assert parsed.problems == ()
    assert [op.path for op in parsed.operations] == [
        "shop.operations.Custom",
        "shop.ops.Other",
        "Local",
    ]
    assert parsed.operations[0].args == ("x",)


def test_operations_that_are_not_calls() -> None:
    parsed = migration(
        "operations = [migrations.RunPython.noop, make_operations()[0], 'text']\n",
        HEADER + "from shop import make_operations\n",
    )
    assert parsed.complete  # operations are not graph attributes
    assert [op.path for op in parsed.operations] == ["", "", ""]
    raws = [op.raw for op in parsed.operations]
    assert all(isinstance(raw, Opaque) for raw in raws)
    assert [raw.source for raw in raws if raw] == [
        "migrations.RunPython.noop",
        "make_operations()[0]",
        "[migrations.RunPython.noop, make_operations()[0], 'text']",  # no span of its own
    ]
    assert len(parsed.problems) == 3
    assert parsed.operations[0].span == Span(7, 19, 7, 44)


def test_operations_extended_in_the_class_body() -> None:
    parsed = migration(
        """
        operations: list = [migrations.RunSQL("a")]
        operations += [migrations.RunSQL("b")]
        extra = [migrations.RunSQL("c")]
        operations = operations + extra
        """
    )
    assert parsed.problems == ()
    assert [op.args for op in parsed.operations] == [("a",), ("b",), ("c",)]


def test_runpython_with_local_functions_and_noop() -> None:
    parsed = migration(
        "operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]",
        HEADER + 'def forwards(apps, schema_editor):\n    "Fill prices."\n',
    )
    (operation,) = parsed.operations
    code = operation.argument(0, "code")
    assert isinstance(code, Local)
    assert (code.name, code.docstring, code.params) == (
        "forwards",
        "Fill prices.",
        ("apps", "schema_editor"),
    )
    assert operation.argument(1, "reverse_code") == Ref("django.db.migrations.RunPython.noop")
    assert operation.kwarg("elidable") is True


def test_migration_inheriting_from_a_class_in_this_file() -> None:
    parsed = parse(
        """\
        from django.db import migrations

        class Base(migrations.Migration):
            dependencies = [("shop", "0001")]
            atomic = False

        class Mixin:
            initial = True

        class Migration(Mixin, Base):
            operations = [migrations.RunSQL("SELECT 1")]
        """
    )
    assert parsed.problems == ()
    assert [d.name for d in parsed.dependencies] == ["0001"]
    assert (parsed.atomic, parsed.initial, len(parsed.operations)) == (False, True, 1)


def test_migration_subclassing_a_base_from_another_module() -> None:
    parsed = parse(
        """\
        from django.db import migrations
        from shop.base import BaseMigration

        class Migration(BaseMigration):
            dependencies = [("shop", "0001")]
            operations = []
        """
    )
    assert not parsed.complete
    (problem,) = parsed.problems
    assert problem.message == (
        "`Migration` inherits `replaces`, `run_before`, `initial`, `atomic` from "
        "`shop.base.BaseMigration`, which cannot be read here"
    )
    assert problem.span == Span(4, 17, 4, 30)
    assert "set `replaces`" in problem.hint and "ML009" in problem.hint
    assert [d.name for d in parsed.dependencies] == ["0001"]


def test_a_base_that_sets_every_graph_attribute_keeps_the_file_complete() -> None:
    parsed = parse(
        """\
        from shop.base import Base
        class Migration(Base):
            dependencies = replaces = run_before = []
            initial = atomic = True
            operations = []
        """
    )
    assert parsed.problems == () and parsed.complete


def test_no_migration_class() -> None:
    parsed = parse(
        "from django.db import migrations\n\nclass Other(migrations.Migration):\n    pass\n"
    )
    assert not parsed.has_migration_class
    (problem,) = parsed.problems
    assert problem.message == "Migration 0002_price in app shop has no Migration class"


def test_migration_assigned_from_an_import() -> None:
    parsed = parse("from shop.migrations_base import Migration\n")
    assert parsed.has_migration_class and not parsed.complete
    (problem,) = parsed.problems
    assert "imported from `shop.migrations_base.Migration`" in problem.message
    assert parsed.class_span == Span(1, 1, 1, 43)


def test_migration_bound_to_a_local_class_under_another_name() -> None:
    parsed = parse(
        """\
        from django.db import migrations
        class Squashed(migrations.Migration):
            replaces = [("shop", "0001"), ("shop", "0002")]
        Migration = Squashed
        """
    )
    assert parsed.problems == ()
    assert [r.name for r in parsed.replaces] == ["0001", "0002"]
    assert parsed.class_span == Span(2, 1, 3, 52)


def test_migration_modified_after_its_definition() -> None:
    parsed = parse(
        """\
        from django.db import migrations
        class Migration(migrations.Migration):
            dependencies = []
        Migration.dependencies.append(("shop", "0001"))
        """
    )
    assert not parsed.complete
    assert "line 4" in parsed.problems[0].message


def test_conditional_migration_class() -> None:
    parsed = parse(
        """\
        try:
            from shop.compat import Migration
        except ImportError:
            from django.db.migrations import Migration
        """
    )
    assert parsed.has_migration_class and not parsed.complete
    assert "`try`" in parsed.problems[0].message


def test_migration_without_the_django_base() -> None:
    parsed = parse("class Migration:\n    dependencies = []\n")
    assert "does not inherit from django.db.migrations.Migration" in parsed.problems[0].message


# -- bad input ---------------------------------------------------------------------------------


def test_syntax_error() -> None:
    parsed = parse_migration(
        b"from django.db import migrations\n\nx = (1,\ny = 2\n",
        app_label="shop",
        name="0002",
        path="p",
    )
    assert not parsed.complete
    (problem,) = parsed.problems
    assert problem.message == "Python cannot compile this file: '(' was never closed"
    assert (problem.span.line, problem.span.column) == (3, 5)
    assert "Django cannot import it" in problem.hint


def test_errors_python_finds_only_when_compiling() -> None:
    parsed = parse_migration(b"return 1\n", app_label="a", name="b", path="p")
    (problem,) = parsed.problems
    assert problem.message == "Python cannot compile this file: 'return' outside function"
    assert problem.span == Span(1, 1, 1, 2)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("[" * 5000 + "]" * 5000, "too many nested parentheses"),
        ("-" * 100_000 + "1", "too complex"),
        ("1 + " * 100_000 + "1", "maximum recursion depth"),
        ("1 + " * 2_000 + "1", "nests expressions too deeply"),  # Python can, we cannot
    ],
    ids=["brackets", "unary", "binary", "binary-within-python-limits"],
)
def test_pathological_nesting_is_a_problem_not_a_crash(expression: str, message: str) -> None:
    # libcst's native parser overflows its stack on some of these: run them in a subprocess,
    # where a segfault fails the test instead of killing the run
    code = (
        "import sys\n"
        "from migration_lint.parsing.migrations import parse_migration\n"
        "parsed = parse_migration(b'X = ' + sys.stdin.buffer.read(),"
        " app_label='a', name='b', path='p')\n"
        "print(parsed.problems[0].message)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], input=expression.encode(), capture_output=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr.decode()
    assert message in completed.stdout.decode()


def test_null_bytes() -> None:
    parsed = parse_migration(b"x = 1\ny = 2\0\n", app_label="a", name="b", path="p")
    (problem,) = parsed.problems
    assert "null bytes" in problem.message
    assert (problem.span.line, problem.span.column) == (2, 6)


def test_non_utf8_bytes_without_a_coding_declaration() -> None:
    source = "# first\nname = 'café'\n".encode("latin-1")
    parsed = parse_migration(source, app_label="a", name="b", path="p")
    assert not parsed.complete
    (problem,) = parsed.problems
    assert "line 2 has non-UTF-8 bytes" in problem.message
    assert problem.span == Span(2, 12, 2, 13)
    assert "UTF-8" in problem.hint and "coding" in problem.hint


def test_non_utf8_first_line() -> None:
    parsed = parse_migration("x = 'é'\n".encode("latin-1"), app_label="a", name="b", path="p")
    assert parsed.problems[0].span.line == 1


def test_latin1_with_a_coding_declaration() -> None:
    source = (
        "# -*- coding: latin-1 -*-\n"
        "from django.db import migrations\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [migrations.RunSQL('SELECT \"café\"')]\n"
    ).encode("latin-1")
    parsed = parse_migration(source, app_label="a", name="b", path="p")
    assert parsed.problems == ()
    assert parsed.operations[0].args == ('SELECT "café"',)


def test_bytes_invalid_for_the_declared_encoding() -> None:
    source = b"# coding: ascii\nx = '\xc3\xa9'\n"
    parsed = parse_migration(source, app_label="a", name="b", path="p")
    assert "not valid ascii" in parsed.problems[0].message


def test_unknown_coding_declaration() -> None:
    parsed = parse_migration(b"# coding: klingon\n", app_label="a", name="b", path="p")
    assert "unknown encoding" in parsed.problems[0].message


def test_byte_order_mark() -> None:
    source = (
        b"\xef\xbb\xbf"
        + textwrap.dedent(
            """\
        from django.db import migrations
        class Migration(migrations.Migration):
            dependencies = [("a", "0001")]
        """
        ).encode()
    )
    parsed = parse_migration(source, app_label="a", name="b", path="p")
    assert parsed.problems == ()
    assert parsed.dependencies[0].span == Span(3, 21, 3, 34)


def test_never_raises_on_truncated_files() -> None:
    text = CONTRIB_MIGRATIONS[0].read_bytes()
    for cut in range(0, len(text), max(1, len(text) // 60)):
        parsed = parse_migration(text[:cut], app_label="a", name="b", path="p")
        assert all("internal error" not in p.message for p in parsed.problems), cut


def test_a_huge_file_parses_in_reasonable_time() -> None:
    count = 20_000
    lines = [HEADER, "class Migration(migrations.Migration):\n", "    operations = [\n"]
    lines += [f"        migrations.RunSQL('SELECT {i}'),\n" for i in range(count)]
    lines.append("    ]\n")
    started = time.perf_counter()
    parsed = parse_migration("".join(lines).encode(), app_label="a", name="b", path="p")
    elapsed = time.perf_counter() - started
    assert parsed.problems == ()
    assert len(parsed.operations) == count
    assert parsed.operations[-1].args == (f"SELECT {count - 1}",)
    assert parsed.operations[-1].span.line == count + 4
    assert elapsed < 120, f"{count} operations took {elapsed:.1f}s"


def test_contrib_migrations_parse_without_problems() -> None:
    for path in CONTRIB_MIGRATIONS:
        parsed = parse_migration(
            path.read_bytes(), app_label=path.parent.parent.name, name=path.stem, path=str(path)
        )
        assert parsed.problems == (), path
        assert parsed.complete and parsed.has_migration_class, path


# -- suppressions ------------------------------------------------------------------------------


def test_line_suppressions() -> None:
    text = textwrap.dedent(
        """\
        a = 1  # noqa
        b = 2  # NOQA: ML101, ML102
        c = 3  # noqa:ML103 ML104 because reasons
        d = "# noqa"
        e = 4  # noqa: E501
        f = 5  # noqa: E501,ML105
        g = '''
        # noqa: ML106
        '''
        h = 6  # type: ignore  # noqa: ML107
        """
    )
    assert parse_suppressions(text) == Suppressions(
        lines=(
            (1, ()),
            (2, ("ML101", "ML102")),
            (3, ("ML103", "ML104")),
            (6, ("ML105",)),
            (10, ("ML107",)),
        ),
        file_codes=None,
    )


def test_file_suppressions() -> None:
    assert parse_suppressions("# migration-lint: noqa\nx = 1\n").file_codes == ()
    text = "# migration-lint: noqa: ML101,ML102\n  # Migration-Lint: NOQA: ML103\n"
    assert parse_suppressions(text).file_codes == ("ML101", "ML102", "ML103")
    assert parse_suppressions("x = 1  # migration-lint: noqa\n") == Suppressions()
    assert parse_suppressions("x = '# migration-lint: noqa'\n") == Suppressions()


def test_suppressions_of_files_that_do_not_tokenize() -> None:
    assert parse_suppressions("# migration-lint: noqa: ML009\nx = (\n").file_codes == ("ML009",)
    assert parse_suppressions("x = 1  # noqa\n  y = '''\n") == Suppressions(lines=((1, ()),))


def test_suppressions_with_other_line_endings() -> None:
    assert parse_suppressions("a = 1\r\nb = 2  # noqa\r\n").lines == ((2, ()),)
    assert parse_suppressions("a = 1\rb = 2  # noqa\r").lines == ((2, ()),)


def test_parse_migration_fills_suppressions_even_for_unparsable_files() -> None:
    parsed = parse_migration(
        b"# migration-lint: noqa: ML009\nx = (\n", app_label="a", name="b", path="p"
    )
    assert parsed.suppressions.file_codes == ("ML009",)
    parsed = migration("operations = [\n    migrations.RunSQL('x'),  # noqa: ML301\n]")
    assert parsed.suppressions.lines == ((7, ("ML301",)),)


def test_suppressions_do_not_import_libcst() -> None:
    code = (
        "import sys, migration_lint.parsing.suppressions as s;"
        "s.parse_suppressions('x = 1  # noqa\\n');"
        "assert 'libcst' not in sys.modules, 'libcst imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_builtin_container_constructors_over_known_values() -> None:
    source = b"""
from django.db import migrations
class Migration(migrations.Migration):
    operations = [
        migrations.AlterUniqueTogether(name="a", unique_together=set()),
        migrations.AlterUniqueTogether(name="b", unique_together=set([("x", "y"), ("x", "y")])),
        migrations.AlterModelOptions(name="c", options=dict(ordering=["x"])),
        migrations.RunSQL(tuple(["a", "b"])),
    ]
"""
    parsed = parse_migration(source, app_label="a", name="0001", path="m.py")
    assert not parsed.problems
    values = [op.argument(1, "unique_together") for op in parsed.operations[:2]]
    assert values == [SetValue(()), SetValue((TupleValue(("x", "y")),))]
    assert parsed.operations[2].kwarg("options") == DictValue((("ordering", ListValue(("x",))),))
    assert parsed.operations[3].args == (TupleValue(("a", "b")),)


def test_a_rebound_builtin_name_is_not_taken_for_the_builtin() -> None:
    source = b"""
from django.db import migrations
from shop.util import set
class Migration(migrations.Migration):
    operations = [migrations.AlterUniqueTogether(name="a", unique_together=set())]
"""
    parsed = parse_migration(source, app_label="a", name="0001", path="m.py")
    value = parsed.operations[0].kwarg("unique_together")
    assert isinstance(value, Call) and value.func == "shop.util.set"
