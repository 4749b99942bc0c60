"""What unapplying an operation does to the database, as the operation that does it forwards.

Django unapplies an operation with ``database_backwards(from_state=after, to_state=before)``.
For most of its own operations that is exactly the ``database_forwards`` of another operation
run on the state *after* it: undoing ``AddField`` is ``RemoveField``, undoing ``RemoveField``
is ``AddField`` of the field as the state before had it, a rename is the rename back. So
:func:`rollback_site` builds that operation as an :class:`OperationCall` and a
:class:`~migration_lint.safety.scope.Site` whose "before" is the state after the original
operation: the effect providers then judge a rollback with the same knowledge as a forwards
step, and nothing about locks is written twice.
"""

from __future__ import annotations

from collections.abc import Callable

from migration_lint.model import Call, DictValue, ListValue, OperationCall, TupleValue, Value
from migration_lint.safety.scope import Site
from migration_lint.state.fields import FieldSpec
from migration_lint.state.project import ModelState
from migration_lint.state.replay import MigrationStep, OperationStep

__all__ = ["STATE_ONLY", "inverse_operations", "rollback_site"]

_DJANGO = "django.db.migrations."
_POSTGRES = "django.contrib.postgres.operations."

#: Operations that change one ``Meta`` option and whose ``database_backwards`` is their
#: ``database_forwards`` towards the previous value: ``(argument, option)``.
_OPTION_OPERATIONS = {
    _DJANGO + "AlterModelTable": ("table", "db_table"),
    _DJANGO + "AlterModelTableComment": ("table_comment", "db_table_comment"),
    _DJANGO + "AlterUniqueTogether": ("unique_together", "unique_together"),
    _DJANGO + "AlterIndexTogether": ("index_together", "index_together"),
    _DJANGO + "AlterOrderWithRespectTo": ("order_with_respect_to", "order_with_respect_to"),
}
#: Operations whose ``database_backwards`` does nothing at all.
_NOTHING_BACKWARDS = frozenset({_POSTGRES + "ValidateConstraint"})
#: Operations that only touch Django's state, either way: their inverse is themselves.
STATE_ONLY = frozenset(
    {_DJANGO + "AlterModelOptions", _DJANGO + "AlterModelManagers", _DJANGO + "AlterConstraint"}
)

#: What an operation's rollback runs: ``()`` nothing, else the equivalent forwards operations;
#: ``None`` when it cannot be told statically.
Rollback = tuple[OperationCall, ...] | None
_Inverse = Callable[[Site], Rollback]


def _call(site: Site, path: str, **kwargs: Value) -> tuple[OperationCall]:
    return (OperationCall(path, (), tuple(kwargs.items()), site.operation.span),)


def _text(site: Site, position: int, name: str) -> str | None:
    value = site.operation.argument(position, name)
    return value if isinstance(value, str) else None


def _field_call(spec: FieldSpec, site: Site) -> Call:
    """The field as a constructor call: what ``deconstruct()`` gives can be called again."""
    return Call(spec.path, spec.args, spec.kwargs, site.operation.span)


def _state_field(site: Site, model: str | None, field: str | None) -> Call | None:
    """The field as the state had it just before the operation."""
    state = site.model(model) if model is not None else None
    spec = state.fields.get(field) if state is not None and field is not None else None
    return None if spec is None else _field_call(spec, site)


def _named_item(site: Site, model: str | None, option: str, name: str | None) -> Value:
    """The index or constraint called ``name`` in the model's state before the operation."""
    state = site.model(model) if model is not None else None
    if state is None or name is None:
        return None
    for item in state.option_items(option):
        if isinstance(item, Call) and item.kwarg("name") == name:
            return item
    return None


def _item_name(site: Site, position: int, name: str) -> str | None:
    """The ``name`` of the index or constraint an operation adds."""
    item = site.operation.argument(position, name)
    value = item.kwarg("name") if isinstance(item, Call) else None
    return value if isinstance(value, str) else None


def _model_call(state: ModelState, site: Site) -> tuple[OperationCall]:
    """``CreateModel`` of the model exactly as the state has it."""
    fields = tuple(
        TupleValue((name, _field_call(spec, site))) for name, spec in state.fields.items()
    )
    return _call(
        site,
        _DJANGO + "CreateModel",
        name=state.name,
        fields=ListValue(fields),
        options=DictValue(tuple(state.options.items())),
        bases=TupleValue(state.bases),
    )


def _add_field(site: Site) -> Rollback:
    model, name = _text(site, 0, "model_name"), _text(site, 1, "name")
    return _call(site, _DJANGO + "RemoveField", model_name=model, name=name)


def _remove_field(site: Site) -> Rollback:
    return _with_state_field(site, "AddField")


def _alter_field(site: Site) -> Rollback:
    return _with_state_field(site, "AlterField")


def _with_state_field(site: Site, operation: str) -> Rollback:
    """``operation`` on the field as the state had it before ``site``: what puts it back."""
    model, name = _text(site, 0, "model_name"), _text(site, 1, "name")
    field = _state_field(site, model, name)
    if field is None:
        return None
    return _call(site, _DJANGO + operation, model_name=model, name=name, field=field)


def _create_model(site: Site) -> Rollback:
    return _call(site, _DJANGO + "DeleteModel", name=_text(site, 0, "name"))


def _delete_model(site: Site) -> Rollback:
    name = _text(site, 0, "name")
    state = site.model(name) if name is not None else None
    return None if state is None else _model_call(state, site)


def _rename(old: tuple[int, str], new: tuple[int, str], *keep: tuple[int, str]) -> _Inverse:
    """A rename undone by the same operation with the two names swapped."""

    def inverse(site: Site) -> Rollback:
        kept = {name: site.operation.argument(position, name) for position, name in keep}
        swapped = {old[1]: _text(site, *new), new[1]: _text(site, *old)}
        return _call(site, site.operation.path, **kept, **swapped)

    return inverse


def _rename_index(site: Site) -> Rollback:
    if site.operation.argument(3, "old_fields") is not None:
        return ()  # "Backward operation with unnamed index is a no-op."
    return _rename((2, "old_name"), (1, "new_name"), (0, "model_name"))(site)


def _remove_added(path: str, argument: str) -> _Inverse:
    """Undoing an ``Add*`` of an index or constraint: remove it by name."""

    def inverse(site: Site) -> Rollback:
        name = _item_name(site, 1, argument)
        if name is None:
            return None
        return _call(site, path, model_name=_text(site, 0, "model_name"), name=name)

    return inverse


def _add_removed(path: str, argument: str, option: str) -> _Inverse:
    """Undoing a ``Remove*`` of an index or constraint: add it back as the state had it."""

    def inverse(site: Site) -> Rollback:
        model = _text(site, 0, "model_name")
        item = _named_item(site, model, option, _text(site, 1, "name"))
        if item is None:
            return None
        return _call(site, path, **{"model_name": model, argument: item})

    return inverse


def _alter_option(site: Site) -> Rollback:
    argument, option = _OPTION_OPERATIONS[site.operation.path]
    name = _text(site, 0, "name")
    state = site.model(name) if name is not None else None
    if state is None:
        return None
    return _call(site, site.operation.path, **{"name": name, argument: state.options.get(option)})


def _run_sql(site: Site) -> Rollback:
    reverse = site.operation.argument(1, "reverse_sql")
    return None if reverse is None else _call(site, _DJANGO + "RunSQL", sql=reverse)


def _run_python(site: Site) -> Rollback:
    operation = site.operation
    reverse = operation.argument(1, "reverse_code")
    if reverse is None:
        return None
    return _call(site, _DJANGO + "RunPython", code=reverse, atomic=operation.argument(2, "atomic"))


_INVERSES: dict[str, _Inverse] = {
    _DJANGO + "AddField": _add_field,
    _DJANGO + "RemoveField": _remove_field,
    _DJANGO + "AlterField": _alter_field,
    _DJANGO + "CreateModel": _create_model,
    _DJANGO + "DeleteModel": _delete_model,
    _DJANGO + "RenameField": _rename((1, "old_name"), (2, "new_name"), (0, "model_name")),
    _DJANGO + "RenameModel": _rename((0, "old_name"), (1, "new_name")),
    _DJANGO + "RenameIndex": _rename_index,
    _DJANGO + "AddIndex": _remove_added(_DJANGO + "RemoveIndex", "index"),
    _DJANGO + "RemoveIndex": _add_removed(_DJANGO + "AddIndex", "index", "indexes"),
    _POSTGRES + "AddIndexConcurrently": _remove_added(
        _POSTGRES + "RemoveIndexConcurrently", "index"
    ),
    _POSTGRES + "RemoveIndexConcurrently": _add_removed(
        _POSTGRES + "AddIndexConcurrently", "index", "indexes"
    ),
    _DJANGO + "AddConstraint": _remove_added(_DJANGO + "RemoveConstraint", "constraint"),
    _POSTGRES + "AddConstraintNotValid": _remove_added(_DJANGO + "RemoveConstraint", "constraint"),
    _DJANGO + "RemoveConstraint": _add_removed(
        _DJANGO + "AddConstraint", "constraint", "constraints"
    ),
    _DJANGO + "RunSQL": _run_sql,
    _DJANGO + "RunPython": _run_python,
    **dict.fromkeys(_OPTION_OPERATIONS, _alter_option),
}


def inverse_operations(site: Site) -> Rollback:
    """The operations whose ``database_forwards``, run on the state after ``site``'s
    operation, do what its ``database_backwards`` does: ``()`` when that is nothing,
    ``None`` when it cannot be known (a third-party operation, an irreversible ``RunSQL``
    or ``RunPython``, a field or index the state does not have)."""
    path = site.operation.path
    if path in _NOTHING_BACKWARDS:
        return ()
    if path in STATE_ONLY:
        return (site.operation,)
    inverse = _INVERSES.get(path) if site.operation.raw is None else None
    return None if inverse is None else inverse(site)


def rollback_site(site: Site, inverse: OperationCall) -> Site:
    """A site for ``inverse`` running on the state after ``site``'s operation and leading
    back to the state before it (``site.model()`` is then the model after the original
    operation, ``site.model_after()`` the model before it)."""
    step, index = site.step, site.index
    keys = dict.fromkeys(key for key, _ in step.operations[index].events)
    events = tuple((key, step.model_before(index, key)) for key in keys)
    back = MigrationStep(
        step.migration,
        step.state_after(index),
        step.state_before(index),
        (OperationStep(0, inverse, events, ()),),
    )
    return Site(site.migration, back, 0, inverse, frozenset(), site.nested)
