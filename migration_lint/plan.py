"""Apply / rollback plans and ``showmigrations`` text, as Django computes them.

Ports of ``MigrationExecutor.migration_plan`` (with the 4.0+ retry without replacements when
a target is a replaced migration), of how ``migrate`` turns its arguments into targets, and
of ``showmigrations --plan`` / ``--list``. Texts are Django's, byte for byte (each line
ends with ``"\\n"``, as ``OutputWrapper.write`` ends them).
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_lint.graph import Key, NodeNotFoundError, sorted_keys
from migration_lint.loader import AmbiguityError, LoadedGraph

__all__ = [
    "PlanError",
    "Target",
    "migrate_targets",
    "migration_plan",
    "parse_targets",
    "resolve_target",
    "showmigrations_list",
    "showmigrations_plan",
]

#: ``(app_label, name)``, or ``(app_label, None)`` for "unapply the whole app" (``zero``).
Target = tuple[str, str | None]


class PlanError(Exception):
    """What Django reports as a ``CommandError`` (or a lookup failure) while planning."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _without_replacements(loaded: LoadedGraph) -> LoadedGraph:
    """The executor's retry graph; raise what Django's rebuild would raise.

    Problems the first build already had are the caller's to report (Django would not have
    got this far); a problem only the rebuild has (a replaced migration that was deleted
    while a sibling was not) is the error ``migrate`` would stop with.
    """
    rebuilt = loaded.rebuild(replace_migrations=False)
    known = {(p.kind, p.message) for p in loaded.problems}
    for problem in rebuilt.problems:
        if (problem.kind, problem.message) not in known:
            raise PlanError(problem.message)
    return rebuilt


def migration_plan(
    loaded: LoadedGraph, targets: Sequence[Target], clean_start: bool = False
) -> list[tuple[Key, bool]]:
    """``MigrationExecutor.migration_plan``: ``(key, backwards)`` pairs in execution order.

    * ``(app, None)`` unapplies every applied migration of the app and its dependents;
    * an applied target rolls back only its children *in the same app* (and what depends
      on them), never the target itself;
    * an unapplied target applies its forwards plan;
    * a target that is not in the graph (a migration replaced by a squash) makes Django
      rebuild the graph without replacements and start over - the plan is then made on that
      graph (:meth:`LoadedGraph.rebuild`), exactly as ``migrate`` does; if that graph has a
      problem the first build did not, :class:`PlanError` carries its text.

    ``clean_start=True`` plans from an empty database (``migrate``'s "full plan").
    Raises :class:`PlanError` with ``Node ... not a valid node`` for an unknown target.
    """
    graph = loaded.graph
    applied: dict[Key, None] = {} if clean_start else dict.fromkeys(loaded.applied)
    plan: list[tuple[Key, bool]] = []
    # Plans are closed under ancestors (descendants backwards), so a node already walked by
    # an earlier forwards (backwards) step can be skipped as long as nothing was unapplied
    # (applied) since: same plan as Django's one-DFS-per-target, in linear time.
    seen_forwards: set[Key] = set()
    seen_backwards: set[Key] = set()

    def unapply(start: Key) -> None:
        nonlocal seen_forwards
        for migration in graph.iterative_dfs(start, forwards=False, seen=seen_backwards):
            if migration in applied:
                plan.append((migration, True))
                del applied[migration]
                seen_forwards = set()

    try:
        for target in targets:
            app_label, name = target
            if name is None:
                for root in graph.root_nodes():
                    if root[0] == app_label:
                        unapply(root)
                continue
            key: Key = (app_label, name)
            if loaded.replace_migrations and key not in graph.node_map:
                return migration_plan(_without_replacements(loaded), targets, clean_start)
            if key in applied:
                for child in sorted(
                    c.key for c in graph.node_map[key].children if c.key[0] == app_label
                ):
                    unapply(child)
            else:
                if key not in graph.nodes:
                    raise NodeNotFoundError(f"Node {key!r} not a valid node", key)
                for migration in graph.iterative_dfs(key, seen=seen_forwards):
                    if migration not in applied:
                        plan.append((migration, False))
                        applied[migration] = None
                        seen_backwards.clear()
    except NodeNotFoundError as exc:
        raise PlanError(exc.message) from exc
    return plan


def _check_migrated(loaded: LoadedGraph, app_label: str) -> None:
    """``migrate``'s checks on its app argument, plus one for apps we do not see."""
    if app_label not in loaded.installed_apps:
        raise PlanError(f"No installed app with label '{app_label}'.")
    if app_label in loaded.migrated_apps:
        return
    if app_label in loaded.external_apps:
        # Django would plan its real migrations; we were not shown them.
        raise PlanError(
            f"App '{app_label}' is outside the scanned project; its migrations are unknown."
        )
    raise PlanError(f"App '{app_label}' does not have migrations.")


def resolve_target(loaded: LoadedGraph, app: str, name_or_prefix: str) -> Target:
    """What ``migrate APP NAME`` targets: ``zero``, else the unique migration by prefix.

    Raises :class:`PlanError` with ``migrate``'s messages: unknown app, app without
    migrations, ambiguous or unmatched prefix (and our own for an external app). A squash
    that is not in the graph (partially applied) is replaced by the last migration it
    replaces, as ``migrate`` does.
    """
    _check_migrated(loaded, app)
    if name_or_prefix == "zero":
        return (app, None)
    try:
        migration = loaded.get_migration_by_prefix(app, name_or_prefix)
    except AmbiguityError:
        raise PlanError(
            f"More than one migration matches '{name_or_prefix}' in app '{app}'. "
            "Please be more specific."
        ) from None
    except KeyError:
        raise PlanError(
            f"Cannot find a migration matching '{name_or_prefix}' from app '{app}'."
        ) from None
    target: Key = (app, migration.name)
    if target not in loaded.graph.nodes and target in loaded.replacements:
        last = loaded.replacements[target].replaces[-1]
        target = (last.app_label, last.name)
    return target


def migrate_targets(
    loaded: LoadedGraph, app_label: str | None = None, migration_name: str | None = None
) -> list[Target]:
    """The targets of ``migrate [app_label [migration_name]]``.

    No app: every leaf node; an app: its leaves; an app and a name: :func:`resolve_target`.
    """
    if app_label is None:
        return list(loaded.graph.leaf_nodes())
    if migration_name is not None:
        return [resolve_target(loaded, app_label, migration_name)]
    _check_migrated(loaded, app_label)
    return [key for key in loaded.graph.leaf_nodes() if key[0] == app_label]


def parse_targets(loaded: LoadedGraph, specs: Sequence[str]) -> list[Target]:
    """The targets of ``plan --target`` values, in order: each is what ``migrate`` would
    target for ``app`` (``migrate app``) or ``app.name`` (``migrate app name``, where the
    name is a prefix or ``zero``). No spec: every leaf, as a bare ``migrate``.

    App labels contain no dot, so the first dot separates the label from the name.
    Raises :class:`PlanError` with ``migrate``'s messages.
    """
    if not specs:
        return migrate_targets(loaded)
    targets: list[Target] = []
    for spec in specs:
        app_label, _, name = spec.partition(".")
        targets.extend(migrate_targets(loaded, app_label, name or None))
    return targets


def _validate_app_names(loaded: LoadedGraph, app_labels: Sequence[str]) -> None:
    """``showmigrations`` writes one line per unknown label to stderr and exits 2."""
    errors = [
        f"No installed app with label '{label}'."
        for label in app_labels
        if label not in loaded.installed_apps
    ]
    if errors:
        raise PlanError("\n".join(errors))


def showmigrations_plan(
    loaded: LoadedGraph, app_labels: Sequence[str] = (), verbosity: int = 1
) -> str:
    """The exact text of ``showmigrations --plan [app_label ...]``.

    Every leaf (of the given apps; their order does not matter), forwards plans
    concatenated without repeats, one ``[X]  app.name`` / ``[ ]  app.name`` line each; with
    ``verbosity >= 2`` the direct dependencies follow as `` ... (app.name, ...)``.
    """
    graph = loaded.graph
    if app_labels:
        _validate_app_names(loaded, app_labels)
        targets = [key for key in graph.leaf_nodes() if key[0] in app_labels]
    else:
        targets = graph.leaf_nodes()
    seen: set[Key] = set()
    plan: list[Key] = []
    for target in targets:
        plan.extend(graph.iterative_dfs(target, seen=seen))
    lines = []
    for key in plan:
        deps = ""
        if verbosity >= 2:
            parents = sorted_keys(graph.node_map[key].parents)
            if parents:
                deps = " ... ({})".format(", ".join(f"{a}.{n}" for a, n in parents))
        mark = "X" if key in loaded.applied else " "
        lines.append(f"[{mark}]  {key[0]}.{key[1]}{deps}\n")
    if not plan:
        lines.append("(no migrations)\n")
    return "".join(lines)


def showmigrations_list(loaded: LoadedGraph, app_labels: Sequence[str] = ()) -> str:
    """The exact text of ``showmigrations --list [app_label ...]`` (verbosity 1).

    Apps in the given order, else every migrated app sorted; each app's migrations in the
    order of its leaves' forwards plans. ``[X]`` applied, ``[-]`` a squash counted as applied
    because everything it replaces is, but not recorded itself, ``[ ]`` unapplied.
    """
    graph = loaded.graph
    if app_labels:
        _validate_app_names(loaded, app_labels)
        apps = list(app_labels)
    else:
        apps = sorted(loaded.migrated_apps)
    lines: list[str] = []
    for app_name in apps:
        lines.append(f"{app_name}\n")
        shown = False
        seen: set[Key] = set()
        for leaf in graph.leaf_nodes(app_name):
            for key in graph.iterative_dfs(leaf, seen=seen):
                if key[0] != app_name:
                    continue
                shown = True
                title = key[1]
                migration = graph.nodes[key]
                if migration is not None and migration.replaces:
                    title += f" ({len(migration.replaces)} squashed migrations)"
                if key in loaded.applied:
                    if key in loaded.recorded:
                        lines.append(f" [X] {title}\n")
                    else:
                        lines.append(f" [-] {title} Run 'manage.py migrate' to finish recording.\n")
                else:
                    lines.append(f" [ ] {title}\n")
        if not shown:
            lines.append(" (no migrations)\n")
    return "".join(lines)
