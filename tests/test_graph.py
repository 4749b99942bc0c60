"""MigrationGraph: Django's own graph tests, ported, plus a differential check against Django.

The scenarios follow ``tests/migrations/test_graph.py`` of Django; the random part builds the
same DAGs with ``django.db.migrations.graph.MigrationGraph`` (which needs no settings) and
compares every plan, root and leaf list.
"""

from __future__ import annotations

import random

import pytest
from django.db.migrations import graph as django_graph

from migration_lint.graph import (
    CircularDependencyError,
    DummyNode,
    Key,
    MigrationGraph,
    Node,
    NodeNotFoundError,
)


def build(nodes: list[Key], edges: list[tuple[Key, Key]]) -> MigrationGraph:
    """A graph of ``nodes`` with each ``(child, parent)`` edge."""
    graph = MigrationGraph()
    for key in nodes:
        graph.add_node(key, None)
    for child, parent in edges:
        graph.add_dependency(f"{child[0]}.{child[1]}", child, parent)
    return graph


A1, A2, A3, A4 = ("app_a", "0001"), ("app_a", "0002"), ("app_a", "0003"), ("app_a", "0004")
B1, B2 = ("app_b", "0001"), ("app_b", "0002")
C1, C2 = ("app_c", "0001"), ("app_c", "0002")


def test_simple_graph() -> None:
    graph = build(
        [A1, A2, A3, A4, B1, B2],
        [(A4, A3), (A3, A2), (A2, A1), (A3, B2), (B2, B1)],
    )
    assert graph.forwards_plan(A1) == [A1]
    assert graph.forwards_plan(B2) == [B1, B2]
    assert graph.forwards_plan(A4) == [B1, B2, A1, A2, A3, A4]
    assert graph.backwards_plan(B2) == [A4, A3, B2]
    assert graph.root_nodes() == [A1, B1]
    assert graph.leaf_nodes() == [A4, B2]


def test_complex_graph() -> None:
    graph = build(
        [A1, A2, A3, A4, B1, B2, C1, C2],
        [
            (A4, A3),
            (A3, A2),
            (A2, A1),
            (A3, B2),
            (B2, B1),
            (A4, C2),
            (C2, C1),
            (C1, B1),
            (C2, A2),
        ],
    )
    assert graph.forwards_plan(C2) == [B1, C1, A1, A2, C2]
    assert graph.forwards_plan(A4) == [B1, C1, A1, A2, C2, B2, A3, A4]
    assert graph.backwards_plan(B1) == [A4, C2, C1, A3, B2, B1]
    assert graph.root_nodes() == [A1, B1, C1]
    assert graph.leaf_nodes() == [A4, B2, C2]
    assert graph.root_nodes("app_c") == [C1]
    assert graph.leaf_nodes("app_a") == [A4]


def test_tie_break_explores_largest_key_first() -> None:
    """a3 with parents {a2, b2, c1} and b1 -> a1: c1, a1, b1, b2, a2, a3 (spec section 4)."""
    a1, a2, a3 = ("a", "1"), ("a", "2"), ("a", "3")
    b1, b2, c1 = ("b", "1"), ("b", "2"), ("c", "1")
    graph = build(
        [a1, a2, a3, b1, b2, c1], [(a3, a2), (a3, b2), (a3, c1), (a2, a1), (b2, b1), (b1, a1)]
    )
    assert graph.forwards_plan(a3) == [c1, a1, b1, b2, a2, a3]


def test_merge_graph_order() -> None:
    """0002 -> {0003_a, 0003_b} -> 0004: the larger sibling comes first."""
    k1, k2 = ("library", "0001_initial"), ("library", "0002_x")
    ka, kb, k4 = ("library", "0003_a"), ("library", "0003_b"), ("library", "0004_merge")
    graph = build([k1, k2, ka, kb, k4], [(k2, k1), (ka, k2), (kb, k2), (k4, ka), (k4, kb)])
    assert graph.forwards_plan(k4) == [k1, k2, kb, ka, k4]
    assert graph.backwards_plan(k1) == [k4, kb, ka, k2, k1]


def test_circular_graph() -> None:
    graph = build(
        [A1, A2, A3, B1, B2],
        [(A3, A2), (A2, A1), (A1, B2), (B2, B1), (B1, A3)],
    )
    with pytest.raises(CircularDependencyError) as info:
        graph.ensure_not_cyclic()
    named = {tuple(part.split(".")) for part in str(info.value).split(", ")}
    assert named == {A1, A2, A3, B1, B2}
    # Plans still terminate and keep every node once.
    plan = graph.forwards_plan(A3)
    assert sorted(plan) == sorted([A1, A2, A3, B1, B2])
    assert plan[-1] == A3


def test_circular_graph_2() -> None:
    a, b, c = ("A", "0001"), ("B", "0001"), ("C", "0001")
    graph = build([a, c, b], [(a, b), (b, a), (c, b)])
    with pytest.raises(CircularDependencyError):
        graph.ensure_not_cyclic()
    assert [set(cycle) for cycle in graph.find_cycles()] == [{a, b}]


def test_find_cycles_reports_every_cycle() -> None:
    x1, x2, y1, y2, z1 = ("x", "1"), ("x", "2"), ("y", "1"), ("y", "2"), ("z", "1")
    graph = build(
        [x1, x2, y1, y2, z1],
        [(x1, x2), (x2, x1), (y2, y1), (y1, y2), (z1, z1), (y1, x1)],
    )
    cycles = graph.find_cycles()
    assert [set(cycle) for cycle in cycles] == [{x1, x2}, {y1, y2}, {z1}]
    # Each cycle follows children edges and closes on its first node, like Django's text.
    for cycle in cycles:
        for here, there in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            assert there in graph.node_map[here].children


def test_find_cycles_none_on_dag() -> None:
    graph = build([A1, A2, B1], [(A2, A1), (B1, A2)])
    assert graph.find_cycles() == []
    graph.ensure_not_cyclic()


def test_infinite_loop() -> None:
    """Django's test_infinite_loop: a squash on app_c closes a cycle through app_b."""
    c = ("app_c", "0001_squashed_0002")
    graph = build([A1, B1, B2, c], [(B1, c), (B2, A1), (B2, B1), (c, B2)])
    with pytest.raises(CircularDependencyError):
        graph.ensure_not_cyclic()


def test_iterative_dfs() -> None:
    graph = MigrationGraph()
    root = ("app_a", "1")
    graph.add_node(root, None)
    expected = [root]
    for i in range(2, 750):
        parent, child = ("app_a", str(i - 1)), ("app_a", str(i))
        graph.add_node(child, None)
        graph.add_dependency(str(i), child, parent)
        expected.append(child)
    assert graph.forwards_plan(expected[-1]) == expected
    assert graph.backwards_plan(root) == expected[::-1]


def test_iterative_dfs_complexity() -> None:
    n = 50
    graph = MigrationGraph()
    for i in range(1, n + 1):
        for app in ("app_a", "app_b", "app_c"):
            graph.add_node((app, str(i)), None)
    for i in range(1, n):
        graph.add_dependency(None, ("app_b", str(i)), ("app_a", str(i)))
        graph.add_dependency(None, ("app_c", str(i)), ("app_a", str(i)))
        graph.add_dependency(None, ("app_a", str(i + 1)), ("app_b", str(i)))
        graph.add_dependency(None, ("app_a", str(i + 1)), ("app_c", str(i)))
    expected = [(app, str(i)) for i in range(1, n) for app in ("app_a", "app_c", "app_b")]
    assert graph.forwards_plan(("app_a", str(n))) == [*expected, ("app_a", str(n))]


def test_plan_invalid_node() -> None:
    graph = MigrationGraph()
    with pytest.raises(NodeNotFoundError, match=r"Node \('app_b', '0001'\) not a valid node"):
        graph.forwards_plan(B1)
    with pytest.raises(NodeNotFoundError, match=r"Node \('app_b', '0001'\) not a valid node"):
        graph.backwards_plan(B1)


def test_missing_parent_nodes() -> None:
    graph = build([A1, A2, A3, B1], [(A3, A2), (A2, A1)])
    message = (
        "Migration app_a.0001 dependencies reference nonexistent parent node ('app_b', '0002')"
    )
    with pytest.raises(NodeNotFoundError) as info:
        graph.add_dependency("app_a.0001", A1, B2)
    assert str(info.value) == message
    assert info.value.node == B2


def test_missing_child_nodes() -> None:
    graph = build([A1], [])
    with pytest.raises(NodeNotFoundError) as info:
        graph.add_dependency(("app_a", "0002"), A2, A1)
    assert str(info.value) == (
        "Migration app_a.0002 dependencies reference nonexistent child node ('app_a', '0002')"
    )


def test_validate_consistency() -> None:
    graph = build([A1], [])
    graph.add_dependency("app_a.0001", A1, B2, skip_validation=True)
    with pytest.raises(NodeNotFoundError, match="nonexistent parent node"):
        graph.validate_consistency()
    assert [node.key for node in graph.dummy_nodes()] == [B2]

    ok = build([A1, B2], [])
    ok.add_dependency("app_a.0001", A1, B2, skip_validation=True)
    ok.validate_consistency()
    assert ok.dummy_nodes() == []


def test_validate_consistency_dummy() -> None:
    message = "app_a.0001 (req'd by app_b.0002) is missing!"
    graph = MigrationGraph()
    graph.add_dummy_node(A1, "app_b.0002", message)
    with pytest.raises(NodeNotFoundError, match=r"req'd by app_b\.0002"):
        graph.validate_consistency()


def test_dummy_nodes_in_insertion_order() -> None:
    graph = build([A1, A2], [])
    graph.add_dependency(A2, A2, C2, skip_validation=True)
    graph.add_dependency(A1, A1, B1, skip_validation=True)
    graph.add_dependency(A2, C1, A2, skip_validation=True)
    assert [node.key for node in graph.dummy_nodes()] == [C2, B1, C1]
    assert graph.dummy_nodes()[2].error_message == (
        "Migration app_a.0002 dependencies reference nonexistent child node ('app_c', '0001')"
    )


def test_remove_replaced_nodes() -> None:
    squash = ("app_a", "0001_squashed_0002")
    graph = MigrationGraph()
    graph.add_dummy_node(A1, "app_a.0002", "BAD!")
    graph.add_dummy_node(A2, "app_b.0001", "BAD!")
    graph.add_dependency("app_a.0002", A2, A1, skip_validation=True)
    graph.add_node(C1, None)
    graph.add_node(B1, None)
    graph.add_dependency("app_a.0001", A1, C1, skip_validation=True)
    graph.add_dependency("app_b.0001", B1, A2, skip_validation=True)
    with pytest.raises(NodeNotFoundError, match="Unable to find replacement node"):
        graph.remove_replaced_nodes(squash, [A1, A2])
    graph.add_node(squash, None)
    with pytest.raises(NodeNotFoundError, match="BAD!"):
        graph.validate_consistency()
    graph.remove_replaced_nodes(squash, [A1, A2])
    graph.validate_consistency()
    assert C1 in graph.node_map[squash].parents
    assert squash in graph.node_map[C1].children
    assert B1 in graph.node_map[squash].children
    assert squash in graph.node_map[B1].parents
    assert A1 not in graph.node_map and A2 not in graph.nodes
    assert squash not in graph.node_map[squash].parents


def test_remove_replacement_node() -> None:
    squash = ("app_a", "0001_squashed_0002")
    graph = build([A1, A2], [(A2, A1)])
    with pytest.raises(NodeNotFoundError, match="Unable to remove replacement node"):
        graph.remove_replacement_node(squash, [A1, A2])
    graph.add_node(squash, None)
    graph.add_node(B1, None)
    graph.add_dependency("app_b.0001", B1, squash)
    graph.remove_replacement_node(squash, [A1, A2])
    graph.validate_consistency()
    assert B1 in graph.node_map[A2].children
    assert A2 in graph.node_map[B1].parents
    assert B1 not in graph.node_map[A1].children
    assert squash not in graph.nodes


def test_roots_and_leaves_follow_mutations() -> None:
    """The per-app caches are invalidated by every change of that app's internal edges."""
    graph = build([A1, A2, A3], [(A2, A1)])
    assert graph.root_nodes("app_a") == [A1, A3]
    assert graph.leaf_nodes("app_a") == [A2, A3]
    graph.add_dependency(None, A3, A2)
    assert graph.root_nodes("app_a") == [A1]
    assert graph.leaf_nodes() == [A3]
    graph.add_node(B1, None)
    graph.add_dependency(None, B1, A3)  # cross-app edges do not change roots or leaves
    assert graph.leaf_nodes() == [A3, B1]
    assert graph.root_nodes() == [A1, B1]
    graph.remove_node(A2)
    assert graph.root_nodes("app_a") == [A1, A3]
    assert graph.leaf_nodes("app_a") == [A1, A3]
    squash = ("app_a", "0001_squashed")
    graph.add_node(squash, None)
    graph.remove_replaced_nodes(squash, [A1, A3])
    assert graph.root_nodes("app_a") == [squash]
    assert graph.leaf_nodes("app_a") == [squash]
    assert graph.parents(B1) == [squash]


def test_generate_plan() -> None:
    graph = build([A1, A2, B1, B2], [(A2, A1), (B2, B1), (B2, A1)])
    assert graph.generate_plan([A2, B2]) == [A1, A2, B1, B2]
    assert graph.generate_plan([A2, B2], at_end=False) == [A1, B1]


def test_stringify() -> None:
    graph = MigrationGraph()
    assert str(graph) == "Graph: 0 nodes, 0 edges"
    graph = build([A1, A2, A3, B1, B2], [(A2, A1), (A3, A2), (A3, B2)])
    assert str(graph) == "Graph: 5 nodes, 3 edges"
    assert repr(graph) == "<MigrationGraph: nodes=5, edges=3>"


def test_node_repr() -> None:
    node = Node(A1)
    assert repr(node) == "<Node: ('app_a', '0001')>"
    assert str(node) == "('app_a', '0001')"
    assert node == A1 and node[0] == "app_a"
    assert repr(DummyNode(A1, "app_a.0001", "x is missing")) == "<DummyNode: ('app_a', '0001')>"


# -- differential: the same random DAGs in Django's MigrationGraph ----------------------------


def random_dag(rng: random.Random) -> tuple[list[Key], list[tuple[Key, Key]]]:
    """Apps with chains, merges and extra roots, cross-app edges in a random topological order."""
    apps = rng.sample(["a", "b", "c", "d", "e"], rng.randint(1, 5))
    nodes: list[Key] = []
    for app in apps:
        count = rng.randint(1, 8)
        for i in range(count):
            name = f"{i + 1:04d}_{rng.choice(['x', 'y', 'auto', 'merge', ''])}"
            nodes.append((app, name))
    nodes = list(dict.fromkeys(nodes))
    rng.shuffle(nodes)  # a random topological order: edges only go to earlier nodes
    edges: list[tuple[Key, Key]] = []
    for index, child in enumerate(nodes):
        earlier = nodes[:index]
        same_app = [k for k in earlier if k[0] == child[0]]
        if same_app and rng.random() < 0.85:
            for parent in rng.sample(same_app, min(len(same_app), rng.choice([1, 1, 1, 2, 3]))):
                edges.append((child, parent))
        other_apps = [k for k in earlier if k[0] != child[0]]
        if other_apps and rng.random() < 0.4:
            for parent in rng.sample(other_apps, min(len(other_apps), rng.randint(1, 3))):
                edges.append((child, parent))
    rng.shuffle(nodes)  # insertion order must not matter
    return nodes, edges


@pytest.mark.parametrize("seed", range(300))
def test_differential_against_django(seed: int) -> None:
    rng = random.Random(seed)
    nodes, edges = random_dag(rng)
    ours = MigrationGraph()
    theirs = django_graph.MigrationGraph()
    for key in nodes:
        ours.add_node(key, None)
        theirs.add_node(key, None)
    for child, parent in edges:
        ours.add_dependency(None, child, parent, skip_validation=True)
        theirs.add_dependency(None, child, parent, skip_validation=True)
    assert ours.root_nodes() == theirs.root_nodes()
    assert ours.leaf_nodes() == theirs.leaf_nodes()
    for app in {key[0] for key in nodes}:
        assert ours.root_nodes(app) == theirs.root_nodes(app)
        assert ours.leaf_nodes(app) == theirs.leaf_nodes(app)
    for key in nodes:
        assert ours.forwards_plan(key) == theirs.forwards_plan(key)
        assert ours.backwards_plan(key) == theirs.backwards_plan(key)
    assert ours.find_cycles() == []
    leaves = ours.leaf_nodes()
    assert ours.generate_plan(leaves) == theirs._generate_plan(leaves, True)
    assert ours.generate_plan(leaves, at_end=False) == theirs._generate_plan(leaves, False)


def test_neighbours_are_nodes_like_djangos() -> None:
    """``parents`` / ``children`` hold Node objects that still compare like their keys."""
    graph = build([A1, A2, B1], [(A2, A1), (B1, A1)])
    parents = graph.node_map[A2].parents
    assert [node.key for node in parents] == [A1]
    assert A1 in parents and graph.node_map[A1] in parents
    assert {node.key for node in graph.node_map[A1].children} == {A2, B1}
    assert graph.children(A1) == [A2, B1]
    assert list(graph.edges()) == [(A2, A1), (B1, A1)]
