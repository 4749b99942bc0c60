"""A faithful port of :mod:`django.db.migrations.graph` that works on parsed files.

Plans, roots and leaves must come out in exactly Django's order (``migrate --plan`` and
``showmigrations`` are compared byte for byte), so the traversal below is Django's
``iterative_dfs`` line for line: parents (children when going backwards) are pushed in
ascending key order and popped LIFO, so the *largest* key is explored first.

Deliberate differences from Django, none of which changes a result on a valid graph:

* Neighbours are sorted by their key tuple (``sorted(nodes, key=node_key)``) rather than
  through ``Node.__lt__``: the same order, without a Python call per comparison.
* ``root_nodes`` / ``leaf_nodes`` scan only the nodes of the app asked for and cache their
  answer until that app changes; Django rescans every node on every call, which makes the
  loader quadratic when many migrations say ``("app", "__first__")``.
* ``iterative_dfs`` does not re-expand a node that is still being expanded. That only
  happens on a cycle (where Django loops forever, since it checks for cycles first); on a
  DAG it is never the case, so plans are unchanged.
* ``find_cycles`` reports every cycle (one per strongly connected component) in a
  deterministic order, where Django's ``ensure_not_cyclic`` raises for the first one it
  meets in hash order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import TypeAlias

from migration_lint.model import MigrationFile

Key: TypeAlias = tuple[str, str]
"""``(app_label, migration_name)``; Django's plain tuple-of-str ordering applies."""

#: What ``add_dependency`` may be told the dependency came from: a migration key (rendered
#: ``app.name`` like ``str(Migration)``), an already rendered string, or nothing.
Origin: TypeAlias = Key | str | None


class NodeNotFoundError(LookupError):
    """Django's ``NodeNotFoundError``: a node that should be in the graph is not."""

    def __init__(self, message: str, node: Key, origin: Origin = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node
        self.origin = origin

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"NodeNotFoundError({self.node!r})"


class CircularDependencyError(Exception):
    """Django's ``CircularDependencyError``; the message names the cycle ``app.name, ...``."""


def render_origin(origin: Origin) -> str:
    """How Django prints the migration an edge came from (``str(Migration)`` = ``app.name``)."""
    if isinstance(origin, tuple):
        return f"{origin[0]}.{origin[1]}"
    return str(origin)


class Node:
    """One migration in the graph, with its direct neighbours (Django's ``Node``).

    Like Django's, it hashes, compares and indexes like its key, so ``key in node.parents``
    and ``node[0]`` work; ``parents`` / ``children`` hold ``Node`` objects.
    """

    __slots__ = ("children", "key", "parents")

    def __init__(self, key: Key) -> None:
        self.key = key
        self.children: set[Node] = set()
        self.parents: set[Node] = set()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Node):
            return self.key == other.key
        return self.key == other

    def __lt__(self, other: Node | Key) -> bool:
        return self.key < (other.key if isinstance(other, Node) else other)

    def __hash__(self) -> int:
        return hash(self.key)

    def __getitem__(self, item: int) -> str:
        return self.key[item]

    def __str__(self) -> str:
        return str(self.key)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: ({self.key[0]!r}, {self.key[1]!r})>"

    def add_child(self, child: Node) -> None:
        self.children.add(child)

    def add_parent(self, parent: Node) -> None:
        self.parents.add(parent)


#: Sort key for nodes: their key tuple, i.e. Django's ``Node`` ordering.
node_key = attrgetter("key")


def sorted_keys(nodes: Iterable[Node]) -> list[Key]:
    """The keys of ``nodes`` in Django's (tuple) order."""
    return sorted(node.key for node in nodes)


class DummyNode(Node):
    """A node that some edge refers to but no migration file provides.

    Django keeps these until the end of ``build_graph`` because a squash may replace (and so
    remove) them; any left over is a missing dependency.
    """

    __slots__ = ("error_message", "origin")

    def __init__(self, key: Key, origin: Origin, error_message: str) -> None:
        super().__init__(key)
        self.origin = origin
        self.error_message = error_message

    def raise_error(self) -> None:
        raise NodeNotFoundError(self.error_message, self.key, origin=self.origin)


class MigrationGraph:
    """The digraph of all migrations of a project (port of Django's ``MigrationGraph``).

    ``node_map`` maps each key to its :class:`Node` (dummy nodes included) in insertion
    order; ``nodes`` maps each key to its :class:`MigrationFile` (``None`` for dummies and for
    nodes added without a file, as Django's own tests do).
    """

    def __init__(self) -> None:
        self.node_map: dict[Key, Node] = {}
        self.nodes: dict[Key, MigrationFile | None] = {}
        # Keys of each app, in insertion order, so that root/leaf queries scan one app.
        self._app_keys: dict[str, dict[Key, None]] = {}
        self._roots: dict[str, list[Key]] = {}
        self._leaves: dict[str, list[Key]] = {}
        self._all_roots: list[Key] | None = None
        self._all_leaves: list[Key] | None = None

    # -- cache bookkeeping ------------------------------------------------------------------

    def _touch(self, app: str) -> None:
        """Forget cached roots/leaves of ``app`` (its nodes or internal edges changed)."""
        self._roots.pop(app, None)
        self._leaves.pop(app, None)
        self._all_roots = None
        self._all_leaves = None

    def _link(self, child: Node, parent: Node) -> None:
        child.parents.add(parent)
        parent.children.add(child)
        if child.key[0] == parent.key[0]:
            self._touch(child.key[0])

    def _unlink(self, child: Node, parent: Node) -> None:
        child.parents.discard(parent)
        parent.children.discard(child)
        if child.key[0] == parent.key[0]:
            self._touch(child.key[0])

    def _register(self, key: Key, node: Node, migration: MigrationFile | None) -> None:
        self.node_map[key] = node
        self.nodes[key] = migration
        self._app_keys.setdefault(key[0], {})[key] = None
        self._touch(key[0])

    def _forget(self, key: Key) -> Node | None:
        """Drop ``key`` from the maps (not from its neighbours); return its node if any."""
        self.nodes.pop(key, None)
        node = self.node_map.pop(key, None)
        if node is not None:
            app_keys = self._app_keys.get(key[0])
            if app_keys is not None:
                app_keys.pop(key, None)
            self._touch(key[0])
        return node

    # -- building ---------------------------------------------------------------------------

    def add_node(self, key: Key, migration: MigrationFile | None) -> None:
        """Add a real node; like Django, adding the same key twice is a programming error."""
        assert key not in self.node_map, f"duplicate node {key!r}"
        self._register(key, Node(key), migration)

    def add_dummy_node(self, key: Key, origin: Origin, error_message: str) -> None:
        """Add a placeholder for a key that an edge names but no file provides."""
        self._register(key, DummyNode(key, origin, error_message), None)

    def add_dependency(
        self, migration: Origin, child: Key, parent: Key, skip_validation: bool = False
    ) -> None:
        """Add the edge ``child -> parent``, creating dummy nodes for missing ends.

        With ``skip_validation=False`` (Django's default) this raises
        :class:`NodeNotFoundError` for the first dummy node in the graph, as Django does;
        the loader always skips validation and collects the dummies at the end.
        """
        if child not in self.nodes:
            error_message = (
                f"Migration {render_origin(migration)} dependencies reference nonexistent"
                f" child node {child!r}"
            )
            self.add_dummy_node(child, migration, error_message)
        if parent not in self.nodes:
            error_message = (
                f"Migration {render_origin(migration)} dependencies reference nonexistent"
                f" parent node {parent!r}"
            )
            self.add_dummy_node(parent, migration, error_message)
        self._link(self.node_map[child], self.node_map[parent])
        if not skip_validation:
            self.validate_consistency()

    def remove_replaced_nodes(self, replacement: Key, replaced: Sequence[Key]) -> None:
        """Remove each replaced node and re-point its edges to ``replacement``.

        Edges between two replaced nodes are dropped rather than re-pointed, so that the
        replacement never ends up depending on itself.
        """
        replaced_set = set(replaced)
        replacement_node = self.node_map.get(replacement)
        if replacement_node is None:
            raise NodeNotFoundError(
                f"Unable to find replacement node {replacement!r}. It was either never added"
                " to the migration graph, or has been removed.",
                replacement,
            )
        for replaced_key in replaced_set:
            replaced_node = self._forget(replaced_key)
            if replaced_node is None:
                continue
            for child in list(replaced_node.children):
                self._unlink(child, replaced_node)
                # No edge between the replacement and a replaced node: it would make the
                # replacement depend on itself at a later iteration.
                if child.key not in replaced_set:
                    self._link(child, replacement_node)
            for parent in list(replaced_node.parents):
                self._unlink(replaced_node, parent)
                if parent.key not in replaced_set:
                    self._link(replacement_node, parent)

    def remove_replacement_node(self, replacement: Key, replaced: Sequence[Key]) -> None:
        """Remove a squash that cannot be used and hang its children on the replaced nodes.

        Children are re-pointed to the *latest* replaced nodes still in the graph (those that
        are not a parent of another replaced node); parents simply lose the squash.
        """
        self.nodes.pop(replacement, None)
        replacement_node = self._forget(replacement)
        if replacement_node is None:
            raise NodeNotFoundError(
                f"Unable to remove replacement node {replacement!r}. It was either never added"
                " to the migration graph, or has been removed already.",
                replacement,
            )
        replaced_nodes: set[Node] = set()
        replaced_nodes_parents: set[Node] = set()
        for key in replaced:
            replaced_node = self.node_map.get(key)
            if replaced_node is not None:
                replaced_nodes.add(replaced_node)
                replaced_nodes_parents |= replaced_node.parents
        # Only the latest replaced nodes: not those that are parents of other replaced ones.
        replaced_nodes -= replaced_nodes_parents
        for child in list(replacement_node.children):
            self._unlink(child, replacement_node)
            for replaced_node in replaced_nodes:
                self._link(child, replaced_node)
        for parent in list(replacement_node.parents):
            # The replaced nodes already have the right ancestry: no remapping needed.
            self._unlink(replacement_node, parent)

    def remove_node(self, key: Key) -> None:
        """Remove a node and every edge touching it (used to drop leftover dummy nodes)."""
        node = self._forget(key)
        if node is None:
            return
        for child in list(node.children):
            self._unlink(child, node)
        for parent in list(node.parents):
            self._unlink(node, parent)

    # -- validation -------------------------------------------------------------------------

    def dummy_nodes(self) -> list[DummyNode]:
        """Dummy nodes still in the graph, in ``node_map`` insertion order (Django's)."""
        return [node for node in self.node_map.values() if isinstance(node, DummyNode)]

    def validate_consistency(self) -> None:
        """Raise :class:`NodeNotFoundError` for the first dummy node, as Django does."""
        for node in self.dummy_nodes():
            node.raise_error()

    def find_cycles(self) -> list[list[Key]]:
        """Every cycle of the graph: one per strongly connected component (or self-loop).

        Each cycle is named the way Django's ``ensure_not_cyclic`` names one: a path that
        follows children edges and closes on its first node. Django starts from a node picked
        in hash order; here the search starts at the component's smallest key and visits
        children in sorted order, so the answer is stable. Cycles come sorted by that key.
        """
        cycles: list[list[Key]] = []
        for component in self._strongly_connected_components():
            start = min(component)
            if len(component) == 1 and self.node_map[start] not in self.node_map[start].children:
                continue
            cycles.append(self._cycle_in(component, start))
        cycles.sort(key=min)
        return cycles

    def ensure_not_cyclic(self) -> None:
        """Raise :class:`CircularDependencyError` naming a cycle if there is one."""
        cycles = self.find_cycles()
        if cycles:
            raise CircularDependencyError(", ".join(f"{a}.{n}" for a, n in cycles[0]))

    def _strongly_connected_components(self) -> list[set[Key]]:
        """Tarjan's algorithm over children edges, iteratively (histories are deep)."""
        index: dict[Key, int] = {}
        low: dict[Key, int] = {}
        on_stack: set[Key] = set()
        stack: list[Key] = []
        components: list[set[Key]] = []
        counter = 0
        for root in self.node_map:
            if root in index:
                continue
            work: list[tuple[Key, list[Key], int]] = []
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            work.append((root, sorted_keys(self.node_map[root].children), 0))
            while work:
                node, children, position = work[-1]
                if position < len(children):
                    work[-1] = (node, children, position + 1)
                    child = children[position]
                    if child not in self.node_map:
                        continue
                    if child not in index:
                        index[child] = low[child] = counter
                        counter += 1
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, sorted_keys(self.node_map[child].children), 0))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: set[Key] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
        return components

    def _cycle_in(self, component: set[Key], start: Key) -> list[Key]:
        """Django's GvR walk, restricted to one strongly connected component."""
        todo = set(component)
        todo.discard(start)
        stack = [start]
        position = {start: 0}
        while stack:
            top = stack[-1]
            for child in sorted_keys(self.node_map[top].children):
                if child not in component:
                    continue
                if child in position:
                    return stack[position[child] :]
                if child in todo:
                    todo.discard(child)
                    position[child] = len(stack)
                    stack.append(child)
                    break
            else:
                del position[stack.pop()]
        raise AssertionError(f"no cycle in strongly connected component of {start!r}")

    # -- plans ------------------------------------------------------------------------------

    def forwards_plan(self, target: Key) -> list[Key]:
        """``target``'s ancestors then ``target``: the order to apply them in."""
        if target not in self.nodes:
            raise NodeNotFoundError(f"Node {target!r} not a valid node", target)
        return self.iterative_dfs(target)

    def backwards_plan(self, target: Key) -> list[Key]:
        """``target``'s descendants then ``target``: the order to unapply them in."""
        if target not in self.nodes:
            raise NodeNotFoundError(f"Node {target!r} not a valid node", target)
        return self.iterative_dfs(target, forwards=False)

    def iterative_dfs(
        self, start: Key, forwards: bool = True, seen: set[Key] | None = None
    ) -> list[Key]:
        """Django's iterative post-order DFS, largest key explored first.

        ``seen`` may be shared between calls: nodes already in it are neither emitted nor
        explored. Because every plan is closed under ancestors (descendants backwards),
        sharing it gives exactly the concatenated, de-duplicated plans Django builds with
        one DFS per target, in linear instead of quadratic time.
        """
        visited: list[Key] = []
        if seen is None:
            seen = set()
        expanding: set[Key] = set()
        node_map = self.node_map
        stack: list[tuple[Key, bool]] = [(start, False)]
        while stack:
            key, processed = stack.pop()
            if key in seen:
                continue
            if processed:
                seen.add(key)
                visited.append(key)
            elif key not in expanding:
                # Only a cycle brings a node back while it is being expanded; Django would
                # loop forever there, we let the pending expansion finish it.
                expanding.add(key)
                stack.append((key, True))
                node = node_map[key]
                stack.extend(
                    (n.key, False)
                    for n in sorted(node.parents if forwards else node.children, key=node_key)
                )
        return visited

    def generate_plan(self, nodes: Sequence[Key], at_end: bool = True) -> list[Key]:
        """Django's ``_generate_plan``: concatenated forwards plans, first occurrence wins.

        With ``at_end=False`` the given nodes themselves are left out (the state *before*
        them), as ``make_state(at_end=False)`` needs.
        """
        excluded = set() if at_end else set(nodes)
        seen: set[Key] = set()
        plan: list[Key] = []
        for node in nodes:
            if node not in self.nodes:
                raise NodeNotFoundError(f"Node {node!r} not a valid node", node)
            plan.extend(m for m in self.iterative_dfs(node, seen=seen) if m not in excluded)
        return plan

    # -- roots and leaves -------------------------------------------------------------------

    def root_nodes(self, app: str | None = None) -> list[Key]:
        """Nodes with no parent in their own app (sorted), optionally of one app only."""
        if not app:
            if self._all_roots is None:
                self._all_roots = sorted(k for a in self._app_keys for k in self._app_roots(a))
            return list(self._all_roots)
        return list(self._app_roots(app))

    def leaf_nodes(self, app: str | None = None) -> list[Key]:
        """Nodes with no child in their own app (sorted), optionally of one app only."""
        if not app:
            if self._all_leaves is None:
                self._all_leaves = sorted(k for a in self._app_keys for k in self._app_leaves(a))
            return list(self._all_leaves)
        return list(self._app_leaves(app))

    def _app_roots(self, app: str) -> list[Key]:
        cached = self._roots.get(app)
        if cached is None:
            cached = sorted(
                key
                for key in self._app_keys.get(app, ())
                if all(parent.key[0] != app for parent in self.node_map[key].parents)
            )
            self._roots[app] = cached
        return cached

    def _app_leaves(self, app: str) -> list[Key]:
        cached = self._leaves.get(app)
        if cached is None:
            cached = sorted(
                key
                for key in self._app_keys.get(app, ())
                if all(child.key[0] != app for child in self.node_map[key].children)
            )
            self._leaves[app] = cached
        return cached

    def app_nodes(self, app: str) -> list[Key]:
        """Keys of one app's nodes, in insertion order."""
        return list(self._app_keys.get(app, ()))

    # -- convenience ------------------------------------------------------------------------

    def parents(self, key: Key) -> list[Key]:
        """Sorted keys of ``key``'s direct dependencies."""
        return sorted_keys(self.node_map[key].parents)

    def children(self, key: Key) -> list[Key]:
        """Sorted keys of the nodes that directly depend on ``key``."""
        return sorted_keys(self.node_map[key].children)

    def edges(self) -> Iterable[tuple[Key, Key]]:
        """Every ``(child, parent)`` edge, children in insertion order, parents sorted."""
        for key, node in self.node_map.items():
            for parent in sorted_keys(node.parents):
                yield key, parent

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def _nodes_and_edges(self) -> tuple[int, int]:
        return len(self.nodes), sum(len(node.parents) for node in self.node_map.values())

    def __str__(self) -> str:
        return "Graph: {} nodes, {} edges".format(*self._nodes_and_edges())

    def __repr__(self) -> str:
        nodes, edges = self._nodes_and_edges()
        return f"<{type(self).__name__}: nodes={nodes}, edges={edges}>"
