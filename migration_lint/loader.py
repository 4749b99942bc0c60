"""Build the migration graph the way Django's ``MigrationLoader.build_graph`` does.

The input is what discovery and parsing found (:class:`MigrationFile` objects in disk order:
apps in ``INSTALLED_APPS`` order, files sorted, as Django 6.1 loads them) plus the set of
migrations recorded as applied. The output is the same graph, the same ``replacements`` and
the same adjusted ``applied_migrations`` Django's loader ends up with, so that plans and
``showmigrations`` output can be compared byte for byte.

Where Django raises and stops (``NodeNotFoundError``, ``CircularDependencyError``, the
``CommandError`` for cyclical squashes, ``ValueError`` for unknown apps, ``BadMigrationError``)
we record a :class:`GraphProblem` and carry on, so that a linter can report every problem
at once and still plan and replay the rest of the history:

* a missing dependency is reported once per migration that names it, then the dummy node is
  dropped together with its edges;
* cycles are reported (every one of them) and kept; plans still terminate;
* a dependency on an unknown app, or on an app without migrations, is skipped;
* squashes caught in a replacement cycle are left unreplaced.

The first problem in ``LoadedGraph.problems`` is the error Django would have raised (its
exact text), when Django raises at all.

Apps we cannot see
------------------
A project usually depends on migrations we are not shown: ``django.contrib`` apps,
third-party packages. Django would resolve those against their real migrations; we cannot,
so dependencies on them are treated as satisfied (no edge, no dummy node, no problem) and
listed in ``LoadedGraph.external_references`` instead. Which apps count as unseen:

* every app named in ``external_apps`` that is not itself migrated here;
* with ``strict_apps=False`` (the default), also every app that is neither migrated nor
  unmigrated - i.e. anything the caller did not describe.

With ``strict_apps=True`` and no ``external_apps`` the loader is Django's, errors included
(``Dependency on unknown app: x`` for ``__first__``/``__latest__``, ``NodeNotFoundError`` for
a named migration of an app we know nothing about).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from migration_lint.graph import DummyNode, Key, MigrationGraph, NodeNotFoundError, sorted_keys
from migration_lint.model import Dependency, MigrationFile, Span
from migration_lint.settings_facts import SettingsFacts

__all__ = [
    "AmbiguityError",
    "BuildOptions",
    "GraphProblem",
    "LoadedGraph",
    "build_graph",
]

_SPECIAL_NAMES = ("__first__", "__latest__")


class AmbiguityError(Exception):
    """Django's ``AmbiguityError``: more than one migration matches a name prefix."""


@dataclass(frozen=True)
class GraphProblem:
    """Something that makes Django's loader (or ``migrate``) refuse the history.

    ``kind`` is one of:

    * ``"missing-node"`` - a dependency / ``run_before`` names a migration that does not
      exist (Django's ``NodeNotFoundError``, with its improved text when a partially applied
      squash is the reason);
    * ``"cycle"`` - ``CircularDependencyError`` (``message`` is its text, ``related`` the
      cycle);
    * ``"squash"`` - ``Cyclical squash replacement found, starting at ...`` and other
      replacement failures;
    * ``"unknown-app"`` / ``"app-without-migrations"`` - ``check_key``'s ``ValueError``;
    * ``"unknown-setting"`` - a ``swappable_dependency(settings.X)`` whose setting is not
      known statically (Django would read it from the settings module);
    * ``"bad-migration"`` - a module without a ``Migration`` class (``BadMigrationError``);
    * ``"inconsistent-history"`` - from :meth:`LoadedGraph.check_consistent_history`.

    ``origin`` is the migration whose file should be pointed at, ``span`` the entry in it
    when known, ``related`` the other keys involved (the missing node, the cycle ...).
    """

    kind: str
    message: str
    origin: Key | None
    related: tuple[Key, ...] = ()
    span: Span | None = None


@dataclass(frozen=True)
class BuildOptions:
    """Everything :func:`build_graph` was given, kept so the graph can be rebuilt.

    The executor rebuilds the graph without replacements when a target is a replaced
    migration (Django 4.0+); keeping the inputs makes that one call.
    """

    migrations: tuple[MigrationFile, ...]
    settings: SettingsFacts
    migrated_apps: frozenset[str]
    unmigrated_apps: frozenset[str]
    applied: tuple[Key, ...]
    replace_migrations: bool
    external_apps: frozenset[str]
    strict_apps: bool
    ignore_no_migrations: bool


@dataclass
class LoadedGraph:
    """The state of a Django ``MigrationLoader`` after ``build_graph()``.

    ``applied`` is ``loader.applied_migrations`` after the replacement adjustments (a squash
    whose replaced migrations are all applied counts as applied even if it is not recorded;
    a recorded squash with unapplied replaced migrations does not), restricted to migrations
    that exist on disk; recorded rows without a file are in ``recorded`` /
    ``recorded_order`` only.
    """

    graph: MigrationGraph
    disk_migrations: dict[Key, MigrationFile]
    replacements: dict[Key, MigrationFile]
    applied: dict[Key, MigrationFile]
    recorded: set[Key]
    migrated_apps: set[str]
    unmigrated_apps: set[str]
    problems: list[GraphProblem]
    replace_migrations: bool = True
    recorded_order: tuple[Key, ...] = ()
    external_apps: frozenset[str] = frozenset()
    #: ``(migration, dependency)`` pairs dropped because the dependency's app is not seen.
    external_references: list[tuple[Key, Key]] = field(default_factory=list)
    options: BuildOptions | None = None

    @property
    def load_errors(self) -> list[GraphProblem]:
        """The problems Django's loader raises for while loading: every one but an
        inconsistent history, which only ``migrate`` checks, against a database."""
        return [p for p in self.problems if p.kind != "inconsistent-history"]

    def detect_conflicts(self) -> dict[str, list[str]]:
        """Apps with more than one leaf node and their sorted leaf names, apps sorted.

        Django returns the apps in set order; sorting makes the output stable.
        """
        seen: dict[str, list[str]] = {}
        for app_label, name in self.graph.leaf_nodes():
            seen.setdefault(app_label, []).append(name)
        return {app: sorted(names) for app, names in sorted(seen.items()) if len(names) > 1}

    def get_migration_by_prefix(self, app_label: str, name_prefix: str) -> MigrationFile:
        """Django's prefix lookup over *all* disk migrations (replaced ones included).

        Raises :class:`AmbiguityError` for several matches (even if one matches exactly) and
        ``KeyError`` for none, with Django's texts.
        """
        results = [
            key
            for key in self.disk_migrations
            if key[0] == app_label and key[1].startswith(name_prefix)
        ]
        if len(results) > 1:
            raise AmbiguityError(
                f"There is more than one migration for '{app_label}' with the prefix "
                f"'{name_prefix}'"
            )
        if not results:
            raise KeyError(
                f"There is no migration for '{app_label}' with the prefix '{name_prefix}'"
            )
        return self.disk_migrations[results[0]]

    def migration(self, key: Key) -> MigrationFile:
        """The file of a graph node or plan entry (every one of them is a disk migration)."""
        return self.disk_migrations[key]

    @property
    def installed_apps(self) -> set[str]:
        """Every app label known to be installed: migrated, unmigrated or external."""
        return self.migrated_apps | self.unmigrated_apps | set(self.external_apps)

    def all_replaced_applied(self, migration_key: Key, applied: Collection[Key]) -> bool:
        """Whether ``migration_key`` is a squash all of whose replaced keys are applied.

        Recursive through nested squashes, as in Django 6.0+.
        """
        return self._all_replaced_applied(migration_key, applied, set())

    def _all_replaced_applied(
        self, migration_key: Key, applied: Collection[Key], visiting: set[Key]
    ) -> bool:
        migration = self.replacements.get(migration_key)
        if migration is None or migration_key in visiting:
            return False
        visiting.add(migration_key)
        for dependency in migration.replaces:
            replaced_key = (dependency.app_label, dependency.name)
            if replaced_key not in applied and not self._all_replaced_applied(
                replaced_key, applied, visiting
            ):
                return False
        return True

    def check_consistent_history(self, database: str = "default") -> list[GraphProblem]:
        """Django's ``check_consistent_history`` against the recorded rows, every failure.

        Django raises ``InconsistentMigrationHistory`` for the first applied migration (row
        order) with an unapplied parent (set order); we report them all, parents sorted.
        """
        problems: list[GraphProblem] = []
        for migration in self.recorded_order:
            node = self.graph.node_map.get(migration)
            if node is None or migration not in self.graph.nodes:
                continue
            for parent in sorted_keys(node.parents):
                if parent in self.recorded or self.all_replaced_applied(parent, self.recorded):
                    continue
                problems.append(
                    GraphProblem(
                        "inconsistent-history",
                        f"Migration {migration[0]}.{migration[1]} is applied before its "
                        f"dependency {parent[0]}.{parent[1]} on database '{database}'.",
                        migration,
                        (parent,),
                    )
                )
        return problems

    def rebuild(self, *, replace_migrations: bool) -> LoadedGraph:
        """The same inputs built again, e.g. without replacements (executor retry)."""
        if self.options is None:
            raise ValueError("this LoadedGraph was not made by build_graph()")
        return _Builder(
            BuildOptions(
                migrations=self.options.migrations,
                settings=self.options.settings,
                migrated_apps=self.options.migrated_apps,
                unmigrated_apps=self.options.unmigrated_apps,
                applied=self.options.applied,
                replace_migrations=replace_migrations,
                external_apps=self.options.external_apps,
                strict_apps=self.options.strict_apps,
                ignore_no_migrations=self.options.ignore_no_migrations,
            )
        ).build()


def build_graph(
    migrations: Sequence[MigrationFile],
    *,
    settings: SettingsFacts,
    migrated_apps: Collection[str],
    unmigrated_apps: Collection[str] = (),
    applied: Collection[Key] = (),
    replace_migrations: bool = True,
    external_apps: Collection[str] = (),
    strict_apps: bool = False,
    ignore_no_migrations: bool = False,
) -> LoadedGraph:
    """Build the graph Django's loader would build, collecting errors instead of raising.

    ``migrations`` must come in disk order. ``applied`` is the recorder's rows (order kept
    for :meth:`LoadedGraph.check_consistent_history`). ``migrated_apps`` are apps with a
    migrations package (apps of the given migrations are added), ``unmigrated_apps`` apps
    without. ``external_apps`` / ``strict_apps`` decide which dependencies are on apps we do
    not see (module docstring). ``ignore_no_migrations`` is the loader flag of
    ``makemigrations`` and ``showmigrations --list``: a ``__first__`` dependency on a
    migrated app with no migrations is then silently ignored.
    """
    options = BuildOptions(
        migrations=tuple(migrations),
        settings=settings,
        migrated_apps=frozenset(migrated_apps),
        unmigrated_apps=frozenset(unmigrated_apps),
        applied=tuple(applied),
        replace_migrations=replace_migrations,
        external_apps=frozenset(external_apps),
        strict_apps=strict_apps,
        ignore_no_migrations=ignore_no_migrations,
    )
    return _Builder(options).build()


class _CyclicalSquash(Exception):
    def __init__(self, key: Key) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class _Reference:
    """One edge that named a node we do not have (yet)."""

    origin: Key
    direction: str  # "parent" (a dependency) or "child" (a run_before)
    span: Span | None


class _Builder:
    """One run of ``build_graph``; holds the loader's working state."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.graph = MigrationGraph()
        self.problems: list[GraphProblem] = []
        self.disk: dict[Key, MigrationFile] = {}
        for migration in options.migrations:
            self.disk[migration.key] = migration
        self.migrated = set(options.migrated_apps) | {key[0] for key in self.disk}
        self.unmigrated = set(options.unmigrated_apps) - self.migrated
        self.recorded_order = tuple(dict.fromkeys(options.applied))
        # Like loader.applied_migrations: every recorded row, then adjusted for squashes.
        self.applied: dict[Key, MigrationFile | None] = {
            key: self.disk.get(key) for key in self.recorded_order
        }
        self.replacements: dict[Key, MigrationFile] = {}
        self.replaces_of: dict[Key, list[Key]] = {}
        self.progress: dict[Key, bool] = {}
        self.references: dict[Key, list[_Reference]] = {}
        self.external_references: list[tuple[Key, Key]] = []

    # -- small helpers ----------------------------------------------------------------------

    def _problem(
        self,
        kind: str,
        message: str,
        origin: Key | None,
        related: tuple[Key, ...] = (),
        span: Span | None = None,
    ) -> None:
        self.problems.append(GraphProblem(kind, message, origin, related, span))

    def _is_unseen_app(self, app: str) -> bool:
        """Whether ``app``'s migrations are outside what we were shown (module docstring)."""
        if app in self.migrated:
            return False
        if app in self.options.external_apps:
            return True
        return not self.options.strict_apps and app not in self.unmigrated

    def _resolve(self, dependency: Dependency, origin: Key) -> Key | None:
        """The key Django sees at load time; ``swappable_dependency`` reads the setting."""
        if dependency.swappable is None:
            return (dependency.app_label, dependency.name)
        value = self.options.settings.setting(dependency.swappable)
        if value is None:
            if dependency.app_label:
                return (dependency.app_label, "__first__")
            self._problem(
                "unknown-setting",
                f"Cannot resolve swappable_dependency(settings.{dependency.swappable}): "
                f"the value of {dependency.swappable} is not known.",
                origin,
                span=dependency.span,
            )
            return None
        return (value.split(".", 1)[0], "__first__")

    def _add_edge(self, origin: Key, child: Key, parent: Key, span: Span | None) -> None:
        """``graph.add_dependency`` plus a note of every reference to a missing node."""
        for end, direction in ((child, "child"), (parent, "parent")):
            node = self.graph.node_map.get(end)
            if node is None or isinstance(node, DummyNode):
                self.references.setdefault(end, []).append(_Reference(origin, direction, span))
        self.graph.add_dependency(origin, child, parent, skip_validation=True)

    def _check_key(self, key: Key, current_app: str, origin: Key, span: Span | None) -> Key | None:
        """Django's ``MigrationLoader.check_key``, with unseen apps treated as satisfied."""
        app = key[0]
        if self._is_unseen_app(app):
            self.external_references.append((origin, key))
            return None
        if key[1] not in _SPECIAL_NAMES or key in self.graph:
            return key
        if app == current_app:
            # Same-app __first__ / __latest__ in run_before: ignored (#22325).
            return None
        if app in self.unmigrated:
            return None
        if app in self.migrated:
            candidates = (
                self.graph.root_nodes(app) if key[1] == "__first__" else self.graph.leaf_nodes(app)
            )
            if candidates:
                return candidates[0]
            if not self.options.ignore_no_migrations:
                self._problem(
                    "app-without-migrations",
                    f"Dependency on app with no migrations: {app}",
                    origin,
                    (key,),
                    span,
                )
            return None
        self._problem("unknown-app", f"Dependency on unknown app: {app}", origin, (key,), span)
        return None

    # -- the build --------------------------------------------------------------------------

    def build(self) -> LoadedGraph:
        graph = self.graph
        dependencies: dict[Key, list[tuple[Key, Span]]] = {}
        run_before: dict[Key, list[tuple[Key, Span]]] = {}
        for key, migration in self.disk.items():
            if not migration.has_migration_class:
                self._problem(
                    "bad-migration",
                    f"Migration {key[1]} in app {key[0]} has no Migration class",
                    key,
                )
            resolved = [(self._resolve(dep, key), dep.span) for dep in migration.dependencies]
            dependencies[key] = [(k, span) for k, span in resolved if k is not None]
            resolved = [(self._resolve(dep, key), dep.span) for dep in migration.run_before]
            run_before[key] = [(k, span) for k, span in resolved if k is not None]

        for key, migration in self.disk.items():
            graph.add_node(key, migration)
            if migration.replaces:
                self.replacements[key] = migration
                self.replaces_of[key] = [(dep.app_label, dep.name) for dep in migration.replaces]
        # Internal dependencies first, so that __first__ / __latest__ find the right nodes.
        for key in self.disk:
            for parent, span in dependencies[key]:
                if parent[0] == key[0] and parent[1] != "__first__":
                    self._add_edge(key, key, parent, span)
        for key in self.disk:
            for parent, span in dependencies[key]:
                if parent[0] == key[0]:
                    continue
                checked = self._check_key(parent, key[0], key, span)
                if checked is not None:
                    self._add_edge(key, key, checked, span)
            for child, span in run_before[key]:
                checked = self._check_key(child, key[0], key, span)
                if checked is not None:
                    self._add_edge(key, checked, key, span)

        if self.options.replace_migrations:
            self._replace_all()
        self._report_missing_nodes()
        for cycle in graph.find_cycles():
            self._problem("cycle", ", ".join(f"{a}.{n}" for a, n in cycle), cycle[0], tuple(cycle))

        return LoadedGraph(
            graph=graph,
            disk_migrations=self.disk,
            replacements=self.replacements,
            applied={
                key: migration for key, migration in self.applied.items() if migration is not None
            },
            recorded=set(self.recorded_order),
            migrated_apps=self.migrated,
            unmigrated_apps=self.unmigrated,
            problems=self.problems,
            replace_migrations=self.options.replace_migrations,
            recorded_order=self.recorded_order,
            external_apps=self.options.external_apps,
            external_references=self.external_references,
            options=self.options,
        )

    # -- replacements -----------------------------------------------------------------------

    def _replace_all(self) -> None:
        for key in self.replacements:
            try:
                self._replace(key)
            except _CyclicalSquash as exc:
                in_progress = tuple(k for k, done in self.progress.items() if not done)
                self._problem(
                    "squash",
                    f"Cyclical squash replacement found, starting at {exc.key}",
                    exc.key,
                    in_progress,
                )
                # Leave the squashes of the cycle unreplaced and go on with the others.
                for k in in_progress:
                    self.progress[k] = True

    def _replace(self, key: Key) -> None:
        """Django's ``replace_migration`` (6.0+: nested squashes first, cycle detection)."""
        done = self.progress.get(key)
        if done:
            return
        if done is False:
            raise _CyclicalSquash(key)
        self.progress[key] = False
        migration = self.replacements[key]
        replaces = self.replaces_of[key]
        for replaced in replaces:
            if replaced in self.replacements:
                self._replace(replaced)
        statuses = [target in self.applied for target in self._resolved_keys(key, {key})]
        if all(statuses):
            self.applied[key] = migration
        else:
            self.applied.pop(key, None)
        try:
            if all(statuses) or not any(statuses):
                self.graph.remove_replaced_nodes(key, replaces)
            else:
                # Partially applied: the squash cannot be used (#25945).
                self.graph.remove_replacement_node(key, replaces)
        except NodeNotFoundError as exc:
            self._problem("squash", exc.message, key)
        self.progress[key] = True

    def _resolved_keys(self, key: Key, visiting: set[Key]) -> set[Key]:
        """Replaced keys with nested squashes expanded to what they replace (6.0+)."""
        resolved: set[Key] = set()
        for replaced in set(self.replaces_of[key]):
            if replaced in self.replaces_of and replaced not in visiting:
                resolved |= self._resolved_keys(replaced, visiting | {replaced})
            else:
                resolved.add(replaced)
        return resolved

    # -- missing nodes ----------------------------------------------------------------------

    def _report_missing_nodes(self) -> None:
        """One problem per reference to each leftover dummy node, then drop the dummies.

        Dummies come in ``node_map`` order and a dummy's first reference is the one Django
        names, so the first problem has the text of Django's ``NodeNotFoundError``,
        including the longer message for a squash that could not be used (#23556).
        """
        dummies = self.graph.dummy_nodes()
        if not dummies:
            return
        reverse_replacements: dict[Key, set[Key]] = {}
        for squash, replaced_keys in self.replaces_of.items():
            for replaced in replaced_keys:
                reverse_replacements.setdefault(replaced, set()).add(squash)
        for dummy in dummies:
            missing = dummy.key
            candidates = reverse_replacements.get(missing)
            unusable_squash = candidates is not None and not any(
                candidate in self.graph.nodes for candidate in candidates
            )
            seen: set[tuple[Key, str]] = set()
            for reference in self.references.get(missing, []):
                if (reference.origin, reference.direction) in seen:
                    continue
                seen.add((reference.origin, reference.direction))
                origin = f"{reference.origin[0]}.{reference.origin[1]}"
                if unusable_squash and candidates is not None:
                    tries = ", ".join(f"{a}.{n}" for a, n in sorted(candidates))
                    message = (
                        f"Migration {origin} depends on nonexistent node ('{missing[0]}', "
                        f"'{missing[1]}'). Django tried to replace migration "
                        f"{missing[0]}.{missing[1]} with any of [{tries}] but wasn't able "
                        "to because some of the replaced migrations are already applied."
                    )
                else:
                    message = (
                        f"Migration {origin} dependencies reference nonexistent "
                        f"{reference.direction} node {missing!r}"
                    )
                self._problem("missing-node", message, reference.origin, (missing,), reference.span)
        for dummy in dummies:
            self.graph.remove_node(dummy.key)
