"""``field_spec`` against real Django's ``Field.deconstruct()``, on thousands of constructors.

Every case is a field constructor expression. The same text is written into one migration
module that our parser reads (``parse_migration`` -> ``AddField`` -> the field call ->
``field_spec``), and evaluated for real by Django 6.1 in a subprocess whose settings swap
``AUTH_USER_MODEL`` to ``accounts.Member`` (so that ``settings.AUTH_USER_MODEL`` means
something other than the default). Both sides are encoded to the same tagged JSON (see
``ENCODER``) and compared exactly; a constructor Django refuses must be one we refuse, with
the same exception type.

The cases are a hand-written table of the rules that matter (defaults written out, positional
forms, the per-class exceptions of ``deconstruct()``, spellings of ``on_delete``) plus a
seeded random sample over every built-in field class of ``django.db.models`` and
``django.contrib.postgres.fields``: positional prefixes of each class's real signature,
keyword subsets from per-parameter pools that include each default, and the occasional
mistake (an unknown keyword, one positional too many, a required argument left out).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    Local,
    Opaque,
    Ref,
    Setting,
    SetValue,
    Span,
    TupleValue,
    Value,
)
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state import fields as fields_module
from migration_lint.state.fields import FieldSpec, field_spec, normalise_value, reference_path

django = pytest.importorskip("django")
pytestmark = pytest.mark.skipif(
    django.VERSION[:2] != (6, 1), reason="field_spec transcribes Django 6.1's deconstruct()"
)

SETTINGS = SettingsFacts(auth_user_model="accounts.Member")
SEED = 20_240_601
RANDOM_CASES_PER_CLASS = 64

#: The imports of the module both sides evaluate the expressions in.
HEADER = """\
import json
import uuid
import django.contrib.postgres.fields
import django.contrib.postgres.fields.array
import django.contrib.postgres.fields.citext
import django.contrib.postgres.fields.ranges
import django.core.files.storage
import django.core.validators
import django.db.models.deletion
import django.db.models.fields.composite
import django.db.models.fields.files
import django.db.models.fields.generated
import django.db.models.fields.json
import django.db.models.fields.proxy
import django.db.models.fields.related
import django.db.models.functions.datetime
from django.conf import settings
from django.contrib.postgres import fields as pg
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models
from django.db.models import CASCADE, F, Q, deletion
from django.db.models.fields import related as related_fields
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
"""

#: Encodes what ``deconstruct()`` returns, mirroring the autodetector's ``deep_deconstruct``.
ENCODER = """
import django.db.models
from django.db.models.deletion import DatabaseOnDelete
from django.utils.functional import Promise


def encode(obj):
    if isinstance(obj, (str, Promise)):
        return str(obj)  # SettingsReference and lazy strings compare as their text
    if obj is None or isinstance(obj, (bool, int)):
        return obj
    if isinstance(obj, float):
        return {"float": repr(obj)}
    if isinstance(obj, complex):
        return {"complex": repr(obj)}
    if isinstance(obj, bytes):
        return {"bytes": obj.hex()}
    if isinstance(obj, tuple):
        return {"tuple": [encode(item) for item in obj]}
    if isinstance(obj, list):
        return {"list": [encode(item) for item in obj]}
    if isinstance(obj, (set, frozenset)):
        return {"set": sorted((encode(item) for item in obj), key=json.dumps)}
    if isinstance(obj, dict):
        return {"dict": [[encode(key), encode(value)] for key, value in obj.items()]}
    if isinstance(obj, DatabaseOnDelete):
        return {"ref": f"{type(obj).__module__}.{obj.__name__}"}
    if isinstance(obj, type) or callable(obj) and not hasattr(obj, "deconstruct"):
        return {"ref": f"{obj.__module__}.{obj.__qualname__}"}
    if hasattr(obj, "deconstruct"):
        found = obj.deconstruct()
        if isinstance(obj, django.db.models.Field):
            found = found[1:]
        path, args, kwargs = found
        return {
            "call": path,
            "args": [encode(item) for item in args],
            "kwargs": {key: encode(value) for key, value in kwargs.items()},
        }
    return {"repr": repr(obj)}
"""

#: Runs in the subprocess: deconstructs every expression, and reports the facts about
#: Django's names that the path tables of ``migration_lint.state.fields`` must agree with.
DJANGO_SCRIPT = (
    """
import importlib
import inspect
import json
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.postgres",
        "accounts",
    ],
    AUTH_USER_MODEL="accounts.Member",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_I18N=False,
)
django.setup()
"""
    + ENCODER
    + '''

with open(sys.argv[1]) as file:
    request = json.load(file)
namespace = {}
exec(request["header"], namespace)
results = []
for expression in request["expressions"]:
    try:
        _, path, args, kwargs = eval(expression, namespace).deconstruct()
        results.append(
            {
                "path": path,
                "args": [encode(item) for item in args],
                "kwargs": {key: encode(value) for key, value in kwargs.items()},
            }
        )
    except Exception as error:
        results.append({"error": type(error).__name__, "message": str(error)})


def homes_of(obj, package, name):
    """Where a package's public name is defined: a class's or function's module; for other
    objects every submodule that binds the same object (or the package itself)."""
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return [obj.__module__]
    found = [
        module_name
        for module_name, module in sorted(sys.modules.items())
        if module_name.startswith(package + ".") and vars(module).get(name) is obj
    ]
    return found or [package]


def deconstructible_path(cls):
    """The ``path`` a ``@deconstructible(path=...)`` decorator gave ``cls`` itself."""
    method = cls.__dict__.get("deconstruct")
    if method is None or not method.__closure__:
        return None
    cells = dict(zip(method.__code__.co_freevars, (c.cell_contents for c in method.__closure__)))
    return cells.get("path") if cells.get("klass") is cls else None


homes = {}
deconstruct_paths = {}
for package in request["packages"]:
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    if names is None:  # django.contrib.postgres.fields: star imports of its submodules
        names = [
            name
            for sub in ("array", "citext", "hstore", "jsonb", "ranges")
            for name in importlib.import_module(f"{package}.{sub}").__all__
        ]
    homes[package] = {}
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue
        homes[package][name] = homes_of(obj, package, name)
        if inspect.isclass(obj) and deconstructible_path(obj):
            deconstruct_paths[f"{obj.__module__}.{name}"] = deconstructible_path(obj)

field_classes = set()
for module_name in request["field_modules"]:
    for name, obj in vars(importlib.import_module(module_name)).items():
        if (
            inspect.isclass(obj)
            and issubclass(obj, django.db.models.Field)
            and obj.__module__ == module_name
        ):
            field_classes.add(f"{module_name}.{name}")

json.dump(
    {
        "results": results,
        "homes": homes,
        "field_classes": sorted(field_classes),
        "deconstruct_paths": deconstruct_paths,
    },
    sys.stdout,
)
'''
)

FIELD_MODULES = [
    "django.db.models.fields",
    "django.db.models.fields.related",
    "django.db.models.fields.files",
    "django.db.models.fields.json",
    "django.db.models.fields.generated",
    "django.db.models.fields.composite",
    "django.db.models.fields.proxy",
    "django.contrib.postgres.fields.array",
    "django.contrib.postgres.fields.citext",
    "django.contrib.postgres.fields.hstore",
    "django.contrib.postgres.fields.jsonb",
    "django.contrib.postgres.fields.ranges",
]


# ---------------------------------------------------------------------------------------------
# Our side of the encoding


def encode(value: Value) -> Any:
    """A parsed value in the tagged JSON form ``ENCODER`` gives Django's objects."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, complex):
        return {"complex": repr(value)}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, TupleValue):
        return {"tuple": [encode(item) for item in value.items]}
    if isinstance(value, ListValue):
        return {"list": [encode(item) for item in value.items]}
    if isinstance(value, SetValue):
        return {"set": sorted((encode(item) for item in value.items), key=json.dumps)}
    if isinstance(value, DictValue):
        return {"dict": [[encode(key), encode(item)] for key, item in value.items]}
    if isinstance(value, Ref):
        return {"ref": value.path}
    if isinstance(value, Call):
        return {
            "call": value.func,
            "args": [encode(item) for item in value.args],
            "kwargs": {key: encode(item) for key, item in value.kwargs},
        }
    if isinstance(value, Setting):
        return {"setting": value.name}
    if isinstance(value, Local):
        return {"local": value.name}
    assert isinstance(value, Opaque)
    return {"opaque": value.source}


def encode_spec(spec: FieldSpec) -> dict[str, Any]:
    if spec.problem is not None:
        return {"error": spec.problem.partition(":")[0]}
    return {
        "path": spec.path,
        "args": [encode(item) for item in spec.args],
        "kwargs": {key: encode(item) for key, item in spec.kwargs},
    }


# ---------------------------------------------------------------------------------------------
# The cases

FIELD_ORDER = (
    "verbose_name name primary_key max_length unique blank null db_index rel default editable "
    "serialize unique_for_date unique_for_month unique_for_year choices help_text db_column "
    "db_tablespace auto_created validators error_messages db_comment db_default"
).split()

FLAGS = ("True", "False", "0", "1", "None")
#: Source-text pools of Field's own parameters; each includes the default Django drops.
COMMON: Mapping[str, tuple[str, ...]] = {
    "verbose_name": ("None", "'Title'", "_('Label')", "''", "pgettext_lazy('ctx', 'Ctx')"),
    "name": ("None", "'fname'"),
    "primary_key": FLAGS,
    "max_length": ("None", "10", "50", "100", "200", "254", "15", "39", "32", "100.0", "True"),
    "unique": FLAGS,
    "blank": FLAGS,
    "null": FLAGS,
    "db_index": FLAGS,
    "default": (
        "models.NOT_PROVIDED",
        "django.db.models.fields.NOT_PROVIDED",
        "None",
        "0",
        "-1",
        "'x'",
        "timezone.now",
        "uuid.uuid4",
        "dict",
        "list",
        "[]",
        "{}",
        "b'x'",
        "1.5",
        "(1, 2)",
        "{'a': [1, (2, 3)]}",
        "{1, 2}",
    ),
    "db_default": (
        "models.NOT_PROVIDED",
        "models.Value(1)",
        "models.functions.Now()",
        "django.db.models.functions.datetime.Now()",
        "models.functions.Lower(F('a'))",
        "0",
        "'x'",
    ),
    "editable": FLAGS,
    "serialize": FLAGS,
    "unique_for_date": ("None", "'pub_date'"),
    "unique_for_month": ("None", "'pub_date'"),
    "unique_for_year": ("None", "'pub_date'"),
    "choices": (
        "None",
        "[('a', 'A'), ('b', 'B')]",
        "(('a', 'A'),)",
        "{'a': 'A', 'b': 'B'}",
        "[('G', [('a', 'A')]), ('b', 'B')]",
        "[('G', (('a', 'A'), ('c', 'C')))]",
        "{'G': {'a': 'A'}, 'b': 'B'}",
        "[]",
        "()",
        "['ab']",
        "[1, 2]",
        "[(1, 2, 3)]",
        "'abc'",
        "[['a', 'A']]",
        "[{'a': 1, 'b': 2}]",
        "[(1, _('one'))]",
        "timezone.now",
        "[('G', {'a': 'A'})]",
        "[('G', [('a', [('x', 'X')])])]",
        "[('G', [('a', {'x': 'X'})])]",  # depth 2 is left as written
        "{'G': (('a', (('x', 'X'),)),)}",
    ),
    "help_text": ("''", "'help'", "_('help')"),
    "db_column": ("None", "'col'"),
    "db_tablespace": ("None", "'ts'"),
    "auto_created": FLAGS,
    "validators": (
        "()",
        "[]",
        "[django.core.validators.MinValueValidator(1)]",
        "(django.core.validators.MaxLengthValidator(5),)",
        "[django.core.validators.RegexValidator(regex='a', message='m')]",
        "{'a': 1}",
        "None",
    ),
    "error_messages": ("None", "{'null': 'no'}", "{}"),
    "db_comment": ("None", "'comment'", "''"),
}

ON_DELETE = (
    "models.CASCADE",
    "django.db.models.deletion.CASCADE",
    "deletion.PROTECT",
    "CASCADE",
    "models.SET_NULL",
    "models.SET(1)",
    "django.db.models.deletion.SET('x')",
    "models.deletion.SET_DEFAULT",
    "models.DO_NOTHING",
    "models.RESTRICT",
    "models.DB_CASCADE",
    "django.db.models.deletion.DB_SET_NULL",
    "models.DB_SET_DEFAULT",
)
TO = (
    "'auth.User'",
    "'library.Author'",
    "'Library.AUTHOR'",
    "'Author'",
    "'self'",
    "settings.AUTH_USER_MODEL",
    "'accounts.member'",
)
RELATED: Mapping[str, tuple[str, ...]] = {
    "related_name": ("None", "'+'", "'items'", "''"),
    "related_query_name": ("None", "'item'"),
    "limit_choices_to": (
        "None",
        "{}",
        "{'a': 1}",
        "Q(a=1)",
        "Q()",
        "Q(b=1, a=2)",
        "Q(Q(a=1), _connector='OR')",
        "Q(a=1, _negated=True)",
        "models.Q(a=1, _connector='AND')",
        "timezone.now",
    ),
}
ONE_TEXT = {"db_collation": ("None", "''", "'C'")}
NAME = ("None", "''", "'w'")


@dataclass(frozen=True)
class Shape:
    """How to write calls of one field class: spellings, real positional order, pools."""

    spellings: tuple[str, ...]
    positional: tuple[str, ...] = tuple(FIELD_ORDER)
    pools: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    common: bool = True
    star: tuple[tuple[str, ...], ...] = ()  # CompositePrimaryKey's field names


def _models(name: str, module: str = "django.db.models.fields") -> tuple[str, ...]:
    return (f"models.{name}", f"django.db.models.{name}", f"{module}.{name}")


def _pg(name: str, module: str) -> tuple[str, ...]:
    return (f"pg.{name}", f"django.contrib.postgres.fields.{name}", f"{module}.{name}")


def _named(*rest: str) -> tuple[str, ...]:
    return ("verbose_name", "name", *rest)


AUTO_NOW = {"auto_now": FLAGS, "auto_now_add": FLAGS}
FK = {
    **RELATED,
    "to": TO,
    "on_delete": ON_DELETE,
    "parent_link": FLAGS,
    "to_field": ("None", "'code'", "''"),
    "db_constraint": FLAGS,
    "swappable": ("True", "False"),
}
SHAPES: Mapping[str, Shape] = {
    "Field": Shape(_models("Field")),
    **{
        name: Shape(_models(name))
        for name in (
            "BooleanField IntegerField BigIntegerField SmallIntegerField PositiveBigIntegerField "
            "PositiveIntegerField PositiveSmallIntegerField FloatField DurationField"
        ).split()
    },
    **{
        name: Shape(_models(name), pools=ONE_TEXT)
        for name in ("CharField", "TextField", "CommaSeparatedIntegerField", "EmailField")
    },
    "SlugField": Shape(
        _models("SlugField"), pools={**ONE_TEXT, "allow_unicode": FLAGS}
    ),  # max_length, db_index are keyword-only there: the positional order still applies
    "URLField": Shape(_models("URLField"), positional=_named(), pools=ONE_TEXT),
    **{
        name: Shape(_models(name), positional=_named("auto_now", "auto_now_add"), pools=AUTO_NOW)
        for name in ("DateField", "DateTimeField", "TimeField")
    },
    "DecimalField": Shape(
        _models("DecimalField"),
        positional=_named("max_digits", "decimal_places"),
        pools={"max_digits": ("None", "5", "10"), "decimal_places": ("None", "0", "2")},
    ),
    "FilePathField": Shape(
        _models("FilePathField"),
        positional=_named("path", "match", "recursive", "allow_files", "allow_folders"),
        pools={
            "path": ("''", "'/tmp'", "None"),
            "match": ("None", "r'.*\\.py'"),
            "recursive": FLAGS,
            "allow_files": FLAGS,
            "allow_folders": FLAGS,
        },
    ),
    "IPAddressField": Shape(_models("IPAddressField")),
    "GenericIPAddressField": Shape(
        _models("GenericIPAddressField"),
        positional=_named("protocol", "unpack_ipv4", *FIELD_ORDER[2:]),
        pools={
            "protocol": ("'both'", "'ipv4'", "'IPv6'", "'Both'", "'bad'", "None"),
            "unpack_ipv4": FLAGS,
        },
    ),
    "NullBooleanField": Shape(_models("NullBooleanField")),
    "BinaryField": Shape(_models("BinaryField")),
    "UUIDField": Shape(_models("UUIDField"), positional=("verbose_name",)),
    **{
        name: Shape(_models(name), pools={"primary_key": ("True", "False")})
        for name in ("AutoField", "BigAutoField", "SmallAutoField")
    },
    "OrderWrt": Shape(("django.db.models.fields.proxy.OrderWrt",), positional=("verbose_name",)),
    "FileField": Shape(
        _models("FileField", "django.db.models.fields.files"),
        positional=_named("upload_to", "storage"),
        pools={
            "upload_to": ("''", "'up/'", "'uploads/%Y'", "timezone.now"),
            "storage": (
                "None",
                "default_storage",
                "django.core.files.storage.default_storage",
                "FileSystemStorage(location='/tmp')",
                "django.core.files.storage.filesystem.FileSystemStorage()",
                "django.core.files.storage.InMemoryStorage()",
            ),
        },
    ),
    "ImageField": Shape(
        _models("ImageField", "django.db.models.fields.files"),
        positional=_named("width_field", "height_field"),
        pools={"width_field": NAME, "height_field": NAME, "upload_to": ("''", "'img/'")},
    ),
    "JSONField": Shape(
        _models("JSONField", "django.db.models.fields.json"),
        positional=_named("encoder", "decoder"),
        pools={
            "encoder": ("None", "DjangoJSONEncoder", "'x'", "''"),
            "decoder": ("None", "json.JSONDecoder"),
        },
    ),
    "GeneratedField": Shape(
        _models("GeneratedField", "django.db.models.fields.generated"),
        positional=(),
        pools={
            "expression": (
                "F('a')",
                "models.Value(1)",
                "models.functions.Lower('a')",
                "models.ExpressionWrapper(F('a'), output_field=models.IntegerField())",
            ),
            "output_field": (
                "models.IntegerField()",
                "models.CharField(max_length=10, null=False)",
                "models.TextField(blank=True)",
            ),
            "db_persist": ("True", "False", "1", "0", "None"),
            "editable": ("False", "True"),
            "blank": ("True", "False"),
            "db_default": ("models.NOT_PROVIDED", "1"),
            "default": ("models.NOT_PROVIDED", "1"),
        },
        required=("expression", "output_field", "db_persist"),
    ),
    "CompositePrimaryKey": Shape(
        _models("CompositePrimaryKey", "django.db.models.fields.composite"),
        positional=(),
        pools={
            "primary_key": ("True", "False", "1"),
            "editable": ("False", "True"),
            "blank": ("True", "False"),
            "db_column": ("None", "'c'"),
            "default": ("models.NOT_PROVIDED", "1"),
        },
        star=(("'a'", "'b'"), ("'a'", "'b'", "'c'"), ("'a'",), (), ("'a'", "'a'"), ("'a'", "1")),
    ),
    "ForeignKey": Shape(
        _models("ForeignKey", "django.db.models.fields.related"),
        positional=(
            "to",
            "on_delete",
            *RELATED,
            "parent_link",
            "to_field",
            "db_constraint",
        ),
        pools={**FK, "db_index": FLAGS},
        required=("to", "on_delete"),
    ),
    "OneToOneField": Shape(
        (
            *_models("OneToOneField", "django.db.models.fields.related"),
            "related_fields.OneToOneField",
        ),
        positional=("to", "on_delete", "to_field"),
        pools={**FK, "unique": FLAGS},
        required=("to", "on_delete"),
    ),
    "ManyToManyField": Shape(
        _models("ManyToManyField", "django.db.models.fields.related"),
        positional=(
            "to",
            *RELATED,
            "symmetrical",
            "through",
            "through_fields",
            "db_constraint",
            "db_table",
            "swappable",
        ),
        pools={
            **RELATED,
            "to": TO,
            "symmetrical": ("None", "True", "False"),
            "through": ("None", "'library.Membership'", "'Library.MEMBERSHIP'"),
            "through_fields": ("None", "('a', 'b')", "()"),
            "db_constraint": FLAGS,
            "db_table": ("None", "'tbl'"),
            "swappable": ("True", "False"),
        },
        required=("to",),
    ),
    "ForeignObject": Shape(
        _models("ForeignObject", "django.db.models.fields.related"),
        positional=("to", "on_delete", "from_fields", "to_fields"),
        pools={
            **FK,
            "from_fields": ("['a']", "('a', 'b')", "['self']"),
            "to_fields": ("['b']", "['id', 'c']", "[None]"),
        },
        required=("to", "on_delete", "from_fields", "to_fields"),
    ),
    "RelatedField": Shape(
        ("related_fields.RelatedField", "django.db.models.fields.related.RelatedField"),
        positional=tuple(RELATED),
        pools=RELATED,
    ),
    "ArrayField": Shape(
        _pg("ArrayField", "django.contrib.postgres.fields.array"),
        positional=("base_field", "size"),
        pools={
            "base_field": (
                "models.IntegerField()",
                "models.CharField(max_length=10, blank=True)",
                "pg.ArrayField(models.IntegerField(), size=2)",
                "pg.HStoreField()",
                "models.CharField('x', 'y', max_length=3, db_collation='C')",
                "models.ForeignKey('auth.User', models.CASCADE)",
                "5",
            ),
            "size": ("None", "3", "0"),
        },
        required=("base_field",),
    ),
    "HStoreField": Shape(_pg("HStoreField", "django.contrib.postgres.fields.hstore")),
    "postgres.JSONField": Shape(
        ("django.contrib.postgres.fields.jsonb.JSONField", "pg.JSONField"),
        positional=_named("encoder", "decoder"),
        pools={"encoder": ("None", "DjangoJSONEncoder")},
    ),
    **{
        name: Shape(_pg(name, "django.contrib.postgres.fields.citext"), pools=ONE_TEXT)
        for name in ("CICharField", "CIEmailField", "CITextField")
    },
    **{
        name: Shape(
            _pg(name, "django.contrib.postgres.fields.ranges"),
            pools={"default_bounds": ("'[)'", "'[]'", "'()'", "'(]'", "''", "'x'", "None")},
        )
        for name in (
            "RangeField IntegerRangeField BigIntegerRangeField DateRangeField "
            "DecimalRangeField DateTimeRangeField"
        ).split()
    },
    "ContinuousRangeField": Shape(
        ("django.contrib.postgres.fields.ranges.ContinuousRangeField",),
        pools={"default_bounds": ("'[)'", "'[]'", "'x'")},
    ),
}

#: Hand-picked constructors, one per rule (with what Django does, for the reader).
TABLE = (
    "models.CharField('Title', max_length=5)",  # positional verbose_name
    "models.CharField('Title', 'title', False, 20)",  # name dropped, max_length positional
    "models.CharField(max_length=5, primary_key=False, unique=False, blank=False, null=False,"
    " db_index=False, default=models.NOT_PROVIDED, editable=True, serialize=True,"
    " choices=None, help_text='', db_column=None, db_tablespace=None, auto_created=False,"
    " validators=[], error_messages=None, db_comment=None, db_default=models.NOT_PROVIDED,"
    " db_collation=None, unique_for_date=None)",  # every default written out
    "models.CharField(max_length=5, blank=0)",  # 0 is not False: kept
    "models.CharField(max_length=5, db_collation='')",  # falsy collation dropped
    "models.DecimalField(None, None, 10, 2)",
    "models.DecimalField(max_digits=None, decimal_places=None)",
    "models.EmailField(max_length=254)",  # kept: Django keeps EmailField's max_length
    "models.EmailField()",
    "models.EmailField('a', 'b', False, 10)",  # TypeError: max_length twice
    "models.SlugField(max_length=50, db_index=True)",
    "models.SlugField(db_index=False, allow_unicode=True)",
    "models.SlugField(db_index=0)",  # 0 is not False: dropped
    "models.URLField(max_length=200)",
    "models.URLField('u', 'n', 300)",  # TypeError: two positionals only
    "models.FilePathField(max_length=100, path='', recursive=False)",
    "models.DateField(auto_now=True, editable=True, blank=False)",
    "models.DateTimeField(auto_now_add=1)",  # reported as auto_now_add=True
    "models.TimeField(auto_now_add=1)",  # TimeField reports the value: 1
    "models.TimeField(auto_now=0)",  # 0 is not False: kept as 0
    "models.BooleanField(blank=True)",
    "models.NullBooleanField(null=True, blank=True)",
    "models.IPAddressField(max_length=20)",
    "models.GenericIPAddressField(protocol='IPv4', unpack_ipv4=False)",
    "models.GenericIPAddressField(protocol='ipv4', unpack_ipv4=True)",  # ValueError
    "models.BinaryField(editable=True)",
    "models.BinaryField(editable=1)",  # reported as editable=True
    "models.BinaryField(editable=False)",
    "models.UUIDField(default=uuid.uuid4, editable=False, unique=True)",
    "models.UUIDField('id', 'name')",  # TypeError
    "models.AutoField(primary_key=True, serialize=False, verbose_name='ID')",
    "models.BigAutoField(auto_created=True, primary_key=True, serialize=False)",
    "models.SmallAutoField(blank=False)",
    "models.FileField(upload_to='', max_length=100, storage=None)",
    "models.FileField(upload_to='x/', storage=default_storage)",
    "models.FileField(storage=FileSystemStorage(location='/m'))",
    "models.ImageField(width_field='w', height_field='', upload_to='i/')",
    "models.JSONField(encoder=DjangoJSONEncoder, default=dict)",
    "models.JSONField(encoder='nope')",  # ValueError
    "models.GeneratedField(expression=F('a'), output_field=models.IntegerField(), db_persist=True)",
    "models.GeneratedField(expression=F('a'), output_field=models.IntegerField(),"
    " db_persist=True, editable=True)",  # ValueError
    "models.CompositePrimaryKey('a', 'b')",
    "models.CompositePrimaryKey('a', 'b', primary_key=True, editable=False, blank=True)",
    "models.CompositePrimaryKey('a')",  # ValueError
    "models.ForeignKey('auth.User', models.CASCADE)",
    "models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=django.db.models.deletion.CASCADE)",
    "models.ForeignKey(to='Library.AUTHOR', on_delete=deletion.SET_NULL, null=True)",
    "models.ForeignKey('Author', CASCADE, db_index=True, db_constraint=True, to_field=None)",
    "models.ForeignKey('self', models.CASCADE, 'children', None, None, True, 'code', False)",
    "models.ForeignKey('a.b.c', models.CASCADE)",  # ValueError in deconstruct
    "models.ForeignKey(5, models.CASCADE)",  # TypeError
    "models.ForeignKey('auth.User', 'CASCADE')",  # TypeError: on_delete must be callable
    "models.ForeignKey('auth.User', models.CASCADE, from_fields=['x'])",  # TypeError
    "models.ForeignKey('auth.User', models.DB_CASCADE, db_index=False)",
    "models.ForeignKey('auth.User', models.SET(models.Value(1)))",
    "models.ForeignKey('auth.User', models.CASCADE, limit_choices_to=Q(b=1, a=2))",
    "models.OneToOneField('auth.User', models.CASCADE, 'username', parent_link=True, unique=True)",
    "models.OneToOneField('auth.User', models.CASCADE, unique=False)",
    "models.ManyToManyField('Library.Book', through='Library.BookAuthor', blank=True)",
    "models.ManyToManyField(settings.AUTH_USER_MODEL, symmetrical=False, db_table='t')",
    "models.ManyToManyField('self', through='x.Y', db_table='t')",  # ValueError
    "models.ManyToManyField('a.B', through='x.Y', db_constraint=False)",  # ValueError
    "models.ManyToManyField('a.B', through_fields=('a', 'b'))",  # ValueError
    "models.ForeignObject('a.B', models.CASCADE, ['x'], ['y'], parent_link=True)",
    "pg.ArrayField(models.CharField(max_length=10), size=None)",
    "pg.ArrayField(pg.ArrayField(models.IntegerField(default=0)), 3)",
    "django.contrib.postgres.fields.array.ArrayField(models.IntegerField())",
    "pg.ArrayField(5)",  # AttributeError in deconstruct
    "pg.DateTimeRangeField(default_bounds='[)')",
    "pg.DecimalRangeField(default_bounds='[]')",
    "pg.IntegerRangeField(default_bounds='[]')",  # TypeError
    "pg.CICharField(max_length=3)",
    "pg.JSONField(default=list)",
    "django.db.models.fields.proxy.OrderWrt()",
    "models.IntegerField(choices=[(1, 'one'), (2, 'two')], default=1)",
    "models.CharField(max_length=3, choices={'a': 'A'})",
    "models.CharField(max_lenght=3)",  # TypeError: unexpected keyword
    "models.IntegerField(validators=None)",  # TypeError: not iterable
    "models.IntegerField(db_default=models.functions.Now(), verbose_name=_('When'))",
)


def random_cases(rng: random.Random) -> Iterator[str]:
    """``RANDOM_CASES_PER_CLASS`` constructors of every class in :data:`SHAPES`."""
    for shape in SHAPES.values():
        pools = {**(COMMON if shape.common else {}), **shape.pools}
        for _ in range(RANDOM_CASES_PER_CLASS):
            yield _random_call(rng, shape, pools)


def _random_call(rng: random.Random, shape: Shape, pools: Mapping[str, tuple[str, ...]]) -> str:
    args: list[str] = []
    if shape.star:
        args.extend(rng.choice(shape.star))
    count = rng.choice((0, 0, 0, 1, 1, 2, 2, 3, 4, 6))
    used: set[str] = set()
    for name in shape.positional[:count]:
        if name not in pools:
            break
        args.append(rng.choice(pools[name]))
        used.add(name)
    if rng.random() < 0.03:
        args.append("None")  # one positional too many, for some classes
    keywords: list[str] = []
    for name in shape.required:
        if name not in used and rng.random() < 0.97:
            keywords.append(name)
    optional = [name for name in pools if name not in used and name not in shape.required]
    keywords += rng.sample(optional, k=min(len(optional), rng.choice((0, 1, 2, 3, 4, 6))))
    if rng.random() < 0.02:
        keywords.append("max_lenght")
    parts = args + [
        f"{name}={rng.choice(pools.get(name, ('3',)))}" for name in dict.fromkeys(keywords)
    ]
    return f"{rng.choice(shape.spellings)}({', '.join(parts)})"


def all_cases() -> list[str]:
    return [*TABLE, *random_cases(random.Random(SEED))]


def migration_text(expressions: list[str]) -> str:
    operations = "".join(
        f"        migrations.AddField('book', 'f{index}', {expression}),\n"
        for index, expression in enumerate(expressions)
    )
    return (
        f"{HEADER}\n\nclass Migration(migrations.Migration):\n"
        f"    dependencies = []\n    operations = [\n{operations}    ]\n"
    )


# ---------------------------------------------------------------------------------------------
# Running both sides


@dataclass
class Oracle:
    expressions: list[str]
    django: list[dict[str, Any]]
    ours: list[dict[str, Any]]
    homes: dict[str, dict[str, list[str]]]
    field_classes: list[str]
    deconstruct_paths: dict[str, str]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    pytest.importorskip("psycopg", reason="django.contrib.postgres.fields needs psycopg")
    root = tmp_path_factory.mktemp("field_oracle")
    (root / "accounts").mkdir()
    (root / "accounts" / "__init__.py").write_text("")
    (root / "accounts" / "models.py").write_text(
        "from django.db import models\n\n\nclass Member(models.Model):\n    pass\n"
    )
    expressions = all_cases()
    request = {
        "header": HEADER,
        "expressions": expressions,
        "packages": list(fields_module._REEXPORTS),
        "field_modules": FIELD_MODULES,
    }
    (root / "request.json").write_text(json.dumps(request))
    process = subprocess.Popen(
        [sys.executable, "-c", DJANGO_SCRIPT, str(root / "request.json")],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "0"},
    )
    ours = list(_our_specs(expressions))  # parse while Django works
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    found = json.loads(stdout)
    return Oracle(
        expressions,
        found["results"],
        [encode_spec(spec) for spec in ours],
        found["homes"],
        found["field_classes"],
        found["deconstruct_paths"],
    )


def _our_specs(expressions: list[str]) -> Iterator[FieldSpec]:
    from migration_lint.parsing.migrations import parse_migration

    parsed = parse_migration(
        migration_text(expressions).encode(),
        app_label="library",
        name="0002_fields",
        path="library/migrations/0002_fields.py",
    )
    assert not parsed.problems
    assert len(parsed.operations) == len(expressions)
    for operation in parsed.operations:
        yield field_spec(operation.argument(2, "field"), app_label="library", settings=SETTINGS)


def _django_side(result: dict[str, Any]) -> dict[str, Any]:
    return {"error": result["error"]} if "error" in result else result


# ---------------------------------------------------------------------------------------------
# The differential tests


def test_every_case_deconstructs_as_django_does(oracle: Oracle) -> None:
    differences = [
        f"{expression}\n    ours:   {ours}\n    django: {_django_side(theirs)}"
        + (f" ({theirs['message']})" if "message" in theirs else "")
        for expression, ours, theirs in zip(
            oracle.expressions, oracle.ours, oracle.django, strict=True
        )
        if ours != _django_side(theirs)
    ]
    assert not differences, (
        f"{len(differences)} of {len(oracle.expressions)} differ:\n" + "\n".join(differences[:15])
    )


def test_cases_cover_every_class_and_mostly_build(oracle: Oracle) -> None:
    """The sample must exercise every class Django has, and mostly valid calls of them."""
    built = [result for result in oracle.django if "error" not in result]
    reported = {result["path"] for result in built}
    expected = {cls.path for cls in fields_module._CLASSES.values()}
    assert expected <= reported, sorted(expected - reported)
    assert len(oracle.expressions) >= 3000
    assert len(built) >= 0.6 * len(oracle.expressions)
    assert len(oracle.expressions) - len(built) >= 200  # and many Django refuses


def test_field_classes_are_exactly_djangos(oracle: Oracle) -> None:
    assert sorted(fields_module._CLASSES) == oracle.field_classes


def test_reexport_table_is_djangos(oracle: Oracle) -> None:
    """``reference_path`` maps every public name of the packages to its defining module."""
    wrong = {
        f"{package}.{name}": (reference_path(f"{package}.{name}"), modules)
        for package, names in oracle.homes.items()
        for name, modules in names.items()
        if reference_path(f"{package}.{name}").rpartition(".")[0] not in modules
    }
    assert not wrong
    listed = {
        f"{package}.{name}" for package, names in fields_module._HOMES.items() for name in names
    }
    assert listed <= {
        f"{package}.{name}" for package, names in oracle.homes.items() for name in names
    }


def test_deconstructible_paths_are_djangos(oracle: Oracle) -> None:
    """Every ``@deconstructible(path=...)`` class of those packages is in ``_CALL_PATHS``."""
    for home, path in oracle.deconstruct_paths.items():
        assert fields_module._CALL_PATHS.get(home) == path, home
    listed = {home for home in fields_module._CALL_PATHS if not home.endswith((".Q", ".SET"))}
    assert listed == set(oracle.deconstruct_paths)


# ---------------------------------------------------------------------------------------------
# Behaviour that needs no Django

SPAN = Span(1, 1, 1, 10)


def _call(func: str, *args: Value, **kwargs: Value) -> Call:
    return Call(func, args, tuple(kwargs.items()), SPAN)


def test_unknown_field_class_keeps_path_and_sorted_kwargs() -> None:
    call = _call(
        "myapp.fields.MoneyField",
        "Price",
        max_length=3,
        default_currency="EUR",
        on_delete=Ref("django.db.models.CASCADE"),
        base=_call("django.db.models.CharField", max_length=3, blank=False),
    )
    spec = field_spec(call, app_label="shop", settings=SETTINGS)
    assert spec == FieldSpec(
        "myapp.fields.MoneyField",
        ("Price",),
        (
            ("base", _call("django.db.models.CharField", max_length=3)),
            ("default_currency", "EUR"),
            ("max_length", 3),
            ("on_delete", Ref("django.db.models.deletion.CASCADE")),
        ),
        known=False,
    )


@pytest.mark.parametrize(
    "value",
    [
        Opaque("make_field()", SPAN, "calling `make_field` is not evaluated"),
        Ref("django.db.models.CharField"),
        "models.CharField",
        None,
    ],
)
def test_a_value_that_is_not_a_call_is_an_unknown_spec(value: Value) -> None:
    spec = field_spec(value, app_label="shop", settings=SETTINGS)
    assert not spec.known
    assert spec.problem


def test_refused_call_keeps_what_was_written() -> None:
    call = _call("django.db.models.CharField", max_lenght=3, verbose_name="b")
    spec = field_spec(call, app_label="shop", settings=SETTINGS)
    assert (spec.path, spec.kwargs, spec.known) == (
        "django.db.models.CharField",
        (("max_lenght", 3), ("verbose_name", "b")),
        False,
    )
    assert spec.problem is not None and "max_lenght" in spec.problem


def test_unknown_setting_stays_a_setting() -> None:
    call = _call(
        "django.db.models.ForeignKey",
        Setting("WAGTAILIMAGES_IMAGE_MODEL"),
        on_delete=Ref("django.db.models.CASCADE"),
    )
    spec = field_spec(call, app_label="shop", settings=SettingsFacts())
    assert spec.kwarg("to") == Setting("WAGTAILIMAGES_IMAGE_MODEL")
    known = SettingsFacts(values={"WAGTAILIMAGES_IMAGE_MODEL": "images.CustomImage"})
    spec = field_spec(call, app_label="shop", settings=known)
    assert spec.kwarg("to") == "images.customimage"


def test_normalise_value_never_raises_and_normalises_nested_fields() -> None:
    bad = _call("django.db.models.CharField", nope=1)
    assert normalise_value(ListValue((bad,)), settings=SETTINGS) == ListValue((bad,))
    assert normalise_value(
        _call("django.db.models.functions.Lower", "a"), settings=SETTINGS
    ) == _call("django.db.models.functions.text.Lower", "a")


def test_kwarg_reads_the_deconstructed_keywords() -> None:
    spec = field_spec(
        _call("django.db.models.SlugField", max_length=60), app_label="a", settings=SETTINGS
    )
    assert spec.kwarg("max_length") == 60
    assert spec.kwarg("db_index", "absent") == "absent"
