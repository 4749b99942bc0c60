"""The pre-commit hook: ``check`` handed files, the manifest, and the real ``pre-commit``.

pre-commit passes only the changed files, but a migration graph is only right when every
migration is loaded. These tests pin the contract of :mod:`migration_lint.targets`: files
among PATHS load the whole project and only filter what file-scoped rules report; graph
findings are always reported, since a new file can cause them anywhere. The last tests run
the real ``pre-commit`` against a temporary git repository that uses this repository's
``.pre-commit-hooks.yaml``, so a broken manifest or entry point fails here, not for users.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.projects import check_json, migration, write_tree

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

#: A migration the parser cannot evaluate: ML009, a file-scoped rule.
UNREADABLE = (
    "from django.db import migrations\nfrom legacy.helpers import deps\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = []\n"
    "    operations = [migrations.RunPython(deps.forwards)] + deps.more()\n"
)
SHOP = {
    "shop/migrations/0001_initial.py": migration(),
    "shop/migrations/0002_price.py": migration(("shop", "0001_initial")),
}
BLOG = {"blog/migrations/0001_initial.py": migration()}


def codes(findings: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(f["code"], f["path"]) for f in findings]


# -- check FILE: the whole project is loaded, PATHS filter file-scoped findings --------------


def test_a_file_argument_still_loads_the_whole_graph(tmp_path: Path) -> None:
    """A conflict in an app whose files were not passed is still reported (project scope)."""
    write_tree(
        tmp_path,
        {**SHOP, "shop/migrations/0002_stock.py": migration(("shop", "0001_initial")), **BLOG},
    )
    status, findings = check_json(tmp_path, "blog/migrations/0001_initial.py")
    assert status == 1
    assert codes(findings) == [("ML001", "shop/migrations/0002_stock.py")]


def test_a_missing_dependency_is_reported_whatever_file_is_passed(tmp_path: Path) -> None:
    """Deleting a migration leaves its dependants dangling; pre-commit passes neither."""
    write_tree(
        tmp_path,
        {**BLOG, "shop/migrations/0002_price.py": migration(("shop", "0001_initial"))},
    )
    status, findings = check_json(tmp_path, "blog/migrations/0001_initial.py")
    assert status == 1
    assert codes(findings) == [("ML002", "shop/migrations/0002_price.py")]


def test_file_scoped_findings_are_reported_only_for_the_paths_passed(tmp_path: Path) -> None:
    """An old unreadable file must not fail every commit that touches another migration."""
    write_tree(tmp_path, {**SHOP, "legacy/migrations/0001_initial.py": UNREADABLE})
    legacy = ("ML009", "legacy/migrations/0001_initial.py")

    assert check_json(tmp_path, "shop/migrations/0002_price.py") == (0, [])
    status, findings = check_json(tmp_path, "legacy/migrations/0001_initial.py")
    assert (status, codes(findings)) == (1, [legacy])
    # A directory among file PATHS covers the files under it.
    status, findings = check_json(tmp_path, "shop/migrations/0002_price.py", "legacy")
    assert (status, codes(findings)) == (1, [legacy])
    # Directories alone keep their old meaning: they are what is scanned and reported.
    status, findings = check_json(tmp_path)
    assert (status, codes(findings)) == (1, [legacy])


def test_the_project_root_is_found_from_the_first_file(tmp_path: Path) -> None:
    """pre-commit runs from the git root; the configuration may sit in a sub-project."""
    project = tmp_path / "backend"
    write_tree(
        project,
        {**SHOP, "shop/migrations/0002_stock.py": migration(("shop", "0001_initial"))},
    )
    (project / "pyproject.toml").write_text(
        "[tool.migration-lint]\ndjango-contrib = 'never'\nignore = ['ML001']\n"
    )
    assert check_json(tmp_path, "backend/shop/migrations/0002_stock.py") == (0, [])
    # The same project without its configuration: the conflict is there to be ignored.
    (project / "pyproject.toml").write_text("[tool.migration-lint]\ndjango-contrib = 'never'\n")
    status, findings = check_json(tmp_path, "backend/shop/migrations/0002_stock.py")
    assert (status, codes(findings)) == (1, [("ML001", "backend/shop/migrations/0002_stock.py")])


def test_the_hook_path_imports_neither_django_nor_github() -> None:
    """pre-commit's environment has neither, and pre-commit.ci allows no network."""
    bookshop = ROOT / "examples" / "bookshop"
    result = subprocess.run(
        [
            *(sys.executable, "-X", "importtime", "-m", "migration_lint", "check", "--no-cache"),
            *("library/migrations/0002_book_isbn.py", "shop/models.py"),
        ],
        cwd=bookshop,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "ML001" in result.stdout
    imported = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", result.stderr, re.M)
    assert "migration_lint.targets" in imported
    assert [m for m in imported if m.split(".")[0] in {"django", "github"}] == []


# -- the manifest --------------------------------------------------------------------------


def test_manifest_is_valid_and_matches_migrations_and_models() -> None:
    """pre-commit's own schema accepts it, and ``files`` picks what can change the graph."""
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(MANIFEST))
    assert hook["id"] == "migration-lint"
    assert hook["entry"] == "migration-lint check"
    assert (hook["language"], hook["require_serial"], hook["pass_filenames"]) == (
        "python",
        True,
        True,
    )
    files = re.compile(hook["files"])
    for path in [
        "shop/migrations/0001_initial.py",
        "src/shop/migrations/0002_x.py",
        "migrations/0001_initial.py",
        "shop/models.py",
        "shop/models/__init__.py",
        "shop/models/product.py",
    ]:
        assert files.search(path), path
    for path in [
        "shop/views.py",
        "shop/migrations/sub/0001.py",
        "shop/migrations/0001_initial.pyc",
        "shop/models/deep/x.py",
        "shop/mymodels.py",
    ]:
        assert not files.search(path), path


# -- the real pre-commit ---------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=_env()
    ).stdout


def _env() -> dict[str, str]:
    """Git and pre-commit isolated from the user's configuration and caches."""
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    env.pop("PRE_COMMIT", None)
    return env


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, Path]]:
    """A git clone of this working tree (the hook repo) at a commit, and a PRE_COMMIT_HOME.

    Module-scoped so that pre-commit builds the hook's environment (pip installing libcst,
    click, sqlparse) once for every test here.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("precommit")
    hook_repo = base / "hook-repo"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "migration_lint", hook_repo / "migration_lint", ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, hook_repo / name)
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", "-A")
    _git(hook_repo, "commit", "-q", "-m", "hook")
    yield hook_repo, _git(hook_repo, "rev-parse", "HEAD").strip(), base / "home"


def _project(root: Path, hook: tuple[Path, str, Path]) -> dict[str, str]:
    """A git repository with a clean Django project committed and the hook installed."""
    hook_repo, rev, home = hook
    write_tree(root, {**SHOP, **BLOG, "legacy/migrations/0001_initial.py": UNREADABLE})
    (root / "README.md").write_text("project\n")
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n-   repo: {hook_repo}\n    rev: {rev}\n    hooks:\n    -   id: migration-lint\n"
    )
    (root / ".gitignore").write_text(".migration_lint_cache/\n")
    env = {**_env(), "PRE_COMMIT_HOME": str(home)}
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    # The unreadable legacy file predates the hook: committed without it.
    _git(root, "commit", "-q", "--no-verify", "-m", "initial")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=env, check=True)
    return env


def _commit(root: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    _git(root, "add", "-A")
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # git prints the hook's report on stderr
        text=True,
        check=False,
        timeout=600,
    )


def test_precommit_passes_a_clean_commit(
    tmp_path: Path, precommit_home: tuple[Path, str, Path]
) -> None:
    """A new migration on top of the leaf passes, though an old file elsewhere has ML009."""
    env = _project(tmp_path, precommit_home)
    write_tree(tmp_path, {"shop/migrations/0003_stock.py": migration(("shop", "0002_price"))})
    result = _commit(tmp_path, env, "stock")
    assert result.returncode == 0, result.stdout
    assert re.search(r"migration-lint\.+Passed", result.stdout), result.stdout
    # A commit that touches no migration or models file does not run the hook.
    (tmp_path / "README.md").write_text("changed\n")
    result = _commit(tmp_path, env, "readme")
    assert result.returncode == 0, result.stdout
    assert re.search(r"migration-lint\.+\(no files to check\)Skipped", result.stdout)


def test_precommit_fails_a_commit_adding_a_conflicting_migration(
    tmp_path: Path, precommit_home: tuple[Path, str, Path]
) -> None:
    """A second ``0002`` makes two leaves: the commit is refused with ML001."""
    env = _project(tmp_path, precommit_home)
    write_tree(tmp_path, {"shop/migrations/0002_stock.py": migration(("shop", "0001_initial"))})
    result = _commit(tmp_path, env, "conflict")
    assert result.returncode == 1, result.stdout
    assert re.search(r"migration-lint\.+Failed", result.stdout), result.stdout
    assert "ML001" in result.stdout
    assert "shop/migrations/0002_stock.py" in result.stdout
    assert "ML009" not in result.stdout  # the legacy file was not passed
    assert _git(tmp_path, "log", "--format=%s").split() == ["initial"]
