"""The state written out: the "State JSON" contract of ``migration-lint state``, and a text form.

JSON (``{"models": {...}}``, model keys ``"<app_label>.<model_name_lower>"`` sorted)::

    {"name": "Book",
     "fields": [["title", {"path": "django.db.models.CharField", "args": [],
                           "kwargs": {"max_length": 100}}], ...],
     "options": {"indexes": [...], "constraints": [...], ...},
     "bases": [{"ref": "django.db.models.base.Model"}],
     "managers": [["objects", {"call": "django.db.models.manager.Manager", ...}]]}

A field is what ``Field.deconstruct()`` returns (path, args, kwargs); fields keep Django's
order, options keep their insertion order. Values are JSON where JSON can say it:

* ``None``, booleans, numbers and strings as themselves;
* tuples, lists and sets as lists (JSON has one sequence type); a set's items are sorted by
  their JSON text, since a set has no order;
* a dict with string keys as an object, any other dict as ``{"dict": [[key, value], ...]}``;
* ``bytes`` and ``complex`` as ``{"literal": "<repr>"}``;
* a reference to a function, class or constant as ``{"ref": "dotted.path"}``, an object
  built by a call (an index, a ``Q``, a validator ...) as ``{"call": "dotted.path", "args":
  [...], "kwargs": {...}}``: paths and arguments as its ``deconstruct()`` reports them;
* ``{"setting": "NAME"}`` for a setting whose value is not known, ``{"opaque": "source"}`` for
  an expression that cannot be evaluated statically (a function defined in the migration
  file: its name); a field whose name cannot be evaluated has ``{"opaque": "source"}`` as its
  name, and a field that is not a call at all is ``{"opaque": "why"}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeAlias

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
    call_text,
    source_text,
)
from migration_lint.state.fields import FieldSpec
from migration_lint.state.project import ModelKey, ModelState, OpaqueName, ProjectState

__all__ = [
    "encode_field",
    "encode_model",
    "encode_state",
    "encode_value",
    "select_models",
    "state_text",
]

JSON: TypeAlias = Any


def encode_value(value: Value) -> JSON:
    """One parsed value as State JSON (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, TupleValue | ListValue):
        return [encode_value(item) for item in value.items]
    if isinstance(value, SetValue):
        encoded = [encode_value(item) for item in value.items]
        return sorted(encoded, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, DictValue):
        if all(isinstance(key, str) for key, _ in value.items):
            return {key: encode_value(item) for key, item in value.items}
        return {"dict": [[encode_value(key), encode_value(item)] for key, item in value.items]}
    if isinstance(value, Ref):
        return {"ref": value.path}
    if isinstance(value, Call):
        return {
            "call": value.func,
            "args": [encode_value(arg) for arg in value.args],
            "kwargs": {key: encode_value(item) for key, item in value.kwargs},
        }
    if isinstance(value, Setting):
        return {"setting": value.name}
    if isinstance(value, Opaque):
        return {"opaque": value.source}
    if isinstance(value, Local):
        return {"opaque": value.name}
    return {"literal": repr(value)}  # bytes, complex


def encode_field(spec: FieldSpec) -> JSON:
    """A field as ``deconstruct()`` reports it: path, args, kwargs."""
    if not spec.path:
        return {"opaque": spec.problem or "not a field"}
    return {
        "path": spec.path,
        "args": [encode_value(arg) for arg in spec.args],
        "kwargs": {key: encode_value(item) for key, item in spec.kwargs},
    }


def _name(name: str) -> JSON:
    """A field name; one that could not be evaluated is ``{"opaque": "source"}``."""
    return {"opaque": name.source} if isinstance(name, OpaqueName) else name


def encode_model(model: ModelState) -> JSON:
    return {
        "name": model.name,
        "fields": [[_name(name), encode_field(spec)] for name, spec in model.fields.items()],
        "options": {key: encode_value(item) for key, item in model.options.items()},
        "bases": [encode_value(base) for base in model.bases],
        "managers": [[name, encode_value(manager)] for name, manager in model.managers],
    }


def select_models(
    state: ProjectState, *, app: str | None = None, model: str | None = None
) -> list[tuple[ModelKey, ModelState]]:
    """The models of ``state`` sorted by key, optionally of one app and/or one model.

    ``model`` is a model name (any case) or ``app_label.ModelName``.
    """
    wanted_app, wanted_model = app, model
    if model is not None and "." in model:
        wanted_app, _, wanted_model = model.partition(".")
    return [
        (key, found)
        for key, found in sorted(state.items())
        if (wanted_app is None or key[0] == wanted_app)
        and (wanted_model is None or key[1] == wanted_model.lower())
    ]


def encode_state(models: Iterable[tuple[ModelKey, ModelState]]) -> JSON:
    """``{"models": {"app.model": {...}}}`` for the given models (in the order given)."""
    return {"models": {f"{key[0]}.{key[1]}": encode_model(found) for key, found in models}}


def state_text(models: Iterable[tuple[ModelKey, ModelState]]) -> str:
    """A readable listing: each model with its fields, options, bases and managers."""
    blocks = []
    for (app_label, model_name), model in models:
        lines = [f"{app_label}.{model_name} ({model.name})"]
        width = max((len(name) for name in model.fields), default=0)
        for name, spec in model.fields.items():
            shown = call_text(spec.path, spec.args, spec.kwargs) if spec.path else "?"
            note = "" if spec.known else f"  # {spec.problem or 'not a Django field'}"
            lines.append(f"    {name:<{width}}  {shown}{note}")
        for key, item in model.options.items():
            if item != ListValue(()):
                lines.append(f"  {key} = {source_text(item)}")
        lines.append(f"  bases = {source_text(TupleValue(model.bases))}")
        for name, manager in model.managers:
            lines.append(f"  manager {name} = {source_text(manager)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
