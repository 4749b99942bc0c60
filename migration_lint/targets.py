"""What ``check`` reports on when it is handed files, as the pre-commit hook hands them.

pre-commit passes the changed files only. Linting those files alone would be wrong: the
graph needs every migration (a conflict is two leaves, one of which did not change; a missing
parent is missing only if no other file provides it). So when PATHS include a file, the
whole project is loaded as if no PATHS were given (the configuration's ``paths``, else the
project root found from the first PATH), and PATHS only decide what is *reported*:

* findings of file-scoped rules (:data:`migration_lint.rules.base.Scope`) are reported when
  they point at one of the files passed, or at a file under one of the directories passed;
* findings of project-scoped rules (conflicts, cycles, missing dependencies, squashes,
  project layout) are always reported, because a new file can cause them anywhere.

When PATHS are only directories nothing changes: they are what is scanned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


def _real(path: str | Path) -> str:
    """One spelling per file: absolute, symlinks resolved (reports use cwd-relative paths)."""
    return os.path.realpath(path)


@dataclass(frozen=True)
class Targets:
    """The files and directories whose file-scoped findings are reported."""

    files: frozenset[str]
    directories: tuple[str, ...]

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> Targets | None:
        """The targets of PATHS, or ``None`` (report everything) when no PATH is a file."""
        paths = list(paths)
        if all(path.is_dir() for path in paths):
            return None
        return cls(
            files=frozenset(_real(path) for path in paths if not path.is_dir()),
            directories=tuple(os.path.join(_real(path), "") for path in paths if path.is_dir()),
        )

    def covers(self, path: str) -> bool:
        """Whether a finding at ``path`` (as reports show it) concerns a target."""
        real = _real(path)
        return real in self.files or real.startswith(self.directories)
