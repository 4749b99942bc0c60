"""``check --statistics``: how many findings each rule has, most frequent first (like
``ruff --statistics``), to size a clean-up or pick what to ``--ignore`` first."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from migration_lint.findings import Finding


def rule_counts(findings: Sequence[Finding]) -> list[tuple[str, str, int]]:
    """``(code, name, count)`` for every rule with a finding, by count then code."""
    counts = Counter((f.code, f.name) for f in findings)
    return sorted(
        ((code, name, count) for (code, name), count in counts.items()),
        key=lambda row: (-row[2], row[0]),
    )


def render_statistics(findings: Sequence[Finding], as_json: bool = False) -> str:
    """A ``count  code  name`` table, or with ``as_json`` a list of objects (ruff's shape)."""
    rows = rule_counts(findings)
    if as_json:
        records = [{"code": code, "name": name, "count": count} for code, name, count in rows]
        return json.dumps(records, indent=2) + "\n"
    width = max((len(str(count)) for _, _, count in rows), default=1)
    return "".join(f"{count:>{width}}\t{code}\t{name}\n" for code, name, count in rows)
