"""The migrations that exist at a git ref: what production runs (``check --base REF``).

With a baseline the safety rules judge only the migrations the ref does not have, as one
deploy unit, and the ML5xx rules compare the ref's migration files with the work tree's.
Everything git says is read here, once, so that the rules stay pure functions of the
analysis (and the results cache can key them on :meth:`Baseline.fingerprint`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from migration_lint.git import GitError, RefFile, app_migrations_at, open_ref
from migration_lint.graph import Key

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

__all__ = ["BaseMigration", "Baseline", "BaselineError", "load_baseline", "resolve_base"]


class BaselineError(Exception):
    """The base ref cannot be read (unknown ref, shallow clone, no repository)."""


@dataclass(frozen=True)
class BaseMigration:
    """A migration file of the project's own apps as the ref has it.

    ``path`` is where it lies (in the work tree's layout, so it may be gone now);
    ``source`` is its text at the ref, read only when the work tree's file differs from it
    or is missing: ``None`` means unchanged.
    """

    key: Key
    path: Path
    object_id: str
    source: bytes | None = None


@dataclass(frozen=True)
class Baseline:
    """What a git ref says is deployed.

    ``new`` are the migrations of the working tree that the ref does not have: the change
    under review, linted as one deploy unit against the state the others leave.
    ``migrations`` are the ref's own migration files, by key.
    """

    ref: str
    new: frozenset[Key]
    commit: str = ""
    migrations: Mapping[Key, BaseMigration] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable text identifying this baseline, for the results cache: the commit and
        each base file's blob id stand for the contents the ML5xx rules read."""
        files = sorted(self.migrations.values(), key=lambda m: m.key)
        return "\0".join(
            [
                self.ref,
                self.commit,
                *(f"{app}.{name}" for app, name in sorted(self.new)),
                *(f"{m.key}:{m.path}:{m.object_id}" for m in files),
            ]
        )


def resolve_base(
    option: str | None, no_base: bool, configured: str | None, environ: Mapping[str, str]
) -> str | None:
    """The ref ``check`` compares with: ``--no-base`` turns it off; else ``--base``, the
    ``base`` configuration key, and in a GitHub Actions pull request job
    ``origin/$GITHUB_BASE_REF`` (the branch the PR merges into), in that order."""
    if no_base:
        return None
    if option or configured:
        return option or configured
    github_base = environ.get("GITHUB_BASE_REF", "")
    if environ.get("GITHUB_ACTIONS") == "true" and github_base:
        return f"origin/{github_base}"
    return None


def _unchanged(ref_file: RefFile, path: str, blob_id: Callable[[bytes], str]) -> bool:
    """Whether the work tree's ``path`` holds exactly the ref's blob."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    return blob_id(data) == ref_file.object_id


def load_baseline(analysis: Analysis, name: str) -> Baseline:
    """Read ``name``'s migration files in the project's own migrations directories.

    Apps whose migrations are not versioned in this repository (external apps, installed
    packages) have no new migrations: they are not the change under review.
    """
    own_apps = [app for app in analysis.project.apps if app.label not in analysis.external_apps]
    try:
        ref = open_ref(analysis.config.root, name)
        at_ref = app_migrations_at(ref, own_apps)
        base = {
            (label, migration): ref_file
            for label, names in at_ref.items()
            for migration, ref_file in (names or {}).items()
        }
        changed = {
            key: ref_file
            for key, ref_file in base.items()
            if key not in analysis.by_key
            or not _unchanged(ref_file, analysis.by_key[key].path, ref.blob_id)
        }
        contents = ref.read(ref_file.object_id for ref_file in changed.values())
    except GitError as error:
        raise BaselineError(
            f"cannot read the base ref {name!r}: {error} (the base comes from --base, the "
            "`base` setting or, in a GitHub Actions pull request job, origin/$GITHUB_BASE_REF; "
            "--no-base turns it off)"
        ) from None
    versioned = {label for label, names in at_ref.items() if names is not None}
    return Baseline(
        ref=name,
        new=frozenset(
            m.key for m in analysis.files if m.app_label in versioned and m.key not in base
        ),
        commit=ref.commit,
        migrations={
            key: BaseMigration(
                key,
                ref.toplevel / ref_file.path,
                ref_file.object_id,
                contents[ref_file.object_id] if key in changed else None,
            )
            for key, ref_file in base.items()
        },
    )
