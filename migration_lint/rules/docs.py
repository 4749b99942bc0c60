"""Rule documentation rendered from the registry, so README and docs cannot drift from it."""

from __future__ import annotations

from migration_lint.rules import REGISTRY


def rules_markdown_table() -> str:
    """The Markdown table of rules the README embeds (a test keeps the two equal)."""
    lines = ["| Code | Name | Severity | What it finds |", "| --- | --- | --- | --- |"]
    lines.extend(
        f"| {r.code} | `{r.name}` | {r.severity.value} | {r.summary} |"
        for _, r in sorted(REGISTRY.items())
    )
    return "\n".join(lines) + "\n"
