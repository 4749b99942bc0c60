"""Plan merge migrations the way ``makemigrations --merge --noinput`` does, and refuse unsafe ones.

Django's ``Command.handle_merge`` (spec ``django-internals.md`` §8.1) only writes an empty
migration depending on every leaf; it never checks that the branches are compatible, and
``--noinput`` says yes to everything. An empty merge papers over two branches that both
change the same column: the graph is linear again, but the database ends in whichever state
ran last. So besides reproducing Django's file name and text, this module compares the
branches and reports the operations that really conflict, so the command can refuse them.

The conflict detection does not read the operations' arguments: it replays each branch from
the common ancestor (:mod:`migration_lint.state.replay`) and compares the model states
before and after every operation. So a model or field renamed earlier on a branch is still
recognised under its new name, names the replay evaluated count as well as literals, and
``state_operations`` count for what they do. Operations whose effect on the state is unknown
(custom ones, ``RunPython``, ``RunSQL`` without ``state_operations``, or one the replay could
not apply) are listed as not checked: guessing what they touch would produce false refusals.
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
from migration_lint.model import Call, MigrationFile, OperationCall, Value
from migration_lint.pipeline import display_path
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.project import ModelKey, ModelState, resolve_relation, truth
from migration_lint.state.replay import MigrationStep, replay_loaded
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

#: Operations that may change the schema in ways the state does not record: their SQL or
#: code is never compared, even when (``RunSQL``) their ``state_operations`` are.
_RUN_PYTHON, _RUN_SQL = "django.db.migrations.RunPython", "django.db.migrations.RunSQL"


@dataclass(frozen=True)
class Touch:
    """One thing an operation changes or relies on, keyed so that both branches compare.

    ``kind`` is ``model`` / ``field`` / ``index`` / ``constraint`` for changes (``action``
    says whether it was added, changed or removed), ``uses`` when the operation only needs
    the model to exist under that name (a field on it, a relation to it), and ``rename`` for
    the old name of a renamed model or field. Models and fields are named as they were at
    the common ancestor, whatever the branch renamed before: that is the name the other
    branch knows them by.
    """

    kind: str
    target: tuple[str, ...]
    migration: MigrationFile
    operation: OperationCall
    action: str = "change"

    @property
    def where(self) -> str:
        """``path:line`` of the operation, for the explanation."""
        return _where(self.migration, self.operation)


def _where(migration: MigrationFile, operation: OperationCall) -> str:
    """``path:line`` of an operation in a migration: where to look."""
    return f"{display_path(migration.path)}:{operation.span.line}"


def _named(items: Iterable[Value]) -> dict[str, Value]:
    """Indexes or constraints by lower-cased name; unnamed ones cannot clash by name."""
    found = {}
    for item in items:
        name = item.kwarg("name") if isinstance(item, Call) else None
        if isinstance(name, str) and name:
            found[name.lower()] = item
    return found


def _relations(model: ModelState, fields: Iterable[str]) -> Iterator[ModelKey]:
    """The models the given fields of ``model`` point to (``to`` / ``through``)."""
    for name in fields:
        spec = model.fields[name]
        for kwarg in ("to", "through"):
            target = spec.kwarg(kwarg)
            if isinstance(target, str):
                yield resolve_relation(target, *model.key)


def _diff(
    before: Mapping[str, object], after: Mapping[str, object]
) -> tuple[list[str], list[str], list[str]]:
    """Names (as in ``before`` / ``after``) added, removed and changed between two mappings."""
    added = [name for name in after if name not in before]
    removed = [name for name in before if name not in after]
    changed = [name for name in after if name in before and before[name] != after[name]]
    return added, removed, changed


def _model_identity(model: ModelState) -> tuple[object, ...]:
    """What, when it changes, is a change of the model itself: its name's case, bases,
    managers and options other than the named indexes and constraints (compared by name)."""
    options = {k: v for k, v in model.options.items() if k not in ("indexes", "constraints")}
    return (model.name, model.bases, model.managers, options)


class _BranchTouches:
    """What the operations of one branch touch, read from the replayed states.

    The names of renamed models and fields are mapped back to the common ancestor's, so an
    ``AlterField`` on ``Novel.name`` after ``Book`` became ``Novel`` and ``title`` became
    ``name`` touches ``book.title``: what the other branch calls it.
    """

    def __init__(self) -> None:
        self.touches: list[Touch] = []
        self.unchecked: list[tuple[MigrationFile, OperationCall]] = []
        self._model_origin: dict[ModelKey, ModelKey] = {}
        self._field_origin: dict[tuple[ModelKey, str], str] = {}

    def model(self, key: ModelKey) -> ModelKey:
        """The ancestor's key of the model now keyed ``key``."""
        return self._model_origin.get(key, key)

    def field(self, key: ModelKey, name: str) -> tuple[str, ...]:
        """The ancestor's ``(app, model, field)`` of field ``name`` of the model ``key``."""
        origin = self.model(key)
        return (*origin, self._field_origin.get((origin, name.lower()), name.lower()))

    def read(self, step: MigrationStep) -> None:
        """Add the touches of every operation of one migration, in order."""
        for operation in step.operations:
            call = operation.operation
            if (
                operation.notes
                or call.path == _RUN_PYTHON
                or (
                    call.path == _RUN_SQL
                    and truth(call.argument(2, "state_operations")) is not True
                )
            ):
                self.unchecked.append((step.migration, call))
            keys = list(dict.fromkeys(key for key, _ in operation.events))
            changes = {
                key: (
                    step.model_before(operation.index, key),
                    step.model_after(operation.index, key),
                )
                for key in keys
            }
            self._operation(step.migration, call, changes)

    def _add(
        self,
        migration: MigrationFile,
        call: OperationCall,
        kind: str,
        target: tuple[str, ...],
        action: str = "change",
    ) -> None:
        self.touches.append(Touch(kind, target, migration, call, action))

    def _operation(
        self,
        migration: MigrationFile,
        call: OperationCall,
        changes: Mapping[ModelKey, tuple[ModelState | None, ModelState | None]],
    ) -> None:
        """One operation's touches from the models it changed (``before``, ``after``).

        A rename (one model gone and one new, or one field gone and one new on a model) is
        recorded as such; whatever else it changed (relations that pointed to the old name)
        follows from it, so those models are only used, not changed.
        """
        created = [key for key, (before, after) in changes.items() if before is None and after]
        removed = [key for key, (before, after) in changes.items() if before and after is None]
        renamed = len(created) == len(removed) == 1
        if renamed:
            origin = self.model(removed[0])
            self._add(migration, call, "rename", origin)
            self._add(migration, call, "model", created[0], "add")
            self._model_origin.pop(removed[0], None)
            self._model_origin[created[0]] = origin
        for key, (before, after) in changes.items():
            if renamed and key in (created[0], removed[0]):
                continue
            if before is None and after is not None:
                self._model_origin.pop(key, None)
                self._add(migration, call, "model", key, "add")
                self._uses(migration, call, after, after.fields)
                self._objects(migration, call, None, after)
            elif before is not None and after is None:
                self._add(migration, call, "model", self.model(key), "remove")
            elif before is not None and after is not None:
                self._add(migration, call, "uses", self.model(key))
                if not renamed:
                    self._changed(migration, call, before, after)

    def _uses(
        self,
        migration: MigrationFile,
        call: OperationCall,
        model: ModelState,
        fields: Iterable[str],
    ) -> None:
        """The models the given fields point to must keep their names."""
        for target in _relations(model, fields):
            self._add(migration, call, "uses", self.model(target))

    def _changed(
        self, migration: MigrationFile, call: OperationCall, before: ModelState, after: ModelState
    ) -> None:
        """The fields, indexes, constraints and options an operation changed on one model."""
        key = after.key
        added, removed, changed = _diff(before.fields, after.fields)
        if len(added) == len(removed) == 1:
            old = self.field(key, removed[0])
            self._add(migration, call, "rename", old)
            self._add(migration, call, "field", (*self.model(key), added[0].lower()), "add")
            self._field_origin[(self.model(key), added[0].lower())] = old[2]
            return
        for names, action in ((added, "add"), (removed, "remove"), (changed, "change")):
            for name in names:
                if action == "add":
                    self._field_origin.pop((self.model(key), name.lower()), None)
                self._add(migration, call, "field", self.field(key, name), action)
        self._uses(migration, call, after, [*added, *changed])
        self._objects(migration, call, before, after)
        if _model_identity(before) != _model_identity(after):
            self._add(migration, call, "model", self.model(key))

    def _objects(
        self,
        migration: MigrationFile,
        call: OperationCall,
        before: ModelState | None,
        after: ModelState,
    ) -> None:
        """Indexes and constraints added, removed or changed, by name (app-wide: the
        database namespace of those names is wider than one model)."""
        for kind, option in (("index", "indexes"), ("constraint", "constraints")):
            old = _named(before.option_items(option)) if before else {}
            objects = _diff(old, _named(after.option_items(option)))
            for names, action in zip(objects, ("add", "remove", "change"), strict=True):
                for name in names:
                    self._add(migration, call, kind, (after.app_label, name), action)


def _branch_touches(steps: Iterable[MigrationStep]) -> _BranchTouches:
    """Replay-derived touches of one branch's migrations, in plan order."""
    branch = _BranchTouches()
    for step in steps:
        branch.read(step)
    return branch


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
            if a.kind == "field" and a.action == b.action == "add":
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
            and old.action == "remove"
            and other.kind in ("uses", "field")
            and other.target[:2] == old.target
        ):
            return f"one branch deletes the model {_target_text(old.target)}, the other uses it"
    return None


def branch_conflicts(branches: Sequence[Sequence[MigrationStep]]) -> list[BranchConflict]:
    """Every pair of operations from two different branches that really conflict.

    ``branches``: per branch, the replayed steps of its migrations after the common ancestor.
    """
    touches = [_branch_touches(branch).touches for branch in branches]
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
    #: Per branch, the replayed steps of those migrations (from the leaf's own plan).
    steps: tuple[tuple[MigrationStep, ...], ...]

    def listing(self) -> str:
        """Django's ``Merging app`` / ``  Branch leaf`` / ``    + op`` lines."""
        lines = [f"Merging {self.app}"]
        for leaf, branch in zip(self.leaves, self.branches, strict=True):
            lines.append(f"  Branch {leaf}")
            lines += [f"    {formatted_description(op)}" for m in branch for op in m.operations]
        return "\n".join(lines) + "\n"

    def conflicts(self) -> list[BranchConflict]:
        """The real conflicts between this plan's branches."""
        return branch_conflicts(self.steps)

    def unchecked(self) -> list[str]:
        """One line per branch whose operations could not all be compared, naming them.

        Their effect on the schema is unknown to the replay, so :meth:`conflicts` cannot
        vouch for them: the user has to look at them before trusting an empty merge.
        """
        lines = []
        for leaf, steps in zip(self.leaves, self.steps, strict=True):
            skipped = _branch_touches(steps).unchecked
            if skipped:
                lines.append(
                    "\n".join(
                        [
                            f"branch {leaf}: not checked for conflicts, their effect on the "
                            "models is unknown:",
                            *(f"    {_where(m, op)}: {describe(op)}" for m, op in skipped),
                        ]
                    )
                )
        return lines

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
    settings: SettingsFacts | None = None,
) -> MergePlan:
    """Django's ``handle_merge`` for one app, up to (not including) writing the file.

    Each leaf's ancestry is its forwards plan restricted to the app; the common part is the
    position-wise equal prefix of those lists (not a graph-theoretic common ancestor: Django
    compares DFS orders, and so must we to agree on the branches it prints).

    Each branch is also replayed along its leaf's own plan (``settings`` default to the
    loader's), so that its operations are compared on the state the common ancestor left.
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
    branch_keys = [
        [key for key in ancestry[common:] if key in migrations] for ancestry in ancestries
    ]
    branches = tuple(tuple(migrations[key] for key in keys) for keys in branch_keys)
    if settings is None:
        settings = loaded.options.settings if loaded.options else SettingsFacts()
    steps = []
    for leaf, keys in zip(ordered, branch_keys, strict=True):
        replayed = replay_loaded(loaded, settings, [(app, leaf)]).steps
        steps.append(tuple(replayed[key] for key in keys if key in replayed))
    migration_name = merge_name(ordered, name)
    directory = Path(migrations[(app, ordered[0])].path).parent
    return MergePlan(
        app,
        tuple(ordered),
        branches,
        migration_name,
        directory / f"{migration_name}.py",
        tuple(steps),
    )
