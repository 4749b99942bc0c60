"""Deploy-process rules: stage markers that contradict the operations, lock timeouts.

django-safemigrate (``safe = Safe.before_deploy()`` / ``after_deploy()`` / ``always()``) and
django-syzygy (``stage = Stage.PRE_DEPLOY`` / ``POST_DEPLOY``) let a deploy run some
migrations before the new code starts and others after the old code stopped. Which stage an
operation needs follows from what it does: code of the new release needs what is *added*
before it runs, and the old release needs what is *dropped* until it stops.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.model import MigrationFile, Stage
from migration_lint.rules.base import rule
from migration_lint.safety.effects import LOCKS, Effect, linted_effects
from migration_lint.safety.scope import Site

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

#: Operations whose result the new release's code relies on: they must run before it starts.
_ADDITIVE = frozenset(
    f"django.db.migrations.{name}" for name in ("CreateModel", "AddField", "AddConstraint")
)


def _needs(site: Site, effects: tuple[Effect, ...]) -> Stage | None:
    """The stage the operation at ``site`` needs, if it needs one."""
    if any(effect.stage == "post-deploy" for effect in effects):
        return "post-deploy"
    if site.operation.path in _ADDITIVE:
        return "pre-deploy"
    return None


def _stage_needs(analysis: Analysis) -> dict[MigrationFile, dict[Stage, Site]]:
    """For each linted migration, the first operation needing each stage."""
    needs: dict[MigrationFile, dict[Stage, Site]] = {}
    for site, effects in linted_effects(analysis):
        stages = needs.setdefault(site.migration, {})
        needed = _needs(site, effects)
        if needed is not None:
            stages.setdefault(needed, site)
    return needs


def _uses_stages(analysis: Analysis) -> bool:
    return any(migration.stage is not None for migration in analysis.files)


@rule(
    "ML130",
    "mixed-deploy-stages",
    Severity.ERROR,
    "A migration whose operations need different deploy stages, or not the one it declares",
    scope="file",
)
def mixed_deploy_stages(analysis: Analysis) -> Iterator[Issue]:
    """Finds migrations that cannot run safely at any single point of a deploy.

    Operations that add (``CreateModel``, ``AddField``, ``AddConstraint``) must run before
    the new release starts; operations that drop what the old release still uses
    (``RemoveField``, ``DeleteModel``, ``DROP`` in SQL) after it has stopped. Reported:

    * a migration declared ``Safe.before_deploy()`` / ``Safe.always()`` /
      ``Stage.PRE_DEPLOY`` that drops something the running release uses;
    * a migration declared ``Safe.after_deploy()`` / ``Stage.POST_DEPLOY`` that adds
      something the new release needs;
    * in a project that declares stages at all, a migration without a declaration that
      does both.

    ## Why it hurts
    A pre-deploy drop breaks the release that is still serving requests; a post-deploy
    addition breaks the new release until the migration runs. A migration that does both
    is wrong whenever it runs: django-syzygy refuses such migrations as ambiguous.

    ## What to do instead
    Split the migration: the additions in one (pre-deploy), the drops in a later one marked
    to run after the deploy::

        class Migration(migrations.Migration):
            safe = Safe.after_deploy()
            dependencies = [("shop", "0042_book_subtitle")]
            operations = [migrations.RemoveField("book", "legacy_code")]
    """
    uses_stages = _uses_stages(analysis)
    for migration, needs in _stage_needs(analysis).items():
        declared = migration.stage
        if declared is not None:
            wrong: Stage = "pre-deploy" if declared.stage == "post-deploy" else "post-deploy"
            site = needs.get(wrong)
            if site is None:
                continue
            yield site.issue(
                f"`{declared.source}` declares this migration {declared.stage}, but "
                f"{site.operation.name} needs to run {wrong}",
                f"move {site.operation.name} into a separate migration that runs {wrong}",
            )
        elif uses_stages and len(needs) > 1:
            first, second = needs["pre-deploy"], needs["post-deploy"]
            yield second.issue(
                f"this migration mixes a pre-deploy {first.operation.name} (line "
                f"{first.operation.span.line}) with a post-deploy {second.operation.name}",
                "split it: the additions in one migration, the drops in a later one marked "
                "to run after the deploy",
            )


#: Locks that queue behind a long-running query and then block every other query.
_QUEUEING = frozenset(LOCKS[LOCKS.index("SHARE") : LOCKS.index("unknown")])


@rule(
    "ML131",
    "lock-timeout-not-set",
    Severity.INFO,
    "Locks taken on existing tables while the deploy runner is not known to set "
    "lock_timeout (once per run)",
)
def lock_timeout_not_set(analysis: Analysis) -> Iterator[Issue]:
    """Says once per run that locks will be taken without a ``lock_timeout``.

    Reported at the first operation of the linted migrations that takes a lock stronger
    than ``SHARE UPDATE EXCLUSIVE`` on a table that already exists, unless the
    configuration says ``deploy-sets-lock-timeout = true``. Not for SQLite.

    ## Why it hurts
    Even a lock held for a millisecond (adding a nullable column) has to wait for every
    query running on the table, and every query that arrives meanwhile queues behind it.
    One slow report query turns a harmless ``ALTER TABLE`` into minutes of downtime.

    ## What to do instead
    Make the deploy runner set timeouts and retry, for example in the migration
    connection's options (``"options": "-c lock_timeout=5s -c statement_timeout=60s"`` in
    a ``DATABASES`` entry used for migrating, or django-pg-zero-downtime-migrations'
    ``ZERO_DOWNTIME_MIGRATIONS_LOCK_TIMEOUT``), then set ``deploy-sets-lock-timeout =
    true`` in ``[tool.migration-lint]``.
    """
    config = analysis.config
    if config.deploy_sets_lock_timeout or config.database == "sqlite":
        return
    locking = [
        (site, effect)
        for site, effects in linted_effects(analysis)
        for effect in effects
        if effect.lock in _QUEUEING
        and effect.model not in site.fresh
        and not site.migration.replaces  # squashes run on new databases (see is_reported)
    ]
    if not locking:
        return
    site, effect = locking[0]
    migrations = len({id(site.migration) for site, _ in locking})
    yield site.issue(
        f"{len(locking)} change(s) in {migrations} migration(s) lock existing tables "
        f"(the first {effect.what}: {effect.lock}) and the deploy runner is not known to set "
        "lock_timeout",
        "set lock_timeout / statement_timeout for migrations, then "
        "`deploy-sets-lock-timeout = true` in [tool.migration-lint]",
    )
