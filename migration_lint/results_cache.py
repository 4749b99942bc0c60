"""Rule results reused while nothing they read has changed.

Most runs (a pre-commit hook fired by a ``models.py`` edit, a second look at the same
branch) see a history that has not changed since the last run. The history-wide rules, the
state replay above all, would then recompute exactly what they found before. Their issues
are stored, per rule, under a digest of every input a rule can read: the tool's own code,
the working directory (reported paths are relative to it), the parsed files (their content
keys and paths), the settings facts, the apps and what discovery reported. One entry is
kept: the last project's.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import migration_lint
from migration_lint.cache import code_fingerprint, write_atomically

if TYPE_CHECKING:
    from migration_lint.findings import Issue
    from migration_lint.pipeline import Analysis

RESULTS_FILE = "results.pickle"

Results = dict[str, tuple["Issue", ...]]


def inputs_digest(analysis: Analysis) -> bytes:
    """Equal digests mean every rule would find the same issues."""
    package = Path(migration_lint.__file__).parent
    project = analysis.project
    config = analysis.config
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        code_fingerprint(sorted(package.rglob("*.py"))),
        os.getcwd(),
        analysis.files_digest.hex(),
        repr(config.settings),
        repr(config.strict_apps),
        repr(sorted(config.operation_aliases.items())),
        repr(project.apps),
        repr(sorted(project.external_apps)),
        repr(sorted(project.unmigrated_apps)),
        repr(project.labels_complete),
        repr(project.problems),
        repr(
            (
                config.database,
                config.database_version,
                sorted(config.hot_tables),
                sorted(config.small_tables),
                config.deploy_sets_lock_timeout,
            )
        ),
        analysis.baseline.fingerprint() if analysis.baseline else "",
    ):
        digest.update(part.encode() + b"\0")
    return digest.digest()


def load_results(cache_dir: Path, digest: bytes) -> Results:
    """The stored issues for ``digest`` by rule code; empty when there are none (or the
    file is unreadable: a cache never fails a run)."""
    try:
        with (cache_dir / RESULTS_FILE).open("rb") as stream:
            stored_digest, results = pickle.load(stream)
    except Exception:
        return {}
    return results if stored_digest == digest and isinstance(results, dict) else {}


def store_results(
    cache_dir: Path, digest: bytes, stored: Mapping[str, Sequence[Issue]], new: Results
) -> None:
    """Keep ``stored`` (already under ``digest``) plus the ``new`` results."""
    if new:
        payload = (digest, {**stored, **new})
        write_atomically(cache_dir, RESULTS_FILE, pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
