"""Differential test of the static parser: real Django imports the same files and is the oracle.

For every migration of Django's contrib apps, and for synthetic files that use each feature of
the evaluator, a subprocess configures Django (once with ``AUTH_USER_MODEL = "auth.User"``, once
with a custom ``"accounts.Person"``), imports the module and dumps what its ``Migration`` class
holds: ``dependencies``, ``replaces``, ``run_before``, ``initial``, ``atomic`` and, per operation,
its class name and the arguments it was constructed with (``Operation._constructor_args``).
``parse_migration`` must give the same, after resolving settings as that run did.

Arguments compare by a canonical form: literals and containers exactly (kind included: a tuple
is not a list), functions and classes defined in the migration by name and docstring, other
functions and classes by name, other objects by class name (``models.CharField(...)`` is "an
instance of CharField"). An opaque value never equals anything Django gives.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import django
import pytest

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
    TupleValue,
    Value,
)
from migration_lint.parsing.migrations import parse_migration

CONTRIB = Path(django.__file__).parent / "contrib"
SITE_PACKAGES = CONTRIB.parent.parent
INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.redirects",
    "accounts",
]
#: One run per settings: the default user model, and a custom one.
SETTINGS: dict[str, dict[str, str]] = {
    "auth-user": {"AUTH_USER_MODEL": "auth.User", "PROFILE_MODEL": "shop.Profile"},
    "custom-user": {"AUTH_USER_MODEL": "accounts.Person", "PROFILE_MODEL": "crm.Profile"},
}


def canonical(obj: Any, module: str) -> Any:
    """A JSON form of a runtime value, comparable with :func:`canonical_value` of ours."""
    kind = type(obj)
    if obj is None or kind in (str, int, float, bool):
        return [kind.__name__, obj]
    if kind is bytes:
        return ["bytes", obj.decode("latin-1")]
    if kind is complex:
        return ["complex", [obj.real, obj.imag]]
    if kind in (tuple, list):
        return [kind.__name__, [canonical(item, module) for item in obj]]
    if kind is dict:
        return ["dict", [[canonical(k, module), canonical(v, module)] for k, v in obj.items()]]
    if kind in (set, frozenset):
        return ["set", sorted((canonical(item, module) for item in obj), key=json.dumps)]
    if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module:
        return ["local", obj.__name__, obj.__doc__]
    if inspect.isroutine(obj) or inspect.isclass(obj):
        return ["named", obj.__name__]
    return ["instance", kind.__name__]


ORACLE = """
from __future__ import annotations  # `canonical` is annotated with typing names
import importlib, inspect, json, sys
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS={apps!r},
    DATABASES={{}},
    USE_TZ=True,
    **json.loads(sys.argv[1]),
)
django.setup()

{canonical}

def dump(module_name):
    module = importlib.import_module(module_name)
    migration = module.Migration
    result = {{
        name: [list(entry) for entry in getattr(migration, name)]
        for name in ("dependencies", "replaces", "run_before")
    }}
    result["initial"] = None if migration.initial is None else bool(migration.initial)
    result["atomic"] = bool(migration.atomic)
    result["operations"] = [
        [
            type(operation).__name__,
            [canonical(arg, module_name) for arg in operation._constructor_args[0]],
            [[k, canonical(v, module_name)] for k, v in operation._constructor_args[1].items()],
        ]
        for operation in migration.operations
    ]
    return result

results = {{}}
for name in sys.argv[2:]:
    try:
        results[name] = dump(name)
    except Exception as error:
        results[name] = {{"error": repr(error)}}
print(json.dumps(results))
"""

# -- the synthetic project ---------------------------------------------------------------------

ACCOUNTS_MODELS = """
from django.contrib.auth.models import AbstractBaseUser
from django.db import models

class Person(AbstractBaseUser):
    name = models.CharField(max_length=10, unique=True)
    USERNAME_FIELD = "name"
"""

HELPERS = '''
def forwards(apps, schema_editor):
    """Helper forwards."""
'''

BASE = '''
from django.db import migrations

class ShopMigration(migrations.Migration):
    """Shared by several migrations of the app (in this file: Django loads it as one)."""
    dependencies = [("shop", "0001_literals")]
    atomic = False
    operations = []

Migration = ShopMigration
'''

SYNTHETIC: dict[str, str] = {
    "0001_literals": '''
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            operations = [
                migrations.RunSQL(
                    sql=["SELECT 1", ("SELECT %s", [-1, 2.5, 1_000, 0x1F, True, None])],
                    reverse_sql=b"raw" b"bytes",
                    hints={"k": (1,), "s": {"a", "b", "a"}, 1: 2, True: 3},
                    elidable=False,
                ),
                migrations.RunSQL("implicit " 'concatenation' """triple
        quoted""", r"\\d+\\t"),
                migrations.AddField(
                    "price",
                    "amount",
                    models.DecimalField(max_digits=8, decimal_places=2, default=-0.5),
                    preserve_default=False,
                ),
            ]
        ''',
    "0002_imports": """
        import django.db.migrations.operations.fields
        import django.db.models.deletion
        from django.conf import settings
        from django.db import migrations as m
        from django.db import models
        from django.db.migrations import AlterField, swappable_dependency
        from django.db.migrations.operations.special import RunSQL as SQL
        from django.db.migrations.operations import models as model_operations


        class Migration(m.Migration):
            dependencies = (
                ("shop", "0001_literals"),
                m.swappable_dependency(settings.AUTH_USER_MODEL),
                swappable_dependency(value=settings.PROFILE_MODEL),
                swappable_dependency("contenttypes.ContentType"),
            )
            run_before = [("sites", "0002_alter_domain_unique")]
            operations = [
                django.db.migrations.operations.fields.AddField(
                    model_name="price",
                    name="owner",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL
                    ),
                ),
                AlterField("price", "owner", models.fields.IntegerField()),
                SQL(m.RunSQL.noop, m.RunSQL.noop),
                m.operations.RemoveField("price", "owner"),
                model_operations.AlterModelOptions("price", {"ordering": ["-id"]}),
                m.RunPython(m.RunPython.noop, reverse_code=m.RunPython.noop),
            ]
        """,
    "0003_module_values": '''
        from django.conf import settings
        from django.db import migrations, models

        from . import _helpers

        TABLE = "shop_price"
        APPS = ("auth", "contenttypes")
        BASE = [("shop", "0002_imports")]
        BASE = BASE + [("shop", "0001_literals")]
        if True:
            SUFFIX = "_x"
        else:
            SUFFIX = "_y"
        DEBUG_ONLY = "yes" if 0 else "no"
        COLUMNS = [f"col_{i}{SUFFIX}" for i in ("a", "b")]
        OPTIONS = {"null": True, "blank": True}
        ARGS = ("price", "note")


        def forwards(apps, schema_editor, *args, **kwargs):
            """Copy the prices.

            Indented second paragraph."""


        def backwards(apps, schema_editor):
            pass


        class Migration(migrations.Migration):
            dependencies = [*BASE, *[(app, "0001_initial") for app in APPS]]
            replaces = [("shop", f"0003_old{SUFFIX}"), ("shop", "0004_%s" % "older")]
            operations = [
                migrations.RunPython(forwards, backwards, atomic=False),
                migrations.RunPython(_helpers.forwards),
                migrations.RunPython(lambda apps, schema_editor: None),
                migrations.RunSQL("SELECT * FROM %s" % TABLE, [TABLE + SUFFIX, DEBUG_ONLY]),
                migrations.AddField(*ARGS, field=models.TextField(**OPTIONS)),
                migrations.AlterModelOptions("price", {"name": "%(a)s-%(b)d" % {"a": "x", "b": 1}}),
                migrations.RunSQL(COLUMNS, hints={c: 1 for c in enumerate("p")} if False else {}),
                migrations.RunSQL(f"{len!r:>0}" if False else f"{'x'!r:>5}|{3:03d}|{{}}"),
            ]
        ''',
    "0004_inheritance": '''
        from django.db import migrations


        class Base(migrations.Migration):
            dependencies = [("shop", "0003_module_values")]
            atomic = False
            operations = [migrations.RunSQL("base")]


        class Mixin:
            """A mixin that sets initial."""
            initial = 1


        class Custom(migrations.RunSQL):
            """A custom operation defined here."""


        class Migration(Mixin, Base):
            operations: list = Base.operations + [migrations.RunSQL("own")]
            operations += [Custom("custom", elidable=True)]
            run_before = []
        ''',
    "0005_renamed_class": """
        from django.db import migrations


        class Squash(migrations.Migration):
            replaces = (("shop", "0001_literals"), ("shop", "0002_imports"))
            dependencies = []
            operations = ()


        Migration = Squash
        """,
    "0006_encodings": "# -*- coding: latin-1 -*-\r\n"
    "from django.db import migrations\r\n"
    "\r\n"
    "class Migration(migrations.Migration):\r\n"
    "    atomic = 0\r\n"
    "    operations = [migrations.RunSQL('café', '''a\r\nb''')]\r\n",
    "0007_from_base": """
        from ._base import Migration
        """,
}


def _source(name: str) -> bytes:
    text = SYNTHETIC[name]
    if name == "0006_encodings":
        return text.encode("latin-1")
    return textwrap.dedent(text).lstrip("\n").encode()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("differential")
    (root / "accounts").mkdir()
    (root / "accounts" / "__init__.py").write_text("")
    (root / "accounts" / "models.py").write_text(ACCOUNTS_MODELS)
    migrations = root / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    (migrations / "_helpers.py").write_text(HELPERS)
    (migrations / "_base.py").write_text(BASE)
    for name in SYNTHETIC:
        (migrations / f"{name}.py").write_bytes(_source(name))
    return root


def _contrib_modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(SITE_PACKAGES).with_suffix("").parts): path
        for path in sorted(CONTRIB.glob("*/migrations/0*.py"))
    }


def _modules(project: Path) -> dict[str, Path]:
    synthetic = {
        f"shop.migrations.{name}": project / "shop/migrations" / f"{name}.py" for name in SYNTHETIC
    }
    return {**_contrib_modules(), **synthetic}


@pytest.fixture(scope="module")
def oracle(project: Path) -> dict[str, dict[str, Any]]:
    """What real Django finds in each module, per settings run."""
    script = ORACLE.format(apps=INSTALLED_APPS, canonical=inspect.getsource(canonical))
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(project), env.get("PYTHONPATH", "")])
    results = {}
    for run, settings in SETTINGS.items():
        completed = subprocess.run(
            [sys.executable, "-c", script, json.dumps(settings), *_modules(project)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert completed.returncode == 0, completed.stderr
        results[run] = json.loads(completed.stdout)
    return results


# -- our side ----------------------------------------------------------------------------------


def canonical_value(value: Value, settings: dict[str, str]) -> Any:
    """The canonical form :func:`canonical` gives the runtime object ``value`` stands for."""
    if value is None or isinstance(value, str | int | float | bool | bytes | complex):
        return canonical(value, "")
    if isinstance(value, TupleValue | ListValue):
        kind = "tuple" if isinstance(value, TupleValue) else "list"
        return [kind, [canonical_value(item, settings) for item in value.items]]
    if isinstance(value, DictValue):
        return [
            "dict",
            [[canonical_value(k, settings), canonical_value(v, settings)] for k, v in value.items],
        ]
    if isinstance(value, SetValue):
        return [
            "set",
            sorted((canonical_value(item, settings) for item in value.items), key=json.dumps),
        ]
    if isinstance(value, Setting):
        return canonical(settings[value.name], "")
    if isinstance(value, Local):
        return ["local", value.name, value.docstring]
    if value == Ref("django.db.migrations.RunSQL.noop"):
        return canonical("", "")  # what Django defines it as
    if isinstance(value, Ref):
        return ["named", value.path.rsplit(".", 1)[-1]]
    if isinstance(value, Call):
        return ["instance", value.func.rsplit(".", 1)[-1]]
    assert isinstance(value, Opaque)
    return ["opaque", value.source, value.reason]


def _pairs(entries: tuple[Dependency, ...], settings: dict[str, str]) -> list[list[str]]:
    """Entries as Django's loader sees them, ``swappable_dependency(settings.X)`` resolved."""
    return [
        [settings[entry.swappable].split(".", 1)[0], entry.name]
        if entry.swappable
        else [entry.app_label, entry.name]
        for entry in entries
    ]


def ours(parsed: MigrationFile, settings: dict[str, str]) -> dict[str, Any]:
    """What we read from a file, in the oracle's format."""
    return {
        "dependencies": _pairs(parsed.dependencies, settings),
        "replaces": _pairs(parsed.replaces, settings),
        "run_before": _pairs(parsed.run_before, settings),
        "initial": parsed.initial,
        "atomic": parsed.atomic,
        "operations": [
            [
                operation.name,
                [canonical_value(arg, settings) for arg in operation.args],
                [[key, canonical_value(value, settings)] for key, value in operation.kwargs],
            ]
            for operation in parsed.operations
        ],
    }


def _docstrings_as_this_python_stores_them(tree: Any) -> Any:
    """Python 3.13 strips the indentation of docstrings when compiling; we keep the literal."""
    if sys.version_info < (3, 13) or not isinstance(tree, list):
        return tree
    if len(tree) == 3 and tree[0] == "local" and isinstance(tree[2], str):
        return ["local", tree[1], inspect.cleandoc(tree[2])]
    return [_docstrings_as_this_python_stores_them(item) for item in tree]


CASES = [
    pytest.param(run, module, id=f"{run}-{module}")
    for run in SETTINGS
    for module in [*_contrib_modules(), *(f"shop.migrations.{name}" for name in SYNTHETIC)]
]


@pytest.mark.parametrize(("run", "module"), CASES)
def test_static_reading_matches_django(
    run: str, module: str, project: Path, oracle: dict[str, dict[str, Any]]
) -> None:
    expected = oracle[run][module]
    assert "error" not in expected, expected
    path = _modules(project)[module]
    app_label = "shop" if module.startswith("shop.") else module.split(".")[2]
    parsed = parse_migration(
        path.read_bytes(), app_label=app_label, name=path.stem, path=str(path), module=module
    )
    if module.endswith("0007_from_base"):  # imported: we say so instead of guessing
        assert not parsed.complete and parsed.has_migration_class
        assert "imported from `shop.migrations._base.Migration`" in parsed.problems[0].message
        return
    assert parsed.problems == ()
    assert parsed.complete and parsed.has_migration_class
    actual = _docstrings_as_this_python_stores_them(ours(parsed, SETTINGS[run]))
    expected = _docstrings_as_this_python_stores_them(expected)
    assert actual == expected


def test_the_oracle_sees_the_features_it_is_meant_to_check(
    oracle: dict[str, dict[str, Any]],
) -> None:
    """Guard the corpus itself: the synthetic files exercise what they claim to."""
    custom = oracle["custom-user"]["shop.migrations.0002_imports"]
    assert ["accounts", "__first__"] in custom["dependencies"]
    assert ["crm", "__first__"] in custom["dependencies"]
    values = oracle["auth-user"]["shop.migrations.0003_module_values"]
    assert values["operations"][0][1][0] == ["local", "forwards", values["operations"][0][1][0][2]]
    assert "Indented second paragraph" in values["operations"][0][1][0][2]
    inheritance = oracle["auth-user"]["shop.migrations.0004_inheritance"]
    assert (inheritance["initial"], inheritance["atomic"]) == (True, False)
    assert [op[0] for op in inheritance["operations"]] == ["RunSQL", "RunSQL", "Custom"]
