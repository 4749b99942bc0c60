"""Effects of ... (to be written)."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.safety.effects import Effect, Target
from migration_lint.safety.scope import Site


def effects(site: Site, target: Target) -> Iterator[Effect]:
    """The effects of the operation at ``site``."""
    return iter(())
