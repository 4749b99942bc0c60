"""The text ``manage.py migrate --plan`` prints, for a plan we computed without Django.

``migrate`` writes ``Planned operations:``, then for each ``(migration, backwards)`` pair of
the plan the migration as ``app_label.name`` and one line per operation, indented by four
spaces, in the file's order even when the migration is being unapplied
(``Command.describe_operation``, see :mod:`migration_lint.describe`). Each line goes
through ``OutputWrapper.write``, which appends ``"\\n"`` unless the line already ends with
one. The ANSI styling Django adds on a terminal is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .describe import describe_operation_detail
from .model import MigrationFile, OperationCall

__all__ = ["PlanText", "format_migrate_plan", "render_migrate_plan"]

_HEADER = "Planned operations:"
_EMPTY = "  No planned migration operations."
_INDENT = "    "


@dataclass(frozen=True, slots=True)
class PlanText:
    """The plan text, and the parts of it that may differ from Django's.

    ``inexact`` lists ``(migration, operation)`` for every line built from a value we could
    not evaluate (see :class:`migration_lint.describe.Description`), so that the CLI can warn
    about them with their file and line. ``incomplete`` lists the planned migrations the
    parser had problems with: when ``operations`` itself could not be read, their lines are
    missing altogether. ``irreversible`` lists the lines Django styles as a warning
    (``IRREVERSIBLE`` when unapplying).
    """

    text: str
    inexact: tuple[tuple[MigrationFile, OperationCall], ...] = ()
    incomplete: tuple[MigrationFile, ...] = ()
    irreversible: tuple[tuple[MigrationFile, OperationCall], ...] = ()


def _line(message: str) -> str:
    """``OutputWrapper.write``: add the ending unless the message already has it."""
    return message if message.endswith("\n") else message + "\n"


def render_migrate_plan(plan: Sequence[tuple[MigrationFile, bool]]) -> PlanText:
    """``migrate --plan`` for ``plan`` (pairs of migration and "backwards"), with exactness."""
    lines = [_line(_HEADER)]
    inexact: list[tuple[MigrationFile, OperationCall]] = []
    incomplete: list[MigrationFile] = []
    irreversible: list[tuple[MigrationFile, OperationCall]] = []
    if not plan:
        lines.append(_line(_EMPTY))
    for migration, backwards in plan:
        lines.append(_line(f"{migration.app_label}.{migration.name}"))
        if migration.problems:
            incomplete.append(migration)
        for operation in migration.operations:
            description = describe_operation_detail(operation, backwards)
            lines.append(_line(_INDENT + description.text))
            if not description.exact:
                inexact.append((migration, operation))
            if description.warning:
                irreversible.append((migration, operation))
    return PlanText("".join(lines), tuple(inexact), tuple(incomplete), tuple(irreversible))


def format_migrate_plan(plan: Sequence[tuple[MigrationFile, bool]]) -> str:
    """Exactly the stdout of ``manage.py migrate --plan`` (no colours) for ``plan``."""
    return render_migrate_plan(plan).text
