"""SARIF 2.1.0 for GitHub code scanning (``upload-sarif``) and other SARIF viewers.

What GitHub needs beyond the schema: every rule with short and full descriptions and help,
``ruleId`` on each result naming a rule of the run, ``level`` one of error/warning/note,
repository-relative ``uri``s (our paths are relative to the working directory, which in CI
is the checkout), and stable ``partialFingerprints`` so alerts survive unrelated edits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from migration_lint import __version__
from migration_lint.findings import Finding, Severity
from migration_lint.report.common import (
    INFORMATION_URI,
    ReportContext,
    SourceLines,
    line_fingerprint,
    message_with_hint,
)

if TYPE_CHECKING:
    from migration_lint.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: GitHub rejects rules whose ``fullDescription`` is longer.
FULL_DESCRIPTION_LIMIT = 1000


def _full_description(rule: Rule) -> str:
    """The doc's first paragraph (what the rule finds), cut to GitHub's limit."""
    first = " ".join(rule.doc.split("\n\n")[0].split())
    if len(first) > FULL_DESCRIPTION_LIMIT:
        first = first[: FULL_DESCRIPTION_LIMIT - 1].rstrip() + "…"
    return first


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _full_description(rule)},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["django", "migrations"]},
    }


def _artifact_location(path: str) -> dict[str, str]:
    """A relative path becomes a ``%SRCROOT%``-relative URI; one outside the working
    directory (only possible when linting paths elsewhere) stays an absolute file URI."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": "file://" + quote(str(posix))}
    return {"uri": quote(str(posix)), "uriBaseId": "%SRCROOT%"}


def _rules_for(findings: Sequence[Finding], selected: Sequence[Rule]) -> list[Rule]:
    """The selected rules, plus any rule a finding names that was not handed in (so a
    result's ``ruleId`` always resolves); all rules when nothing was selected."""
    from migration_lint.rules import REGISTRY

    rules = list(selected) or [rule for _, rule in sorted(REGISTRY.items())]
    known = {rule.code for rule in rules}
    for code in sorted({f.code for f in findings} - known):
        if code in REGISTRY:
            rules.append(REGISTRY[code])
    return rules


def sarif_document(findings: Sequence[Finding], context: ReportContext) -> dict[str, Any]:
    """The SARIF log as a dict (tests validate it against the official schema)."""
    rules = _rules_for(findings, context.rules)
    index = {rule.code: position for position, rule in enumerate(rules)}
    sources = SourceLines()
    seen: dict[str, int] = {}
    results = []
    for finding in findings:
        fingerprint = line_fingerprint(finding, sources.line(finding.path, finding.line))
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": LEVELS[finding.severity],
            "message": {"text": message_with_hint(finding)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(finding.path),
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": finding.end_column,
                        },
                    }
                }
            ],
            "partialFingerprints": {
                "primaryLocationLineHash": f"{fingerprint}:{seen[fingerprint]}"
            },
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    driver = {
        "name": "migration-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule_descriptor(rule) for rule in rules],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
        ],
    }


def render_sarif(findings: Sequence[Finding], context: ReportContext | None = None) -> str:
    """The SARIF log as indented JSON."""
    document = sarif_document(findings, context or ReportContext())
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
