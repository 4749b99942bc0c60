"""The one-directional pipeline: discover -> parse (cached) -> graph. Checks read its result."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from migration_lint.baseline import Baseline, load_baseline
from migration_lint.cache import load_migration_files
from migration_lint.config import Config
from migration_lint.discovery import Project, discover
from migration_lint.graph import Key
from migration_lint.loader import LoadedGraph, build_graph
from migration_lint.model import MigrationFile


@dataclass
class Analysis:
    """Everything the checks, plans and reporters may read about one project."""

    config: Config
    project: Project
    files: list[MigrationFile]
    loaded: LoadedGraph
    #: Identifies the parsed files (contents, identities, paths): see ``LoadedFiles``.
    files_digest: bytes
    #: The migrations deployed at ``--base`` (``None``: every migration is its own deploy).
    baseline: Baseline | None = None
    by_key: dict[Key, MigrationFile] = field(init=False)
    #: Apps that are not the project's own (Django's contrib, external paths, installed apps
    #: outside the scanned tree): their migrations may load, but nobody reports on them.
    external_apps: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = {migration.key: migration for migration in self.files}
        self.external_apps = frozenset(
            {app.label for app in self.project.apps if app.external} | self.project.external_apps
        )

    def display_path(self, key: Key) -> str:
        """The path of a migration's file as reports show it ("" when it has no file)."""
        migration = self.by_key.get(key)
        return display_path(migration.path) if migration else ""


T = TypeVar("T")


def per_analysis(compute: Callable[[Analysis], T]) -> Callable[[Analysis], T]:
    """``compute`` run once per analysis, however many checks ask: the last result is kept
    for as long as its analysis lives (a weak reference, so nothing outlives a run)."""
    last: list[tuple[weakref.ref[Analysis], T]] = []

    def cached(analysis: Analysis) -> T:
        if last and last[0][0]() is analysis:
            return last[0][1]
        result = compute(analysis)
        last[:] = [(weakref.ref(analysis), result)]
        return result

    cached.__doc__ = compute.__doc__
    return cached


def display_path(path: str | Path) -> str:
    """``path`` relative to the working directory when it lies below it, with ``/``.

    Called once per finding and per file, so it sticks to string operations: pathlib's
    ``relative_to`` made it the slowest step of a warm run.
    """
    absolute = os.path.abspath(path)
    prefix = os.path.join(os.getcwd(), "")
    if absolute.startswith(prefix):
        absolute = absolute[len(prefix) :]
    return absolute.replace(os.sep, "/")


def _apply_aliases(files: list[MigrationFile], aliases: Mapping[str, str]) -> list[MigrationFile]:
    """Operations a project declared to behave like one of Django's take that one's path, so
    the state replay and every check treat them as such (``operation-aliases``)."""
    if not aliases:
        return files
    return [
        replace(
            migration,
            operations=tuple(
                replace(op, path=aliases[op.path]) if op.path in aliases else op
                for op in migration.operations
            ),
        )
        if any(op.path in aliases for op in migration.operations)
        else migration
        for migration in files
    ]


def analyse(config: Config, *, jobs: int | None = None) -> Analysis:
    """Run the pipeline up to the graph for the project ``config`` describes, and read the
    ``base`` ref when there is one (:class:`~migration_lint.baseline.BaselineError` when it
    cannot be read)."""
    project = discover(config)
    loaded_files = load_migration_files(project.sources, cache_dir=config.cache_dir, jobs=jobs)
    files = _apply_aliases(loaded_files.files, config.operation_aliases)
    loaded = build_graph(
        files,
        settings=config.settings,
        migrated_apps=project.migrated_apps,
        unmigrated_apps=project.unmigrated_apps,
        external_apps=project.external_apps,
        # Lenient only while some installed app's label is a guess (a third-party package
        # that is not on disk here): its real label may be the one a dependency names.
        strict_apps=config.strict_apps or project.labels_complete,
    )
    analysis = Analysis(
        config=config,
        project=project,
        files=files,
        loaded=loaded,
        files_digest=loaded_files.digest,
    )
    if config.base:
        analysis.baseline = load_baseline(analysis, config.base)
    return analysis
