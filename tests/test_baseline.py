"""``check --base REF``: which migrations are new, which deploy unit the safety rules see,
and how a ref that cannot be read is reported. Every test uses a real git repository."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from migration_lint.baseline import BaselineError, load_baseline, resolve_base
from migration_lint.config import load_config
from migration_lint.pipeline import Analysis, analyse
from migration_lint.rules import REGISTRY  # before the safety package, which it imports
from migration_lint.safety.scope import linted_sites
from tests.projects import check_json, git, migration, run, write_tree

CREATE_BOOK = migration(
    operations="""\
    migrations.CreateModel(
        name="Book",
        fields=[("id", models.BigAutoField(primary_key=True))],
    ),
    """,
    extra="initial = True",
)


def add_pages(model: str, dependency: str, field: str = "models.IntegerField(default=0)") -> str:
    """A migration adding a NOT NULL column to ``model``."""
    return migration(
        ("shop", dependency),
        operations=f"""\
        migrations.AddField(
            model_name="{model}",
            name="pages",
            field={field},
        ),
        """,
    )


CREATE_AUTHOR = migration(
    ("shop", "0001_initial"),
    operations="""\
    migrations.CreateModel(
        name="Author",
        fields=[("id", models.BigAutoField(primary_key=True))],
    ),
    """,
)


def committed(root: Path, files: dict[str, str]) -> Path:
    """A git repository at ``root`` whose branch ``main`` holds ``files`` (the base)."""
    write_tree(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    return root


def analysis_at(root: Path, base: str | None) -> Analysis:
    config = load_config(root, paths=(root,), overrides={"cache-dir": False})
    return analyse(replace(config, base=base))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """``shop.0001_initial`` (Book) committed on ``main``."""
    return committed(tmp_path / "project", {"shop/migrations/0001_initial.py": CREATE_BOOK})


def test_new_migrations_are_those_the_ref_lacks(shop: Path) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    write_tree(shop, {"shop/migrations/0002_author.py": CREATE_AUTHOR})
    git(shop, "add", ".")
    git(shop, "commit", "-q", "-m", "committed on the branch")
    write_tree(shop, {"shop/migrations/0003_pages.py": add_pages("book", "0002_author")})
    baseline = analysis_at(shop, "main").baseline
    assert baseline is not None
    assert baseline.ref == "main"
    assert baseline.new == {("shop", "0002_author"), ("shop", "0003_pages")}
    assert set(baseline.migrations) == {("shop", "0001_initial")}
    assert baseline.migrations[("shop", "0001_initial")].source is None  # unchanged
    at_head = analysis_at(shop, "HEAD").baseline
    assert at_head is not None
    assert at_head.new == {("shop", "0003_pages")}


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_unchanged_files_are_recognised_without_reading_them(
    tmp_path: Path, object_format: str
) -> None:
    """Only files that differ from the ref are read from git (their ``source``)."""
    root = write_tree(tmp_path, {"shop/migrations/0001_initial.py": CREATE_BOOK})
    git(root, "init", "-q", f"--object-format={object_format}")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    baseline = analysis_at(root, "HEAD").baseline
    assert baseline is not None
    assert baseline.migrations[("shop", "0001_initial")].source is None
    (root / "shop/migrations/0001_initial.py").write_text(CREATE_BOOK + "# edited\n")
    baseline = analysis_at(root, "HEAD").baseline
    assert baseline is not None
    assert baseline.migrations[("shop", "0001_initial")].source == CREATE_BOOK.encode()


def test_without_a_base_there_is_no_baseline_and_no_ml5xx(shop: Path) -> None:
    (shop / "shop/migrations/0001_initial.py").write_text(CREATE_AUTHOR)
    analysis = analysis_at(shop, None)
    assert analysis.baseline is None
    assert [list(REGISTRY[code].check(analysis)) for code in ("ML501", "ML502", "ML503")] == [
        [],
        [],
        [],
    ]


def test_the_new_migrations_are_one_deploy_unit(shop: Path) -> None:
    """A column added to a table the base has is judged as a change to a live table; the
    same column added to a table another new migration creates is not."""
    write_tree(
        shop,
        {
            "shop/migrations/0002_author.py": CREATE_AUTHOR,
            "shop/migrations/0003_book_pages.py": add_pages("book", "0002_author"),
            "shop/migrations/0004_author_pages.py": add_pages("author", "0003_book_pages"),
        },
    )
    sites = {
        (site.migration.name, site.is_fresh(str(site.operation.kwarg("model_name"))))
        for site in linted_sites(analysis_at(shop, "main"))
        if site.operation.path == "django.db.migrations.AddField"
    }
    assert sites == {("0003_book_pages", False), ("0004_author_pages", True)}


def test_the_safety_rules_judge_the_branch_as_one_deploy(shop: Path) -> None:
    """ML101 end to end: a NOT NULL column without a default fails on the table ``main``
    has (it has rows); on the table the branch creates it is harmless, unless each
    migration is deployed on its own (no base)."""
    write_tree(
        shop,
        {
            "shop/migrations/0002_author.py": CREATE_AUTHOR,
            "shop/migrations/0003_book_pages.py": add_pages(
                "book", "0002_author", "models.IntegerField()"
            ),
            "shop/migrations/0004_author_pages.py": add_pages(
                "author", "0003_book_pages", "models.IntegerField()"
            ),
        },
    )
    _, with_base = check_json(shop, "--select", "ML101", "--base", "main")
    assert [f["migration"] for f in with_base] == ["0003_book_pages"]
    _, without = check_json(shop, "--select", "ML101")
    assert [f["migration"] for f in without] == ["0003_book_pages", "0004_author_pages"]


def test_without_a_base_each_migration_is_its_own_deploy(shop: Path) -> None:
    write_tree(
        shop,
        {
            "shop/migrations/0002_author.py": CREATE_AUTHOR,
            "shop/migrations/0003_author_pages.py": add_pages("author", "0002_author"),
        },
    )
    (site,) = [
        site
        for site in linted_sites(analysis_at(shop, None))
        if site.operation.path == "django.db.migrations.AddField"
    ]
    assert not site.is_fresh("author")


def test_the_fingerprint_follows_the_base_files(shop: Path) -> None:
    """The results cache must not reuse ML5xx results once the base's files change."""
    before = analysis_at(shop, "main").baseline
    (shop / "shop/migrations/0001_initial.py").write_text(CREATE_BOOK + "# edited\n")
    git(shop, "commit", "-q", "-am", "comment")
    after = analysis_at(shop, "main").baseline
    assert before is not None and after is not None
    assert before.new == after.new == frozenset()
    assert before.fingerprint() != after.fingerprint()


def test_unknown_ref_is_a_usage_error(shop: Path) -> None:
    with pytest.raises(BaselineError, match="unknown ref 'develop'"):
        load_baseline(analysis_at(shop, None), "develop")
    result = run(shop, "check", "--no-cache", "--base", "develop")
    assert result.exit_code == 2
    assert "unknown ref 'develop'" in result.stderr
    assert "shallow" not in result.stderr


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "project", {"shop/migrations/0001_initial.py": CREATE_BOOK})
    result = run(root, "check", "--no-cache", "--base", "main")
    assert result.exit_code == 2
    assert "git rev-parse failed" in result.stderr


def test_a_shallow_clone_is_told_to_fetch_the_history(shop: Path, tmp_path: Path) -> None:
    git(shop, "checkout", "-q", "-b", "feature")
    write_tree(shop, {"shop/migrations/0002_author.py": CREATE_AUTHOR})
    git(shop, "add", ".")
    git(shop, "commit", "-q", "-m", "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", shop.as_uri(), str(clone))
    result = run(clone, "check", "--no-cache", "--base", "origin/main")
    assert result.exit_code == 2
    assert "unknown ref 'origin/main'" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "git fetch --unshallow" in result.stderr


def test_github_actions_pull_requests_default_to_the_base_branch(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_BASE_REF", "develop")
    result = run(shop, "check", "--no-cache", "--select", "ML5")
    assert result.exit_code == 2
    assert "unknown ref 'origin/develop'" in result.stderr
    assert run(shop, "check", "--no-cache", "--select", "ML5", "--no-base").exit_code == 0
    git(shop, "update-ref", "refs/remotes/origin/develop", "HEAD")
    assert run(shop, "check", "--no-cache", "--select", "ML5").exit_code == 0


@pytest.mark.parametrize(
    ("option", "no_base", "configured", "environ", "expected"),
    [
        (None, False, None, {}, None),
        ("main", False, "develop", {}, "main"),
        (None, False, "develop", {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "x"}, "develop"),
        (None, False, None, {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "x"}, "origin/x"),
        (None, False, None, {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": ""}, None),
        (None, False, None, {"GITHUB_BASE_REF": "x"}, None),
        (None, True, "develop", {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "x"}, None),
    ],
)
def test_which_base_applies(
    option: str | None,
    no_base: bool,
    configured: str | None,
    environ: dict[str, str],
    expected: str | None,
) -> None:
    """``--no-base``, then ``--base``, then the ``base`` setting, then GitHub's base branch."""
    assert resolve_base(option, no_base, configured, environ) == expected


def test_no_base_wins_and_an_empty_base_is_refused(shop: Path) -> None:
    """``--no-base`` beats ``--base`` (so a wrapper passing ``--base`` can be overridden by
    the user's extra arguments); an empty ``--base`` is a mistake, not a way to say none."""
    assert (
        run(shop, "check", "--no-cache", "--select", "ML5", "--base", "nope", "--no-base").exit_code
        == 0
    )
    empty = run(shop, "check", "--no-cache", "--base", "")
    assert empty.exit_code == 2
    assert "use --no-base" in empty.stderr


def test_the_base_setting_is_read_from_the_configuration(shop: Path) -> None:
    (shop / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\nbase = 'develop'\n"
    )
    assert "unknown ref 'develop'" in run(shop, "check", "--no-cache", "--select", "ML5").stderr
    assert run(shop, "check", "--no-cache", "--select", "ML5", "--no-base").exit_code == 0
    # Commands that judge no change against a ref do not read it.
    assert run(shop, "plan", "--no-cache").exit_code == 0


def test_external_apps_are_never_new(shop: Path, tmp_path: Path) -> None:
    """Apps that are not the project's own (here an ``external-paths`` one, not versioned
    in this repository) are not the change under review."""
    vendored = write_tree(tmp_path / "vendor", {"billing/migrations/0001_initial.py": migration()})
    (shop / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\n"
        f"external-paths = [{str(vendored / 'billing')!r}]\n"
    )
    analysis = analysis_at(shop, "main")
    assert ("billing", "0001_initial") in analysis.by_key
    assert analysis.baseline is not None
    assert analysis.baseline.new == frozenset()
    assert set(analysis.baseline.migrations) == {("shop", "0001_initial")}
