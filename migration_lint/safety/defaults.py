"""What a new column holds for the rows a table already has: its ``default`` and ``db_default``.

Django never keeps a Python ``default`` in the database: ``AddField`` evaluates it *once*
(``schema_editor.effective_default()``), adds the column with ``DEFAULT <that value>`` so that
existing rows get it, then drops the default again. A ``db_default`` stays in the database.
Which of the two a field has, and what kind of value it is, decides whether adding the column
fails, breaks the running release, rewrites the table or gives every row the same value.
"""

from __future__ import annotations

from dataclasses import replace

from migration_lint.model import Call, DictValue, ListValue, Local, Ref, TupleValue, Value
from migration_lint.safety.column_types import class_name, option
from migration_lint.safety.scope import Site
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.fields import FieldSpec, field_spec

__all__ = [
    "callable_default",
    "has_db_default",
    "has_effective_default",
    "operation_field",
    "volatile_function",
]

#: Functions PostgreSQL marks VOLATILE that Django offers as expressions: a column added with
#: one as its default is filled row by row, which rewrites the table. ``Now()``
#: (``STATEMENT_TIMESTAMP()``) and ``TransactionNow()`` (``CURRENT_TIMESTAMP``) are STABLE.
VOLATILE_FUNCTIONS = frozenset(
    {
        "django.contrib.postgres.functions.RandomUUID",
        "django.db.models.functions.math.Random",
        "django.db.models.functions.uuid.UUID4",
        "django.db.models.functions.uuid.UUID7",
    }
)

#: Classes whose ``empty_strings_allowed`` is true: a ``blank=True`` NOT NULL column of one
#: is added with ``DEFAULT ''`` (``effective_default()``).
_EMPTY_STRINGS = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "CommaSeparatedIntegerField",
        "FilePathField",
        "FileField",
        "ImageField",
        "BinaryField",
        "CICharField",
        "CIEmailField",
        "CITextField",
    }
)
_NO_DEFAULT = Ref("django.db.models.fields.NOT_PROVIDED")


def operation_field(site: Site, model_name: str, name: str) -> FieldSpec | None:
    """The field an ``AddField`` / ``AlterField`` writes, as ``deconstruct()`` reports it.

    The state's copy is preferred (settings such as ``AUTH_USER_MODEL`` are resolved in it);
    it lacks the ``default`` of ``preserve_default=False``, which the operation still uses,
    so that one is taken from the field as written. Inside ``SeparateDatabaseAndState`` the
    state does not follow the database operations: the field as written is all there is.
    """
    after = None if site.nested else site.model_after(model_name)
    spec = after.fields.get(name) if after is not None else None
    if spec is not None and site.operation.argument(3, "preserve_default", True) is True:
        return spec  # the state's copy has the operation's default: nothing to deconstruct
    written = field_spec(
        site.operation.argument(2, "field"), app_label=site.app_label, settings=SettingsFacts()
    )
    if spec is None:
        return written if written.path else None
    default = written.kwarg("default", _NO_DEFAULT)
    if default != _NO_DEFAULT and spec.kwarg("default", _NO_DEFAULT) == _NO_DEFAULT:
        kwargs = tuple(sorted((*spec.kwargs, ("default", default)), key=lambda kv: kv[0]))
        return replace(spec, kwargs=kwargs)
    return spec


def has_db_default(spec: FieldSpec) -> bool:
    """A ``db_default`` other than ``None`` (which is ``DEFAULT NULL``: no value at all)."""
    return spec.kwarg("db_default", _NO_DEFAULT) not in (_NO_DEFAULT, None)


def has_effective_default(spec: FieldSpec) -> bool:
    """Whether ``effective_default()`` gives existing rows a value: a ``default`` other than
    ``None``, ``''`` for a blank NOT NULL text column, or the time for ``auto_now(_add)``.

    A field class that is not Django's may be a text field: ``blank=True`` counts for it.
    """
    default = spec.kwarg("default", _NO_DEFAULT)
    if default != _NO_DEFAULT:
        return default is not None
    if (
        option(spec, "null") is not True
        and option(spec, "blank") is True
        and (class_name(spec) in _EMPTY_STRINGS or not spec.known)
    ):
        return True
    return option(spec, "auto_now") is True or option(spec, "auto_now_add") is True


def callable_default(spec: FieldSpec) -> str | None:
    """The name of a callable ``default`` (``uuid.uuid4``), which ``AddField`` calls once.

    Builtins (``dict``, ``list``) are left out: the same empty value in every row is what
    they are for.
    """
    default = spec.kwarg("default")
    if isinstance(default, Local):
        return default.name
    if isinstance(default, Ref) and not default.path.startswith("builtins."):
        return default.path
    return None


def volatile_function(value: Value) -> str | None:
    """The first VOLATILE function (class name) in a ``db_default`` expression."""
    if isinstance(value, Call):
        if value.func in VOLATILE_FUNCTIONS:
            return value.func.rsplit(".", 1)[-1]
        parts: tuple[Value, ...] = (*value.args, *(item for _, item in value.kwargs))
    elif isinstance(value, TupleValue | ListValue):
        parts = value.items
    elif isinstance(value, DictValue):
        parts = tuple(item for _, item in value.items)
    else:
        return None
    return next((found for part in parts if (found := volatile_function(part))), None)
