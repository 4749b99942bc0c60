"""Deploy stages (ML130), the once-per-run lock timeout notice (ML131), unused noqa (ML504)
and the configuration that tunes the safety rules (per-app ignores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lint.parsing.migrations import parse_migration
from tests.projects import check_json, migration, write_tree

INITIAL = migration(
    operations="""\
    migrations.CreateModel('Book', [
        ('id', models.AutoField(primary_key=True)),
        ('title', models.CharField(max_length=100)),
        ('legacy', models.CharField(max_length=100, null=True)),
    ]),
    """
)
ADD_SUBTITLE = "migrations.AddField('book', 'subtitle', models.TextField(null=True)),\n"
DROP_LEGACY = "migrations.RemoveField('book', 'legacy'),\n"
SAFEMIGRATE = "from django_safemigrate import Safe\n"
SYZYGY = "from syzygy import Stage\n"


def project(tmp_path: Path, second: str, config: str = "") -> Path:
    return write_tree(
        tmp_path,
        {
            "pyproject.toml": f"[tool.migration-lint]\ndjango-contrib = 'never'\n{config}",
            "shop/migrations/0001_initial.py": INITIAL,
            "shop/migrations/0002_change.py": second,
        },
    )


def staged(stage: str, operations: str, header: str = SAFEMIGRATE) -> str:
    return header + migration(("shop", "0001_initial"), operations=operations, extra=stage)


def codes(findings: list[dict[str, object]], prefix: str = "ML") -> list[object]:
    """The codes found, but the once-per-run lock timeout notice (tested on its own)."""
    return [
        f["code"] for f in findings if str(f["code"]).startswith(prefix) and f["code"] != "ML131"
    ]


@pytest.mark.parametrize(
    ("header", "attribute", "stage"),
    [
        (SAFEMIGRATE, "safe = Safe.before_deploy()", "pre-deploy"),
        (SAFEMIGRATE, "safe = Safe.after_deploy()", "post-deploy"),
        (SAFEMIGRATE, "safe = Safe.after_deploy", "post-deploy"),  # safemigrate < 5
        (SAFEMIGRATE, "safe = Safe.always()", "always"),
        (SYZYGY, "stage = Stage.PRE_DEPLOY", "pre-deploy"),
        (SYZYGY, "stage = Stage.POST_DEPLOY", "post-deploy"),
        ("from syzygy.constants import Stage\n", "stage = Stage.POST_DEPLOY", "post-deploy"),
    ],
)
def test_declared_stages_are_read(header: str, attribute: str, stage: str) -> None:
    text = header + migration(extra=attribute)
    parsed = parse_migration(text.encode(), app_label="shop", name="0002_x", path="x.py")
    assert parsed.stage is not None
    assert parsed.stage.stage == stage
    assert parsed.stage.source == attribute
    assert parsed.stage.span.line == text.splitlines().index(f"    {attribute}") + 1


def test_a_migration_without_markers_has_no_stage() -> None:
    parsed = parse_migration(migration().encode(), app_label="shop", name="0002", path="x.py")
    assert parsed.stage is None


def test_a_post_deploy_drop_is_fine_and_a_pre_deploy_drop_is_not(tmp_path: Path) -> None:
    status, findings = check_json(
        project(tmp_path, staged("safe = Safe.after_deploy()", DROP_LEGACY))
    )
    assert codes(findings) == []
    (tmp_path / "shop/migrations/0002_change.py").write_text(
        staged("safe = Safe.before_deploy()", DROP_LEGACY)
    )
    status, findings = check_json(tmp_path)
    assert status == 1
    assert sorted(codes(findings)) == ["ML103", "ML130"]
    (stage_finding,) = [f for f in findings if f["code"] == "ML130"]
    assert "safe = Safe.before_deploy()" in str(stage_finding["message"])
    assert "RemoveField needs to run post-deploy" in str(stage_finding["message"])


def test_a_post_deploy_migration_must_not_add_what_the_new_code_needs(tmp_path: Path) -> None:
    text = staged("stage = Stage.POST_DEPLOY", ADD_SUBTITLE, header=SYZYGY)
    _, findings = check_json(project(tmp_path, text))
    assert codes(findings) == ["ML130"]
    assert "AddField needs to run pre-deploy" in str(findings[0]["message"])


def test_mixing_additions_and_drops_is_an_error_once_the_project_uses_stages(
    tmp_path: Path,
) -> None:
    mixed = migration(("shop", "0001_initial"), operations=ADD_SUBTITLE + DROP_LEGACY)
    _, findings = check_json(project(tmp_path, mixed))
    assert "ML130" not in codes(findings)  # a project without stage markers
    (tmp_path / "shop/migrations/0003_later.py").write_text(
        staged("safe = Safe.always()", "", header=SAFEMIGRATE).replace(
            "('shop', '0001_initial')", "('shop', '0002_change')"
        )
    )
    _, findings = check_json(tmp_path)
    (stage_finding,) = [f for f in findings if f["code"] == "ML130"]
    assert stage_finding["path"] == "shop/migrations/0002_change.py"
    assert "mixes a pre-deploy AddField (line" in str(stage_finding["message"])


def test_the_lock_timeout_notice_comes_once_per_run(tmp_path: Path) -> None:
    second = migration(("shop", "0001_initial"), operations=ADD_SUBTITLE)
    third = migration(("shop", "0002_change"), operations=ADD_SUBTITLE.replace("subtitle", "blurb"))
    project(tmp_path, second)
    (tmp_path / "shop/migrations/0003_blurb.py").write_text(third)
    _, findings = check_json(tmp_path)
    notices = [f for f in findings if f["code"] == "ML131"]
    assert len(notices) == 1
    assert notices[0]["severity"] == "info"
    assert notices[0]["path"] == "shop/migrations/0002_change.py"
    assert "2 change(s) in 2 migration(s)" in str(notices[0]["message"])


def test_no_lock_timeout_notice_when_the_runner_sets_one_or_nothing_locks(
    tmp_path: Path,
) -> None:
    second = migration(("shop", "0001_initial"), operations=ADD_SUBTITLE)
    _, findings = check_json(project(tmp_path, second, "deploy-sets-lock-timeout = true\n"))
    assert "ML131" not in codes(findings)
    _, findings = check_json(project(tmp_path, migration(("shop", "0001_initial"))))
    assert "ML131" not in codes(findings)


CUSTOM = "from shop.operations import Backfill\n"


def test_unused_noqa_is_reported_and_used_noqa_is_not(tmp_path: Path) -> None:
    second = CUSTOM + migration(
        ("shop", "0001_initial"),
        operations="""\
        Backfill(),  # noqa: ML008 -- documented in the runbook
        migrations.RunSQL('SELECT 1', 'SELECT 1'),  # noqa: ML010, ML999
        """,
    )
    _, findings = check_json(
        project(tmp_path, second, "deploy-sets-lock-timeout = true\n"), "--select", "ML0,ML5"
    )
    unused = [(f["line"], f["message"]) for f in findings if f["code"] == "ML504"]
    line = (
        second.splitlines().index(
            "        migrations.RunSQL('SELECT 1', 'SELECT 1'),  # noqa: ML010, ML999"
        )
        + 1
    )
    assert unused == [
        (line, "`# noqa: ML010` is unused: nothing to silence here"),
        (line, "`# noqa: ML999` is unused: no such rule"),
    ]
    assert "ML008" not in codes(findings)


def test_noqa_for_a_rule_that_did_not_run_is_not_judged(tmp_path: Path) -> None:
    second = CUSTOM + migration(("shop", "0001_initial"), operations="Backfill(),  # noqa: ML008\n")
    _, findings = check_json(project(tmp_path, second), "--select", "ML5")
    assert codes(findings) == []


def test_per_app_ignores_silence_an_app_by_code_or_prefix(tmp_path: Path) -> None:
    second = CUSTOM + migration(("shop", "0001_initial"), operations="Backfill(),\n")
    _, findings = check_json(project(tmp_path, second))
    assert "ML008" in codes(findings)
    _, findings = check_json(project(tmp_path, second, "per-app-ignores = {shop = ['ML0']}\n"))
    assert codes(findings, "ML0") == []
