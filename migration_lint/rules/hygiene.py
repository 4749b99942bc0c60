"""ML504: ``# noqa`` comments that silence nothing.

Unlike the other rules this one is judged by :func:`migration_lint.rules.run_rules` after
all the others ran: whether a ``noqa`` is used depends on their findings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from migration_lint.findings import Issue, Severity
from migration_lint.model import MigrationFile, Span
from migration_lint.pipeline import display_path
from migration_lint.rules.base import REGISTRY, rule

if TYPE_CHECKING:
    from migration_lint.pipeline import Analysis

UNUSED_NOQA = "ML504"

#: (display path, line, code) of a noqa comment that silenced a finding of that code.
Use = tuple[str, int, str]


@rule(
    UNUSED_NOQA,
    "unused-noqa",
    Severity.INFO,
    "A noqa comment naming a code that silences nothing",
    scope="file",
)
def unused_noqa(analysis: Analysis) -> Iterator[Issue]:
    """Finds ``# noqa: ML101`` comments naming a code that reports nothing there.

    Only codes of rules that ran are judged (a ``noqa`` for a rule switched off by
    ``--select`` may be needed when it is on again); a code that is no rule at all is
    always reported. A bare ``# noqa`` and codes of other tools (``E501``) are left alone:
    they may be meant for another linter.

    ## Why it hurts
    A stale suppression hides the next real finding on that operation: after the
    migration is edited, the comment silences a problem nobody has looked at.

    ## What to do instead
    Delete the comment, or the code from it. Keep a reason on the ones you need::

        migrations.AddField(  # noqa: ML102 -- nothing inserts books during this deploy
            "book", "isbn", models.CharField(max_length=13, default="")
        ),
    """
    return iter(())  # judged in run_rules, which knows what the other rules silenced


def unused_noqa_issues(
    files: Collection[MigrationFile], used: set[Use], ran: Collection[str]
) -> Iterator[Issue]:
    """The ``# noqa`` codes of ``files`` that silenced nothing, among the codes that ran."""
    for migration in files:
        path = display_path(migration.path)
        for line, codes in migration.suppressions.lines:
            for code in codes:
                if (path, line, code) in used or (code in REGISTRY and code not in ran):
                    continue
                what = "no such rule" if code not in REGISTRY else "nothing to silence here"
                yield Issue(
                    path=path,
                    span=Span(line, 1, line, 1),
                    message=f"`# noqa: {code}` is unused: {what}",
                    hint=f"remove {code} from the comment",
                    app=migration.app_label,
                    migration=migration.name,
                )
