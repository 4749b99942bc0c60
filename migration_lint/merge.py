"""Plan merge migrations the way ``makemigrations --merge --noinput`` does, and refuse unsafe ones.

Django's ``Command.handle_merge`` (spec ``django-internals.md`` §8.1) only writes an empty
migration depending on every leaf; it never checks that the branches are compatible, and
``--noinput`` says yes to everything. An empty merge papers over two branches that both
change the same column: the graph is linear again, but the database ends in whichever state
ran last. So besides reproducing Django's file name and text, this module compares the
branches and reports the operations that really conflict, so the command can refuse them.

The conflict detection reads the operations' literal arguments (model, field, index and
constraint names, relation targets); operations whose names are not literals are not
compared (they cannot be named statically, and guessing would produce false refusals).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from pathlib import Path

from migration_lint.describe import describe
from migration_lint.graph import Key
from migration_lint.loader import LoadedGraph
from migration_lint.model import (
    Call,
    DictValue,
    ListValue,
    MigrationFile,
    OperationCall,
    SetValue,
    TupleValue,
    Value,
)
from migration_lint.pipeline import display_path
from migration_lint.writer import MigrationText, render_migration

__all__ = [
    "BranchConflict",
    "MergeError",
    "MergePlan",
    "Touch",
    "branch_conflicts",
    "formatted_description",
    "merge_name",
    "parse_number",
    "plan_merge",
]

#: Past this many characters the joined leaf names give way to a timestamp (Django 3.2+).
_MAX_LEAF_NAMES = 47


class MergeError(Exception):
    """Django would stop with this message (``Could not find common ancestor of [...]``)."""


def parse_number(name: str) -> int | None:
    """``MigrationAutodetector.parse_number`` (4.1+): the last ``_squashed_N``, else the
    leading digits, else None; it decides the number a merge migration gets."""
    squashed = re.search(r".*_squashed_(\d+)", name)
    if squashed:
        return int(squashed[1])
    leading = re.match(r"^\d+", name)
    return int(leading[0]) if leading else None


def merge_name(leaves: Sequence[str], name: str | None = None, now: datetime | None = None) -> str:
    """Django's merge migration name: ``NNNN_`` then ``name``, ``merge_<sorted leaves>``, or
    ``merge_YYYYMMDD_HHMM`` (local time, as Django) when the leaves' names are too long."""
    numbers = [n for n in (parse_number(leaf) for leaf in leaves) if n is not None]
    parts = [f"{(max(numbers) if numbers else 1) + 1:04d}"]
    if name:
        parts.append(name)
    else:
        parts.append("merge")
        joined = "_".join(sorted(leaves))
        if len(joined) > _MAX_LEAF_NAMES:
            parts.append((now or datetime.now()).strftime("%Y%m%d_%H%M"))
        else:
            parts.append(joined)
    return "_".join(parts)


#: ``Operation.category`` symbols (5.1+, ``formatted_description()``); others print ``?``.
_CATEGORY = {
    **dict.fromkeys(
        "CreateModel AddField AddIndex AddConstraint AddIndexConcurrently CreateCollation "
        "AddConstraintNotValid CreateExtension BloomExtension BtreeGinExtension "
        "BtreeGistExtension CITextExtension CryptoExtension HStoreExtension TrigramExtension "
        "UnaccentExtension".split(),
        "+",
    ),
    **dict.fromkeys(
        "DeleteModel RemoveField RemoveIndex RemoveConstraint RemoveIndexConcurrently "
        "RemoveCollation".split(),
        "-",
    ),
    **dict.fromkeys(
        "RenameModel AlterModelTable AlterModelTableComment AlterUniqueTogether "
        "AlterIndexTogether AlterOrderWithRespectTo AlterModelOptions AlterModelManagers "
        "AlterField RenameField RenameIndex AlterConstraint ValidateConstraint".split(),
        "~",
    ),
    "RunSQL": "s",
    "RunPython": "p",
}
_DJANGO_PATHS = ("django.db.migrations.", "django.contrib.postgres.operations.")


def formatted_description(op: OperationCall) -> str:
    """``Operation.formatted_description()``: the category symbol, a space, ``describe()``."""
    symbol = _CATEGORY.get(op.name, "?") if op.path.startswith(_DJANGO_PATHS) else "?"
    return f"{symbol} {describe(op)}"


# -- what an operation touches --------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """One thing an operation changes or relies on, keyed so that both branches compare.

    ``kind`` is ``model`` / ``field`` / ``index`` / ``constraint`` for changes, ``uses`` when
    the operation only needs the model to exist under that name (a field on it, a relation
    to it), and ``rename`` for the old name of a renamed model or field.
    """

    kind: str
    target: tuple[str, ...]
    migration: MigrationFile
    operation: OperationCall

    @property
    def where(self) -> str:
        """``path:line`` of the operation, for the explanation."""
        return f"{display_path(self.migration.path)}:{self.operation.span.line}"


def _name(value: Value) -> str | None:
    """A literal name, lowercased as Django compares model and field names; else None."""
    return value.lower() if isinstance(value, str) else None


def _model_reference(value: Value, app: str) -> tuple[str, str] | None:
    """``"app.Model"`` / ``"Model"`` (a relation's ``to``) as ``(app, model)``, lowercased."""
    if not isinstance(value, str) or value == "self":
        return None
    label, _, model = value.rpartition(".")
    return ((label or app).lower(), model.lower())


def _relations(value: Value, app: str) -> Iterator[tuple[str, str]]:
    """Models a field definition (or fields list) points to through ``to=`` or its first
    positional argument, at any depth: those models must still exist under that name."""
    if isinstance(value, Call):
        if value.func.endswith(("ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject")):
            target = value.kwarg("to", value.args[0] if value.args else None)
            found = _model_reference(target, app)
            if found:
                yield found
        for item in (*value.args, *(v for _, v in value.kwargs)):
            yield from _relations(item, app)
    elif isinstance(value, (ListValue, TupleValue, SetValue)):
        for item in value.items:
            yield from _relations(item, app)
    elif isinstance(value, DictValue):
        for _, item in value.items:
            yield from _relations(item, app)


def _touches(op: OperationCall, migration: MigrationFile) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The ``(kind, target)`` pairs ``op`` changes or relies on (see :class:`Touch`)."""
    app = migration.app_label.lower()
    name = op.name
    if not op.path.startswith(_DJANGO_PATHS):
        return
    if name == "RenameModel":
        old, new = _name(op.argument(0, "old_name")), _name(op.argument(1, "new_name"))
        if old:
            yield "rename", (app, old)
        if new:
            yield "model", (app, new)
        return
    if (
        name in ("CreateModel", "DeleteModel")
        or name.startswith("AlterModel")
        or name
        in (
            "AlterUniqueTogether",
            "AlterIndexTogether",
            "AlterOrderWithRespectTo",
        )
    ):
        model = _name(op.argument(0, "name"))
        if model:
            yield "model", (app, model)
        for related in _relations(op.argument(1, "fields"), app):
            yield "uses", related
        return
    model = _name(op.argument(0, "model_name"))
    if model is None:
        return
    yield "uses", (app, model)
    if name in ("AddField", "RemoveField", "AlterField"):
        field = _name(op.argument(1, "name"))
        if field:
            yield "field", (app, model, field)
        for related in _relations(op.argument(2, "field"), app):
            yield "uses", related
    elif name == "RenameField":
        old, new = _name(op.argument(1, "old_name")), _name(op.argument(2, "new_name"))
        if old:
            yield "rename", (app, model, old)
        if new:
            yield "field", (app, model, new)
    elif name in ("AddIndex", "AddIndexConcurrently", "AddConstraint", "AddConstraintNotValid"):
        kind = "index" if "Index" in name else "constraint"
        definition = op.argument(1, kind)
        if isinstance(definition, Call):
            object_name = _name(definition.kwarg("name"))
            if object_name:
                yield kind, (app, object_name)
    elif name in ("RemoveIndex", "RemoveIndexConcurrently", "RemoveConstraint", "AlterConstraint"):
        object_name = _name(op.argument(1, "name"))
        if object_name:
            yield ("index" if "Index" in name else "constraint"), (app, object_name)
    elif name == "RenameIndex":
        new = _name(op.argument(1, "new_name"))
        old = _name(op.argument(2, "old_name"))
        if old:
            yield "index", (app, old)
        if new:
            yield "index", (app, new)


def _branch_touches(migrations: Iterable[MigrationFile]) -> list[Touch]:
    return [
        Touch(kind, target, migration, op)
        for migration in migrations
        for op in migration.operations
        for kind, target in _touches(op, migration)
    ]


@dataclass(frozen=True)
class BranchConflict:
    """Two operations on different branches that an empty merge cannot reconcile."""

    reason: str
    first: Touch
    second: Touch

    def explain(self) -> str:
        """The conflict and both operations, each with ``path:line`` and Django's words."""
        return "\n".join(
            [
                self.reason,
                *(
                    f"    {touch.where}: {describe(touch.operation)}"
                    for touch in (self.first, self.second)
                ),
            ]
        )


def _target_text(target: tuple[str, ...]) -> str:
    return ".".join(target)


def _conflict_reason(first: Touch, second: Touch) -> str | None:
    """Why ``first`` and ``second`` (from different branches) conflict, or None.

    Same field / model / index / constraint changed on both sides; a rename (or deletion) of
    a model on one side while the other side still uses it; a renamed field changed under
    its old name on the other side.
    """
    a, b = first, second
    if a.kind == b.kind and a.kind in ("model", "field", "index", "constraint"):
        if a.target == b.target:
            if a.operation.name == b.operation.name == "AddField":
                return f"both branches add the field {_target_text(a.target)}"
            return f"both branches change the {a.kind} {_target_text(a.target)}"
        return None
    for old, other in ((a, b), (b, a)):
        if old.kind == "rename" and (
            other.target == old.target or other.target[: len(old.target)] == old.target
        ):
            return (
                f"one branch renames {_target_text(old.target)}, the other still uses the old name"
            )
        if (
            old.kind == "model"
            and old.operation.name == "DeleteModel"
            and other.kind in ("uses", "field")
            and other.target[:2] == old.target
        ):
            return f"one branch deletes the model {_target_text(old.target)}, the other uses it"
    return None


def branch_conflicts(branches: Sequence[Sequence[MigrationFile]]) -> list[BranchConflict]:
    """Every pair of operations from two different branches that really conflict."""
    touches = [_branch_touches(branch) for branch in branches]
    found: list[BranchConflict] = []
    seen: set[tuple[int, int]] = set()
    for i, left in enumerate(touches):
        for right in touches[i + 1 :]:
            for a in left:
                for b in right:
                    reason = _conflict_reason(a, b)
                    pair = (id(a.operation), id(b.operation))
                    if reason and pair not in seen:
                        seen.add(pair)
                        found.append(BranchConflict(reason, a, b))
    return found


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergePlan:
    """The merge migration of one app: its branches, its name, where it goes, its text."""

    app: str
    leaves: tuple[str, ...]
    #: Per leaf (sorted), the migrations of its app after the common ancestors.
    branches: tuple[tuple[MigrationFile, ...], ...]
    name: str
    path: Path

    def listing(self) -> str:
        """Django's ``Merging app`` / ``  Branch leaf`` / ``    + op`` lines."""
        lines = [f"Merging {self.app}"]
        for leaf, branch in zip(self.leaves, self.branches, strict=True):
            lines.append(f"  Branch {leaf}")
            lines += [f"    {formatted_description(op)}" for m in branch for op in m.operations]
        return "\n".join(lines) + "\n"

    def conflicts(self) -> list[BranchConflict]:
        """The real conflicts between this plan's branches."""
        return branch_conflicts(self.branches)

    def render(self, include_header: bool = True) -> str:
        """The merge file's text, as Django's writer would write it (our header aside)."""
        deps = [(self.app, leaf) for leaf in self.leaves]
        return render_migration(MigrationText(dependencies=deps), include_header=include_header)


def plan_merge(
    loaded: LoadedGraph,
    app: str,
    leaves: Sequence[str],
    migrations: Mapping[Key, MigrationFile],
    name: str | None = None,
) -> MergePlan:
    """Django's ``handle_merge`` for one app, up to (not including) writing the file.

    Each leaf's ancestry is its forwards plan restricted to the app; the common part is the
    position-wise equal prefix of those lists (not a graph-theoretic common ancestor: Django
    compares DFS orders, and so must we to agree on the branches it prints).
    """
    ordered = sorted(leaves)
    ancestries = [
        [key for key in loaded.graph.forwards_plan((app, leaf)) if key[0] == app]
        for leaf in ordered
    ]
    common = sum(
        1 for _ in takewhile(lambda keys: len(set(keys)) == 1, zip(*ancestries, strict=False))
    )
    if not common:
        raise MergeError(f"Could not find common ancestor of {ordered!r}")
    branches = tuple(
        tuple(migrations[key] for key in ancestry[common:] if key in migrations)
        for ancestry in ancestries
    )
    migration_name = merge_name(ordered, name)
    directory = Path(migrations[(app, ordered[0])].path).parent
    return MergePlan(
        app, tuple(ordered), branches, migration_name, directory / f"{migration_name}.py"
    )
