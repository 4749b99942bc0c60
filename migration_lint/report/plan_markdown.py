"""``plan --format markdown``: the plan report for a GitHub job summary or PR comment.

A heading with what the plan does, a summary line (strongest lock, rewrites, irreversible
operations, post-deploy migrations), then one section per migration: its file, transaction,
deploy stage and strongest lock, and a table of its operations with Django's own line, what
the database does (and the rule that flags it), the lock, rewrite or scan, and whether the
operation can be unapplied. Like the findings report it stays under
:data:`~migration_lint.report.markdown.MAX_CHARACTERS`, cutting whole rows with a note.
"""

from __future__ import annotations

from migration_lint.pipeline import display_path
from migration_lint.plan_report import MigrationPlan, OperationPlan, PlanReport
from migration_lint.report.markdown import MAX_CHARACTERS, escape_cell
from migration_lint.safety.effects import Effect

__all__ = ["render_plan_markdown"]

_TABLE = [
    "| # | Operation | What the database does | Lock | Rewrite / scan | Reversible |",
    "| --- | --- | --- | --- | --- | --- |",
]
#: Room kept for the note about what was cut.
_NOTE_RESERVE = 300
_VENDORS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun if number == 1 else noun + 's'}"


def _heading(report: PlanReport) -> str:
    if not report.migrations:
        return "## Migration plan"
    unapply = sum(migration.backwards for migration in report.migrations)
    parts = [
        f"{count} to {verb}"
        for count, verb in ((len(report.migrations) - unapply, "apply"), (unapply, "unapply"))
        if count
    ]
    return f"## Migration plan: {_count(len(report.migrations), 'migration')} ({', '.join(parts)})"


def _summary(report: PlanReport) -> str:
    """Operations and strongest lock, the counts that are not zero, the database judged."""
    database = _VENDORS.get(report.database.database, report.database.database)
    if report.database.version is not None:
        database += f" {report.database.version}"
    counts = [
        (report.rewriting, "table rewrite"),
        (report.scanning, "full-table scan"),
        (report.irreversible, "irreversible operation"),
        (report.post_deploy, "post-deploy migration"),
    ]
    parts = [
        _count(len(report.operations), "operation"),
        f"strongest lock `{report.lock}`",
        *(_count(number, noun) for number, noun in counts if number),
        f"judged for {database}",
    ]
    return " · ".join(parts)


def _migration_heading(plan: MigrationPlan) -> list[str]:
    migration = plan.migration
    verb = "Unapply" if plan.backwards else "Apply"
    source = "declared" if plan.stage_declared else "inferred"
    facts = [
        f"`{display_path(migration.path)}`",
        "atomic" if migration.atomic else "not atomic",
        f"{plan.stage} ({source})",
        "reversible" if plan.reversible else "**irreversible**",
        f"strongest lock `{plan.lock}`",
    ]
    return [f"### {verb} `{migration.app_label}.{migration.name}`", "", " · ".join(facts), ""]


def _effect(effect: Effect) -> str:
    text = f"`{effect.table}`: {effect.what}" if effect.table else effect.what
    if effect.code:
        text += f" (**{effect.code}**: {effect.message})"
    return text


def _row(op: OperationPlan) -> str:
    done = " and ".join(
        word for word, flag in (("rewrite", op.rewrites), ("scan", op.scans)) if flag
    )
    cells = [
        str(op.index),
        op.description.text,
        "\n".join(_effect(effect) for effect in op.effects) or "nothing",
        op.lock,
        done or "no",
        "yes" if op.reversible else "**no**",
    ]
    return "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"


def _body(report: PlanReport) -> list[list[str]]:
    """The report's lines in blocks that are kept or cut whole: a migration's heading with
    its table header, then each row."""
    blocks: list[list[str]] = []
    for plan in report.migrations:
        if not plan.operations:
            blocks.append([*_migration_heading(plan), "_No operations._", ""])
            continue
        blocks.append([*_migration_heading(plan), *_TABLE])
        blocks.extend([_row(op)] for op in plan.operations)
        blocks[-1].append("")
    return blocks


def render_plan_markdown(report: PlanReport) -> str:
    """The markdown plan, never longer than :data:`MAX_CHARACTERS`."""
    lines = [_heading(report), ""]
    if not report.migrations:
        return "\n".join([*lines, "_No planned migration operations._"]) + "\n"
    lines += [_summary(report), ""]
    budget = MAX_CHARACTERS - _NOTE_RESERVE - sum(len(line) + 1 for line in lines)
    blocks = _body(report)
    for shown, block in enumerate(blocks):
        size = sum(len(line) + 1 for line in block)
        if size > budget:
            rows = sum(1 for rest in blocks[shown:] if rest[0].startswith("| "))
            lines += [
                "",
                f"_…the plan is too long for this summary: {_count(rows, 'more operation')} "
                "not shown; run `migration-lint plan --format json` for all of it._",
            ]
            break
        lines += block
        budget -= size
    return "\n".join(lines).rstrip("\n") + "\n"
