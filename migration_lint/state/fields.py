"""``Field.deconstruct()`` without Django: a parsed field constructor becomes what Django reports.

Django's migration state keeps field *instances*; everything that compares states (the
autodetector, ``makemigrations --check``, our ``state`` dump and the checks) looks at them
through ``field.deconstruct()``: the class path shortened the way Django shortens it, the
keyword arguments that differ from the class's defaults, ``to`` lower-cased, ``on_delete`` as
the function itself. Migrations spell the same field in many ways (positional arguments,
defaults written out, ``models.CASCADE`` or ``django.db.models.deletion.CASCADE``), so the
static state must normalise them exactly as Django does, or every comparison downstream
reports differences that Django would not see.

Django 6.1's constructors and ``deconstruct()`` methods are transcribed here as data: each
built-in field class is the chain of its ``__init__`` / ``deconstruct`` *layers* (most derived
first, :data:`_FIELD` last), and :func:`field_spec` binds the written arguments through that
chain exactly as Python would (so ``CharField("Title", max_length=5)`` gives
``verbose_name="Title"`` and ``EmailField("a", "b", False, 10)`` is the ``TypeError`` it is in
Django), then runs the ``deconstruct()`` steps from :class:`Field` down. The differential test
``tests/test_state_fields.py`` runs thousands of constructors through real Django and this
module and compares the results.

Values are normalised the way they reach ``deconstruct()``'s caller: references and calls of
Django names are rewritten to the path Django reports for them (``models.CASCADE`` ->
``django.db.models.deletion.CASCADE``, ``models.functions.Now()`` ->
``django.db.models.functions.datetime.Now()``, ``Q(b=1, a=2)`` -> ``Q(("a", 2), ("b", 1))``),
nested fields (``ArrayField``'s ``base_field``, ``GeneratedField``'s ``output_field``) become
calls of their own deconstructed form, ``settings.NAME`` becomes the setting's value when the
settings facts know it (the migration module reads it at import, so Django's field holds the
string; a swappable ``to`` is a ``SettingsReference``, a ``str`` subclass equal to that same
lower-cased string), translation calls (``gettext_lazy("Title")``) become their message,
which is what ``makemigrations`` (run with translations off) writes, and a builtin the
evaluator left opaque (``default=dict``) becomes ``Ref("builtins.dict")``.

Nested calls and opaque values keep the source spans the parser gave them, so two specs of
the same field written in two places differ in those spans: compare encoded forms (the State
JSON), not ``FieldSpec`` objects, across files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    Local,
    Opaque,
    Ref,
    Setting,
    SetValue,
    TupleValue,
    Value,
)
from migration_lint.settings_facts import SettingsFacts

__all__ = ["FieldSpec", "field_spec", "normalise_value", "reference_path"]


@dataclass(frozen=True)
class FieldSpec:
    """What ``field.deconstruct()`` returns for one field, as parsed values.

    ``path`` is the class path Django reports (``django.db.models.CharField``,
    ``django.contrib.postgres.fields.ArrayField``...), ``args`` the positional arguments
    (only ``CompositePrimaryKey`` has any: its field names), ``kwargs`` the keyword arguments
    sorted by name (``deconstruct()`` returns a dict; a canonical order makes specs compare by
    value). ``known`` is False when the class is not one of Django's (its own
    ``deconstruct()`` is unknowable, so path and arguments are kept as written, with values
    normalised) or when Django itself would refuse the call; ``problem`` then says why Django
    would raise (``TypeError: ... got an unexpected keyword argument 'max_lenght'``) or why
    the call cannot be followed statically.
    """

    path: str
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    known: bool
    problem: str | None = None

    def kwarg(self, name: str, default: Value = None) -> Value:
        """The keyword argument ``name`` of the deconstructed field, or ``default``."""
        for key, value in self.kwargs:
            if key == name:
                return value
        return default


class _Refused(Exception):
    """Django would raise here, or the call cannot be followed without running code."""


# ---------------------------------------------------------------------------------------------
# Paths of Django names

#: Public names of Django packages (and of the standard library's ``json``) that are defined
#: in a submodule, by package then by the module that defines them (Django 6.1's ``__all__``;
#: ``django.contrib.postgres.fields`` has none and re-exports its submodules' ``__all__``).
#: ``tests/test_state_fields.py`` checks the table against Django, both ways.
_REEXPORTS: Mapping[str, Mapping[str, str]] = {
    "django.db.models": {
        "django.core.exceptions": "ObjectDoesNotExist",
        "django.db.models.aggregates": (
            "Aggregate AnyValue Avg BitAnd BitOr BitXor Count Max Min StdDev StringAgg Sum Variance"
        ),
        "django.db.models.base": "DEFERRED Model",
        "django.db.models.constraints": (
            "BaseConstraint CheckConstraint Deferrable UniqueConstraint"
        ),
        "django.db.models.deletion": (
            "CASCADE DB_CASCADE DB_SET_DEFAULT DB_SET_NULL DO_NOTHING PROTECT ProtectedError "
            "RESTRICT RestrictedError SET SET_DEFAULT SET_NULL"
        ),
        "django.db.models.enums": "Choices IntegerChoices TextChoices",
        "django.db.models.expressions": (
            "Case Exists Expression ExpressionList ExpressionWrapper F Func JSONNull OrderBy "
            "OuterRef RowRange Subquery Value ValueRange When Window WindowFrame "
            "WindowFrameExclusion"
        ),
        "django.db.models.fetch_modes": "FETCH_ONE FETCH_PEERS FETCH_RAISE",
        "django.db.models.fields": (
            "AutoField BLANK_CHOICE_DASH BLANK_CHOICE_LABEL BigAutoField BigIntegerField "
            "BinaryField BooleanField CharField CommaSeparatedIntegerField DateField "
            "DateTimeField DecimalField DurationField EmailField Empty Field FilePathField "
            "FloatField GenericIPAddressField IPAddressField IntegerField NOT_PROVIDED "
            "NullBooleanField PositiveBigIntegerField PositiveIntegerField "
            "PositiveSmallIntegerField SlugField SmallAutoField SmallIntegerField TextField "
            "TimeField URLField UUIDField"
        ),
        "django.db.models.fields.composite": "CompositePrimaryKey",
        "django.db.models.fields.files": "FileField ImageField",
        "django.db.models.fields.generated": "GeneratedField",
        "django.db.models.fields.json": "JSONField",
        "django.db.models.fields.proxy": "OrderWrt",
        "django.db.models.fields.related": "ForeignKey ForeignObject ManyToManyField OneToOneField",
        "django.db.models.fields.reverse_related": (
            "ForeignObjectRel ManyToManyRel ManyToOneRel OneToOneRel"
        ),
        "django.db.models.indexes": "Index",
        "django.db.models.lookups": "Lookup Transform",
        "django.db.models.manager": "Manager",
        "django.db.models.query": (
            "Prefetch QuerySet aprefetch_related_objects prefetch_related_objects"
        ),
        "django.db.models.query_utils": "FilteredRelation Q",
    },
    "django.db.models.functions": {
        "django.db.models.functions.comparison": "Cast Coalesce Collate Greatest Least NullIf",
        "django.db.models.functions.datetime": (
            "Extract ExtractDay ExtractHour ExtractIsoWeekDay ExtractIsoYear ExtractMinute "
            "ExtractMonth ExtractQuarter ExtractSecond ExtractWeek ExtractWeekDay ExtractYear "
            "Now Trunc TruncDate TruncDay TruncHour TruncMinute TruncMonth TruncQuarter "
            "TruncSecond TruncTime TruncWeek TruncYear"
        ),
        "django.db.models.functions.json": "JSONArray JSONObject",
        "django.db.models.functions.math": (
            "ACos ASin ATan ATan2 Abs Ceil Cos Cot Degrees Exp Floor Ln Log Mod Pi Power "
            "Radians Random Round Sign Sin Sqrt Tan"
        ),
        "django.db.models.functions.text": (
            "Chr Concat ConcatPair LPad LTrim Left Length Lower MD5 Ord RPad RTrim Repeat "
            "Replace Reverse Right SHA1 SHA224 SHA256 SHA384 SHA512 StrIndex Substr Trim "
            "Upper"
        ),
        "django.db.models.functions.uuid": "UUID4 UUID7",
        "django.db.models.functions.window": (
            "CumeDist DenseRank FirstValue Lag LastValue Lead NthValue Ntile PercentRank Rank "
            "RowNumber"
        ),
    },
    "django.contrib.postgres.fields": {
        "django.contrib.postgres.fields.array": "ArrayField",
        "django.contrib.postgres.fields.citext": "CICharField CIEmailField CITextField",
        "django.contrib.postgres.fields.hstore": "HStoreField",
        "django.contrib.postgres.fields.jsonb": "JSONField",
        "django.contrib.postgres.fields.ranges": (
            "BigIntegerRangeField DateRangeField DateTimeRangeField DecimalRangeField "
            "IntegerRangeField RangeBoundary RangeField RangeOperators"
        ),
    },
    "json": {  # JSONField's encoder / decoder
        "json.decoder": "JSONDecodeError JSONDecoder",
        "json.encoder": "JSONEncoder",
    },
    "django.core.files.storage": {
        "django.core.files.storage.base": "Storage",
        "django.core.files.storage.filesystem": "FileSystemStorage",
        "django.core.files.storage.handler": "InvalidStorageError StorageHandler",
        "django.core.files.storage.memory": "InMemoryStorage",
    },
}

#: ``{package: {name: defining module}}``, the lookup form of :data:`_REEXPORTS`.
_HOMES: Mapping[str, Mapping[str, str]] = {
    package: {name: module for module, names in groups.items() for name in names.split()}
    for package, groups in _REEXPORTS.items()
}

#: Instances whose ``deconstruct()`` reports a path other than ``module.Class``: classes
#: decorated ``@deconstructible(path=...)``, ``Q`` (whose ``deconstruct`` drops
#: ``.query_utils``) and the function ``SET()`` returns.
_CALL_PATHS: Mapping[str, str] = {
    **{
        f"django.db.models.expressions.{name}": f"django.db.models.{name}"
        for name in "Case ExpressionWrapper F Func JSONNull OrderBy Value When".split()
    },
    "django.db.models.query_utils.Q": "django.db.models.Q",
    "django.db.models.deletion.SET": "django.db.models.SET",
    "django.core.files.storage.filesystem.FileSystemStorage": (
        "django.core.files.storage.FileSystemStorage"
    ),
    "django.core.files.storage.memory.InMemoryStorage": "django.core.files.storage.InMemoryStorage",
}

_Q = "django.db.models.Q"
_NOT_PROVIDED = Ref("django.db.models.fields.NOT_PROVIDED")
_DEFAULT_STORAGE = Ref("django.core.files.storage.default_storage")
#: Translation functions whose result is the message itself once translations are off, as
#: they are while ``makemigrations`` writes a file: name -> index of the message argument.
_TRANSLATIONS: Mapping[str, int] = {
    "django.utils.translation.gettext": 0,
    "django.utils.translation.gettext_lazy": 0,
    "django.utils.translation.gettext_noop": 0,
    "django.utils.translation.pgettext": 1,
    "django.utils.translation.pgettext_lazy": 1,
}


def reference_path(path: str) -> str:
    """The path of the module that defines the Django name ``path`` is spelt through.

    ``django.db.models.CASCADE`` -> ``django.db.models.deletion.CASCADE``: the path a function
    or class is serialised under (``module.qualname``). Paths of other packages are returned
    unchanged, since their re-exports cannot be known without importing them.
    """
    package, _, name = path.rpartition(".")
    module = _HOMES.get(package, {}).get(name)
    return path if module is None else f"{module}.{name}"


# ---------------------------------------------------------------------------------------------
# What Python would decide about a value


def _truthy(value: Value) -> bool:
    """``bool(value)``, assuming objects we cannot see into are true (as nearly all are).

    The one object migrations use that is false is an empty ``Q()`` (a ``limit_choices_to``
    of ``Q()`` is dropped by ``deconstruct()``), so that one is recognised.
    """
    if isinstance(value, TupleValue | ListValue | SetValue | DictValue):
        return bool(value.items)
    if isinstance(value, Call):
        return not (value.func == _Q and not value.args)
    if isinstance(value, Ref | Local | Setting | Opaque):
        return True
    return bool(value)


def _is_literal(value: Value) -> bool:
    return value is None or isinstance(value, bool | int | float | complex | str | bytes)


def _is_data(value: Value) -> bool:
    """A literal or container: never callable, never a model class or a field instance."""
    return _is_literal(value) or isinstance(value, TupleValue | ListValue | SetValue | DictValue)


def _same(value: Value, constant: Value) -> bool:
    """``value is constant`` for the constants Django's ``deconstruct()`` compares with."""
    if isinstance(constant, Ref):
        return value == constant
    return value is constant


def _items(value: Value) -> tuple[Value, ...] | None:
    """What ``list(value)`` holds, or ``None`` when Python would raise ``TypeError``."""
    if isinstance(value, TupleValue | ListValue | SetValue):
        return value.items
    if isinstance(value, DictValue):
        return tuple(key for key, _ in value.items)
    if isinstance(value, str):
        return tuple(value)
    if isinstance(value, bytes):
        return tuple(value)
    return None


def _kind(value: Value) -> str:
    """The Python type name of a literal, as Django's error messages print it."""
    names = {TupleValue: "tuple", ListValue: "list", SetValue: "set", DictValue: "dict"}
    return names.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class _Context:
    settings: SettingsFacts


def _value(value: Value, context: _Context) -> Value:
    """``value`` as the object Django's field would hold would be reported (see module doc)."""
    if isinstance(value, Setting):
        resolved = context.settings.setting(value.name)
        return value if resolved is None else resolved
    if isinstance(value, TupleValue):
        return TupleValue(tuple(_value(item, context) for item in value.items))
    if isinstance(value, ListValue):
        return ListValue(tuple(_value(item, context) for item in value.items))
    if isinstance(value, SetValue):
        return SetValue(tuple(_value(item, context) for item in value.items))
    if isinstance(value, DictValue):
        return DictValue(
            tuple((_value(key, context), _value(item, context)) for key, item in value.items)
        )
    if isinstance(value, Ref):
        return Ref(reference_path(value.path))
    if isinstance(value, Call):
        return _call_value(value, context)
    if (
        isinstance(value, Opaque)
        and value.reason == f"the builtin `{value.source}` is not evaluated"
    ):
        # The evaluator found no binding of the name in the module and no star import that
        # could provide one, so it is the builtin (``default=dict`` in a JSONField).
        return Ref(f"builtins.{value.source}")
    return value


def _call_value(call: Call, context: _Context) -> Value:
    home = reference_path(call.func)
    if home in _CLASSES:
        spec = _deconstruct(_CLASSES[home], call, context)
        return Call(spec.path, spec.args, spec.kwargs, call.span)
    message = _TRANSLATIONS.get(home)
    if (
        message is not None
        and not call.kwargs
        and len(call.args) == message + 1
        and all(isinstance(arg, str) for arg in call.args)
    ):
        return call.args[message]
    args = tuple(_value(arg, context) for arg in call.args)
    kwargs = tuple((key, _value(item, context)) for key, item in call.kwargs)
    path = _CALL_PATHS.get(home, home)
    if path == _Q:
        return _q(args, dict(kwargs), call)
    return Call(path, args, kwargs, call.span)


def _q(args: tuple[Value, ...], kwargs: dict[str, Value], call: Call) -> Call:
    """``Q(*args, _connector=None, _negated=False, **kwargs).deconstruct()``.

    ``Q`` keeps its filters as children: positional ones first, then the keyword ones sorted
    by name as ``(name, value)`` tuples; ``deconstruct()`` returns the children as its args.
    """
    connector = kwargs.pop("_connector", None)
    negated = kwargs.pop("_negated", False)
    if connector not in (None, "AND", "OR", "XOR") and _is_data(connector):
        raise _Refused("ValueError: connector must be one of 'AND', 'OR', 'XOR', or None.")
    children = args + tuple(TupleValue((key, kwargs[key])) for key in sorted(kwargs))
    options: list[tuple[str, Value]] = []
    if _truthy(connector) and connector != "AND":
        options.append(("_connector", connector))
    if _truthy(negated):
        options.append(("_negated", True))
    return Call(_Q, children, tuple(options), call.span)


def _normalise_choices(value: Value, depth: int = 0) -> Value:
    """``django.utils.choices.normalize_choices`` for parsed values.

    Mappings and iterables of pairs (to two levels: groups) become lists of ``(value, label)``
    tuples; strings, callables and anything that does not unpack into pairs are kept as they
    are. A callable at the top level is kept too (``deconstruct()`` returns the function a
    ``CallableChoiceIterator`` wraps). Items we cannot see into keep the whole value unchanged.
    """
    if depth >= 2:
        return value
    if isinstance(value, DictValue):
        pairs = [(key, item) for key, item in value.items]
    elif isinstance(value, TupleValue | ListValue | SetValue):
        if isinstance(value, SetValue) and len(value.items) > 1:
            return value  # Django iterates the set in hash order, which we cannot know
        if any(not _is_data(item) or isinstance(item, str | bytes) for item in value.items):
            return value
        found = [_pair(item) for item in value.items]
        if any(pair is None for pair in found):
            return value
        pairs = [pair for pair in found if pair is not None]
    else:
        return value
    return ListValue(
        tuple(TupleValue((key, _normalise_choices(item, depth + 1))) for key, item in pairs)
    )


def _pair(item: Value) -> tuple[Value, Value] | None:
    """``k, v = item`` when it succeeds (two items whose order is known), else ``None``."""
    if isinstance(item, SetValue) and len(item.items) > 1:
        return None
    items = _items(item)
    if items is None or len(items) != 2:
        return None
    return items[0], items[1]


# ---------------------------------------------------------------------------------------------
# Constructors and deconstruct() as data


@dataclass
class _Init:
    """One ``__init__`` of the chain: its bound parameters and the ``**kwargs`` it passes on."""

    own: dict[str, Value]
    rest: tuple[Value, ...]
    kwargs: dict[str, Value]
    attrs: dict[str, Value]
    class_name: str


@dataclass
class _Out:
    """``deconstruct()`` in progress: the instance attributes and what it returns so far."""

    attrs: dict[str, Value]
    args: tuple[Value, ...]
    kwargs: dict[str, Value]


def _frozen(values: Mapping[str, Value] | None = None) -> Mapping[str, Value]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class _Layer:
    """One class's ``__init__`` and ``deconstruct`` in a field class's MRO.

    ``params`` are the positional-or-keyword parameters, ``kwonly`` the keyword-only ones;
    a name missing from ``defaults`` is required. ``varargs`` is ``None`` without ``*args``,
    ``"*"`` when they are passed on to the parent after the ``forward`` parameters, or the
    attribute the layer keeps them in. ``forward`` / ``forward_kw`` are the own parameters
    passed on positionally / by keyword; ``setdefault`` and ``force`` are applied to the
    ``**kwargs`` passed on (``kwargs.setdefault(...)`` / ``kwargs[...] = ...``), after
    ``check`` (the constructor's validations and conditional changes). ``varkw`` is False only
    for ``Field`` itself, the end of every chain.
    """

    params: tuple[str, ...] = ()
    kwonly: tuple[str, ...] = ()
    defaults: Mapping[str, Value] = field(default_factory=_frozen)
    varargs: str | None = None
    varkw: bool = True
    forward: tuple[str, ...] = ()
    forward_kw: tuple[str, ...] = ()
    setdefault: Mapping[str, Value] = field(default_factory=_frozen)
    force: Mapping[str, Value] = field(default_factory=_frozen)
    check: Callable[[_Init], None] | None = None
    deconstruct: Callable[[_Out], None] | None = None


def _bind(
    layer: _Layer, args: tuple[Value, ...], kwargs: dict[str, Value], class_name: str
) -> tuple[dict[str, Value], tuple[Value, ...], dict[str, Value]]:
    """Bind a call to one ``__init__`` signature, raising what Python would raise."""
    where = f"{class_name}.__init__()"
    own = dict(zip(layer.params, args, strict=False))
    rest = args[len(layer.params) :]
    if rest and layer.varargs is None:
        given = len(args) + 1
        raise _Refused(
            f"TypeError: {where} takes {len(layer.params) + 1} positional arguments but "
            f"{given} were given"
        )
    remaining = dict(kwargs)
    for name in layer.params + layer.kwonly:
        if name in remaining:
            if name in own:
                raise _Refused(f"TypeError: {where} got multiple values for argument '{name}'")
            own[name] = remaining.pop(name)
        elif name not in own:
            if name not in layer.defaults:
                raise _Refused(f"TypeError: {where} missing required argument: '{name}'")
            own[name] = layer.defaults[name]
    if remaining and not layer.varkw:
        name = next(iter(remaining))
        raise _Refused(f"TypeError: {where} got an unexpected keyword argument '{name}'")
    return own, rest, remaining


@dataclass(frozen=True)
class _FieldClass:
    """A Django field class: the path ``deconstruct()`` reports and its layers."""

    path: str
    name: str
    layers: tuple[_Layer, ...]


def _construct(cls: _FieldClass, call: Call, context: _Context) -> dict[str, Value]:
    """Run the constructor chain; the instance attributes ``deconstruct()`` reads."""
    args = tuple(_value(arg, context) for arg in call.args)
    kwargs = {key: _value(item, context) for key, item in call.kwargs}
    attrs: dict[str, Value] = {}
    for layer in cls.layers:
        own, rest, passed = _bind(layer, args, kwargs, cls.name)
        if layer.varargs not in (None, "*"):
            own[str(layer.varargs)] = TupleValue(rest)
        if layer.check is not None:
            layer.check(_Init(own, rest, passed, attrs, cls.name))
        for name, default in layer.setdefault.items():
            passed.setdefault(name, default)
        passed.update(layer.force)
        attrs.update(own)
        args = tuple(own[name] for name in layer.forward)
        if layer.varargs == "*":
            args += rest
        for name in layer.forward_kw:
            if name in passed:
                raise _Refused(
                    f"TypeError: {cls.name}.__init__() got multiple values for keyword "
                    f"argument '{name}'"
                )
            passed[name] = own[name]
        kwargs = passed
    return attrs


def _deconstruct(cls: _FieldClass, call: Call, context: _Context) -> FieldSpec:
    """Construct, then run the ``deconstruct()`` steps from ``Field``'s down to the class's."""
    out = _Out(_construct(cls, call, context), (), {})
    for layer in reversed(cls.layers):
        if layer.deconstruct is not None:
            layer.deconstruct(out)
    return FieldSpec(cls.path, out.args, _sorted(out.kwargs.items()), True)


def _sorted(kwargs: Iterable[tuple[str, Value]]) -> tuple[tuple[str, Value], ...]:
    return tuple(sorted(kwargs, key=lambda item: item[0]))


# -- Field -------------------------------------------------------------------------------------

#: ``Field.__init__``'s parameters in order, with their defaults.
_FIELD_PARAMS: tuple[tuple[str, Value], ...] = (
    ("verbose_name", None),
    ("name", None),
    ("primary_key", False),
    ("max_length", None),
    ("unique", False),
    ("blank", False),
    ("null", False),
    ("db_index", False),
    ("rel", None),
    ("default", _NOT_PROVIDED),
    ("editable", True),
    ("serialize", True),
    ("unique_for_date", None),
    ("unique_for_month", None),
    ("unique_for_year", None),
    ("choices", None),
    ("help_text", ""),
    ("db_column", None),
    ("db_tablespace", None),
    ("auto_created", False),
    ("validators", TupleValue(())),
    ("error_messages", None),
    ("db_comment", None),
    ("db_default", _NOT_PROVIDED),
)
#: What ``Field.deconstruct`` leaves out: ``value is default`` for all but ``help_text``
#: (compared with ``!=``) and ``validators`` (an empty list); ``name`` and ``rel`` are never
#: reported.
_FIELD_OMITTED = tuple(
    (name, default) for name, default in _FIELD_PARAMS if name not in ("name", "rel", "help_text")
)


def _field_init(init: _Init) -> None:
    """What ``Field.__init__`` makes of its arguments: normalised choices, a validators list."""
    init.own["choices"] = _normalise_choices(init.own["choices"])
    validators = init.own["validators"]
    items = _items(validators)
    if items is not None:
        init.own["validators"] = ListValue(items)  # Field keeps list(validators)
    elif _is_data(validators):
        raise _Refused(f"TypeError: '{_kind(validators)}' object is not iterable")


def _field_deconstruct(out: _Out) -> None:
    for name, default in _FIELD_OMITTED:
        value = out.attrs[name]
        if name == "validators":
            if value != ListValue(()):
                out.kwargs[name] = value
        elif not _same(value, default):
            out.kwargs[name] = value
    if out.attrs["help_text"] != "":
        out.kwargs["help_text"] = out.attrs["help_text"]


_FIELD = _Layer(
    params=tuple(name for name, _ in _FIELD_PARAMS),
    defaults=_frozen(dict(_FIELD_PARAMS)),
    varkw=False,
    check=_field_init,
    deconstruct=_field_deconstruct,
)

# -- Deconstruct steps shared by several classes -----------------------------------------------


def _drop(*names: str) -> Callable[[_Out], None]:
    """``del kwargs[name]`` for each name (always present where Django does it)."""

    def step(out: _Out) -> None:
        for name in names:
            out.kwargs.pop(name, None)

    return step


def _drop_if_equal(name: str, value: Value) -> Callable[[_Out], None]:
    """``if kwargs.get(name) == value: del kwargs[name]``."""

    def step(out: _Out) -> None:
        if name in out.kwargs and out.kwargs[name] == value:
            del out.kwargs[name]

    return step


def _keep_unless(
    rules: Iterable[tuple[str, Value]], *, equal: bool = False
) -> Callable[[_Out], None]:
    """``if self.name is not default: kwargs[name] = self.name`` (``!=`` with ``equal``)."""
    table = tuple(rules)

    def step(out: _Out) -> None:
        for name, default in table:
            value = out.attrs[name]
            if (value != default) if equal else not _same(value, default):
                out.kwargs[name] = value

    return step


def _keep_if_truthy(*names: str) -> Callable[[_Out], None]:
    """``if self.name: kwargs[name] = self.name``."""

    def step(out: _Out) -> None:
        for name in names:
            if _truthy(out.attrs[name]):
                out.kwargs[name] = out.attrs[name]

    return step


def _steps(*steps: Callable[[_Out], None]) -> Callable[[_Out], None]:
    def step(out: _Out) -> None:
        for each in steps:
            each(out)

    return step


_VERBOSE_NAME = ("verbose_name", "name")
_NONE_DEFAULTS = _frozen({"verbose_name": None, "name": None})


def _named(
    *params: tuple[str, Value],
    setdefault: Mapping[str, Value] | None = None,
    check: Callable[[_Init], None] | None = None,
    deconstruct: Callable[[_Out], None] | None = None,
) -> _Layer:
    """``__init__(self, verbose_name=None, name=None, <params>, **kwargs)`` passing
    ``verbose_name`` and ``name`` on positionally, the shape of most of Django's fields."""
    return _Layer(
        params=_VERBOSE_NAME + tuple(name for name, _ in params),
        defaults=_frozen({**_NONE_DEFAULTS, **dict(params)}),
        forward=_VERBOSE_NAME,
        setdefault=_frozen(setdefault),
        check=check,
        deconstruct=deconstruct,
    )


# -- Text ---------------------------------------------------------------------------------------

_COLLATION = _Layer(  # CharField, TextField
    varargs="*",
    kwonly=("db_collation",),
    defaults=_frozen({"db_collation": None}),
    deconstruct=_keep_if_truthy("db_collation"),
)
_EMAIL = _Layer(varargs="*", setdefault=_frozen({"max_length": 254}))


def _slug_deconstruct(out: _Out) -> None:
    if out.kwargs.get("max_length") == 50:
        del out.kwargs["max_length"]
    if out.attrs["db_index"] is False:
        out.kwargs["db_index"] = False
    else:
        out.kwargs.pop("db_index", None)
    if out.attrs["allow_unicode"] is not False:
        out.kwargs["allow_unicode"] = out.attrs["allow_unicode"]


_SLUG = _Layer(
    varargs="*",
    kwonly=("max_length", "db_index", "allow_unicode"),
    defaults=_frozen({"max_length": 50, "db_index": True, "allow_unicode": False}),
    forward_kw=("max_length", "db_index"),
    deconstruct=_slug_deconstruct,
)
_URL = _named(
    setdefault=_frozen({"max_length": 200}), deconstruct=_drop_if_equal("max_length", 200)
)

# -- Dates and times -----------------------------------------------------------------------------


def _auto_now_init(init: _Init) -> None:
    if _truthy(init.own["auto_now"]) or _truthy(init.own["auto_now_add"]):
        init.kwargs["editable"] = False
        init.kwargs["blank"] = True


def _auto_now_deconstruct(*, as_true: bool) -> Callable[[_Out], None]:
    """DateField reports ``auto_now=True`` when set; TimeField reports the value itself."""

    def step(out: _Out) -> None:
        for name in ("auto_now", "auto_now_add"):
            value = out.attrs[name]
            if _truthy(value) if as_true else value is not False:
                out.kwargs[name] = True if as_true else value
        if _truthy(out.attrs["auto_now"]) or _truthy(out.attrs["auto_now_add"]):
            out.kwargs.pop("editable", None)
            out.kwargs.pop("blank", None)

    return step


_AUTO_NOW = (("auto_now", False), ("auto_now_add", False))
_DATE = _named(*_AUTO_NOW, check=_auto_now_init, deconstruct=_auto_now_deconstruct(as_true=True))
_TIME = _named(*_AUTO_NOW, check=_auto_now_init, deconstruct=_auto_now_deconstruct(as_true=False))

# -- Numbers, addresses, paths, misc -------------------------------------------------------------

_DIGITS = (("max_digits", None), ("decimal_places", None))
_DECIMAL = _named(*_DIGITS, deconstruct=_keep_unless(_DIGITS))
_PATH_OPTIONS: tuple[tuple[str, Value], ...] = (
    ("path", ""),
    ("match", None),
    ("recursive", False),
    ("allow_files", True),
    ("allow_folders", False),
)


def _filepath_deconstruct(out: _Out) -> None:
    if out.attrs["path"] != "":
        out.kwargs["path"] = out.attrs["path"]
    _keep_unless(_PATH_OPTIONS[1:])(out)
    _drop_if_equal("max_length", 100)(out)


_FILEPATH = _named(
    *_PATH_OPTIONS, setdefault=_frozen({"max_length": 100}), deconstruct=_filepath_deconstruct
)
_IP = _Layer(varargs="*", force=_frozen({"max_length": 15}), deconstruct=_drop("max_length"))
_IP_PROTOCOLS = ("both", "ipv4", "ipv6")


def _generic_ip_init(init: _Init) -> None:
    protocol, unpack = init.own["protocol"], init.own["unpack_ipv4"]
    if _is_data(protocol) and protocol != "both" and _truthy(unpack):
        raise _Refused("ValueError: You can only use `unpack_ipv4` if `protocol` is set to 'both'")
    if isinstance(protocol, str) and protocol.lower() not in _IP_PROTOCOLS:
        raise _Refused(f"ValueError: The protocol '{protocol}' is unknown.")
    if _is_data(protocol) and not isinstance(protocol, str):
        raise _Refused(f"AttributeError: '{_kind(protocol)}' object has no attribute 'lower'")


_GENERIC_IP = _Layer(
    params=(*_VERBOSE_NAME, "protocol", "unpack_ipv4"),
    defaults=_frozen({**_NONE_DEFAULTS, "protocol": "both", "unpack_ipv4": False}),
    varargs="*",
    forward=_VERBOSE_NAME,
    force=_frozen({"max_length": 39}),
    check=_generic_ip_init,
    deconstruct=_steps(
        _keep_unless([("unpack_ipv4", False)]),
        _keep_unless([("protocol", "both")], equal=True),
        _drop("max_length"),  # always Django's own 39: ``kwargs.get("max_length") == 39``
    ),
)
_NULL_BOOLEAN = _Layer(
    varargs="*", force=_frozen({"null": True, "blank": True}), deconstruct=_drop("null", "blank")
)


def _binary_deconstruct(out: _Out) -> None:
    if _truthy(out.attrs["editable"]):
        out.kwargs["editable"] = True
    else:
        out.kwargs.pop("editable", None)


_BINARY = _Layer(
    varargs="*", setdefault=_frozen({"editable": False}), deconstruct=_binary_deconstruct
)
_UUID = _Layer(
    params=("verbose_name",),
    defaults=_frozen({"verbose_name": None}),
    forward=("verbose_name",),
    force=_frozen({"max_length": 32}),
    deconstruct=_drop("max_length"),
)


def _auto_deconstruct(out: _Out) -> None:
    out.kwargs.pop("blank", None)
    out.kwargs["primary_key"] = True


_AUTO = _Layer(varargs="*", force=_frozen({"blank": True}), deconstruct=_auto_deconstruct)
_ORDER_WRT = _Layer(varargs="*", force=_frozen({"name": "_order", "editable": False}))

# -- Files, JSON, generated, composite -----------------------------------------------------------


def _file_deconstruct(out: _Out) -> None:
    _drop_if_equal("max_length", 100)(out)
    out.kwargs["upload_to"] = out.attrs["upload_to"]
    storage = out.attrs["storage"]
    if storage is not None and storage != _DEFAULT_STORAGE:
        out.kwargs["storage"] = storage


_FILE = _named(
    ("upload_to", ""),
    ("storage", None),
    setdefault=_frozen({"max_length": 100}),
    deconstruct=_file_deconstruct,
)
_IMAGE = _named(
    ("width_field", None),
    ("height_field", None),
    deconstruct=_keep_if_truthy("width_field", "height_field"),
)


def _json_init(init: _Init) -> None:
    for name in ("encoder", "decoder"):
        value = init.own[name]
        if _is_data(value) and _truthy(value):
            raise _Refused(f"ValueError: The {name} parameter must be a callable object.")


_CODECS = (("encoder", None), ("decoder", None))
_JSON = _named(*_CODECS, check=_json_init, deconstruct=_keep_unless(_CODECS))


def _no_default(init: _Init, what: str) -> None:
    for name, label in (("default", "a default"), ("db_default", "a database default")):
        if not _same(init.kwargs.get(name, _NOT_PROVIDED), _NOT_PROVIDED):
            raise _Refused(f"ValueError: {what} cannot have {label}.")


def _generated_init(init: _Init) -> None:
    if _truthy(init.kwargs.setdefault("editable", False)):
        raise _Refused("ValueError: GeneratedField cannot be editable.")
    if not _truthy(init.kwargs.setdefault("blank", True)):
        raise _Refused("ValueError: GeneratedField must be blank.")
    _no_default(init, "GeneratedField")
    persist = init.own["db_persist"]
    if not _is_literal(persist) or persist not in (True, False):
        raise _Refused("ValueError: GeneratedField.db_persist must be True or False.")


def _generated_deconstruct(out: _Out) -> None:
    _drop("blank", "editable")(out)
    for name in ("db_persist", "expression", "output_field"):
        out.kwargs[name] = out.attrs[name]


_GENERATED = _Layer(
    kwonly=("expression", "output_field", "db_persist"),
    check=_generated_init,
    deconstruct=_generated_deconstruct,
)


def _composite_init(init: _Init) -> None:
    names = init.rest
    if (
        not names
        or not all(isinstance(name, str) for name in names)
        or len(set(names)) != len(names)
    ):
        raise _Refused("ValueError: CompositePrimaryKey args must be unique strings.")
    if len(names) == 1:
        raise _Refused("ValueError: CompositePrimaryKey must include at least two fields.")
    _no_default(init, "CompositePrimaryKey")
    if init.kwargs.get("db_column") is not None:
        raise _Refused("ValueError: CompositePrimaryKey cannot have a db_column.")
    if _truthy(init.kwargs.setdefault("editable", False)):
        raise _Refused("ValueError: CompositePrimaryKey cannot be editable.")
    if not _truthy(init.kwargs.setdefault("primary_key", True)):
        raise _Refused("ValueError: CompositePrimaryKey must be a primary key.")
    if not _truthy(init.kwargs.setdefault("blank", True)):
        raise _Refused("ValueError: CompositePrimaryKey must be blank.")


def _composite_deconstruct(out: _Out) -> None:
    field_names = out.attrs["field_names"]
    assert isinstance(field_names, TupleValue)
    out.args = field_names.items


_COMPOSITE = _Layer(
    varargs="field_names", check=_composite_init, deconstruct=_composite_deconstruct
)

# -- Relations -----------------------------------------------------------------------------------

#: What a relation's ``rel=`` holds once a subclass built it: only its being set matters.
_REL = Ref("django.db.models.fields.reverse_related.ForeignObjectRel")


def _model_label(value: Value) -> Value:
    """``to`` as ``deconstruct()`` reports it: ``"app.Model"`` -> ``"app.model"``."""
    if not isinstance(value, str):
        return value
    if "." not in value:
        return value.lower()
    parts = value.split(".")
    if len(parts) != 2:
        raise _Refused(f"ValueError: too many values to unpack (expected 2) in to={value!r}")
    return f"{parts[0]}.{parts[1].lower()}"


def _check_to(init: _Init, what: str) -> None:
    to = init.own["to"]
    if _is_data(to) and not isinstance(to, str):
        raise _Refused(
            f"TypeError: {init.class_name}({to!r}) is invalid. First parameter to {what} must be "
            "either a model, a model name, or the string 'self'"
        )


_RELATED_NAMES = ("related_name", "related_query_name", "limit_choices_to")
_RELATED = _Layer(
    params=_RELATED_NAMES,
    defaults=_frozen(dict.fromkeys(_RELATED_NAMES)),
    deconstruct=_steps(
        _keep_if_truthy("limit_choices_to"),
        _keep_unless([("related_name", None), ("related_query_name", None)]),
    ),
)


def _foreign_object_init(init: _Init) -> None:
    if init.own["rel"] is None:
        init.attrs.update(
            {
                "rel.to": init.own["to"],
                "rel.on_delete": init.own["on_delete"],
                "rel.parent_link": init.own["parent_link"],
                "rel.field_name": None,
            }
        )
        init.own["rel"] = _REL
    elif "rel.to" not in init.attrs:
        raise _Refused("a ForeignObject given its `rel` explicitly cannot be followed")


def _foreign_object_deconstruct(out: _Out) -> None:
    out.kwargs["on_delete"] = out.attrs["rel.on_delete"]
    out.kwargs["from_fields"] = out.attrs["from_fields"]
    out.kwargs["to_fields"] = out.attrs["to_fields"]
    if _truthy(out.attrs["rel.parent_link"]):
        out.kwargs["parent_link"] = out.attrs["rel.parent_link"]
    out.kwargs["to"] = _model_label(out.attrs["rel.to"])


_FOREIGN_OBJECT = _Layer(
    params=(
        "to",
        "on_delete",
        "from_fields",
        "to_fields",
        "rel",
        *_RELATED_NAMES,
        "parent_link",
        "swappable",
    ),
    defaults=_frozen(
        {"rel": None, **dict.fromkeys(_RELATED_NAMES), "parent_link": False, "swappable": True}
    ),
    forward_kw=("rel", *_RELATED_NAMES),
    check=_foreign_object_init,
    deconstruct=_foreign_object_deconstruct,
)


def _foreign_key_init(init: _Init) -> None:
    _check_to(init, "ForeignKey")
    on_delete = init.own["on_delete"]
    if _is_data(on_delete):
        raise _Refused("TypeError: on_delete must be callable.")
    init.attrs.update(
        {
            "rel.to": init.own["to"],
            "rel.on_delete": on_delete,
            "rel.parent_link": init.own["parent_link"],
            "rel.field_name": init.own["to_field"],
        }
    )
    init.kwargs["rel"] = _REL
    init.kwargs.setdefault("db_index", True)
    for name, value in (
        ("from_fields", ListValue(("self",))),
        ("to_fields", ListValue((init.own["to_field"],))),
    ):
        if name in init.kwargs:
            raise _Refused(
                f"TypeError: {init.class_name}.__init__() got multiple values for keyword "
                f"argument '{name}'"
            )
        init.kwargs[name] = value


def _foreign_key_deconstruct(out: _Out) -> None:
    _drop("to_fields", "from_fields")(out)
    if _truthy(out.attrs["db_index"]):
        out.kwargs.pop("db_index", None)
    else:
        out.kwargs["db_index"] = False
    if out.attrs["db_constraint"] is not True:
        out.kwargs["db_constraint"] = out.attrs["db_constraint"]
    if _truthy(out.attrs["rel.field_name"]):
        out.kwargs["to_field"] = out.attrs["rel.field_name"]


_FOREIGN_KEY = _Layer(
    params=("to", "on_delete", *_RELATED_NAMES, "parent_link", "to_field", "db_constraint"),
    defaults=_frozen(
        {
            **dict.fromkeys(_RELATED_NAMES),
            "parent_link": False,
            "to_field": None,
            "db_constraint": True,
        }
    ),
    forward=("to", "on_delete"),
    forward_kw=_RELATED_NAMES,
    check=_foreign_key_init,
    deconstruct=_foreign_key_deconstruct,
)
_ONE_TO_ONE = _Layer(
    params=("to", "on_delete", "to_field"),
    defaults=_frozen({"to_field": None}),
    forward=("to", "on_delete"),
    forward_kw=("to_field",),
    force=_frozen({"unique": True}),
    deconstruct=_drop("unique"),
)


def _many_to_many_init(init: _Init) -> None:
    _check_to(init, "ManyToManyField")
    own = init.own
    if own["through"] is not None and own["db_table"] is not None:
        raise _Refused("ValueError: Cannot specify a db_table if an intermediary model is used.")
    if _truthy(own["through"]) and not _truthy(own["db_constraint"]):
        raise _Refused("ValueError: Can't supply a through model and db_constraint=False")
    if _truthy(own["through_fields"]) and not _truthy(own["through"]):
        raise _Refused("ValueError: Cannot specify through_fields without a through model")
    init.attrs.update({f"rel.{name}": own[name] for name in ("to", "through", "through_fields")})
    init.attrs["rel.db_constraint"] = own["db_constraint"]
    init.kwargs["rel"] = _REL


def _many_to_many_deconstruct(out: _Out) -> None:
    attrs = out.attrs
    if attrs["db_table"] is not None:
        out.kwargs["db_table"] = attrs["db_table"]
    if attrs["rel.db_constraint"] is not True:
        out.kwargs["db_constraint"] = attrs["rel.db_constraint"]
    out.kwargs["to"] = _model_label(attrs["rel.to"])
    if attrs["rel.through"] is not None:
        out.kwargs["through"] = attrs["rel.through"]  # a model label is kept as written
    if _truthy(attrs["rel.through_fields"]):
        out.kwargs["through_fields"] = attrs["rel.through_fields"]


_M2M_OPTIONS = ("symmetrical", "through", "through_fields", "db_constraint", "db_table")
_MANY_TO_MANY = _Layer(
    params=("to", *_RELATED_NAMES, *_M2M_OPTIONS, "swappable"),
    defaults=_frozen(
        {
            **dict.fromkeys(_RELATED_NAMES),
            **dict.fromkeys(_M2M_OPTIONS),
            "db_constraint": True,
            "swappable": True,
        }
    ),
    forward_kw=_RELATED_NAMES,
    check=_many_to_many_init,
    deconstruct=_many_to_many_deconstruct,
)

# -- django.contrib.postgres ---------------------------------------------------------------------


def _array_deconstruct(out: _Out) -> None:
    base = out.attrs["base_field"]
    if _is_data(base):
        raise _Refused(f"AttributeError: '{_kind(base)}' object has no attribute 'clone'")
    out.kwargs["base_field"] = base  # already its own deconstructed form (see _value)
    if out.attrs["size"] is not None:
        out.kwargs["size"] = out.attrs["size"]


_ARRAY = _Layer(
    params=("base_field", "size"),
    defaults=_frozen({"size": None}),
    deconstruct=_array_deconstruct,
)


def _range_init(init: _Init) -> None:
    if "default_bounds" in init.kwargs:
        raise _Refused(f"TypeError: Cannot use 'default_bounds' with {init.class_name}.")


_RANGE = _Layer(varargs="*", check=_range_init)
_BOUNDS = ("[)", "(]", "()", "[]")


def _continuous_range_init(init: _Init) -> None:
    bounds = init.own["default_bounds"]
    if not _is_literal(bounds) or bounds not in _BOUNDS:
        raise _Refused("ValueError: default_bounds must be one of '[)', '(]', '()', or '[]'.")


def _continuous_range_deconstruct(out: _Out) -> None:
    bounds = out.attrs["default_bounds"]
    if _truthy(bounds) and bounds != "[)":
        out.kwargs["default_bounds"] = bounds


_CONTINUOUS_RANGE = _Layer(
    varargs="*",
    kwonly=("default_bounds",),
    defaults=_frozen({"default_bounds": "[)"}),
    check=_continuous_range_init,
    deconstruct=_continuous_range_deconstruct,
)

# -- The classes ----------------------------------------------------------------------------------

#: Modules whose field classes ``Field.deconstruct`` reports as ``django.db.models.<Name>``.
_SHORTENED = frozenset(
    f"django.db.models.fields{module}"
    for module in ("", ".related", ".files", ".generated", ".json", ".proxy", ".composite")
)
_PG = "django.contrib.postgres.fields"

#: ``(defining module, class names, layers above Field)``: Django 6.1's field classes.
_DEFINITIONS: tuple[tuple[str, str, tuple[_Layer, ...]], ...] = (
    (
        "django.db.models.fields",
        "Field BooleanField IntegerField BigIntegerField SmallIntegerField "
        "PositiveBigIntegerField PositiveIntegerField PositiveSmallIntegerField FloatField "
        "DurationField",
        (),
    ),
    ("django.db.models.fields", "CharField CommaSeparatedIntegerField TextField", (_COLLATION,)),
    ("django.db.models.fields", "EmailField", (_EMAIL, _COLLATION)),
    ("django.db.models.fields", "SlugField", (_SLUG, _COLLATION)),
    ("django.db.models.fields", "URLField", (_URL, _COLLATION)),
    ("django.db.models.fields", "DateField DateTimeField", (_DATE,)),
    ("django.db.models.fields", "TimeField", (_TIME,)),
    ("django.db.models.fields", "DecimalField", (_DECIMAL,)),
    ("django.db.models.fields", "FilePathField", (_FILEPATH,)),
    ("django.db.models.fields", "IPAddressField", (_IP,)),
    ("django.db.models.fields", "GenericIPAddressField", (_GENERIC_IP,)),
    ("django.db.models.fields", "NullBooleanField", (_NULL_BOOLEAN,)),
    ("django.db.models.fields", "BinaryField", (_BINARY,)),
    ("django.db.models.fields", "UUIDField", (_UUID,)),
    ("django.db.models.fields", "AutoField BigAutoField SmallAutoField", (_AUTO,)),
    ("django.db.models.fields.proxy", "OrderWrt", (_ORDER_WRT,)),
    ("django.db.models.fields.files", "FileField", (_FILE,)),
    ("django.db.models.fields.files", "ImageField", (_IMAGE, _FILE)),
    ("django.db.models.fields.json", "JSONField", (_JSON,)),
    ("django.db.models.fields.generated", "GeneratedField", (_GENERATED,)),
    ("django.db.models.fields.composite", "CompositePrimaryKey", (_COMPOSITE,)),
    ("django.db.models.fields.related", "RelatedField", (_RELATED,)),
    ("django.db.models.fields.related", "ForeignObject", (_FOREIGN_OBJECT, _RELATED)),
    (
        "django.db.models.fields.related",
        "ForeignKey",
        (_FOREIGN_KEY, _FOREIGN_OBJECT, _RELATED),
    ),
    (
        "django.db.models.fields.related",
        "OneToOneField",
        (_ONE_TO_ONE, _FOREIGN_KEY, _FOREIGN_OBJECT, _RELATED),
    ),
    ("django.db.models.fields.related", "ManyToManyField", (_MANY_TO_MANY, _RELATED)),
    (f"{_PG}.array", "ArrayField", (_ARRAY,)),
    (f"{_PG}.hstore", "HStoreField", ()),
    (f"{_PG}.jsonb", "JSONField", (_JSON,)),
    (f"{_PG}.citext", "CICharField CITextField", (_COLLATION,)),
    (f"{_PG}.citext", "CIEmailField", (_EMAIL, _COLLATION)),
    (
        f"{_PG}.ranges",
        "RangeField IntegerRangeField BigIntegerRangeField DateRangeField",
        (_RANGE,),
    ),
    (
        f"{_PG}.ranges",
        "ContinuousRangeField DecimalRangeField DateTimeRangeField",
        (_CONTINUOUS_RANGE, _RANGE),
    ),
)


def _reported_path(module: str, name: str) -> str:
    """The path ``deconstruct()`` reports for class ``name`` of ``module``.

    ``Field.deconstruct`` shortens its own modules to ``django.db.models``; ``ArrayField``
    shortens ``...fields.array`` to ``...fields``; other postgres fields keep their module.
    """
    if module in _SHORTENED:
        return f"django.db.models.{name}"
    if module == f"{_PG}.array":
        return f"{_PG}.{name}"
    return f"{module}.{name}"


#: Every Django field class by the path of its definition (``module.Name``): a path as
#: written is looked up after :func:`reference_path` (``django.db.models.CharField`` ->
#: ``django.db.models.fields.CharField``).
_CLASSES: Mapping[str, _FieldClass] = {
    f"{module}.{name}": _FieldClass(_reported_path(module, name), name, (*layers, _FIELD))
    for module, names, layers in _DEFINITIONS
    for name in names.split()
}


# ---------------------------------------------------------------------------------------------
# Entry points


def field_spec(call: Value, *, app_label: str, settings: SettingsFacts) -> FieldSpec:
    """What ``deconstruct()`` returns for the field ``call`` constructs; never raises.

    ``app_label`` names the app of the migration the field is written in; ``deconstruct()``
    never qualifies a bare ``to="Author"`` with it (Django keeps ``"author"``), so it changes
    nothing in the result and only helps the caller's messages. A value that is not a call at
    all gives an empty, unknown spec with the reason in ``problem``.
    """
    del app_label  # see the docstring: deconstruct() does not use the model's app
    if not isinstance(call, Call):
        return FieldSpec("", (), (), False, problem=_not_a_call(call))
    context = _Context(settings)
    home = reference_path(call.func)
    cls = _CLASSES.get(home)
    try:
        if cls is not None:
            return _deconstruct(cls, call, context)
        args = tuple(_value(arg, context) for arg in call.args)
        kwargs = tuple((key, _value(item, context)) for key, item in call.kwargs)
        return FieldSpec(call.func, args, _sorted(kwargs), False)
    except _Refused as refused:
        return FieldSpec(
            call.func if cls is None else cls.path,
            call.args,
            _sorted(call.kwargs),
            False,
            problem=str(refused),
        )


def normalise_value(value: Value, *, settings: SettingsFacts) -> Value:
    """``value`` as Django would report the object it builds (see the module docstring).

    For values outside fields (index expressions, ``Meta`` options) the same way fields'
    values are normalised; a value Django would fail to build is returned unchanged.
    """
    try:
        return _value(value, _Context(settings))
    except _Refused:
        return value


def _not_a_call(value: Value) -> str:
    if isinstance(value, Opaque):
        return f"the field `{value.source}` cannot be evaluated: {value.reason}"
    if isinstance(value, Ref):
        return f"`{value.path}` is not called: a field must be an instance"
    return f"a field must be a call of a field class, not {_kind(value)}"
