"""Facts about the module-level functions of a migration file (RunPython code), via ``ast``."""

from __future__ import annotations

from migration_lint.model import FunctionFacts

__all__ = ["analyse_functions"]


def analyse_functions(text: str) -> tuple[FunctionFacts, ...]:
    """The facts of every module-level function of ``text`` (a file Python compiles)."""
    return ()
