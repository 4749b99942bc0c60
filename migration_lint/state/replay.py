"""Replay a migration plan into project states, the way Django's loader builds its state.

``MigrationLoader.project_state()`` is ``graph.make_state()``: the forwards plans of all leaf
nodes, concatenated with duplicates dropped, and every operation's ``state_forwards`` applied
in that order to one ``ProjectState``. :func:`replay` does the same on the static state, and
keeps the state before and after every migration and every operation:

* an operation only ever builds new :class:`~migration_lint.state.project.ModelState`
  objects for the models it touches, and logs those changes as *events*;
* after each migration that changed anything, the working dict is copied once (a shallow copy:
  the models themselves are shared) into an immutable
  :class:`~migration_lint.state.project.ProjectState`;
* the state between two operations of a migration is rebuilt on demand from the migration's
  starting state and the events of the operations before it.

So a history of *n* migrations over *m* models costs *n* shallow dict copies, never a deep
copy, and every state stays available for the checks.

Errors Django would raise while loading are not raised here: they become
:class:`~migration_lint.state.operations.StateNote` objects on the operation (reported by rule
ML010), and the replay goes on with the next operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from migration_lint.graph import Key
from migration_lint.loader import LoadedGraph
from migration_lint.model import MigrationFile, OperationCall
from migration_lint.pipeline import per_analysis
from migration_lint.settings_facts import SettingsFacts
from migration_lint.state.operations import StateEditor, StateNote
from migration_lint.state.project import ModelKey, ModelState, ProjectState

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

__all__ = [
    "MigrationStep",
    "OperationStep",
    "Replay",
    "full_plan",
    "replay",
    "replay_analysis",
    "replay_loaded",
]

#: One change of the state: a model stored under a key, or the key deleted (``None``).
Event = tuple[ModelKey, ModelState | None]


def _play(models: dict[ModelKey, ModelState], events: Iterable[Event]) -> None:
    """Apply logged changes to a dict, reproducing Django's dict order exactly."""
    for key, model in events:
        if model is None:
            del models[key]
        else:
            models[key] = model


@dataclass(frozen=True, slots=True)
class OperationStep:
    """One operation of a migration and what it did: ``events`` and ``notes``."""

    index: int
    operation: OperationCall
    events: tuple[Event, ...]
    notes: tuple[StateNote, ...]


@dataclass(frozen=True, slots=True)
class MigrationStep:
    """One migration of the plan with the states around it and its operations."""

    migration: MigrationFile
    before: ProjectState
    after: ProjectState
    operations: tuple[OperationStep, ...]

    def state_before(self, index: int) -> ProjectState:
        """The whole state just before operation ``index`` (built on demand)."""
        if index <= 0:
            return self.before
        if index >= len(self.operations):
            return self.after
        models = self.before.copy_models()
        for step in self.operations[:index]:
            _play(models, step.events)
        return ProjectState.adopt(models)

    def state_after(self, index: int) -> ProjectState:
        """The whole state just after operation ``index``."""
        return self.state_before(index + 1)

    def model_before(self, index: int, key: ModelKey) -> ModelState | None:
        """One model just before operation ``index``: cheaper than the whole state."""
        for step in reversed(self.operations[: max(index, 0)]):
            for event_key, model in reversed(step.events):
                if event_key == key:
                    return model
        return self.before.get(key)

    def model_after(self, index: int, key: ModelKey) -> ModelState | None:
        """One model just after operation ``index``."""
        return self.model_before(index + 1, key)


@dataclass
class Replay:
    """The states along a plan: ``steps`` by migration key in plan order, ``state`` at the end."""

    plan: tuple[Key, ...]
    steps: dict[Key, MigrationStep]
    state: ProjectState

    def notes(self) -> Iterator[tuple[MigrationFile, OperationStep, StateNote]]:
        """Every note of every operation, in plan order."""
        for step in self.steps.values():
            for operation in step.operations:
                for note in operation.notes:
                    yield step.migration, operation, note


def replay(
    plan: Iterable[Key],
    migrations: Mapping[Key, MigrationFile],
    settings: SettingsFacts,
    uncertain_apps: Iterable[str] = (),
) -> Replay:
    """Apply the operations of every migration of ``plan``, in order, to an empty state.

    In ``uncertain_apps`` (and in apps with a migration we could not fully read) a missing
    model or field is not an error: the order of the plan, or an operation we could not
    read, may be what is wrong.
    """
    keys = tuple(plan)
    uncertain = set(uncertain_apps)
    uncertain.update(
        migrations[key].app_label
        for key in keys
        if migrations[key].problems or not migrations[key].complete
    )
    models: dict[ModelKey, ModelState] = {}
    state = ProjectState()
    steps: dict[Key, MigrationStep] = {}
    for key in keys:
        migration = migrations[key]
        editor = StateEditor(models, settings, uncertain)
        operations = []
        for index, operation in enumerate(migration.operations):
            events, notes = len(editor.events), len(editor.notes)
            editor.apply(operation, migration.app_label)
            operations.append(
                OperationStep(
                    index, operation, tuple(editor.events[events:]), tuple(editor.notes[notes:])
                )
            )
        after = ProjectState.adopt(dict(models)) if editor.events else state
        steps[key] = MigrationStep(migration, state, after, tuple(operations))
        state = after
    return Replay(keys, steps, state)


def full_plan(loaded: LoadedGraph, nodes: Sequence[Key] | None = None) -> list[Key]:
    """The plan ``make_state(nodes)`` follows: by default up to every leaf node."""
    graph = loaded.graph
    return graph.generate_plan(graph.leaf_nodes() if nodes is None else list(nodes))


def replay_loaded(
    loaded: LoadedGraph, settings: SettingsFacts, nodes: Sequence[Key] | None = None
) -> Replay:
    """``loader.project_state(nodes, at_end=True)``, with every step kept.

    Apps whose graph has a problem (a missing dependency, a cycle ...) are uncertain: their
    plan may not be Django's.
    """
    troubled = {
        key[0] for problem in loaded.problems for key in (problem.origin, *problem.related) if key
    }
    return replay(full_plan(loaded, nodes), loaded.disk_migrations, settings, troubled)


@per_analysis
def replay_analysis(analysis: Analysis) -> Replay:
    """The full replay of an analysis, computed once however many checks ask for it."""
    return replay_loaded(analysis.loaded, analysis.config.settings)
