"""The rule registry, rule selection and suppression.

Importing this package registers every rule family; :func:`run_rules` runs the selected
ones over an analysis and drops what ``# noqa`` comments, per-file ignores and external apps
(code the project does not own, such as Django's contrib apps) silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatch
from typing import TYPE_CHECKING

from migration_lint.findings import Finding, Issue
from migration_lint.model import MigrationFile, Suppressions
from migration_lint.pipeline import display_path
from migration_lint.results_cache import Results, inputs_digest, load_results, store_results
from migration_lint.rules import (  # noqa: F401  (registers the rules)
    columns,
    data,
    deploy,
    files,
    graph,
    history,
    hygiene,
    indexes,
    sql,
    state,
)
from migration_lint.rules.base import REGISTRY, Rule
from migration_lint.rules.hygiene import UNUSED_NOQA, Use, unused_noqa_issues

if TYPE_CHECKING:
    from migration_lint.config import Config
    from migration_lint.pipeline import Analysis
    from migration_lint.targets import Targets

__all__ = ["REGISTRY", "Rule", "run_rules", "select_rules", "unknown_selectors"]

DEFAULT_SELECT = ("ML",)


def _matches(rule: Rule, selectors: Iterable[str]) -> bool:
    """A selector is ``ALL``, a code prefix (``ML0``, ``ML001``) or a rule name."""
    return any(
        selector == "ALL" or rule.code.startswith(selector.upper()) or rule.name == selector
        for selector in selectors
    )


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    """The selectors that match no rule (a typo in ``--select`` should be an error)."""
    return [s for s in selectors if not any(_matches(r, [s]) for r in REGISTRY.values())]


def select_rules(
    select: Sequence[str], ignore: Sequence[str], extend_select: Sequence[str] = ()
) -> list[Rule]:
    """The rules ``select`` (default: all) plus ``extend_select``, minus ``ignore``."""
    chosen = [*(select or DEFAULT_SELECT), *extend_select]
    return [
        rule
        for code, rule in sorted(REGISTRY.items())
        if _matches(rule, chosen) and not _matches(rule, ignore)
    ]


def _suppressed(suppressions: Suppressions, finding: Finding, used: set[Use]) -> bool:
    """Whether a ``noqa`` comment silences ``finding``; the comments naming its code are
    recorded in ``used`` (for ML504)."""

    def covers(codes: tuple[str, ...]) -> bool:
        return not codes or finding.code in codes

    if suppressions.file_codes is not None and covers(suppressions.file_codes):
        return True
    silencing = [
        line
        for line, codes in suppressions.lines
        if finding.line <= line <= finding.end_line and covers(codes)
    ]
    used.update((finding.path, line, finding.code) for line in silencing)
    return bool(silencing)


def _code_matches(code: str, selectors: Sequence[str]) -> bool:
    """``per-*-ignores`` entries: an empty list means every code, else codes or prefixes."""
    return not selectors or any(code.startswith(selector) for selector in selectors)


def _ignored_by_config(config: Config, finding: Finding) -> bool:
    app_codes = config.per_app_ignores.get(finding.app or "")
    if app_codes is not None and _code_matches(finding.code, app_codes):
        return True
    return any(
        fnmatch(finding.path, pattern) and _code_matches(finding.code, codes)
        for pattern, codes in config.per_file_ignores.items()
    )


def run_rules(
    analysis: Analysis, rules: Sequence[Rule], targets: Targets | None = None
) -> list[Finding]:
    """Run ``rules`` and return the findings nobody silenced, sorted by place.

    With a cache directory, each rule's issues are reused from the last run when nothing the
    rules read has changed (:mod:`migration_lint.results_cache`). With ``targets`` (the
    files ``check`` was handed, see :mod:`migration_lint.targets`), findings of file-scoped
    rules are kept only when they point at a target.
    """
    cache_dir = analysis.config.cache_dir
    digest = inputs_digest(analysis) if cache_dir is not None else b""
    stored = load_results(cache_dir, digest) if cache_dir is not None else {}
    new: Results = {}
    files_by_path: dict[str, MigrationFile] = {
        display_path(migration.path): migration for migration in analysis.files
    }
    findings: list[Finding] = []
    used: set[Use] = set()

    def report(rule: Rule, issues: Iterable[Issue]) -> None:
        for issue in issues:
            finding = rule.finding(issue)
            if finding.app in analysis.external_apps:
                continue
            if targets is not None and rule.scope == "file" and not targets.covers(finding.path):
                continue
            migration = files_by_path.get(finding.path)
            if migration is not None and _suppressed(migration.suppressions, finding, used):
                continue
            if _ignored_by_config(analysis.config, finding):
                continue
            findings.append(finding)

    for rule in rules:
        issues = stored.get(rule.code)
        if issues is None:
            issues = new[rule.code] = tuple(rule.check(analysis))
        report(rule, issues)
    if cache_dir is not None:
        store_results(cache_dir, digest, stored, new)
    if any(rule.code == UNUSED_NOQA for rule in rules):
        judged = [
            migration
            for path, migration in files_by_path.items()
            if migration.app_label not in analysis.external_apps
            and (targets is None or targets.covers(path))
        ]
        ran = {rule.code for rule in rules}
        report(REGISTRY[UNUSED_NOQA], unused_noqa_issues(judged, used, ran))
    return sorted(findings, key=Finding.sort_key)
