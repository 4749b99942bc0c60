"""Rule results are reused while nothing a rule reads has changed, and only then."""

from __future__ import annotations

import pickle
from pathlib import Path

from migration_lint.model import Span
from migration_lint.results_cache import RESULTS_FILE
from migration_lint.rules.base import Issue
from tests.projects import migration, run, write_tree


def _plant(cache_dir: Path, message: str) -> None:
    """Replace the stored ML001 issues with one we made up, under the stored digest."""
    digest, results = pickle.loads((cache_dir / RESULTS_FILE).read_bytes())
    planted = Issue("shop/migrations/0001_initial.py", Span(1, 1, 1, 1), message, app="shop")
    results["ML001"] = (planted,)
    (cache_dir / RESULTS_FILE).write_bytes(pickle.dumps((digest, results)))


def test_unchanged_history_reuses_results_and_any_change_recomputes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration()})
    cache_dir = tmp_path / "cache"
    check = ("check", "--cache-dir", str(cache_dir), "--color", "never")
    assert run(tmp_path, *check).exit_code == 0
    _plant(cache_dir, "planted finding")
    assert "planted finding" in run(tmp_path, *check).output  # reused, not recomputed

    (tmp_path / "shop/migrations/0002_a.py").write_text(migration(("shop", "0001_initial")))
    (tmp_path / "shop/migrations/0002_b.py").write_text(migration(("shop", "0001_initial")))
    result = run(tmp_path, *check)
    assert "planted finding" not in result.output
    assert "ML001" in result.output and "0002_a, 0002_b" in result.output


def test_settings_changes_invalidate_results(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration()})
    cache_dir = tmp_path / "cache"
    check = ("check", "--cache-dir", str(cache_dir))
    run(tmp_path, *check)
    _plant(cache_dir, "planted finding")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\nauth-user-model = 'shop.User'\n"
    )
    assert "planted finding" not in run(tmp_path, *check).output


def test_no_cache_reads_and_writes_no_results(tmp_path: Path) -> None:
    write_tree(tmp_path, {"shop/migrations/0001_initial.py": migration()})
    assert run(tmp_path, "check", "--no-cache").exit_code == 0
    assert not list(tmp_path.rglob(RESULTS_FILE))
