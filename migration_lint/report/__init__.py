"""Reporters: each turns the same list of findings into one output format."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from migration_lint.findings import Finding
from migration_lint.report.json import render_json
from migration_lint.report.text import render_text

Reporter = Callable[[Sequence[Finding], bool], str]

REPORTERS: dict[str, Reporter] = {"text": render_text, "json": render_json}
