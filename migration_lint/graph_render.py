"""Draw the migration graph as Graphviz DOT or a Mermaid flowchart (child -> parent edges)."""

from __future__ import annotations

from collections.abc import Collection

from migration_lint.graph import Key, MigrationGraph


def _selected(
    graph: MigrationGraph, apps: Collection[str]
) -> tuple[list[Key], list[tuple[Key, Key]]]:
    """Nodes of ``apps`` (all when empty) and the edges between them and their parents."""
    nodes = sorted(key for key in graph.nodes if not apps or key[0] in apps)
    chosen = set(nodes)
    edges = sorted(
        (key, parent.key)
        for key in nodes
        for parent in graph.node_map[key].parents
        if not apps or parent.key in chosen or parent.key[0] in apps
    )
    return nodes, edges


def _by_app(nodes: list[Key]) -> dict[str, list[Key]]:
    grouped: dict[str, list[Key]] = {}
    for key in nodes:
        grouped.setdefault(key[0], []).append(key)
    return grouped


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: MigrationGraph, apps: Collection[str] = ()) -> str:
    """DOT with one cluster per app; leaves are drawn bold so conflicts stand out."""
    nodes, edges = _selected(graph, apps)
    leaves = set(graph.leaf_nodes())
    lines = ["digraph migrations {", "  rankdir=BT;", "  node [shape=box, fontsize=10];"]
    for index, (app, keys) in enumerate(_by_app(nodes).items()):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_quote(app)};")
        for key in keys:
            style = ", style=bold" if key in leaves else ""
            lines.append(f"    {_quote('.'.join(key))} [label={_quote(key[1])}{style}];")
        lines.append("  }")
    lines.extend(f"  {_quote('.'.join(c))} -> {_quote('.'.join(p))};" for c, p in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_mermaid(graph: MigrationGraph, apps: Collection[str] = ()) -> str:
    """A Mermaid ``flowchart`` (GitHub renders it in Markdown) with one subgraph per app."""
    nodes, edges = _selected(graph, apps)
    ids = {key: f"n{index}" for index, key in enumerate(sorted({*nodes, *(p for _, p in edges)}))}
    lines = ["flowchart BT"]
    for index, (app, keys) in enumerate(_by_app(nodes).items()):
        lines.append(f"  subgraph app{index}[{_quote(app)}]")
        lines.extend(f"    {ids[key]}[{_quote(key[1])}]" for key in keys)
        lines.append("  end")
    outside = sorted(set(ids) - set(nodes))
    lines.extend(f"  {ids[key]}[{_quote('.'.join(key))}]" for key in outside)
    lines.extend(f"  {ids[child]} --> {ids[parent]}" for child, parent in edges)
    return "\n".join(lines) + "\n"
