"""The migrations that exist at a git ref: what production runs (``check --base REF``)."""

from __future__ import annotations

from dataclasses import dataclass

from migration_lint.graph import Key

__all__ = ["Baseline"]


@dataclass(frozen=True)
class Baseline:
    """What a git ref says is deployed.

    ``new`` are the migrations of the working tree that the ref does not have: the change
    under review, linted as one deploy unit against the state the others leave.
    """

    ref: str
    new: frozenset[Key]

    def fingerprint(self) -> str:
        """A stable text identifying this baseline, for the results cache."""
        return f"{self.ref}\0" + "\0".join(f"{app}.{name}" for app, name in sorted(self.new))
