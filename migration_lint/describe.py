"""Django's own words for an operation, computed from the parsed call instead of the object.

``migrate --plan``, ``makemigrations`` and ``squashmigrations`` print what
``Operation.describe()`` returns, migration names are built from
``Operation.migration_name_fragment``, and ``migrate --plan`` prints
``Command.describe_operation()``. We reproduce those strings byte for byte from an
:class:`~migration_lint.model.OperationCall`, so that our plan text can be compared with (and
replace) Django's.

The text is built the way Django builds it: each operation's ``__init__`` signature binds the
arguments, and Django's ``%s`` / f-string formatting is applied to the equivalent Python
objects. Literal values (strings, numbers, containers of them) therefore print exactly as
Python would print them. Values the static evaluator could not pin down (:class:`Ref`,
:class:`Call`, :class:`Local`, :class:`Setting`, :class:`Opaque`) have no exact answer: Django
would print the real object's ``repr()`` (``<function forwards at 0x7f...>``,
``<django.db.models.fields.CharField>``...). We print source-like text for them instead (the
dotted path, ``path(args)``, the function's name, ``settings.NAME``, the source text) and mark
the result inexact, so that callers can say the line may differ from Django's. Operation
classes that are not Django's own are inexact too: they may override ``describe()``.
"""

from __future__ import annotations

import functools
import types
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .model import (
    Call,
    DictValue,
    ListValue,
    Local,
    Opaque,
    OperationCall,
    Ref,
    Setting,
    SetValue,
    TupleValue,
    Value,
    source_text,
)
from .operations import POSTGRES_EXTENSIONS

__all__ = [
    "Description",
    "describe",
    "describe_detail",
    "describe_is_exact",
    "describe_operation",
    "describe_operation_detail",
    "is_reversible",
    "migration_name_fragment",
    "migration_name_fragment_detail",
    "runtime_docstring",
    "source_text",
    "truncate_chars",
]

# ``Command.describe_operation`` truncates the action part to this many characters.
_PLAN_ACTION_LENGTH = 40
# What Django's Truncator appends (the untranslated "%(truncated_text)s…"; migrate runs
# with translations deactivated).
_ELLIPSIS = "…"

# Functions of ``django.db.models.functions`` whose ``repr()`` is plain ``Func.__repr__``
# with ``Func.__init__``: called with positional arguments only, they print as
# ``Name(arg, ...)``. (tests/test_describe.py checks this list against Django.)
_PLAIN_FUNCS = frozenset(
    {
        "ACos", "ASin", "ATan", "ATan2", "Abs", "Ceil", "Chr", "Cos", "Cot", "Degrees", "Exp",
        "Floor", "LTrim", "Length", "Ln", "Log", "Lower", "MD5", "Mod", "NullIf", "Ord", "Pi",
        "Power", "RTrim", "Radians", "Reverse", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512",
        "Sign", "Sin", "Sqrt", "StrIndex", "Tan", "Trim", "Upper",
    }
)  # fmt: skip
_F_PATHS = frozenset({"django.db.models.F", "django.db.models.expressions.F"})
_VALUE_PATHS = frozenset({"django.db.models.Value", "django.db.models.expressions.Value"})
# Values the evaluator could not turn into a literal.
_UNRESOLVED = (Ref, Call, Local, Setting, Opaque)


@dataclass(frozen=True, slots=True)
class Description:
    """A string Django would print, and whether we could compute it exactly.

    ``exact`` is False when the text depends on something we cannot know statically (a
    value the evaluator left unresolved, a set of strings whose order depends on hash
    randomisation, a third-party operation class). ``warning`` marks the lines ``migrate
    --plan`` styles as a warning (``IRREVERSIBLE``).
    """

    text: str
    exact: bool
    warning: bool = False


@dataclass(frozen=True, slots=True)
class _Source:
    """Stands in for an object we cannot build; Python's formatting prints its text."""

    text: str

    def __repr__(self) -> str:
        return self.text


class _Renderer:
    """Turns parsed values into the Python objects Django would format, noting any guess."""

    def __init__(self) -> None:
        self.exact = True

    def guess(self, text: str) -> _Source:
        self.exact = False
        return _Source(text)

    def py(self, value: Value, ordered: bool = True) -> object:
        """The Python object ``value`` stands for, with stand-ins where we cannot know it.

        ``ordered=False`` when the caller does not depend on the iteration order of sets
        (it only counts them), so that sets of strings stay exact.
        """
        if isinstance(value, TupleValue):
            return tuple(self.py(item, ordered) for item in value.items)
        if isinstance(value, ListValue):
            return [self.py(item, ordered) for item in value.items]
        if isinstance(value, SetValue):
            return self._set(value, ordered)
        if isinstance(value, DictValue):
            try:
                return {self.py(key, ordered): self.py(item, ordered) for key, item in value.items}
            except TypeError:  # an unhashable key: Python would have raised
                return self.guess(source_text(value))
        if isinstance(value, _UNRESOLVED):
            return self.guess(source_text(value))
        return value

    def _set(self, value: SetValue, ordered: bool) -> object:
        items = [self.py(item, ordered) for item in value.items]
        try:
            result = set(items)
        except TypeError:  # an unhashable item: Python would have raised
            return self.guess(source_text(value))
        if ordered and len(result) > 1 and any(_hash_randomised(item) for item in result):
            # str and bytes hashes change per process, and so does the order of the set.
            self.exact = False
        return result

    def str(self, value: Value) -> str:
        """``str(value)``, as ``"%s" % value`` and f-strings print it."""
        return str(self.py(value))


def _hash_randomised(item: object) -> bool:
    if isinstance(item, (str, bytes, _Source)):
        return True
    if isinstance(item, tuple):
        return any(_hash_randomised(part) for part in item)
    return False


# -- binding the arguments of Django's operations ----------------------------------------------


class _Arg:
    """One bound argument, formatted the way Django's ``%s`` / f-strings format it.

    Templates reach the attributes Django's code reads: ``{model_name.lower}`` is
    ``self.model_name.lower()`` and ``{index.name}`` the ``name`` of an index or constraint
    object (its ``name=`` keyword).
    """

    def __init__(self, value: Value, renderer: _Renderer) -> None:
        self.value = value
        self._renderer = renderer

    def __format__(self, spec: str) -> str:
        return format(self._renderer.str(self.value), spec)

    @property
    def lower(self) -> str:
        return self._renderer.str(self.value).lower()

    @property
    def name(self) -> _Arg:
        return _Arg(self.keyword("name"), self._renderer)

    def keyword(self, name: str) -> Value:
        """A keyword argument of the object this argument constructs (Index, constraints)."""
        if isinstance(self.value, Call):
            return self.value.kwarg(name)
        self._renderer.exact = False
        return None


class _Bound(Mapping[str, _Arg]):
    """An operation's arguments bound to its ``__init__`` parameters, like Python binds them.

    A call that would not bind (a required argument missing, an unknown keyword, too many
    positional arguments) makes Django raise; what we print for it is only a guess.
    """

    def __init__(self, op: OperationCall, spec: _Spec, renderer: _Renderer) -> None:
        positional = spec.required + spec.optional
        self._values: dict[str, Value] = dict(spec.constants)
        for position, name in enumerate(positional):
            self._values[name] = op.argument(position, name)
        keywords = [key for key, _ in op.kwargs]
        by_keyword = set(positional[len(op.args) :] + spec.keyword_only)
        if (
            len(op.args) > len(positional)
            or not by_keyword.issuperset(keywords)
            or len(set(keywords)) < len(keywords)
            or not set(positional[: len(op.args)] + tuple(keywords)).issuperset(spec.required)
        ):
            renderer.exact = False
        self.renderer = renderer

    def __getitem__(self, name: str) -> _Arg:
        return _Arg(self._values[name], self.renderer)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


_Text = Callable[[_Bound], str]


@dataclass(frozen=True, slots=True)
class _Spec:
    """What one operation class prints: its ``__init__`` parameters and its two strings.

    ``required`` and ``optional`` are the positional-or-keyword parameters in ``__init__``
    order, ``keyword_only`` the optional ones after ``*``. ``describe`` and
    ``fragment`` are ``str.format`` templates over the bound arguments, or functions for the
    few that branch. ``constants`` are attributes the subclass fixes (``BloomExtension`` is
    ``CreateExtension("bloom")``).
    """

    required: tuple[str, ...]
    optional: tuple[str, ...]
    describe: str | _Text
    fragment: str | _Text | None = None
    constants: tuple[tuple[str, Value], ...] = ()
    keyword_only: tuple[str, ...] = ()


def _create_model(bound: _Bound) -> str:
    """``"proxy "`` when ``options.get("proxy", False)`` is true."""
    options = bound["options"].value
    proxy: Value = False
    if isinstance(options, DictValue):
        proxy = _dict_get(options, "proxy", False, bound.renderer)
    elif options is not None:
        bound.renderer.exact = False  # "options or {}" of something we cannot see
    return f"Create {'proxy ' if _truthy(proxy, bound.renderer) else ''}model {bound['name']}"


def _dict_get(value: DictValue, key: str, default: Value, renderer: _Renderer) -> Value:
    """``dict.get`` on a dict display, without evaluating the entries we do not need."""
    for item_key, item in reversed(value.items):  # the last duplicate key wins
        if item_key == key:
            return item
        if isinstance(item_key, _UNRESOLVED):
            renderer.exact = False  # a key we cannot see might be this one
    return default


def _alter_model_table(bound: _Bound) -> str:
    table = bound["table"]
    return f"Rename table for {bound['name']} to {'(default)' if table.value is None else table}"


def _together_count(value: object) -> int | None:
    """``len(option_value or "")`` after ``__init__``'s ``set(normalize_together(value))``.

    None when Django's constructor would raise (an unhashable entry).
    """
    if not value:
        return 0
    try:
        return len(set(_normalize_together(value)))  # type: ignore[call-overload]
    except TypeError:
        return None


def _normalize_together(value: object) -> object:
    """``django.db.models.options.normalize_together`` for a truthy value."""
    try:
        if not isinstance(value, (tuple, list)):
            raise TypeError
        if not isinstance(value[0], (tuple, list)):
            value = (value,)
        return tuple(tuple(item) for item in value)
    except TypeError:  # Django returns invalid values verbatim
        return value


def _alter_together(option_name: str) -> _Spec:
    """AlterUniqueTogether / AlterIndexTogether: their second parameter is the option."""

    def describe(bound: _Bound) -> str:
        value = bound.renderer.py(bound[option_name].value, ordered=False)
        count = None if isinstance(value, _Source) else _together_count(value)
        if count is None:
            bound.renderer.exact = False
        return f"Alter {option_name} for {bound['name']} ({count or 0} constraint(s))"

    return _Spec(("name", option_name), (), describe, f"alter_{{name.lower}}_{option_name}")


def _index_fields(bound: _Bound) -> str:
    """``", ".join(index.fields)`` (``fields`` defaults to ``()``)."""
    value = bound["index"].keyword("fields")
    fields = () if value is None else bound.renderer.py(value)
    if isinstance(fields, (tuple, list)) and all(isinstance(field, str) for field in fields):
        return ", ".join(fields)
    bound.renderer.exact = False
    return source_text(value)


def _add_index(bound: _Bound) -> str:
    index = bound["index"]
    expressions = index.value.args if isinstance(index.value, Call) else ()
    if expressions:
        text = ", ".join(_expression_str(expression, bound.renderer) for expression in expressions)
        return f"Create index {index.name} on {text} on model {bound['model_name']}"
    fields = _index_fields(bound)
    return f"Create index {index.name} on field(s) {fields} of model {bound['model_name']}"


def _add_index_concurrently(bound: _Bound) -> str:
    return (
        f"Concurrently create index {bound['index'].name} on field(s) {_index_fields(bound)} "
        f"of model {bound['model_name']}"
    )


def _expression_str(value: Value, renderer: _Renderer) -> str:
    """``str()`` of an index expression as Django builds it (strings become ``F()``)."""
    if isinstance(value, str):
        return f"F({value})"
    if isinstance(value, Call) and not value.kwargs:
        if value.func in _F_PATHS and len(value.args) == 1:
            return f"F({renderer.str(value.args[0])})"
        if value.func in _VALUE_PATHS and len(value.args) == 1:
            return f"Value({renderer.py(value.args[0])!r})"
        module, _, name = value.func.rpartition(".")
        if module.startswith("django.db.models.functions") and name in _PLAIN_FUNCS:
            arguments = (_func_argument_str(arg, renderer) for arg in value.args)
            return f"{name}({', '.join(arguments)})"
    renderer.exact = False
    return source_text(value)


def _func_argument_str(value: Value, renderer: _Renderer) -> str:
    """A ``Func`` argument: strings are field references, other literals become ``Value``."""
    if isinstance(value, (str, Call)):
        return _expression_str(value, renderer)
    literal = renderer.py(value)
    if isinstance(literal, _Source):
        return literal.text
    return f"Value({literal!r})"


def _rename_index(bound: _Bound) -> str:
    if _truthy(bound["old_name"].value, bound.renderer):
        return f"Rename index {bound['old_name']} on {bound['model_name']} to {bound['new_name']}"
    return (
        f"Rename unnamed index for {bound['old_fields']} on {bound['model_name']} to "
        f"{bound['new_name']}"
    )


def _rename_index_fragment(bound: _Bound) -> str:
    if _truthy(bound["old_name"].value, bound.renderer):
        return f"rename_{bound['old_name'].lower}_{bound['new_name'].lower}"
    fields = bound.renderer.py(bound["old_fields"].value)
    if isinstance(fields, (tuple, list)) and all(isinstance(field, str) for field in fields):
        joined = "_".join(fields)
    else:
        bound.renderer.exact = False
        joined = source_text(bound["old_fields"].value)
    return f"rename_{bound['model_name'].lower}_{joined}_{bound['new_name'].lower}"


def _truthy(value: Value, renderer: _Renderer) -> bool:
    """``bool(value)``; something we cannot see counts as true (it is rarely written falsy)."""
    literal = renderer.py(value)
    return True if isinstance(literal, _Source) else bool(literal)


_NAME = ("name",)
_MODEL_AND_NAME = ("model_name", "name")
_FIELD = ("model_name", "name", "field")
_DEFAULT = ("preserve_default",)
_CONSTRAINT = ("model_name", "constraint")
_REMOVE_INDEX_FRAGMENT = "remove_{model_name.lower}_{name.lower}"
_ADD_INDEX_FRAGMENT = "{model_name.lower}_{index.name.lower}"
_EXTENSION_DESCRIBE = "Creates extension {name}"
_EXTENSION_FRAGMENT = "create_extension_{name}"  # not lower-cased, unlike the others
_COLLATION = ("name", "locale")
_COLLATION_OPTIONS = ("provider", "deterministic")  # keyword-only

_DJANGO: dict[str, _Spec] = {
    "CreateModel": _Spec(
        ("name", "fields"), ("options", "bases", "managers"), _create_model, "{name.lower}"
    ),
    "DeleteModel": _Spec(_NAME, (), "Delete model {name}", "delete_{name.lower}"),
    "RenameModel": _Spec(
        ("old_name", "new_name"),
        (),
        "Rename model {old_name} to {new_name}",
        "rename_{old_name.lower}_{new_name.lower}",
    ),
    "AlterModelTable": _Spec(("name", "table"), (), _alter_model_table, "alter_{name.lower}_table"),
    "AlterModelTableComment": _Spec(
        ("name", "table_comment"),
        (),
        "Alter {name} table comment",
        "alter_{name.lower}_table_comment",
    ),
    "AlterUniqueTogether": _alter_together("unique_together"),
    "AlterIndexTogether": _alter_together("index_together"),
    "AlterOrderWithRespectTo": _Spec(
        ("name", "order_with_respect_to"),
        (),
        "Set order_with_respect_to on {name} to {order_with_respect_to}",
        "alter_{name.lower}_order_with_respect_to",
    ),
    "AlterModelOptions": _Spec(
        ("name", "options"), (), "Change Meta options on {name}", "alter_{name.lower}_options"
    ),
    "AlterModelManagers": _Spec(
        ("name", "managers"), (), "Change managers on {name}", "alter_{name.lower}_managers"
    ),
    "AddField": _Spec(
        _FIELD, _DEFAULT, "Add field {name} to {model_name}", "{model_name.lower}_{name.lower}"
    ),
    "RemoveField": _Spec(
        _MODEL_AND_NAME,
        (),
        "Remove field {name} from {model_name}",
        "remove_{model_name.lower}_{name.lower}",
    ),
    "AlterField": _Spec(
        _FIELD,
        _DEFAULT,
        "Alter field {name} on {model_name}",
        "alter_{model_name.lower}_{name.lower}",
    ),
    "RenameField": _Spec(
        ("model_name", "old_name", "new_name"),
        (),
        "Rename field {old_name} on {model_name} to {new_name}",
        "rename_{old_name.lower}_{model_name.lower}_{new_name.lower}",
    ),
    "AddIndex": _Spec(("model_name", "index"), (), _add_index, _ADD_INDEX_FRAGMENT),
    "RemoveIndex": _Spec(
        _MODEL_AND_NAME, (), "Remove index {name} from {model_name}", _REMOVE_INDEX_FRAGMENT
    ),
    "RenameIndex": _Spec(
        ("model_name", "new_name"),
        ("old_name", "old_fields"),
        _rename_index,
        _rename_index_fragment,
    ),
    "AddConstraint": _Spec(
        _CONSTRAINT,
        (),
        "Create constraint {constraint.name} on model {model_name}",
        "{model_name.lower}_{constraint.name.lower}",
    ),
    "RemoveConstraint": _Spec(
        _MODEL_AND_NAME,
        (),
        "Remove constraint {name} from model {model_name}",
        "remove_{model_name.lower}_{name.lower}",
    ),
    "AlterConstraint": _Spec(
        ("model_name", "name", "constraint"),
        (),
        "Alter constraint {name} on {model_name}",
        "alter_{model_name.lower}_{constraint.name.lower}",
    ),
    "RunSQL": _Spec(
        ("sql",),
        ("reverse_sql", "state_operations", "hints", "elidable"),
        "Raw SQL operation",
    ),
    "RunPython": _Spec(
        ("code",), ("reverse_code", "atomic", "hints", "elidable"), "Raw Python operation"
    ),
    "SeparateDatabaseAndState": _Spec(
        (), ("database_operations", "state_operations"), "Custom state/database change combination"
    ),
}

_POSTGRES: dict[str, _Spec] = {
    "CreateExtension": _Spec(_NAME, ("hints",), _EXTENSION_DESCRIBE, _EXTENSION_FRAGMENT),
    **{
        class_name: _Spec(
            (), ("hints",), _EXTENSION_DESCRIBE, _EXTENSION_FRAGMENT, (("name", extension),)
        )
        for class_name, extension in POSTGRES_EXTENSIONS.items()
    },
    "AddIndexConcurrently": _Spec(
        ("model_name", "index"), (), _add_index_concurrently, _ADD_INDEX_FRAGMENT
    ),
    "RemoveIndexConcurrently": _Spec(
        _MODEL_AND_NAME,
        (),
        "Concurrently remove index {name} from {model_name}",
        _REMOVE_INDEX_FRAGMENT,
    ),
    "CreateCollation": _Spec(
        _COLLATION,
        (),
        "Create collation {name}",
        "create_collation_{name.lower}",
        keyword_only=_COLLATION_OPTIONS,
    ),
    "RemoveCollation": _Spec(
        _COLLATION,
        (),
        "Remove collation {name}",
        "remove_collation_{name.lower}",
        keyword_only=_COLLATION_OPTIONS,
    ),
    "AddConstraintNotValid": _Spec(
        _CONSTRAINT,
        (),
        "Create not valid constraint {constraint.name} on model {model_name}",
        "{model_name.lower}_{constraint.name.lower}_not_valid",
    ),
    "ValidateConstraint": _Spec(
        _MODEL_AND_NAME,
        (),
        "Validate constraint {name} on model {model_name}",
        "{model_name.lower}_validate_{name.lower}",
    ),
}

_SPECS: dict[str, _Spec] = {
    **{f"django.db.migrations.{name}": spec for name, spec in _DJANGO.items()},
    **{f"django.contrib.postgres.operations.{name}": spec for name, spec in _POSTGRES.items()},
}
_RUN_SQL = "django.db.migrations.RunSQL"
_RUN_PYTHON = "django.db.migrations.RunPython"


def _render(template: str | _Text, bound: _Bound) -> str:
    return template.format_map(bound) if isinstance(template, str) else template(bound)


# -- the public functions --------------------------------------------------------------------


def describe_detail(op: OperationCall) -> Description:
    """``op.describe()`` and whether it is exact (see the module docstring)."""
    renderer = _Renderer()
    text = _describe(op, renderer)
    return Description(text, renderer.exact)


def describe(op: OperationCall) -> str:
    """Exactly what ``Operation.describe()`` returns for ``op``, as far as it can be known."""
    return describe_detail(op).text


def describe_is_exact(op: OperationCall) -> bool:
    """Whether :func:`describe` is certainly Django's text (no unresolved value in it)."""
    return describe_detail(op).exact


def _describe(op: OperationCall, renderer: _Renderer) -> str:
    if op.raw is not None:
        renderer.exact = False
        return op.raw.source
    spec = _SPECS.get(op.path)
    if spec is not None:
        return _render(spec.describe, _Bound(op, spec, renderer))
    # Base Operation.describe(): "%s: %s" % (class name, (args, kwargs)). A third-party class
    # may override it, so this is never certain.
    args = tuple(renderer.py(arg) for arg in op.args)
    kwargs = {key: renderer.py(value) for key, value in op.kwargs}
    renderer.exact = False
    return f"{op.name}: {(args, kwargs)}"


def migration_name_fragment_detail(op: OperationCall) -> Description | None:
    """``op.migration_name_fragment`` (None when the operation has none) and its exactness."""
    spec = _SPECS.get(op.path) if op.raw is None else None
    if spec is None or spec.fragment is None:
        return None
    renderer = _Renderer()
    text = _render(spec.fragment, _Bound(op, spec, renderer))
    return Description(text, renderer.exact)


def migration_name_fragment(op: OperationCall) -> str | None:
    """``op.migration_name_fragment``: the part of an automatic migration name it suggests.

    None for operations without one (RunSQL, RunPython, SeparateDatabaseAndState) and for
    classes we do not know (third-party operations may define one; we cannot see it).
    """
    detail = migration_name_fragment_detail(op)
    return None if detail is None else detail.text


def is_reversible(op: OperationCall) -> bool:
    """``op.reversible``: False only for RunSQL without ``reverse_sql`` and RunPython without
    ``reverse_code``. An unresolved reverse argument counts as given (it is not literally
    ``None``); third-party classes are assumed to keep the base class's True.
    """
    if op.path == _RUN_SQL:
        return op.argument(1, "reverse_sql") is not None
    if op.path == _RUN_PYTHON:
        return op.argument(1, "reverse_code") is not None
    return True


def describe_operation_detail(op: OperationCall, backwards: bool) -> Description:
    """One operation line of ``migrate --plan`` (without its 4-space indent), with exactness.

    Mirrors ``migrate.Command.describe_operation``: RunPython shows its function's
    docstring, RunSQL its SQL (``str()`` of a list or tuple), other operations get ``Undo ``
    when unapplied; a missing reverse shows ``IRREVERSIBLE``; newlines are dropped and the
    ``" -> action"`` part is cut to 40 characters by Django's ``Truncator``.
    """
    renderer = _Renderer()
    description = _describe(op, renderer)
    prefix = ""
    warning = False
    action: str | None
    if op.raw is None and op.path == _RUN_PYTHON:
        code = op.argument(1, "reverse_code") if backwards else op.argument(0, "code")
        action = None if code is None else (_code_doc(code, renderer) or "")
    elif op.raw is None and op.path == _RUN_SQL:
        sql = op.argument(1, "reverse_sql") if backwards else op.argument(0, "sql")
        action = None if sql is None else str(renderer.py(_sql_value(sql)))
    else:
        action = ""
        if backwards:
            prefix = "Undo "
    if action is not None:
        action = action.replace("\n", "")
    elif backwards:
        action = "IRREVERSIBLE"
        warning = True
    if action:
        action = " -> " + action
    # Truncator(None) prints "None": RunSQL(None) forwards really says "Raw SQL operationNone".
    text = prefix + description + truncate_chars(str(action), _PLAN_ACTION_LENGTH)
    return Description(text, renderer.exact, warning)


def describe_operation(op: OperationCall, backwards: bool) -> str:
    """Exactly ``migrate.Command.describe_operation(op, backwards)[0]``."""
    return describe_operation_detail(op, backwards).text


# -- RunPython / RunSQL details ----------------------------------------------------------------


def _is_django_attribute(value: Value, suffix: str) -> bool:
    """A reference to ``RunSQL.noop`` / ``RunPython.noop`` through any Django import path."""
    return (
        isinstance(value, Ref)
        and value.path.startswith("django.db.migrations.")
        and value.path.endswith(suffix)
    )


def _sql_value(sql: Value) -> Value:
    """``RunSQL.noop`` is the empty string."""
    return "" if _is_django_attribute(sql, ".RunSQL.noop") else sql


def _code_doc(code: Value, renderer: _Renderer) -> str | None:
    """``code.__doc__`` for the callable given to RunPython.

    Functions, classes and lambdas of the file are :class:`Local` (a lambda has no
    docstring); ``RunPython.noop`` has none either.
    """
    if isinstance(code, Local):
        return None if code.docstring is None else runtime_docstring(code.docstring)
    if _is_django_attribute(code, ".RunPython.noop"):
        return None
    if isinstance(code, Call) and code.func == "functools.partial":
        return functools.partial.__doc__  # a partial object's __doc__ is its class's
    renderer.exact = False  # an imported or computed callable: its docstring is unknown
    return None


@functools.lru_cache(maxsize=256)
def runtime_docstring(literal_value: str) -> str | None:
    """The ``__doc__`` this interpreter gives a function whose docstring is ``literal_value``.

    Python 3.13 started stripping docstring indentation at compile time, and ``-OO`` drops
    docstrings entirely. The user's Django runs under the same Python family as we do, so we
    let our own compiler decide: compile a one-line function with this docstring (nothing is
    executed) and read back what the function object gets.
    """
    module = compile(f"def f():\n    {literal_value!r}\n", "<docstring>", "exec")
    code = next(const for const in module.co_consts if isinstance(const, types.CodeType))
    doc: str | None = types.FunctionType(code, {}).__doc__
    return doc


def truncate_chars(text: str, length: int) -> str:
    """``django.utils.text.Truncator(text).chars(length)`` with the default ``…``.

    The text is NFC-normalised first (even when it is short enough); combining characters
    do not count towards the length; the ellipsis counts as one.
    """
    if length <= 0:
        return ""
    text = unicodedata.normalize("NFC", text)
    keep = length - len(_ELLIPSIS)
    counted = 0
    end_index: int | None = None
    for index, char in enumerate(text):
        if unicodedata.combining(char):
            continue
        counted += 1
        if end_index is None and counted > keep:
            end_index = index
        if counted > length:
            return text[: end_index or 0] + _ELLIPSIS
    return text
