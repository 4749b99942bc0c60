"""The static project state: what Django's ``ProjectState`` holds, built without Django.

Django's migration loader folds every operation of the plan into a ``ProjectState``: a dict
``(app_label, model_name_lower) -> ModelState`` in insertion order (spec §6.1). This module is
the same data, made of parsed values instead of live objects:

* a field is a :class:`~migration_lint.state.fields.FieldSpec`, i.e. what ``deconstruct()``
  would return for it (defaults dropped, relations as lower-cased ``"app.model"`` strings);
* options, bases and managers are the parsed :data:`~migration_lint.model.Value` they were
  written as, with the objects in them as Django reports them (paths of Django names
  resolved, indexes and constraints as their ``deconstruct()`` gives them: see
  :func:`deconstruct_object`); containers keep their kind (``unique_together`` stays a set,
  ``ordering`` a list ...) since Django keeps option values verbatim; ``indexes`` and
  ``constraints`` are always present, as lists.

Both classes are immutable. Django clones a ``ModelState`` before an operation changes it;
here an operation builds a new ``ModelState`` for the one model it touches and every other
model is shared between the states before and after it, so keeping the state at every step
of a long history costs little (see :mod:`migration_lint.state.replay`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TypeAlias

from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    Local,
    Ref,
    SetValue,
    TupleValue,
    Value,
)
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.fields import FieldSpec, normalise_value, reference_path

__all__ = [
    "DEFAULT_BASES",
    "ModelKey",
    "ModelState",
    "OpaqueName",
    "ProjectState",
    "deconstruct_object",
    "resolve_relation",
    "truth",
    "with_list_options",
]

#: ``(app_label, model_name_lower)``: how Django's ``ProjectState.models`` is keyed.
ModelKey: TypeAlias = tuple[str, str]

#: ``CreateModel``'s default ``bases``: ``(models.Model,)``.
DEFAULT_BASES: tuple[Value, ...] = (Ref("django.db.models.base.Model"),)

#: The options every ``ModelState`` has, whatever ``CreateModel`` said (``setdefault``).
LIST_OPTIONS = ("indexes", "constraints")


class OpaqueName(str):
    """A field name that cannot be evaluated statically (``(parent_link_name, field)``).

    Its text is the source in angle brackets, which no real field name can equal: no
    operation ever finds the field by name, but it keeps its place among the fields.
    """

    __slots__ = ()

    @classmethod
    def of(cls, source: str) -> OpaqueName:
        return cls(f"<{source}>")

    @property
    def source(self) -> str:
        return self[1:-1]


@dataclass(frozen=True, slots=True)
class ModelState:
    """One model of the state: Django's ``ModelState``, immutable.

    ``name`` keeps the case it was written in; ``fields`` is in insertion order with names
    exactly as written (Django matches field names case-sensitively). ``options`` always has
    ``indexes`` and ``constraints`` (as :class:`ListValue`); other keys are stored verbatim.
    ``bases`` are ``"app.model"`` strings or references to classes; ``managers`` are
    ``(name, manager)`` pairs, empty for the implicit ``objects``.

    Never mutate ``fields`` or ``options``: states before and after an operation share them.
    Use :meth:`evolve` to get a changed copy.
    """

    app_label: str
    name: str
    fields: Mapping[str, FieldSpec]
    options: Mapping[str, Value]
    bases: tuple[Value, ...] = DEFAULT_BASES
    managers: tuple[tuple[str, Value], ...] = ()

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    @property
    def key(self) -> ModelKey:
        return (self.app_label, self.name.lower())

    def option_items(self, name: str) -> tuple[Value, ...]:
        """The items of a list option (``indexes``, ``constraints``), ``()`` if not a list."""
        value = self.options.get(name)
        if isinstance(value, ListValue | TupleValue):
            return value.items
        return ()

    def evolve(
        self,
        *,
        name: str | None = None,
        fields: Mapping[str, FieldSpec] | None = None,
        options: Mapping[str, Value] | None = None,
        managers: tuple[tuple[str, Value], ...] | None = None,
    ) -> ModelState:
        """A copy with the given parts replaced (the others are shared, not copied)."""
        return replace(
            self,
            name=self.name if name is None else name,
            fields=self.fields if fields is None else fields,
            options=self.options if options is None else options,
            managers=self.managers if managers is None else managers,
        )


def with_list_options(options: Mapping[str, Value]) -> dict[str, Value]:
    """``options`` with ``indexes`` and ``constraints`` defaulted, as ``ModelState()`` does."""
    result = dict(options)
    for name in LIST_OPTIONS:
        result.setdefault(name, ListValue(()))
    return result


class ProjectState(Mapping[ModelKey, ModelState]):
    """An immutable snapshot of every model the migrations have created, in Django's order.

    It is a read-only mapping ``(app_label, model_name_lower) -> ModelState``. Unmigrated
    apps are not in it (Django renders their real model classes; we cannot know them).
    """

    __slots__ = ("_models",)

    def __init__(self, models: Mapping[ModelKey, ModelState] | None = None) -> None:
        self._models: dict[ModelKey, ModelState] = dict(models or {})

    def __getitem__(self, key: ModelKey) -> ModelState:
        return self._models[key]

    def __iter__(self) -> Iterator[ModelKey]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, key: object) -> bool:
        return key in self._models

    def __repr__(self) -> str:
        return f"ProjectState({len(self._models)} models)"

    @classmethod
    def adopt(cls, models: dict[ModelKey, ModelState]) -> ProjectState:
        """A state that takes ``models`` over without copying it: never change it afterwards."""
        state = cls.__new__(cls)
        state._models = models
        return state

    def copy_models(self) -> dict[ModelKey, ModelState]:
        """A new dict of the models, for building the next state from this one."""
        return dict(self._models)


def resolve_relation(to: str, app_label: str, model_name: str) -> ModelKey:
    """The model key a relation string points to, relative to the model that holds it.

    Django's ``resolve_relation``: ``"self"`` is the holding model, ``"app.Model"`` is
    ``("app", "model")`` (the app label keeps its case), a bare ``"Model"`` is in the holding
    model's app.
    """
    if to == "self":
        return (app_label, model_name)
    if "." in to:
        target_app, _, target_model = to.partition(".")
        return (target_app, target_model.lower())
    return (app_label, to.lower())


# -- indexes and constraints as deconstruct() reports them --------------------------------------

_ALWAYS, _TRUTHY, _NOT_NONE = "always", "truthy", "not-none"
_F = "django.db.models.F"
_DEFAULT_MESSAGE = "Constraint \u201c%(name)s\u201d is violated."


@dataclass(frozen=True)
class _Keyword:
    """One keyword ``deconstruct()`` may return: when it keeps it, and in what container."""

    name: str
    keep: str  # _ALWAYS | _TRUTHY | _NOT_NONE
    default: Value = None
    container: type[ListValue] | type[TupleValue] | None = None


@dataclass(frozen=True)
class _ObjectClass:
    """An index or constraint class: the path it reports and its keywords, in order."""

    path: str
    keywords: tuple[_Keyword, ...]
    expressions: bool = True  # takes ``*expressions`` (a string becomes ``F(string)``)

    def names(self) -> frozenset[str]:
        return frozenset(keyword.name for keyword in self.keywords)


_INDEX = (
    _Keyword("name", _ALWAYS, ""),
    _Keyword("fields", _TRUTHY, container=ListValue),
    _Keyword("db_tablespace", _NOT_NONE),
    _Keyword("opclasses", _TRUTHY),
    _Keyword("condition", _TRUTHY),
    _Keyword("include", _TRUTHY, container=TupleValue),
)
_CONSTRAINT = (
    _Keyword("name", _ALWAYS),
    _Keyword("violation_error_message", _NOT_NONE),
    _Keyword("violation_error_code", _NOT_NONE),
)
_PG_INDEXES = {
    "BloomIndex": ("length", "columns"),
    "BrinIndex": ("autosummarize", "pages_per_range"),
    "BTreeIndex": ("fillfactor", "deduplicate_items"),
    "GinIndex": ("fastupdate", "gin_pending_list_limit"),
    "GistIndex": ("buffering", "fillfactor"),
    "HashIndex": ("fillfactor",),
    "SpGistIndex": ("fillfactor",),
}

#: Index and constraint classes by the path of their definition (after ``reference_path``).
_OBJECTS: Mapping[str, _ObjectClass] = {
    "django.db.models.indexes.Index": _ObjectClass("django.db.models.Index", _INDEX),
    **{
        f"django.contrib.postgres.indexes.{name}": _ObjectClass(
            f"django.contrib.postgres.indexes.{name}",
            # BloomIndex keeps ``columns`` only if truthy; every other extra if not None
            (*_INDEX, *(_Keyword(x, _TRUTHY if x == "columns" else _NOT_NONE) for x in extras)),
        )
        for name, extras in _PG_INDEXES.items()
    },
    "django.db.models.constraints.CheckConstraint": _ObjectClass(
        "django.db.models.CheckConstraint",
        (*_CONSTRAINT, _Keyword("condition", _ALWAYS)),
        expressions=False,
    ),
    "django.db.models.constraints.UniqueConstraint": _ObjectClass(
        "django.db.models.UniqueConstraint",
        (
            *_CONSTRAINT,
            _Keyword("fields", _TRUTHY, container=TupleValue),
            _Keyword("condition", _TRUTHY),
            _Keyword("deferrable", _TRUTHY),
            _Keyword("include", _TRUTHY, container=TupleValue),
            _Keyword("opclasses", _TRUTHY),
            _Keyword("nulls_distinct", _NOT_NONE),
        ),
    ),
    "django.contrib.postgres.constraints.ExclusionConstraint": _ObjectClass(
        "django.contrib.postgres.constraints.ExclusionConstraint",
        (
            *_CONSTRAINT,
            _Keyword("expressions", _ALWAYS),
            _Keyword("condition", _NOT_NONE),
            _Keyword("index_type", _NOT_NONE),
            _Keyword("deferrable", _TRUTHY),
            _Keyword("include", _TRUTHY, container=TupleValue),
        ),
        expressions=False,
    ),
}


_LITERALS = (type(None), bool, int, float, complex, str, bytes)


def truth(value: Value) -> bool | None:
    """``bool(value)`` when it is known without running anything, else ``None``.

    Literals and containers are known; so is an empty ``Q()`` (false) and a function defined
    in the migration file (true). Any other object is unknown, although nearly all are true.
    """
    if isinstance(value, _LITERALS):
        return bool(value)
    if isinstance(value, TupleValue | ListValue | SetValue | DictValue):
        return bool(value.items)
    if isinstance(value, Call) and reference_path(value.func) in _Q_PATHS:
        return bool(value.args or value.kwargs)
    if isinstance(value, Local):
        return True
    return None


_Q_PATHS = frozenset({"django.db.models.Q", "django.db.models.query_utils.Q"})


def _kept(keyword: _Keyword, value: Value) -> bool:
    if keyword.name == "violation_error_message":
        return value is not None and value != _DEFAULT_MESSAGE
    if keyword.name == "index_type":  # stored as ``index_type or "GIST"``, kept unless GiST
        return isinstance(value, str) and value.lower() != "gist"
    if keyword.keep == _TRUTHY:
        return truth(value) is not False  # an object we cannot see into is true
    return keyword.keep == _ALWAYS or value is not None


def deconstruct_object(value: Value, settings: SettingsFacts) -> Value:
    """An index or constraint as its ``deconstruct()`` reports it; other values normalised.

    ``models.Index(fields=("a",), name="i")`` becomes ``django.db.models.Index(name="i",
    fields=["a"])``: the reported path, defaults dropped, containers as Django stores them,
    string expressions as ``F()``. ``CheckConstraint(check=...)`` (Django < 6.0) counts as
    ``condition=``. A call with an argument the class does not take is left as written.
    """
    if not isinstance(value, Call):
        return normalise_value(value, settings=settings)
    cls = _OBJECTS.get(reference_path(value.func))
    given = {"condition" if key == "check" else key: item for key, item in value.kwargs}
    if cls is None or not given.keys() <= cls.names() or (value.args and not cls.expressions):
        return normalise_value(value, settings=settings)
    args = tuple(
        Call(_F, (arg,), (), value.span) if isinstance(arg, str) else arg for arg in value.args
    )
    kwargs: list[tuple[str, Value]] = []
    for keyword in cls.keywords:
        item = given.get(keyword.name)
        if item is None:
            item = keyword.default
        if not _kept(keyword, item):
            continue
        if keyword.container is not None and isinstance(item, ListValue | TupleValue):
            item = keyword.container(item.items)
        kwargs.append((keyword.name, normalise_value(item, settings=settings)))
    return Call(
        cls.path,
        tuple(normalise_value(arg, settings=settings) for arg in args),
        tuple(kwargs),
        value.span,
    )
