"""``state_forwards`` of every Django operation, on the static state (spec §6.2).

Each operation class Django ships (``django.db.migrations`` and
``django.contrib.postgres.operations``) has an entry in :data:`OPERATIONS`: the signature of
its constructor (so that arguments bind exactly as Python binds them, and a call Python would
reject is reported) and the function that changes the state the way its ``state_forwards``
does, surprises included:

* ``CreateModel`` silently replaces a model of the same name;
* ``RenameModel`` moves the model to the end and repoints every relation in every app;
* ``AddField`` / ``AlterField`` replace a field in place, ``AlterField`` appends a missing one,
  ``preserve_default=False`` stores the field without its default;
* ``RenameField`` moves the field to the end, renames it in ``from_fields``, composite primary
  keys, ``unique_together`` / ``index_together`` (which become sets of tuples) and in other
  models' ``to_field`` / ``to_fields``, but not in indexes, constraints or
  ``order_with_respect_to``;
* ``RemoveIndex`` / ``RemoveConstraint`` of a name that is not there do nothing;
* ``AlterModelOptions`` drops every ``ALTER_OPTION_KEYS`` option it does not set;
* ``AlterUniqueTogether`` / ``AlterIndexTogether`` normalise a truthy value to a set of tuples;
* ``RunSQL`` and ``SeparateDatabaseAndState`` apply their ``state_operations``.

Where Django raises (a ``KeyError`` for a model that is not in the state, a field that
``RemoveField`` / ``RenameField`` cannot find, a constructor's ``ValueError`` or
``TypeError``), the function raises :class:`StateError` with Django's message, or reports it
through :meth:`StateEditor.reject` and carries on where Django's constructor would already
have failed; the replay turns both into findings and goes on with the next operation. Where an
argument cannot be known statically (an opaque expression), :class:`Unknowable` stops the
operation and the state stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    Opaque,
    OperationCall,
    Ref,
    SetValue,
    Span,
    TupleValue,
    Value,
)
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.fields import FieldSpec, field_spec, reference_path
from migration_lint.state.project import (
    DEFAULT_BASES,
    LIST_OPTIONS,
    ModelKey,
    ModelState,
    OpaqueName,
    deconstruct_object,
    resolve_relation,
    truth,
    with_list_options,
)
from migration_lint.third_party import THIRD_PARTY

__all__ = [
    "ALTER_OPTION_KEYS",
    "OPERATIONS",
    "Bound",
    "OperationSpec",
    "Signature",
    "StateEditor",
    "StateError",
    "StateNote",
    "Unknowable",
    "state_forwards",
]

#: ``AlterModelOptions.ALTER_OPTION_KEYS`` (the same list in Django 3.2 to 6.1).
ALTER_OPTION_KEYS = (
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
)

_LITERALS = (type(None), bool, int, float, complex, str, bytes)
T = TypeVar("T")


class StateError(Exception):
    """Django would raise here while loading the migrations; the operation stops.

    ``missing`` marks errors that only say the state lacks a model or field: those are not
    certain when an earlier operation of the app had an effect we could not know.
    """

    def __init__(self, message: str, hint: str = "", *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.missing = missing


class Unknowable(Exception):
    """An argument the operation needs cannot be known statically; the state is left as is."""


@dataclass(frozen=True)
class StateNote:
    """Something the replay noticed at one operation.

    ``kind`` is ``"error"`` (Django would reject the operation while loading the
    migrations) or ``"unknown"`` (the operation's effect on the state could not be known, so
    the state after it may be wrong).
    """

    kind: Literal["error", "unknown"]
    span: Span
    message: str
    hint: str = ""


class StateEditor:
    """The working state while operations are applied: models, and a log of every change.

    ``models`` is a dict the editor owns and changes in place, in Django's insertion order.
    ``events`` records each change as ``(key, new model or None for a deletion)`` so that the
    state between any two operations can be rebuilt from a snapshot. ``uncertain_apps`` are
    apps in which an operation had an effect we could not know: a missing model or field
    there is reported as unknown rather than as an error.
    """

    def __init__(
        self,
        models: dict[ModelKey, ModelState],
        settings: SettingsFacts,
        uncertain_apps: set[str],
    ) -> None:
        self.models = models
        self.settings = settings
        self.uncertain_apps = uncertain_apps
        self.app_label = ""
        self.events: list[tuple[ModelKey, ModelState | None]] = []
        self.notes: list[StateNote] = []
        self._span = Span(1, 1, 1, 1)

    # -- changes ----------------------------------------------------------------------------

    def model(self, name: str, operation: str) -> ModelState:
        """The model ``name`` of the current app, or Django's ``KeyError``."""
        key = (self.app_label, name.lower())
        found = self.models.get(key)
        if found is None:
            raise StateError(
                f"{operation} refers to model '{key[0]}.{key[1]}', which does not exist at this "
                f"point of the history: Django raises KeyError: {key!r} while loading the "
                "migrations",
                "make this migration depend on the one that creates the model, or fix the name",
                missing=True,
            )
        return found

    def put(self, model: ModelState) -> None:
        """Store ``model`` under its key (in place if the key exists, else at the end)."""
        self.models[model.key] = model
        self.events.append((model.key, model))

    def delete(self, key: ModelKey) -> None:
        del self.models[key]
        self.events.append((key, None))

    def field(self, value: Value) -> FieldSpec:
        """A field argument as ``deconstruct()`` would give it back."""
        return field_spec(value, app_label=self.app_label, settings=self.settings)

    def value(self, value: Value) -> Value:
        """Any other argument (option, index, manager ...) as Django would report it."""
        return deconstruct_object(value, self.settings)

    def option(self, name: str, value: Value) -> Value:
        """An option's value; the items of ``indexes`` / ``constraints`` one by one."""
        if name in LIST_OPTIONS and isinstance(value, ListValue | TupleValue):
            return type(value)(tuple(self.value(item) for item in value.items))
        return self.value(value)

    # -- notes ------------------------------------------------------------------------------

    def reject(self, message: str, hint: str = "") -> None:
        """Django would raise ``message``; record it and let the operation go on."""
        self.notes.append(StateNote("error", self._span, message, hint))

    def unknown(self, message: str, *, models: bool = True) -> None:
        """The effect of an operation is not (fully) known.

        ``models``: which models or fields exist may be wrong from here on, so a missing one
        in this app is no longer certain (False when only a value is unknown).
        """
        if models:
            self.uncertain_apps.add(self.app_label)
        self.notes.append(StateNote("unknown", self._span, message))

    def failed(self, error: StateError) -> None:
        if error.missing and self.app_label in self.uncertain_apps:
            self.notes.append(StateNote("unknown", self._span, error.message))
        else:
            self.notes.append(StateNote("error", self._span, error.message, error.hint))

    # -- applying ---------------------------------------------------------------------------

    def apply(self, operation: OperationCall, app_label: str) -> None:
        """``operation.state_forwards(app_label, state)``, never raising."""
        self.app_label = app_label
        previous, self._span = self._span, operation.span
        try:
            state_forwards(operation, self)
        finally:
            self._span = previous


# -- binding arguments ------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """A constructor's parameters, so that a call binds (or fails) as Python binds it.

    ``positional`` parameters, of which the first ``required`` have no default, then
    ``keyword_only`` ones (all with defaults). ``tests/test_state_replay.py`` checks every
    entry of :data:`OPERATIONS` against ``inspect.signature`` of Django's class.
    """

    positional: tuple[str, ...]
    required: int
    keyword_only: tuple[str, ...] = ()
    owner: str | None = None  # the class whose __init__ it is, when inherited

    def bind(self, operation: OperationCall) -> Bound:
        """The arguments by parameter name, or the ``TypeError`` Python would raise."""
        where = f"{self.owner or operation.name}.__init__()"
        if len(operation.args) > len(self.positional):
            most = len(self.positional) + 1  # Python counts ``self``
            takes = f"from {self.required + 1} to {most}" if self.required + 1 < most else most
            raise StateError(
                f"{where} takes {takes} positional arguments but {len(operation.args) + 1} "
                "were given: Django cannot import this migration"
            )
        values = dict(zip(self.positional, operation.args, strict=False))
        for name, value in operation.kwargs:
            if name not in self.positional and name not in self.keyword_only:
                raise StateError(
                    f"{where} got an unexpected keyword argument '{name}': Django cannot "
                    "import this migration"
                )
            if name in values:
                raise StateError(
                    f"{where} got multiple values for argument '{name}': Django cannot "
                    "import this migration"
                )
            values[name] = value
        missing = [name for name in self.positional[: self.required] if name not in values]
        if missing:
            quoted = [f"'{name}'" for name in missing]
            if len(quoted) < 3:
                names = " and ".join(quoted)
            else:
                names = f"{', '.join(quoted[:-1])}, and {quoted[-1]}"
            plural = "s" if len(missing) > 1 else ""
            raise StateError(
                f"{where} missing {len(missing)} required positional argument{plural}: "
                f"{names}: Django cannot import this migration"
            )
        return Bound(operation, values)


@dataclass(frozen=True)
class Bound:
    """An operation with its arguments bound to parameter names (defaults absent)."""

    operation: OperationCall
    values: dict[str, Value]

    @property
    def name(self) -> str:
        return self.operation.name

    def get(self, name: str, default: Value = None) -> Value:
        return self.values.get(name, default)

    def text(self, name: str) -> str:
        """A string argument (model or field name); anything else cannot be followed."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value
        raise Unknowable(f"the `{name}` argument of {self.name} is not a string literal")


Forwards = Callable[[Bound, StateEditor], None]


@dataclass(frozen=True)
class OperationSpec:
    """One operation class: how its constructor binds and what it does to the state."""

    signature: Signature
    forwards: Forwards | None = None  # None: no effect on the state
    check: Callable[[Bound, StateEditor], None] | None = None  # constructor validation


def state_forwards(operation: OperationCall, state: StateEditor) -> None:
    """Apply one operation (top-level or nested in ``state_operations``) to ``state``."""
    if operation.raw is not None:
        state.unknown(f"cannot know what `{operation.raw.source}` does to the models")
        return
    spec = OPERATIONS.get(operation.path) or _third_party_spec(operation.path)
    if spec is None:
        state.unknown(f"cannot know what {operation.path} does to the models")
        return
    try:
        bound = spec.signature.bind(operation)
        if spec.check is not None:
            spec.check(bound, state)
        if spec.forwards is not None:
            spec.forwards(bound, state)
    except StateError as error:
        state.failed(error)
    except Unknowable as reason:
        state.unknown(f"{operation.name}: {reason}; the state after it is a guess")


def _third_party_spec(path: str) -> OperationSpec | None:
    """A known third-party operation (:mod:`migration_lint.third_party`): its own
    constructor, and the ``state_forwards`` of the Django operation it inherits."""
    known = THIRD_PARTY.get(path)
    if known is None:
        return None
    signature = Signature((*known.required, *known.optional), len(known.required))
    if known.replays_as is None:
        return OperationSpec(signature)
    equivalent = OPERATIONS[known.replays_as]
    return OperationSpec(signature, equivalent.forwards, equivalent.check)


# -- values -----------------------------------------------------------------------------------


def _items(value: Value, what: str) -> tuple[Value, ...]:
    """The items of a list or tuple argument."""
    if isinstance(value, TupleValue | ListValue):
        return value.items
    raise Unknowable(f"{what} is not a literal list")


def _pairs(value: Value, what: str, state: StateEditor | None = None) -> list[tuple[str, Value]]:
    """``[(name, value), ...]`` as ``CreateModel`` takes fields and managers.

    With ``state``, a name that is not a literal becomes an :class:`OpaqueName` (noted as
    unknown) instead of making the whole list unknowable: the model still has that field.
    """
    pairs = []
    for item in _items(value, what):
        if not isinstance(item, TupleValue | ListValue) or len(item.items) != 2:
            raise Unknowable(f"an entry of {what} is not a literal (name, value) pair")
        name, inner = item.items
        if isinstance(name, Opaque) and state is not None:
            state.unknown(f"a name in {what} cannot be evaluated: `{name.source}`")
            name = OpaqueName.of(name.source)
        if not isinstance(name, str):
            raise Unknowable(f"a name in {what} is not a string literal")
        pairs.append((name, inner))
    return pairs


def _options(value: Value, what: str) -> dict[str, Value]:
    if not isinstance(value, DictValue):
        raise Unknowable(f"{what} is not a literal dict")
    options = {}
    for key, item in value.items:
        if not isinstance(key, str):
            raise Unknowable(f"a key of {what} is not a string literal")
        options[key] = item
    return options


def _iterate(value: Value) -> tuple[Value, ...]:
    """``iter(value)`` for a value Python would iterate, else its ``TypeError``."""
    if isinstance(value, str):
        return tuple(value)
    if isinstance(value, TupleValue | ListValue | SetValue):
        return value.items
    if isinstance(value, DictValue):
        return tuple(key for key, _ in value.items)
    if isinstance(value, _LITERALS):
        raise TypeError(f"'{type(value).__name__}' object is not iterable")
    raise Unknowable("a value that must be iterated is not a literal")


def _unique(items: Iterable[Value]) -> SetValue:
    """``set(items)``: duplicates dropped, first occurrence kept (sets have no order)."""
    return SetValue(tuple(dict.fromkeys(items)))


def _normalize_together(value: Value) -> Value:
    """Django's ``normalize_together``: a flat tuple of names becomes a tuple of tuples."""
    if truth(value) is None:
        raise Unknowable("a unique_together / index_together value is not a literal")
    if not truth(value):
        return TupleValue(())
    if not isinstance(value, TupleValue | ListValue):
        return value  # returned verbatim: "picked up by the check framework later"
    groups = value.items
    if not isinstance(groups[0], TupleValue | ListValue):
        groups = (value,)
    try:
        return TupleValue(tuple(TupleValue(_iterate(group)) for group in groups))
    except TypeError:
        return value


def _together(value: Value) -> Value:
    """The value ``AlterUniqueTogether(name, value)`` stores: a set of tuples if truthy."""
    if not truth(value):  # falsy values are kept as given; unknown ones the caller keeps
        return value
    try:
        return _unique(_iterate(_normalize_together(value)))
    except TypeError as error:
        raise StateError(f"{error}: Django cannot import this migration") from None


def _object_name(value: Value) -> str | None:
    """The ``name=`` of an index or constraint written as a call (``None`` if unnamed)."""
    if not isinstance(value, Call):
        raise Unknowable("an index or constraint is not written as a call")
    name = value.kwarg("name")
    if name is None or isinstance(name, str):
        return name or None
    raise Unknowable(f"the name of a {value.func} is not a string literal")


def _is_named(item: Value, name: str) -> bool:
    """Whether an index / constraint is called ``name`` (one whose name is unknown is not)."""
    try:
        return _object_name(item) == name
    except Unknowable:
        return False


def _with_kwarg(call: Call, name: str, value: Value) -> Call:
    kwargs = tuple((key, value if key == name else item) for key, item in call.kwargs)
    if name not in dict(call.kwargs):
        kwargs += ((name, value),)
    return replace(call, kwargs=kwargs)


def _spec_with(spec: FieldSpec, **changes: Value) -> FieldSpec:
    """``spec`` with some keyword arguments replaced (kept sorted, as FieldSpec keeps them)."""
    kwargs = dict(spec.kwargs)
    kwargs.update(changes)
    return replace(spec, kwargs=tuple(sorted(kwargs.items())))


def _renamed(names: Value, old: str, new: str) -> Value:
    """A tuple of names with ``old`` replaced by ``new`` (Django builds a new tuple)."""
    if not isinstance(names, TupleValue | ListValue):
        return names
    return TupleValue(tuple(new if item == old else item for item in names.items))


def _describe(value: Value) -> str:
    if isinstance(value, Call):
        return f"`{value.func}(...)`"
    return f"`{value!r}`"


# -- model operations -------------------------------------------------------------------------


def _check_duplicates(what: str, values: Iterable[object]) -> str | None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            return f"Found duplicate value {value} in CreateModel {what} argument."
        seen.add(value)
    return None


def _base_identity(base: Value) -> object:
    """What ``CreateModel`` compares bases by: lower-cased labels, classes by identity."""
    if isinstance(base, str):
        return base.lower()
    if isinstance(base, Ref):
        return base.path
    return base


def _optional(
    op: Bound, state: StateEditor, parameter: str, read: Callable[[Value, str], T], default: T
) -> T:
    """An optional ``CreateModel`` argument: Django's default when falsy or not readable."""
    value = op.get(parameter)
    if truth(value) is False:
        return default
    try:
        return read(value, f"the {parameter}")
    except Unknowable as reason:
        state.unknown(f"{op.name}: {reason}; its {parameter} are not known", models=False)
        return default


def _create_model(op: Bound, state: StateEditor) -> None:
    name = op.text("name")
    fields = _pairs(op.get("fields"), "the fields", state)
    options: dict[str, Value] = _optional(op, state, "options", _options, {})
    bases = _optional(op, state, "bases", _items, DEFAULT_BASES)
    managers: list[tuple[str, Value]] = _optional(op, state, "managers", _pairs, [])
    for what, values in (
        ("fields", (field_name for field_name, _ in fields)),
        ("bases", (_base_identity(base) for base in bases)),
        ("managers", (manager for manager, _ in managers)),
    ):
        duplicate = _check_duplicates(what, values)
        if duplicate:
            state.reject(
                f"{duplicate} Django cannot import this migration",
                f"remove the second entry from `{what}`",
            )
    model = ModelState(
        state.app_label,
        name,
        {field_name: state.field(value) for field_name, value in fields},
        with_list_options({key: state.option(key, item) for key, item in options.items()}),
        tuple(state.value(base) for base in bases),
        tuple((manager, state.value(item)) for manager, item in managers),
    )
    for index in model.option_items("indexes"):
        if _unnamed(index):
            state.reject(
                f"Indexes passed to ModelState require a name attribute. {_describe(index)} "
                "doesn't have one.",
                "give the index a name=",
            )
    state.put(model)


def _delete_model(op: Bound, state: StateEditor) -> None:
    state.delete(state.model(op.text("name"), op.name).key)


def _rename_model(op: Bound, state: StateEditor) -> None:
    old_name, new_name = op.text("old_name"), op.text("new_name")
    old = state.model(old_name, op.name)
    state.put(old.evolve(name=new_name))
    app_label = state.app_label
    new_to = f"{app_label}.{new_name.lower()}"  # what deconstruct() gives for "app.NewName"
    new_through = f"{app_label}.{new_name}"  # ``through`` is not lower-cased
    for holder_key, holder in list(state.models.items()):
        changed = {}
        for field_name, spec in holder.fields.items():
            updates: dict[str, Value] = {}
            for kwarg, replacement in (("to", new_to), ("through", new_through)):
                target = spec.kwarg(kwarg)
                if isinstance(target, str) and resolve_relation(target, *holder_key) == old.key:
                    updates[kwarg] = replacement
            if updates:
                changed[field_name] = _spec_with(spec, **updates)
        if changed:
            state.put(holder.evolve(fields={**holder.fields, **changed}))
    state.delete(old.key)


def _alter_options(
    op: Bound,
    state: StateEditor,
    options: Mapping[str, Value],
    remove: Iterable[str] = (),
) -> None:
    """``ProjectState.alter_model_options``: merge, then drop ``remove`` keys not given."""
    model = state.model(op.text("name"), op.name)
    merged = {**model.options, **options}
    for key in remove:
        if key not in options:
            merged.pop(key, None)
    state.put(model.evolve(options=merged))


def _option_setter(option: str, parameter: str) -> Forwards:
    """The ``state_forwards`` of operations that set one option to their argument."""

    def forwards(op: Bound, state: StateEditor) -> None:
        _alter_options(op, state, {option: state.value(op.get(parameter))})

    return forwards


def _alter_together(option: str) -> Forwards:
    def forwards(op: Bound, state: StateEditor) -> None:
        value = state.value(op.get(option))
        if truth(value) is None:
            state.unknown(f"{op.name}: {option} is not a literal; kept as written", models=False)
        _alter_options(op, state, {option: _together(value)})

    return forwards


def _alter_model_options(op: Bound, state: StateEditor) -> None:
    options = _options(op.get("options"), "the options")
    normalised = {key: state.option(key, item) for key, item in options.items()}
    _alter_options(op, state, normalised, ALTER_OPTION_KEYS)


def _alter_model_managers(op: Bound, state: StateEditor) -> None:
    model = state.model(op.text("name"), op.name)
    managers = _pairs(op.get("managers"), "the managers")
    state.put(model.evolve(managers=tuple((name, state.value(item)) for name, item in managers)))


# -- field operations -------------------------------------------------------------------------


def _set_field(op: Bound, state: StateEditor) -> None:
    """``AddField`` and ``AlterField``: replace in place, or append."""
    model = state.model(op.text("model_name"), op.name)
    name = op.text("name")
    spec = state.field(op.get("field"))
    if truth(op.get("preserve_default", True)) is False:
        spec = replace(spec, kwargs=tuple(kv for kv in spec.kwargs if kv[0] != "default"))
    state.put(model.evolve(fields={**model.fields, name: spec}))


def _remove_field(op: Bound, state: StateEditor) -> None:
    model = state.model(op.text("model_name"), op.name)
    name = op.text("name")
    if name not in model.fields:
        raise StateError(
            f"RemoveField removes field '{name}' from '{model.app_label}.{model.name_lower}', "
            f"which has no such field at this point of the history: Django raises "
            f"KeyError: {name!r} while loading the migrations",
            "field names are case-sensitive; check the name and the migration's dependencies",
            missing=True,
        )
    state.put(model.evolve(fields={k: v for k, v in model.fields.items() if k != name}))


def _rename_field(op: Bound, state: StateEditor) -> None:
    model = state.model(op.text("model_name"), op.name)
    old, new = op.text("old_name"), op.text("new_name")
    if old not in model.fields:
        raise StateError(
            f"{model.app_label}.{model.name_lower} has no field named '{old}': Django raises "
            "FieldDoesNotExist while loading the migrations",
            "field names are case-sensitive; check the name and the migration's dependencies",
            missing=True,
        )
    fields = {name: spec for name, spec in model.fields.items() if name != old}
    fields[new] = model.fields[old]
    for name, spec in fields.items():
        from_fields = spec.kwarg("from_fields")
        if isinstance(from_fields, TupleValue | ListValue) and old in from_fields.items:
            fields[name] = spec = _spec_with(spec, from_fields=_renamed(from_fields, old, new))
        if spec.path == "django.db.models.CompositePrimaryKey" and old in spec.args:
            fields[name] = replace(spec, args=tuple(new if a == old else a for a in spec.args))
    model = model.evolve(fields=fields)
    state.put(model)
    options = dict(model.options)
    for option in ("index_together", "unique_together"):
        if option in options:
            try:
                groups = _iterate(options[option])
                options[option] = _unique(
                    TupleValue(tuple(new if n == old else n for n in _iterate(group)))
                    for group in groups
                )
            except TypeError as error:
                raise StateError(
                    f"RenameField cannot rename '{old}' in {option}: {error}; Django raises "
                    "TypeError while loading the migrations"
                ) from None
            except Unknowable:
                state.unknown(f"RenameField: {option} is not a literal; kept as is", models=False)
    if options != model.options:
        state.put(model.evolve(options=options))
    _rename_to_fields(state, model.key, old, new)


def _rename_to_fields(state: StateEditor, target: ModelKey, old: str, new: str) -> None:
    """Relations into ``target`` that name field ``old`` (``to_field`` / ``to_fields``)."""
    for holder_key, holder in list(state.models.items()):
        changed = {}
        for name, spec in holder.fields.items():
            to = spec.kwarg("to")
            if not isinstance(to, str) or resolve_relation(to, *holder_key) != target:
                continue
            updates: dict[str, Value] = {}
            if spec.kwarg("to_field") == old:
                updates["to_field"] = new
            to_fields = spec.kwarg("to_fields")
            if isinstance(to_fields, TupleValue | ListValue) and old in to_fields.items:
                updates["to_fields"] = _renamed(to_fields, old, new)
            if updates:
                changed[name] = _spec_with(spec, **updates)
        if changed:
            state.put(holder.evolve(fields={**holder.fields, **changed}))


# -- indexes and constraints ------------------------------------------------------------------


def _list_option(state: StateEditor, model: ModelState, option: str, items: list[Value]) -> None:
    state.put(model.evolve(options={**model.options, option: ListValue(tuple(items))}))


def _adder(option: str, parameter: str) -> Forwards:
    """``AddIndex`` / ``AddConstraint``: append to the option's list."""

    def forwards(op: Bound, state: StateEditor) -> None:
        model = state.model(op.text("model_name"), op.name)
        added = state.value(op.get(parameter))
        _list_option(state, model, option, [*model.option_items(option), added])

    return forwards


def _remover(option: str) -> Forwards:
    """``RemoveIndex`` / ``RemoveConstraint``: drop every item with that name (none: fine)."""

    def forwards(op: Bound, state: StateEditor) -> None:
        model = state.model(op.text("model_name"), op.name)
        items = model.option_items(option)
        name = op.text("name")
        keep = [item for item in items if not _is_named(item, name)]
        _list_option(state, model, option, keep)

    return forwards


def _unnamed(index: Value) -> bool:
    """Whether an index certainly has no name (Django refuses those in the state)."""
    try:
        return _object_name(index) is None
    except Unknowable:
        return False


def _check_index_name(op: Bound, state: StateEditor) -> None:
    index = op.get("index")
    if _unnamed(index):
        state.reject(
            "Indexes passed to AddIndex operations require a name argument. "
            f"{_describe(index)} doesn't have one.",
            "give the index a name=",
        )


def _check_rename_index(op: Bound, state: StateEditor) -> None:
    old_name, old_fields = truth(op.get("old_name")), truth(op.get("old_fields"))
    if old_name is False and old_fields is False:
        state.reject(
            "RenameIndex requires one of old_name and old_fields arguments to be set.",
        )
    elif old_name and old_fields:
        state.reject("RenameIndex.old_name and old_fields are mutually exclusive.")


def _rename_index(op: Bound, state: StateEditor) -> None:
    model = state.model(op.text("model_name"), op.name)
    new_name = op.text("new_name")
    old_fields = op.get("old_fields")
    if truth(old_fields):
        fields = ListValue(_items(old_fields, "old_fields"))
        index = state.value(
            Call(
                "django.db.models.Index",
                (),
                (("fields", fields), ("name", new_name)),
                op.operation.span,
            )
        )
        _list_option(state, model, "indexes", [*model.option_items("indexes"), index])
        _remove_together(state, state.models[model.key], "index_together", old_fields)
        return
    old_name = op.text("old_name")
    items = model.option_items("indexes")
    renamed = [
        _with_kwarg(item, "name", new_name)
        if isinstance(item, Call) and _is_named(item, old_name)
        else item
        for item in items
    ]
    _list_option(state, model, "indexes", renamed)


def _remove_together(state: StateEditor, model: ModelState, option: str, value: Value) -> None:
    """``ProjectState.remove_model_options``: drop one group from a together option."""
    groups = model.options.get(option)
    if not truth(groups):
        return
    try:
        removed = _iterate(value)
        kept = [group for group in _iterate(groups) if _iterate(group) != removed]
        options = {
            **model.options,
            option: _unique(_iterate(_normalize_together(ListValue(tuple(kept))))),
        }
    except TypeError as error:
        raise StateError(f"{error}: Django raises TypeError while loading the migrations") from None
    state.put(model.evolve(options=options))


def _alter_constraint(op: Bound, state: StateEditor) -> None:
    model = state.model(op.text("model_name"), op.name)
    items = model.option_items("constraints")
    constraint = state.value(op.get("constraint"))
    name = op.text("name")
    replaced = [constraint if _is_named(item, name) else item for item in items]
    _list_option(state, model, "constraints", replaced)


_NOT_CHECK_CONSTRAINTS = frozenset(
    {
        "django.db.models.constraints.UniqueConstraint",
        "django.contrib.postgres.constraints.ExclusionConstraint",
    }
)


def _check_not_valid(op: Bound, state: StateEditor) -> None:
    constraint = op.get("constraint")
    if isinstance(constraint, Call) and reference_path(constraint.func) in _NOT_CHECK_CONSTRAINTS:
        state.reject(
            "AddConstraintNotValid.constraint must be a check constraint.",
            "use AddConstraint for this constraint",
        )


# -- special operations -----------------------------------------------------------------------


def _state_operations(op: Bound, state: StateEditor) -> None:
    """``RunSQL`` / ``SeparateDatabaseAndState``: apply ``state_operations`` in order."""
    value = op.get("state_operations")
    if truth(value) is False:
        return
    for item in _items(value, "state_operations"):
        if isinstance(item, Call):
            nested = OperationCall(item.func, item.args, item.kwargs, item.span)
            state.apply(nested, state.app_label)
        else:
            state.unknown("an entry of state_operations is not an operation call")


def _not_callable(value: Value) -> bool:
    return isinstance(value, (*_LITERALS, TupleValue, ListValue, SetValue, DictValue))


def _check_run_python(op: Bound, state: StateEditor) -> None:
    if _not_callable(op.get("code")):
        state.reject("RunPython must be supplied with a callable")
    reverse = op.get("reverse_code")
    if reverse is not None and _not_callable(reverse):
        state.reject("RunPython must be supplied with callable arguments")


# -- the table --------------------------------------------------------------------------------

_MODEL_NAME = ("model_name",)
_POSTGRES = "django.contrib.postgres.operations."
_DJANGO = "django.db.migrations."
_EXTENSION = OperationSpec(Signature(("hints",), 0))
_COLLATION = OperationSpec(
    Signature(("name", "locale"), 2, ("provider", "deterministic"), "CollationOperation")
)
_ADD_INDEX = OperationSpec(
    Signature((*_MODEL_NAME, "index"), 2, owner="AddIndex"),
    _adder("indexes", "index"),
    _check_index_name,
)
_REMOVE_INDEX = OperationSpec(
    Signature((*_MODEL_NAME, "name"), 2, owner="RemoveIndex"), _remover("indexes")
)
_ADD_CONSTRAINT = Signature((*_MODEL_NAME, "constraint"), 2)

#: Every operation Django ships, by the path the parser normalises it to.
OPERATIONS: dict[str, OperationSpec] = {
    _DJANGO + "CreateModel": OperationSpec(
        Signature(("name", "fields", "options", "bases", "managers"), 2), _create_model
    ),
    _DJANGO + "DeleteModel": OperationSpec(
        Signature(("name",), 1, owner="ModelOperation"), _delete_model
    ),
    _DJANGO + "RenameModel": OperationSpec(Signature(("old_name", "new_name"), 2), _rename_model),
    _DJANGO + "AlterModelTable": OperationSpec(
        Signature(("name", "table"), 2), _option_setter("db_table", "table")
    ),
    _DJANGO + "AlterModelTableComment": OperationSpec(
        Signature(("name", "table_comment"), 2),
        _option_setter("db_table_comment", "table_comment"),
    ),
    _DJANGO + "AlterUniqueTogether": OperationSpec(
        Signature(("name", "unique_together"), 2), _alter_together("unique_together")
    ),
    _DJANGO + "AlterIndexTogether": OperationSpec(
        Signature(("name", "index_together"), 2), _alter_together("index_together")
    ),
    _DJANGO + "AlterOrderWithRespectTo": OperationSpec(
        Signature(("name", "order_with_respect_to"), 2),
        _option_setter("order_with_respect_to", "order_with_respect_to"),
    ),
    _DJANGO + "AlterModelOptions": OperationSpec(
        Signature(("name", "options"), 2), _alter_model_options
    ),
    _DJANGO + "AlterModelManagers": OperationSpec(
        Signature(("name", "managers"), 2), _alter_model_managers
    ),
    _DJANGO + "AddField": OperationSpec(
        Signature((*_MODEL_NAME, "name", "field", "preserve_default"), 3), _set_field
    ),
    _DJANGO + "RemoveField": OperationSpec(
        Signature((*_MODEL_NAME, "name", "field"), 2, owner="FieldOperation"), _remove_field
    ),
    _DJANGO + "AlterField": OperationSpec(
        Signature((*_MODEL_NAME, "name", "field", "preserve_default"), 3), _set_field
    ),
    _DJANGO + "RenameField": OperationSpec(
        Signature((*_MODEL_NAME, "old_name", "new_name"), 3), _rename_field
    ),
    _DJANGO + "AddIndex": _ADD_INDEX,
    _DJANGO + "RemoveIndex": _REMOVE_INDEX,
    _DJANGO + "RenameIndex": OperationSpec(
        Signature((*_MODEL_NAME, "new_name", "old_name", "old_fields"), 2),
        _rename_index,
        _check_rename_index,
    ),
    _DJANGO + "AddConstraint": OperationSpec(_ADD_CONSTRAINT, _adder("constraints", "constraint")),
    _DJANGO + "RemoveConstraint": OperationSpec(
        Signature((*_MODEL_NAME, "name"), 2), _remover("constraints")
    ),
    _DJANGO + "AlterConstraint": OperationSpec(
        Signature((*_MODEL_NAME, "name", "constraint"), 3), _alter_constraint
    ),
    _DJANGO + "RunSQL": OperationSpec(
        Signature(("sql", "reverse_sql", "state_operations", "hints", "elidable"), 1),
        _state_operations,
    ),
    _DJANGO + "RunPython": OperationSpec(
        Signature(("code", "reverse_code", "atomic", "hints", "elidable"), 1),
        check=_check_run_python,
    ),
    _DJANGO + "SeparateDatabaseAndState": OperationSpec(
        Signature(("database_operations", "state_operations"), 0), _state_operations
    ),
    _POSTGRES + "CreateExtension": OperationSpec(Signature(("name", "hints"), 1)),
    **{
        _POSTGRES + name: _EXTENSION
        for name in (
            "BloomExtension BtreeGinExtension BtreeGistExtension CITextExtension "
            "CryptoExtension HStoreExtension TrigramExtension UnaccentExtension"
        ).split()
    },
    _POSTGRES + "AddIndexConcurrently": _ADD_INDEX,
    _POSTGRES + "RemoveIndexConcurrently": _REMOVE_INDEX,
    _POSTGRES + "CreateCollation": _COLLATION,
    _POSTGRES + "RemoveCollation": _COLLATION,
    _POSTGRES + "AddConstraintNotValid": OperationSpec(
        _ADD_CONSTRAINT, _adder("constraints", "constraint"), _check_not_valid
    ),
    _POSTGRES + "ValidateConstraint": OperationSpec(Signature((*_MODEL_NAME, "name"), 2)),
}
