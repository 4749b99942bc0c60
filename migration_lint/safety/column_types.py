"""The column a field puts in the database, and its type per vendor, as Django spells them.

Django's backends map a field's internal type to SQL through ``DatabaseWrapper.data_types``
(``db/backends/postgresql/base.py``, ``mysql/base.py``, ``sqlite3/base.py``); a foreign key
takes the type of the field it points at (``rel_db_type()``: an ``AutoField`` target gives
``integer``). The rules compare these strings to know whether an ``AlterField`` changes the
column type, and whether the database can do that without rewriting the table. A field
whose class is not one of Django's has an unknown type (``None``): no claim is made about it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from migration_lint.model import Call, Value
from migration_lint.state.fields import FieldSpec
from migration_lint.state.project import ModelKey, ModelState, resolve_relation

__all__ = [
    "Change",
    "ModelLookup",
    "class_name",
    "column_name",
    "column_type",
    "has_column",
    "is_foreign_key",
    "is_many_to_many",
    "option",
    "primary_key_name",
    "type_change",
]

#: Finds a model of the state by key (``None`` when it is not there).
ModelLookup = Callable[[ModelKey], ModelState | None]

#: What changing a column's type costs: nothing, a catalog-only change, or a table rewrite.
Change = Literal["same", "in place", "rewrite"]

#: ``get_internal_type()`` of the classes that report another class's.
_INTERNAL: Mapping[str, str] = {
    "EmailField": "CharField",
    "URLField": "CharField",
    "CommaSeparatedIntegerField": "CharField",
    "ImageField": "FileField",
    "OrderWrt": "IntegerField",
}

#: Constructor defaults that ``deconstruct()`` drops, by class, where they matter here.
_DEFAULTS: Mapping[str, Mapping[str, Value]] = {
    "SlugField": {"max_length": 50, "db_index": True},
    "URLField": {"max_length": 200},
    "FileField": {"max_length": 100},
    "ImageField": {"max_length": 100},
    "FilePathField": {"max_length": 100},
    "ForeignKey": {"db_index": True},
    "OneToOneField": {"db_index": True, "unique": True},
    "GeneratedField": {"db_persist": None},
}

_VARCHAR = "varchar(%(max_length)s)"
_COMMON: Mapping[str, str] = {
    "BigIntegerField": "bigint",
    "CharField": _VARCHAR,
    "DateField": "date",
    "DecimalField": "numeric(%(max_digits)s, %(decimal_places)s)",
    "FileField": _VARCHAR,
    "FilePathField": _VARCHAR,
    "FloatField": "double precision",
    "IntegerField": "integer",
    "SlugField": _VARCHAR,
    "SmallIntegerField": "smallint",
}
#: ``data_types`` of Django 6.1's PostgreSQL backend, plus ``django.contrib.postgres``.
_POSTGRESQL: Mapping[str, str] = {
    **_COMMON,
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "SmallAutoField": "smallint",
    "BinaryField": "bytea",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "DateTimeField": "timestamp with time zone",
    "DurationField": "interval",
    "IPAddressField": "inet",
    "GenericIPAddressField": "inet",
    "JSONField": "jsonb",
    "PositiveBigIntegerField": "bigint",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint",
    "TextField": "text",
    "TimeField": "time",
    "UUIDField": "uuid",
    "HStoreField": "hstore",
    "CICharField": "citext",
    "CIEmailField": "citext",
    "CITextField": "citext",
    "IntegerRangeField": "int4range",
    "BigIntegerRangeField": "int8range",
    "DecimalRangeField": "numrange",
    "DateTimeRangeField": "tstzrange",
    "DateRangeField": "daterange",
}
#: ``data_types`` of Django 6.1's MySQL backend (``UUIDField`` as on MySQL, not MariaDB).
_MYSQL: Mapping[str, str] = {
    **_COMMON,
    "AutoField": "integer AUTO_INCREMENT",
    "BigAutoField": "bigint AUTO_INCREMENT",
    "SmallAutoField": "smallint AUTO_INCREMENT",
    "BinaryField": "longblob",
    "BooleanField": "bool",
    "NullBooleanField": "bool",
    "DateTimeField": "datetime(6)",
    "DurationField": "bigint",
    "IPAddressField": "char(15)",
    "GenericIPAddressField": "char(39)",
    "JSONField": "json",
    "PositiveBigIntegerField": "bigint UNSIGNED",
    "PositiveIntegerField": "integer UNSIGNED",
    "PositiveSmallIntegerField": "smallint UNSIGNED",
    "TextField": "longtext",
    "TimeField": "time(6)",
    "UUIDField": "char(32)",
}
#: ``data_types`` of Django 6.1's SQLite backend.
_SQLITE: Mapping[str, str] = {
    **_COMMON,
    "AutoField": "integer",
    "BigAutoField": "integer",
    "SmallAutoField": "integer",
    "BinaryField": "BLOB",
    "BooleanField": "bool",
    "NullBooleanField": "bool",
    "DecimalField": "decimal",
    "FloatField": "real",
    "DateTimeField": "datetime",
    "DurationField": "bigint",
    "IPAddressField": "char(15)",
    "GenericIPAddressField": "char(39)",
    "JSONField": "text",
    "PositiveBigIntegerField": "bigint unsigned",
    "PositiveIntegerField": "integer unsigned",
    "PositiveSmallIntegerField": "smallint unsigned",
    "TextField": "text",
    "TimeField": "time",
    "UUIDField": "char(32)",
}
_DATA_TYPES: Mapping[str, Mapping[str, str]] = {
    "postgresql": _POSTGRESQL,
    "mysql": _MYSQL,
    "sqlite": _SQLITE,
}
#: Auto fields point foreign keys at a plain integer column (``AutoFieldMixin.rel_db_type``).
_AUTO_RELATED = {
    "AutoField": "IntegerField",
    "BigAutoField": "BigIntegerField",
    "SmallAutoField": "SmallIntegerField",
}
_RELATIONS = frozenset({"ForeignKey", "OneToOneField"})


def class_name(spec: FieldSpec) -> str:
    """The field's class name (``CharField``), from the path ``deconstruct()`` reports."""
    return spec.path.rsplit(".", 1)[-1]


def option(spec: FieldSpec, name: str) -> Value:
    """A constructor argument of the field, with the class default ``deconstruct()`` drops."""
    return spec.kwarg(name, _DEFAULTS.get(class_name(spec), {}).get(name))


def is_foreign_key(spec: FieldSpec) -> bool:
    """A ``ForeignKey`` or ``OneToOneField``: a column holding another table's key.

    A project's own field class (``known`` is False) counts when it takes ``to`` and
    ``on_delete``, as every subclass of ``ForeignKey`` does (nautobot's
    ``ForeignKeyWithAutoRelatedName``): its column is ``<name>_id`` all the same.
    """
    if class_name(spec) in _RELATIONS:
        return True
    return not spec.known and None not in (spec.kwarg("to"), spec.kwarg("on_delete"))


def is_many_to_many(spec: FieldSpec) -> bool:
    """A ``ManyToManyField``: a join table, no column on the model's table.

    Project classes count when their name says so or they take ``through`` without
    ``on_delete`` (``ParentalManyToManyField``, taggit's ``TaggableManager``).
    """
    name = class_name(spec)
    if name == "ManyToManyField":
        return True
    if spec.known:
        return False
    through = spec.kwarg("through") is not None and spec.kwarg("on_delete") is None
    return through or name.endswith(("ManyToManyField", "TaggableManager"))


def has_column(spec: FieldSpec) -> bool:
    """Whether the field is a column of its model's table (not a join table, not a composite
    primary key or ``ForeignObject``, which only name other columns)."""
    return (
        spec.path != ""
        and not is_many_to_many(spec)
        and class_name(spec) not in {"CompositePrimaryKey", "ForeignObject"}
    )


def column_name(spec: FieldSpec, name: str) -> str:
    """The column's name: ``db_column``, else the field name (``_id`` added for a relation)."""
    db_column = spec.kwarg("db_column")
    if isinstance(db_column, str):
        return db_column
    return f"{name}_id" if is_foreign_key(spec) else name


def primary_key_name(model: ModelState) -> str | None:
    """The name of the model's primary key field, if the state shows one."""
    for name, spec in model.fields.items():
        if spec.kwarg("primary_key") is True:
            return name
    return None


def column_type(
    spec: FieldSpec, database: str, holder: ModelKey, lookup: ModelLookup
) -> str | None:
    """The SQL type Django gives the field's column on ``database``, ``None`` if unknown.

    ``holder`` is the model the field belongs to (a relation's ``"self"`` and bare model
    names resolve against it); ``lookup`` finds the model a relation points to.
    """
    name = class_name(spec)
    if not spec.known:
        return None
    if is_foreign_key(spec):
        return _related_type(spec, database, holder, lookup)
    if name == "GeneratedField":
        output = spec.kwarg("output_field")
        return _nested_type(output, database, holder, lookup)
    if name == "ArrayField" and database == "postgresql":
        base = _nested_type(spec.kwarg("base_field"), database, holder, lookup)
        size = spec.kwarg("size")
        length = size if isinstance(size, int) else ""
        return None if base is None else f"{base}[{length}]"
    return _own_type(spec, database)


def _own_type(spec: FieldSpec, database: str) -> str | None:
    """``data_types[internal type] % db_type_parameters``, with the backends' callables for
    an unbounded ``CharField`` (PostgreSQL, SQLite) and ``DecimalField`` (PostgreSQL)."""
    name = class_name(spec)
    internal = _INTERNAL.get(name, name)
    template = _DATA_TYPES.get(database, {}).get(internal)
    if template is None:
        return None
    params = {key: option(spec, key) for key in ("max_length", "max_digits", "decimal_places")}
    if any(value is not None and not isinstance(value, int) for value in params.values()):
        return None  # ``max_length=getattr(settings, ...)``: the type cannot be known
    if database != "mysql" and internal == "CharField" and params["max_length"] is None:
        return "varchar"  # _get_varchar_column
    if database == "postgresql" and internal == "DecimalField" and params["max_digits"] is None:
        return "numeric"  # _get_decimal_column
    return template % params if "%(" in template else template


def _nested_type(value: Value, database: str, holder: ModelKey, lookup: ModelLookup) -> str | None:
    """The type of a field nested in another (``ArrayField.base_field``, ``output_field``),
    which the state keeps as the call of its deconstructed form."""
    if not isinstance(value, Call):
        return None
    spec = FieldSpec(value.func, value.args, value.kwargs, True)
    return column_type(spec, database, holder, lookup)


def _related_type(
    spec: FieldSpec, database: str, holder: ModelKey, lookup: ModelLookup
) -> str | None:
    """``ForeignKey.db_type()``: the ``rel_db_type()`` of the target field."""
    to = spec.kwarg("to")
    if not isinstance(to, str):
        return None
    target = lookup(resolve_relation(to, *holder))
    if target is None:
        return None
    to_field = spec.kwarg("to_field")
    field_name = to_field if isinstance(to_field, str) else primary_key_name(target)
    target_spec = target.fields.get(field_name) if field_name is not None else None
    if target_spec is None:
        return None
    target_class = class_name(target_spec)
    related = _AUTO_RELATED.get(target_class)
    if related is None and database != "mysql" and target_class.startswith("Positive"):
        related = target_class.removeprefix("Positive")  # related_fields_match_type = False
    if related is None:
        return column_type(target_spec, database, target.key, lookup)
    return _DATA_TYPES.get(database, {}).get(related)


def type_change(old: str, new: str, database: str) -> Change:
    """What changing a column from type ``old`` to ``new`` costs on ``database``.

    PostgreSQL changes only its catalog for a binary-coercible change: a ``varchar`` made
    longer or unbounded, ``varchar`` to ``text``, a ``numeric`` given more precision at the
    same scale. MySQL changes a ``varchar`` in place when it grows within the same number
    of length bytes (1 byte up to 255 bytes, counted as 4 bytes a character in ``utf8mb4``);
    any other type change copies the table.
    """
    if old == new:
        return "same"
    if database == "postgresql" and _postgresql_in_place(old, new):
        return "in place"
    if database == "mysql" and _mysql_in_place(old, new):
        return "in place"
    return "rewrite"


def _parameters(sql_type: str, base: str) -> tuple[int, ...] | None:
    """The numbers of ``base(n, ...)`` (``()`` for a bare ``base``), ``None`` otherwise."""
    if sql_type == base:
        return ()
    if not (sql_type.startswith(f"{base}(") and sql_type.endswith(")")):
        return None
    parts = sql_type[len(base) + 1 : -1].split(",")
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        return None


def _postgresql_in_place(old: str, new: str) -> bool:
    old_varchar, new_varchar = _parameters(old, "varchar"), _parameters(new, "varchar")
    if old_varchar is not None and (new == "text" or new_varchar == ()):
        return True
    if old_varchar and new_varchar and new_varchar[0] >= old_varchar[0]:
        return True
    old_numeric, new_numeric = _parameters(old, "numeric"), _parameters(new, "numeric")
    if old_numeric is not None and new_numeric == ():
        return True
    return (
        old_numeric is not None
        and new_numeric is not None
        and len(old_numeric) == len(new_numeric) == 2
        and new_numeric[1] == old_numeric[1]
        and new_numeric[0] >= old_numeric[0]
    )


#: Bytes a character takes in ``utf8mb4``, Django's recommended MySQL character set.
_UTF8MB4 = 4
#: The longest ``VARCHAR`` (in bytes) whose length fits in one byte.
_ONE_LENGTH_BYTE = 255


def _mysql_in_place(old: str, new: str) -> bool:
    old_varchar, new_varchar = _parameters(old, "varchar"), _parameters(new, "varchar")
    if not old_varchar or not new_varchar or new_varchar[0] < old_varchar[0]:
        return False
    return (old_varchar[0] * _UTF8MB4 <= _ONE_LENGTH_BYTE) == (
        new_varchar[0] * _UTF8MB4 <= _ONE_LENGTH_BYTE
    )
