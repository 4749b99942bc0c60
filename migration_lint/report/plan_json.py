"""``plan --format json``: the plan report as a stable, versioned document.

Schema (``version`` 1; keys are always present, ``null`` where a value is unknown)::

    {
      "version": 1,
      "database": "postgresql", "database_version": 16 | null,
      "targets": [{"app": "shop", "name": "0002_price" | null (zero)}],
      "migrations": [{
        "app", "name", "path",
        "direction": "apply" | "unapply",
        "atomic": bool,                       # the migration's own flag
        "stage": "pre-deploy" | "post-deploy" | "always",
        "stage_source": "declared" | "inferred",
        "reversible": bool,                   # every operation can be unapplied
        "lock": "<strongest lock>", "rewrites": bool, "scans": bool,
        "flagged": [{"operation", "code", "kind", "table", "message", "hint"}],
        "operations": [{
          "index", "operation": "AddField", "line",
          "description": "<the line migrate --plan prints>", "exact": bool,
          "reversible": bool, "atomic": bool | null,
          "lock", "rewrites", "scans",
          "effects": [{"table", "model", "lock", "what", "rewrites", "scans",
                       "code", "kind", "stage", "message", "hint"}]
        }]
      }],
      "summary": {"migrations", "operations", "irreversible", "strongest_lock",
                  "rewrites", "scans", "post_deploy"}
    }

Locks are PostgreSQL's table lock modes, plus ``none`` and ``unknown``. ``flagged`` lists
the effects ``check`` reports (weighed against ``small-tables``, a declared stage and
squashes as it does); every effect keeps its rule ``code`` either way. Summary counts are
operations, except ``migrations`` and ``post_deploy`` (migrations).
"""

from __future__ import annotations

import json
from typing import Any

from migration_lint.pipeline import display_path
from migration_lint.plan_report import MigrationPlan, OperationPlan, PlanReport
from migration_lint.safety.effects import Effect

__all__ = ["plan_document", "render_plan_json"]


def _effect(effect: Effect) -> dict[str, Any]:
    return {
        "table": effect.table,
        "model": None if effect.model is None else ".".join(effect.model),
        "lock": effect.lock,
        "what": effect.what,
        "rewrites": effect.rewrites,
        "scans": effect.scans,
        "code": effect.code,
        "kind": effect.kind,
        "stage": effect.stage,
        "message": effect.message,
        "hint": effect.hint,
    }


def _operation(op: OperationPlan) -> dict[str, Any]:
    return {
        "index": op.index,
        "operation": op.operation.name,
        "line": op.operation.span.line,
        "description": op.description.text,
        "exact": op.description.exact,
        "reversible": op.reversible,
        "atomic": op.atomic,
        "lock": op.lock,
        "rewrites": op.rewrites,
        "scans": op.scans,
        "effects": [_effect(effect) for effect in op.effects],
    }


def _migration(plan: MigrationPlan) -> dict[str, Any]:
    migration = plan.migration
    return {
        "app": migration.app_label,
        "name": migration.name,
        "path": display_path(migration.path),
        "direction": "unapply" if plan.backwards else "apply",
        "atomic": migration.atomic,
        "stage": plan.stage,
        "stage_source": "declared" if plan.stage_declared else "inferred",
        "reversible": plan.reversible,
        "lock": plan.lock,
        "rewrites": plan.rewrites,
        "scans": plan.scans,
        "flagged": [
            {
                "operation": op.index,
                "code": effect.code,
                "kind": effect.kind,
                "table": effect.table,
                "message": effect.message,
                "hint": effect.hint,
            }
            for op, effect in plan.flagged
        ],
        "operations": [_operation(op) for op in plan.operations],
    }


def plan_document(report: PlanReport) -> dict[str, Any]:
    """The JSON document (see the module docstring) as Python data."""
    return {
        "version": 1,
        "database": report.database.database,
        "database_version": report.database.version,
        "targets": [{"app": app, "name": name} for app, name in report.targets],
        "migrations": [_migration(migration) for migration in report.migrations],
        "summary": {
            "migrations": len(report.migrations),
            "operations": len(report.operations),
            "irreversible": report.irreversible,
            "strongest_lock": report.lock,
            "rewrites": report.rewriting,
            "scans": report.scanning,
            "post_deploy": report.post_deploy,
        },
    }


def render_plan_json(report: PlanReport) -> str:
    return json.dumps(plan_document(report), indent=2, ensure_ascii=False) + "\n"
