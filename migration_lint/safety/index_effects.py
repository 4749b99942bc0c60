"""The effects shared by the index and constraint providers: how an index build, a unique
constraint or a drop is described, and what its finding says.

:mod:`migration_lint.safety.indexes` (operations on indexes and constraints) and
:mod:`migration_lint.safety.field_indexes` (the indexes and constraints of a field) build
the same effects; keeping their wording here keeps the findings of both alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from migration_lint.model import Value
from migration_lint.safety.effects import Effect, Lock, Target, table_name
from migration_lint.safety.scope import Site
from migration_lint.safety.tables import has_table
from migration_lint.state.project import ModelState

__all__ = [
    "Handler",
    "add_unique",
    "blocked",
    "build_index",
    "dropped",
    "model_of",
    "on_table",
    "quoted",
]

#: A provider of one operation class's effects.
Handler = Callable[[Site, Target], Iterator[Effect]]


def model_of(site: Site) -> ModelState | None:
    """The model the operation names first (``model_name`` or ``name``), before it runs;
    ``None`` also when it has no table of its own (unmanaged, proxy): Django runs no SQL."""
    name = site.operation.argument(0, "model_name")
    if not isinstance(name, str):
        name = site.operation.kwarg("name")
    model = site.model(name) if isinstance(name, str) else None
    return model if model is not None and has_table(model) else None


def on_table(
    model: ModelState,
    lock: Lock,
    what: str,
    *,
    scans: bool = False,
    code: str | None = None,
    message: str = "",
    hint: str = "",
) -> Effect:
    """An effect on ``model``'s table."""
    return Effect(
        table_name(model),
        model.key,
        lock,
        what,
        scans=scans,
        code=code,
        message=message,
        hint=hint,
    )


def quoted(name: Value) -> str:
    """A name for a message (an index or constraint name, most often a literal)."""
    return f'"{name}"' if isinstance(name, str) else "(name unknown)"


_UNIQUE_HINT = (
    "create the unique index CONCURRENTLY (atomic = False), then ADD CONSTRAINT ... UNIQUE "
    "USING INDEX, with the state change in SeparateDatabaseAndState"
)


def build_index(site: Site, model: ModelState, what: str, hint: str, *, twin: str = "") -> Effect:
    """A ``CREATE INDEX`` without CONCURRENTLY on the table: ML120 (``twin`` mentions the
    ``_like`` index built with it)."""
    return on_table(
        model,
        "SHARE",
        what,
        scans=True,
        code="ML120",
        message=(
            f"{site.operation.name} {what}{twin} without CONCURRENTLY: its SHARE lock blocks every "
            f'write to "{table_name(model)}" until the whole index is built'
        ),
        hint=hint,
    )


def blocked(lock: Lock) -> str:
    """What waits while ``lock`` is held on a table."""
    return "reads and writes" if lock == "ACCESS EXCLUSIVE" else "writes"


_DUPLICATES = "; and it fails if existing rows have duplicate values"


def add_unique(
    site: Site,
    model: ModelState,
    lock: Lock,
    what: str,
    failure: str = _DUPLICATES,
    *,
    twin: str = "",
) -> Effect:
    """A unique index or constraint built on the table (ML122); ``failure`` says when the
    build fails, ``twin`` mentions the ``_like`` index built with it."""
    return on_table(
        model,
        lock,
        what,
        scans=True,
        code="ML122",
        message=(
            f"{site.operation.name} {what}{twin}, which builds a unique index under {lock}: "
            f'{blocked(lock)} of "{table_name(model)}" wait for the whole build{failure}'
        ),
        hint=_UNIQUE_HINT,
    )


def dropped(model: ModelState, what: str) -> Effect:
    """``DROP INDEX`` / ``DROP CONSTRAINT``: ACCESS EXCLUSIVE, held only briefly."""
    return on_table(model, "ACCESS EXCLUSIVE", f"drops {what} (brief)")
